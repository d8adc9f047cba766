// Tests of mlpipe/data/table.hpp: columns, views and blocks, save/load and fingerprints.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

#include <unistd.h>

#include <range/v3/algorithm/count_if.hpp>
#include <range/v3/range/conversion.hpp>

#include <mlpipe/core/artifact.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/data/table_views.hpp>

namespace fs = std::filesystem;
using mlpipe::column;
using mlpipe::column_kind;
using mlpipe::table;

namespace {
fs::path temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("mlpipe_test_data_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

table sample_table(std::size_t n = 1000) {
  std::mt19937_64 rng(7);
  std::vector<double> x(n);
  std::vector<std::optional<std::string>> c(n), s(n);
  const char* cats[] = {"red", "green", "blue"};
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = (i % 17 == 0) ? std::numeric_limits<double>::quiet_NaN() : std::ldexp(double(rng() % 100000), -7);
    if (i % 11 != 0) c[i] = cats[rng() % 3];
    if (i % 13 != 0) s[i] = "text " + std::to_string(rng() % 1000) + (i % 5 ? "" : ", with \"quotes\"");
  }
  table t;
  t.add(column::numeric("x", x));
  t.add(column::categorical("color", c));
  t.add(column::strings("note", s));
  return t;
}
}  // namespace

TEST_CASE("columns keep kinds, missing values and values") {
  auto t = sample_table(100);
  CHECK(t.rows() == 100);
  CHECK(t.num_columns() == 3);
  CHECK(t.names() == std::vector<std::string>{"x", "color", "note"});
  auto& x = t.col("x");
  CHECK(x.kind() == column_kind::numeric);
  CHECK(x.missing_count() == 6);  // rows 0, 17, ..., 85
  CHECK_FALSE(x.is_valid(17));
  CHECK(std::isnan(x.values()[17]));  // missing numeric rows hold NaN
  CHECK(x.validity().size() == 2);
  auto& c = t.col("color");
  CHECK(c.kind() == column_kind::categorical);
  CHECK(c.codes()[0] == column::missing_code);
  CHECK(c.dictionary().size() == 3);
  CHECK(t.col("note").str(0).empty());
  CHECK_FALSE(t.col("note").is_valid(0));
  CHECK(t.col("note").is_valid(1));
  CHECK(t.col(1).name() == "color");
  auto xt = x.as_xtensor();
  CHECK(xt.size() == 100);
  CHECK(xt(1) == x.values()[1]);
}

TEST_CASE("wrong kind, unknown names, duplicates and length mismatches are errors naming the column") {
  auto t = sample_table(10);
  CHECK_THROWS_WITH_AS(t.col("nope"), doctest::Contains("no column named 'nope'"), mlpipe::table_error);
  CHECK_THROWS_WITH_AS(t.col("color").values(), doctest::Contains("column 'color' is categorical, not numeric"),
                       mlpipe::table_error);
  CHECK_THROWS_WITH_AS(t.add(column::numeric("x", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})),
                       doctest::Contains("duplicate column name 'x'"), mlpipe::table_error);
  CHECK_THROWS_WITH_AS(t.add(column::numeric("y", {1, 2})), doctest::Contains("has 2 rows, the table has 10"),
                       mlpipe::table_error);
  CHECK_THROWS_AS(column::categorical("k", {0, 5}, {"a"}), mlpipe::table_error);  // code outside dictionary
  CHECK_FALSE(t.index_of("nope").has_value());
  CHECK(t.index_of("note") == 2);
}

TEST_CASE("views and blocks cover the rows without copying") {
  auto t = sample_table(1000);
  auto v = t.view(100, 300);
  CHECK(v.rows() == 200);
  CHECK(v.col("x").values().data() == t.col("x").values().data() + 100);
  CHECK(v.col("note").str(5) == t.col("note").str(105));
  CHECK(v.col("color").codes()[7] == t.col("color").codes()[107]);
  // missing counts of views add up to the column's
  std::size_t rows = 0, missing = 0, blocks = 0;
  for (auto b : t.blocks(64 * 3 + 5)) {
    rows += b.rows();
    missing += b.col("x").missing_count();
    ++blocks;
  }
  CHECK(rows == 1000);
  CHECK(blocks == (1000 + 196) / 197);
  CHECK(missing == t.col("x").missing_count());
  // validity words of a view: bit (offset + i) is row i
  auto cv = t.view(130, 200).col("x");
  for (std::size_t i = 0; i < cv.size(); ++i) {
    std::size_t bit = cv.validity_bit_offset() + i;
    CHECK(((cv.validity()[bit / 64] >> (bit % 64)) & 1u) == (cv.is_valid(i) ? 1u : 0u));
  }
  auto sizes = t.blocks(300) | ranges::views::transform([](auto b) { return b.rows(); }) | ranges::to<std::vector>();
  CHECK(sizes == std::vector<std::size_t>{300, 300, 300, 100});
  CHECK(t.view(10, 20).to_table() == t.slice(10, 20));
  CHECK_THROWS_AS(t.view(5, 1001), mlpipe::table_error);
}

