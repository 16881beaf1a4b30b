"""Fetch every row of bench.narrow(N) through pyodbc; print wall and CPU time (the whole
process: pyodbc, unixODBC and the driver, including its I/O threads)."""
import json
import sys
import time

import pyodbc

driver, conn_str, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
cnx = pyodbc.connect(f"Driver={{{driver}}};{conn_str}", timeout=30, autocommit=True)
cur = cnx.cursor()
cur.execute("SELECT * FROM bench.narrow(10)").fetchall()  # warm up: plans, buffers
wall0, cpu0 = time.perf_counter(), time.process_time()
cur.execute(f"SELECT * FROM bench.narrow({rows})")
count = 0
while True:
    batch = cur.fetchmany(10000)
    if not batch:
        break
    count += len(batch)
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(json.dumps({"driver": driver, "rows": count, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                  "columns": [d[0] for d in cur.description]}))
