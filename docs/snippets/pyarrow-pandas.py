# pandas / pyarrow: Arrow and Parquet files carry their types and the export's status
import pandas as pd, pyarrow.ipc as ipc, pyarrow.parquet as pq
arrow = ipc.open_file("flows.arrow").read_all()          # .arrow / .feather
arrows = ipc.open_stream("flows.arrows").read_all()      # .arrows
parquet = pq.read_table("flows.parquet")
meta = {k.decode(): v.decode() for k, v in parquet.schema.metadata.items()}
print(meta["nfw_flows.status"], meta["nfw_flows.status_message"])
df = parquet.to_pandas(types_mapper=pd.ArrowDtype)       # keeps uint64, uint16 and nulls exact
