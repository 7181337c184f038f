import { createHash } from 'node:crypto';
import { NfwError } from '../errors.js';
import type { ScanEvents } from './flows-scanner.js';

/** The members the main pass needs ahead of a response's Flows: provenance and status. */
const KEPT = new Set([
  'FirewallArn',
  'FlowOperationId',
  'AvailabilityZone',
  'VpcEndpointId',
  'VpcEndpointAssociationArn',
  'FlowRequestTimestamp',
  'FlowOperationStatus',
  'StatusMessage',
]);
/** Longest kept value (as JSON text); a longer one is kept as a digest, which still detects a change. */
export const KEPT_VALUE_CHARS = 1024;
/** Distinct metadata sets kept (one per operation in practice); more is not a saved capture. */
export const MAX_DISTINCT_METADATA = 4096;

/** A value too long to keep: its digest (to check the main pass saw the same) and its start (to show). */
export class DigestedValue {
  constructor(
    readonly digest: string,
    readonly preview: string,
  ) {}
}

function kept(value: unknown): unknown {
  if (typeof value === 'string' && value.length <= KEPT_VALUE_CHARS) return value;
  const text = JSON.stringify(value) ?? 'undefined';
  if (text.length <= KEPT_VALUE_CHARS) return value;
  return new DigestedValue(
    createHash('sha256').update(text).digest('base64'),
    typeof value === 'string' ? value.slice(0, 200) : text.slice(0, 200),
  );
}

/** True when `value` (read by the main pass) is what the pre-pass kept as `pre`. */
export function sameKeptValue(pre: unknown, value: unknown): boolean {
  if (!(pre instanceof DigestedValue)) return JSON.stringify(pre) === JSON.stringify(value);
  const now = kept(value);
  return now instanceof DigestedValue && now.digest === pre.digest;
}

/**
 * The metadata pre-pass (a ScanEvents sink, flows skipped): for every response, the members of KEPT,
 * each capped at KEPT_VALUE_CHARS. Responses share their metadata set: a page costs 4 bytes of index,
 * and the sets are interned (at most MAX_DISTINCT_METADATA), so memory does not grow with the file's
 * size, its number of responses, or the size of their other members.
 */
export class PageMetadataIndex implements ScanEvents {
  #ids = new Uint32Array(1024);
  #pages = 0;
  readonly #sets: Record<string, unknown>[] = [];
  readonly #byKey = new Map<string, number>();
  #current: Record<string, unknown> = {};

  /** Distinct metadata sets kept. */
  get distinct(): number {
    return this.#sets.length;
  }

  /** Responses indexed. */
  get pages(): number {
    return this.#pages;
  }

  /** The kept members of response `page` (shared between responses: do not modify). */
  get(page: number): Record<string, unknown> | undefined {
    return page < this.#pages ? this.#sets[this.#ids[page]] : undefined;
  }

  pageStart(): void {
    this.#current = {};
  }

  meta(_page: number, key: string, value: unknown): void {
    if (KEPT.has(key)) this.#current[key] = kept(value);
  }

  flowsStart(): void {}
  flows(): void {}

  pageEnd(page: number): void {
    const set = this.#current;
    const key = JSON.stringify(Object.keys(set).map((k) => [k, set[k]]));
    let id = this.#byKey.get(key);
    if (id === undefined) {
      if (this.#sets.length >= MAX_DISTINCT_METADATA) {
        throw new NfwError(
          'NFW_INVALID_INPUT',
          `more than ${MAX_DISTINCT_METADATA} distinct response metadata sets (at response ${page}) with their metadata after Flows: not one saved capture`,
          { page },
        );
      }
      id = this.#sets.length;
      this.#sets.push(set);
      this.#byKey.set(key, id);
    }
    if (page >= this.#ids.length) {
      const grown = new Uint32Array(this.#ids.length * 2);
      grown.set(this.#ids);
      this.#ids = grown;
    }
    this.#ids[page] = id;
    this.#pages = page + 1;
  }
}
