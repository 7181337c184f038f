import { isAscii, isUtf8 } from 'node:buffer';
import { describeValue, NfwError } from '../errors.js';
import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, WS } from './json-bytes.js';
import { markInexactCounters } from './mark-inexact-counters.js';

/**
 * Incremental scanner for saved ListFlowOperationResults output, with no I/O: feed it byte chunks split
 * anywhere. It walks the document's outer structure itself (a response object, an array of responses, or
 * responses one after another as in JSON Lines) and finds the byte span of every element of each `Flows`
 * array by tracking strings, escapes and bracket depth across chunk boundaries. The complete elements of a
 * chunk are decoded with one `JSON.parse` (as `[` + span + `]`), so JSON.parse validates them; metadata
 * values are parsed one by one. Memory is bounded by the chunk size plus `maxFlowBytes` / `maxValueBytes`.
 * A key twice in one response is an error (JSON readers disagree on which value counts). The first key of
 * the first object tells bare Flow records (`--query Flows` output, `jq '.Flows[]'`) from responses: bare
 * records are reported as the Flows of one response without metadata. Counters whose text JSON.parse
 * could have changed are marked (mark-inexact-counters.ts).
 *
 * Fast path: walking every byte in JavaScript costs about as much as JSON.parse itself, so inside Flows the
 * scanner first guesses where the last complete object element of the next `maxFlowBytes` ends (the bytes
 * `}` `,` `{`, found from the end with lastIndexOf) and lets JSON.parse check the guess: `[` + span + `]`
 * parses only if the span, read from a real element start, is whole elements (a cut inside a string or a
 * nested value leaves one open). A guess that does not parse, or holds an element nested deeper than
 * `maxDepth`, is dropped and those bytes are walked exactly, so results and errors are the same either way.
 */
export interface ScanEvents {
  pageStart(page: number): void;
  /** A key of the response other than `Flows`, with its parsed value; `afterFlows` when it followed `Flows`. */
  meta(page: number, key: string, value: unknown, afterFlows: boolean): void;
  /** `offset`: absolute byte offset of the `[` that opens this response's Flows array. */
  flowsStart(page: number, offset: number): void;
  /** Parsed elements of `Flows`, in order (not called in `skipFlows` mode). */
  flows(page: number, flows: unknown[]): void;
  pageEnd(page: number): void;
  /**
   * The input is bare Flow records (a JSON array of them, or one per line), not responses: called once,
   * before `pageStart(0)`; the records then arrive as the Flows of one response with no metadata.
   */
  bareFlows?(shape: 'array' | 'lines'): void;
}

export interface ScanLimits {
  /** Largest single Flows element in bytes (default 1 MiB). */
  maxFlowBytes?: number;
  /** Largest metadata key or value in bytes (default 1 MiB). */
  maxValueBytes?: number;
  /** Deepest nesting inside a value (default 64). */
  maxDepth?: number;
  /** Only find the structure and the metadata: do not decode flows (the metadata pre-pass). */
  skipFlows?: boolean;
  /** Walk every byte of Flows, never guessing spans: slower, same results and errors (tests compare them). */
  exact?: boolean;
}

const EMPTY = Buffer.alloc(0);
/** Distinct keys of one response object: the API has about a dozen; more is not a response. */
const MAX_KEYS = 256;
/** Longest key of a response object, in bytes. */
const MAX_KEY_BYTES = 1024;
/** The keys a Flow has: an object whose first key is one of them starts bare Flow records. */
const FLOW_KEYS = new Set([
  'SourceAddress',
  'DestinationAddress',
  'SourcePort',
  'DestinationPort',
  'Protocol',
  'Age',
  'PacketCount',
  'ByteCount',
]);
/**
 * Most bytes decoded by one fast-path JSON.parse. Below Node's limit for external strings (about 1 MB):
 * those are allocated outside the young generation and freed only by full GCs, so RSS would grow.
 */
const FAST_WINDOW = 512 << 10;
/** Largest #work kept for reuse; bigger appends allocate (a caller writing huge chunks). */
const WORK_LIMIT = 4 << 20;

