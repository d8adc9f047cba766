#!/usr/bin/env bash
# The main job: builds example_lifecycle and the mlpipe command, writes two spans of breast_cancer.csv (the
# second with a drifted column) into BUILD_DIR/demo, runs the whole life cycle twice (the second run comes from
# the cache), lists the recorded runs, then serves the pushed model with `mlpipe serve` and asks it for one
# prediction over HTTP. Usage: bash examples/lifecycle/demo.sh BUILD_DIR [JOBS]
# (BUILD_DIR already configured with cmake). Exits non-zero when any step fails; never leaves a server running.
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [JOBS]" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
jobs=${2:-2}
work=$build/demo

say() { printf '\n==== %s\n' "$*"; }

say "building example_lifecycle and mlpipe in $build"
cmake --build "$build" -j "$jobs" --target example_lifecycle mlpipe_cli
example=$build/examples/lifecycle/example_lifecycle
mlpipe=$build/tools/mlpipe
[[ -x $example && -x $mlpipe ]] || { echo "demo: the build did not produce $example and $mlpipe" >&2; exit 1; }

say "preparing the data in $work/data: two spans of breast_cancer.csv, span 2 with mean_texture x 1.5"
rm -rf "$work"   # a fresh store and artifact root each time, so the first run really executes every node
bash "$src/examples/lifecycle/make_spans.sh" "$src/examples/data/breast_cancer.csv" "$work/data" mean_texture 1.5
store="sqlite:$work/metadata.sqlite"
serving=$work/serving/lifecycle
args=(--data "$work/data/span-{SPAN}.csv" --label diagnosis --store "$store" --root "$work/artifacts" --push-to "$serving")

say "first run: every node executes"
"$example" "${args[@]}"

say "second run: nothing changed, so every node comes from the cache"
out=$("$example" "${args[@]}" 2>/dev/null)
printf '%s\n' "$out"
grep -q "8 from the cache" <<<"$out" || { echo "demo: the second run took nothing from the cache" >&2; exit 1; }

say "the runs recorded in the metadata store ($mlpipe runs --store $store)"
"$mlpipe" runs --store "$store"

say "serving the pushed model: $mlpipe serve --model-base $serving --name lifecycle"
[[ -f $serving/1/manifest.json ]] || { echo "demo: nothing was pushed to $serving" >&2; exit 1; }
serve_log=$work/serve.log
"$mlpipe" serve --model-base "$serving" --name lifecycle --port 0 --workers 2 2>"$serve_log" &
server=$!
stop_server() {  # SIGTERM (the server finishes its requests and exits 0), SIGKILL after 10 s
  [[ -n ${server:-} ]] || return 0
  kill -TERM "$server" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
}
trap stop_server EXIT
trap 'exit 130' INT TERM
port=
for _ in $(seq 200); do  # the server logs its port once the model is loaded and it listens (20 s at most)
  port=$(sed -n 's|.* on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$serve_log" | head -n1)
  [[ -n $port ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[[ -n $port ]] || { echo "demo: the server did not start:" >&2; cat "$serve_log" >&2; exit 1; }
curl -sf --max-time 5 "http://127.0.0.1:$port/healthz" >/dev/null ||
  { echo "demo: the server is not healthy:" >&2; cat "$serve_log" >&2; exit 1; }
# one row of the data (the first of span 2), as an object by feature name, without its label
body=$(awk -F, -v label=diagnosis '
  NR == 1 { for (i = 1; i <= NF; ++i) name[i] = $i; next }
  NR == 2 { s = ""; for (i = 1; i <= NF; ++i) if (name[i] != label) s = s (s == "" ? "" : ", ") "\"" name[i] "\": " $i
            printf "{\"instances\": [{%s}]}", s
            for (i = 1; i <= NF; ++i) if (name[i] == label) truth = $i
            print truth > "/dev/stderr"; exit }' "$work/data/span-2.csv" 2>"$work/truth.txt")
url="http://127.0.0.1:$port/v1/models/lifecycle:predict"
echo "POST $url"
echo "  $(cut -c1-150 <<<"$body")..."
answer=$(curl -sS --fail-with-body --max-time 5 -H 'Content-Type: application/json' -d "$body" "$url") ||
  { echo "demo: the prediction request failed: $answer" >&2; exit 1; }
echo "answer: $answer"
echo "(the row's true label: $(cat "$work/truth.txt"))"
grep -q '"class"' <<<"$answer" || { echo "demo: the answer has no predicted class" >&2; exit 1; }
stop_server
echo "the server stopped cleanly: $(tail -n1 "$serve_log")"

say "done. The mlpipe command is $mlpipe; look further with:"
cat <<MSG
  $mlpipe show latest --store $store
  $mlpipe lineage model --store $store
  $mlpipe history --metric auc --store $store
  $mlpipe compare latest <RUN> --store $store
  $mlpipe serve --model-base $serving --name lifecycle --port 8501    # then POST /v1/models/lifecycle:predict
MSG
