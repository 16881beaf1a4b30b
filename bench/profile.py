"""Profiles one client scenario (default: pyodbc fetchall of bench.narrow(200000) with our driver).

    python bench/profile.py [--tool callgrind|perf] [--rows 200000] [--driver ours]
        [--scenario narrow_fetchall]

Needs $ODBCSYSINI and $TESTSERVER_BIN like bench/harness.py (bench/run.sh sets them; or run
`make register` and export them as the Makefile does). callgrind counts instructions, so its
figures do not move with the machine's load, which matters on a shared 2-core box; perf samples
real time. Writes bench/results/profile-<tool>.txt (flat and inclusive hot spots) and keeps the
raw data under target/bench-profile/.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

from harness import DRIVERS, HERE, ROOT, Server, connection_string

OUT = ROOT / "target" / "bench-profile"


def callgrind(argv, env, name):
    data = OUT / f"{name}.callgrind"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={data}", *argv],
                   env=env, check=True)
    flat = subprocess.run(["callgrind_annotate", "--threshold=99", str(data)],
                          capture_output=True, text=True, check=True).stdout
    inclusive = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=99", str(data)],
                               capture_output=True, text=True, check=True).stdout
    return f"== self cost (Ir)\n{trim(flat)}\n\n== inclusive cost (Ir)\n{trim(inclusive)}\n"


def perf(argv, env, name):
    data = OUT / f"{name}.perf.data"
    subprocess.run(["perf", "record", "-q", "-F", "2000", "-g", "--call-graph", "dwarf,16384",
                    "-o", str(data), "--", *argv], env=env, check=True)
    flat = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio",
                           "--sort", "dso,symbol", "-g", "none", "--percent-limit", "0.5"],
                          capture_output=True, text=True, check=True).stdout
    inclusive = subprocess.run(["perf", "report", "-i", str(data), "--children", "--stdio",
                                "--sort", "symbol", "-g", "none", "--percent-limit", "2"],
                               capture_output=True, text=True, check=True).stdout
    return f"== self time\n{trim(flat)}\n\n== inclusive time\n{trim(inclusive)}\n"


def trim(text, lines=90):
    body = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
    return "\n".join(l[:220] for l in body[:lines])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tool", choices=["callgrind", "perf"], default="callgrind")
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--driver", default="ours", choices=list(DRIVERS))
    p.add_argument("--scenario", default="narrow_fetchall")
    args = p.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    server = Server(os.environ.get("TESTSERVER_BIN", str(ROOT / "target/release/testserver")))
    try:
        env = dict(os.environ, BENCH_CONNECTION_STRING=connection_string(server, DRIVERS[args.driver], ""),
                   BENCH_NARROW_ROWS=str(args.rows))
        argv = [sys.executable, str(HERE / "client.py"), args.scenario]
        name = f"{args.scenario}-{args.driver}"
        text = (callgrind if args.tool == "callgrind" else perf)(argv, env, name)
    finally:
        server.stop()
    header = (f"# {args.tool} profile: {args.scenario} with {args.driver} ({DRIVERS[args.driver]}), "
              f"{args.rows} narrow rows\n# command: python bench/profile.py --tool {args.tool} "
              f"--rows {args.rows} --driver {args.driver} --scenario {args.scenario}\n\n")
    out = HERE / "results" / f"profile-{args.tool}-{args.driver}.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(header + text)
    print(header + text)


if __name__ == "__main__":
    main()
