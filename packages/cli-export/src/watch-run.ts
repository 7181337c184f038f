/**
 * The abort signal of one command-line run: Ctrl-C / SIGTERM abort it (paging stops, temporaries are
 * removed, a resumable partial export is kept; a second signal exits at once), and so does the reader
 * of stdout going away (EPIPE).
 */
import { EXIT_SIGINT, EXIT_SIGTERM, Interrupted } from './exit.js';
import { removePendingTemporaries } from './output/atomic-file.js';

export interface RunWatch {
  readonly signal: AbortSignal;
  /** True once stdout's reader went away. */
  readonly epipe: boolean;
  /** The signal that interrupted the run, if any. */
  readonly interrupted: NodeJS.Signals | null;
  /** Remove the listeners; EPIPEs of writes still queued are ignored from then on. */
  stop(): void;
}

export function watchRun(stdout: NodeJS.WriteStream, handleSignals: boolean): RunWatch {
  const controller = new AbortController();
  let epipe = false;
  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted !== null) {
      // Second signal: give up at once (temporaries are still removed; the checkpoint stays valid).
      removePendingTemporaries();
      process.exit(signal === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT);
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
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  stdout.on('error', onStdoutError);
  return {
    signal: controller.signal,
    get epipe() {
      return epipe;
    },
    get interrupted() {
      return interrupted;
    },
    stop() {
      stdout.off('error', onStdoutError);
      if (epipe) stdout.on('error', ignoreLateEpipe);
      if (handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  };
}
