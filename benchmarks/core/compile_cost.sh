#!/usr/bin/env bash
# compile_cost: what a user's program costs to compile (CPU seconds = user + system, peak resident MB, from GNU
# time), side by side in one run, for g++ and clang++, in the default mode (libmlpipe linked: the headers hold
# declarations and templates) and the header-only mode (-DMLPIPE_HEADER_ONLY). Programs, each at -O2:
#   quickstart   examples/core/quickstart.cpp: a user's 4-node pipeline with mlpipe::main (<mlpipe/core.hpp>)
#   umbrella4    the same 4 nodes including the umbrella <mlpipe/mlpipe.hpp> instead
#   chainN       a generated N-node pipeline (default 100; a chain with fan-in every third node) with main
#   lifecycle    examples/lifecycle/lifecycle.cpp
#   syntax       `#include <mlpipe/mlpipe.hpp>` alone, -fsyntax-only
# Goals (issue 11, default mode): quickstart <= 3 s / 400 MB, umbrella4 <= 4 s / 500 MB, chain100 and lifecycle
# <= 10 s / 1 GB, syntax <= 3 s. Usage: compile_cost.sh [N] [CXX...]   (default compilers: g++ clang++)
# Env: PROGRAMS="quickstart syntax" to run a subset; MODES="default header_only"; MLPIPE_ROOT=another checkout
# (e.g. the main branch, for a before/after in one run).
set -euo pipefail
n=${1:-100}
shift || true
compilers=("$@")
[ ${#compilers[@]} -gt 0 ] || compilers=(g++ clang++)
programs=${PROGRAMS:-"quickstart umbrella4 chain$n lifecycle syntax"}
modes=${MODES:-"default header_only"}
root=${MLPIPE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
echo "work: $work" >&2

sed 's|#include <mlpipe/core.hpp>|#include <mlpipe/mlpipe.hpp>|' "$root/examples/core/quickstart.cpp" > "$work/umbrella4.cpp"
echo '#include <mlpipe/mlpipe.hpp>' > "$work/syntax.cpp"
{
  echo '#include <mlpipe/core.hpp>'
  echo 'namespace mp = mlpipe;'
  echo 'struct source { double start = 1; MLPIPE_PARAMETERS(start); double operator()() const { return start; } };'
  echo 'struct step { double a = 1.5; int k = 2; MLPIPE_PARAMETERS(a, k); double operator()(const double& x, mp::context& c) const { c.record("k", k); return x * a; } };'
  echo 'struct merge { double operator()(const double& x, const double& y) const { return x + y; } };'
  echo 'int main(int argc, char** argv) {'
  echo '  auto p = mp::pipeline("generated",'
  echo '    mp::node<"n0">(source{})'
  for ((i = 1; i < n; i++)); do
    if ((i % 3 == 0 && i >= 2)); then
      echo "    , mp::node<\"n$i\">(merge{}) << mp::from<\"n$((i - 1))\", \"n$((i - 2))\">"
    else
      echo "    , mp::node<\"n$i\">(step{}) << mp::from<\"n$((i - 1))\">"
    fi
  done
  echo '  );'
  echo '  return mp::main(p, argc, argv);'
  echo '}'
} > "$work/chain$n.cpp"

source_of() {
  case $1 in
    quickstart) echo "$root/examples/core/quickstart.cpp" ;;
    lifecycle) echo "$root/examples/lifecycle/lifecycle.cpp" ;;
    *) echo "$work/$1.cpp" ;;
  esac
}

echo "| program | compiler | mode | CPU s | peak MB |"
echo "| --- | --- | --- | --- | --- |"
for prog in $programs; do
  for cxx in "${compilers[@]}"; do
    for mode in $modes; do
      flags=(-std=c++20 -O2 -I"$root/include" -I/usr/include/mariadb)
      [ "$mode" = header_only ] && flags+=(-DMLPIPE_HEADER_ONLY)
      if [ "$prog" = syntax ]; then flags+=(-fsyntax-only); else flags+=(-c -o "$work/out.o"); fi
      if ! /usr/bin/time -f "%U %S %M" -o "$work/time.txt" "$cxx" "${flags[@]}" "$(source_of "$prog")" \
          > "$work/log.txt" 2>&1; then
        echo "| $prog | $cxx | $mode | failed: $(grep -m1 'error' "$work/log.txt" || true) | |"
        continue
      fi
      awk -v p="$prog" -v c="$cxx" -v m="$mode" '{ printf "| %s | %s | %s | %.1f | %d |\n", p, c, m, $1 + $2, $3 / 1024 }' \
        "$work/time.txt"
    done
  done
done
