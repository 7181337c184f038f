import { type IndexedKeys, OpenAddressIndex } from './open-address-index.js';

/**
 * A hash table from fixed-width keys of uint32 words to dense group indices 0..size-1. Keys are
 * packed by the caller into a scratch Uint32Array, so the hot path creates no string and no object
 * per record. The index is an OpenAddressIndex; its removal lets the bounded top-talkers summary
 * re-key its minimum entry.
 */
export class KeyTable implements IndexedKeys {
  readonly width: number;
  /** Key words of group g at `keys[g * width .. g * width + width - 1]`. */
  keys: Uint32Array;
  hashes: Uint32Array;
  size = 0;
  private readonly index: OpenAddressIndex;

  constructor(width: number, initialGroups = 1024) {
    this.width = width;
    this.keys = new Uint32Array(initialGroups * width);
    this.hashes = new Uint32Array(initialGroups);
    this.index = new OpenAddressIndex(this, initialGroups * 2);
  }

  /** Capacity in groups before the key arrays grow. */
  get capacity(): number {
    return this.hashes.length;
  }

  /** The group of `key` (its first `width` words), or -1. */
  find(key: Uint32Array, hash: number): number {
    return this.index.find(key, hash);
  }

  /** Insert `key` (known absent) as a new group and return its index. */
  insert(key: Uint32Array, hash: number): number {
    if (this.size === this.hashes.length) this.growGroups();
    const g = this.size++;
    this.setKey(g, key, hash);
    this.index.insert(g, hash);
    return g;
  }

  /** Give existing group `g` a new key (known absent): remove its old slot, then place it again. */
  rekey(g: number, key: Uint32Array, hash: number): void {
    this.index.remove(g);
    this.setKey(g, key, hash);
    this.index.insert(g, hash);
  }

  keyEquals(g: number, key: Uint32Array, hash: number): boolean {
    if (this.hashes[g] !== hash) return false;
    const { keys, width } = this;
    const base = g * width;
    for (let i = 0; i < width; i++) if (keys[base + i] !== key[i]) return false;
    return true;
  }

  hashOf(g: number): number {
    return this.hashes[g]!;
  }

  private setKey(g: number, key: Uint32Array, hash: number): void {
    const base = g * this.width;
    for (let i = 0; i < this.width; i++) this.keys[base + i] = key[i]!;
    this.hashes[g] = hash;
  }

  private growGroups(): void {
    const groups = this.hashes.length * 2;
    const keys = new Uint32Array(groups * this.width);
    keys.set(this.keys);
    this.keys = keys;
    const hashes = new Uint32Array(groups);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }
}

/** Murmur3-style hash of the first `width` words of `key`. */
export function hashKey(key: Uint32Array, width: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < width; i++) {
    let k = Math.imul(key[i]!, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= width;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
