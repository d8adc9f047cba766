#!/usr/bin/env bash
# Installs every Debian 12 package mlpipe needs to build, test, benchmark and run its demo.
# Idempotent: packages already installed are skipped, and apt is not touched when nothing is missing.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build make pkg-config time
  # header-only libraries the headers use
  libboost-dev librange-v3-dev xtensor-dev xtl-dev libxsimd-dev nlohmann-json3-dev libcli11-dev
  libtbb-dev libfmt-dev libspdlog-dev
  # optional components: metadata backends and the model server
  libsqlite3-dev sqlite3 libmariadb-dev mariadb-server libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev
  libxgboost-dev
  # optional component: data-parallel runs over MPI
  libopenmpi-dev openmpi-bin
  # tests and benchmarks; clang-19 for the fuzz targets (libFuzzer is in libclang-rt-19-dev) and, with clang
  # (Clang 14), for the DSL's compile-fail tests, which check each compiler's diagnostics
  doctest-dev libbenchmark-dev clang-19 libclang-rt-19-dev clang
  # the web UI: Graphviz lays out DAGs; headless Chromium drives the UI tests
  graphviz chromium
  # engines the orchestration tests run for real (a private SLURM, on ports iproute2's ss finds free; cwltool)
  # and the export checks (YAML)
  slurm-wlm munge iproute2 cwltool python3-yaml
  # peers measured in tests and benchmarks (/usr/bin/python3)
  python3 python3-numpy python3-pandas python3-sklearn python3-xgboost wrk hyperfine
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# mariadb-server's postinst would start a system server; we run our own private one in tests.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
