"""Profiles the fetch path: where each fetched row's client instructions go, per driver.

    python bench/fetch_profile.py [--rows 200000] [--drivers ours,MS18] [--scenario narrow_fetchall]
    python bench/fetch_profile.py --tool perf [--rows 1000000] [--drivers ours]

Needs $ODBCSYSINI and $TESTSERVER_BIN like bench/harness.py (bench/run.sh sets them; after
`make register`, export them as the Makefile does).

callgrind (default) runs the pyodbc client twice per driver under valgrind, with N rows and with
1 row, and divides the difference by N-1: the instructions each extra row costs, per library and
per function, with connect, login and interpreter start-up cancelled out. Instruction counts do
not move with the machine's load (this box is shared by several builds), so these per-row figures
are comparable between runs and drivers even when CPU seconds are not. perf samples real time
instead (one run, flat and inclusive hot spots).

Writes bench/results/profile-<tool>.md; raw data stays in target/bench-profile/.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from harness import DRIVERS, HERE, ROOT, Server, connection_string

OUT = ROOT / "target" / "bench-profile"


def parse_callgrind(path):
    """Self cost (Ir) per (object, function) from a callgrind output file.

    Format: `ob=`/`fn=` select the current object/function (with `(id) name` compression),
    cost lines are `position cost`, and the cost line after `calls=` belongs to the callee
    (inclusive), so it is skipped for self cost.
    """
    names = {"ob": {}, "fn": {}}
    cost = defaultdict(int)
    ob = fn = "?"
    skip_next = False
    compressed = re.compile(r"\((\d+)\)\s*(.*)")

    def resolve(kind, value):
        m = compressed.match(value)
        if not m:
            return value
        ident, name = m.groups()
        if name:
            names[kind][ident] = name
        return names[kind].get(ident, ident)

    with open(path, errors="replace") as f:
        for line in f:
            if line[0].isdigit() or line[0] in "+-*":
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    cost[(ob, fn)] += int(parts[1])
            elif line.startswith("ob="):
                ob = Path(resolve("ob", line[3:].strip())).name
            elif line.startswith("fn="):
                fn = resolve("fn", line[3:].strip())
            elif line.startswith("calls="):
                skip_next = True
            elif line.startswith(("cob=", "cfn=", "cfi=", "cfl=")):
                key = "ob" if line.startswith("cob=") else ("fn" if line.startswith("cfn=") else None)
                if key:
                    resolve(key, line[4:].strip())  # define the name, don't switch to it
    return cost


def callgrind_run(argv, env, name):
    data = OUT / f"{name}.callgrind"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={data}", *argv],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return parse_callgrind(data)


def per_row(big, small, rows):
    return {k: (big.get(k, 0) - small.get(k, 0)) / (rows - 1) for k in set(big) | set(small)}


def by_object(costs):
    out = defaultdict(float)
    for (ob, _), c in costs.items():
        out[ob] += c
    return out


def short(name, width=110):
    name = re.sub(r"/root/\.cargo/registry/src/[^/]+/", "", name)
    name = re.sub(r"/tmp/python-build[^/]*/Python-[^/]*/", "", name)
    return name if len(name) <= width else name[: width - 1] + "…"


def callgrind_report(args, server):
    drivers = args.drivers.split(",")
    rows = {}
    for key in drivers:
        env = dict(os.environ, BENCH_CONNECTION_STRING=connection_string(server, DRIVERS[key], ""))
        argv = [sys.executable, str(HERE / "client.py"), args.scenario]
        print(f"callgrind: {key}, {args.rows} rows and 1 row ...", file=sys.stderr, flush=True)
        big = callgrind_run(argv, dict(env, BENCH_NARROW_ROWS=str(args.rows), BENCH_OPS=str(args.rows)),
                            f"{args.scenario}-{key}-{args.rows}")
        small = callgrind_run(argv, dict(env, BENCH_NARROW_ROWS="1", BENCH_OPS="1"), f"{args.scenario}-{key}-1")
        rows[key] = per_row(big, small, args.rows)

    unit = {"prepared_execute": "execute", "connect": "connect"}.get(args.scenario, "row")
    out = [f"# Client profile (callgrind): instructions per extra {unit}",
           "",
           f"`{args.scenario}` through pyodbc, (Ir at {args.rows} {unit}s - Ir at 1 {unit}) / {args.rows - 1}. "
           f"Command: `python bench/fetch_profile.py --rows {args.rows} --drivers {args.drivers} "
           f"--scenario {args.scenario}`.",
           "",
           f"## Per library (Ir per {unit})",
           "",
           "| library | " + " | ".join(drivers) + " |",
           "|---|" + "---:|" * len(drivers)]
    objs = {k: by_object(v) for k, v in rows.items()}
    # The driver libraries differ by name; show each driver's own library on one line.
    driver_lib = {k: max(objs[k], key=lambda o: objs[k][o] if o not in COMMON_LIBS else -1) for k in drivers}
    names = sorted({o for v in objs.values() for o, c in v.items() if c >= 5 and o not in driver_lib.values()},
                   key=lambda o: -max(objs[k].get(o, 0) for k in drivers))
    out.append("| the driver itself (" + ", ".join(f"{k}: {driver_lib[k]}" for k in drivers) + ") | "
               + " | ".join(f"{objs[k][driver_lib[k]]:,.0f}" for k in drivers) + " |")
    for o in names:
        out.append(f"| {o} | " + " | ".join(f"{objs[k].get(o, 0):,.0f}" for k in drivers) + " |")
    out.append("| **total** | " + " | ".join(f"**{sum(objs[k].values()):,.0f}**" for k in drivers) + " |")
    for key in drivers:
        top = sorted(rows[key].items(), key=lambda kv: -kv[1])[: args.top]
        out += ["", f"## Top functions per {unit}: {key}", "", f"| Ir/{unit} | library | function |", "|---:|---|---|"]
        out += [f"| {c:,.0f} | {ob} | `{short(fn)}` |" for (ob, fn), c in top]
    return "\n".join(out) + "\n"


COMMON_LIBS = {"libc.so.6", "libpython3.11.so.1.0", "libodbc.so.2.0.0", "libcrypto.so.3", "libssl.so.3",
               "pyodbc.cpython-311-x86_64-linux-gnu.so", "_datetime.cpython-311-x86_64-linux-gnu.so",
               "ld-linux-x86-64.so.2", "???", "?", "libm.so.6", "libstdc++.so.6.0.30", "libgcc_s.so.1"}


def perf_report(args, server):
    out = []
    for key in args.drivers.split(","):
        env = dict(os.environ, BENCH_CONNECTION_STRING=connection_string(server, DRIVERS[key], ""),
                   BENCH_NARROW_ROWS=str(args.rows))
        data = OUT / f"{args.scenario}-{key}.perf.data"
        subprocess.run(["perf", "record", "-q", "-F", "2000", "-g", "--call-graph", "dwarf,16384",
                        "-o", str(data), "--", sys.executable, str(HERE / "client.py"), args.scenario],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        flat = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio",
                               "--sort", "dso,symbol", "-g", "none", "--percent-limit", "0.7"],
                              capture_output=True, text=True, check=True).stdout
        body = [l[:200] for l in flat.splitlines() if l.strip() and not l.startswith("#")]
        out += [f"## perf, self time: {key}", "", "```", *body[: args.top * 2], "```", ""]
    return f"# Fetch path profile (perf): {args.scenario}, {args.rows} rows\n\n" + "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tool", choices=["callgrind", "perf"], default="callgrind")
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--drivers", default="ours,MS18")
    p.add_argument("--scenario", default="narrow_fetchall", choices=["narrow_fetchall", "narrow_fetchmany", "prepared_execute", "connect"])
    p.add_argument("--top", type=int, default=30)
    args = p.parse_args()
    unknown = [d for d in args.drivers.split(",") if d not in DRIVERS]
    if unknown or args.rows < 2:
        sys.exit(f"unknown drivers {unknown} (known: {list(DRIVERS)}); --rows must be at least 2")

    OUT.mkdir(parents=True, exist_ok=True)
    server = Server(os.environ.get("TESTSERVER_BIN", str(ROOT / "target/release/testserver")))
    try:
        text = (callgrind_report if args.tool == "callgrind" else perf_report)(args, server)
    finally:
        server.stop()
    suffix = "" if args.scenario == "narrow_fetchall" else f"-{args.scenario}"
    out = HERE / "results" / f"profile-{args.tool}{suffix}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
