import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { type Emulator, startEmulator } from '@nfw-flows/fixtures';
import { clientFor } from '@nfw-flows/fixtures/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JobHooks } from '../src/export/run-job.js';
import { WriteError } from '../src/output/write-error.js';
import { emptyProgress, type JobProgress } from '../src/spool/checkpoint.js';
import { spoolRecords } from '../src/spool/spool-records.js';

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/run-job';
const OP = '1d5c3b7a-2f44-4e1b-9a6d-0c8e7f6a5b41';
const FLOWS = 1234;
let emulator: Emulator;
let runJob: typeof import('../src/export/run-job.js').runJob;
let partialWriteError: typeof import('../src/export/run-job.js').partialWriteError;
let client: NetworkFirewallClient;
const dir = mkdtempSync(path.join(tmpdir(), 'nfw-run-job-'));

beforeAll(async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // A checkpoint after every page, so commits happen while records flow.
  process.env.NFW_FLOWS_CHECKPOINT_INTERVAL_MS = '0';
  ({ runJob, partialWriteError } = await import('../src/export/run-job.js'));
  emulator = await startEmulator({
    seed: 5,
    operations: [{ firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a', flows: FLOWS }],
  });
  client = clientFor(emulator);
});

afterAll(async () => {
  delete process.env.NFW_FLOWS_CHECKPOINT_INTERVAL_MS;
  client?.destroy();
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const job = { firewallArn: ARN, flowOperationId: OP, availabilityZone: 'us-east-1a' };
const read = { wait: false, strict: false };
const files = (name: string) => ({
  spool: path.join(dir, `${name}.spool`),
  rejects: path.join(dir, `${name}.rejects`),
});

describe('runJob', () => {
  test('every record of the operation ends up in the spool once, with a final checkpoint', async () => {
    const commits: boolean[] = [];
    const hooks: JobHooks = { commit: (_p, final) => commits.push(final), tick() {}, warn() {} };
    const f = files('all');
    const progress = await runJob(client, job, f, emptyProgress(), read, hooks, new AbortController().signal);
    expect(progress).toMatchObject({ done: true, records: FLOWS, pages: Math.ceil(FLOWS / 100) });
    expect(commits.at(-1)).toBe(true);
    expect(commits.filter((final) => !final).length).toBeGreaterThan(1);
    let n = 0;
    for await (const _ of spoolRecords([f.spool], new AbortController().signal)) n++;
    expect(n).toBe(FLOWS);
  });

  test('a kill after the last page was checkpointed, before done: the resume reads nothing again', async () => {
    const checkpoints: JobProgress[] = [];
    const hooks: JobHooks = {
      commit: (p, final) => {
        if (!final) checkpoints.push({ ...p });
      },
      tick() {},
      warn() {},
    };
    const f = files('last-page');
    await runJob(client, job, f, emptyProgress(), read, hooks, new AbortController().signal);
    // What a checkpoint file holds if the process dies right after the last page's commit.
    const killed = checkpoints.at(-1)!;
    expect(killed).toMatchObject({ done: false, records: FLOWS });
    expect(killed.nextToken).toBeUndefined();
    const requests = emulator.stats().requests;
    const resumed = await runJob(client, job, f, killed, read, hooks, new AbortController().signal);
    expect(resumed).toMatchObject({ done: true, records: FLOWS, pages: killed.pages });
    expect(emulator.stats().requests).toBe(requests);
    let n = 0;
    for await (const _ of spoolRecords([f.spool], new AbortController().signal)) n++;
    expect(n).toBe(FLOWS);
  });

  test('an error while a record is being written fails the job with that error', async () => {
    const failure = new Error('checkpoint disk is gone');
    let calls = 0;
    const hooks: JobHooks = {
      commit() {
        if (++calls === 2) throw failure;
      },
      tick() {},
      warn() {},
    };
    await expect(
      runJob(client, job, files('fail'), emptyProgress(), read, hooks, new AbortController().signal),
    ).rejects.toBe(failure);
    expect(calls).toBe(2);
  });

  test('a spool that cannot be written is a write error naming the partial directory, still resumable', async () => {
    const missing = path.join(dir, 'gone.nfw-partial');
    const hooks: JobHooks = { commit() {}, tick() {}, warn() {} };
    const spoolFiles = {
      spool: path.join(missing, 'job-0.spool'),
      rejects: path.join(missing, 'job-0.rejects'),
    };
    const error = await runJob(
      client,
      job,
      spoolFiles,
      emptyProgress(),
      read,
      hooks,
      new AbortController().signal,
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(WriteError);
    expect(error?.message).toBe(`cannot write ${missing}: ENOENT: no such file or directory`);
    // Not an NfwError: export.ts keeps the partial for --resume.
    expect((error as { code?: string }).code).toBe('ENOENT');
  });

  test('partialWriteError wraps file system errors only', () => {
    const fsError = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      syscall: 'write',
    });
    const wrapped = partialWriteError('/x/out.arrow.nfw-partial', fsError);
    expect(wrapped).toBeInstanceOf(WriteError);
    expect((wrapped as Error).message).toBe(
      'cannot write /x/out.arrow.nfw-partial: ENOSPC: no space left on device',
    );
    const network = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
    expect(partialWriteError('/x', network)).toBe(network);
    const plain = new Error('spool is corrupt');
    expect(partialWriteError('/x', plain)).toBe(plain);
  });
});
