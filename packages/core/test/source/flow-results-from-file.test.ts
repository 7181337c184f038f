import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import {
  type CaptureFileOptions,
  createFlowGenerator,
  captureFileText as pieces,
  writeCaptureFile,
} from '@nfw-flows/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { flowResultsFromFile, normalizeFlow } from '../../src/index.js';
import { chunked, collect, plain } from './helpers.js';

const corpora = fileURLToPath(new URL('../../../fixtures/corpora/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nfw-core-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const captureFileText = (options: CaptureFileOptions) => [...pieces(options)].join('');
let fileNo = 0;
const tmpPath = (ext = 'json') => join(dir, `${fileNo++}.${ext}`);

const strip = (a: unknown) => {
  const { bytes: _bytes, ...rest } = a as Record<string, unknown>;
  return rest;
};

describe('corpora', () => {
  for (const group of ['valid', 'invalid-records', 'invalid-files']) {
    for (const name of readdirSync(join(corpora, group)).filter((f) => !f.endsWith('.expected.json'))) {
      const expected = JSON.parse(
        readFileSync(
          join(corpora, group, `${name.replace(/\.(json|jsonl|txt)(\.gz)?$/, '')}.expected.json`),
          'utf8',
        ),
      );
      it(`${group}/${name}`, async () => {
        const out = await collect(flowResultsFromFile(join(corpora, group, name)));
        if (group === 'invalid-files') {
          expect(out.error?.code).toBe(expected.code);
          return;
        }
        expect(out.error).toBeUndefined();
        expect(out.summary?.received).toBe(expected.flowCount);
        expect(out.summary?.emitted).toBe(expected.valid);
        expect(out.summary?.rejected).toBe(expected.rejected);
        if (expected.pages !== undefined) expect(out.summary?.pages).toBe(expected.pages);
        if (expected.nextToken !== undefined) expect(out.summary?.lastNextToken).toBe(expected.nextToken);
        for (const flow of expected.flows ?? []) {
          const rec = out.records[flow.index - out.rejects.filter((r) => r.index < flow.index).length];
          for (const side of ['source', 'destination'] as const) {
            const want = flow[side];
            expect(strip(rec[side])).toMatchObject(want);
          }
          for (const key of [
            'sourcePort',
            'destinationPort',
            'protocol',
            'ageSeconds',
            'packetCount',
            'byteCount',
          ]) {
            if (!(key in flow)) continue;
            const got = (rec as unknown as Record<string, unknown>)[key];
            if (flow[key] !== null && typeof flow[key] === 'object') expect(got).toMatchObject(flow[key]);
            else expect(got).toEqual(flow[key]);
          }
        }
        for (const want of expected.records ?? []) {
          const rej = out.rejects.find((r) => r.index === want.index);
          if (want.valid) expect(rej).toBeUndefined();
          else {
            expect(rej?.code).toBe(want.code);
            expect(rej?.field).toBe(want.field);
            expect(rej?.value).toEqual(want.value);
          }
        }
      });
    }
  }
});

describe('shapes', () => {
  const generator = createFlowGenerator({ count: 523, seed: 11 });
  const reference = [...generator.flows()];
  const shapes = ['page', 'cli', 'pages', 'jsonl'] as const;
  for (const shape of shapes) {
    for (const metadataPosition of ['before', 'after'] as const) {
      for (const gzip of [false, true]) {
        it(`${shape}, metadata ${metadataPosition}${gzip ? ', gzip' : ''}: every flow, with its provenance`, async () => {
          const path = tmpPath();
          await writeCaptureFile(path, { generator, shape, gzip, metadataPosition, pageSize: 97 });
          const out = await collect(flowResultsFromFile(path));
          expect(out.error).toBeUndefined();
          expect(out.records.length).toBe(523);
          const context = {
            firewallArn: out.records[0].firewallArn,
            availabilityZone: out.records[0].availabilityZone,
            vpcEndpointId: out.records[0].vpcEndpointId,
            vpcEndpointAssociationArn: out.records[0].vpcEndpointAssociationArn,
            flowOperationId: out.records[0].flowOperationId,
            flowRequestTimestamp: out.records[0].flowRequestTimestamp,
          };
          expect(context.firewallArn).toMatch(/^arn:aws:network-firewall:/);
          expect(context.flowRequestTimestamp?.toISOString()).toBe('2024-05-01T10:20:30.000Z');
          expect(out.records.map(plain)).toEqual(reference.map((f) => plain(normalizeFlow(f, context))));
          expect(out.summary?.pages).toBe(shape === 'page' || shape === 'cli' ? 1 : Math.ceil(523 / 97));
          expect(out.summary?.status).toBe('COMPLETED');
          if (metadataPosition === 'after')
            expect(out.summary?.trailingMetadata?.FirewallArn).toBe(context.firewallArn);
        });
      }
    }
  }

  it('reads a stream whose metadata follows Flows (the AWS CLI piped in) by spooling it', async () => {
    const text = captureFileText({ generator, shape: 'cli' });
    const out = await collect(flowResultsFromFile(chunked(Buffer.from(text), [7, 300, 4096])));
    expect(out.error).toBeUndefined();
    expect(out.records.length).toBe(523);
    expect(out.records[0].firewallArn).toMatch(/^arn:aws:network-firewall:/);
    expect(out.records[0].availabilityZone).toBe('us-east-1a');
  });

  it('metadata after Flows, and a `]` inside Flows so the file end cannot decide: the whole-file pass is used', async () => {
    const flows = reference.slice(0, 50).map((f, i) => (i === 7 ? { ...f, Note: 'a ] b' } : f));
    const path = tmpPath();
    await writeCaptureFile(path, { flows, shape: 'cli' });
    const out = await collect(flowResultsFromFile(path));
    expect(out.error).toBeUndefined();
    const context = { ...out.pages[0].context };
    expect(context.availabilityZone).toBe('us-east-1a');
    expect(out.records.map(plain)).toEqual(flows.map((f) => plain(normalizeFlow(f, context))));
  });

  it('a slow consumer: the source reads a bounded number of bytes ahead', async () => {
    const big = Buffer.from(
      captureFileText({ generator: createFlowGenerator({ count: 60_000, seed: 3 }), shape: 'page' }),
    );
    let pulled = 0;
    const chunk = 64 << 10;
    const source = new Readable({
      read() {
        const at = pulled;
        pulled = Math.min(big.length, at + chunk);
        this.push(at < big.length ? big.subarray(at, pulled) : null);
      },
    });
    const stream = flowResultsFromFile(source);
    const it = stream[Symbol.asyncIterator]();
    for (let k = 0; k < 10; k++) await it.next();
    for (let k = 0; k < 20; k++) await new Promise((resolve) => setTimeout(resolve, 5));
    // Records buffered (highWaterMark 1024) + one decoded batch + the byte streams' buffers, not the input.
    expect(big.length).toBeGreaterThan(12 << 20);
    expect(pulled).toBeLessThan(4 << 20);
    stream.destroy();
  });

  it('fails clearly when a later response of a stream gives its provenance after Flows', async () => {
    const before = JSON.parse(captureFileText({ generator, shape: 'page' }));
    const after = JSON.parse(captureFileText({ generator, shape: 'page', metadataPosition: 'after' }));
    const big = `${JSON.stringify(before)}\n${' '.repeat(17 << 20)}\n${JSON.stringify(after)}\n`;
    const out = await collect(flowResultsFromFile(Readable.from([Buffer.from(big)])));
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
    expect(out.summary?.emitted).toBe(523);
  });

  test.prop(
    [
      fc.constantFrom(...shapes),
      fc.boolean(),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 6 }),
    ],
    {
      numRuns: 25,
    },
  )('any chunk split of any shape gives the same records', async (shape, gzip, sizes) => {
    const flows = reference.slice(0, 150);
    const text = captureFileText({ flows, shape, pageSize: 40 });
    const bytes = gzip ? gzipSync(text) : Buffer.from(text);
    const out = await collect(flowResultsFromFile(chunked(bytes, sizes)));
    expect(out.error).toBeUndefined();
    const context = { ...out.pages[0].context };
    expect(out.records.map(plain)).toEqual(flows.map((f) => plain(normalizeFlow(f, context))));
  });
});

