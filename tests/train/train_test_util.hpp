// Helpers for the training tests: the bundled data sets, a fixed 2:1 split, and small metric helpers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/model.hpp>

namespace train_test {

inline mlpipe::table load(const std::string& name) {
  return mlpipe::read_csv(std::filesystem::path(MLPIPE_DATA_DIR) / (name + ".csv"));
}

/// fair.csv with the label `had_affair` = (affairs > 0) in place of affairs.
inline mlpipe::table fair_binary() {
  auto t = load("fair");
  std::vector<double> y;
  for (double a : t.col("affairs").values()) y.push_back(a > 0 ? 1.0 : 0.0);
  t.remove("affairs");
  t.add(mlpipe::column::numeric("had_affair", std::move(y)));
  return t;
}

/// Rows i % 3 == 2 go to eval, the others to train (iris is sorted by class: every class is in both).
inline void split_rows(std::size_t n, std::vector<std::size_t>& train, std::vector<std::size_t>& eval) {
  train.clear(), eval.clear();
  for (std::size_t i = 0; i < n; ++i) (i % 3 == 2 ? eval : train).push_back(i);
}

inline mlpipe::examples split(const mlpipe::table& t, const std::string& label, std::vector<std::size_t>* tr_out = nullptr,
                              std::vector<std::size_t>* ev_out = nullptr) {
  std::vector<std::size_t> tr, ev;
  split_rows(t.rows(), tr, ev);
  mlpipe::examples e;
  e.train = t.take(tr);
  e.eval = t.take(ev);
  e.label = label;
  if (tr_out) *tr_out = tr;
  if (ev_out) *ev_out = ev;
  return e;
}

inline std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("mlpipe_test_train_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline void write_rows(const std::filesystem::path& f, const std::vector<std::size_t>& rows) {
  std::ofstream out(f);
  for (auto r : rows) out << r << '\n';
}

inline std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

/// The largest difference between two models' weights and biases (same shapes required).
inline double max_weight_diff(const mlpipe::model& a, const mlpipe::model& b) {
  REQUIRE(a.weights.size() == b.weights.size());
  REQUIRE(a.bias.size() == b.bias.size());
  double m = 0;
  for (std::size_t i = 0; i < a.weights.size(); ++i) m = std::max(m, std::abs(a.weights[i] - b.weights[i]));
  for (std::size_t i = 0; i < a.bias.size(); ++i) m = std::max(m, std::abs(a.bias[i] - b.bias[i]));
  return m;
}

}  // namespace train_test
