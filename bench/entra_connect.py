#!/usr/bin/env python3
"""Connect latency with Entra ID modes through pyodbc: first (cold token cache) and warm
connects, against a SQL login baseline and, where it supports the mode, MS18.

    ODBCSYSINI=... TESTSERVER_BIN=target/release/testserver .venv/bin/python bench/entra_connect.py [N]

Prints one line per (driver, mode): first connect ms, median and p95 of the next N, and the
token requests the Entra mock saw. The point: the token manager makes every connect after the
first cost the same as a SQL login (msodbcsql asks the STS on every connect; ActiveDirectoryDefault
in mssql-python is known to add ~1 s per connect)."""
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyodbc

ROOT = Path(__file__).resolve().parents[1]
OURS = "ODBC Driver RS for SQL Server"
N = int(sys.argv[1]) if len(sys.argv) > 1 else 30


def start_server():
    d = tempfile.mkdtemp(prefix="entra-bench-")
    atexit.register(shutil.rmtree, d, True)
    ready = Path(d) / "ready.json"
    binary = os.environ.get("TESTSERVER_BIN", str(ROOT / "target/release/testserver"))
    proc = subprocess.Popen([binary, "--ready-file", str(ready)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(600):
        if ready.exists():
            time.sleep(0.05)
            return proc, json.loads(ready.read_text())
        time.sleep(0.05)
    proc.kill()
    sys.exit("testserver did not start")


def counters(info):
    with urllib.request.urlopen(info["entra_url"] + "/_counters") as r:
        return json.load(r)


def token_requests(info):
    """Requests to any token endpoint (counters without a ':' detail suffix)."""
    return sum(v for k, v in counters(info).items() if ":" not in k)


def measure(driver, conn, env):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        times = []
        for _ in range(N + 1):
            t = time.perf_counter()
            c = pyodbc.connect(f"Driver={{{driver}}};{conn}", timeout=30, autocommit=True)
            c.close()
            times.append((time.perf_counter() - t) * 1000)
        return times
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main():
    proc, info = start_server()
    try:
        rows = [("SQL login", OURS, info["connection_string"], {})]
        for mode in ["ActiveDirectoryServicePrincipal", "ActiveDirectoryMsi", "ActiveDirectoryDefault"]:
            rows.append((mode, OURS, info["connection_strings"][mode], info["env"][mode]))
        if "MS18" in pyodbc.drivers():
            rows.append(("SQL login", "MS18", info["connection_string"], {}))
            rows.append(("ActiveDirectoryMsi", "MS18", info["connection_strings"]["ActiveDirectoryMsi"],
                         info["env"]["ActiveDirectoryMsi"]))
        print(f"{'driver':<8} {'mode':<34} {'first ms':>9} {'median ms':>10} {'p95 ms':>8} {'token requests':>15}")
        for mode, driver, conn, env in rows:
            before = token_requests(info)
            try:
                t = measure(driver, conn, env)
            except pyodbc.Error as e:
                print(f"{driver[:8]:<8} {mode:<34} failed: {e}")
                continue
            requests = token_requests(info) - before
            rest = sorted(t[1:])
            p95 = rest[int(len(rest) * 0.95) - 1]
            name = "ours" if driver == OURS else driver
            print(f"{name:<8} {mode:<34} {t[0]:9.1f} {statistics.median(rest):10.1f} {p95:8.1f} {requests:15d}")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
