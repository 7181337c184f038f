/**
 * The "plain script" peer: what a user writes without nfw-flows. Every flow in memory, addresses
 * through ipaddr.js, one object per row, apache-arrow's `tableFromJSON` (type inference) and
 * `tableToIPC(table, 'file')`.
 */
import { importFromCore } from './tools.js';

interface IpAddr {
  parse(text: string): { kind(): string; toString(): string };
}
interface ArrowModule {
  tableFromJSON(rows: Record<string, unknown>[]): unknown;
  tableToIPC(table: unknown, format: 'file' | 'stream'): Uint8Array;
}

export interface PlainScript {
  /** Raw API flows (JSON-parsed) -> Arrow IPC file bytes. */
  convert(flows: readonly unknown[], context: { firewallArn: string; flowOperationId: string }): Uint8Array;
}

interface RawFlowLike {
  SourceAddress?: { AddressDefinition?: string };
  DestinationAddress?: { AddressDefinition?: string };
  SourcePort?: string;
  DestinationPort?: string;
  Protocol?: string;
  Age?: number;
  PacketCount?: number;
  ByteCount?: number;
}

export async function loadPlainScript(): Promise<PlainScript> {
  const ipaddr = (await importFromCore<{ default: IpAddr }>('ipaddr.js')).default;
  const arrow = await importFromCore<ArrowModule>('apache-arrow');
  const address = (definition: string | undefined) => {
    const text = definition ?? '';
    const slash = text.indexOf('/');
    const parsed = ipaddr.parse(slash < 0 ? text : text.slice(0, slash));
    return {
      ip: parsed.toString(),
      family: parsed.kind() === 'ipv6' ? 6 : 4,
      prefix: slash < 0 ? null : Number(text.slice(slash + 1)),
    };
  };
  return {
    convert(flows, context) {
      const rows = flows.map((f) => {
        const flow = f as RawFlowLike;
        const source = address(flow.SourceAddress?.AddressDefinition);
        const destination = address(flow.DestinationAddress?.AddressDefinition);
        return {
          firewall_arn: context.firewallArn,
          flow_operation_id: context.flowOperationId,
          source_ip: source.ip,
          source_family: source.family,
          source_prefix: source.prefix,
          destination_ip: destination.ip,
          destination_family: destination.family,
          destination_prefix: destination.prefix,
          source_port: Number(flow.SourcePort),
          destination_port: Number(flow.DestinationPort),
          protocol: flow.Protocol ?? null,
          age: flow.Age ?? null,
          packet_count: flow.PacketCount ?? null,
          byte_count: flow.ByteCount ?? null,
        };
      });
      return arrow.tableToIPC(arrow.tableFromJSON(rows), 'file');
    },
  };
}
