#!/usr/bin/env bash
# Benchmarks our driver against the peers (MS18, MSRS, FreeTDS) in one run and reports ratios.
#   make bench                      build, register, run everything (about 10 min on 2 cores)
#   bash bench/run.sh [ARGS]        the same; ARGS go to bench/harness.py, e.g.
#       --quick                     a few scenarios, 3 runs (about 2 min)
#       --runs 3 --scenarios narrow_fetchall,connect --drivers ours,MS18
# Environment: BENCH_SKIP_BUILD=1 reuses the current release build; BENCH_PEERS_INI names the
# peers' odbcinst.ini (default target/peers/odbcinst.ini, made by `make deps`); BENCH_PYTHON a
# Python with pyodbc (default .venv/bin/python). Writes bench/results/latest.{md,json}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

export ODBCSYSINI=${ODBCSYSINI:-$root/target/odbc}
export TESTSERVER_BIN=${TESTSERVER_BIN:-$root/target/release/testserver}
peers=${BENCH_PEERS_INI:-$root/target/peers/odbcinst.ini}
python=${BENCH_PYTHON:-$root/.venv/bin/python}

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  cargo build --release --workspace
  cargo build --release --example bench_fetch
fi
[ -x "$TESTSERVER_BIN" ] || { echo "no testserver at $TESTSERVER_BIN (cargo build --release --workspace)" >&2; exit 1; }
"$python" -c 'import pyodbc' 2>/dev/null || { echo "$python has no pyodbc (make deps)" >&2; exit 1; }
[ -f "$peers" ] || echo "warning: no peers' odbcinst.ini at $peers (make deps): the peers will show as failed" >&2

bash odbcinst/install.sh --sysini "$ODBCSYSINI" --driver "$root/target/release/libsqlserver_odbc.so" \
  --peers "$peers" >&2

exec "$python" bench/harness.py --command "bash bench/run.sh${*:+ $*}" "$@"
