"""Compares our driver with the peer drivers in one run and reports ratios.

bench/run.sh calls this after building and registering; run alone it needs $ODBCSYSINI (our
driver and the peers registered) and $TESTSERVER_BIN:
    python bench/harness.py [--runs 5] [--scenarios a,b] [--drivers ours,MS18] [--quick]
        [--encrypt yes|no] [--rust-bin target/release/examples/bench_fetch] [--out bench/results]

Every measurement is a fresh client process (bench/client.py, or the Rust example) against one
testserver process. Runs rotate through the drivers so that background load hits them alike.
Client CPU = user+sys of the client process (getrusage); server CPU = the testserver's
utime+stime from /proc over the same run, reported separately so the client cost stands alone.
Figures are medians over the runs; ratios are ours / MS18 (below 1.0 means we are cheaper).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OURS = "ODBC Driver RS for SQL Server"
DRIVERS = {"ours": OURS, "MS18": "MS18", "MSRS": "MSRS", "FreeTDS": "FreeTDS"}
BASELINE = "MS18"
CLIENT_TIMEOUT = 180  # seconds per client run; a hung driver is reported, not waited for

# (name, what it measures) in report order; the names are client.py's scenarios.
SCENARIOS = [
    ("narrow_fetchall", "bench.narrow(1000000): execute + fetchall"),
    ("narrow_fetchmany", "bench.narrow(1000000): execute + fetchmany(1000) loop"),
    ("wide_fetchall", "bench.wide(100000), 30 mixed columns: fetchall"),
    ("lob_fetchall", "bench.lob(200, 1 MiB): varbinary(max) + nvarchar(max), fetchall"),
    ("executemany", "INSERT 10k rows (int, nvarchar, float, datetime2), executemany"),
    ("executemany_fast", "same with fast_executemany=True (parameter arrays)"),
    ("prepared_execute", "2000 x SELECT ? + 1, ? (prepared once, re-executed) + fetchone"),
    ("connect", "30 x SQL login connect + close, pooling off"),
]
RUST_SCENARIOS = [
    ("rust_bulk", "odbc-api, narrow(1000000), bound columns, 1000-row row sets"),
    ("rust_getdata", "odbc-api, narrow(1000000), SQLFetch + SQLGetData per cell"),
]
# --quick: smaller sizes are not supported by client.py's fixed scenarios, so quick = fewer.
QUICK = ["narrow_fetchall", "prepared_execute", "connect", "rust_bulk", "rust_getdata"]


class Server:
    """One testserver process, started with --ready-file like tests/python/conftest.py."""

    def __init__(self, binary):
        self.dir = tempfile.TemporaryDirectory(prefix="bench-testserver-")
        ready = Path(self.dir.name) / "ready.json"
        self.log = open(Path(self.dir.name) / "server.log", "w")
        # RUST_LOG=warn: the default debug log writes a line per batch, which is server CPU
        # (and disk) that has nothing to do with the driver under test.
        env = dict(os.environ, RUST_LOG=os.environ.get("BENCH_SERVER_LOG", "warn"))
        self.proc = subprocess.Popen([binary, "--ready-file", str(ready)], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while not ready.exists():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                sys.exit(f"testserver did not start: {(Path(self.dir.name) / 'server.log').read_text()}")
            time.sleep(0.05)
        time.sleep(0.05)
        self.info = json.loads(ready.read_text())

    def cpu_seconds(self):
        """utime+stime of the server process (all its threads), from /proc/PID/stat."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        self.dir.cleanup()


def connection_string(server, driver, encrypt):
    base = server.info["connection_string"]
    if encrypt:
        parts = [p for p in base.split(";") if not p.lower().startswith("encrypt=")]
        base = ";".join(parts + [f"Encrypt={encrypt}"])
    return f"Driver={{{driver}}};{base}"


def run_client(argv, cs, server):
    """Runs one measurement process; returns its JSON lines with the server's CPU added."""
    env = dict(os.environ, BENCH_CONNECTION_STRING=cs)
    s0 = server.cpu_seconds()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [{"ok": False, "error": f"timed out after {CLIENT_TIMEOUT} s"}]
    server_cpu = server.cpu_seconds() - s0
    results = []
    for line in done.stdout.splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    if not results:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])[:400]
        how = (f"crashed with signal {-done.returncode}" if done.returncode < 0
               else f"exit {done.returncode}")
        results = [{"ok": False, "error": f"{how}{': ' + tail if tail else ''}"}]
    for r in results:
        r["server_cpu"] = server_cpu / len(results)
    return results


def python_argv(scenario):
    return [sys.executable, str(HERE / "client.py"), scenario]


