import { Transform } from 'node:stream';
import type { ColumnSpec, FlowRecord, Row } from '../types.js';

/**
 * The thin stream wrapper shared by the aggregating transforms: records (or arrays of records) in,
 * the engine's rows out once the input ends. All logic lives in the engine.
 */
export function aggregateTransform(
  add: (record: FlowRecord) => void,
  finish: () => Row[],
  columns: ColumnSpec[],
): Transform & { columns: ColumnSpec[] } {
  const transform = new Transform({
    objectMode: true,
    transform(chunk: FlowRecord | FlowRecord[], _encoding, callback) {
      try {
        if (Array.isArray(chunk)) for (let i = 0; i < chunk.length; i++) add(chunk[i]!);
        else add(chunk);
      } catch (error) {
        callback(error as Error);
        return;
      }
      callback();
    },
    flush(callback) {
      let rows: Row[];
      try {
        rows = finish();
      } catch (error) {
        callback(error as Error);
        return;
      }
      for (const row of rows) this.push(row);
      callback();
    },
  });
  return Object.assign(transform, { columns });
}
