import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fc, test } from '@fast-check/vitest';
import { type CaptureFileOptions, createFlowGenerator, captureFileText as pieces } from '@nfw-flows/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { flowResultsFromFile, normalizeFlow } from '../../src/index.js';
import { FlowsScanner } from '../../src/source/flows-scanner.js';
import { DigestedValue, KEPT_VALUE_CHARS, PageMetadataIndex } from '../../src/source/page-metadata-index.js';
import { flowContext } from '../support/records.js';
import { chunked, collect, plain } from './helpers.js';

const captureFileText = (options: CaptureFileOptions) => [...pieces(options)].join('');
const dir = mkdtempSync(join(tmpdir(), 'nfw-core-robust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmpPath = (ext = 'json') => join(dir, `f-${fileNo++}.${ext}`);

async function run(bytes: Buffer | string, options = {}) {
  const path = tmpPath();
  await writeFile(path, bytes);
  return collect(flowResultsFromFile(path, options));
}

const ARN = 'arn:aws:network-firewall:us-east-1:123456789012:firewall/f';
const flow = (extra = '') =>
  `{"SourceAddress":{"AddressDefinition":"10.0.0.1"},"DestinationAddress":{"AddressDefinition":"10.0.0.2"}${extra}}`;

describe('duplicate keys in a response (issue 15, point 5)', () => {
  const cases: Array<[string, string, string]> = [
    [
      'FirewallArn before and after Flows, different values',
      `{"FirewallArn":"${ARN}","FlowOperationId":"op","Flows":[${flow()}],"FirewallArn":"${ARN}2"}`,
      `"FirewallArn":"${ARN}2"`,
    ],
    [
      'the same value twice',
      `{"FirewallArn":"${ARN}","FlowOperationId":"op","FlowOperationId":"op","Flows":[${flow()}]}`,
      '"FlowOperationId":"op","Flows"',
    ],
    [
      'StatusMessage twice after Flows',
      `{"Flows":[${flow()}],"FirewallArn":"${ARN}","FlowOperationId":"op","StatusMessage":"a","StatusMessage":"b"}`,
      '"StatusMessage":"b"',
    ],
    [
      'an unknown key twice',
      `{"FirewallArn":"${ARN}","FlowOperationId":"op","X":1,"X":2,"Flows":[]}`,
      '"X":2',
    ],
    [
      'Flows twice',
      `{"FirewallArn":"${ARN}","FlowOperationId":"op","Flows":[],"Flows":[${flow()}]}`,
      `"Flows":[${flow()}]`,
    ],
  ];
  for (const [name, text, second] of cases) {
    it(`${name}: NFW_INVALID_INPUT at the second key, file or stream`, async () => {
      const offset = text.lastIndexOf(second);
      const fromFile = await run(text);
      expect(fromFile.error?.code).toBe('NFW_INVALID_INPUT');
      expect((fromFile.error as { offset?: number }).offset).toBe(offset);
      const fromStream = await collect(flowResultsFromFile(chunked(Buffer.from(text), [3, 17])));
      expect(fromStream.error?.code).toBe('NFW_INVALID_INPUT');
      expect((fromStream.error as { offset?: number }).offset).toBe(offset);
    });
  }

  it('a response with more than 256 keys is not a response', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `"k${i}":1`).join(',');
    const out = await run(`{"FirewallArn":"${ARN}","FlowOperationId":"op",${keys},"Flows":[]}`);
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
  });
});

