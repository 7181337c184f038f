"""What a data team would run instead of nfw-flows: the AWS CLI's saved output to Parquet (zstd) with
DuckDB, polars, pyarrow or pandas, each in its usual idiom, one row per flow with the operation's
firewall ARN and id, addresses as text (no parsing or canonicalization). Prints the row count.

Usage: python3 peers.py <duckdb|polars|pyarrow|pandas|check> <capture.json> [out.parquet]
`check TOOL` exits 0 when TOOL imports, else prints why.
"""
import json
import os
import sys
import warnings

# polars 1.x announces a default change of explode(); the idiom is what a user writes today.
warnings.simplefilter("ignore", DeprecationWarning)


def flat(flows, doc):
    # The same columns for every tool: the nested address objects flattened, the operation's keys added.
    return [
        {
            "firewall_arn": doc.get("FirewallArn"),
            "flow_operation_id": doc.get("FlowOperationId"),
            "source_address": (f.get("SourceAddress") or {}).get("AddressDefinition"),
            "destination_address": (f.get("DestinationAddress") or {}).get("AddressDefinition"),
            "source_port": f.get("SourcePort"),
            "destination_port": f.get("DestinationPort"),
            "protocol": f.get("Protocol"),
            "age": f.get("Age"),
            "packet_count": f.get("PacketCount"),
            "byte_count": f.get("ByteCount"),
        }
        for f in flows
    ]


def run_duckdb(path, out):
    import duckdb

    size = os.path.getsize(path) + 1024
    con = duckdb.connect()
    con.execute(
        f"""COPY (
        SELECT FirewallArn AS firewall_arn, FlowOperationId AS flow_operation_id,
               f.SourceAddress.AddressDefinition AS source_address,
               f.DestinationAddress.AddressDefinition AS destination_address,
               f.SourcePort AS source_port, f.DestinationPort AS destination_port, f.Protocol AS protocol,
               f.Age AS age, f.PacketCount AS packet_count, f.ByteCount AS byte_count
        FROM (SELECT unnest(Flows) AS f, FirewallArn, FlowOperationId
              FROM read_json(?, maximum_object_size = {size})))
        TO '{out}' (FORMAT parquet, COMPRESSION zstd)""",
        [path],
    )
    return con.execute("SELECT count(*) FROM read_parquet(?)", [out]).fetchone()[0]


def run_polars(path, out):
    import polars as pl

    df = (
        pl.read_json(path)
        .select("Flows", "FirewallArn", "FlowOperationId")
        .explode("Flows")
        .unnest("Flows")
        .unnest("SourceAddress", "DestinationAddress", separator="_")
    )
    df.write_parquet(out, compression="zstd")
    return df.height


def run_pyarrow(path, out):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    table = pa.Table.from_pylist(flat(doc["Flows"], doc))
    pq.write_table(table, out, compression="zstd")
    return table.num_rows


def run_pandas(path, out):
    import pandas as pd

    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    df = pd.json_normalize(doc["Flows"])
    df["firewall_arn"] = doc.get("FirewallArn")
    df["flow_operation_id"] = doc.get("FlowOperationId")
    df.to_parquet(out, compression="zstd")
    return len(df)


RUNNERS = {"duckdb": run_duckdb, "polars": run_polars, "pyarrow": run_pyarrow, "pandas": run_pandas}
MODULES = {"duckdb": ["duckdb"], "polars": ["polars"], "pyarrow": ["pyarrow"], "pandas": ["pandas", "pyarrow"]}

if __name__ == "__main__":
    tool = sys.argv[1]
    if tool == "check":
        for module in MODULES[sys.argv[2]]:
            try:
                __import__(module)
            except ImportError as error:
                print(f"python3 cannot import {module}: {error}")
                sys.exit(1)
        sys.exit(0)
    print(RUNNERS[tool](sys.argv[2], sys.argv[3]))