class Results:
    """runs[scenario][driver] = list of per-run dicts; errors[scenario][driver] = message."""

    def __init__(self):
        self.runs, self.errors = {}, {}

    def add(self, scenario, driver, r):
        if r.get("ok"):
            self.runs.setdefault(scenario, {}).setdefault(driver, []).append(r)
        else:
            self.errors.setdefault(scenario, {})[driver] = r.get("error", "failed")

    def failed(self, scenario, driver):
        return driver in self.errors.get(scenario, {})

    def summary(self, scenario, driver):
        runs = self.runs.get(scenario, {}).get(driver)
        if not runs:
            return None
        med = lambda k: statistics.median(r[k] for r in runs)
        wall, cpu = med("wall"), med("cpu")
        return {"wall": wall, "cpu": cpu, "server_cpu": med("server_cpu"), "ops": runs[0]["ops"],
                "unit": runs[0]["unit"], "n": len(runs), "rate": runs[0]["ops"] / wall,
                "spread": (max(r["cpu"] for r in runs) - min(r["cpu"] for r in runs)) / cpu if cpu else 0}


def measure(args, server, scenarios, drivers, log):
    results = Results()
    for scenario, _ in scenarios:
        rust = scenario.startswith("rust_")
        for rep in range(args.runs):
            # Rotate the order so no driver always runs first (cold) or right after another.
            order = drivers[rep % len(drivers):] + drivers[:rep % len(drivers)]
            for key in order:
                if results.failed(scenario, key):
                    continue  # a failure is reported once; don't pay its timeout five times
                cs = connection_string(server, DRIVERS[key], args.encrypt)
                if rust:
                    mode = scenario.removeprefix("rust_")
                    out = run_client([args.rust_bin, "--mode", mode], cs, server)
                else:
                    out = run_client(python_argv(scenario), cs, server)
                for r in out:
                    results.add(scenario, key, r)
                    status = (f"cpu {r['cpu']:.3f}s wall {r['wall']:.3f}s server {r['server_cpu']:.3f}s"
                              if r.get("ok") else f"FAILED: {r.get('error')}")
                    log(f"  {scenario:18} run {rep + 1}/{args.runs} {key:8} {status}")
    return results


