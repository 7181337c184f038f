import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isNfwError } from '../../src/errors.js';
import { parseProtocol } from '../../src/parse/index.js';
import { PROTOCOLS, protocolByKeyword, protocolByNumber } from '../../src/parse/protocol.js';

describe('parseProtocol', () => {
  test('PROTOCOLS holds all 256 numbers in order with unique names', () => {
    expect(PROTOCOLS).toHaveLength(256);
    expect(PROTOCOLS.map((p) => p.number)).toEqual([...Array(256).keys()]);
    expect(new Set(PROTOCOLS.map((p) => p.name.toUpperCase())).size).toBe(256);
    expect(Object.isFrozen(PROTOCOLS) && PROTOCOLS.every(Object.isFrozen)).toBe(true);
  });

  test.each([
    ['6', 6, 'TCP'],
    ['17', 17, 'UDP'],
    ['1', 1, 'ICMP'],
    ['0', 0, 'HOPOPT'],
    ['58', 58, 'IPv6-ICMP'],
    ['47', 47, 'GRE'],
    ['50', 50, 'ESP'],
    ['132', 132, 'SCTP'],
    ['143', 143, 'Ethernet'],
    ['147', 147, 'UNASSIGNED-147'],
    ['252', 252, 'UNASSIGNED-252'],
    ['253', 253, 'EXPERIMENTAL-253'],
    ['254', 254, 'EXPERIMENTAL-254'],
    ['255', 255, 'Reserved'],
    ['tcp', 6, 'TCP'],
    ['Udp', 17, 'UDP'],
    ['ipv6-icmp', 58, 'IPv6-ICMP'],
    ['ICMPv6', 58, 'IPv6-ICMP'],
    ['icmpv6', 58, 'IPv6-ICMP'],
    ['IPTM', 84, 'TTP'],
    ['gre', 47, 'GRE'],
    ['Mobility Header', 135, 'Mobility Header'],
  ] as const)('%j', (text, number, name) => {
    expect(parseProtocol(text)).toEqual({ number, name });
  });

  test.each([
    '',
    '256',
    '-1',
    '+6',
    '06',
    '006',
    ' 6',
    '6 ',
    '6.0',
    '0x6',
    '1e1',
    'TCPX',
    'TC P',
    'unassigned',
    '٦',
  ])('rejects %j with NFW_INVALID_PROTOCOL', (text) => {
    expect(() => parseProtocol(text, 'Protocol')).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PROTOCOL', field: 'Protocol', value: text }),
    );
  });

  test.each([[undefined], [null], [6], [{}]])('a non-string %j is NFW_INVALID_PROTOCOL', (value) => {
    expect(() => parseProtocol(value as unknown as string, 'Protocol')).toThrow(
      expect.objectContaining({ code: 'NFW_INVALID_PROTOCOL', field: 'Protocol', value }),
    );
  });

  test.prop([fc.integer({ min: 0, max: 255 })])(
    'every number round-trips through its number and its name',
    (n) => {
      expect(parseProtocol(String(n))).toBe(PROTOCOLS[n]);
      expect(parseProtocol(PROTOCOLS[n]!.name)).toBe(PROTOCOLS[n]);
      expect(protocolByNumber(n)).toBe(PROTOCOLS[n]);
    },
  );

  test.prop([fc.integer({ min: 0, max: 255 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 })])(
    'keywords are case-insensitive',
    (n, flips) => {
      const name = PROTOCOLS[n]!.name;
      const cased = [...name].map((ch, i) => (flips[i] ? ch.toUpperCase() : ch.toLowerCase())).join('');
      expect(parseProtocol(cased)).toBe(PROTOCOLS[n]);
      expect(protocolByKeyword(cased)).toBe(PROTOCOLS[n]);
    },
  );

  test.prop([
    fc.oneof(
      fc.string({ unit: fc.constantFrom(...'0123456789+- .xeTCPudp'.split('')), maxLength: 6 }),
      fc.string(),
    ),
  ])('any string: a table entry or NFW_INVALID_PROTOCOL', (text) => {
    try {
      const protocol = parseProtocol(text);
      expect(PROTOCOLS[protocol.number]).toBe(protocol);
      if (/^\d+$/.test(text)) expect(String(protocol.number)).toBe(text);
    } catch (error) {
      expect(isNfwError(error, 'NFW_INVALID_PROTOCOL')).toBe(true);
      expect(/^(0|[1-9]\d*)$/.test(text) && Number(text) <= 255).toBe(false);
    }
  });

  test('the keywords agree with the system protocols database (netbase) apart from its historical names', () => {
    // /etc/protocols is an independent copy of the IANA keywords; netbase keeps a few older spellings.
    const historical: Record<string, string> = {
      0: 'IP',
      4: 'IP-ENCAP',
      50: 'IPSEC-ESP',
      51: 'IPSEC-AH',
      73: 'RSPF',
      124: 'ISIS',
      135: 'Mobility-Header',
    };
    let text: string;
    try {
      text = readFileSync('/etc/protocols', 'utf8');
    } catch {
      return; // not every system ships it; the examples above still pin the table
    }
    let checked = 0;
    for (const line of text.split('\n')) {
      const [, number, keyword] = /^\S+\s+(\d+)\s+(\S+)/.exec(line.replace(/#.*/, '')) ?? [];
      if (number === undefined || keyword === undefined || Number(number) > 255) continue;
      if (historical[number] === keyword) continue;
      expect(PROTOCOLS[Number(number)]!.name.toUpperCase()).toBe(keyword.toUpperCase());
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });
});