describe('counters are checked on their text (issue 15, point 6)', () => {
  // [text in the file, the reject's value]: the number when it prints back as the same text, else the text.
  const rejected: Array<[string, unknown]> = [
    ['9007199254740990.9', '9007199254740990.9'],
    ['100.000000000000001', '100.000000000000001'],
    ['100.0', '100.0'],
    ['1e2', '1e2'],
    ['1E2', '1E2'],
    ['1.5e2', '1.5e2'],
    ['1e400', '1e400'],
    ['-0', '-0'],
    ['-1', -1],
    ['1.5', 1.5],
    ['9007199254740992', 9007199254740992],
    ['9007199254740993', '9007199254740993'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
  ];
  for (const field of ['ByteCount', 'PacketCount', 'Age'] as const) {
    it(`${field}: any text but plain digits is rejected with the text, never rounded`, async () => {
      const flows = rejected.map(([t]) => flow(`,"${field}": ${t}`));
      // The exact value right below 2^53 and 2^32 still reads.
      const max = field === 'Age' ? '4294967295' : '9007199254740991';
      flows.push(flow(`,"${field}":${max}`), flow(`,"${field}":0`), flow(`,"${field}":null`));
      const text = `{"FirewallArn":"${ARN}","FlowOperationId":"op","Flows":[${flows.join(',')}]}`;
      for (const out of [
        await run(text),
        await collect(flowResultsFromFile(chunked(Buffer.from(text), [5, 64, 1]))),
      ]) {
        expect(out.error).toBeUndefined();
        expect(out.rejects.map((r) => [r.code, r.field, r.value])).toEqual(
          rejected.map(([, value]) => ['NFW_INVALID_RECORD', field, value]),
        );
        for (const [k, r] of out.rejects.entries()) expect(r.message).toContain(rejected[k][0]);
        const key = field === 'Age' ? 'ageSeconds' : field === 'ByteCount' ? 'byteCount' : 'packetCount';
        expect(out.records.map((r) => r[key])).toEqual([Number(max), 0, null]);
      }
    });
  }

  it('with onInvalid fail, the error names the field and the text', async () => {
    const out = await run(
      `{"FirewallArn":"${ARN}","FlowOperationId":"op","Flows":[${flow(',"ByteCount":1e400')}]}`,
      { onInvalid: 'fail' },
    );
    expect(out.error?.code).toBe('NFW_INVALID_RECORD');
    expect((out.error as { field?: string }).field).toBe('ByteCount');
    expect((out.error as { value?: unknown }).value).toBe('1e400');
  });

  it('escaped key names and pretty AWS CLI spacing are caught too', async () => {
    const text = `{"FirewallArn":"${ARN}","FlowOperationId":"op","Flows":[${flow(',"Byte\\u0043ount" :  1e2 ')}]}`;
    const out = await run(text);
    expect(out.rejects.map((r) => [r.field, r.value])).toEqual([['ByteCount', '1e2']]);
  });

  const counterText = fc.oneof(
    fc.nat({ max: 2 ** 40 }).map(String),
    fc.constantFrom('1e2', '100.0', '9007199254740990.9', '-0', '1e400', '9007199254740993', '0.5'),
  );
  test.prop(
    [fc.array(counterText, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(300), { maxLength: 8 })],
    {
      numRuns: 30,
    },
  )('the same records and rejects for any chunk split', async (texts, sizes) => {
    const flows = texts.map((t) => flow(`,"ByteCount":${t}`));
    const text = `{"FirewallArn":"${ARN}","FlowOperationId":"op","Flows":[${flows.join(',')}]}`;
    const whole = await run(text);
    const split = await collect(flowResultsFromFile(chunked(Buffer.from(text), sizes.length ? sizes : [1])));
    const plainText = (t: string) => /^(?:0|[1-9]\d*)$/.test(t) && Number.isSafeInteger(Number(t));
    expect(whole.records.map((r) => r.byteCount)).toEqual(texts.filter(plainText).map(Number));
    expect(split.records.map(plain)).toEqual(whole.records.map(plain));
    expect(split.rejects.map((r) => r.value)).toEqual(whole.rejects.map((r) => r.value));
  });
});

describe('bare Flow records (issue 16, part 2)', () => {
  const generator = createFlowGenerator({ count: 317, seed: 5 });
  const reference = [...generator.flows()];
  const context = flowContext({ firewallArn: ARN, availabilityZone: 'us-east-1b', flowOperationId: 'op-1' });
  for (const shape of ['query-flows', 'flow-lines'] as const) {
    it(`${shape}: every flow, provenance from the options`, async () => {
      const path = tmpPath();
      await writeFile(path, captureFileText({ generator, shape }));
      const out = await collect(
        flowResultsFromFile(path, {
          provenance: { firewallArn: ARN, flowOperationId: 'op-1', availabilityZone: 'us-east-1b' },
        }),
      );
      expect(out.error).toBeUndefined();
      expect(out.warnings).toEqual([]);
      expect(out.records.map(plain)).toEqual(reference.map((f) => plain(normalizeFlow(f, context))));
      expect(out.summary?.pages).toBe(1);
    });

    it(`${shape}: without provenance, "" and null with an NFW_PROVENANCE_MISSING warning`, async () => {
      const out = await collect(
        flowResultsFromFile(chunked(Buffer.from(captureFileText({ generator, shape })), [999])),
      );
      expect(out.error).toBeUndefined();
      expect(out.warnings.map((w) => (w as { code: string }).code)).toEqual(['NFW_PROVENANCE_MISSING']);
      expect(out.records.length).toBe(317);
      expect(out.records[0].firewallArn).toBe('');
      expect(out.records[0].flowOperationId).toBe('');
      expect(out.records[0].availabilityZone).toBeNull();
    });

    test.prop([fc.boolean(), fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 6 })], {
      numRuns: 15,
    })(`${shape}: the same records for any chunk split, plain or gzip`, async (gzip, sizes) => {
      const flows = reference.slice(0, 120);
      const text = captureFileText({ flows, shape });
      const bytes = gzip ? gzipSync(text) : Buffer.from(text);
      const out = await collect(
        flowResultsFromFile(chunked(bytes, sizes), {
          provenance: { firewallArn: ARN, flowOperationId: 'op-1', availabilityZone: 'us-east-1b' },
        }),
      );
      expect(out.error).toBeUndefined();
      expect(out.records.map(plain)).toEqual(flows.map((f) => plain(normalizeFlow(f, context))));
    });
  }

  it("jq '.Flows[]' without -c: pretty objects one after another", async () => {
    const flows = reference.slice(0, 40);
    const text = flows.map((f) => JSON.stringify(f, null, 2)).join('\n');
    const out = await collect(
      flowResultsFromFile(chunked(Buffer.from(text), [77]), {
        provenance: { firewallArn: ARN, flowOperationId: 'op-1', availabilityZone: 'us-east-1b' },
      }),
    );
    expect(out.error).toBeUndefined();
    expect(out.records.map(plain)).toEqual(flows.map((f) => plain(normalizeFlow(f, context))));
  });

  it('a response whose provenance differs from the options is rejected', async () => {
    const text = captureFileText({ generator, shape: 'page' });
    const out = await run(text, { provenance: { flowOperationId: 'another-operation' } });
    expect(out.error?.code).toBe('NFW_INVALID_INPUT');
    expect((out.error as { field?: string }).field).toBe('flowOperationId');
  });

  it('bad provenance options are NFW_INVALID_OPTION', () => {
    expect(() => flowResultsFromFile('x', { provenance: { firewallArn: '' } })).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION' }),
    );
    expect(() => flowResultsFromFile('x', { provenance: { region: 'x' } as never })).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_OPTION' }),
    );
  });

  it('text after a bare array, or a non-object line, is NFW_INVALID_INPUT', async () => {
    expect((await run(`[${flow()}] {"a":1}`)).error?.code).toBe('NFW_INVALID_INPUT');
    expect((await run(`${flow()}\n[1]\n`)).error?.code).toBe('NFW_INVALID_INPUT');
  });
});

