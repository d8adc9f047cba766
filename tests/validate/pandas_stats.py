"""Peer for mlpipe's statistics tests: pandas' view of a CSV file, printed as JSON.

usage: pandas_stats.py FILE.csv EPS [EPS_BY_COLUMN_JSON]
For each numeric column: count, missing, mean, std (ddof=1), min, max, zeros and, for each probability q in
QUANTILES, the interval [quantile(q - eps, 'lower'), quantile(q + eps, 'higher')] that a quantile estimate
with normalized rank error eps must fall in (eps = 0 gives the exact linear-interpolated quantile too).
For other columns: count, missing, distinct count, mean length and value counts.
"""
import json
import sys

import pandas as pd

QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]


def main():
    path, eps = sys.argv[1], float(sys.argv[2])
    per_column = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    df = pd.read_csv(path, keep_default_na=False, na_values=["", "NA", "NaN", "null"],
                     float_precision="round_trip")
    out = {"rows": len(df), "columns": {}}
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_numeric_dtype(s):
            v = s.dropna()
            e = per_column.get(name, eps)
            qs = []
            for q in QUANTILES:
                lo = v.quantile(max(0.0, q - e), interpolation="lower")
                hi = v.quantile(min(1.0, q + e), interpolation="higher")
                qs.append({"q": q, "lo": float(lo), "hi": float(hi), "linear": float(v.quantile(q))})
            out["columns"][name] = {
                "type": "numeric", "count": int(v.count()), "missing": int(s.isna().sum()),
                "mean": float(v.mean()), "std": float(v.std(ddof=1)), "min": float(v.min()), "max": float(v.max()),
                "zeros": int((v == 0).sum()), "quantiles": qs,
                "median": float(v.median()), "mad": float((v - v.median()).abs().median()),
            }
        else:
            v = s.dropna().astype(str)
            counts = v.value_counts()
            out["columns"][name] = {
                "type": "text", "count": int(v.count()), "missing": int(s.isna().sum()),
                "distinct": int(v.nunique()), "avg_length": float(v.str.len().mean()) if len(v) else 0.0,
                "value_counts": {str(k): int(c) for k, c in counts.items()},
            }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
