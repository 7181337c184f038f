/**
 * When a partition's file is closed and the next part begun (no I/O). The bytes are looked at only at
 * batch boundaries (an Arrow batch, a Parquet row group), so a part is closed at the first boundary
 * where it holds at least `limit` bytes: every part but the last reaches the limit, and none passes it
 * by more than its last batch (plus the format's footer, written when the part is closed).
 */
export class PartRotation {
  readonly limit: number;
  private bytes = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** One more batch of `bytes` went into the current part; true when that part is now full. */
  add(bytes: number): boolean {
    this.bytes += bytes;
    if (this.bytes < this.limit) return false;
    this.bytes = 0;
    return true;
  }
}

/** A batch (or row group) as the splitter sees it. */
export interface Batch {
  rows: number;
  bytes: number;
}

/** Rows of each part when batches of these sizes are written in order (at least one part). */
export function planParts(batches: readonly Batch[], limit: number): number[] {
  const rotation = new PartRotation(limit);
  const parts: number[] = [];
  let rows = 0;
  for (const batch of batches) {
    rows += batch.rows;
    if (rotation.add(batch.bytes)) {
      parts.push(rows);
      rows = 0;
    }
  }
  if (rows > 0 || parts.length === 0) parts.push(rows);
  return parts;
}
