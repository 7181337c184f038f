/**
 * Runs one nfw-flows command line: parse, run, map any error to one stderr line and an exit code.
 */
import { type Command, CommanderError } from 'commander';
import { runCapture } from './commands/capture.js';
import { runCaptureSchedule } from './commands/capture-schedule.js';
import { runDiff } from './commands/diff.js';
import { type RunContext, runExport } from './commands/export.js';
import { runOperations } from './commands/operations.js';
import { runTableDdl } from './commands/table-ddl.js';
import { runTop } from './commands/top.js';
import { describeError, EXIT_EPIPE, EXIT_OK, EXIT_USAGE, Interrupted } from './exit.js';
import { exportPlan } from './plans/export-plan.js';
import { isSchedule } from './plans/schedule-plan.js';
import { buildProgram } from './program.js';
import { terminalLine } from './terminal-text.js';
import { type RunWatch, watchRun } from './watch-run.js';

export interface MainOptions {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Install SIGINT/SIGTERM handlers (the bin does; embedders may not want it). */
  handleSignals?: boolean;
}

/** Run the command line `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const watch = watchRun(stdout, options.handleSignals === true);
  const cli = commandLine({ signal: watch.signal, stdout, stderr });
  try {
    if (argv.length === 0) {
      cli.program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    await cli.program.parseAsync(argv, { from: 'user' });
    return watch.epipe ? EXIT_EPIPE : cli.exitCode();
  } catch (error) {
    return failureExitCode(error, argv, cli, watch, stderr);
  } finally {
    watch.stop();
  }
}

interface CommandLine {
  program: Command;
  /** The exit code the command's run resolved to. */
  exitCode(): number;
  /** commander's own error line (an unknown flag, a missing value), once it reported one. */
  usageLine(): string | null;
}

/** The program, its actions dispatched to the commands, and commander's output routed to ctx. */
function commandLine(ctx: RunContext): CommandLine {
  let exitCode = EXIT_OK;
  let usageLine: string | null = null;
  const program = buildProgram(async (command, flags) => {
    switch (command) {
      case 'export':
        exitCode = await runExport(exportPlan('export', flags), ctx);
        break;
      case 'capture':
        exitCode = isSchedule(flags) ? await runCaptureSchedule(flags, ctx) : await runCapture(flags, ctx);
        break;
      case 'operations':
        exitCode = await runOperations(flags, ctx);
        break;
      case 'top':
        exitCode = await runTop(flags, ctx);
        break;
      case 'table-ddl':
        exitCode = runTableDdl(flags, ctx);
        break;
      case 'diff':
        exitCode = await runDiff(flags, ctx);
        break;
    }
  });
  program.exitOverride();
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s) => {
        usageLine = s.replace(/^error:\s*/, '').trim();
      },
    });
  }
  return { program, exitCode: () => exitCode, usageLine: () => usageLine };
}

function isEpipe(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: string }).code === 'EPIPE') return true;
  }
  return false;
}

/** The exit code of a run that threw, after its one stderr line. */
function failureExitCode(
  error: unknown,
  argv: string[],
  cli: CommandLine,
  watch: RunWatch,
  stderr: NodeJS.WriteStream,
): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return EXIT_OK;
    const name = cli.program.commands.find((c) => argv.includes(c.name()))?.name();
    stderr.write(
      `nfw-flows: ${terminalLine(cli.usageLine() ?? error.message.replace(/^error:\s*/, ''))} (see nfw-flows ${name ? `${name} ` : ''}--help)\n`,
    );
    return EXIT_USAGE;
  }
  // The reader went away (`| head`): quiet like coreutils, but not a success.
  if (watch.epipe || (isEpipe(error) && !watch.interrupted)) return EXIT_EPIPE;
  const described = watch.interrupted
    ? describeError(new Interrupted(watch.interrupted))
    : describeError(error);
  stderr.write(`nfw-flows: ${terminalLine(described.line)}\n`);
  if (process.env.NFW_FLOWS_DEBUG && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  return described.exitCode;
}
