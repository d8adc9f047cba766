#!/usr/bin/env bash
# Screenshots of every page of `mlpipe ui` and of `mlpipe report`, for docs/ui.md, taken in headless Chromium over
# the store the demo makes (the life-cycle example run twice on two spans, span 2 drifted, plus one failing run).
# Usage: bash scripts/ui-screenshots.sh [BUILD_DIR]   (default build/release; configured and built as needed)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${1:-$src/build/release}
out=$src/docs/ui
[[ -f $build/CMakeCache.txt ]] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "${MLPIPE_JOBS:-$(nproc)}" --target example_lifecycle mlpipe_cli
mlpipe=$build/tools/mlpipe
example=$build/examples/lifecycle/example_lifecycle
work=$(mktemp -d)
ui_pid=
cleanup() { [[ -n $ui_pid ]] && kill "$ui_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

bash examples/lifecycle/make_spans.sh examples/data/breast_cancer.csv "$work/data" mean_texture 1.5 >/dev/null
store=sqlite:$work/metadata.sqlite
args=(--push-to "$work/serving" --label diagnosis --store "$store" --root "$work/artifacts")
"$example" "${args[@]}" --data "$work/data/span-{SPAN}.csv" >/dev/null 2>&1
"$example" "${args[@]}" --data "$work/data/span-{SPAN}.csv" >/dev/null 2>&1
mkdir -p "$work/bad" && cp "$work/data/span-1.csv" "$work/bad/" && { head -5 "$work/data/span-2.csv"; echo "1,2,oops"; } >"$work/bad/span-2.csv"
"$example" "${args[@]}" --data "$work/bad/span-{SPAN}.csv" >/dev/null 2>&1 || true

"$mlpipe" ui --store "$store" --port 0 2>"$work/ui.log" &
ui_pid=$!
for _ in $(seq 100); do port=$(sed -n 's|.*on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/ui.log"); [[ -n $port ]] && break; sleep 0.1; done
base=http://127.0.0.1:$port
first=$("$mlpipe" runs --store "$store" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["run"])')
failed=$("$mlpipe" runs --store "$store" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["run"])')
runpage=$(curl -s "$base/run/$first")
stats=$(grep -o 'href="/artifact/[0-9]*">ExampleStatistics' <<<"$runpage" | head -1 | grep -o '/artifact/[0-9]*')
evaluation=$(grep -o 'href="/artifact/[0-9]*">ModelEvaluation' <<<"$runpage" | head -1 | grep -o '/artifact/[0-9]*')
model=$(grep -o 'href="/artifact/[0-9]*">Model #' <<<"$runpage" | head -1 | grep -o '[0-9]*')
"$mlpipe" report "$first" --store "$store" -o "$work/report.html" >/dev/null

shot() {  # NAME URL HEIGHT
  local profile
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" --window-size=1300,"$3" \
    --screenshot="$out/$1.png" "$2" >/dev/null 2>&1
  rm -rf "$profile"
  echo "docs/ui/$1.png  <- $2"
}
mkdir -p "$out"
shot runs "$base/runs" 420
shot run "$base/run/$first" 1000
shot failed-run "$base/run/$failed" 700
shot statistics "$base$stats" 1200
shot evaluation "$base$evaluation" 1000
shot history "$base/history?figure=auc" 420
shot compare "$base/compare?a=$first&b=$("$mlpipe" runs --store "$store" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[1]["run"])')" 800
shot lineage "$base/lineage/$model" 700
shot report "file://$work/report.html" 1200
