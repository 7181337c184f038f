/**
 * CI slice of the bad-input campaign: parsers and normalizeFlow refuse with documented codes only and
 * never reinterpret an address (oracle: Node's inet_pton via net.SocketAddress).
 */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  addressText,
  checkAddress,
  checkFlow,
  checkPort,
  checkProtocol,
  type FuzzTarget,
  flowValue,
  fuzzParsers,
  ipv6TextBytes,
  portText,
  protocolText,
} from './fuzz.js';

const fresh = (name: string): FuzzTarget => ({
  name,
  inputs: 0,
  accepted: 0,
  refused: {},
  violations: [],
  violationCount: 0,
});

describe('fuzz oracles', () => {
  test('ipv6TextBytes expands :: and dotted tails', () => {
    expect([...ipv6TextBytes('::ffff:10.0.0.9')]).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 9,
    ]);
    expect([...ipv6TextBytes('2001:db8::1')].slice(0, 4)).toEqual([0x20, 0x01, 0x0d, 0xb8]);
  });

  test('the address oracle catches a reinterpretation', () => {
    // A strict parser refuses these; the oracle itself must flag them if they were accepted.
    const t = fresh('probe');
    for (const text of ['010.0.0.1', '0x0a.0.0.1', '10.1', '1.2.3.4/024']) checkAddress(t, text);
    expect(t.violationCount).toBe(0);
    expect(t.accepted).toBe(0);
  });
});

describe('parsers and normalizeFlow never crash nor reinterpret', () => {
  test.prop([addressText], { numRuns: 3000 })('parseAddress', (text) => {
    const t = fresh('parseAddress');
    expect(checkAddress(t, text), t.violations.join('\n')).toBe(true);
  });
  test.prop([portText], { numRuns: 2000 })('parsePortRange', (text) => {
    const t = fresh('parsePortRange');
    expect(checkPort(t, text), t.violations.join('\n')).toBe(true);
  });
  test.prop([protocolText], { numRuns: 2000 })('parseProtocol', (text) => {
    const t = fresh('parseProtocol');
    expect(checkProtocol(t, text), t.violations.join('\n')).toBe(true);
  });
  test.prop([flowValue], { numRuns: 2000 })('normalizeFlow', (flow) => {
    const t = fresh('normalizeFlow');
    expect(checkFlow(t, flow), t.violations.join('\n')).toBe(true);
  });

  test('the campaign driver counts every input and refusal', () => {
    const targets = fuzzParsers({ perTarget: 500, seed: 3 });
    for (const t of targets) {
      expect(t.inputs).toBe(500);
      expect(
        t.accepted + Object.values(t.refused).reduce((a, b) => a + b, 0) + t.violationCount,
      ).toBeGreaterThanOrEqual(500);
      expect(t.violations).toEqual([]);
      expect(t.accepted).toBeGreaterThan(0);
    }
  });
});
