import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createProgress, formatBytes, formatDuration } from '../src/progress.js';
import { FakeStream, renderScreen } from './fake-terminal.js';

const LABEL = 'nfw-flows export';
// One plain progress line: pages, flows, rate and elapsed time (what CI logs show).
const PLAIN_LINE = /^nfw-flows export ([\d,]+) pages \| ([\d,]+) flows \| ([\d,]+) flows\/s \| (\d+\.\d s)$/;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('plain lines when stderr is not a terminal', () => {
  test('one line per interval while pages advance, with pages, flows, flows/s and elapsed', () => {
    const stream = new FakeStream({ isTTY: false });
    const progress = createProgress({
      quiet: false,
      label: LABEL,
      stream: stream.asWriteStream(),
      intervalMs: 1000,
    });
    progress.update({ pages: 3, flows: 300, rejected: 0 });
    expect(stream.text()).toBe('');
    vi.advanceTimersByTime(1000);
    expect(stream.text()).toBe('nfw-flows export 3 pages | 300 flows | 300 flows/s | 1.0 s\n');
    // No new page: no repeated line.
    vi.advanceTimersByTime(3000);
    expect(stream.chunks).toHaveLength(1);
    progress.update({ pages: 12_000, flows: 1_200_000, rejected: 2 });
    vi.advanceTimersByTime(1000);
    expect(stream.chunks[1]).toBe(
      'nfw-flows export 12,000 pages | 1,200,000 flows | 2 rejected | 240,000 flows/s | 5.0 s\n',
    );
    progress.log('nfw-flows: warning: something');
    expect(stream.chunks[2]).toBe('nfw-flows: warning: something\n');
    progress.update({ pages: 12_001, flows: 1_200_100, rejected: 2 });
    progress.stop();
    vi.advanceTimersByTime(10_000);
    expect(stream.chunks).toHaveLength(3);
    expect(stream.text()).not.toContain('\x1b');
  });

  test('fleet captures show scopes done, running and waiting, and a line when only a scope changed', () => {
    const stream = new FakeStream({ isTTY: false });
    const progress = createProgress({
      quiet: false,
      label: 'nfw-flows capture',
      stream: stream.asWriteStream(),
      intervalMs: 500,
    });
    const scopes = { waiting: 3, running: 2, exporting: 1, done: 0, failed: 0 };
    progress.update({ pages: 0, flows: 0, rejected: 0, jobs: 6, jobsDone: 0, scopes });
    vi.advanceTimersByTime(500);
    progress.update({
      pages: 0,
      flows: 0,
      rejected: 0,
      jobs: 6,
      jobsDone: 2,
      scopes: { ...scopes, waiting: 1, done: 1, failed: 1 },
    });
    vi.advanceTimersByTime(500);
    progress.stop();
    expect(stream.chunks).toEqual([
      'nfw-flows capture scopes 0 done, 3 running, 3 waiting | 0 pages | 0 flows | 0 flows/s | 0.5 s\n',
      'nfw-flows capture scopes 1 done, 3 running, 1 waiting, 1 failed | 0 pages | 0 flows | 0 flows/s | 1.0 s\n',
    ]);
  });

  test('bulk exports show operations done out of the total', () => {
    const stream = new FakeStream({ isTTY: false });
    const progress = createProgress({
      quiet: false,
      label: LABEL,
      stream: stream.asWriteStream(),
      intervalMs: 500,
    });
    progress.update({ pages: 4, flows: 400, rejected: 0, jobs: 3, jobsDone: 1 });
    vi.advanceTimersByTime(500);
    progress.stop();
    expect(stream.text()).toBe(
      'nfw-flows export 1/3 operations | 4 pages | 400 flows | 800 flows/s | 0.5 s\n',
    );
  });

  test('the interval comes from NFW_FLOWS_PROGRESS_INTERVAL_MS; a bad value falls back to 5 s', () => {
    for (const [value, first] of [
      ['250', 250],
      ['abc', 5000],
      ['0', 5000],
      ['-5', 5000],
    ] as const) {
      vi.stubEnv('NFW_FLOWS_PROGRESS_INTERVAL_MS', value);
      const stream = new FakeStream({ isTTY: false });
      const progress = createProgress({ quiet: false, label: LABEL, stream: stream.asWriteStream() });
      progress.update({ pages: 1, flows: 100, rejected: 0 });
      vi.advanceTimersByTime(first - 1);
      expect({ value, lines: stream.chunks.length }).toEqual({ value, lines: 0 });
      vi.advanceTimersByTime(1);
      expect({ value, lines: stream.chunks.length }).toEqual({ value, lines: 1 });
      expect(stream.chunks[0]!.trimEnd()).toMatch(PLAIN_LINE);
      progress.stop();
    }
    vi.unstubAllEnvs();
  });
});

