#!/usr/bin/env bash
# Scripted isql/iusql sessions through unixODBC against a fresh testserver.
# Each cases/NAME.sql starts with a line "-- tool: isql|isql -3|iusql|isql -k"; its output
# (stdout and stderr) must equal cases/NAME.expected exactly.
# BLESS=1 rewrites the .expected files from the current output (review the diff before committing).
# Needs: ODBCSYSINI registering "ODBC Driver RS for SQL Server" (make register), TESTSERVER_BIN.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${TESTSERVER_BIN:-$root/target/release/testserver}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
"$bin" --ready-file "$work/ready.json" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 300); do [ -s "$work/ready.json" ] && break; sleep 0.05; done
[ -s "$work/ready.json" ] || { echo "testserver did not start"; cat "$work/server.log"; exit 1; }
sleep 0.05
read -r port user pwd < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['tds_port'], d['sql_user'], d['sql_password'])" "$work/ready.json")
cat >"$work/odbc.ini" <<INI
[rs]
Driver=ODBC Driver RS for SQL Server
Server=127.0.0.1,$port
Database=test
Encrypt=yes
TrustServerCertificate=yes
INI
export ODBCINI="$work/odbc.ini"
fail=0 count=0
for sql in "$here"/cases/*.sql; do
  name=$(basename "$sql" .sql)
  tool=$(head -1 "$sql" | sed -n 's/^-- tool: //p')
  [ -n "$tool" ] || { echo "$name: first line must be '-- tool: ...'"; fail=1; continue; }
  set -- $tool
  prog=$1; shift
  if [ "${1:-}" = "-k" ]; then
    args=(-k "DSN=rs;UID=$user;PWD=$pwd")
  else
    args=("$@" rs "$user" "$pwd")
  fi
  actual=$(tail -n +2 "$sql" | timeout 30 "$prog" -b -v "${args[@]}" 2>&1)
  count=$((count + 1))
  if [ "${BLESS:-0}" = 1 ]; then echo "$actual" >"$here/cases/$name.expected"; echo "blessed $name"; continue; fi
  if [ "$actual" != "$(cat "$here/cases/$name.expected")" ]; then
    echo "FAIL $name ($tool)"
    diff <(echo "$actual") "$here/cases/$name.expected" | head -20
    fail=1
  else
    echo "ok   $name ($tool)"
  fi
done
echo "tests/isql: $count cases, $([ $fail = 0 ] && echo all passed || echo FAILURES)"
exit $fail
