# DuckDB
import duckdb
duckdb.sql("SELECT protocol_name, sum(byte_count) FROM 'flows.parquet' GROUP BY 1")
duckdb.sql("SELECT decode(key), decode(value) FROM parquet_kv_metadata('flows.parquet')")
COLUMNS = {
    "firewall_arn": "VARCHAR", "availability_zone": "VARCHAR", "vpc_endpoint_id": "VARCHAR",
    "vpc_endpoint_association_arn": "VARCHAR", "flow_operation_id": "VARCHAR",
    "flow_request_timestamp": "TIMESTAMPTZ", "source_address": "VARCHAR", "source_ip_version": "UTINYINT",
    "source_prefix_length": "UTINYINT", "source_port_from": "USMALLINT", "source_port_to": "USMALLINT",
    "destination_address": "VARCHAR", "destination_ip_version": "UTINYINT",
    "destination_prefix_length": "UTINYINT", "destination_port_from": "USMALLINT",
    "destination_port_to": "USMALLINT", "protocol": "UTINYINT", "protocol_name": "VARCHAR",
    "age_seconds": "UINTEGER", "packet_count": "UBIGINT", "byte_count": "UBIGINT",
}
duck_ndjson = duckdb.sql(f"SELECT * FROM read_json('flows.ndjson', format = 'newline_delimited', columns = {COLUMNS})")
duck_csv = duckdb.sql(f"SELECT * FROM read_csv('flows.csv', header = true, columns = {COLUMNS})")
