#!/usr/bin/env bash
# `make bench`: fetch bench.narrow(ROWS) (default 1,000,000) through pyodbc with this driver and
# with Microsoft's ODBC Driver 18 (if registered as MS18), against one testserver; print the
# client CPU time of each and the ratio. A measurement, not a test: nothing fails on speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${ROWS:-1000000}
bin=${TESTSERVER_BIN:-$root/target/release/testserver}
py=${PY:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
"$bin" --ready-file "$work/ready.json" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
[ -s "$work/ready.json" ] || { echo "testserver did not start"; cat "$work/server.log"; exit 1; }
sleep 0.05
conn=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['connection_string'])" "$work/ready.json")
ours=$("$py" "$root/bench/fetch.py" "ODBC Driver RS for SQL Server" "$conn" "$rows")
echo "$ours"
if odbcinst -q -d -n MS18 >/dev/null 2>&1; then
  theirs=$("$py" "$root/bench/fetch.py" "MS18" "$conn" "$rows")
  echo "$theirs"
  python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"CPU ratio ours/MS18: {a['cpu_s'] / b['cpu_s']:.2f}  (wall {a['wall_s'] / b['wall_s']:.2f}) over {a['rows']} rows")
PY
else
  echo "MS18 not registered in $ODBCSYSINI/odbcinst.ini: no comparison"
fi
