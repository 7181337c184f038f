/**
 * Data-loss checks of the CLI (issue 15, points 1-4): `--force` never deletes a directory, `--rejects`
 * never lands on another path of the export, a status file that is not ours is kept, two runs on one
 * `--out` at once never share a checkpoint (the loser exits 2, the winner's data is exact), a stale
 * lock of a killed run is taken over, and a damaged checkpoint is a coded error that grows nothing.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../packages/fixtures/src/index.js';
import { type CheckResult, writeInput } from './cli-checks.js';
import { type CliRun, runCli } from './cli-runner.js';

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/rel';

/** Every entry under `dir` with its content: what a refused run must leave exactly as it was. */
function snapshot(dir: string): string {
  const out: string[] = [];
  for (const name of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const full = path.join(dir, name);
    const st = statSync(full);
    out.push(
      `${name}=${st.isDirectory() ? '<dir>' : st.isFile() ? readFileSync(full, 'utf8') : '<special>'}`,
    );
  }
  return out.join('\n');
}

const exits = (runs: CliRun[]) => runs.map((r) => r.exitCode ?? r.signal).join('/');

/** `rounds`: concurrent pairs run (the CI slice runs fewer than the campaign). */
export async function dataLossChecks(
  cliPath: string,
  workDir: string,
  { rounds: roundCount = 4 }: { rounds?: number } = {},
): Promise<CheckResult[]> {
  const dir = mkdtempSync(path.join(workDir, 'data-loss-'));
  const results: CheckResult[] = [];
  const emulator = await startEmulator({
    seed: 13,
    operations: [{ firewallArn: ARN, availabilityZone: 'us-east-1a', flows: 300 }],
  });
  try {
    const input = writeInput(dir, 30);
    const cli = (args: string[], options: Parameters<typeof runCli>[2] = {}) =>
      runCli(cliPath, args, { cwd: dir, ...options });

    // 1. Directories given as --out or --rejects, with --force.
    const proj = path.join(dir, 'proj');
    mkdirSync(path.join(proj, 'src'), { recursive: true });
    writeFileSync(path.join(proj, 'src', 'main.c'), 'int main(void) { return 0; }\n');
    const before = snapshot(proj);
    const dirRuns = [
      await runCli(cliPath, ['export', '--input', input, '--out', '.', '--format', 'csv', '--force'], {
        cwd: proj,
      }),
      await cli(['export', '--input', input, '--out', 'proj/', '--format', 'csv', '--force']),
      await cli(['export', '--input', input, '--out', 'x.csv', '--rejects', 'proj', '--force']),
    ];
    results.push({
      name: '--force with a directory as --out (., dir/) or --rejects: exit 2, directory intact',
      ok:
        dirRuns.every((r) => r.exitCode === 2 && r.stderr.includes('is a directory')) &&
        snapshot(proj) === before,
      detail: `exits ${exits(dirRuns)}; ${snapshot(proj) === before ? 'intact' : 'CHANGED'}`,
    });

    // 2. --rejects on the output, its status file, its partial directory, the input.
    const collide = [
      ['--out', 'c.csv', '--rejects', './c.csv'],
      ['--out', 'c.csv', '--rejects', 'c.csv.nfw-status.json'],
      ['--out', 'c.csv', '--rejects', 'c.csv.nfw-partial/job-0.rejects'],
      ['--out', 'c.csv', '--rejects', path.relative(dir, input)],
    ];
    const beforeCollide = snapshot(dir);
    const collideRuns: CliRun[] = [];
    for (const flags of collide)
      collideRuns.push(await cli(['export', '--input', input, ...flags, '--force']));
    results.push({
      name: '--rejects equal to --out, its status file, partial directory or --input: exit 2, nothing written',
      ok: collideRuns.every((r) => r.exitCode === 2) && snapshot(dir) === beforeCollide,
      detail: `exits ${exits(collideRuns)}`,
    });

    // 3. A status file that is not ours.
    writeFileSync(path.join(dir, 's.csv.nfw-status.json'), '{"not":"ours"}\n');
    const foreign = await cli(['export', '--input', input, '--out', 's.csv']);
    const kept = readFileSync(path.join(dir, 's.csv.nfw-status.json'), 'utf8') === '{"not":"ours"}\n';
    results.push({
      name: 'a foreign <out>.nfw-status.json without --force: exit 2, kept',
      ok: foreign.exitCode === 2 && kept && !existsSync(path.join(dir, 's.csv')),
      detail: `exit ${foreign.exitCode}; ${kept ? 'kept' : 'REPLACED'}`,
    });

    // 4. Two runs on one --out at once, in rounds; then a killed holder's stale lock.
    const op = emulator.operations()[0]!;
    const api = (out: string, ...more: string[]) => [
      'export',
      '--endpoint-url',
      emulator.endpoint,
      '--firewall-arn',
      ARN,
      '--flow-operation-id',
      op.flowOperationId,
      '--availability-zone',
      'us-east-1a',
      '--page-size',
      '20',
      '--out',
      path.join(dir, out),
      ...more,
    ];
    const reference = await cli(api('reference.ndjson'));
    const expected = readFileSync(path.join(dir, 'reference.ndjson'), 'utf8');
    // Slow pages (about 1.5 s per export) so both runs overlap.
    emulator.setFaults({ latencyMs: [80, 120] });
    const rounds: string[] = [];
    let concurrentOk = reference.exitCode === 0;
    let overlapped = 0;
    for (let round = 0; round < roundCount; round++) {
      const name = `both-${round}.ndjson`;
      // Rounds 1 and 3 run the `--resume` that the loser's message used to invite while the first ran.
      const extra = round % 2 === 1 ? ['--resume'] : [];
      const pair = await Promise.all([cli(api(name, ...extra)), cli(api(name, ...extra))]);
      const lockedOut = pair.filter(
        (r) => r.exitCode === 2 && r.stderr.includes('is being written by another nfw-flows run'),
      ).length;
      if (lockedOut === 1) overlapped++;
      // A run that starts after the other finished sees a finished file: "already exists" (2) or,
      // with --resume, "already complete" (0). Never a failure, never a second writer.
      const allowed = pair.every((r) => r.exitCode === 0 || r.exitCode === 2);
      const winners = pair.filter((r) => r.exitCode === 0).length;
      const exact =
        existsSync(path.join(dir, name)) && readFileSync(path.join(dir, name), 'utf8') === expected;
      const clean =
        !existsSync(path.join(dir, `${name}.nfw-partial`)) &&
        !existsSync(path.join(dir, `.${name}.nfw-lock`));
      if (!allowed || winners < 1 || !exact || !clean) concurrentOk = false;
      rounds.push(`${exits(pair)}${exact ? '' : ' INEXACT'}${clean ? '' : ' LEFTOVERS'}`);
    }
    results.push({
      name: `two concurrent runs on one --out (${roundCount} rounds): the loser exits 2 (locked out), the data is exact`,
      ok: concurrentOk && overlapped > 0,
      detail: `${rounds.join(', ')}; ${overlapped} of ${roundCount} rounds overlapped (the other run was locked out)`,
    });

    // A holder SIGKILLed mid-export leaves a stale lock and a partial: --resume takes both over.
    const killedName = 'killed.ndjson';
    const killed = await cli(api(killedName), {
      killWhen: { poll: () => existsSync(path.join(dir, `${killedName}.nfw-partial`, 'job-0.spool')) },
    });
    const staleLock = existsSync(path.join(dir, `.${killedName}.nfw-lock`));
    emulator.setFaults({});
    const resumed = await cli(api(killedName, '--resume'));
    const resumedExact = readFileSync(path.join(dir, killedName), 'utf8') === expected;
    results.push({
      name: 'a SIGKILLed holder: its stale lock is taken over by --resume, data exact',
      ok: killed.killed && resumed.exitCode === 0 && resumedExact,
      detail: `killed ${killed.killed}, stale lock ${staleLock}, resume exit ${resumed.exitCode}, ${resumedExact ? 'exact' : 'INEXACT'}`,
    });

    // Damaged checkpoints: unparseable, and claiming more spool bytes than exist.
    const damaged: string[] = [];
    let damagedOk = true;
    for (const kind of ['unparseable', 'spool-bytes']) {
      const name = `damaged-${kind}.ndjson`;
      const crash = await cli(api(name), { env: { NFW_FLOWS_TEST_CRASH_AT: 'before-commit' } });
      const partial = path.join(dir, `${name}.nfw-partial`);
      const file = path.join(partial, 'checkpoint.json');
      if (kind === 'unparseable') writeFileSync(file, readFileSync(file, 'utf8').slice(0, 163));
      else {
        const cp = JSON.parse(readFileSync(file, 'utf8'));
        cp.jobs[0].spoolBytes = 1 << 30;
        writeFileSync(file, JSON.stringify(cp));
      }
      const spoolSize = statSync(path.join(partial, 'job-0.spool')).size;
      const resume = await cli(api(name, '--resume'));
      const grown = statSync(path.join(partial, 'job-0.spool')).size !== spoolSize;
      const forced = await cli(api(name, '--force'));
      const exact = readFileSync(path.join(dir, name), 'utf8') === expected;
      const ok =
        crash.signal === 'SIGKILL' &&
        resume.exitCode === 1 &&
        resume.stderr.includes('NFW_CHECKPOINT_INVALID') &&
        resume.stderr.includes('--force') &&
        !resume.stderr.includes('SyntaxError') &&
        !grown &&
        forced.exitCode === 0 &&
        exact;
      if (!ok) damagedOk = false;
      damaged.push(
        `${kind}: resume ${resume.exitCode}, spool ${grown ? 'GROWN' : 'unchanged'}, --force ${forced.exitCode}`,
      );
    }
    results.push({
      name: 'damaged checkpoints: NFW_CHECKPOINT_INVALID naming --force, spool not grown, --force recovers',
      ok: damagedOk,
      detail: damaged.join('; '),
    });
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
