// tests/fuzz/fuzz_replay.cpp: every fuzz target built without libFuzzer, in one executable:
// `fuzz_replay TARGET DIR...` runs TARGET on each file of the DIRs (its seed corpus and the inputs that once
// crashed it), so they are ordinary tests of every build, sanitized or not.
#include "all_targets.inc"

#include <algorithm>
#include <iostream>
#include <iterator>
#include <vector>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 3) {
    std::cerr << "usage: fuzz_replay TARGET DIR...\n";
    return 2;
  }
  auto it = mlpipe::fuzz::targets().find(argv[1]);
  if (it == mlpipe::fuzz::targets().end()) {
    std::cerr << "fuzz_replay: no target '" << argv[1] << "'\n";
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i)
    if (fs::is_directory(argv[i]))
      for (const auto& e : fs::directory_iterator(argv[i]))
        if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "fuzz_replay: no inputs for '" << argv[1] << "'\n";
    return 2;
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cerr << "  " << f.filename().string() << " (" << bytes.size() << " bytes)\n";
    it->second(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::cout << argv[1] << ": " << files.size() << " inputs passed\n";
  return 0;
}