describe('a live bar when stderr is a terminal', () => {
  test('the bar shows the counters on one line, log lines stay above it', () => {
    const stream = new FakeStream({ isTTY: true, columns: 100 });
    const progress = createProgress({ quiet: false, label: LABEL, stream: stream.asWriteStream() });
    progress.update({ pages: 7, flows: 700, rejected: 0 });
    vi.advanceTimersByTime(1000);
    let screen = renderScreen(stream.text());
    expect(screen.lines).toHaveLength(1);
    expect(screen.lines[0]).toMatch(/^nfw-flows export 7 pages \| 700 flows \| 700 flows\/s \| 1\.0 s$/);
    progress.log('nfw-flows: warning: page 3 retried');
    progress.update({ pages: 9, flows: 900, rejected: 1 });
    vi.advanceTimersByTime(1000);
    screen = renderScreen(stream.text());
    expect(screen.lines).toEqual([
      'nfw-flows: warning: page 3 retried',
      'nfw-flows export 9 pages | 900 flows | 1 rejected | 450 flows/s | 2.0 s',
    ]);
    progress.stop();
  });

  test('stop() clears the bar and leaves the cursor at the start of a clean line', () => {
    const stream = new FakeStream({ isTTY: true, columns: 100 });
    const progress = createProgress({ quiet: false, label: LABEL, stream: stream.asWriteStream() });
    progress.update({ pages: 2, flows: 200, rejected: 0 });
    vi.advanceTimersByTime(1000);
    expect(renderScreen(stream.text()).lines).toHaveLength(1);
    progress.stop();
    const screen = renderScreen(stream.text());
    expect(screen.lines).toEqual([]);
    expect({ row: screen.row, col: screen.col }).toEqual({ row: 0, col: 0 });
    // Nothing more is drawn after stop (the summary line that follows stays intact).
    const written = stream.chunks.length;
    vi.advanceTimersByTime(5000);
    expect(stream.chunks.length).toBe(written);
    // Line wrapping is switched back on.
    expect(stream.text()).toContain('\x1b[?7h');
  });

  test('a line logged just before stop() is not lost (e.g. the --resume hint)', () => {
    const stream = new FakeStream({ isTTY: true, columns: 100 });
    const progress = createProgress({ quiet: false, label: LABEL, stream: stream.asWriteStream() });
    progress.update({ pages: 2, flows: 200, rejected: 0 });
    vi.advanceTimersByTime(1000);
    progress.log(
      'nfw-flows: kept 200 flows (2 pages) in out.nfw-partial; run the same command with --resume',
    );
    progress.stop();
    stream.write('nfw-flows: NFW_PAGINATION_FAILED: ...\n');
    const screen = renderScreen(stream.text());
    expect(screen.lines).toEqual([
      'nfw-flows: kept 200 flows (2 pages) in out.nfw-partial; run the same command with --resume',
      'nfw-flows: NFW_PAGINATION_FAILED: ...',
    ]);
    expect(screen.cursorLine).toBe('');
  });

  test('stop() before the first redraw leaves nothing behind', () => {
    const stream = new FakeStream({ isTTY: true });
    const progress = createProgress({ quiet: false, label: LABEL, stream: stream.asWriteStream() });
    progress.update({ pages: 1, flows: 100, rejected: 0 });
    progress.stop();
    const screen = renderScreen(stream.text());
    expect(screen.lines).toEqual([]);
    expect(screen.col).toBe(0);
  });
});

describe('--quiet', () => {
  test.each([true, false])('writes nothing at all (isTTY %s)', (isTTY) => {
    const stream = new FakeStream({ isTTY });
    const progress = createProgress({
      quiet: true,
      label: LABEL,
      stream: stream.asWriteStream(),
      intervalMs: 10,
    });
    progress.update({ pages: 5, flows: 500, rejected: 3, jobs: 2, jobsDone: 1 });
    vi.advanceTimersByTime(10_000);
    progress.log('nfw-flows: warning: x');
    progress.stop();
    vi.advanceTimersByTime(10_000);
    expect(stream.chunks).toEqual([]);
  });
});

describe('formatting', () => {
  test('durations and sizes read naturally', () => {
    expect([0, 950, 59_940, 61_000, 3_600_000 + 5 * 60_000].map(formatDuration)).toEqual([
      '0.0 s',
      '0.9 s',
      '59.9 s',
      '1 min 01 s',
      '1 h 05 min',
    ]);
    expect([0, 1023, 1024, 1536 * 1024, 5 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 MiB',
      '5.0 GiB',
    ]);
  });
});
