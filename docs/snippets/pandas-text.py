# pandas: CSV and NDJSON through pyarrow's readers with SCHEMA (above)
import os, pandas as pd, pyarrow.csv as pcsv, pyarrow.json as pjson
csv = pcsv.read_csv("flows.csv", convert_options=pcsv.ConvertOptions(
    column_types=SCHEMA, strings_can_be_null=True, quoted_strings_can_be_null=False))
csv_df = csv.to_pandas(types_mapper=pd.ArrowDtype)
ndjson = (pjson.read_json("flows.ndjson", parse_options=pjson.ParseOptions(explicit_schema=SCHEMA))
          if os.path.getsize("flows.ndjson") else SCHEMA.empty_table())   # pyarrow refuses an empty file
ndjson_df = ndjson.to_pandas(types_mapper=pd.ArrowDtype)