def fmt_rate(rate, unit):
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M {unit}/s"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k {unit}/s"
    return f"{rate:.1f} {unit}/s"


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def table(results, scenarios, drivers):
    lines = ["| scenario | driver | client CPU s | wall s | rate | CPU/op | server CPU s | ours/MS18 CPU | ours/MS18 wall |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for scenario, _ in scenarios:
        base = results.summary(scenario, BASELINE)
        ours = results.summary(scenario, "ours")
        for key in drivers:
            s = results.summary(scenario, key)
            if s is None:
                err = results.errors.get(scenario, {}).get(key, "not run")
                lines.append(f"| {scenario} | {key} | FAILED: {err.replace('|', '/')} ||||||||")
                continue
            per_op = s["cpu"] / s["ops"]
            per_op = f"{per_op * 1e9:.0f} ns" if per_op < 1e-5 else f"{per_op * 1e6:.0f} µs"
            cpu_ratio = wall_ratio = ""
            if key == "ours" and base:
                cpu_ratio, wall_ratio = ratio(s["cpu"], base["cpu"]), ratio(s["wall"], base["wall"])
            lines.append(f"| {scenario} | {key} | {s['cpu']:.3f} | {s['wall']:.3f} | "
                         f"{fmt_rate(s['rate'], s['unit'])} | {per_op} | {s['server_cpu']:.3f} | "
                         f"{cpu_ratio} | {wall_ratio} |")
        _ = ours
    return "\n".join(lines)


def ratio_summary(results, scenarios):
    lines = ["| scenario | ours/MS18 client CPU | ours/MS18 wall | ours/MSRS CPU | ours/FreeTDS CPU |",
             "|---|---:|---:|---:|---:|"]
    for scenario, _ in scenarios:
        ours = results.summary(scenario, "ours")
        cells = []
        for peer in ("MS18", "MS18-wall", "MSRS", "FreeTDS"):
            p = results.summary(scenario, peer.removesuffix("-wall"))
            if ours is None:
                cells.append("ours failed")
            elif p is None:
                cells.append(f"{peer.removesuffix('-wall')} failed")
            else:
                key = "wall" if peer.endswith("-wall") else "cpu"
                cells.append(ratio(ours[key], p[key]))
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"


def driver_versions(server, drivers, encrypt):
    """SQL_DRIVER_NAME / SQL_DRIVER_VER of each driver (via pyodbc, in a child process)."""
    code = ("import os, pyodbc; c = pyodbc.connect(os.environ['BENCH_CONNECTION_STRING'], timeout=15);"
            "print(c.getinfo(pyodbc.SQL_DRIVER_NAME), c.getinfo(pyodbc.SQL_DRIVER_VER))")
    out = {}
    for key in drivers:
        env = dict(os.environ, BENCH_CONNECTION_STRING=connection_string(server, DRIVERS[key], encrypt))
        try:
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
            out[key] = r.stdout.strip() or ("connect failed: " + r.stderr.strip().splitlines()[-1][:200]
                                            if r.stderr.strip() else "connect failed")
        except subprocess.TimeoutExpired:
            out[key] = "connect timed out"
    return out


def machine_facts():
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    return {
        "cpu": f"{cpu} x {os.cpu_count()}",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pyodbc": sh(f"{sys.executable} -c 'import pyodbc; print(pyodbc.version)'"),
        "unixodbc": sh("odbcinst --version"),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def report(args, scenarios, drivers, results, facts, versions, elapsed):
    commit = sh(f"git -C {ROOT} rev-parse --short HEAD")
    dirty = " (with uncommitted changes)" if sh(f"git -C {ROOT} status --porcelain --untracked-files=no") else ""
    branch = sh(f"git -C {ROOT} rev-parse --abbrev-ref HEAD")
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out = [f"# Benchmark results: our driver vs msodbcsql18 and the other peers",
           "",
           f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; "
           f"commit {commit}{dirty} on branch {branch}",
           f"- Command: `{args.command}`",
           f"- Machine: {facts['cpu']}; Linux {facts['kernel']}; Python {facts['python']}; "
           f"pyodbc {facts['pyodbc']}; {facts['unixodbc']}",
           f"- Load average (1/5/15 min) before: {facts['load_before']}, after: {load_after}"
           + ("  **(the machine was busy: wall times are inflated, CPU times are the figures to trust)**"
              if float(facts['load_before'].split()[0]) > (os.cpu_count() or 1) else ""),
           f"- Runs per driver and scenario: {args.runs} (median reported); encryption: "
           f"{args.encrypt or 'as the testserver ready file says'}; total time {elapsed:.0f} s",
           "- Drivers: " + "; ".join(f"{k} = {v}" for k, v in versions.items()),
           "",
           "## Ratios (ours / peer; below 1.0 = we use less)",
           "",
           ratio_summary(results, scenarios),
           "",
           "## All figures",
           "",
           "Client CPU = user+sys of the client process over the timed part (connect excluded except "
           "in `connect`); server CPU = the testserver process over the same run (not part of the "
           "client cost). Rate = operations / median wall time.",
           "",
           table(results, scenarios, drivers),
           "",
           "## Scenarios",
           ""]
    out += [f"- `{name}`: {what}" for name, what in scenarios]
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--scenarios", default="", help="comma-separated subset (default: all)")
    p.add_argument("--drivers", default="ours,MS18,MSRS,FreeTDS")
    p.add_argument("--encrypt", default="", help="override Encrypt= (yes|no|strict)")
    p.add_argument("--rust-bin", default=str(ROOT / "target/release/examples/bench_fetch"))
    p.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}, 3 runs")
    p.add_argument("--out", default=str(HERE / "results"))
    p.add_argument("--command", default="python bench/harness.py " + " ".join(sys.argv[1:]))
    args = p.parse_args()

    every = SCENARIOS + (RUST_SCENARIOS if Path(args.rust_bin).exists() else [])
    wanted = QUICK if args.quick else [s for s in args.scenarios.split(",") if s]
    if args.quick:
        args.runs = min(args.runs, 3)
    scenarios = [s for s in every if not wanted or s[0] in wanted]
    drivers = [d for d in args.drivers.split(",") if d]
    unknown = [d for d in drivers if d not in DRIVERS] + [w for w in wanted if w not in dict(every)]
    if unknown:
        sys.exit(f"unknown driver/scenario: {unknown} (drivers: {list(DRIVERS)}, scenarios: {[s for s, _ in every]})")
    if not Path(args.rust_bin).exists():
        print(f"note: {args.rust_bin} not built; Rust scenarios skipped", file=sys.stderr)

    facts = machine_facts()
    started = time.time()
    server = Server(os.environ.get("TESTSERVER_BIN", str(ROOT / "target/release/testserver")))
    try:
        versions = driver_versions(server, drivers, args.encrypt)
        for k, v in versions.items():
            print(f"{k:8} {v}", file=sys.stderr)
        results = measure(args, server, scenarios, drivers, lambda s: print(s, file=sys.stderr, flush=True))
    finally:
        server.stop()
    text = report(args, scenarios, drivers, results, facts, versions, time.time() - started)
    print(text)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "latest.md").write_text(text)
    raw = {s: {d: rs for d, rs in per.items()} for s, per in results.runs.items()}
    (Path(args.out) / "latest.json").write_text(json.dumps({"runs": raw, "errors": results.errors}, indent=1))


if __name__ == "__main__":
    main()
