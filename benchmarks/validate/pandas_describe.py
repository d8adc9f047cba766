"""Peer for bench_statistics: pandas describe() with quantiles on the same 1M x 20 doubles.

usage: pandas_describe.py RAW_FILE ROWS COLS REPEATS
RAW_FILE holds ROWS*COLS little-endian doubles, column after column. Prints the best wall time in seconds of
DataFrame.describe(percentiles=[.01, .05, .1, .25, .5, .75, .9, .95, .99]) (count, mean, std, min, max and the
quantiles: the statistics mlpipe computes), the frame already in memory, then the best CPU time (process).
"""
import sys
import time

import numpy as np
import pandas as pd


def main():
    path, rows, cols, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    raw = np.fromfile(path, dtype="<f8").reshape(cols, rows)
    df = pd.DataFrame({f"c{j}": raw[j] for j in range(cols)})
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        d = df.describe(percentiles=[.01, .05, .1, .25, .5, .75, .9, .95, .99])
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    assert d.shape[1] == cols
    print(best, best_cpu)


if __name__ == "__main__":
    main()
