#!/usr/bin/python3
"""Peer for benchmarks/data/bench_csv: times pandas.read_csv on a file (best of N runs, interpreter start and
imports excluded) and prints JSON {"seconds": best CPU seconds, "wall_seconds": best wall seconds, "rows": n,
"bytes": size}. CPU time, as for our side, because the benchmark machine may be shared."""
import json
import os
import sys
import time

import pandas as pd


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    engine = sys.argv[3] if len(sys.argv) > 3 else "c"
    best, best_wall, rows = float("inf"), float("inf"), 0
    for _ in range(runs):
        t0, w0 = time.process_time(), time.perf_counter()
        df = pd.read_csv(path, engine=engine)
        best = min(best, time.process_time() - t0)
        best_wall = min(best_wall, time.perf_counter() - w0)
        rows = len(df)
        del df
    print(json.dumps({"seconds": best, "wall_seconds": best_wall, "rows": rows, "bytes": os.path.getsize(path), "engine": engine,
                      "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
