/**
 * Exact unsigned sums beyond 2^53 without a bigint per record: each sum is two float64 parts,
 * `hi * 2^32 + lo` with `0 <= lo < 2^32`, held in parallel Float64Arrays indexed by group.
 * Both parts stay exact integers while `hi < 2^53`, i.e. sums up to 2^85.
 */

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;

/** Add the safe non-negative integer `value` to sum `i`. */
export function addU64(hi: Float64Array, lo: Float64Array, i: number, value: number): void {
  if (value < TWO52) {
    // lo < 2^32 and value < 2^52: the float sum is exact.
    let l = lo[i]! + value;
    if (l >= TWO32) {
      const carry = Math.floor(l / TWO32);
      hi[i]! += carry;
      l -= carry * TWO32;
    }
    lo[i] = l;
    return;
  }
  const vh = Math.floor(value / TWO32);
  let l = lo[i]! + (value - vh * TWO32);
  let h = hi[i]! + vh;
  if (l >= TWO32) {
    l -= TWO32;
    h += 1;
  }
  hi[i] = h;
  lo[i] = l;
}

/** Compare sums `a` and `b` (negative when a < b). */
export function compareU64(hi: Float64Array, lo: Float64Array, a: number, b: number): number {
  return hi[a]! - hi[b]! || lo[a]! - lo[b]!;
}

/** The exact sum as a bigint. */
export function u64ToBigInt(hi: number, lo: number): bigint {
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) + BigInt(lo);
}

/** The sum as a (possibly rounded) number, for shares. */
export function u64ToNumber(hi: number, lo: number): number {
  return hi * TWO32 + lo;
}

/** A Float64Array of `length` holding the old contents, the rest set to `fill` (groups grow by doubling). */
export function grow(array: Float64Array, length: number, fill = 0): Float64Array {
  const next = new Float64Array(length);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