enum S {
  Top, // between top-level values
  PagesFirst, // after `[` of an array of responses
  PagesNext, // after a response in that array
  PagesItem, // after `,` in that array
  KeyFirst, // after `{` of a response
  Key, // after `,` in a response
  KeyString,
  Colon,
  Value,
  Capture, // a metadata value
  AfterValue,
  Flows,
  Probe, // the first key of the first object: a response, or a bare Flow?
}

enum K {
  Container,
  String,
  Scalar,
}

enum F {
  First, // after `[`
  InElement,
  AfterElement,
  Next, // after `,`
}

export class FlowsScanner {
  readonly #events: ScanEvents;
  readonly #maxFlowBytes: number;
  readonly #maxValueBytes: number;
  readonly #maxDepth: number;
  readonly #skipFlows: boolean;
  #buf: Buffer = EMPTY;
  /** Owned bytes reused across writes: the unfinished token, then the next chunk appended to it. */
  #work: Buffer = EMPTY;
  /** Absolute offset of #buf[0]. */
  #base = 0;
  #state = S.Top;
  #inPages = false;
  #values = 0;
  #page = -1;
  #key = '';
  /** Keys of the current response, so a duplicate is an error (JSON readers disagree on which wins). */
  #keys = new Set<string>();
  #flowsSeen = false;
  /** The first object was looked at (bare Flow records or responses). */
  #probed = false;
  /** State to return to when the probe finds a response. */
  #probeFrom = S.Top;
  /** Bare Flow records: 'array' (one top-level array) or 'lines' (objects one after another). */
  #bare: 'array' | 'lines' | null = null;
  /** Start (relative) of the token being read across chunks, or -1. */
  #tokStart = -1;
  /** Where the scan of that token continues (relative). */
  #scan = 0;
  #sub = F.First;
  // value skipper state
  #kind = K.Container;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Absolute offset before which the fast path is not tried again (it failed for that window). */
  #fastFrom = 0;
  /** Reused for the text `[` + span + `]`: one copy, not a string concatenation JSON.parse must flatten. */
  #scratch: Buffer = EMPTY;

  constructor(events: ScanEvents, limits: ScanLimits = {}) {
    this.#events = events;
    this.#maxFlowBytes = limits.maxFlowBytes ?? 1 << 20;
    this.#maxValueBytes = limits.maxValueBytes ?? 1 << 20;
    this.#maxDepth = limits.maxDepth ?? 64;
    this.#skipFlows = limits.skipFlows ?? false;
    if (limits.exact === true) this.#fastFrom = Number.POSITIVE_INFINITY;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#base + this.#scan;
  }

