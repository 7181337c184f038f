/**
 * The normalized record model. This is what ETL users code against; ARCHITECTURE.md documents it.
 */

/** A parsed `AddressDefinition`: an IPv4/IPv6 address with its prefix. */
export interface ParsedAddress {
  family: 4 | 6;
  /** Canonical text of the address as given (not masked): strict dotted quad, or RFC 5952 lowercase IPv6
   *  with section 5's mixed notation for IPv4-mapped addresses (`::ffff:10.0.0.9`). */
  address: string;
  /** 0..32 for IPv4, 0..128 for IPv6; 32/128 when the text had no prefix. */
  prefixLength: number;
  /** True when the prefix is /32 (IPv4) or /128 (IPv6). */
  isHost: boolean;
  /** Canonical text of the network address (the address masked by the prefix). */
  network: string;
  /** The record's text form: `address` for a host, `address/prefix` otherwise (unmasked, as AWS gave it). */
  text: string;
  /** 16 bytes, network order, IPv4 mapped into `::ffff:0:0/96`, so v4 and v6 sort and range-join together. */
  bytes: Uint8Array;
}

/** A parsed port: `"443"` -> 443..443, `"1990:1994"` -> 1990..1994, `"ANY"` -> 0..65535 with any=true. */
export interface PortRange {
  from: number;
  to: number;
  any: boolean;
}

/** A parsed protocol: IANA number and keyword (e.g. 6, "TCP"); unassigned numbers are named `UNASSIGNED-<n>`. */
export interface Protocol {
  number: number;
  name: string;
}

/** Where a flow came from: the response metadata shared by every flow of a page. */
export interface FlowContext {
  firewallArn: string;
  availabilityZone: string | null;
  vpcEndpointId: string | null;
  vpcEndpointAssociationArn: string | null;
  flowOperationId: string;
  flowRequestTimestamp: Date | null;
}

/** One normalized flow. Absent values are null, never an invented 0. Counters are safe integers. */
export interface FlowRecord extends FlowContext {
  source: ParsedAddress;
  sourcePort: PortRange | null;
  destination: ParsedAddress;
  destinationPort: PortRange | null;
  protocol: Protocol | null;
  ageSeconds: number | null;
  packetCount: number | null;
  byteCount: number | null;
}

/** A record a source could not normalize: kept, counted, and reported with its reason. */
export interface RejectedRecord {
  code: string;
  field: string | undefined;
  value: unknown;
  message: string;
  /** The flow object exactly as received. */
  raw: unknown;
  page: number;
  index: number;
}

/** Operation statuses as the API names them. */
export type FlowOperationStatus = 'COMPLETED' | 'IN_PROGRESS' | 'FAILED' | 'COMPLETED_WITH_ERRORS';

/** Column types of tabular outputs; each maps to one Arrow/Parquet logical type (see serialize/). */
export type ColumnType = 'utf8' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'float64' | 'timestamp_ms';

/** One column of an aggregated output (group-by, top talkers): its name, type and meaning. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  description?: string;
}

/** A flat row produced by a transform. `uint64` columns hold bigint (exact sums), `timestamp_ms` a Date. */
export type Row = Record<string, string | number | bigint | Date | null>;
