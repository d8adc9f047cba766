#!/usr/bin/env bash
# The main job: installs what mlpipe needs, builds the demo and runs the whole life cycle on bundled data
# with SQLite metadata. Environment: MLPIPE_BUILD_ROOT (default ./build), MLPIPE_JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MLPIPE_BUILD_ROOT:-$PWD/build}
jobs=${MLPIPE_JOBS:-$(nproc)}
bash scripts/install-deps.sh
cmake -S . -B "$build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
if [[ -f examples/lifecycle/demo.sh ]]; then
  exec bash examples/lifecycle/demo.sh "$build/release" "$jobs"
fi
cmake --build "$build/release" -j "$jobs" --target example_quickstart
"$build/release/examples/core/example_quickstart" examples/data/iris.csv