  /** Scan the next bytes. The scanner keeps no reference to `chunk` afterwards: the caller may reuse it. */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const carry = this.#buf.length;
    if (carry === 0) this.#buf = c;
    else if (carry + c.length <= WORK_LIMIT) {
      // The unfinished token is at the front of #work already: append the chunk (no allocation).
      c.copy(this.#workFor(carry + c.length), carry);
      this.#buf = this.#work.subarray(0, carry + c.length);
    } else this.#buf = Buffer.concat([this.#buf, c]);
    this.#run();
    // Keep only the unfinished token, copied to the front of #work.
    const keep = this.#tokStart >= 0 ? this.#tokStart : this.#buf.length;
    const rest = this.#buf.length - keep;
    if (rest === 0) this.#buf = EMPTY;
    else if (rest <= WORK_LIMIT) {
      const work = this.#workFor(rest);
      this.#buf.copy(work, 0, keep); // may overlap: Buffer#copy is a memmove
      this.#buf = work.subarray(0, rest);
    } else this.#buf = Buffer.from(this.#buf.subarray(keep));
    this.#base += keep;
    this.#scan -= keep;
    if (this.#tokStart >= 0) this.#tokStart -= keep;
  }

  /** #work with room for `length` bytes, keeping its current contents. */
  #workFor(length: number): Buffer {
    if (this.#work.length < length) {
      const grown = Buffer.allocUnsafe(
        Math.min(WORK_LIMIT, Math.max(length, 2 * this.#work.length, 1 << 16)),
      );
      this.#work.copy(grown, 0, 0, Math.min(this.#work.length, this.#buf.length));
      this.#work = grown;
    }
    return this.#work;
  }

  end(): void {
    const at = this.#base + this.#buf.length;
    if (this.#bare === 'lines' && this.#state === S.Flows && this.#sub === F.AfterElement) {
      this.#events.pageEnd(this.#page);
      this.#state = S.Top;
    }
    if (this.#state === S.Probe) this.#state = this.#probeFrom; // ends inside the first object
    if (this.#state !== S.Top) {
      const where = this.#state === S.Flows ? ` inside Flows of response ${this.#page}` : '';
      throw this.#error(at, `unexpected end of input${where}: the file is truncated`);
    }
    if (this.#values === 0) throw this.#error(at, 'no JSON response found: the input is empty');
  }

  #error(offset: number, message: string, cause?: unknown): NfwError {
    return new NfwError('NFW_INVALID_INPUT', `${message} (byte offset ${offset})`, {
      offset,
      ...(cause === undefined ? {} : { cause }),
    });
  }

  #unexpected(i: number, expected: string): NfwError {
    const c = this.#buf[i];
    const shown = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`;
    return this.#error(this.#base + i, `expected ${expected}, found ${shown}`);
  }

  #startPage(): void {
    this.#values++;
    this.#page++;
    this.#flowsSeen = false;
    this.#keys.clear();
    this.#state = S.KeyFirst;
    this.#events.pageStart(this.#page);
  }

  #endPage(): void {
    this.#events.pageEnd(this.#page);
    this.#state = this.#inPages ? S.PagesNext : S.Top;
  }

  /** Begin skipping a value whose first byte is `c` at relative index i. */
  #startValue(c: number, i: number): void {
    this.#tokStart = i;
    this.#scan = i + 1;
    this.#inString = false;
    this.#escaped = false;
    this.#depth = 0;
    if (c === LBRACE || c === LBRACKET) {
      this.#kind = K.Container;
      this.#depth = 1;
    } else if (c === QUOTE) {
      this.#kind = K.String;
      this.#inString = true;
    } else {
      this.#kind = K.Scalar;
    }
  }

  /** Continue the value from #scan; its end (exclusive, relative) or -1 when the buffer ends first. */
  #scanValue(buf: Buffer, n: number): number {
    let i = this.#scan;
    if (this.#kind === K.Scalar) {
      for (; i < n; i++) {
        const c = buf[i];
        if (c === COMMA || c === RBRACE || c === RBRACKET || WS[c] === 1) return i;
      }
      this.#scan = n;
      return -1;
    }
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    const maxDepth = this.#maxDepth;
    for (; i < n; i++) {
      const c = buf[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 0) return i + 1;
        }
      } else if (c === QUOTE) inString = true;
      else if (c === LBRACE || c === LBRACKET) {
        if (++depth > maxDepth) {
          throw this.#error(this.#base + i, `JSON nested deeper than ${maxDepth} levels`);
        }
      } else if (c === RBRACE || c === RBRACKET) {
        if (--depth === 0) return i + 1;
      }
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    this.#scan = n;
    return -1;
  }

  #parse(start: number, end: number, what: string): unknown {
    const slice = this.#buf.subarray(start, end);
    if (!isUtf8(slice)) throw this.#error(this.#base + start, `${what} is not valid UTF-8`);
    try {
      return JSON.parse(slice.toString('utf8'));
    } catch (error) {
      throw this.#error(this.#base + start + syntaxPosition(error), `${what} is not valid JSON`, error);
    }
  }

  #run(): void {
    const buf = this.#buf;
    const n = buf.length;
    let i = this.#scan;
    while (i < n) {
      switch (this.#state) {
        case S.Top: {
          const c = buf[i];
          if (WS[c] === 1) i++;
          else if (this.#bare !== null) throw this.#unexpected(i, 'the end of input after the Flow records');
          else if (c === LBRACE && !this.#probed) {
            this.#probeFrom = S.Top;
            this.#state = S.Probe;
            this.#tokStart = i;
          } else if (c === LBRACE) {
            this.#inPages = false;
            i++;
            this.#startPage();
          } else if (c === LBRACKET) {
            this.#values++;
            this.#inPages = true;
            this.#state = S.PagesFirst;
            i++;
          } else if (this.#values === 0 && c === 0xef && buf[i + 1] === 0xbb && buf[i + 2] === 0xbf) {
            i += 3; // UTF-8 byte order mark
          } else if (this.#values === 0) throw this.#notJson(i);
          else
            throw this.#unexpected(
              i,
              'a ListFlowOperationResults response (a JSON object) or an array of them',
            );
          break;
        }
        case S.Probe:
          i = this.#probe(buf, n);
          break;
        case S.PagesFirst:
        case S.PagesItem: {
          const c = buf[i];
          if (WS[c] === 1) i++;
          else if (c === LBRACE && !this.#probed) {
            this.#probeFrom = this.#state;
            this.#state = S.Probe;
            this.#tokStart = i;
          } else if (c === LBRACE) {
            i++;
            this.#startPage();
          } else if (c === RBRACKET && this.#state === S.PagesFirst) {
            i++;
            this.#state = S.Top;
          } else throw this.#unexpected(i, 'a response object in the array');
          break;
        }
        case S.PagesNext: {
          const c = buf[i];
          if (WS[c] === 1) i++;
          else if (c === COMMA) {
            i++;
            this.#state = S.PagesItem;
          } else if (c === RBRACKET) {
            i++;
            this.#state = S.Top;
          } else throw this.#unexpected(i, "',' or ']' after a response in the array");
          break;
        }
        case S.KeyFirst:
        case S.Key: {
          const c = buf[i];
          if (WS[c] === 1) i++;
          else if (c === QUOTE) {
            this.#startValue(c, i);
            this.#state = S.KeyString;
            i++;
          } else if (c === RBRACE && this.#state === S.KeyFirst) {
            i++;
            this.#endPage();
          } else throw this.#unexpected(i, 'a key in the response object');
          break;
        }
        case S.KeyString: {
          this.#scan = i;
          const end = this.#scanValue(buf, n);
          if (end < 0) {
            this.#checkSize(n, MAX_KEY_BYTES, 'a key');
            i = n;
            break;
          }
          this.#checkSize(end, MAX_KEY_BYTES, 'a key');
          const key = this.#parse(this.#tokStart, end, 'a key') as string;
          if (this.#keys.has(key)) {
            throw this.#error(
              this.#base + this.#tokStart,
              key === 'Flows'
                ? `response ${this.#page} has two Flows keys`
                : `response ${this.#page} has the key ${clip(key)} twice: JSON readers disagree on which value counts`,
            );
          }
          if (this.#keys.size >= MAX_KEYS) {
            throw this.#error(
              this.#base + this.#tokStart,
              `response ${this.#page} has more than ${MAX_KEYS} keys: not ListFlowOperationResults output`,
            );
          }
          this.#keys.add(key);
          this.#key = key;
          this.#tokStart = -1;
          this.#state = S.Colon;
          i = end;
          break;
        }
        case S.Colon: {
          const c = buf[i];
          if (WS[c] === 1) i++;
          else if (c === COLON) {
            i++;
            this.#state = S.Value;
          } else throw this.#unexpected(i, "':' after a key");
          break;
        }
        case S.Value: {
          const c = buf[i];
          if (WS[c] === 1) {
            i++;
            break;
          }
          if (this.#key === 'Flows') {
            if (c !== LBRACKET) throw this.#unexpected(i, "'[': Flows must be an array");
            this.#flowsSeen = true;
            this.#events.flowsStart(this.#page, this.#base + i);
            this.#state = S.Flows;
            this.#sub = F.First;
            i++;
            break;
          }
          if (c === COMMA || c === RBRACE || c === RBRACKET || c === COLON)
            throw this.#unexpected(i, 'a value');
          this.#startValue(c, i);
          this.#state = S.Capture;
          i++;
          break;
        }
        case S.Capture: {
          this.#scan = i;
          const end = this.#scanValue(buf, n);
          if (end < 0) {
            this.#checkSize(n, this.#maxValueBytes, `the value of ${this.#key}`);
            i = n;
            break;
          }
          this.#checkSize(end, this.#maxValueBytes, `the value of ${this.#key}`);
          const value = this.#parse(this.#tokStart, end, `the value of ${this.#key}`);
          this.#tokStart = -1;
          this.#events.meta(this.#page, this.#key, value, this.#flowsSeen);
          this.#state = S.AfterValue;
          i = end;
          break;
        }
        case S.AfterValue: {
          const c = buf[i];
          if (WS[c] === 1) i++;
          else if (c === COMMA) {
            i++;
            this.#state = S.Key;
          } else if (c === RBRACE) {
            i++;
            this.#endPage();
          } else throw this.#unexpected(i, "',' or '}' in the response object");
          break;
        }
        case S.Flows:
          i = this.#flows(buf, n, i);
          break;
      }
    }
    this.#scan = i;
  }

  /**
   * The first object of the input (#tokStart is its `{`): its first key tells a response from a bare Flow
   * (AWS CLI `--query Flows`, `jq -c '.Flows[]'`, boto3 `json.dump(flows)`). Returns where to go on.
   */
  #probe(buf: Buffer, n: number): number {
    const start = this.#tokStart;
    let i = start + 1;
    while (i < n && WS[buf[i]] === 1) i++;
    if (i >= n) return n;
    let key: string | null = null;
    if (buf[i] === QUOTE) {
      let j = i + 1;
      for (; j < n && j - i <= MAX_KEY_BYTES; j++) {
        if (buf[j] === BACKSLASH) j++;
        else if (buf[j] === QUOTE) break;
      }
      if (j >= n) return n; // the key goes on in the next chunk
      if (buf[j] === QUOTE) {
        try {
          key = JSON.parse(buf.toString('utf8', i, j + 1)) as string;
        } catch {
          key = null; // the response path reports it
        }
      }
    }
    this.#probed = true;
    this.#tokStart = -1;
    if (key === null || !FLOW_KEYS.has(key)) {
      this.#state = this.#probeFrom;
      return start;
    }
    this.#bare = this.#probeFrom === S.Top ? 'lines' : 'array';
    this.#values++;
    this.#events.bareFlows?.(this.#bare);
    this.#page++;
    this.#events.pageStart(this.#page);
    this.#flowsSeen = true;
    this.#events.flowsStart(this.#page, this.#base + start);
    this.#state = S.Flows;
    this.#sub = F.First;
    return start;
  }

  /** The first byte is not JSON: most likely the AWS CLI's `--output text` or `--output table`. */
  #notJson(i: number): NfwError {
    const line = this.#buf.toString('utf8', i, Math.min(this.#buf.length, i + 200)).split(/\r?\n/)[0];
    return this.#error(
      this.#base + i,
      `the input is not JSON (it starts with ${clip(line)}); AWS CLI output saved with --output text or ` +
        '--output table cannot be read: save it with --output json',
    );
  }

  #checkSize(n: number, max: number, what: string): void {
    if (n - this.#tokStart > max) {
      throw this.#error(this.#base + this.#tokStart, `${what} is larger than ${max} bytes`);
    }
  }

  /** The elements of a Flows array: complete ones of this buffer are decoded as one batch. */
  #flows(buf: Buffer, n: number, i: number): number {
    let batchStart = -1;
    let batchEnd = -1;
    let sub = this.#sub;
    for (;;) {
      if (sub === F.InElement) {
        this.#scan = i;
        let end: number;
        try {
          end = this.#scanValue(buf, n);
        } catch (error) {
          this.#batch(batchStart, batchEnd); // the flows before a too deep one still count
          throw error;
        }
        if (end < 0) {
          if (n - this.#tokStart > this.#maxFlowBytes) {
            this.#batch(batchStart, batchEnd); // the flows before it still count
            this.#checkSize(n, this.#maxFlowBytes, `Flows element of response ${this.#page}`);
          }
          i = n;
          break;
        }
        if (end - this.#tokStart > this.#maxFlowBytes) {
          this.#batch(batchStart, batchEnd); // the flows before it still count
          this.#checkSize(end, this.#maxFlowBytes, `Flows element of response ${this.#page}`);
        }
        if (batchStart < 0) batchStart = this.#tokStart;
        batchEnd = end;
        this.#tokStart = -1;
        sub = F.AfterElement;
        i = end;
        continue;
      }
      while (i < n && WS[buf[i]] === 1) i++;
      if (i >= n) break;
      const c = buf[i];
      if (sub === F.AfterElement) {
        if (this.#bare === 'lines') {
          // One Flow per line: the next object starts the next element; nothing else may follow.
          if (c !== LBRACE) {
            this.#sub = sub;
            this.#batch(batchStart, batchEnd);
            throw this.#unexpected(i, 'a Flow object on the next line');
          }
          sub = F.Next;
        } else if (c === COMMA) {
          sub = F.Next;
          i++;
          continue;
        } else if (c !== RBRACKET) {
          this.#sub = sub;
          this.#batch(batchStart, batchEnd);
          throw this.#unexpected(i, "',' or ']' between flows");
        }
      } else if (this.#bare === 'lines' && c !== LBRACE) {
        this.#batch(batchStart, batchEnd);
        throw this.#unexpected(i, 'a Flow object');
      } else if (c === COMMA || (c === RBRACKET && sub === F.Next) || c === RBRACE || c === COLON) {
        this.#batch(batchStart, batchEnd);
        throw this.#unexpected(i, 'a flow');
      }
      if (c === RBRACKET && this.#bare !== 'lines') {
        this.#batch(batchStart, batchEnd);
        this.#sub = F.First;
        if (this.#bare === 'array') {
          this.#events.pageEnd(this.#page);
          this.#state = S.Top;
        } else this.#state = S.AfterValue;
        return i + 1;
      }
      if (c === LBRACE && !this.#skipFlows && this.#bare !== 'lines' && this.#base + i >= this.#fastFrom) {
        this.#batch(batchStart, batchEnd); // keep the order: flows found exactly so far go first
        batchStart = -1;
        const next = this.#fast(buf, n, i);
        if (next > 0) {
          sub = F.Next;
          i = next;
          continue;
        }
      }
      this.#startValue(c, i);
      sub = F.InElement;
      i++;
    }
    this.#sub = sub;
    this.#batch(batchStart, batchEnd);
    return i;
  }

  /**
   * Decode whole object elements from `i` (an element's `{`) with one JSON.parse, when the guess of where
   * they end holds. Returns the start of the element after them, or -1 (nothing consumed).
   */
  #fast(buf: Buffer, n: number, i: number): number {
    const limit = Math.min(n, i + this.#maxFlowBytes, i + FAST_WINDOW);
    let cut = -1;
    let p = limit - 1;
    while (p > i) {
      p = buf.lastIndexOf(LBRACE, p);
      if (p <= i) break;
      let q = p - 1;
      while (WS[buf[q]] === 1) q--;
      if (buf[q] === COMMA) {
        q--;
        while (WS[buf[q]] === 1) q--;
        if (buf[q] === RBRACE) {
          cut = q + 1;
          break;
        }
      }
      p--;
    }
    if (cut < 0) {
      this.#fastFrom = this.#base + limit;
      return -1;
    }
    let flows: unknown[] | undefined;
    const text = this.#arrayText(buf, i, cut);
    if (text !== undefined) {
      try {
        flows = JSON.parse(text) as unknown[];
      } catch {
        flows = undefined;
      }
      if (flows !== undefined) markInexactCounters(text, flows);
    }
    if (flows === undefined || tooDeep(flows, this.#maxDepth)) {
      this.#fastFrom = this.#base + limit; // walk these bytes exactly: that finds the error and its offset
      return -1;
    }
    this.#events.flows(this.#page, flows);
    return p;
  }

  /** The text `[` + buf[start, end) + `]`, or undefined when those bytes are not UTF-8. */
  #arrayText(buf: Buffer, start: number, end: number): string | undefined {
    const span = buf.subarray(start, end);
    const ascii = isAscii(span);
    if (!ascii && !isUtf8(span)) return undefined;
    const length = end - start + 2;
    if (length > this.#maxFlowBytes + 2) return `[${span.toString('utf8')}]`; // rare: keep the scratch small
    if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafe(this.#maxFlowBytes + 2);
    const scratch = this.#scratch;
    scratch[0] = LBRACKET;
    span.copy(scratch, 1);
    scratch[length - 1] = RBRACKET;
    // For ASCII, latin1 decoding is the same text and a plain copy.
    return scratch.toString(ascii ? 'latin1' : 'utf8', 0, length);
  }

  #batch(start: number, end: number): void {
    if (start < 0 || this.#skipFlows) return;
    // Flows one per line have no commas between them: `[` + span + `]` cannot parse, go element by element.
    const text = this.#bare === 'lines' ? undefined : this.#arrayText(this.#buf, start, end);
    if (text !== undefined) {
      let flows: unknown[] | undefined;
      try {
        flows = JSON.parse(text) as unknown[];
      } catch {
        flows = undefined; // find the bad element below
      }
      if (flows !== undefined) markInexactCounters(text, flows);
      if (flows !== undefined) {
        this.#events.flows(this.#page, flows);
        return;
      }
    }
    // Slow path: decode the elements one by one, deliver the good ones, and fail at the bad one.
    const saved = {
      kind: this.#kind,
      depth: this.#depth,
      s: this.#inString,
      e: this.#escaped,
      scan: this.#scan,
      tok: this.#tokStart,
    };
    const good: unknown[] = [];
    let i = start;
    try {
      while (i < end) {
        const c = this.#buf[i];
        if (WS[c] === 1 || c === COMMA) {
          i++;
          continue;
        }
        this.#startValue(c, i);
        const stop = this.#scanValue(this.#buf, end);
        const elementEnd = stop < 0 ? end : stop;
        const element = this.#parse(i, elementEnd, `flow ${good.length} of this part of Flows`);
        markInexactCounters(`[${this.#buf.toString('utf8', i, elementEnd)}]`, [element]);
        good.push(element);
        i = elementEnd;
      }
    } finally {
      if (good.length > 0) this.#events.flows(this.#page, good);
      this.#kind = saved.kind;
      this.#depth = saved.depth;
      this.#inString = saved.s;
      this.#escaped = saved.e;
      this.#scan = saved.scan;
      this.#tokStart = saved.tok;
    }
  }
}

/** True when an element holds a container deeper than `max` (the element itself is depth 1). */
function tooDeep(flows: unknown[], max: number): boolean {
  for (let k = 0; k < flows.length; k++) {
    const v = flows[k];
    if (typeof v === 'object' && v !== null && deeper(v, 1, max)) return true;
  }
  return false;
}

function deeper(value: object, depth: number, max: number): boolean {
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const v: unknown = value[k];
      if (typeof v === 'object' && v !== null && (depth >= max || deeper(v, depth + 1, max))) return true;
    }
    return false;
  }
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'object' && v !== null && (depth >= max || deeper(v, depth + 1, max))) return true;
  }
  return false;
}

/** A value quoted for a message, cut at a character boundary (describeValue). */
function clip(text: string): string {
  return describeValue(text, 60);
}

function syntaxPosition(error: unknown): number {
  const match = error instanceof Error ? /position (\d+)/.exec(error.message) : null;
  return match ? Number(match[1]) : 0;
}