TEST_CASE("append, slice and take keep values and merge dictionaries by value") {
  table a, b;
  a.add(column::categorical("c", std::vector<std::optional<std::string>>{"x", "y"}));
  b.add(column::categorical("c", std::vector<std::optional<std::string>>{"z", std::nullopt, "x"}));
  a.append(b);
  CHECK(a.rows() == 5);
  CHECK(a.col("c").category(2) == "z");
  CHECK(a.col("c").category(4) == "x");
  CHECK_FALSE(a.col("c").is_valid(3));
  std::vector<std::size_t> rows{4, 0};
  auto t = a.take(rows);
  CHECK(t.col("c").category(0) == "x");
  table wrong;
  wrong.add(column::numeric("c", {1.0}));
  CHECK_THROWS_WITH_AS(a.append(wrong), doctest::Contains("column 0"), mlpipe::table_error);
}

TEST_CASE("save and load round-trip; fingerprints follow the content") {
  auto dir = temp_dir("save");
  auto t = sample_table(777);
  t.save(dir / "t.mlt");
  auto u = table::load(dir / "t.mlt");
  CHECK(u == t);
  CHECK(u.fingerprint() == t.fingerprint());
  CHECK(u.col("color").dictionary() == t.col("color").dictionary());
  // one value changes the fingerprint
  auto w = t;
  w.col("x").values()[3] += 1.0;
  CHECK(w.fingerprint() != t.fingerprint());
  CHECK_FALSE(w == t);
  // an empty table too
  table empty;
  empty.save(dir / "e.mlt");
  CHECK(table::load(dir / "e.mlt").rows() == 0);
  fs::remove_all(dir);
}

TEST_CASE("foreign, truncated and corrupt table files are clear errors naming the file") {
  auto dir = temp_dir("corrupt");
  auto t = sample_table(300);
  auto good = dir / "good.mlt";
  t.save(good);
  std::string bytes;
  {
    std::ifstream in(good, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& name, const std::string& content) {
    std::ofstream(dir / name, std::ios::binary) << content;
    return dir / name;
  };
  auto foreign = write("foreign.mlt", "sepal_length,sepal_width\n5.1,3.5\n");
  CHECK_THROWS_WITH_AS(table::load(foreign), doctest::Contains("foreign.mlt: not an mlpipe table file"),
                       mlpipe::table_file_error);
  for (std::size_t cut : {std::size_t{4}, std::size_t{30}, bytes.size() / 2, bytes.size() - 1}) {
    auto f = write("truncated.mlt", bytes.substr(0, cut));
    CHECK_THROWS_WITH_AS(table::load(f), doctest::Contains("truncated.mlt"), mlpipe::table_file_error);
  }
  for (std::size_t at : {std::size_t{40}, bytes.size() / 3, bytes.size() - 3}) {
    auto flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    auto f = write("flipped.mlt", flipped);
    CHECK_THROWS_WITH_AS(table::load(f), doctest::Contains("flipped.mlt: corrupt"), mlpipe::table_file_error);
  }
  auto newer = bytes;
  newer[8] = 9;  // format version 9
  CHECK_THROWS_WITH_AS(table::load(write("newer.mlt", newer)), doctest::Contains("version 9 is not supported"),
                       mlpipe::table_file_error);
  CHECK_THROWS_WITH_AS(table::load(dir / "missing.mlt"), doctest::Contains("missing.mlt: cannot open"),
                       mlpipe::table_file_error);
  fs::remove_all(dir);
}

TEST_CASE("examples artifact saves, loads and fingerprints") {
  static_assert(mlpipe::artifact<mlpipe::examples>);
  auto dir = temp_dir("examples");
  mlpipe::examples e;
  auto t = sample_table(90);
  e.train = t.slice(0, 60);
  e.eval = t.slice(60, 90);
  e.baseline = t.slice(0, 10);
  e.label = "color";
  e.span = 3;
  e.files = {"a.csv"};
  e.save(dir / "ex");
  auto f = mlpipe::examples::load(dir / "ex");
  CHECK(f.train == e.train);
  CHECK(f.eval == e.eval);
  REQUIRE(f.baseline.has_value());
  CHECK(*f.baseline == *e.baseline);
  CHECK(f.label == "color");
  CHECK(f.span == 3);
  CHECK(f.files == e.files);
  CHECK(f.fingerprint() == e.fingerprint());
  CHECK(f.all().rows() == 90);
  e.span = 4;
  CHECK(f.fingerprint() != e.fingerprint());
  CHECK_THROWS_WITH_AS(mlpipe::examples::load(dir / "nowhere"), doctest::Contains("examples.json"),
                       mlpipe::table_file_error);
  fs::remove_all(dir);
}
