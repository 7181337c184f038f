import { describeValue, NfwError } from '../errors.js';
import type { Protocol } from '../types.js';
import { plainDecimal } from './plain-decimal.js';

/**
 * IANA "Assigned Internet Protocol Numbers" keywords 0..146, as IANA spells them (protocol-numbers
 * registry, last assignment 146 Homa). "(deprecated)" annotations are dropped from the keyword. Numbers
 * IANA assigns without a keyword get a descriptive name in capitals (61, 63, 68, 99, 114).
 */
// biome-ignore format: one line per ten numbers keeps the table checkable against the registry
const KEYWORDS: readonly string[] = [
  'HOPOPT', 'ICMP', 'IGMP', 'GGP', 'IPv4', 'ST', 'TCP', 'CBT', 'EGP', 'IGP', // 0
  'BBN-RCC-MON', 'NVP-II', 'PUP', 'ARGUS', 'EMCON', 'XNET', 'CHAOS', 'UDP', 'MUX', 'DCN-MEAS', // 10
  'HMP', 'PRM', 'XNS-IDP', 'TRUNK-1', 'TRUNK-2', 'LEAF-1', 'LEAF-2', 'RDP', 'IRTP', 'ISO-TP4', // 20
  'NETBLT', 'MFE-NSP', 'MERIT-INP', 'DCCP', '3PC', 'IDPR', 'XTP', 'DDP', 'IDPR-CMTP', 'TP++', // 30
  'IL', 'IPv6', 'SDRP', 'IPv6-Route', 'IPv6-Frag', 'IDRP', 'RSVP', 'GRE', 'DSR', 'BNA', // 40
  'ESP', 'AH', 'I-NLSP', 'SWIPE', 'NARP', 'Min-IPv4', 'TLSP', 'SKIP', 'IPv6-ICMP', 'IPv6-NoNxt', // 50
  'IPv6-Opts', 'ANY-HOST-INTERNAL', 'CFTP', 'ANY-LOCAL-NETWORK', 'SAT-EXPAK', 'KRYPTOLAN', 'RVD', 'IPPC', 'ANY-DISTRIBUTED-FILE-SYSTEM', 'SAT-MON', // 60
  'VISA', 'IPCV', 'CPNX', 'CPHB', 'WSN', 'PVP', 'BR-SAT-MON', 'SUN-ND', 'WB-MON', 'WB-EXPAK', // 70
  'ISO-IP', 'VMTP', 'SECURE-VMTP', 'VINES', 'TTP', 'NSFNET-IGP', 'DGP', 'TCF', 'EIGRP', 'OSPFIGP', // 80
  'Sprite-RPC', 'LARP', 'MTP', 'AX.25', 'IPIP', 'MICP', 'SCC-SP', 'ETHERIP', 'ENCAP', 'ANY-PRIVATE-ENCRYPTION', // 90
  'GMTP', 'IFMP', 'PNNI', 'PIM', 'ARIS', 'SCPS', 'QNX', 'A/N', 'IPComp', 'SNP', // 100
  'Compaq-Peer', 'IPX-in-IP', 'VRRP', 'PGM', 'ANY-0-HOP', 'L2TP', 'DDX', 'IATP', 'STP', 'SRP', // 110
  'UTI', 'SMP', 'SM', 'PTP', 'ISIS over IPv4', 'FIRE', 'CRTP', 'CRUDP', 'SSCOPMCE', 'IPLT', // 120
  'SPS', 'PIPE', 'SCTP', 'FC', 'RSVP-E2E-IGNORE', 'Mobility Header', 'UDPLite', 'MPLS-in-IP', 'manet', 'HIP', // 130
  'Shim6', 'WESP', 'ROHC', 'Ethernet', 'AGGFRAG', 'NSH', 'Homa', // 140
];

/** Other spellings accepted by parseProtocol (any case). 84 is listed twice by IANA (TTP and IPTM). */
const ALIASES: Readonly<Record<string, number>> = { ICMPV6: 58, IPTM: 84 };

function protocolName(number: number): string {
  if (number < KEYWORDS.length) return KEYWORDS[number]!;
  if (number <= 252) return `UNASSIGNED-${number}`;
  if (number <= 254) return `EXPERIMENTAL-${number}`; // RFC 3692: use for experimentation and testing
  return 'Reserved';
}

/** All 256 IP protocol numbers with their IANA names; `PROTOCOLS[n].number === n`. Entries are frozen. */
export const PROTOCOLS: readonly Protocol[] = Object.freeze(
  Array.from({ length: 256 }, (_, number) => Object.freeze({ number, name: protocolName(number) })),
);

const BY_KEYWORD = new Map<string, Protocol>();
for (const protocol of PROTOCOLS) BY_KEYWORD.set(protocol.name.toUpperCase(), protocol);
for (const [alias, number] of Object.entries(ALIASES)) BY_KEYWORD.set(alias, PROTOCOLS[number]!);

/** The protocol with this number (0..255), or undefined. */
export function protocolByNumber(number: number): Protocol | undefined {
  return PROTOCOLS[number];
}

/** The protocol with this keyword or name, in any case (`tcp`, `IPv6-ICMP`, `ICMPv6`), or undefined. */
export function protocolByKeyword(keyword: string): Protocol | undefined {
  return BY_KEYWORD.get(keyword.toUpperCase());
}

/**
 * Parse `Protocol`: a plain decimal 0..255 (no signs, spaces or leading zeros) or an IANA keyword in
 * any case -> the shared, frozen `{ number, name }` entry of PROTOCOLS. Throws NFW_INVALID_PROTOCOL.
 */
export function parseProtocol(text: string, field?: string): Protocol {
  if (typeof text === 'string') {
    const length = text.length;
    const value = plainDecimal(text, 0, length, 255);
    if (value >= 0) return PROTOCOLS[value]!;
    const byKeyword = length <= 40 ? BY_KEYWORD.get(text.toUpperCase()) : undefined;
    if (byKeyword !== undefined) return byKeyword;
  }
  const where = field === undefined ? '' : ` in ${field}`;
  throw new NfwError(
    'NFW_INVALID_PROTOCOL',
    `Invalid protocol ${describeValue(text)}${where}: expected an IANA protocol number 0..255 or keyword (e.g. TCP, UDP, ICMP)`,
    { ...(field === undefined ? {} : { field }), value: text },
  );
}
