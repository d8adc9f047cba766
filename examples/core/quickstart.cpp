// Quickstart: a pipeline of your own stages, checked at compile time and run with a command line.
//
//   read ──> summarize ──> report
//     │                      ▲
//     └────> count ──────────┘
//
// `read` loads the rows of a CSV file (path as the first argument), `summarize` averages each numeric column,
// `count` counts rows per value of the last column, `report` prints both. Try:
//   example_quickstart examples/data/iris.csv --list
//   example_quickstart examples/data/iris.csv --set summarize.digits=4
//   example_quickstart examples/data/iris.csv --dot | dot -Tsvg > dag.svg
#include <mlpipe/core.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mp = mlpipe;

struct rows {  // what `read` gives: a header and the cells of each row
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;
};

struct load_rows {
  std::string path;
  MLPIPE_PARAMETERS(path);
  static constexpr std::string_view name = "read";
  rows operator()(mp::context& ctx) const {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open '" + path + "'");
    rows r;
    std::string line;
    for (std::size_t n = 0; std::getline(in, line); ++n) {
      std::vector<std::string> fields;
      std::stringstream ss(line);
      for (std::string f; std::getline(ss, f, ',');) fields.push_back(f);
      if (n == 0) {
        r.header = fields;
      } else if (fields.size() != r.header.size()) {
        throw std::runtime_error(path + ":" + std::to_string(n + 1) + ": expected " +
                                 std::to_string(r.header.size()) + " fields, found " + std::to_string(fields.size()));
      } else {
        r.cells.push_back(std::move(fields));
      }
    }
    ctx.record("rows", r.cells.size());
    ctx.log("read " + std::to_string(r.cells.size()) + " rows from " + path);
    return r;
  }
};

struct means {  // what `summarize` gives
  std::map<std::string, double> by_column;
  int digits = 2;
};

struct summarize {
  int digits = 2;
  MLPIPE_PARAMETERS(digits);
  static constexpr std::string_view name = "summarize";
  means operator()(const rows& r) const {
    means m{.by_column = {}, .digits = digits};
    for (std::size_t c = 0; c + 1 < r.header.size(); ++c) {
      double sum = 0;
      for (auto& row : r.cells) sum += std::stod(row[c]);
      m.by_column[r.header[c]] = r.cells.empty() ? 0.0 : sum / static_cast<double>(r.cells.size());
    }
    return m;
  }
};

struct counts {  // what `count` gives
  std::map<std::string, std::size_t> by_value;
};

struct count {
  static constexpr std::string_view name = "count";
  counts operator()(const rows& r) const {
    counts c;
    for (auto& row : r.cells) ++c.by_value[row.back()];
    return c;
  }
};

struct report {
  static constexpr std::string_view name = "report";
  std::string operator()(const means& m, const counts& c) const {
    std::string s;
    for (auto& [col, v] : m.by_column) s += "mean " + col + " = " + std::to_string(v).substr(0, 3 + m.digits) + "\n";
    for (auto& [val, n] : c.by_value) s += "rows with " + val + ": " + std::to_string(n) + "\n";
    return s;
  }
};

int main(int argc, char** argv) {
  std::string path = argc > 1 && argv[1][0] != '-' ? argv[1] : "examples/data/iris.csv";
  auto p = mp::pipeline("quickstart",
                        mp::node<"read">(load_rows{.path = path}),
                        mp::node<"summarize">(summarize{}) << mp::from<"read">,
                        mp::node<"count">(count{}) << mp::from<"read">,
                        mp::node<"report">(report{}) << mp::from<"summarize", "count">);
  // The command line takes the path first when given, then mlpipe's own options.
  int shift = argc > 1 && argv[1][0] != '-' ? 1 : 0;
  std::vector<const char*> args{argv[0]};
  args.insert(args.end(), argv + 1 + shift, argv + argc);
  auto m = mp::run_main(p, static_cast<int>(args.size()), args.data());
  if (m.run && m.run->ok()) std::fputs(m.run->get<"report">().c_str(), stdout);  // outputs by node name
  return m.exit_code;
}
