#!/usr/bin/env bash
# C programs through unixODBC, each run under valgrind against a fresh testserver.
# tests/c/NAME.c prints what it observes; its stdout must equal tests/c/NAME.expected.
# valgrind must report no errors and no definite leaks. Exit code 77 means skipped (the
# program prints why). BLESS=1 rewrites the .expected files.
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
export SQLSERVER_ODBC_CONN="Driver={ODBC Driver RS for SQL Server};$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['connection_string'])" "$work/ready.json")"
valgrind=()
if command -v valgrind >/dev/null && [ "${NO_VALGRIND:-0}" != 1 ]; then
  valgrind=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-possibly-lost=no
            --suppressions="$here/valgrind.supp")
fi
fail=0 count=0
for src in "$here"/*.c; do
  name=$(basename "$src" .c)
  [ "$name" = common ] && continue
  gcc -Wall -Werror -O1 -g -o "$work/$name" "$src" -lodbc -lpthread || { echo "FAIL $name: does not compile"; fail=1; continue; }
  count=$((count + 1))
  actual=$(timeout 120 "${valgrind[@]}" "$work/$name" 2>"$work/$name.err"); rc=$?
  if [ "${BLESS:-0}" = 1 ] && [ $rc = 0 ]; then echo "$actual" >"$here/$name.expected"; echo "blessed $name"; continue; fi
  if [ $rc = 77 ]; then
    echo "skip $name: $actual"
  elif [ $rc != 0 ]; then
    echo "FAIL $name: exit code $rc"; head -40 "$work/$name.err"; fail=1
  elif [ "$actual" != "$(cat "$here/$name.expected")" ]; then
    echo "FAIL $name: output differs"; diff <(echo "$actual") "$here/$name.expected" | head -20; fail=1
  else
    echo "ok   $name"
  fi
done
# streaming.c's memory claim needs a value far larger than a valgrind run affords: it runs
# again without valgrind, reading 200 MiB values.
if [ -x "$work/streaming" ] && [ "${BLESS:-0}" != 1 ]; then
  count=$((count + 1))
  actual=$(STREAMING_BYTES=209715200 timeout 600 "$work/streaming" 2>"$work/streaming.big.err"); rc=$?
  if [ $rc != 0 ] || [ "$actual" != "$(cat "$here/streaming.expected")" ]; then
    echo "FAIL streaming at 200 MiB without valgrind: exit code $rc"
    diff <(echo "$actual") "$here/streaming.expected" | head -20; head -20 "$work/streaming.big.err"; fail=1
  else
    echo "ok   streaming at 200 MiB without valgrind"
  fi
fi
echo "tests/c: $count programs, $([ $fail = 0 ] && echo all passed || echo FAILURES)"
exit $fail
