#!/usr/bin/env bash
# End to end from the CSV file, ratios measured in one run (docs/performance.md, "Training end to end"):
#  1. `mlpipe train TRAIN --eval TEST` + `mlpipe evaluate` (read, statistics, fit transform, train, write the
#     model; evaluate) vs the scikit-learn script doing the same from the same files (pandas, StandardScaler +
#     LogisticRegression(), joblib), wall time and peak RSS (GNU time), and the table's in-memory size;
#  2. XGBoost training through `mlpipe train --model xgboost` (DMatrix + boosting, as the model records it)
#     vs python3-xgboost's DMatrix + xgb.train, same data and parameters, and batch predict of both.
# Usage: benchmarks/train/e2e_train.sh MLPIPE [ROWS=1000000] [FEATURES=20] [WORK=/tmp/mlpipe_e2e]
set -euo pipefail
MLPIPE=$1 N=${2:-1000000} D=${3:-20} W=${4:-/tmp/mlpipe_e2e}
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
measure mlpipe_train "$MLPIPE" train "$TR" --label y --eval "$TE" -o "$W/m" --json
measure mlpipe_evaluate "$MLPIPE" evaluate "$W/m" "$TE"
measure sklearn $PY "$HERE/e2e_peer.py" sklearn "$TR" "$TE" "$W"
measure mlpipe_xgb "$MLPIPE" train "$TR" --label y --model xgboost --eval-fraction 0 --set rounds=50 \
  --set tree_method=hist -o "$W/x" --push-to "$W/xs" --json
measure xgb_python $PY "$HERE/e2e_peer.py" xgb-train "$TR" 50 "$W/py.ubj"
measure mlpipe_xgb_predict "$MLPIPE" predict "$W/xs" "$TE" -o "$W/pred.csv"
measure xgb_python_predict $PY "$HERE/e2e_peer.py" xgb-predict "$W/py.ubj" "$TE" "$W/pypred.csv"
$PY - "$W" "$N" "$D" <<'PY'
import json, sys
w, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = {k: tuple(map(float, open(f"{w}/time.{k}").read().split())) for k in
     ["mlpipe_train", "mlpipe_evaluate", "sklearn", "mlpipe_xgb", "xgb_python"]}
cpu = lambda k: t[k][2] + t[k][3]
ours, ours_cpu = t["mlpipe_train"][0] + t["mlpipe_evaluate"][0], cpu("mlpipe_train") + cpu("mlpipe_evaluate")
table_mb = n * (d + 1) * 8 / 1e6
print(f"train+evaluate CPU: mlpipe {ours_cpu:.2f} s, scikit-learn {cpu('sklearn'):.2f} s: "
      f"{cpu('sklearn') / ours_cpu:.1f}x (wall {ours:.2f} s vs {t['sklearn'][0]:.2f} s: {t['sklearn'][0] / ours:.1f}x)")
print(f"peak RSS: mlpipe train {t['mlpipe_train'][1] / 1e3:.0f} MB, table {table_mb:.0f} MB: "
      f"{t['mlpipe_train'][1] / 1e3 / table_mb:.2f}x; scikit-learn {t['sklearn'][1] / 1e3:.0f} MB")
mx = json.load(open(f"{w}/out.mlpipe_xgb"))["training"]["seconds"]
py = float(open(f"{w}/out.xgb_python").read().split()[1])
print(f"xgboost DMatrix+train (wall, in-process timers): mlpipe {mx:.2f} s, python {py:.2f} s: "
      f"mlpipe/python {mx / py:.3f}; whole commands CPU: mlpipe {cpu('mlpipe_xgb'):.2f} s, python {cpu('xgb_python'):.2f} s")
PY
echo "xgboost batch predict, CSV in -> predictions CSV out (wall s, peak RSS KB): mlpipe $(cat "$W/time.mlpipe_xgb_predict"), python $(cat "$W/time.xgb_python_predict"); python's in-place predict call alone: $(cat "$W/out.xgb_python_predict")"
