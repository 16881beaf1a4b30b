"""One measured benchmark run in its own process: `client.py SCENARIO`, with the connection string
(Driver=...) in $BENCH_CONNECTION_STRING so that the password never shows on a command line.

Running each measurement in a fresh process keeps the figures independent (no warm caches or heap
left over from another driver) and lets getrusage(RUSAGE_SELF) cover every thread the driver
starts. Connecting is outside the timed part, except in the `connect` scenario. Prints one JSON
object: {"ok": true, "wall": s, "cpu": s, "user": s, "sys": s, "ops": n, "unit": "rows"|...}
or {"ok": false, "error": "..."}.
"""
import datetime
import json
import os
import resource
import sys
import time
import traceback

import pyodbc


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


class Timer:
    """Wall and CPU time of the block it wraps."""

    def __enter__(self):
        self.u0, self.s0 = cpu_seconds()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        u1, s1 = cpu_seconds()
        self.user, self.sys = u1 - self.u0, s1 - self.s0
        return False


def connect(cs, autocommit=False):
    return pyodbc.connect(cs, autocommit=autocommit, timeout=30)


def checked_rows(got, want):
    if got != want:
        raise AssertionError(f"fetched {got} rows, expected {want}")
    return got


def fetchall(cs, sql, want):
    cnx = connect(cs)
    cur = cnx.cursor()
    with Timer() as t:
        cur.execute(sql)
        rows = cur.fetchall()
    n = checked_rows(len(rows), want)
    cnx.close()
    return t, n, "rows"


def fetchmany(cs, sql, want, size=1000):
    cnx = connect(cs)
    cur = cnx.cursor()
    n = 0
    with Timer() as t:
        cur.execute(sql)
        while True:
            batch = cur.fetchmany(size)
            if not batch:
                break
            n += len(batch)
    checked_rows(n, want)
    cnx.close()
    return t, n, "rows"


def lob_fetchall(cs, n, size):
    cnx = connect(cs)
    cur = cnx.cursor()
    with Timer() as t:
        cur.execute(f"SELECT * FROM bench.lob({n}, {size})")
        rows = cur.fetchall()
    checked_rows(len(rows), n)
    # Check the values arrived whole: a driver that truncates must not look fast.
    if len(rows[0][1]) != size or len(rows[0][2]) * 2 < size:
        raise AssertionError(f"LOB lengths {len(rows[0][1])}/{len(rows[0][2])}, expected {size}")
    cnx.close()
    return t, n, "rows"


PARAM_ROWS = 10_000


def param_rows(n):
    base = datetime.datetime(2024, 1, 1)
    return [(i, f"name {i}", i * 0.5, base + datetime.timedelta(seconds=i)) for i in range(n)]


def executemany(cs, fast):
    cnx = connect(cs)
    cur = cnx.cursor()
    table = f"bench_em_{os.getpid()}"
    cur.execute(f"CREATE TABLE {table} (id int, name nvarchar(50), value float, created datetime2)")
    cnx.commit()
    rows = param_rows(PARAM_ROWS)
    cur.fast_executemany = fast
    try:
        with Timer() as t:
            cur.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", rows)
            cnx.commit()
        got = cur.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        checked_rows(got, PARAM_ROWS)
    finally:
        cnx.rollback()
        cur.execute(f"DROP TABLE {table}")
        cnx.commit()
        cnx.close()
    return t, PARAM_ROWS, "rows"


def prepared_execute(cs, n=2000):
    """One parameterised single-row SELECT, re-executed: pyodbc prepares once, then SQLExecute."""
    cnx = connect(cs, autocommit=True)
    cur = cnx.cursor()
    sql = "SELECT ? + 1, ?"
    cur.execute(sql, 0, "warm-up").fetchone()
    with Timer() as t:
        for i in range(n):
            row = cur.execute(sql, i, "x").fetchone()
    if row[0] != n:
        raise AssertionError(f"last row {row!r}, expected {n}")
    cnx.close()
    return t, n, "executes"


def connects(cs, n=None):
    n = n or CONNECTS
    pyodbc.pooling = False  # set before the first connection: measure real logins
    with Timer() as t:
        for _ in range(n):
            connect(cs, autocommit=True).close()
    return t, n, "connects"


# bench/fetch_profile.py varies the sizes: $BENCH_NARROW_ROWS for the narrow scenarios (200k under
# valgrind), $BENCH_OPS for the number of prepared executes and of connects.
NARROW = int(os.environ.get("BENCH_NARROW_ROWS", "1000000"))
OPS = int(os.environ.get("BENCH_OPS", "2000"))
CONNECTS = int(os.environ.get("BENCH_OPS", "30"))

SCENARIOS = {
    "narrow_fetchall": lambda cs: fetchall(cs, f"SELECT * FROM bench.narrow({NARROW})", NARROW),
    "narrow_fetchmany": lambda cs: fetchmany(cs, f"SELECT * FROM bench.narrow({NARROW})", NARROW),
    "wide_fetchall": lambda cs: fetchall(cs, "SELECT * FROM bench.wide(100000)", 100_000),
    "lob_fetchall": lambda cs: lob_fetchall(cs, 200, 1 << 20),
    "executemany": lambda cs: executemany(cs, fast=False),
    "executemany_fast": lambda cs: executemany(cs, fast=True),
    "prepared_execute": lambda cs: prepared_execute(cs, OPS),
    "connect": connects,
}


def main():
    scenario, cs = sys.argv[1], os.environ["BENCH_CONNECTION_STRING"]
    try:
        t, ops, unit = SCENARIOS[scenario](cs)
        out = {"ok": True, "wall": t.wall, "user": t.user, "sys": t.sys, "cpu": t.user + t.sys,
               "ops": ops, "unit": unit}
    except Exception as e:  # a failing driver is a result to report, not a crash
        detail = traceback.format_exception_only(type(e), e)[-1].strip()
        out = {"ok": False, "error": detail[:400]}
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
