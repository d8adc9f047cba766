// Data-parallel statistics: under mpirun -np 2 and 3 every rank reads its own shard of one CSV file and the
// merged statistics equal one process's over the whole file (counts, missing, min, max, zeros and value counts
// exactly; mean and variance to 1e-12 relative; quantiles within the sketch's stated error), also when a shard
// boundary falls inside a quoted field holding newlines and when a rank's shard has no rows.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <sstream>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/parallel/statistics.hpp>

#include "common.hpp"

using namespace mlpipe;
using test::rank;
using test::ranks;
using test::world;

namespace {

/// Checks merged statistics against one process's over the same file, and quantiles against the exact values.
void check_equal(const split_statistics& got, const split_statistics& one, const table& whole) {
  REQUIRE(got.rows == one.rows);
  REQUIRE(got.columns.size() == one.columns.size());
  for (std::size_t i = 0; i < one.columns.size(); ++i) {
    const auto& a = got.columns[i];
    const auto& b = one.columns[i];
    CAPTURE(b.name());
    CHECK(a.name() == b.name());
    CHECK(a.kind() == b.kind());
    CHECK(a.rows() == b.rows());
    CHECK(a.missing() == b.missing());
    if (b.is_numeric()) {
      CHECK(a.zeros() == b.zeros());
      CHECK(a.nan_count() == b.nan_count());
      CHECK(a.inf_count() == b.inf_count());
      CHECK(a.finite() == b.finite());
      CHECK(a.min() == b.min());
      CHECK(a.max() == b.max());
      CHECK(test::close_rel(a.mean(), b.mean(), 1e-12));
      CHECK(test::close_rel(a.std_dev() * a.std_dev(), b.std_dev() * b.std_dev(), 1e-12));
      // each quantile's true rank in the data is within the merged sketch's stated rank error
      std::vector<double> v;
      const column& c = whole.col(b.name());
      for (std::size_t r = 0; r < c.size(); ++r)
        if (c.is_valid(r) && std::isfinite(c.values()[r])) v.push_back(c.values()[r]);
      std::sort(v.begin(), v.end());
      const double n = static_cast<double>(v.size());
      for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
        double x = a.quantile(q);
        double lo = static_cast<double>(std::lower_bound(v.begin(), v.end(), x) - v.begin());
        double hi = static_cast<double>(std::upper_bound(v.begin(), v.end(), x) - v.begin());
        double target = q * (n - 1);
        double off = target < lo ? lo - target : target > hi ? target - hi : 0.0;
        CAPTURE(q);
        CHECK(off <= a.sketch().rank_error() * n + 1);
      }
    } else {
      CHECK(a.values().all() == b.values().all());
      CHECK(a.average_length() == b.average_length());
    }
  }
}

std::string mixed_csv(std::size_t rows, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(100.0, 15.0);
  std::ostringstream o;
  o.precision(17);
  o << "x,count,color,note,y\n";
  const char* colors[] = {"red", "green", "blue", "cyan"};
  for (std::size_t r = 0; r < rows; ++r) {
    if (rng() % 17 == 0) o << "NA";
    else o << nd(rng);
    o << ',' << (rng() % 5 == 0 ? 0 : rng() % 1000) << ',' << colors[rng() % 4] << ',';
    switch (rng() % 4) {  // free text: quoted commas, quoted newlines, doubled quotes
      case 0: o << "\"a, b\""; break;
      case 1: o << "\"line one\nline two\""; break;
      case 2: o << "\"say \"\"hi\"\"\""; break;
      default: o << "plain" << r % 50;
    }
    o << ',' << (rng() % 2) << '\n';
  }
  return o.str();
}

}  // namespace

TEST_CASE("statistics of one CSV over the ranks equal one process's over the whole file") {
  auto dir = test::shared_dir("stats");
  auto file = dir / "mixed.csv";
  test::write_once(file, mixed_csv(20000, 7));
  statistics_options opt;
  parallel::shard_info info;
  auto got = parallel::file_statistics(world(), file, "all", opt, std::size_t{1} << 16, 1, {}, true, &info);
  auto one = parallel::file_statistics(nullptr, file, "all", opt);
  CHECK(info.total_rows == 20000);
  if (ranks() > 1) CHECK(info.rows < 20000);  // no rank holds the whole table
  check_equal(got, one, read_csv(file));
  // the shards partition the rows in file order: first rows are the exclusive prefix sum of the counts
  if (world()) {
    auto all = world()->all_gather(std::to_string(info.first_row) + " " + std::to_string(info.rows));
    std::uint64_t expect = 0;
    for (auto& s : all) {
      std::istringstream in(s);
      std::uint64_t first = 0, rows = 0;
      in >> first >> rows;
      CHECK(first == expect);
      expect += rows;
    }
    CHECK(expect == 20000);
  }
}

