#!/usr/bin/env bash
# The main job: builds example_lifecycle and the mlpipe command, writes two spans of breast_cancer.csv (the
# second with a drifted column) into BUILD_DIR/demo, runs the whole life cycle twice (the second run comes from
# the cache) and lists the recorded runs. Usage: bash examples/lifecycle/demo.sh BUILD_DIR [JOBS]
# (BUILD_DIR already configured with cmake). Exits non-zero when any step fails.
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
args=(--work "$work" --data "$work/data/span-{SPAN}.csv" --label diagnosis --store "$store" --root "$work/artifacts")

say "first run: every node executes"
"$example" "${args[@]}"

say "second run: nothing changed, so every node comes from the cache"
out=$("$example" "${args[@]}" 2>/dev/null)
printf '%s\n' "$out"
grep -q "from the cache:" <<<"$out" || { echo "demo: the second run took nothing from the cache" >&2; exit 1; }

say "the runs recorded in the metadata store ($mlpipe runs --store $store)"
"$mlpipe" runs --store "$store"

say "done. The mlpipe command is $mlpipe; look further with:"
cat <<MSG
  $mlpipe show latest --store $store
  $mlpipe lineage model --store $store
  $mlpipe history --metric auc --store $store
  $mlpipe compare latest <RUN> --store $store
MSG
