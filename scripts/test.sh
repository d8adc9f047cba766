#!/usr/bin/env bash
# Builds mlpipe and passes its tests, on a fresh Debian 12 machine as root (or with sudo):
#   1. installs the Debian packages it needs (scripts/install-deps.sh, idempotent);
#   2. a Release build with -Wall -Wextra -Wpedantic of every test, example, benchmark and the mlpipe command,
#      then the whole CTest suite (it starts and stops its own private MariaDB server);
#   3. the same suite again in an AddressSanitizer + UndefinedBehaviorSanitizer build;
#   4. the fuzz targets (libFuzzer, clang-19, ASan+UBSan; a small build of those alone), 8 s each;
#   5. three tests under ThreadSanitizer (a small build of those alone): the parallel runner, the server under
#      concurrent requests with hot reload, concurrent recording.
# Environment: MLPIPE_BUILD_ROOT (default ./build), MLPIPE_JOBS (default: cores), MLPIPE_SKIP_SANITIZE=1 (skips
# 3-5), MLPIPE_FUZZ_SECONDS (per target, default 8), MLPIPE_SANITIZE_FLAGS (3 and 5; default "-O0 -g0" for 3,
# "-O1 -g0" for 5).
# A full run takes about 40 minutes on 2 cores, most of it compiling (the plain and the ASan build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${MLPIPE_BUILD_ROOT:-$root/build}
jobs=${MLPIPE_JOBS:-$(nproc)}
start=$(date +%s)

bash scripts/install-deps.sh

step() { printf '\n== %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "Release build"
cmake -S . -B "$build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLPIPE_BUILD_BENCHMARKS=ON
cmake --build "$build/release" -j "$jobs"
step "tests (Release)"
ctest --test-dir "$build/release" --output-on-failure -j "$jobs" --timeout 600

if [[ ${MLPIPE_SKIP_SANITIZE:-0} != 1 ]]; then
  step "ASan+UBSan build"
  # -O0 and no debug info: this is the longest build, and -O1 costs 40% more compile time than -O0 (more than
  # the slower tests give back); debug info adds a quarter. Reports still name each frame's function, and
  # UBSan's its file:line; for line numbers in ASan frames rebuild with MLPIPE_SANITIZE_FLAGS="-O1 -g1".
  cmake -S . -B "$build/sanitize" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="${MLPIPE_SANITIZE_FLAGS:--O0 -g0}" \
    -DMLPIPE_SANITIZE=ON -DMLPIPE_BUILD_BENCHMARKS=OFF -DMLPIPE_BUILD_EXAMPLES=OFF
  cmake --build "$build/sanitize" -j "$jobs"
  step "tests (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$build/sanitize" --output-on-failure -j "$jobs" --timeout 900

  step "fuzz targets build (clang-19, libFuzzer + ASan + UBSan)"
  cmake -S . -B "$build/fuzz" -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 -DMLPIPE_FUZZ=ON -DMLPIPE_BUILD_TESTS=OFF \
    -DMLPIPE_BUILD_EXAMPLES=OFF -DMLPIPE_BUILD_BENCHMARKS=OFF -DMLPIPE_BUILD_TOOLS=OFF
  cmake --build "$build/fuzz" -j "$jobs"
  step "fuzzing"
  bash scripts/fuzz.sh "$build/fuzz" "${MLPIPE_FUZZ_SECONDS:-8}"

  step "ThreadSanitizer build (three tests)"
  cmake -S . -B "$build/tsan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="${MLPIPE_SANITIZE_FLAGS:--O1 -g0}" -DMLPIPE_TSAN=ON \
    -DMLPIPE_BUILD_BENCHMARKS=OFF -DMLPIPE_BUILD_EXAMPLES=OFF -DMLPIPE_BUILD_TOOLS=OFF
  tsan_tests=(test_core test_deploy_server test_metadata_threads)
  cmake --build "$build/tsan" -j "$jobs" --target "${tsan_tests[@]}"
  step "tests (ThreadSanitizer)"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir "$build/tsan" --output-on-failure --timeout 900 -R "^($(IFS='|'; echo "${tsan_tests[*]}"))\$"
fi
step "all tests passed"
