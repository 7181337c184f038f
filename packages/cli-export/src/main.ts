/**
 * Runs one nfw-flows command line: parse, run, map any error to one stderr line and an exit code.
 * Ctrl-C / SIGTERM abort the run through an AbortSignal (paging stops, temporaries are removed, a
 * resumable partial export is kept); a second Ctrl-C exits at once.
 */
import { CommanderError } from 'commander';
import { runCapture } from './commands/capture.js';
import { runDiff } from './commands/diff.js';
import { type RunContext, runExport } from './commands/export.js';
import { runOperations } from './commands/operations.js';
import { runTop } from './commands/top.js';
import { describeError, EXIT_EPIPE, EXIT_OK, EXIT_SIGINT, EXIT_USAGE, Interrupted } from './exit.js';
import { removePendingTemporaries } from './output/atomic-file.js';
import { exportPlan } from './plans.js';
import { buildProgram } from './program.js';
import { terminalLine } from './terminal-text.js';

export interface MainOptions {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Install SIGINT/SIGTERM handlers (the bin does; embedders may not want it). */
  handleSignals?: boolean;
}

function isEpipe(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: string }).code === 'EPIPE') return true;
  }
  return false;
}

/** Run the command line `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const controller = new AbortController();
  let epipe = false;
  let interrupted: NodeJS.Signals | null = null;

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== null) {
      // Second signal: give up at once (temporaries are still removed; the checkpoint stays valid).
      removePendingTemporaries();
      process.exit(signal === 'SIGTERM' ? 143 : EXIT_SIGINT);
    }
    interrupted = signal;
    controller.abort(new Interrupted(signal));
  };
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      epipe = true;
      controller.abort(error);
    }
  };
  // Late EPIPEs (writes still queued when the command ends) must not crash with a stack trace.
  const ignoreLateEpipe = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  };
  if (options.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  stdout.on('error', onStdoutError);

  const ctx: RunContext = { signal: controller.signal, stdout, stderr };
  let exitCode = EXIT_OK;
  const program = buildProgram(async (command, flags) => {
    switch (command) {
      case 'export':
        exitCode = await runExport(exportPlan('export', flags), ctx);
        break;
      case 'capture':
        exitCode = await runCapture(flags, ctx);
        break;
      case 'operations':
        exitCode = await runOperations(flags, ctx);
        break;
      case 'top':
        exitCode = await runTop(flags, ctx);
        break;
      case 'diff':
        exitCode = await runDiff(flags, ctx);
        break;
    }
  });
  let usageLine: string | null = null;
  program.exitOverride();
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => stdout.write(s),
      writeErr: (s) => stderr.write(s),
      outputError: (s) => {
        usageLine = s.replace(/^error:\s*/, '').trim();
      },
    });
  }
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: 'user' });
    return epipe ? EXIT_EPIPE : exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return EXIT_OK;
      const name = program.commands.find((c) => argv.includes(c.name()))?.name();
      stderr.write(
        `nfw-flows: ${terminalLine(usageLine ?? error.message.replace(/^error:\s*/, ''))} (see nfw-flows ${name ? `${name} ` : ''}--help)\n`,
      );
      return EXIT_USAGE;
    }
    // The reader went away (`| head`): quiet like coreutils, but not a success (issue 9).
    if (epipe || (isEpipe(error) && !interrupted)) return EXIT_EPIPE;
    const described = interrupted ? describeError(new Interrupted(interrupted)) : describeError(error);
    stderr.write(`nfw-flows: ${terminalLine(described.line)}\n`);
    if (process.env.NFW_FLOWS_DEBUG && error instanceof Error && error.stack)
      stderr.write(`${error.stack}\n`);
    return described.exitCode;
  } finally {
    stdout.off('error', onStdoutError);
    if (epipe) stdout.on('error', ignoreLateEpipe);
    if (options.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
