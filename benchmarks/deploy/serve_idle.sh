#!/bin/sh
# Loopback latency of `mlpipe serve` with many idle keep-alive connections held open: IDLE connections each send
# one request and then stay open doing nothing (a load balancer's pool), while wrk sends single-row predicts
# on ACTIVE more. Usage: benchmarks/deploy/serve_idle.sh BUILD_DIR [SECONDS] [IDLE] [ACTIVE] [WORKERS]
# Prints wrk's latency distribution and how many idle connections still answer afterwards (all: none dropped).
set -eu
BUILD=${1:?build dir}; SECS=${2:-10}; IDLE=${3:-240}; ACTIVE=${4:-16}; WORKERS=${5:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
BASE=$(mktemp -d /tmp/mlpipe_serve_idle.XXXXXX)
PORT=${PORT:-18601}
MLPIPE_BENCH_ROWS=2000 MLPIPE_BENCH_PUSH_BASE=$BASE "$BUILD/benchmarks/deploy/bench_predict" >/dev/null
"${MLPIPE:-$BUILD/tools/mlpipe}" serve --model-base "$BASE" --name bench --port "$PORT" --workers "$WORKERS" \
  2>"$BASE.log" &
PID=$!
HOLDER=
trap 'kill -TERM $PID $HOLDER 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$BASE" "$BASE.log" "$BASE.ready"' EXIT
sleep 1
# the idle holder: opens IDLE keep-alive connections, one request each, then waits; on SIGTERM asks each again
/usr/bin/python3 - "$PORT" "$IDLE" "$BASE.ready" <<'PY' &
import signal, socket, sys
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
req = b"GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n"
def ask(s):
    s.sendall(req)
    got = b""
    while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
        part = s.recv(4096)
        if not part:
            return False
        got += part
    return got.startswith(b"HTTP/1.1 200")
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
ok = sum(ask(s) for s in conns)
open(ready, "w").write(str(ok))
def done(*_):
    alive = 0
    for s in conns:
        try:
            alive += ask(s)
        except OSError:
            pass
    print(f"idle connections: {n} opened, {ok} answered at first, {alive} still open and answering after the run")
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
signal.pause()
PY
HOLDER=$!
while [ ! -s "$BASE.ready" ]; do sleep 0.1; done
wrk -t2 -c"$ACTIVE" -d"${SECS}s" --timeout 2s --latency -s "$HERE/predict.lua" "http://127.0.0.1:$PORT"
# the server's CPU time (user + system) over its life: per request it is a figure the machine's load hardly moves
awk -v hz="$(getconf CLK_TCK)" '{printf "server CPU: %.2f s (user %.2f, system %.2f)\n", ($14+$15)/hz, $14/hz, $15/hz}' /proc/$PID/stat
kill -TERM $HOLDER; wait $HOLDER || true; HOLDER=