describe('bad files', () => {
  const page = (flows: string) =>
    `{"FirewallArn":"arn:aws:network-firewall:us-east-1:1:firewall/f","FlowOperationId":"op","FlowOperationStatus":"COMPLETED","Flows":[${flows}]}`;
  const flow =
    '{"SourceAddress":{"AddressDefinition":"10.0.0.1"},"DestinationAddress":{"AddressDefinition":"10.0.0.2"}}';

  async function run(bytes: Buffer | string) {
    const path = tmpPath();
    await writeFile(path, bytes);
    return collect(flowResultsFromFile(path));
  }

  it('truncated inside Flows: NFW_INVALID_INPUT at the end offset, earlier records counted', async () => {
    const text = page(`${flow},${flow},${flow}`);
    const cut = text.slice(0, text.length - 40);
    const out = await run(cut);
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
    expect(out.error && (out.error as { offset?: number }).offset).toBe(cut.length);
    expect(out.summary?.emitted).toBe(2);
  });

  it('truncated gzip: NFW_INVALID_INPUT with the decompressed offset, earlier records counted', async () => {
    const text = page(Array.from({ length: 2000 }, () => flow).join(','));
    const gz = gzipSync(text);
    const out = await run(gz.subarray(0, Math.floor(gz.length * 0.6)));
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
    const offset = (out.error as { offset?: number }).offset;
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(text.length);
    expect(out.summary?.emitted).toBe(out.records.length);
    expect(out.records.length).toBeGreaterThan(0);
  });

  it('a broken flow: records before it are emitted, the offset points into it', async () => {
    const text = page(`${flow},${flow},{"SourceAddress":{"AddressDefinition":"10.0.0.1"},,"x":1},${flow}`);
    const out = await run(text);
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
    expect(out.records.length).toBe(2);
    const offset = (out.error as { offset?: number }).offset!;
    expect(text.slice(offset - 1, offset + 1)).toBe(',,');
  });

  it('trailing comma, missing comma, invalid UTF-8, deep nesting, huge string', async () => {
    for (const [i, bad] of [
      page(`${flow},`),
      page(`${flow} ${flow}`),
      Buffer.concat([
        Buffer.from(page(flow).slice(0, 60)),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(page(flow).slice(60)),
      ]),
      page(`${'['.repeat(100)}${']'.repeat(100)}`),
      page(`{"x":"${'a'.repeat((1 << 20) + 10)}"}`),
      `{"FirewallArn":"${'a'.repeat((1 << 20) + 10)}","Flows":[]}`,
    ].entries()) {
      const out = await run(bad);
      expect([i, out.error?.code]).toEqual([i, 'NFW_INVALID_INPUT']);
    }
  });

  it('rejects count: emitted + rejected = received, onInvalid fail errors with the record code', async () => {
    const text = page(
      `${flow},{"SourceAddress":{"AddressDefinition":"010.0.0.1"},"DestinationAddress":{"AddressDefinition":"10.0.0.2"}},${flow}`,
    );
    const out = await run(text);
    expect(out.summary).toMatchObject({ received: 3, emitted: 2, rejected: 1 });
    expect(out.rejects[0]).toMatchObject({
      code: 'NFW_AMBIGUOUS_IPV4',
      field: 'SourceAddress.AddressDefinition',
      page: 0,
      index: 1,
    });
    const path = tmpPath();
    await writeFile(path, text);
    const failed = await collect(flowResultsFromFile(path, { onInvalid: 'fail' }));
    expect(failed.error?.code).toBe('NFW_AMBIGUOUS_IPV4');
    expect(failed.records.length).toBe(1);
  });

  it('statuses: FAILED and IN_PROGRESS error, COMPLETED_WITH_ERRORS warns and marks incomplete', async () => {
    const withStatus = (status: string) => page(flow).replace('"COMPLETED"', `"${status}"`);
    expect((await run(withStatus('FAILED'))).error?.code).toBe('NFW_OPERATION_FAILED');
    expect((await run(withStatus('IN_PROGRESS'))).error?.code).toBe('NFW_OPERATION_IN_PROGRESS');
    const out = await run(withStatus('COMPLETED_WITH_ERRORS'));
    expect(out.error).toBeUndefined();
    expect(out.warnings).toHaveLength(1);
    expect(out.summary?.incomplete).toBe(true);
  });

  it('rejects bad options and missing files', async () => {
    expect(() => flowResultsFromFile(42 as never)).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION' }),
    );
    expect(() => flowResultsFromFile('x', { onInvalid: 'skip' as never })).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION', field: 'onInvalid' }),
    );
    const out = await collect(flowResultsFromFile(join(dir, 'does-not-exist.json')));
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
  });

  it("refuses '-': core never reads stdin itself, the caller passes process.stdin (or any Readable)", async () => {
    expect(() => flowResultsFromFile('-')).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION', field: 'source', value: '-' }),
    );
    const saved = captureFileText({ generator: createFlowGenerator({ seed: 7, count: 5 }), shape: 'page' });
    const out = await collect(flowResultsFromFile(Readable.from([Buffer.from(saved)])));
    expect(out.error).toBeUndefined();
    expect(out.records).toHaveLength(5);
  });
});
