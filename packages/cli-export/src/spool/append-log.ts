/**
 * An append-only file of lines whose committed byte length the checkpoint records: the spool of a job
 * (one line per response page) and its rejects log. Resuming opens it cut back to that length.
 */
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { damagedCheckpoint } from './checkpoint.js';

/** Lines are gathered in a reused buffer of this size and written when it is full or committed. */
const BUFFER_BYTES = 256 << 10;

export class AppendLog {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;
  private written: number;

  /** Opens `file`; with `truncateTo`, keeps exactly that many bytes (resume), otherwise starts empty. */
  constructor(file: string, truncateTo?: number) {
    this.fd = openTruncated(file, truncateTo);
    this.written = truncateTo ?? 0;
  }

  append(line: string): void {
    // At most 3 bytes per UTF-16 unit; the exact length is asked only for lines that might not fit.
    if (this.buffered + line.length * 3 + 1 > BUFFER_BYTES) {
      const bytes = Buffer.byteLength(line, 'utf8') + 1;
      if (this.buffered + bytes > BUFFER_BYTES) this.flush();
      if (bytes > BUFFER_BYTES) {
        this.writeAll(Buffer.from(`${line}\n`, 'utf8'));
        return;
      }
    }
    this.buffered += this.buffer.write(line, this.buffered, 'utf8');
    this.buffer[this.buffered++] = 10; // \n
  }

  flush(): void {
    if (this.buffered === 0) return;
    const n = this.buffered;
    this.buffered = 0;
    this.writeAll(this.buffer.subarray(0, n));
  }

  private writeAll(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.written + off);
    this.written += buf.length;
  }

  /** Bytes appended so far (written + buffered). */
  get length(): number {
    return this.written + this.buffered;
  }

  /** Flush and make durable; returns the committed byte length. */
  commit(): number {
    this.flush();
    fdatasyncSync(this.fd);
    return this.written;
  }

  /** Closes the file; lines appended after the last commit are cut by the next resume. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Open a log for appending: empty, or (resume) cut to exactly `truncateTo` bytes. A file shorter than
 * that is damaged: ftruncate would grow it with zeros that no reader could decode.
 */
export function openTruncated(file: string, truncateTo: number | undefined): number {
  const fd = openSync(file, truncateTo === undefined ? 'w' : 'r+', 0o600);
  try {
    const size = fstatSync(fd).size;
    if (truncateTo !== undefined && size < truncateTo)
      throw damagedCheckpoint(
        file,
        `has ${size} bytes, fewer than the ${truncateTo} the checkpoint committed`,
      );
    ftruncateSync(fd, truncateTo ?? 0);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}
