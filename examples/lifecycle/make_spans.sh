#!/usr/bin/env bash
# make_spans.sh SOURCE.csv OUT_DIR COLUMN FACTOR: writes OUT_DIR/span-1.csv (the odd data rows of SOURCE) and
# OUT_DIR/span-2.csv (the even data rows, with COLUMN multiplied by FACTOR: a deliberate drift validation reports).
# Plain numeric CSV without quoted commas (as examples/data/*.csv).
set -euo pipefail
if [[ $# -ne 4 ]]; then
  echo "usage: $0 SOURCE.csv OUT_DIR COLUMN FACTOR" >&2
  exit 2
fi
src=$1 out=$2 column=$3 factor=$4
[[ -r $src ]] || { echo "$0: cannot read $src" >&2; exit 2; }
mkdir -p "$out"
awk -F, -v OFS=, -v out="$out" -v column="$column" -v factor="$factor" '
  NR == 1 {
    for (i = 1; i <= NF; ++i) { h = $i; gsub(/"/, "", h); if (h == column) c = i }
    if (!c) { print "make_spans.sh: no column \"" column "\" in the header" > "/dev/stderr"; exit 2 }
    print > (out "/span-1.csv.tmp"); print > (out "/span-2.csv.tmp"); next
  }
  NR % 2 == 0 { print > (out "/span-1.csv.tmp"); next }
  { $c = sprintf("%.6g", $c * factor); print > (out "/span-2.csv.tmp") }
' "$src"
# renamed only when complete, so a reader never sees half a span
mv "$out/span-1.csv.tmp" "$out/span-1.csv"
mv "$out/span-2.csv.tmp" "$out/span-2.csv"
