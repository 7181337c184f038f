import { fc, test } from '@fast-check/vitest';
import { RecordBatchFileReader, tableFromIPC } from 'apache-arrow';
import { describe, expect } from 'vitest';
import { createBatchBuilder } from '../../src/serialize/batch-builder.js';
import { encodeArrow, FLOW_COLUMNS, toArrow } from '../../src/serialize/index.js';
import { createIpcWriter } from '../../src/serialize/ipc-writer.js';
import { flowSchema } from '../../src/serialize/schema.js';
import type { ColumnSpec, FlowRecord, Row } from '../../src/types.js';
import { expectedRow, flowRecordArb, makeRecords, runBytes } from './helpers.js';

function rowsOf(bytes: Uint8Array): Record<string, unknown>[] {
  return tableFromIPC(bytes)
    .toArray()
    .map((r) => ({ ...r.toJSON() }));
}

const V1: [string, string, boolean][] = [
  ['firewall_arn', 'Utf8', false],
  ['availability_zone', 'Utf8', true],
  ['vpc_endpoint_id', 'Utf8', true],
  ['vpc_endpoint_association_arn', 'Utf8', true],
  ['flow_operation_id', 'Utf8', false],
  ['flow_request_timestamp', 'Timestamp<MILLISECOND, UTC>', true],
  ['source_address', 'Utf8', false],
  ['source_ip_version', 'Uint8', false],
  ['source_prefix_length', 'Uint8', false],
  ['source_port_from', 'Uint16', true],
  ['source_port_to', 'Uint16', true],
  ['destination_address', 'Utf8', false],
  ['destination_ip_version', 'Uint8', false],
  ['destination_prefix_length', 'Uint8', false],
  ['destination_port_from', 'Uint16', true],
  ['destination_port_to', 'Uint16', true],
  ['protocol', 'Uint8', true],
  ['protocol_name', 'Utf8', true],
  ['age_seconds', 'Uint32', true],
  ['packet_count', 'Uint64', true],
  ['byte_count', 'Uint64', true],
];

