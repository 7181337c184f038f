import { makeData, RecordBatch, type Schema, Struct } from 'apache-arrow';
import { NfwError } from '../errors.js';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';
import { type ColumnBuilder, createColumnBuilder } from './column-builders.js';
import { createFlowColumnBuffers, type FlowColumnBuffers } from './flow-column-buffers.js';
import { type CellValue, columnGetters, FLOW_COLUMNS } from './flow-columns.js';
import { columnsSchema, normalizeColumns, normalizePositiveInt } from './schema.js';

// 4K rows, not 16K or 64K: a batch's column buffers are garbage once written, and the longer a batch
// takes to fill, the more young-generation GCs its buffers survive: promoted, they wait for a full GC
// (BENCHMARKS.md, api-to-arrow, has the peak memory of each size).
export const DEFAULT_BATCH_SIZE = 4096;
/**
 * Parquet row groups of 4 batches: the writer thread holds one row group's encoder state in wasm memory,
 * which never shrinks, so the group size sets the Parquet export's peak; larger groups make a smaller
 * file for more memory (BENCHMARKS.md, peers, has both for each size).
 */
export const DEFAULT_ROW_GROUP_SIZE = 16_384;

export interface BatchBuilderOptions {
  /** Columns of generic rows (group-by, top talkers); omitted: flow records, schema v1. */
  columns?: ColumnSpec[] | readonly ColumnSpec[];
  /** Rows per batch (default 4096); `append` returns true once a batch is full. */
  batchSize?: number;
  /** The schema batches are built against (default: the columns' schema with default metadata). */
  schema?: Schema;
}

export interface BatchBuilder {
  /** The one schema of every batch this builder returns. */
  readonly schema: Schema;
  readonly columns: readonly ColumnSpec[];
  readonly batchSize: number;
  /** Rows appended since the last flush. */
  readonly length: number;
  /** Appends one record (or row); returns true when the batch is full and should be flushed. */
  append(item: FlowRecord | Row): boolean;
  /** The rows appended since the last flush as a RecordBatch, or null when there are none. */
  flush(): RecordBatch | null;
}

/**
 * The engine behind toArrow/toParquet: appends records into typed-array column builders and hands out
 * one RecordBatch per `batchSize` rows, all of one schema. No I/O.
 */
export function createBatchBuilder(options: BatchBuilderOptions = {}): BatchBuilder {
  const given = normalizeColumns(options.columns);
  const columns = given ?? FLOW_COLUMNS;
  const batchSize = normalizePositiveInt(options.batchSize, 'batchSize', DEFAULT_BATCH_SIZE);
  const schema = options.schema ?? columnsSchema(columns);
  if (
    schema.fields.length !== columns.length ||
    schema.fields.some((f, i) => f.name !== columns[i].name || f.nullable !== columns[i].nullable)
  ) {
    throw new NfwError('NFW_INVALID_OPTION', 'schema does not match columns', {
      field: 'schema',
      value: schema.fields.map((f) => f.name),
    });
  }
  const getters = columnGetters(given) as readonly ((item: FlowRecord | Row) => CellValue)[];
  // Flow records (schema v1) take typed column buffers; rows the per-column builders.
  const flow = given === undefined ? createFlowColumnBuffers(batchSize) : null;
  return new Builder(schema, columns, batchSize, getters, flow);
}

/**
 * `batch` itself when its columns are `schema`'s (names, types, nullability): a RecordBatch written
 * through toArrow/toParquet as it is, e.g. the diff's change rows in columns. NFW_INVALID_RECORD when not.
 */
export function matchingBatch(batch: RecordBatch, schema: Schema): RecordBatch {
  const mine = schema.fields;
  const theirs = batch.schema.fields;
  if (
    theirs.length !== mine.length ||
    theirs.some(
      (f, i) =>
        f.name !== mine[i]!.name ||
        f.nullable !== mine[i]!.nullable ||
        String(f.type) !== String(mine[i]!.type),
    )
  ) {
    throw new NfwError('NFW_INVALID_RECORD', 'a RecordBatch whose columns are not the output columns', {
      field: 'batch',
      value: theirs.map((f) => f.name),
    });
  }
  return batch;
}

/** A class, not a closure: its state is in-object fields, cheaper per record than context slots. */
class Builder implements BatchBuilder {
  private count = 0;
  private builders: ColumnBuilder[] = [];
  /** The row builders are allocated for the current batch (flow records have their own column buffers). */
  private fresh: boolean;
  // A value rejected half-way through a row leaves the columns uneven: the builder stays failed.
  private failure: unknown = null;
  private readonly structType: Struct;

  constructor(
    readonly schema: Schema,
    readonly columns: readonly ColumnSpec[],
    readonly batchSize: number,
    private readonly getters: readonly ((item: FlowRecord | Row) => CellValue)[],
    private readonly flow: FlowColumnBuffers | null,
  ) {
    this.fresh = flow !== null;
    this.structType = new Struct(schema.fields);
  }

  get length(): number {
    return this.count;
  }

  append(item: FlowRecord | Row): boolean {
    if (this.failure !== null) throw this.failure;
    const index = this.count;
    if (index >= this.batchSize) {
      throw new NfwError('NFW_INVALID_OPTION', 'batch is full: flush() before appending more', {
        field: 'batchSize',
        value: this.batchSize,
      });
    }
    try {
      if (this.flow !== null) this.flow.append(item as FlowRecord, index);
      else this.appendRow(item, index);
    } catch (error) {
      this.failure = error;
      throw error;
    }
    this.count = index + 1;
    return index + 1 === this.batchSize;
  }

  private appendRow(item: FlowRecord | Row, index: number): void {
    if (!this.fresh) {
      this.builders = this.columns.map((c) => createColumnBuilder(c, this.batchSize));
      this.fresh = true;
    }
    const builders = this.builders;
    const getters = this.getters;
    for (let c = 0; c < builders.length; c++) builders[c].append(getters[c](item), index);
  }

  flush(): RecordBatch | null {
    if (this.failure !== null) throw this.failure;
    const length = this.count;
    if (length === 0) return null;
    const children =
      this.flow !== null ? this.flow.finish(length) : this.builders.map((b) => b.finish(length));
    const batch = new RecordBatch(
      this.schema,
      makeData({ type: this.structType, length, nullCount: 0, children }),
    );
    this.count = 0;
    // Rows get fresh builders on the next append; the flow column buffers renew their own in finish,
    // so a batch of flow records never allocates the row builders it does not use.
    this.fresh = this.flow !== null;
    return batch;
  }
}
