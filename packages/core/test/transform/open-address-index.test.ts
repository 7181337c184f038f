import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { hashKey } from '../../src/transform/key-table.js';
import { type IndexedKeys, OpenAddressIndex } from '../../src/transform/open-address-index.js';

/**
 * OpenAddressIndex against a Map: inserts, removals and lookups of two-word keys from a small pool,
 * under the real hash and under degenerate hashes (few distinct values, and one for all keys) that
 * make long probe runs wrap around the end of the slots, where backward-shift removal is hardest.
 */

const WIDTH = 2;

class Entries implements IndexedKeys {
  readonly keys: number[][] = [];
  constructor(readonly hash: (key: Uint32Array) => number) {}
  keyEquals(entry: number, key: Uint32Array): boolean {
    const k = this.keys[entry]!;
    return k[0] === key[0] && k[1] === key[1];
  }
  hashOf(entry: number): number {
    return this.hash(Uint32Array.from(this.keys[entry]!));
  }
}

const hashes = {
  real: (key: Uint32Array) => hashKey(key, WIDTH),
  few: (key: Uint32Array) => (key[0]! * 7 + key[1]!) & 3,
  // High bits vary, low bits equal: every key starts its probe at the last slot and wraps.
  wrapping: (key: Uint32Array) => ((key[0]! << 20) | 0xfffff) >>> 0,
  one: () => 0x7fffffff,
} as const;

const op = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), a: fc.nat(12), b: fc.nat(3) }),
  fc.record({ kind: fc.constant('remove' as const), a: fc.nat(12), b: fc.nat(3) }),
  fc.record({ kind: fc.constant('find' as const), a: fc.nat(12), b: fc.nat(3) }),
);

describe('OpenAddressIndex against a Map', () => {
  test.prop(
    [fc.constantFrom(...(Object.keys(hashes) as (keyof typeof hashes)[])), fc.array(op, { maxLength: 300 })],
    {
      numRuns: 300,
    },
  )('finds exactly what was inserted and not removed, through growth', (hashName, ops) => {
    const entries = new Entries(hashes[hashName]);
    const index = new OpenAddressIndex(entries);
    const oracle = new Map<string, number>();
    const key = new Uint32Array(WIDTH);
    for (const { kind, a, b } of ops) {
      key[0] = a;
      key[1] = b;
      const name = `${a},${b}`;
      const hash = entries.hash(key);
      if (kind === 'insert' && !oracle.has(name)) {
        const entry = entries.keys.length;
        entries.keys.push([a, b]);
        index.insert(entry, hash);
        oracle.set(name, entry);
      } else if (kind === 'remove' && oracle.has(name)) {
        index.remove(oracle.get(name)!);
        oracle.delete(name);
      }
      expect(index.find(key, hash)).toBe(oracle.get(name) ?? -1);
      expect(index.size).toBe(oracle.size);
    }
    // Every key of the pool, present or not.
    for (let a = 0; a <= 12; a++) {
      for (let b = 0; b <= 3; b++) {
        key[0] = a;
        key[1] = b;
        expect(index.find(key, entries.hash(key))).toBe(oracle.get(`${a},${b}`) ?? -1);
      }
    }
  });
});
