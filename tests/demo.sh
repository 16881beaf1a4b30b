#!/usr/bin/env bash
# `make demo`: start testserver, then query it through unixODBC with pyodbc and with isql.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TESTSERVER_BIN:-$root/target/release/testserver}
py=${PY:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
"$bin" --ready-file "$work/ready.json" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
[ -s "$work/ready.json" ] || { echo "testserver did not start"; cat "$work/server.log"; exit 1; }
sleep 0.05
conn="Driver={ODBC Driver RS for SQL Server};$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['connection_string'])" "$work/ready.json")"
echo "== pyodbc"
"$py" - "$conn" <<'PY'
import sys, pyodbc
cnx = pyodbc.connect(sys.argv[1], timeout=10)
print("driver:", cnx.getinfo(pyodbc.SQL_DRIVER_NAME), cnx.getinfo(pyodbc.SQL_DRIVER_VER))
print("server:", cnx.getinfo(pyodbc.SQL_DBMS_NAME), cnx.getinfo(pyodbc.SQL_DBMS_VER))
cur = cnx.cursor()
print("SELECT 42 ->", cur.execute("SELECT 42").fetchone()[0])
cnx.close()
PY
echo "== isql"
read -r port user pwd < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['tds_port'], d['sql_user'], d['sql_password'])" "$work/ready.json")
echo "SELECT 42" | isql -b -v -k "$conn"
echo "== pyodbc with Authentication=ActiveDirectoryDefault (token from the Entra ID mock via a fake az CLI)"
"$py" - "$work/ready.json" <<'PY'
import json, os, subprocess, sys
info = json.load(open(sys.argv[1]))
mode = "ActiveDirectoryDefault"
conn = "Driver={ODBC Driver RS for SQL Server};" + info["connection_strings"][mode]
env = dict(os.environ, **info["env"][mode])
# A fresh process, so the mode's environment (PATH with the fake az first, the mock's CA) applies.
code = """
import sys, pyodbc
cnx = pyodbc.connect(sys.argv[1], timeout=20)
print("connected with", sys.argv[2] + ":", cnx.cursor().execute("SELECT 'hello from Entra ID'").fetchone()[0])
"""
subprocess.run([sys.executable, "-c", code, conn, mode], env=env, check=True)
PY
