import { type IndexedKeys, OpenAddressIndex } from './open-address-index.js';

/**
 * One capture's flows for the diff, held column by column: packed key words, counters as exact u64
 * halves, age, context id and flag bits, in typed-array chunks (no object per flow, no copy when it
 * grows), plus an OpenAddressIndex from a hash of the key to the first flow with that key (hashes
 * are recomputed when the index grows rather than stored: 4 bytes a flow less). Flows with the same key
 * are chained in input order through `next` (a map: keys repeat rarely, so no array of links per flow).
 */

/** Uint32 words of a packed flow key (see flow-diff.ts `packFlowKey`). */
export const KEY_WIDTH = 12;

const CHUNK_BITS = 14;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** Flag bits of a flow. */
export const PACKETS_NULL = 1;
export const BYTES_NULL = 2;
export const AGE_NULL = 4;
/** Its key occurs more than once in this capture. */
export const DUPLICATE = 8;
/** Paired with a flow of the other capture (continuing, or the old half of a restart). */
export const PAIRED = 16;
/** Paired, but the after-flow began after the before capture. */
export const RESTARTED = 32;

interface Chunk {
  keys: Uint32Array;
  /** packets hi, packets lo, bytes hi, bytes lo. */
  counters: Uint32Array;
  ages: Uint32Array;
  contexts: Uint32Array;
  flags: Uint8Array;
}

const NO_INDEX = new OpenAddressIndex({ keyEquals: () => false, hashOf: () => 0 }, 1);

/** A released chunk: empty arrays, so a stray read gives undefined rather than the old data. */
const RELEASED: Chunk = {
  keys: new Uint32Array(0),
  counters: new Uint32Array(0),
  ages: new Uint32Array(0),
  contexts: new Uint32Array(0),
  flags: new Uint8Array(0),
};

function newChunk(): Chunk {
  return {
    keys: new Uint32Array(CHUNK * KEY_WIDTH),
    counters: new Uint32Array(CHUNK * 4),
    ages: new Uint32Array(CHUNK),
    contexts: new Uint32Array(CHUNK),
    flags: new Uint8Array(CHUNK),
  };
}

export class FlowDiffTable implements IndexedKeys {
  size = 0;
  /** Flows whose key an earlier flow of this capture already had. */
  duplicates = 0;
  private readonly chunks: Chunk[] = [];
  /** The next flow with the same key, by flow (only flows whose key repeats later). */
  private readonly links = new Map<number, number>();
  /** Only the first flow of each key is indexed. */
  private index = new OpenAddressIndex(this, 1024);
  /** Last flow of each key's chain, by the chain's first flow (only for keys seen twice). */
  private readonly tails = new Map<number, number>();

  /**
   * Append a flow. `key` holds its KEY_WIDTH words; counters are given as u64 halves. Returns its index.
   */
  add(
    key: Uint32Array,
    hash: number,
    packetsHi: number,
    packetsLo: number,
    bytesHi: number,
    bytesLo: number,
    age: number,
    context: number,
    flags: number,
  ): number {
    const i = this.size;
    const c = i >>> CHUNK_BITS;
    if (c === this.chunks.length) this.chunks.push(newChunk());
    const chunk = this.chunks[c]!;
    const o = i & CHUNK_MASK;
    const keys = chunk.keys;
    const base = o * KEY_WIDTH;
    for (let w = 0; w < KEY_WIDTH; w++) keys[base + w] = key[w]!;
    chunk.counters[o * 4] = packetsHi;
    chunk.counters[o * 4 + 1] = packetsLo;
    chunk.counters[o * 4 + 2] = bytesHi;
    chunk.counters[o * 4 + 3] = bytesLo;
    chunk.ages[o] = age;
    chunk.contexts[o] = context;
    this.size++;
    const head = this.index.find(key, hash);
    if (head < 0) {
      chunk.flags[o] = flags;
      this.index.insert(i, hash);
      return i;
    }
    // A key seen before: chain it behind the last flow with that key, and mark the whole chain.
    this.duplicates++;
    chunk.flags[o] = flags | DUPLICATE;
    const tail = this.tails.get(head) ?? head;
    this.links.set(tail, i);
    this.tails.set(head, i);
    this.chunks[head >>> CHUNK_BITS]!.flags[head & CHUNK_MASK]! |= DUPLICATE;
    return i;
  }

  /** The first flow whose key equals `key` (KEY_WIDTH words), or -1. */
  find(key: Uint32Array, hash: number): number {
    return this.index.find(key, hash);
  }

  keyEquals(i: number, key: Uint32Array): boolean {
    return sameKey(this.chunks[i >>> CHUNK_BITS]!.keys, (i & CHUNK_MASK) * KEY_WIDTH, key);
  }

  hashOf(i: number): number {
    return this.hash(i);
  }

  /** The next flow with the same key as flow `i`, or -1. */
  next(i: number): number {
    return this.links.get(i) ?? -1;
  }

  /** The hash of flow `i`'s key. */
  hash(i: number): number {
    return hashWords(this.chunks[i >>> CHUNK_BITS]!.keys, (i & CHUNK_MASK) * KEY_WIDTH);
  }

  /** Copy flow `i`'s key words into `out`. */
  keyOf(i: number, out: Uint32Array): Uint32Array {
    const o = (i & CHUNK_MASK) * KEY_WIDTH;
    const keys = this.chunks[i >>> CHUNK_BITS]!.keys;
    for (let w = 0; w < KEY_WIDTH; w++) out[w] = keys[o + w]!;
    return out;
  }

  /** Counter halves of flow `i`: `which` 0 = packets, 1 = bytes; `half` 0 = hi, 1 = lo. */
  counter(i: number, which: 0 | 1, half: 0 | 1): number {
    return this.chunks[i >>> CHUNK_BITS]!.counters[(i & CHUNK_MASK) * 4 + which * 2 + half]!;
  }

  age(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.ages[i & CHUNK_MASK]!;
  }

  context(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.contexts[i & CHUNK_MASK]!;
  }

  flags(i: number): number {
    return this.chunks[i >>> CHUNK_BITS]!.flags[i & CHUNK_MASK]!;
  }

  /**
   * Lets go of the chunks holding only flows below `i` (the diff's cursor is past them for good):
   * their memory goes back while the change rows are written. Those flows must not be read again.
   */
  release(i: number): void {
    for (let c = (i >>> CHUNK_BITS) - 1; c >= 0 && this.chunks[c] !== RELEASED; c--)
      this.chunks[c] = RELEASED;
  }

  /** Lets go of the index (its slots are about 8 bytes a key): `find` finds nothing from then on. */
  dropIndex(): void {
    this.index = NO_INDEX;
  }

  setFlag(i: number, flag: number): void {
    this.chunks[i >>> CHUNK_BITS]!.flags[i & CHUNK_MASK]! |= flag;
  }
}

/** hashKey (key-table.ts) of the KEY_WIDTH words of `keys` at `base`, without copying them out. */
function hashWords(keys: Uint32Array, base: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < KEY_WIDTH; i++) {
    let k = Math.imul(keys[base + i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= KEY_WIDTH;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function sameKey(keys: Uint32Array, base: number, key: Uint32Array): boolean {
  for (let w = 0; w < KEY_WIDTH; w++) if (keys[base + w] !== key[w]) return false;
  return true;
}
