# the export's status file (every format; _nfw-status.json inside a --partitioned directory)
import json
status = json.load(open("flows.csv.nfw-status.json"))
print(status["complete"], status["status"], status["flows"])
