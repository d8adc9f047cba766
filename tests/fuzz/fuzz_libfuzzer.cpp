// tests/fuzz/fuzz_libfuzzer.cpp: every fuzz target in one libFuzzer executable (one compile instead of one per
// target); MLPIPE_FUZZ_TARGET in the environment names the one to run (scripts/fuzz.sh sets it).
#include "all_targets.inc"

namespace {
mlpipe::fuzz::target_fn chosen = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* name = std::getenv("MLPIPE_FUZZ_TARGET");
  auto it = name ? mlpipe::fuzz::targets().find(name) : mlpipe::fuzz::targets().end();
  if (it == mlpipe::fuzz::targets().end()) {
    std::string known;
    for (auto& [n, f] : mlpipe::fuzz::targets()) known += " " + n;
    std::fprintf(stderr, "mlpipe_fuzz: set MLPIPE_FUZZ_TARGET to one of:%s\n", known.c_str());
    std::exit(2);
  }
  chosen = it->second;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { return chosen(data, size); }
