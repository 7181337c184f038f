/**
 * An open-addressing hash table from fixed-width keys of uint32 words to dense group indices
 * 0..size-1. Keys are packed by the caller into a scratch Uint32Array, so the hot path creates no
 * string and no object per record. Linear probing; removal by backward shift (used by the bounded
 * top-talkers summary to re-key its minimum entry).
 */
export class KeyTable {
  readonly width: number;
  /** Key words of group g at `keys[g * width .. g * width + width - 1]`. */
  keys: Uint32Array;
  hashes: Uint32Array;
  size = 0;
  private slots: Int32Array;
  private slotMask: number;

  constructor(width: number, initialGroups = 1024) {
    this.width = width;
    this.keys = new Uint32Array(initialGroups * width);
    this.hashes = new Uint32Array(initialGroups);
    const slotCount = nextPowerOfTwo(initialGroups * 2);
    this.slots = new Int32Array(slotCount).fill(-1);
    this.slotMask = slotCount - 1;
  }

  /** Capacity in groups before the key arrays grow. */
  get capacity(): number {
    return this.hashes.length;
  }

  /** The group of `key` (its first `width` words), or -1. */
  find(key: Uint32Array, hash: number): number {
    const { slots, slotMask, hashes } = this;
    let s = hash & slotMask;
    for (;;) {
      const g = slots[s]!;
      if (g < 0) return -1;
      if (hashes[g] === hash && this.equals(g, key)) return g;
      s = (s + 1) & slotMask;
    }
  }

  /** Insert `key` (known absent) as a new group and return its index. */
  insert(key: Uint32Array, hash: number): number {
    if (this.size === this.hashes.length) this.growGroups();
    const g = this.size++;
    this.setKey(g, key, hash);
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(g, hash);
    return g;
  }

  /** Give existing group `g` a new key (known absent): remove its old slot, then place it again. */
  rekey(g: number, key: Uint32Array, hash: number): void {
    this.removeSlot(g);
    this.setKey(g, key, hash);
    this.place(g, hash);
  }

  private equals(g: number, key: Uint32Array): boolean {
    const { keys, width } = this;
    const base = g * width;
    for (let i = 0; i < width; i++) if (keys[base + i] !== key[i]) return false;
    return true;
  }

  private setKey(g: number, key: Uint32Array, hash: number): void {
    const base = g * this.width;
    for (let i = 0; i < this.width; i++) this.keys[base + i] = key[i]!;
    this.hashes[g] = hash;
  }

  private place(g: number, hash: number): void {
    const { slots, slotMask } = this;
    let s = hash & slotMask;
    while (slots[s]! >= 0) s = (s + 1) & slotMask;
    slots[s] = g;
  }

  private removeSlot(g: number): void {
    const { slots, slotMask, hashes } = this;
    let i = hashes[g]! & slotMask;
    while (slots[i] !== g) i = (i + 1) & slotMask;
    // Backward-shift deletion: pull later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & slotMask;
      const h = slots[j]!;
      if (h < 0) break;
      const ideal = hashes[h]! & slotMask;
      // Move h into the hole at i unless its ideal slot lies cyclically in (i, j].
      const inRange = i <= j ? ideal > i && ideal <= j : ideal > i || ideal <= j;
      if (!inRange) {
        slots[i] = h;
        i = j;
      }
    }
    slots[i] = -1;
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

  private rehash(slotCount: number): void {
    this.slots = new Int32Array(slotCount).fill(-1);
    this.slotMask = slotCount - 1;
    for (let g = 0; g < this.size; g++) this.place(g, this.hashes[g]!);
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

function nextPowerOfTwo(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
