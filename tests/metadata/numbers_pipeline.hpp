// tests/metadata/numbers_pipeline.hpp: a small real pipeline (file -> scale -> sum, plus count) for the recorder,
// caching, concurrency and kill -9 tests. Stage calls are counted so tests can tell which nodes re-ran.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <mlpipe/core.hpp>

namespace numbers_test {

namespace fs = std::filesystem;

struct numbers {
  static constexpr std::string_view type_name = "Numbers";
  std::vector<long> values;
  void save(const fs::path& dir) const {
    std::ofstream f(dir / "values.txt");
    for (auto v : values) f << v << '\n';
  }
  static numbers load(const fs::path& dir) {
    std::ifstream f(dir / "values.txt");
    if (!f) throw std::runtime_error("no values.txt in " + dir.string());
    numbers n;
    long v;
    while (f >> v) n.values.push_back(v);
    return n;
  }
  std::uint64_t fingerprint() const {
    mlpipe::hasher h;
    for (auto v : values) h.update_value(v);
    return h.digest();
  }
};

inline std::mutex calls_mutex;
inline std::map<std::string, int> calls;  // node name -> executions in this process
inline void count(mlpipe::context& ctx) {
  std::lock_guard lk(calls_mutex);
  ++calls[std::string(ctx.node_name())];
}

struct read_numbers {
  std::string path;
  MLPIPE_PARAMETERS(path);
  static constexpr std::string_view name = "read_numbers";
  static constexpr int version = 1;
  static constexpr bool cacheable = false;  // it reads a file: always runs; downstream sees its fingerprint
  numbers operator()(mlpipe::context& ctx) const {
    count(ctx);
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read " + path);
    numbers n;
    long v;
    while (f >> v) n.values.push_back(v);
    ctx.record("rows", static_cast<std::int64_t>(n.values.size()));
    return n;
  }
};

struct scale {
  long factor = 2;
  MLPIPE_PARAMETERS(factor);
  static constexpr std::string_view name = "scale";
  static constexpr int version = 1;
  numbers operator()(const numbers& in, mlpipe::context& ctx) const {
    count(ctx);
    numbers r = in;
    for (auto& v : r.values) v *= factor;
    return r;
  }
};

struct sum {
  std::string label = "total";
  MLPIPE_PARAMETERS(label);
  static constexpr std::string_view name = "sum";
  static constexpr int version = 1;
  numbers operator()(const numbers& in, mlpipe::context& ctx) const {
    count(ctx);
    long s = 0;
    for (auto v : in.values) s += v;
    ctx.record("sum", static_cast<std::int64_t>(s));
    ctx.record("mean", in.values.empty() ? 0.0 : static_cast<double>(s) / static_cast<double>(in.values.size()));
    return numbers{{s}};
  }
};

struct count_rows {
  static constexpr std::string_view name = "count_rows";
  static constexpr int version = 1;
  numbers operator()(const numbers& in, mlpipe::context& ctx) const {
    count(ctx);
    return numbers{{static_cast<long>(in.values.size())}};
  }
};

inline auto make_pipeline(std::string file, long factor = 2, std::string name = "numbers") {
  return mlpipe::pipeline(std::move(name), mlpipe::node<"read">(read_numbers{std::move(file)}),
                          mlpipe::node<"scale">(scale{factor}) << mlpipe::from<"read">,
                          mlpipe::node<"sum">(sum{}) << mlpipe::from<"scale">,
                          mlpipe::node<"count">(count_rows{}) << mlpipe::from<"read">);
}

inline void write_numbers(const fs::path& file, const std::vector<long>& v) {
  std::ofstream f(file);
  for (auto x : v) f << x << '\n';
}

}  // namespace numbers_test
