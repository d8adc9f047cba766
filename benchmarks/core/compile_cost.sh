#!/usr/bin/env bash
# compile_cost: generates a pipeline of N nodes (default 100: a chain with fan-in every third node, the
# whole DSL: checks, run(), run_node, drawing, the command line) and measures its compile time and peak
# memory with GNU time. Goal: <= 10 s and <= 1 GiB on 2 cores. Usage: compile_cost.sh [N] [CXX]
set -euo pipefail
n=${1:-100}
cxx=${2:-g++}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT; echo "work: $work" >&2
src=$work/pipeline_$n.cpp
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
} > "$src"
/usr/bin/time -v "$cxx" -std=c++20 -O2 -I"$root/include" -c "$src" -o "$work/p.o" 2> "$work/time.txt"
secs=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
user=$(grep "User time" "$work/time.txt" | awk '{print $NF}')
kb=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
# the same includes with a 2-node pipeline: what the DSL costs beyond its headers
{
  echo '#include <mlpipe/core.hpp>'
  echo 'namespace mp = mlpipe;'
  echo 'struct source { double start = 1; MLPIPE_PARAMETERS(start); double operator()() const { return start; } };'
  echo 'struct step { double operator()(const double& x) const { return x; } };'
  echo 'int main(int argc, char** argv) { auto p = mp::pipeline(mp::node<"a">(source{}), mp::node<"b">(step{}) << mp::from<"a">); return mp::main(p, argc, argv); }'
} > "$work/small.cpp"
/usr/bin/time -v "$cxx" -std=c++20 -O2 -I"$root/include" -c "$work/small.cpp" -o "$work/s.o" 2> "$work/time2.txt"
base_user=$(grep "User time" "$work/time2.txt" | awk '{print $NF}')
base_kb=$(grep "Maximum resident set size" "$work/time2.txt" | awk '{print $NF}')
echo "{\"nodes\": $n, \"compiler\": \"$cxx\", \"wall\": \"$secs\", \"user_seconds\": $user, \"peak_rss_mib\": $((kb / 1024)), \"two_node_user_seconds\": $base_user, \"two_node_peak_rss_mib\": $((base_kb / 1024))}"
