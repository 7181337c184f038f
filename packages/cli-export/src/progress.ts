/**
 * Progress on stderr: a live cli-progress line when stderr is a TTY, a plain line every few seconds
 * when it is not (CI logs, files), nothing with --quiet. stdout is never touched (it may carry data).
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { terminalLine } from './terminal-text.js';

export interface ProgressStats {
  pages: number;
  flows: number;
  rejected: number;
  /** Jobs finished / total, for bulk exports. */
  jobsDone?: number;
  jobs?: number;
  /** Requests sent again after transient faults, and the wait in progress. */
  retries?: number;
  waiting?: string | null;
  /** Fleet captures: scopes by state. */
  scopes?: { waiting: number; running: number; exporting: number; done: number; failed: number };
}

export interface Progress {
  update(stats: ProgressStats): void;
  /** A log line that does not garble the live bar. */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  quiet: boolean;
  label: string;
  stream?: NodeJS.WriteStream;
  /** Interval of the plain (non-TTY) lines. */
  intervalMs?: number;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.floor(s % 60);
  if (m < 60) return `${m} min ${String(rest).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function progressLine(stats: ProgressStats, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((stats.flows * 1000) / elapsedMs) : 0;
  const parts = [
    `${formatCount(stats.pages)} pages`,
    `${formatCount(stats.flows)} flows`,
    `${formatCount(rate)} flows/s`,
    formatDuration(elapsedMs),
  ];
  if (stats.rejected > 0) parts.splice(2, 0, `${formatCount(stats.rejected)} rejected`);
  const sc = stats.scopes;
  if (sc !== undefined)
    parts.unshift(
      `scopes ${sc.done} done, ${sc.running + sc.exporting} running, ${sc.waiting} waiting${sc.failed > 0 ? `, ${sc.failed} failed` : ''}`,
    );
  else if (stats.jobs !== undefined && stats.jobs > 1)
    parts.unshift(`${stats.jobsDone ?? 0}/${stats.jobs} operations`);
  if (stats.retries) parts.push(`${formatCount(stats.retries)} ${stats.retries === 1 ? 'retry' : 'retries'}`);
  if (stats.waiting) parts.push(stats.waiting);
  return parts.join(' | ');
}

const DEFAULT_INTERVAL_MS = 5000;

/** NFW_FLOWS_PROGRESS_INTERVAL_MS (tests use a short one); anything but a positive number means the default. */
function intervalFromEnv(): number {
  const value = Number(process.env.NFW_FLOWS_PROGRESS_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_INTERVAL_MS;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, log() {}, stop() {} };
  const started = Date.now();
  let last: ProgressStats = { pages: 0, flows: 0, rejected: 0 };

  if (stream.isTTY) {
    // Loaded only to draw a bar, so piped, logged and --quiet runs do not pay for it.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
    const multi = new cliProgress.MultiBar(
      {
        stream,
        fps: 8,
        hideCursor: false,
        clearOnComplete: true,
        format: (_opts, _params, payload: { line?: string }) => `${options.label} ${payload.line ?? ''}`,
      },
      cliProgress.Presets.legacy,
    );
    const bar = multi.create(1, 0, { line: progressLine(last, 0) });
    const timer = setInterval(() => bar.update(0, { line: progressLine(last, Date.now() - started) }), 500);
    timer.unref();
    return {
      update(stats) {
        last = stats;
        bar.update(0, { line: progressLine(stats, Date.now() - started) });
      },
      log(line) {
        multi.log(`${terminalLine(line)}\n`);
      },
      stop() {
        clearInterval(timer);
        // MultiBar writes logged lines only at its next redraw: draw once more so a line logged just
        // before stopping (the --resume hint, a last warning) is not lost, then clear the bar.
        multi.update();
        multi.stop();
      },
    };
  }

  const interval = options.intervalMs ?? intervalFromEnv();
  let lastPrinted = '';
  const timer = setInterval(() => {
    // A new line when pages advanced, a retry happened or, in a fleet capture, a scope changed state.
    const sc = last.scopes;
    const key = `${last.pages}/${last.retries ?? 0}${sc ? ` ${sc.done} ${sc.running} ${sc.exporting} ${sc.waiting} ${sc.failed}` : ''}`;
    if (key === lastPrinted) return;
    lastPrinted = key;
    stream.write(`${options.label} ${progressLine(last, Date.now() - started)}\n`);
  }, interval);
  timer.unref();
  return {
    update(stats) {
      last = stats;
    },
    log(line) {
      stream.write(`${terminalLine(line)}\n`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
