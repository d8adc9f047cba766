#!/usr/bin/env bash
# Runs every fuzz target of a MLPIPE_FUZZ build (one executable, mlpipe_fuzz; MLPIPE_FUZZ_TARGET picks the
# target) for SECONDS each (libFuzzer -max_total_time), starting from its seed corpus (tests/fuzz/corpus/<target>/) and the inputs that once broke it (tests/fuzz/regressions/<target>/).
# New corpus entries go to a scratch folder, never into the repository. A crash, a sanitizer report or a broken
# invariant fails the script; the input that did it is printed and kept under BUILD/fuzz-crashes/: add it to
# tests/fuzz/regressions/<target>/ so that the ordinary test suite replays it from then on.
#   usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
seconds=${2:-20}
targets=(csv model transform schema statistics blessing bundle request ui)
crashes=$build/fuzz-crashes
mkdir -p "$crashes"
failed=()
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  mkdir -p tests/fuzz/regressions/"$t"
  # -rss_limit_mb: a runaway allocation is a finding too; -timeout: a hang (one input > 10 s) is. -max_len keeps
  # mutations fast (longer seeds, such as the 200 KB nesting regressions, are replayed whole by the test suite).
  if MLPIPE_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "$build/tests/fuzz/mlpipe_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
       -print_final_stats=1 -artifact_prefix="$crashes/$t-" \
       "$work" tests/fuzz/corpus/"$t" tests/fuzz/regressions/"$t" >"$work.log" 2>&1; then
    echo "fuzz $t: $(grep -E '^stat::number_of_executed_units' "$work.log" | awk '{print $2}') runs, no finding"
  else
    echo "fuzz $t: FAILED"; tail -n 60 "$work.log"
    failed+=("$t")
  fi
  rm -rf "$work" "$work.log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs under $crashes; add them to tests/fuzz/regressions/<target>/)"
  exit 1
fi
