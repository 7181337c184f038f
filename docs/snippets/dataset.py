# a --partitioned directory (flows/): firewall_arn, availability_zone, flow_operation_id come from the paths
import pandas as pd, pyarrow.dataset as ds, pyarrow.parquet as pq, polars as pl, duckdb
hive = ds.HivePartitioning.discover()   # keys as strings; a null zone (__HIVE_DEFAULT_PARTITION__) as null
pd_dataset = pd.read_parquet("flows/", dtype_backend="pyarrow", partitioning=hive)
pq_dataset = pq.read_table("flows/", partitioning=hive)
ds_dataset = ds.dataset("flows/", format="parquet", partitioning="hive").to_table()
pl_dataset = pl.read_parquet("flows/**/*.parquet", hive_partitioning=True)
duck_dataset = duckdb.sql("SELECT * FROM read_parquet('flows/**/*.parquet', hive_partitioning = true)")
