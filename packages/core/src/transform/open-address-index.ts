/**
 * The hash index of the transforms' typed-array tables (KeyTable for group-by and top talkers,
 * FlowDiffTable for the diff): open addressing with linear probing over an Int32Array of entry
 * numbers (-1 = empty), at most half full, removal by backward shift. The keys stay in the table
 * that owns them: the index asks it whether an entry holds a key and what an entry's hash is, so it
 * stores no key and no hash of its own.
 */

/** What the index asks of the table it indexes. */
export interface IndexedKeys {
  /** Whether entry `entry` holds `key` (whose hash is `hash`). */
  keyEquals(entry: number, key: Uint32Array, hash: number): boolean;
  /** The hash of entry `entry`'s key (when the index grows, and to remove it). */
  hashOf(entry: number): number;
}

const EMPTY = -1;

export class OpenAddressIndex {
  /** Entries placed. */
  size = 0;
  /** The largest entry number ever inserted. */
  private last = -1;
  private slots: Int32Array;
  private mask: number;

  constructor(
    private readonly keys: IndexedKeys,
    minSlots = 16,
  ) {
    let count = 16;
    while (count < minSlots) count *= 2;
    this.slots = new Int32Array(count).fill(EMPTY);
    this.mask = count - 1;
  }

  /** The entry holding `key`, or -1. */
  find(key: Uint32Array, hash: number): number {
    const { slots, mask, keys } = this;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const entry = slots[s]!;
      if (entry === EMPTY || keys.keyEquals(entry, key, hash)) return entry;
    }
  }

  /** Places `entry` (a non-negative number whose key is not in the index yet) under `hash`. */
  insert(entry: number, hash: number): void {
    if (entry > this.last) this.last = entry;
    this.place(entry, hash);
    if (++this.size * 2 > this.slots.length) this.grow();
  }

  /** Removes `entry` (which must be in the index). */
  remove(entry: number): void {
    const { slots, mask, keys } = this;
    let i = keys.hashOf(entry) & mask;
    while (slots[i] !== entry) i = (i + 1) & mask;
    // Backward shift: pull later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = slots[j]!;
      if (e === EMPTY) break;
      const ideal = keys.hashOf(e) & mask;
      // Move e into the hole at i unless its ideal slot lies cyclically in (i, j].
      const stays = i <= j ? ideal > i && ideal <= j : ideal > i || ideal <= j;
      if (!stays) {
        slots[i] = e;
        i = j;
      }
    }
    slots[i] = EMPTY;
    this.size--;
  }

  private place(entry: number, hash: number): void {
    const { slots, mask } = this;
    let s = hash & mask;
    while (slots[s] !== EMPTY) s = (s + 1) & mask;
    slots[s] = entry;
  }

  /**
   * Doubles the slots and places every entry again, in entry order: the table reads each entry's key
   * for its hash, and in slot order those reads would jump all over the table's memory.
   */
  private grow(): void {
    const old = this.slots;
    const present = new Uint8Array(this.last + 1);
    for (let s = 0; s < old.length; s++) if (old[s] !== EMPTY) present[old[s]!] = 1;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.slots.length - 1;
    for (let entry = 0; entry <= this.last; entry++) {
      if (present[entry] === 1) this.place(entry, this.keys.hashOf(entry));
    }
  }
}
