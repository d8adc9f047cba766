#!/usr/bin/env bash
# End to end from the CSV file, ratios measured in one run (docs/performance.md, "Training end to end"):
#  1. `mlpipe train TRAIN --eval TEST` + `mlpipe evaluate` (read, statistics, fit transform, train, write the
#     model; evaluate) vs the scikit-learn script doing the same from the same files (pandas, StandardScaler +
#     LogisticRegression(), joblib), wall time and peak RSS (GNU time), and the table's in-memory size; the two
#     run in turn REPEAT times (default 9) and the ratios are the medians of the pairs: on a virtual machine that
#     hands freed memory back to its host, how long the kernel takes to zero fresh pages swings several-fold
#     from one process to the next, so a single pair can be off by 30%;
#  2. XGBoost training through `mlpipe train --model xgboost` (DMatrix + boosting, as the model records it)
#     vs python3-xgboost's DMatrix + xgb.train, same data and parameters, and batch predict of both.
# Usage: [REPEAT=9] benchmarks/train/e2e_train.sh MLPIPE [ROWS=1000000] [FEATURES=20] [WORK=/tmp/mlpipe_e2e]
set -euo pipefail
MLPIPE=$1 N=${2:-1000000} D=${3:-20} W=${4:-/tmp/mlpipe_e2e} REPEAT=${REPEAT:-9}
PY=/usr/bin/python3 HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$W"
[ -f "$W/train_${N}x$D.csv" ] || $PY "$HERE/e2e_peer.py" make "$N" "$D" "$W/train_${N}x$D.csv" "$W/test_${N}x$D.csv"
TR=$W/train_${N}x$D.csv TE=$W/test_${N}x$D.csv
measure() {  # measure NAME CMD... -> "NAME wall_s max_rss_kb user_s sys_s" (CPU time: the machine may be shared)
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$W/time.$name" "$@" > "$W/out.$name" 2>&1 || { cat "$W/out.$name"; exit 1; }
  echo "$name $(cat "$W/time.$name")"
}
rm -rf "$W/m" "$W/x" "$W/xs"
for i in $(seq "$REPEAT"); do
  measure mlpipe_train.$i "$MLPIPE" train "$TR" --label y --eval "$TE" -o "$W/m" --json
  measure mlpipe_evaluate.$i "$MLPIPE" evaluate "$W/m" "$TE"
  measure sklearn.$i $PY "$HERE/e2e_peer.py" sklearn "$TR" "$TE" "$W"
done
measure mlpipe_xgb "$MLPIPE" train "$TR" --label y --model xgboost --eval-fraction 0 --set rounds=50 \
  --set tree_method=hist -o "$W/x" --push-to "$W/xs" --json
measure xgb_python $PY "$HERE/e2e_peer.py" xgb-train "$TR" 50 "$W/py.ubj"
measure mlpipe_xgb_predict "$MLPIPE" predict "$W/xs" "$TE" -o "$W/pred.csv"
measure xgb_python_predict $PY "$HERE/e2e_peer.py" xgb-predict "$W/py.ubj" "$TE" "$W/pypred.csv"
$PY - "$W" "$N" "$D" "$REPEAT" <<'PY'
import json, statistics, sys
w, n, d, r = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = [f"{k}.{i}" for i in range(1, r + 1) for k in ("mlpipe_train", "mlpipe_evaluate", "sklearn")]
t = {k: tuple(map(float, open(f"{w}/time.{k}").read().split())) for k in runs + ["mlpipe_xgb", "xgb_python"]}
cpu = lambda k: t[k][2] + t[k][3]
wall_ratio, cpu_ratio, ours, peer = [], [], [], []
for i in range(1, r + 1):  # pair i: mlpipe train + evaluate, then scikit-learn, one after the other
    ours.append(t[f"mlpipe_train.{i}"][0] + t[f"mlpipe_evaluate.{i}"][0])
    peer.append(t[f"sklearn.{i}"][0])
    wall_ratio.append(peer[-1] / ours[-1])
    cpu_ratio.append(cpu(f"sklearn.{i}") / (cpu(f"mlpipe_train.{i}") + cpu(f"mlpipe_evaluate.{i}")))
med = statistics.median
print(f"train+evaluate, {r} pairs in turn: mlpipe wall median {med(ours):.2f} s, scikit-learn {med(peer):.2f} s; "
      f"ratio per pair (wall) median {med(wall_ratio):.1f}x (min {min(wall_ratio):.1f}x, max {max(wall_ratio):.1f}x); "
      f"CPU ratio median {med(cpu_ratio):.1f}x")
table_mb = n * (d + 1) * 8 / 1e6
rss = med(t[f"mlpipe_train.{i}"][1] for i in range(1, r + 1)) / 1e3
print(f"peak RSS: mlpipe train {rss:.0f} MB (median), table {table_mb:.0f} MB: {rss / table_mb:.2f}x; "
      f"scikit-learn {med(t[f'sklearn.{i}'][1] for i in range(1, r + 1)) / 1e3:.0f} MB")
mx = json.load(open(f"{w}/out.mlpipe_xgb"))["training"]["seconds"]
py = float(open(f"{w}/out.xgb_python").read().split()[1])
print(f"xgboost DMatrix+train (wall, in-process timers): mlpipe {mx:.2f} s, python {py:.2f} s: "
      f"mlpipe/python {mx / py:.3f}; whole commands CPU: mlpipe {cpu('mlpipe_xgb'):.2f} s, python {cpu('xgb_python'):.2f} s")
PY
echo "xgboost batch predict, CSV in -> predictions CSV out (wall s, peak RSS KB): mlpipe $(cat "$W/time.mlpipe_xgb_predict"), python $(cat "$W/time.xgb_python_predict"); python's in-place predict call alone: $(cat "$W/out.xgb_python_predict")"
