# a --partitioned directory (flows/): firewall_arn, availability_zone, flow_operation_id come from the paths
import pandas as pd, pyarrow.dataset as ds, pyarrow.parquet as pq, polars as pl, duckdb
pd_dataset = pd.read_parquet("flows/", dtype_backend="pyarrow")
pq_dataset = pq.read_table("flows/")
ds_dataset = ds.dataset("flows/", format="parquet", partitioning="hive").to_table()
pl_dataset = pl.read_parquet("flows/**/*.parquet", hive_partitioning=True)
duck_dataset = duckdb.sql("SELECT * FROM read_parquet('flows/**/*.parquet', hive_partitioning = true)")