TEST_CASE("a shard boundary inside a quoted field holding newlines (that look like rows) is resolved") {
  auto dir = test::shared_dir("quoted");
  auto file = dir / "quoted.csv";
  // Each row's quoted note spans most of the row's bytes and its lines look like rows of the same file, so a
  // boundary guessed at the next line end parses "fine" and only the verification finds it wrong.
  std::ostringstream o;
  o << "id,note,v\n";
  for (int r = 0; r < 40; ++r) {
    o << r << ",\"";
    for (int l = 0; l < 30; ++l) o << "\n" << 1000 + l << ",fake," << l;
    o << "\"," << r * 0.5 << "\n";
  }
  test::write_once(file, o.str());
  parallel::shard_info info;
  auto got = parallel::file_statistics(world(), file, "q", {}, std::size_t{1} << 12, 1, {}, true, &info);
  auto one = parallel::file_statistics(nullptr, file, "q", {});
  check_equal(got, one, read_csv(file));
  CHECK(info.total_rows == 40);
  if (ranks() > 1) CHECK(info.rounds >= 2);  // some rank's guess was inside a quote and was read again
}

TEST_CASE("a rank whose shard has no rows contributes nothing, and the statistics stay equal") {
  auto dir = test::shared_dir("empty_shard");
  auto file = dir / "tail.csv";
  // a few short rows, then one row holding nearly all bytes: the last ranks' ranges hold no row start
  std::ostringstream o;
  o << "k,text,z\n";
  for (int r = 0; r < 5; ++r) o << "a" << r << ",short," << r << "\n";
  o << "big,\"" << std::string(20000, 'x') << "\n" << std::string(20000, 'y') << "\",99\n";
  test::write_once(file, o.str());
  parallel::shard_info info;
  auto got = parallel::file_statistics(world(), file, "t", {}, std::size_t{1} << 12, 1, {}, true, &info);
  auto one = parallel::file_statistics(nullptr, file, "t", {});
  check_equal(got, one, read_csv(file));
  CHECK(info.total_rows == 6);
  if (ranks() > 1 && rank() == ranks() - 1) CHECK(info.rows == 0);
}

TEST_CASE("an error in a shard names the rank and the file's true line on every rank") {
  auto dir = test::shared_dir("bad_value");
  auto file = dir / "bad.csv";
  std::ostringstream o;
  o << "a,b\n";
  for (int r = 0; r < 3000; ++r) o << r << "," << (r == 2900 ? std::string("oops") : std::to_string(r)) << "\n";
  test::write_once(file, o.str());
  try {
    (void)parallel::file_statistics(world(), file, "bad", {}, std::size_t{1} << 12);
    FAIL("no error");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    CAPTURE(msg);
    CHECK(msg.find(file.string() + ":2902:") != std::string::npos);  // header + 2901 rows before it
    if (ranks() > 1) CHECK(msg.find("rank " + std::to_string(ranks() - 1) + ": ") == 0);
  }
}

TEST_CASE("a rank that cannot open its files makes every rank fail, naming that rank and file") {
  auto dir = test::shared_dir("span");
  std::vector<std::filesystem::path> files;
  for (int r = 0; r < ranks(); ++r) {
    files.push_back(dir / ("part-" + std::to_string(r) + ".csv"));
    test::write_once(files.back(), "a,b\n1,2\n3,4\n");
  }
  files.push_back(dir / "missing.csv");  // the last rank's second file (one process: its last file)
  try {
    (void)parallel::read_file_shard(
        world(), files, {}, std::size_t{1} << 16, [] { return 0; }, [](int& n, const table& t) { n += int(t.rows()); });
    FAIL("no error");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    CAPTURE(msg);
    CHECK(msg.find("missing.csv") != std::string::npos);
    if (ranks() > 1) CHECK(msg.find("rank " + std::to_string(ranks() - 1) + ": ") == 0);
  }
}

TEST_CASE("span files: each rank reads its own files; merged statistics equal one process's") {
  auto dir = test::shared_dir("span_ok");
  std::vector<std::filesystem::path> files;
  std::string all = "x,count,color,note,y\n";
  for (int f = 0; f < 5; ++f) {
    auto text = mixed_csv(500, 100 + static_cast<unsigned>(f));
    files.push_back(dir / ("span-" + std::to_string(f) + ".csv"));
    test::write_once(files.back(), text);
    all += text.substr(text.find('\n') + 1);
  }
  test::write_once(dir / "all.csv", all);
  auto [b, info] = parallel::read_file_shard(
      world(), files, {}, std::size_t{1} << 16, [] { return statistics_builder("s"); },
      [](statistics_builder& s, const table& t) { s.add(table_view(t)); });
  auto local = std::move(b).finish();
  auto got = world() ? merge_statistics(*world(), local) : local;
  check_equal(got, parallel::file_statistics(nullptr, dir / "all.csv", "s", {}), read_csv(dir / "all.csv"));
  CHECK(info.total_rows == 2500);
}

TEST_CASE("without mpirun (MPI not initialised) or in a world of one, work falls back to one process") {
  if (!test::world()) CHECK_FALSE(parallel::world().has_value());
  auto dir = test::shared_dir("fallback");
  auto file = dir / "f.csv";
  test::write_once(file, mixed_csv(300, 3));
  parallel::shard_info info;
  auto s = parallel::file_statistics(nullptr, file, "f", {}, std::size_t{1} << 16, 1, {}, true, &info);
  CHECK(info.rows == 300);
  CHECK(info.first_row == 0);
  CHECK(s.rows == 300);
}
