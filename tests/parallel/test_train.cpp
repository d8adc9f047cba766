// Data-parallel training and evaluation: each rank holds only its shard; the split by global row number, the
// preprocessing fitted from merged statistics, Newton with summed gradient and X^T W X give the weights one
// process gives (to 1e-10 of the largest weight) for logistic, softmax and linear regression; synchronous
// Adam reaches the same objective; confusion counts and ROC AUC merge exactly.
#include <doctest/doctest.h>

#include <random>
#include <sstream>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/data/split.hpp>
#include <mlpipe/parallel/metrics.hpp>
#include <mlpipe/parallel/shard.hpp>
#include <mlpipe/parallel/statistics.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_from_statistics.hpp>
#include <mlpipe/validate/schema.hpp>

#include "common.hpp"

using namespace mlpipe;
using test::rank;
using test::ranks;
using test::world;

namespace {

std::string training_csv(std::size_t rows, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  std::ostringstream o;
  o.precision(17);
  o << "a,b,c,city,bin,cls,target\n";
  const char* cities[] = {"oslo", "rome", "lima", "kyiv", "pune"};
  for (std::size_t r = 0; r < rows; ++r) {
    double a = nd(rng) * 3 + 10, b = nd(rng), c = nd(rng) * 0.1;
    int city = static_cast<int>(rng() % 5);
    double z = 0.4 * (a - 10) - 1.2 * b + 3 * c + (city == 2 ? 1.0 : -0.3) + nd(rng);
    if (r % 23 == 5) o << "NA";
    else o << a;
    o << ',' << b << ',' << c << ',' << (r % 31 == 7 ? "" : cities[city]) << ',' << (z > 0 ? 1 : 0) << ','
      << (z < -1 ? "low" : z < 1 ? "mid" : "high") << ',' << 2 * a - b + 0.5 * z << '\n';
  }
  return o.str();
}

struct prepared {
  examples ex;
  transform_graph g;
  std::uint64_t first_row = 0;
};

/// This rank's shard split by global row number, the transform fitted from merged statistics (or, with no
/// world, the single-process path on the whole file).
prepared prepare(const collective* c, const std::filesystem::path& file, const std::string& label) {
  prepared p;
  split_options so{2, 1, "#row"};
  if (!c) {
    auto all = read_csv(file);
    auto [tr, ev] = split_table(all, so);
    p.ex.train = std::move(tr), p.ex.eval = std::move(ev);
  } else {
    auto [all, info] = parallel::read_shard(
        c, file, csv_options{}, std::size_t{1} << 16, [] { return std::optional<table>{}; },
        [](std::optional<table>& acc, const table& t) {
          if (!acc) acc = t;
          else acc->append(t);
        });
    auto [tr, ev] = split_table(*all, so, info.first_row);
    p.ex.train = std::move(tr), p.ex.eval = std::move(ev);
    p.first_row = info.first_row;
  }
  p.ex.label = label;
  auto tstats = compute_statistics(p.ex.train, "train");
  auto estats = compute_statistics(p.ex.eval, "eval");
  if (c) tstats = merge_statistics(*c, tstats), estats = merge_statistics(*c, estats);
  auto all = tstats;
  all.merge(estats);
  auto domains = schema_domains(infer_schema_from(all));
  domains.erase(label);
  std::vector<std::string> exclude;
  for (auto n : {"bin", "cls", "target"})
    if (n != label) exclude.push_back(n);
  p.g = c ? fit_default_transform_from_statistics(tstats, p.ex.train.names(), label, exclude, domains)
          : fit_transform_graph(default_ops(), p.ex.train, label, exclude, domains);
  return p;
}

template <class M>
model fit(const prepared& p, const collective* c, const std::string& solver) {
  train<M> t;
  t.solver = solver;
  t.l2 = 1e-3;
  t.epochs = 30;
  t.learning_rate = 0.05;
  context ctx;
  ctx.set_collective(c);
  return t.fit(p.ex.train, &p.ex.eval, p.g, p.ex.label, ctx);
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

void check_same_weights(const model& a, const model& b) {
  REQUIRE(a.weights.size() == b.weights.size());
  REQUIRE(a.bias.size() == b.bias.size());
  CHECK(a.classes == b.classes);
  CHECK(a.feature_names == b.feature_names);
  const double scale = std::max(max_abs(b.weights), max_abs(b.bias));
  double worst = 0;
  for (std::size_t i = 0; i < a.weights.size(); ++i) worst = std::max(worst, std::abs(a.weights[i] - b.weights[i]));
  for (std::size_t i = 0; i < a.bias.size(); ++i) worst = std::max(worst, std::abs(a.bias[i] - b.bias[i]));
  CAPTURE(worst);
  CAPTURE(scale);
  CHECK(worst <= 1e-10 * scale);
}

}  // namespace

TEST_CASE("Newton over the ranks' shards gives one process's weights (logistic, softmax, linear)") {
  auto dir = test::shared_dir("train");
  auto file = dir / "train.csv";
  test::write_once(file, training_csv(6000, 11));
  auto one_bin = prepare(nullptr, file, "bin");
  auto par_bin = prepare(world(), file, "bin");
  // the split by global row number is the one process's: the shards' train rows add up to its train split
  std::uint64_t train_rows = par_bin.ex.train.rows();
  if (world()) train_rows = world()->sum(train_rows);
  CHECK(train_rows == one_bin.ex.train.rows());
  if (ranks() > 1) CHECK(par_bin.ex.train.rows() < one_bin.ex.train.rows());
  // preprocessing fitted from merged statistics: the same features, vocabularies and affine maps
  REQUIRE(par_bin.g.width() == one_bin.g.width());
  for (std::size_t i = 0; i < one_bin.g.columns.size(); ++i) {
    const auto& a = par_bin.g.columns[i];
    const auto& b = one_bin.g.columns[i];
    CAPTURE(b.column);
    CHECK(a.column == b.column);
    CHECK(a.vocabulary == b.vocabulary);
    CHECK(a.fill == b.fill);
    auto fa = a.as_affine(), fb = b.as_affine();
    REQUIRE(fa.has_value() == fb.has_value());
    if (fa) {
      CHECK(test::close_rel(fa->fill, fb->fill, 1e-12));
      CHECK(test::close_rel(fa->scale, fb->scale, 1e-12));
      CHECK(test::close_rel(fa->shift, fb->shift, 1e-12));
    }
  }
  // train both from the single-process graph so the comparison isolates the solver's sums
  par_bin.g = one_bin.g;
  check_same_weights(fit<logistic_regression>(par_bin, world(), "newton"),
                     fit<logistic_regression>(one_bin, nullptr, "newton"));

  auto one_cls = prepare(nullptr, file, "cls");
  auto par_cls = prepare(world(), file, "cls");
  check_same_weights(fit<softmax_regression>(par_cls, world(), "newton"),
                     fit<softmax_regression>(one_cls, nullptr, "newton"));

  auto one_lin = prepare(nullptr, file, "target");
  auto par_lin = prepare(world(), file, "target");
  check_same_weights(fit<linear_regression>(par_lin, world(), "newton"),
                     fit<linear_regression>(one_lin, nullptr, "newton"));
}

TEST_CASE("synchronous data-parallel Adam reaches the Newton optimum's objective") {
  auto dir = test::shared_dir("adam");
  auto file = dir / "train.csv";
  test::write_once(file, training_csv(4000, 5));
  auto p = prepare(world(), file, "bin");
  auto newton = fit<logistic_regression>(p, world(), "newton");
  auto adam = fit<logistic_regression>(p, world(), "adam");
  double ln = newton.training["train_loss"].get<double>(), la = adam.training["train_loss"].get<double>();
  CAPTURE(ln);
  CAPTURE(la);
  CHECK(la <= ln * 1.02);
  CHECK(adam.training["rows"] == newton.training["rows"]);
}

TEST_CASE("confusion counts and ROC AUC merged over the ranks equal one process's exactly") {
  std::mt19937_64 rng(99);
  std::vector<int> y(5001), yp(5001);
  std::vector<double> score(5001);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = static_cast<int>(rng() % 3);
    yp[i] = rng() % 4 == 0 ? static_cast<int>(rng() % 3) : y[i];
    score[i] = std::round((y[i] == 1 ? 0.3 : 0.0) + static_cast<double>(rng() % 1000) / 1000.0 * 100) / 100;  // ties
  }
  // this rank's contiguous part (rank 0 of 3 may get more, the last may get none when ranks > rows)
  std::size_t n = y.size(), lo = n * static_cast<std::size_t>(rank()) / static_cast<std::size_t>(ranks()),
              hi = n * static_cast<std::size_t>(rank() + 1) / static_cast<std::size_t>(ranks());
  std::span<const int> ys(y.data() + lo, hi - lo), yps(yp.data() + lo, hi - lo);
  std::span<const double> ss(score.data() + lo, hi - lo);
  confusion_matrix local(ys, yps, 3);
  auto merged = world() ? parallel::merge_confusion(*world(), local) : local;
  CHECK(merged.counts() == confusion_matrix(y, yp, 3).counts());
  std::vector<int> ybin(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) ybin[i] = y[i] == 1;
  std::span<const int> yb(ybin.data() + lo, hi - lo);
  double auc = world() ? parallel::roc_auc(*world(), yb, ss) : roc_auc(yb, ss);
  CHECK(auc == roc_auc(ybin, score));  // bit for bit
}
