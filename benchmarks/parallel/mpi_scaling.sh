#!/usr/bin/env bash
# Data-parallel scaling, ratios measured in one run (docs/performance.md, "Data-parallel runs"):
#  1. `mlpipe stats FILE --json` under `mpirun -np 1` and `-np 2` (three alternating pairs): wall time, each rank's peak RSS (GNU time
#     inside mpirun) against the per-rank --memory-budget, and each rank's share of time in MPI calls;
#  2. `mlpipe train FILE --label y --set solver=newton` the same way.
# FILE is made once: a CSV of about SIZE_GB (8 numeric columns, a categorical, a 0/1 label), read once with cat
# before the runs, so every run reads it from the page cache.
# Usage: benchmarks/parallel/mpi_scaling.sh MLPIPE [SIZE_GB=2.2] [WORK=/tmp/mlpipe_mpi_bench] [BUDGET=256M]
set -euo pipefail
MLPIPE=$1 SIZE=${2:-2.2} W=${3:-/tmp/mlpipe_mpi_bench} BUDGET=${4:-256M}
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 MLPIPE_PARALLEL_TIMES=1
mkdir -p "$W"
F=$W/bench_${SIZE}g.csv
if [ ! -f "$F" ]; then
  # a 64 MB block of random rows, repeated to the size asked (repeats do not change the work per row)
  $PY - "$W/block.csv" <<'PY'
import random, sys
rnd = random.Random(7)
with open(sys.argv[1], "w") as f:
    size = 0
    while size < 64 << 20:
        x = [rnd.gauss(0, 1) for _ in range(8)]
        c = rnd.choice(["oslo", "rome", "lima", "kyiv"])
        y = 1 if x[0] - 0.5 * x[1] + 0.25 * x[2] + (c == "lima") + rnd.gauss(0, 1) > 0 else 0
        line = ",".join("%.6g" % v for v in x) + ",%s,%d\n" % (c, y)
        size += len(line)
        f.write(line)
PY
  blocks=$($PY -c "import math,os,sys; print(math.ceil(float(sys.argv[1]) * 1e9 / os.path.getsize(sys.argv[2])))" "$SIZE" "$W/block.csv")
  { echo "x0,x1,x2,x3,x4,x5,x6,x7,city,y"; for _ in $(seq "$blocks"); do cat "$W/block.csv"; done; } > "$F"
fi
cat "$F" > /dev/null  # into the page cache
echo "file: $F, $(du -h "$F" | cut -f1), $(wc -l < "$F") lines; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # run NAME NP CMD... -> wall time, per-rank peak RSS and MPI share
  local name=$1 np=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  mpirun --oversubscribe --bind-to none -np "$np" /usr/bin/time -f "rss_kb %M" "$@" > "$W/out.$name" 2> "$W/err.$name" ||
    { cat "$W/err.$name"; exit 1; }
  t1=$(date +%s.%N)
  $PY -c "print($t1 - $t0)" > "$W/wall.$name"
  printf '%-12s np=%s wall %6.2f s; peak RSS per rank (MB): %s; MPI share: %s\n' "$name" "$np" "$(cat "$W/wall.$name")" \
    "$(grep -o 'rss_kb [0-9]*' "$W/err.$name" | awk '{printf "%d ", $2/1024}')" \
    "$(grep -o '([0-9.]*%)' "$W/err.$name" | tr -d '()' | tr '\n' ' ')"
}
for i in 1 2 3; do  # statistics take seconds: three alternating pairs, the median ratio
  run stats_np1_$i 1 "$MLPIPE" stats "$F" --json --threads 1 --memory-budget "$BUDGET"
  run stats_np2_$i 2 "$MLPIPE" stats "$F" --json --threads 1 --memory-budget "$BUDGET"
done
rm -rf "$W/m1" "$W/m2"
run train_np1 1 "$MLPIPE" train "$F" --label y --set solver=newton -o "$W/m1" --json
run train_np2 2 "$MLPIPE" train "$F" --label y --set solver=newton -o "$W/m2" --json
$PY - "$W" <<'PY'
import json, sys
w = sys.argv[1]
names = ["train_np1", "train_np2"] + [f"stats_np{n}_{i}" for n in (1, 2) for i in (1, 2, 3)]
wall = {n: float(open(f"{w}/wall.{n}").read()) for n in names}
ratios = sorted(wall[f"stats_np1_{i}"] / wall[f"stats_np2_{i}"] for i in (1, 2, 3))
print("stats: np2 is %.2fx np1 (median of three pairs: %s)" % (ratios[1], ", ".join("%.2f" % r for r in ratios)))
print("train (newton): np2 is %.2fx np1" % (wall["train_np1"] / wall["train_np2"]))
a, b = json.load(open(f"{w}/out.stats_np1_1")), json.load(open(f"{w}/out.stats_np2_1"))
assert a == b or all(x["rows"] == y["rows"] for x, y in zip(a["splits"], b["splits"])), "np1 and np2 statistics differ in rows"
m1 = json.load(open(f"{w}/m1/model/model.json")); m2 = json.load(open(f"{w}/m2/model/model.json"))
w1, w2 = m1["weights"] + m1["bias"], m2["weights"] + m2["bias"]
print("largest weight difference np2 vs np1, relative to the largest weight: %.2g" %
      (max(abs(x - y) for x, y in zip(w1, w2)) / max(abs(x) for x in w1)))
PY
