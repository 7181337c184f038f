import { parseAddress, requireFromCore } from '../core.js';
import { mulberry32, zipf } from '../random.js';
import { defineScenario } from '../scenario.js';

interface IpaddrLike {
  parse(text: string): { toString(): string };
  parseCIDR(text: string): [{ toString(): string }, number];
}
const ipaddr = requireFromCore('ipaddr.js') as IpaddrLike;

const TALKERS = 4000;
const IPV6_SHARE = 0.2;

function ipv4(random: () => number): string {
  const r = random();
  // mostly private VPC space, some public peers
  if (r < 0.6) return `10.${(random() * 256) | 0}.${(random() * 256) | 0}.${(random() * 256) | 0}`;
  if (r < 0.7) return `172.${16 + ((random() * 16) | 0)}.${(random() * 256) | 0}.${(random() * 256) | 0}`;
  return `${1 + ((random() * 223) | 0)}.${(random() * 256) | 0}.${(random() * 256) | 0}.${(random() * 256) | 0}`;
}

function ipv6(random: () => number): string {
  const group = () => ((random() * 0x10000) | 0).toString(16);
  const r = random();
  // AWS writes compressed lowercase; VPC /56 ranges, SLAAC-like interface ids, a few public peers
  if (r < 0.7) return `2600:1f18:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`;
  if (r < 0.9) return `2600:1f18:${group()}:${group()}::${group()}`;
  return `2001:db8::${group()}`;
}

/**
 * `size` strings from `next(i)`, as JSON.parse gives them (separate flat strings, the way records
 * arrive), built in chunks so that the generator's garbage does not dominate peak RSS.
 */
function generate(size: number, next: (i: number) => string): string[] {
  const out: string[] = [];
  const chunk: string[] = [];
  for (let i = 0; i < size; i++) {
    chunk.push(next(i));
    if (chunk.length === 10_000 || i === size - 1) {
      for (const text of JSON.parse(JSON.stringify(chunk)) as string[]) out.push(text);
      chunk.length = 0;
    }
  }
  return out;
}

/** `size` addresses drawn Zipf-like from a few thousand talkers, 80% IPv4 hosts, 20% IPv6. */
export function talkerAddresses(size: number, seed = 1): string[] {
  const random = mulberry32(seed);
  const v4 = Array.from({ length: TALKERS }, () => ipv4(random));
  const v6 = Array.from({ length: TALKERS / 4 }, () => ipv6(random));
  const pick4 = zipf(v4.length, 1, random);
  const pick6 = zipf(v6.length, 1, random);
  return generate(size, () => (random() < IPV6_SHARE ? v6[pick6()]! : v4[pick4()]!));
}

/** `size` all-distinct addresses (80% IPv4, 20% IPv6), distinct by construction: no memo can help. */
export function distinctAddresses(size: number, seed = 2): string[] {
  const random = mulberry32(seed);
  const group = () => ((random() * 0x10000) | 0).toString(16);
  return generate(size, (i) => {
    if (random() < IPV6_SHARE) {
      // the counter in groups 3-4 makes every address distinct
      const id = `${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
      return random() < 0.8
        ? `2600:1f18:${group()}:${id}:${group()}:${group()}:${group()}`
        : `2600:1f18::${id}:${group()}`;
    }
    // a bijective scramble of the counter: distinct, spread over the whole IPv4 space
    let x = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
    x = (x ^ (x >>> 15)) >>> 0;
    return `${x >>> 24}.${(x >>> 16) & 0xff}.${(x >>> 8) & 0xff}.${x & 0xff}`;
  });
}

/** The floor: only walking the input (time and memory that are not the parser's). */
function inputOnly(inputs: string[]): () => number {
  return () => {
    let check = 0;
    for (let i = 0; i < inputs.length; i++) check += inputs[i]!.length;
    return check;
  };
}

function nfw(inputs: string[]): () => number {
  return () => {
    let check = 0;
    for (let i = 0; i < inputs.length; i++) check += parseAddress(inputs[i]!).text.length;
    return check;
  };
}

/** The obvious alternative: ipaddr.js parse (parseCIDR for prefixes) + toString per address. */
function baseline(inputs: string[]): () => number {
  return () => {
    let check = 0;
    for (let i = 0; i < inputs.length; i++) {
      const text = inputs[i]!;
      check += text.includes('/')
        ? ipaddr.parseCIDR(text)[0].toString().length
        : ipaddr.parse(text).toString().length;
    }
    return check;
  };
}

export default defineScenario({
  name: 'parse-address',
  description:
    'parseAddress on AddressDefinition strings: 80% IPv4 hosts, 20% IPv6, either drawn Zipf-like (s = 1) from 4,000 IPv4 and 1,000 IPv6 talkers (repeats, as in real traffic) or all distinct (no memo can help). Baseline: ipaddr.js `parse` + `toString()` per address on the same input. Inputs come from a seeded PRNG, through JSON.parse like real records; the "input only" cases just walk the input (the floor for time and memory).',
  defaultSize: 2_000_000,
  unit: 'address',
  cases: [
    { name: 'input only, repeats', prepare: (n) => inputOnly(talkerAddresses(n)) },
    { name: 'ipaddr.js, repeats', prepare: (n) => baseline(talkerAddresses(n)) },
    {
      name: 'parseAddress, repeats',
      baseline: 'ipaddr.js, repeats',
      prepare: (n) => nfw(talkerAddresses(n)),
    },
    { name: 'input only, distinct', prepare: (n) => inputOnly(distinctAddresses(n)) },
    { name: 'ipaddr.js, distinct', prepare: (n) => baseline(distinctAddresses(n)) },
    {
      name: 'parseAddress, distinct',
      baseline: 'ipaddr.js, distinct',
      prepare: (n) => nfw(distinctAddresses(n)),
    },
  ],
});