describe('AWS CLI text and table output (issue 16, part 2)', () => {
  it('--output text and --output table: NFW_INVALID_INPUT at offset 0 (the message suggests --output json)', async () => {
    for (const text of [
      'FLOWS\t20304\t443\t16\t6\t52842\n',
      '-----------------------------------\n|   ListFlowOperationResults    |\n',
      '\ufeffarn:aws:network-firewall\tus-east-1a\n',
    ]) {
      const out = await run(text);
      expect(out.error?.code).toBe('NFW_INVALID_INPUT');
      expect((out.error as { offset?: number }).offset).toBe(text.startsWith('\ufeff') ? 3 : 0);
    }
  });
});

describe('a saved response that ends with a NextToken (issue 16, part 2)', () => {
  const generator = createFlowGenerator({ count: 150, seed: 9 });
  for (const shape of ['page', 'cli', 'pages', 'jsonl'] as const) {
    it(`${shape}: records, a NFW_RESULTS_TRUNCATED warning, summary truncated with the token`, async () => {
      const token = 'eyJOZXh0VG9rZW4iOiAiYWJjIiwgImJvdG9fdHJ1bmNhdGVfYW1vdW50IjogMn0=';
      const out = await run(captureFileText({ generator, shape, pageSize: 60, nextToken: token }));
      expect(out.error).toBeUndefined();
      expect(out.records.length).toBe(150);
      expect(out.warnings.map((w) => (w as { code: string }).code)).toEqual(['NFW_RESULTS_TRUNCATED']);
      expect((out.warnings[0] as { message: string }).message).toContain(token);
      expect(out.summary?.truncated).toBe(true);
      expect(out.summary?.resumeToken).toBe(token);
    });
  }

  it('without a NextToken at the end: not truncated', async () => {
    const out = await run(captureFileText({ generator, shape: 'pages', pageSize: 60 }));
    expect(out.summary?.truncated).toBe(false);
    expect(out.summary?.resumeToken).toBeUndefined();
    expect(out.warnings).toEqual([]);
  });
});

