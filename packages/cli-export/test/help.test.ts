/**
 * The examples in --help are valid command lines: each one goes through the same flag checks as a real
 * run (src/plans/, before any I/O), so an example can never teach a flag or a value the CLI refuses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/main.js';
import { splitKeys } from '../src/options.js';
import { firewallArns, scopes } from '../src/plans/api-source.js';
import { captureFilters } from '../src/plans/capture-filters.js';
import { exportPlan } from '../src/plans/export-plan.js';
import { isSchedule, schedulePlan } from '../src/plans/schedule-plan.js';
import { topPlan } from '../src/plans/top-plan.js';
import { buildProgram } from '../src/program.js';
import { FakeStream } from './fake-terminal.js';

async function helpText(args: string[]): Promise<string> {
  const stdout = new FakeStream({ isTTY: false });
  const stderr = new FakeStream({ isTTY: false });
  const code = await main(args, { stdout: stdout.asWriteStream(), stderr: stderr.asWriteStream() });
  expect(code).toBe(0);
  return stdout.text();
}

/** `$ nfw-flows ...` lines of a help text, without pipes and comments; elided (`...`) ones left out. */
function examples(help: string): string[][] {
  return help
    .split('\n')
    .filter((l) => l.startsWith('  $ nfw-flows '))
    .map((l) => l.slice('  $ nfw-flows '.length).split(' | ')[0]!.split('   #')[0]!.trim())
    .filter((l) => !l.split(' ').includes('...'))
    .map((l) => l.split(/\s+/));
}

// --input must exist at plan time: examples read a saved response, here an empty stand-in.
let dir: string;
let savedResponse: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nfw-help-'));
  savedResponse = path.join(dir, 'results.json');
  writeFileSync(savedResponse, '{}');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parse a command line and build its plan, as a run would before any I/O. */
async function check(example: string[]): Promise<void> {
  const argv = example.map((a, i) => (example[i - 1] === '--input' ? savedResponse : a));
  const program = buildProgram(async (command, flags) => {
    if (command === 'export' || command === 'capture') exportPlan(command, flags);
    if (command === 'capture' && isSchedule(flags)) schedulePlan(flags);
    if (command === 'capture' && !String(flags.filtersJson ?? '').startsWith('file://'))
      captureFilters(flags);
    if (command === 'operations') {
      firewallArns(flags);
      scopes(flags);
    }
    if (command === 'top') topPlan(flags);
  });
  for (const cmd of [program, ...program.commands]) cmd.exitOverride();
  await program.parseAsync(argv, { from: 'user' });
}

describe('help examples', () => {
  test.each([[[]], [['export']], [['capture']], [['operations']], [['top']]])(
    'every example of %j --help passes the flag checks',
    async (command) => {
      const lines = examples(await helpText([...command, '--help']));
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const argv of lines) await expect(check(argv), argv.join(' ')).resolves.toBeUndefined();
    },
  );

  test('top and export --help show IPv4 and IPv6 roll-ups together (source/24,64)', async () => {
    for (const command of ['top', 'export']) {
      const help = await helpText([command, '--help']);
      expect(examples(help).some((argv) => argv.some((a) => /^(source|destination)\/24,64/.test(a)))).toBe(
        true,
      );
    }
  });
});

describe('--group-by keys', () => {
  test('a bare number after an address prefix is its IPv6 prefix', () => {
    expect(splitKeys(['source/24,64,destinationPort'])).toEqual(['source/24,64', 'destinationPort']);
    expect(splitKeys(['source/24', 'destination/16,48'])).toEqual(['source/24', 'destination/16,48']);
    expect(splitKeys(['protocol, sourcePort ,destinationPort'])).toEqual([
      'protocol',
      'sourcePort',
      'destinationPort',
    ]);
    // Not after an address prefix: left alone, so the key check names it.
    expect(splitKeys(['64,source'])).toEqual(['64', 'source']);
    expect(splitKeys(['source,64'])).toEqual(['source', '64']);
    expect(splitKeys(['source/24,64,48'])).toEqual(['source/24,64', '48']);
  });

  test('--group-by source/24,64,destinationPort plans a group-by with an IPv6 prefix', () => {
    const plan = exportPlan('export', {
      input: savedResponse,
      out: 'by-subnet.parquet',
      groupBy: ['source/24,64,destinationPort'],
    });
    expect(plan.aggregate).toEqual({ kind: 'group', keys: ['source/24,64', 'destinationPort'] });
  });
});
