# CSV and NDJSON hold no types: read them with schema v1 (an empty export has nothing to infer from)
import pyarrow as pa
SCHEMA = pa.schema([
    ("firewall_arn", pa.string()), ("availability_zone", pa.string()),
    ("vpc_endpoint_id", pa.string()), ("vpc_endpoint_association_arn", pa.string()),
    ("flow_operation_id", pa.string()), ("flow_request_timestamp", pa.timestamp("ms", tz="UTC")),
    ("source_address", pa.string()), ("source_ip_version", pa.uint8()), ("source_prefix_length", pa.uint8()),
    ("source_port_from", pa.uint16()), ("source_port_to", pa.uint16()),
    ("destination_address", pa.string()), ("destination_ip_version", pa.uint8()),
    ("destination_prefix_length", pa.uint8()),
    ("destination_port_from", pa.uint16()), ("destination_port_to", pa.uint16()),
    ("protocol", pa.uint8()), ("protocol_name", pa.string()), ("age_seconds", pa.uint32()),
    ("packet_count", pa.uint64()), ("byte_count", pa.uint64()),
])
