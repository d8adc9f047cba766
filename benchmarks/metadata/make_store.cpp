// metadata_make_store URL RUNS [ROOT]: fills a store with RUNS recorded runs (for the lineage benchmark and
// `mlpipe lineage` timings).
#include <cstdio>
#include <cstdlib>

#include <mlpipe/metadata/open.hpp>

#include "make_store.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: metadata_make_store URL RUNS [ROOT]\n");
    return 2;
  }
  try {
    auto s = mlpipe::metadata::open_store(argv[1]);
    bench_store::fill(*s, argc > 3 ? argv[3] : "/tmp/mlpipe-bench-artifacts", std::atol(argv[2]));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metadata_make_store: %s\n", e.what());
    return 1;
  }
}
