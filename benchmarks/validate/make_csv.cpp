// Writes a large numeric CSV file for the streaming measurement of `mlpipe stats`:
//   bench_make_csv OUT.csv ROWS [COLS=20]   (about 18 bytes a field: 3M rows x 20 columns is about 1.1 GB)
#include <charconv>
#include <cstdio>
#include <random>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.csv ROWS [COLS]\n", argv[0]);
    return 2;
  }
  std::size_t rows = std::stoull(argv[2]), cols = argc > 3 ? std::stoull(argv[3]) : 20;
  std::FILE* f = std::fopen(argv[1], "wb");
  if (!f) return 2;
  std::string line;
  for (std::size_t c = 0; c < cols; ++c) {
    line += c ? ",c" : "c";
    line += std::to_string(c);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), f);
  std::mt19937_64 g(99);
  std::normal_distribution<double> d(100.0, 25.0);
  char buf[64];
  for (std::size_t r = 0; r < rows; ++r) {
    line.clear();
    for (std::size_t c = 0; c < cols; ++c) {
      if (c) line += ',';
      auto res = std::to_chars(buf, buf + sizeof buf, d(g), std::chars_format::fixed, 12);
      line.append(buf, res.ptr);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), f);
  }
  return std::fclose(f) == 0 ? 0 : 2;
}