describe('schema v1', () => {
  test('flowSchema has the exact names, types, nullability and metadata keys', () => {
    const schema = flowSchema({ 'nfw_flows.status': 'COMPLETED', extra: 'x' });
    expect(schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(V1);
    expect(FLOW_COLUMNS.map((c) => c.name)).toEqual(V1.map((v) => v[0]));
    expect(FLOW_COLUMNS.every((c) => typeof c.description === 'string' && c.description.length > 0)).toBe(
      true,
    );
    expect([...schema.metadata.keys()]).toEqual([
      'nfw_flows.schema_version',
      'nfw_flows.status',
      'nfw_flows.status_message',
      'nfw_flows.version',
      'extra',
    ]);
    expect(schema.metadata.get('nfw_flows.schema_version')).toBe('1');
    expect(schema.metadata.get('nfw_flows.status')).toBe('COMPLETED');
  });

  test('a written file carries schema v1 and an UNKNOWN status by default', () => {
    const table = tableFromIPC(Buffer.concat([...encodeArrow(makeRecords(3))]));
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(V1);
    expect(table.schema.metadata.get('nfw_flows.status')).toBe('UNKNOWN');
    expect(table.schema.metadata.get('nfw_flows.version')).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('toArrow round trip', () => {
  test.prop(
    [
      fc.array(flowRecordArb, { maxLength: 23 }),
      fc.integer({ min: 1, max: 5 }),
      fc.constantFrom('file' as const, 'stream' as const),
    ],
    { numRuns: 60 },
  )('every value comes back for any batch size', async (records, batchSize, format) => {
    const bytes = await runBytes(records, toArrow({ format, batchSize }));
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(records.length);
    expect(table.batches.filter((b) => b.numRows > 0).length).toBe(Math.ceil(records.length / batchSize));
    expect(rowsOf(bytes)).toEqual(records.map(expectedRow));
    // The iterable form writes the same bytes.
    expect(Buffer.concat([...encodeArrow(records, { format, batchSize })])).toEqual(bytes);
  });

  test('nulls in every nullable column round-trip (and leading values before the first null)', async () => {
    const [a, b] = makeRecords(2);
    const allNull: FlowRecord = {
      ...b,
      availabilityZone: null,
      vpcEndpointId: null,
      vpcEndpointAssociationArn: null,
      flowRequestTimestamp: null,
      sourcePort: null,
      destinationPort: null,
      protocol: null,
      ageSeconds: null,
      packetCount: null,
      byteCount: null,
    };
    const records = [a, a, a, a, a, a, a, a, a, allNull, a, allNull];
    for (const format of ['file', 'stream'] as const) {
      const bytes = await runBytes(records, toArrow({ format, batchSize: 11 }));
      expect(rowsOf(bytes)).toEqual(records.map(expectedRow));
      const table = tableFromIPC(bytes);
      expect(table.getChild('byte_count')!.nullCount).toBe(2);
      expect(table.getChild('firewall_arn')!.nullCount).toBe(0);
    }
  });

  test('an empty result is a valid file with the schema and zero rows', async () => {
    for (const format of ['file', 'stream'] as const) {
      const bytes = await runBytes([], toArrow({ format, metadata: { 'nfw_flows.status': 'COMPLETED' } }));
      const table = tableFromIPC(bytes);
      expect(table.numRows).toBe(0);
      expect(table.schema.fields.map((f) => f.name)).toEqual(V1.map((v) => v[0]));
      expect(table.schema.metadata.get('nfw_flows.status')).toBe('COMPLETED');
    }
    const file = await runBytes([], toArrow({ format: 'file' }));
    expect(file.subarray(0, 6).toString('latin1')).toBe('ARROW1');
    expect(file.subarray(-6).toString('latin1')).toBe('ARROW1');
  });

  test('output comes batch by batch in a few chunks each, not per record or all at the end', async () => {
    const chunks: number[] = [];
    const t = toArrow({ format: 'stream', batchSize: 100 });
    t.on('data', (c: Buffer) => chunks.push(c.length));
    await runBytes(makeRecords(1000), t);
    // Small buffers are merged: one chunk per batch, plus the schema message and the end marker.
    expect(chunks.length).toBe(1 + 10 + 1);
    // Big column buffers (dozens per batch) are passed on as they are, not copied into one chunk.
    const big: number[] = [];
    const u = toArrow({ format: 'stream', batchSize: 50_000 });
    u.on('data', (c: Buffer) => big.push(c.length));
    await runBytes(makeRecords(100_000), u);
    expect(big.length).toBeGreaterThan(2 * 3);
    expect(big.length).toBeLessThan(2 * 64);
  });

  test('holds back records when the reader does not read (backpressure)', async () => {
    const t = toArrow({ format: 'stream', batchSize: 10 });
    let accepted = 0;
    for (const r of makeRecords(10_000)) {
      if (!t.write(r)) break;
      accepted++;
    }
    // Writable side (16 objects) plus one batch: far fewer than all 10,000 records were taken.
    expect(accepted).toBeLessThan(100);
    t.destroy();
  });
});

describe('metadata', () => {
  test('a metadata function is called once, when the first batch is written', async () => {
    let calls = 0;
    let seen = 0;
    const records = makeRecords(7);
    const t = toArrow({
      batchSize: 3,
      metadata: () => {
        calls++;
        return { 'nfw_flows.status': 'COMPLETED_WITH_ERRORS', 'nfw_flows.status_message': `after ${seen}` };
      },
    });
    t.on('data', () => {});
    for (const r of records) {
      seen++;
      t.write(r);
    }
    t.end();
    await new Promise((resolve) => t.on('end', resolve));
    expect(calls).toBe(1);
    expect(seen).toBe(7);
  });

  test('setMetadata before the first batch reaches the header; afterwards only the file footer', async () => {
    for (const format of ['file', 'stream'] as const) {
      const t = toArrow({ format, batchSize: 2, metadata: { 'nfw_flows.status': 'COMPLETED' } });
      expect(t.setMetadata('nfw_flows.status_message', 'early')).toBe(true);
      const chunks: Buffer[] = [];
      t.on('data', (c: Buffer) => chunks.push(c));
      const records = makeRecords(5);
      for (const r of records) t.write(r);
      await new Promise((resolve) => setImmediate(resolve));
      expect(t.setMetadata('nfw_flows.status', 'INCOMPLETE')).toBe(format === 'file');
      t.end();
      await new Promise((resolve) => t.on('end', resolve));
      const bytes = Buffer.concat(chunks);
      const meta = tableFromIPC(bytes).schema.metadata;
      expect(meta.get('nfw_flows.status_message')).toBe('early');
      expect(meta.get('nfw_flows.status')).toBe(format === 'file' ? 'INCOMPLETE' : 'COMPLETED');
      if (format === 'file') {
        // File readers take the footer's schema (apache-arrow writes no schema message after the magic).
        const reader = RecordBatchFileReader.from(bytes).open();
        expect(reader.schema.metadata.get('nfw_flows.status')).toBe('INCOMPLETE');
        expect(rowsOf(bytes)).toEqual(records.map(expectedRow));
      }
    }
  });

  test('rejects non-string metadata values and bad options with NFW_INVALID_OPTION', () => {
    const bad: [unknown, string][] = [
      [{ metadata: { a: 1 } }, 'metadata'],
      [{ format: 'feather' }, 'format'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ batchSize: 1.5 }, 'batchSize'],
      [{ columns: [] }, 'columns'],
      [{ columns: [{ name: 'a', type: 'int8', nullable: false }] }, 'columns'],
      [
        {
          columns: [
            { name: 'a', type: 'utf8', nullable: false },
            { name: 'a', type: 'utf8', nullable: false },
          ],
        },
        'columns',
      ],
    ];
    for (const [options, field] of bad) {
      expect(() => toArrow(options as never)).toThrow(
        expect.objectContaining({ code: 'NFW_INVALID_OPTION', field }),
      );
    }
  });
});

describe('rows with columns', () => {
  const columns: ColumnSpec[] = [
    { name: 'key', type: 'utf8', nullable: false },
    { name: 'u8', type: 'uint8', nullable: true },
    { name: 'u16', type: 'uint16', nullable: true },
    { name: 'u32', type: 'uint32', nullable: true },
    { name: 'flows', type: 'uint64', nullable: false },
    { name: 'share', type: 'float64', nullable: true },
    { name: 'first_seen', type: 'timestamp_ms', nullable: true },
  ];
  const rowArb: fc.Arbitrary<Row> = fc.record({
    key: fc.string(),
    u8: fc.option(fc.integer({ min: 0, max: 255 })),
    u16: fc.option(fc.integer({ min: 0, max: 65535 })),
    u32: fc.option(fc.nat(0xffffffff)),
    flows: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    share: fc.option(fc.double({ noNaN: true })),
    first_seen: fc.option(fc.integer({ min: -1e12, max: 4e12 }).map((ms) => new Date(ms))),
  });

  test.prop([fc.array(rowArb, { maxLength: 15 }), fc.integer({ min: 1, max: 5 })], { numRuns: 40 })(
    'serialize with their own schema and come back exactly',
    async (rows, batchSize) => {
      const bytes = await runBytes(rows, toArrow({ columns, batchSize, format: 'stream' }));
      const table = tableFromIPC(bytes);
      expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
        'key:Utf8',
        'u8:Uint8',
        'u16:Uint16',
        'u32:Uint32',
        'flows:Uint64',
        'share:Float64',
        'first_seen:Timestamp<MILLISECOND, UTC>',
      ]);
      expect(rowsOf(bytes)).toEqual(
        rows.map((r) => ({
          ...r,
          first_seen: r.first_seen === null ? null : (r.first_seen as Date).getTime(),
        })),
      );
    },
  );

  test('a value of the wrong type or range fails with NFW_INVALID_RECORD naming the column', async () => {
    const good = { key: 'a', u8: 1, u16: 1, u32: 1, flows: 1n, share: 0.5, first_seen: null };
    const cases: [Row, string][] = [
      [{ ...good, u8: 256 }, 'u8'],
      [{ ...good, u16: -1 }, 'u16'],
      [{ ...good, u32: 1.5 }, 'u32'],
      [{ ...good, flows: 2n ** 64n }, 'flows'],
      [{ ...good, flows: null }, 'flows'],
      [{ ...good, key: 5 }, 'key'],
      [{ ...good, share: '1' }, 'share'],
      [{ ...good, first_seen: new Date(Number.NaN) }, 'first_seen'],
    ];
    for (const [row, field] of cases) {
      await expect(runBytes([good, row], toArrow({ columns }))).rejects.toMatchObject({
        code: 'NFW_INVALID_RECORD',
        field,
      });
    }
  });
});

describe('engine pieces', () => {
  test('createBatchBuilder flushes batches of the one schema and stays failed after a bad value', () => {
    const builder = createBatchBuilder({ batchSize: 2 });
    const [a, b, c] = makeRecords(3);
    expect(builder.append(a)).toBe(false);
    expect(builder.append(b)).toBe(true);
    const batch = builder.flush()!;
    expect(batch.numRows).toBe(2);
    expect(batch.schema.fields).toEqual(builder.schema.fields);
    expect(builder.flush()).toBeNull();
    builder.append(c);
    expect(builder.length).toBe(1);
    expect(() => builder.append({ ...c, ageSeconds: -1 })).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_RECORD' }),
    );
    expect(() => builder.flush()).toThrow(expect.objectContaining({ code: 'NFW_INVALID_RECORD' }));
  });

  test('the IPC writer refuses a batch of another schema instead of dropping it', () => {
    const writer = createIpcWriter(flowSchema(), 'file');
    writer.start();
    const other = createBatchBuilder({ columns: [{ name: 'x', type: 'utf8', nullable: false }] });
    other.append({ x: 'a' });
    expect(() => writer.write(other.flush()!)).toThrow(
      expect.objectContaining({ code: 'NFW_OUTPUT_FAILED' }),
    );
  });
});
