#!/bin/sh
# Loopback load test of `mlpipe serve`: single-row predict with wrk while five new versions are pushed.
# Usage: benchmarks/deploy/serve_wrk.sh BUILD_DIR [SECONDS] [CONNECTIONS] [WORKERS]
# (MLPIPE=path/to/mlpipe serves with another build, e.g. an older commit's, for a ratio in one session.)
# Prints wrk's latency distribution (p50/p99), the non-2xx count, and the versions the server ended on.
# Each push is a separate process that trains a 20-feature logistic model with its transform on 2,000 rows
# and publishes it with push_bundle (write, fsync, rename): the serving machine's share of a push.
set -eu
BUILD=${1:?build dir}; SECS=${2:-10}; CONN=${3:-16}; WORKERS=${4:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=$(mktemp -d /tmp/mlpipe_serve_bench.XXXXXX)
PORT=${PORT:-18600}
push() { MLPIPE_BENCH_ROWS=2000 MLPIPE_BENCH_PUSH_BASE=$BASE "$BUILD/benchmarks/deploy/bench_predict" >/dev/null; }
push
"${MLPIPE:-$BUILD/tools/mlpipe}" serve --model-base "$BASE" --name bench --port "$PORT" --workers "$WORKERS" --poll-ms 200 \
  2>"$BASE.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$BASE" "$BASE.log"' EXIT
sleep 1
( for i in 1 2 3 4 5; do sleep $((SECS / 6 + 1)); push; done ) &
PUSHER=$!
wrk -t2 -c"$CONN" -d"${SECS}s" --timeout 2s --latency -s "$HERE/predict.lua" "http://127.0.0.1:$PORT" | tee "$BASE.wrk"
# the server's CPU time (user + system) over its life: per request it is a figure the machine's load hardly moves
awk -v hz="$(getconf CLK_TCK)" '{printf "server CPU: %.2f s (user %.2f, system %.2f)\n", ($14+$15)/hz, $14/hz, $15/hz}' /proc/$PID/stat
grep -q "Non-2xx" "$BASE.wrk" || echo "  Non-2xx or 3xx responses: 0"
wait $PUSHER
sleep 1
curl -s "http://127.0.0.1:$PORT/v1/models/bench"; echo
grep -c "loaded version" "$BASE.log" | sed 's/^/versions loaded during the run: /'
rm -f "$BASE.wrk"
