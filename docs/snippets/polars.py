# polars
import polars as pl
pl_arrow = pl.read_ipc("flows.arrow")
pl_arrows = pl.read_ipc_stream("flows.arrows")
pl_parquet = pl.read_parquet("flows.parquet")
PL_SCHEMA = pl.Schema(pl.from_arrow(SCHEMA.empty_table()).schema)   # SCHEMA from the cell above
pl_csv = pl.read_csv("flows.csv", schema=PL_SCHEMA)
# polars' NDJSON reader has no 8- and 16-bit integers: read them as UInt32, then cast
wide = {k: pl.UInt32 if v in (pl.UInt8, pl.UInt16) else v for k, v in PL_SCHEMA.items()}
pl_ndjson = pl.read_ndjson("flows.ndjson", schema=wide).cast(PL_SCHEMA)
pl_parquet.group_by("protocol_name").agg(pl.col("byte_count").sum())
