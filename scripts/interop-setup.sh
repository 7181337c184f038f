#!/usr/bin/env bash
# Installs the Python readers of `pnpm interop` (pyarrow, pandas, polars, duckdb) from wheels already on
# this machine, offline. Silent, and a success, when python3, pip or the wheels are missing (a fresh
# machine: `pnpm interop` then prints its one skip line). NFW_INTEROP_WHEELS names the wheel folder.
set -uo pipefail
command -v python3 >/dev/null 2>&1 || exit 0
python3 -c 'import pyarrow, pandas, polars, duckdb' >/dev/null 2>&1 && exit 0
wheels="${NFW_INTEROP_WHEELS:-}"
if [ -z "$wheels" ]; then
  for dir in /opt/pypi/files /opt/wheels; do
    if compgen -G "$dir/pyarrow-*.whl" >/dev/null; then wheels="$dir"; break; fi
  done
fi
[ -n "$wheels" ] && [ -d "$wheels" ] || exit 0
python3 -m pip install --quiet --disable-pip-version-check --no-index --find-links "$wheels" \
  pyarrow pandas polars duckdb >/dev/null 2>&1 || true
exit 0
