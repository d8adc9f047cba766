#!/bin/sh
# Peak memory of streaming a ~1 GB CSV with a 128 MB budget (must stay <= budget + 64 MB), measured with
# GNU time. Uses `mlpipe stats` when it is built, and bench_csv_stream (for_each_chunk alone) in any case.
#   benchmarks/data/streaming_memory.sh BUILD_DIR [ROWS]
set -eu
build=${1:?usage: streaming_memory.sh BUILD_DIR [ROWS]}
rows=${2:-5000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/benchmarks/data/bench_csv_stream" --generate "$dir/big.csv" "$rows"
size=$(stat -c %s "$dir/big.csv")
echo "file: $size bytes, $rows rows x 20 columns; budget 128 MB (limit 192 MB peak RSS)"
measure() {
  /usr/bin/time -v "$@" >"$dir/out" 2>"$dir/time" || { cat "$dir/out" "$dir/time"; exit 1; }
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time")
  echo "  $(tail -n 1 "$dir/out" | cut -c1-100)"
  echo "  peak RSS: $((rss / 1024)) MB"
  [ "$rss" -le $(( (128 + 64) * 1024 )) ] || { echo "  FAIL: over budget + 64 MB"; exit 1; }
}
echo "for_each_chunk (bench_csv_stream):"
measure "$build/benchmarks/data/bench_csv_stream" "$dir/big.csv" 128
if [ -x "$build/tools/mlpipe" ]; then
  echo "mlpipe stats --memory-budget 128M --threads 1:"
  measure "$build/tools/mlpipe" stats "$dir/big.csv" --memory-budget 128M --threads 1 --json
fi
