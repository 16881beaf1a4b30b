#!/usr/bin/env python3
"""ActiveDirectoryDefault in this driver against Python azure-identity's DefaultAzureCredential,
both getting the same token from testserver's Entra mock through the same fake `az`.

    ODBCSYSINI=target/odbc TESTSERVER_BIN=target/release/testserver \
        .venv/bin/python bench/entra_default.py [PROCESSES] [LATER]

Needs `.venv/bin/pip install azure-identity` (the bench only; the tests do not use it).

Each side runs in PROCESSES fresh Python processes (default 5), so every "first" is a cold
process: no token cache, no remembered credential. In each process it times the first connect
and then LATER (default 20) more connects, and the script prints the median over processes of
the first and of the later connects' medians.

- ours: `pyodbc.connect("Driver=...;Authentication=ActiveDirectoryDefault")`: the driver finds
  the credential (environment -> workload identity -> managed identity probe -> az) and its
  token manager caches the token for the later connects.
- azure-identity: `DefaultAzureCredential().get_token(scope)` then `pyodbc.connect` with the
  token in SQL_COPT_SS_ACCESS_TOKEN (the usual hand-written helper), for every connect, as
  applications do. Timed with and without the connect.

Both processes get the ready file's environment for ActiveDirectoryDefault: the fake `az`
first on PATH (answering from the mock), IMDS pointed at the mock's "VM without identity"
(AZURE_POD_IDENTITY_AUTHORITY_HOST), the mock's CA in SSL_CERT_FILE and REQUESTS_CA_BUNDLE.
"""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from entra_connect import OURS, counters, start_server  # noqa: E402

PROCESSES = int(sys.argv[1]) if len(sys.argv) > 1 else 5
LATER = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SCOPE = "https://database.windows.net/.default"

OURS_CHILD = r'''
import json, sys, time, pyodbc
conn, later = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(later + 1):
    t = time.perf_counter()
    c = pyodbc.connect(conn, autocommit=True)
    c.execute("SELECT 1").fetchone()
    c.close()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"connect": times}))
'''

AZURE_CHILD = r'''
import json, struct, sys, time, pyodbc
t0 = time.perf_counter()
from azure.identity import DefaultAzureCredential
import_ms = (time.perf_counter() - t0) * 1000
conn, later, scope = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cred = DefaultAzureCredential()
token_ms, connect_ms = [], []
for _ in range(later + 1):
    t = time.perf_counter()
    tok = cred.get_token(scope).token
    t1 = time.perf_counter()
    raw = tok.encode("utf-16-le")
    c = pyodbc.connect(conn, autocommit=True, attrs_before={1256: struct.pack("<I", len(raw)) + raw})
    c.execute("SELECT 1").fetchone()
    c.close()
    token_ms.append((t1 - t) * 1000)
    connect_ms.append((time.perf_counter() - t) * 1000)
print(json.dumps({"token": token_ms, "connect": connect_ms, "import": import_ms}))
'''


def child_env(info):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AZURE_", "IDENTITY_", "MSI_", "IMDS_"))}
    env.update(info["env"]["ActiveDirectoryDefault"])
    env["REQUESTS_CA_BUNDLE"] = info["ca_file"]
    env["SSL_CERT_FILE"] = info["ca_file"]
    return env


def run(code, args, env):
    r = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        sys.exit(f"child failed: {r.stderr[-1500:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def az_runs(info):
    return counters(info).get("cli:az", 0)


def main():
    try:
        import azure.identity  # noqa: F401
    except ImportError:
        sys.exit("azure-identity is not installed: .venv/bin/pip install azure-identity")
    import azure.identity as ai
    proc, info = start_server()
    try:
        env = child_env(info)
        ours_conn = f"Driver={{{OURS}}};" + info["connection_strings"]["ActiveDirectoryDefault"]
        token_conn = ours_conn.replace("Authentication=ActiveDirectoryDefault", "").replace(";;", ";")
        rows = {"ours first": [], "ours later": [], "azid token first": [], "azid token later": [],
                "azid first": [], "azid later": []}
        az = {"ours": 0, "azid": 0}
        for _ in range(PROCESSES):
            before = az_runs(info)
            o = run(OURS_CHILD, [ours_conn, str(LATER)], env)
            az["ours"] += az_runs(info) - before
            rows["ours first"].append(o["connect"][0])
            rows["ours later"].append(statistics.median(o["connect"][1:]))
            before = az_runs(info)
            a = run(AZURE_CHILD, [token_conn, str(LATER), SCOPE], env)
            az["azid"] += az_runs(info) - before
            rows["azid token first"].append(a["token"][0])
            rows["azid token later"].append(statistics.median(a["token"][1:]))
            rows["azid first"].append(a["connect"][0])
            rows["azid later"].append(statistics.median(a["connect"][1:]))
        med = {k: statistics.median(v) for k, v in rows.items()}
        print(f"azure-identity {ai.__version__ if hasattr(ai, '__version__') else ''}, "
              f"{PROCESSES} processes x (1 first + {LATER} later connects)")
        print(f"{'':44} {'first ms':>9} {'later ms (median)':>18} {'az runs/process':>16}")
        print(f"{'ours: connect, Authentication=ActiveDirectoryDefault':44} "
              f"{med['ours first']:9.1f} {med['ours later']:18.1f} {az['ours'] / PROCESSES:16.1f}")
        print(f"{'azure-identity: get_token + connect':44} "
              f"{med['azid first']:9.1f} {med['azid later']:18.1f} {az['azid'] / PROCESSES:16.1f}")
        print(f"{'azure-identity: get_token alone':44} "
              f"{med['azid token first']:9.1f} {med['azid token later']:18.1f}")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