describe('bounded metadata pre-pass (issue 15, point 12)', () => {
  function index(text: string): PageMetadataIndex {
    const metas = new PageMetadataIndex();
    const scanner = new FlowsScanner(metas, { skipFlows: true });
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; at += 1 << 16) scanner.write(bytes.subarray(at, at + (1 << 16)));
    scanner.end();
    return metas;
  }
  const tiny = (extra = '') =>
    `{"Flows":[],"FirewallArn":"${ARN}","FlowOperationId":"op","FlowOperationStatus":"COMPLETED"${extra}}\n`;

  it('20,000 tiny responses: one kept metadata set, whatever else each response holds', () => {
    const metas = index(
      Array.from({ length: 20_000 }, (_, i) =>
        tiny(`,"NextToken":"t${i}","Other${i % 7}":"${'x'.repeat(i % 50)}"`),
      ).join(''),
    );
    expect(metas.pages).toBe(20_000);
    expect(metas.distinct).toBe(1);
    expect(Object.keys(metas.get(19_999)!).sort()).toEqual([
      'FirewallArn',
      'FlowOperationId',
      'FlowOperationStatus',
    ]);
  });

  it('responses with a 1 MB StatusMessage each: one set, the message kept as a digest', () => {
    const message = 'm'.repeat((1 << 20) - 16);
    const metas = index(Array.from({ length: 40 }, () => tiny(`,"StatusMessage":"${message}"`)).join(''));
    expect(metas.distinct).toBe(1);
    const kept = metas.get(39)!.StatusMessage;
    expect(kept).toBeInstanceOf(DigestedValue);
    expect((kept as DigestedValue).preview.length).toBeLessThanOrEqual(KEPT_VALUE_CHARS);
  });

  it('end to end: JSON Lines of responses with metadata after Flows and big messages read right', async () => {
    const generator = createFlowGenerator({ count: 400, seed: 2 });
    const text = captureFileText({
      generator,
      shape: 'jsonl',
      pageSize: 3,
      metadataPosition: 'after',
      metadata: { FlowOperationStatus: 'COMPLETED_WITH_ERRORS', StatusMessage: 's'.repeat(5000) },
    });
    const out = await run(text);
    expect(out.error).toBeUndefined();
    expect(out.records.length).toBe(400);
    expect(out.summary?.incomplete).toBe(true);
    expect(out.summary?.statusMessage).toBe('s'.repeat(5000));
  });
});

describe('FIFOs and process substitution (issue 15, point 13)', () => {
  const generator = createFlowGenerator({ count: 200, seed: 4 });
  for (const shape of ['page', 'cli'] as const) {
    it(`${shape} through a FIFO: read once, as a stream (metadata after Flows is spooled)`, async () => {
      const fifo = join(dir, `fifo-${fileNo++}`);
      execFileSync('mkfifo', [fifo]);
      const text = captureFileText({ generator, shape });
      const writer = (async () => {
        const handle = await open(fifo, 'w');
        await handle.writeFile(text);
        await handle.close();
      })();
      const out = await collect(flowResultsFromFile(fifo));
      await writer;
      expect(out.error).toBeUndefined();
      expect(out.records.length).toBe(200);
      expect(out.records[0].firewallArn).toMatch(/^arn:aws:network-firewall:/);
    });
  }
});
