#!/bin/sh
# Loopback load test of `mlpipe serve`: single-row predict with wrk while five new versions are pushed.
# Usage: benchmarks/deploy/serve_wrk.sh BUILD_DIR [SECONDS] [CONNECTIONS] [WORKERS]
# Prints wrk's latency distribution (p50/p99) and non-2xx count, and the versions the server ended on.
set -eu
BUILD=${1:?build dir}; SECS=${2:-10}; CONN=${3:-16}; WORKERS=${4:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=$(mktemp -d /tmp/mlpipe_serve_bench.XXXXXX)
PORT=${PORT:-18600}
MLPIPE_BENCH_ROWS=20000 MLPIPE_BENCH_PUSH_BASE=$BASE "$BUILD/benchmarks/deploy/bench_predict" >/dev/null
"$BUILD/tools/mlpipe" serve --model-base "$BASE" --name bench --port "$PORT" --workers "$WORKERS" --poll-ms 200 \
  2>"$BASE.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$BASE" "$BASE.log"' EXIT
sleep 1
( for i in 1 2 3 4 5; do sleep $((SECS / 6 + 1)); MLPIPE_BENCH_ROWS=20000 MLPIPE_BENCH_PUSH_BASE=$BASE \
    "$BUILD/benchmarks/deploy/bench_predict" >/dev/null; done ) &
PUSHER=$!
wrk -t2 -c"$CONN" -d"${SECS}s" --latency -s "$HERE/predict.lua" "http://127.0.0.1:$PORT"
wait $PUSHER
sleep 1
curl -s "http://127.0.0.1:$PORT/v1/models/bench"; echo
grep -c "loaded version" "$BASE.log" | sed 's/^/versions loaded during the run: /'
