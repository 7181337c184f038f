import net from 'node:net';
import { fc, test } from '@fast-check/vitest';
import ipaddr from 'ipaddr.js';
import { describe, expect } from 'vitest';
import { isNfwError, NfwError } from '../../src/errors.js';
import { addressContains, formatAddress, maskAddress } from '../../src/parse/address.js';
import { parseAddress } from '../../src/parse/index.js';
import { addressCase, addressLikeString, cidrCase, compareBytes, ipv4Case, ipv6Case } from './arbitraries.js';

/** inet_ntop through Node: the independent oracle for canonical text. */
function nodeText(text: string, family: 4 | 6): string {
  return new net.SocketAddress({ address: text, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
}

/** Node writes `::a.b.c.d` for the deprecated IPv4-compatible block ::/96; we write hex there (documented). */
function nodeUsesCompatNotation(bytes: Uint8Array, node: string): boolean {
  return bytes.subarray(0, 12).every((b) => b === 0) && node.includes('.');
}

function lastAddress(bytes: Uint8Array, family: 4 | 6, prefix: number): Uint8Array {
  const last = new Uint8Array(bytes);
  for (let bit = (family === 4 ? 96 : 0) + prefix; bit < 128; bit++) last[bit >>> 3]! |= 0x80 >>> (bit & 7);
  return last;
}

describe('parseAddress: examples', () => {
  test.each([
    ['10.0.0.9', 4, '10.0.0.9', 32, '10.0.0.9', '10.0.0.9'],
    ['10.0.0.0/24', 4, '10.0.0.0', 24, '10.0.0.0', '10.0.0.0/24'],
    ['10.1.2.3/8', 4, '10.1.2.3', 8, '10.0.0.0', '10.1.2.3/8'],
    ['0.0.0.0/0', 4, '0.0.0.0', 0, '0.0.0.0', '0.0.0.0/0'],
    ['fe80::1/64', 6, 'fe80::1', 64, 'fe80::', 'fe80::1/64'],
    ['2001:DB8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1', 128, '2001:db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, '2001:db8::1', 128, '2001:db8::1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1', 128, '2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:1:0:0:0:1', 6, '1:0:0:1::1', 128, '1:0:0:1::1', '1:0:0:1::1'],
    ['1:0:0:1:0:0:1:1', 6, '1::1:0:0:1:1', 128, '1::1:0:0:1:1', '1::1:0:0:1:1'],
    ['::ffff:10.0.0.9', 6, '::ffff:10.0.0.9', 128, '::ffff:10.0.0.9', '::ffff:10.0.0.9'],
    ['::FFFF:a00:9', 6, '::ffff:10.0.0.9', 128, '::ffff:10.0.0.9', '::ffff:10.0.0.9'],
    ['::ffff:10.0.0.0/104', 6, '::ffff:10.0.0.0', 104, '::ffff:10.0.0.0', '::ffff:10.0.0.0/104'],
    ['64:ff9b::1.2.3.4', 6, '64:ff9b::102:304', 128, '64:ff9b::102:304', '64:ff9b::102:304'],
    ['::1.2.3.4', 6, '::102:304', 128, '::102:304', '::102:304'],
    ['::', 6, '::', 128, '::', '::'],
    ['::/0', 6, '::', 0, '::', '::/0'],
  ] as const)('%s', (input, family, address, prefixLength, network, text) => {
    const parsed = parseAddress(input);
    expect(parsed).toMatchObject({ family, address, prefixLength, network, text });
    expect(parsed.isHost).toBe(prefixLength === (family === 4 ? 32 : 128));
    expect(parsed.bytes).toHaveLength(16);
    expect(Object.isFrozen(parsed)).toBe(true);
  });

  test.each([
    ['010.0.0.1', 'NFW_AMBIGUOUS_IPV4'],
    ['0x0a.0.0.1', 'NFW_AMBIGUOUS_IPV4'],
    ['10.1', 'NFW_AMBIGUOUS_IPV4'],
    ['10.0.1', 'NFW_AMBIGUOUS_IPV4'],
    ['167772161', 'NFW_AMBIGUOUS_IPV4'],
    ['1.2.3.04/32', 'NFW_AMBIGUOUS_IPV4'],
    ['::ffff:010.0.0.1', 'NFW_AMBIGUOUS_IPV4'],
    ['::1.2.3.04', 'NFW_AMBIGUOUS_IPV4'],
    ['10.0.0.256', 'NFW_INVALID_ADDRESS'],
    ['1.2.3.4.5', 'NFW_INVALID_ADDRESS'],
    ['1.2.3.', 'NFW_INVALID_ADDRESS'],
    ['', 'NFW_INVALID_ADDRESS'],
    [' 10.0.0.1', 'NFW_INVALID_ADDRESS'],
    ['10.0.0.1 ', 'NFW_INVALID_ADDRESS'],
    ['fe80::1%eth0', 'NFW_INVALID_ADDRESS'],
    ['fe80::1%1/64', 'NFW_INVALID_ADDRESS'],
    ['[::1]', 'NFW_INVALID_ADDRESS'],
    ['[2001:db8::1]/64', 'NFW_INVALID_ADDRESS'],
    [':: 1', 'NFW_INVALID_ADDRESS'],
    ['1::2::3', 'NFW_INVALID_ADDRESS'],
    ['1:2:3:4:5:6:7:8:9', 'NFW_INVALID_ADDRESS'],
    ['1:2:3:4:5:6:7', 'NFW_INVALID_ADDRESS'],
    ['12345::', 'NFW_INVALID_ADDRESS'],
    ['::ffff:1.2.3.256', 'NFW_INVALID_ADDRESS'],
    ['1.2.3.4::', 'NFW_INVALID_ADDRESS'],
    ['::g', 'NFW_INVALID_ADDRESS'],
    ['10.0.0.0/33', 'NFW_INVALID_PREFIX'],
    ['::/129', 'NFW_INVALID_PREFIX'],
    ['10.0.0.0/-1', 'NFW_INVALID_PREFIX'],
    ['10.0.0.0/08', 'NFW_INVALID_PREFIX'],
    ['10.0.0.0/', 'NFW_INVALID_PREFIX'],
    ['10.0.0.0/+8', 'NFW_INVALID_PREFIX'],
    ['10.0.0.0/8/8', 'NFW_INVALID_PREFIX'],
    ['10.0.0.0/ 8', 'NFW_INVALID_PREFIX'],
    ['fe80::/064', 'NFW_INVALID_PREFIX'],
  ] as const)('rejects %j with %s', (input, code) => {
    const error = catchError(() => parseAddress(input, 'SourceAddress.AddressDefinition'));
    expect(error).toBeInstanceOf(NfwError);
    expect(error).toMatchObject({ code, field: 'SourceAddress.AddressDefinition', value: input });
  });

  test.each([[undefined], [null], [42], [{}], [['10.0.0.1']]])(
    'a non-string %j is NFW_INVALID_ADDRESS',
    (value) => {
      const error = catchError(() =>
        parseAddress(value as unknown as string, 'DestinationAddress.AddressDefinition'),
      );
      expect(error).toMatchObject({
        code: 'NFW_INVALID_ADDRESS',
        field: 'DestinationAddress.AddressDefinition',
        value,
      });
    },
  );

  test('a huge string is rejected quickly, with the value kept as given', () => {
    const huge = `${'1:'.repeat(500_000)}1`;
    const error = catchError(() => parseAddress(huge, 'F'));
    expect(error).toMatchObject({ code: 'NFW_INVALID_ADDRESS', field: 'F', value: huge });
    expect((error as Error).message.length).toBeLessThan(300);
    expect(parseAddress('ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128').address).toBe(
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    );
    expect(catchError(() => parseAddress('0ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'))).toMatchObject({
      code: 'NFW_INVALID_ADDRESS',
    });
  });

  test('without a field the error has no field', () => {
    const error = catchError(() => parseAddress('10.1'));
    expect(error).toMatchObject({ code: 'NFW_AMBIGUOUS_IPV4', value: '10.1' });
    expect((error as NfwError).field).toBeUndefined();
  });
});

describe('parseAddress: properties', () => {
  test.prop([cidrCase])(
    'round trip: parse(format(parse(x))) equals parse(x); canonical text is a fixed point',
    (c) => {
      const parsed = parseAddress(c.text);
      const again = parseAddress(formatAddress(parsed));
      expect(again).toEqual(parsed);
      expect(parseAddress(parsed.address).address).toBe(parsed.address);
      expect(parseAddress(parsed.network).address).toBe(parsed.network);
    },
  );

  test.prop([cidrCase])('bytes and family are those the text denotes', (c) => {
    const parsed = parseAddress(c.text);
    expect(parsed.family).toBe(c.family);
    expect([...parsed.bytes]).toEqual([...c.bytes]);
    expect(parsed.prefixLength).toBe(c.prefix ?? (c.family === 4 ? 32 : 128));
    expect(parsed.text).toBe(parsed.isHost ? parsed.address : `${parsed.address}/${parsed.prefixLength}`);
  });

  test.prop([ipv4Case])(
    'IPv4: agrees with Node (isIPv4, inet_ntop); strict dotted quad is its own canonical form',
    (c) => {
      expect(net.isIPv4(c.text)).toBe(true);
      const parsed = parseAddress(c.text);
      expect(parsed.address).toBe(nodeText(c.text, 4));
      expect(parsed.address).toBe(c.text);
    },
  );

  test.prop([ipv6Case])('IPv6: agrees with Node (isIPv6, inet_ntop) in every text form', (c) => {
    expect(net.isIPv6(c.text)).toBe(true);
    const parsed = parseAddress(c.text);
    expect(parsed.family).toBe(6);
    const node = nodeText(c.text, 6);
    if (nodeUsesCompatNotation(c.bytes, node)) {
      // Deliberate difference: ::/96 (deprecated IPv4-compatible) is written in hex, `::102:304`, not
      // `::1.2.3.4`. Node must still read our text as the same address.
      expect(nodeText(parsed.address, 6)).toBe(node);
      expect(parsed.address).not.toContain('.');
    } else {
      expect(parsed.address).toBe(node);
    }
  });

  test.prop([ipv6Case])(
    'IPv6: canonical text is RFC 5952 (ipaddr.js toRFC5952String outside ::ffff:0:0/96)',
    (c) => {
      const parsed = parseAddress(c.text);
      const mapped =
        c.bytes.subarray(0, 10).every((b) => b === 0) && c.bytes[10] === 0xff && c.bytes[11] === 0xff;
      const reference = ipaddr.fromByteArray([...c.bytes]) as ipaddr.IPv6;
      expect(parsed.address).toBe(
        mapped ? `::ffff:${c.bytes.subarray(12).join('.')}` : reference.toRFC5952String(),
      );
    },
  );

  test.prop([cidrCase])('containment: network <= address <= last address of the prefix', (c) => {
    const parsed = parseAddress(c.text);
    const network = parseAddress(`${parsed.network}/${parsed.prefixLength}`);
    const last = lastAddress(parsed.bytes, parsed.family, parsed.prefixLength);
    expect(compareBytes(network.bytes, parsed.bytes)).toBeLessThanOrEqual(0);
    expect(compareBytes(parsed.bytes, last)).toBeLessThanOrEqual(0);
    expect(
      compareBytes(network.bytes, lastAddress(network.bytes, parsed.family, parsed.prefixLength)),
    ).toBeLessThanOrEqual(0);
    expect(addressContains(network, parsed)).toBe(true);
    expect(addressContains(parsed, network)).toBe(true);
    const host = parseAddress(parsed.address);
    expect(addressContains(parsed, host)).toBe(true);
    expect(addressContains(host, parsed)).toBe(parsed.isHost);
  });

  test.prop([cidrCase, fc.nat({ max: 128 })])(
    'maskAddress is the network at a shorter prefix, never narrower',
    (c, p) => {
      const parsed = parseAddress(c.text);
      const prefix = p % ((parsed.family === 4 ? 32 : 128) + 1);
      const masked = maskAddress(parsed, prefix);
      const expectedPrefix = Math.min(prefix, parsed.prefixLength);
      expect(masked.prefixLength).toBe(expectedPrefix);
      expect(masked.address).toBe(parseAddress(`${parsed.address}/${expectedPrefix}`).network);
      expect(masked.network).toBe(masked.address);
      expect(parseAddress(masked.text)).toEqual(masked);
      expect(addressContains(masked, parsed)).toBe(true);
    },
  );

  test.prop([addressCase, addressCase])('addressContains agrees with a bitwise comparison', (a, b) => {
    const network = parseAddress(`${a.text}/${a.family === 4 ? 16 : 32}`);
    const host = parseAddress(b.text);
    const bits = (a.family === 4 ? 96 : 0) + network.prefixLength;
    let same = a.family === b.family;
    for (let bit = 0; same && bit < bits; bit++) {
      const mask = 0x80 >>> (bit & 7);
      same = (network.bytes[bit >>> 3]! & mask) === (host.bytes[bit >>> 3]! & mask);
    }
    expect(addressContains(network, host)).toBe(same);
  });

  test.prop([fc.oneof(addressLikeString, fc.string(), fc.string({ unit: 'binary' }))], { numRuns: 500 })(
    'safety: any string is accepted as exactly what it denotes, or rejected with an NfwError',
    (text) => {
      let parsed: ReturnType<typeof parseAddress>;
      try {
        parsed = parseAddress(text, 'F');
      } catch (error) {
        expect(isNfwError(error)).toBe(true);
        expect(error).toMatchObject({ field: 'F', value: text });
        const slash = text.indexOf('/');
        const addressPart = slash < 0 ? text : text.slice(0, slash);
        if ((error as NfwError).code === 'NFW_INVALID_PREFIX') {
          // the address itself was fine
          expect(net.isIP(addressPart)).not.toBe(0);
        } else {
          expect(net.isIP(addressPart) === 0 || addressPart.includes('%')).toBe(true);
        }
        return;
      }
      const slash = text.indexOf('/');
      const addressPart = slash < 0 ? text : text.slice(0, slash);
      // Node's inet_pton accepts exactly the same addresses (minus zone ids, which we reject).
      expect(net.isIP(addressPart)).toBe(parsed.family);
      expect(addressPart).not.toContain('%');
      expect(nodeText(parsed.address, parsed.family)).toBe(nodeText(addressPart, parsed.family));
      if (parsed.family === 4) expect(parsed.address).toBe(addressPart);
      if (slash >= 0) expect(text.slice(slash + 1)).toBe(String(parsed.prefixLength));
    },
  );
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
