// metadata_writer STORE_URL ROOT RUNS [--fresh]: records RUNS runs of a small pipeline (RUNS = 0: forever).
// --fresh gives every run a new input file, so nothing is served from the cache. Used by the tests that run
// 8 writers at once and kill -9 a writer at random points. Exits 0 when every run completed.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/recorder.hpp>

#include "numbers_pipeline.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: metadata_writer STORE_URL ROOT RUNS [--fresh]\n");
    return 2;
  }
  try {
    std::string url = argv[1];
    std::filesystem::path root = argv[2];
    long runs = std::atol(argv[3]);
    bool fresh = argc > 4 && std::string(argv[4]) == "--fresh";
    auto store = mlpipe::metadata::open_store(url);
    mlpipe::metadata::recorder rec(*store, root);
    std::filesystem::create_directories(root);
    auto input = root / ("input-" + std::to_string(::getpid()) + ".txt");
    for (long i = 0; runs == 0 || i < runs; ++i) {
      numbers_test::write_numbers(input, {1, 2, 3, fresh ? static_cast<long>(::getpid()) * 100000 + i : 4});
      auto p = numbers_test::make_pipeline(input.string(), 3, "writer");
      auto r = mlpipe::run(p, {.observer = &rec});
      if (!r.ok()) {
        std::fprintf(stderr, "metadata_writer: run %ld failed: %s\n", i, r.summary().c_str());
        return 1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "metadata_writer: %s\n", e.what());
    return 1;
  }
}
