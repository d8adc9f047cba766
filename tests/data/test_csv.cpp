// Tests of the CSV reader: the bundled data sets against pandas, RFC 4180, type inference, missing markers,
// the malformed corpus (precise errors), the fast path's errors and streaming in chunks.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include <mlpipe/data/csv.hpp>

namespace fs = std::filesystem;
using mlpipe::column_kind;
using mlpipe::csv_error;
using mlpipe::csv_options;
using mlpipe::read_csv_string;

namespace {
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  CHECK(::pclose(p) == 0);
  return out;
}

// The error a reading raises (fails the test when there is none).
template <class F>
csv_error error_of(F&& f) {
  try {
    f();
  } catch (const csv_error& e) {
    return e;
  }
  FAIL("no csv_error was thrown");
  return csv_error("", 0, 0, 0, "", "", "");
}
}  // namespace

TEST_CASE("the bundled data sets read as pandas reads them") {
  // pandas (Debian's python3-pandas) with round-trip float parsing: shape, numeric columns, ordered sums.
  std::string script = R"(
import json, sys, pandas as pd
out = {}
for name in ["iris", "breast_cancer", "fair", "randhie"]:
    df = pd.read_csv(sys.argv[1] + "/" + name + ".csv", float_precision="round_trip")
    cols = {}
    for c in df.columns:
        s = df[c]
        if s.dtype.kind in "fi":
            v = s.astype(float).tolist()
            total = 0.0
            for x in v: total += x
            cols[c] = {"numeric": True, "sum": repr(total), "min": repr(min(v)), "max": repr(max(v))}
        else:
            cols[c] = {"numeric": False, "distinct": int(s.nunique())}
    out[name] = {"rows": len(df), "columns": list(df.columns), "stats": cols}
print(json.dumps(out))
)";
  fs::path py = fs::temp_directory_path() / "mlpipe_test_data_pandas.py";
  std::ofstream(py) << script;
  auto expected = nlohmann::json::parse(run(std::string(MLPIPE_SYSTEM_PYTHON) + " " + py.string() + " " + MLPIPE_DATA_DIR));
  fs::remove(py);
  for (auto& [name, exp] : expected.items()) {
    CAPTURE(name);
    auto t = mlpipe::read_csv(fs::path(MLPIPE_DATA_DIR) / (name + ".csv"));
    CHECK(t.rows() == exp["rows"].get<std::size_t>());
    CHECK(t.names() == exp["columns"].get<std::vector<std::string>>());
    for (auto& [col, st] : exp["stats"].items()) {
      CAPTURE(col);
      auto& c = t.col(col);
      if (st["numeric"].get<bool>()) {
        REQUIRE(c.kind() == column_kind::numeric);
        double total = 0.0, lo = INFINITY, hi = -INFINITY;
        for (double v : c.values()) {
          total += v;
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        // identical parsing gives bit-identical ordered sums
        CHECK(total == std::stod(st["sum"].get<std::string>()));
        CHECK(lo == std::stod(st["min"].get<std::string>()));
        CHECK(hi == std::stod(st["max"].get<std::string>()));
      } else {
        REQUIRE(c.kind() == column_kind::categorical);
        CHECK(c.dictionary().size() == st["distinct"].get<std::size_t>());
      }
    }
  }
}

TEST_CASE("RFC 4180: quotes, escaped quotes, embedded newlines, CRLF, BOM") {
  auto t = read_csv_string(
      "\xEF\xBB\xBFname,text,n\r\n"
      "a,\"hello, world\",1\r\n"
      "b,\"say \"\"hi\"\"\",2\r\n"
      "c,\"two\r\nlines\",3\r\n"
      "\"d\",\"\",4\r\n"
      "e,plain,5",
      csv_options{.column_types = {{"text", column_kind::string}}});
  REQUIRE(t.rows() == 5);
  CHECK(t.names() == std::vector<std::string>{"name", "text", "n"});  // the BOM is not part of the name
  auto& text = t.col("text");
  CHECK(text.str(0) == "hello, world");
  CHECK(text.str(1) == "say \"hi\"");
  CHECK(text.str(2) == "two\r\nlines");
  CHECK_FALSE(text.is_valid(3));  // "" is the empty missing marker, quoted or not
  CHECK(text.str(4) == "plain");
  CHECK(t.col("n").values()[4] == 5.0);
  CHECK(t.col("name").category(3) == "d");
}

TEST_CASE("type inference, overrides and missing markers") {
  std::string csv = "num,cat,free,empty\n";
  for (int i = 0; i < 200; ++i)
    csv += std::to_string(i) + ".5," + (i % 3 ? "yes" : "no") + ",id" + std::to_string(i) + "," + "\n";
  csv += "NA,null,NaN,\n";
  auto t = read_csv_string(csv);
  CHECK(t.col("num").kind() == column_kind::numeric);
  CHECK(t.col("cat").kind() == column_kind::categorical);
  CHECK(t.col("free").kind() == column_kind::string);      // 200 distinct of 200: not a category
  CHECK(t.col("empty").kind() == column_kind::numeric);    // nothing but missing values
  CHECK(t.col("num").missing_count() == 1);
  CHECK(t.col("cat").missing_count() == 1);
  CHECK(t.col("free").missing_count() == 1);
  CHECK(t.col("empty").missing_count() == 201);
  CHECK(t.col("num").values()[3] == 3.5);

  csv_options o;
  o.column_types = {{"num", column_kind::string}, {"cat", column_kind::string}, {"not_there", column_kind::numeric}};
  o.missing_markers = {"?"};
  auto u = read_csv_string("num,cat\n1,NA\n?,x\n", o);
  CHECK(u.col("num").kind() == column_kind::string);
  CHECK(u.col("num").str(0) == "1");
  CHECK_FALSE(u.col("num").is_valid(1));
  CHECK(u.col("cat").str(0) == "NA");  // NA is data once the markers are {"?"}

  // without NaN among the markers, NaN and inf are numbers
  o = {};
  o.missing_markers = {""};
  auto w = read_csv_string("x\nNaN\ninf\n-Infinity\n1e3\n+2.5\n 7 \n", o);
  auto x = w.col("x").values();
  CHECK(w.col("x").missing_count() == 0);
  CHECK(std::isnan(x[0]));
  CHECK(x[1] == INFINITY);
  CHECK(x[2] == -INFINITY);
  CHECK(x[3] == 1000.0);
  CHECK(x[4] == 2.5);
  CHECK(x[5] == 7.0);

  // no header: columns are numbered
  auto h = read_csv_string("1,a\n2,b\n", csv_options{.header = false});
  CHECK(h.names() == std::vector<std::string>{"column_1", "column_2"});
  CHECK(h.rows() == 2);
  // other delimiter, blank lines skipped, no final newline
  auto s = read_csv_string("a;b\n\n1;2\n\n3;4", csv_options{.delimiter = ';'});
  CHECK(s.rows() == 2);
  CHECK(s.col("b").values()[1] == 4.0);
  // a header only: an empty table with the columns
  auto e = read_csv_string("a,b\n");
  CHECK(e.rows() == 0);
  CHECK(e.num_columns() == 2);
}

TEST_CASE("numbers parse exactly, on the fast path and off it") {
  // Many random decimals of every shape: each must equal strtod's correctly rounded result.
  std::mt19937_64 rng(42);
  std::string csv = "a,b,c\n";
  std::vector<std::string> texts;
  for (int i = 0; i < 30000; ++i) {
    std::string row;
    for (int j = 0; j < 3; ++j) {
      char buf[64];
      switch ((i + j) % 8) {
        case 0: std::snprintf(buf, sizeof buf, "%.6f", std::ldexp(double(rng() % 1000000007), -int(rng() % 30)) - 7.0); break;
        case 1: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(rng() % 100000000000ULL) - 50000000000LL); break;
        case 2: std::snprintf(buf, sizeof buf, "%.17g", std::ldexp(double(rng()), -int(rng() % 200))); break;
        case 3: std::snprintf(buf, sizeof buf, "%.3e", double(rng() % 100000) * 1e-3); break;
        case 4: std::snprintf(buf, sizeof buf, "0.%08llu", static_cast<unsigned long long>(rng() % 100000000)); break;
        case 5: std::snprintf(buf, sizeof buf, "%.15g", double(rng() % 1000000) / 7.0); break;
        case 6: {  // 1 to 17 digits with the dot anywhere, ends included ("12.", ".5", "-.5"), maybe negative
          std::string d = std::to_string(rng() % 10);
          for (auto n = rng() % 17; n > 0; --n) d += static_cast<char>('0' + rng() % 10);
          d.insert(rng() % (d.size() + 1), ".");
          std::snprintf(buf, sizeof buf, "%s%s", rng() % 2 ? "-" : "", d.c_str());
          break;
        }
        default:  // integers around 2^53, where a double stops holding every integer
          std::snprintf(buf, sizeof buf, "%llu", (1ULL << 53) - 8 + rng() % 16);
          break;
      }
      texts.push_back(buf);
      if (j) row += ',';
      row += buf;
    }
    csv += row + "\n";
  }
  auto t = read_csv_string(csv);
  REQUIRE(t.rows() == 30000);
  std::size_t k = 0, wrong = 0;
  for (std::size_t i = 0; i < t.rows(); ++i)
    for (std::size_t j = 0; j < 3; ++j, ++k)
      if (t.col(j).values()[i] != std::strtod(texts[k].c_str(), nullptr)) ++wrong;
  CHECK(wrong == 0);
}

TEST_CASE("malformed corpus: each file gets its precise error") {
  struct expect {
    const char* file;
    std::size_t line, column, field;
    const char* expected;  // a part of csv_error::expected()
    csv_options options = {};
  };
  csv_options short_sample;
  short_sample.inference_rows = 1;
  csv_options y_numeric;
  y_numeric.column_types = {{"y", column_kind::numeric}};
  csv_options x_numeric;
  x_numeric.column_types = {{"x", column_kind::numeric}};
  csv_options v_numeric;
  v_numeric.column_types = {{"v", column_kind::numeric}};
  const expect cases[] = {
      {"ragged_short.csv", 3, 4, 0, "3 fields as in the header"},
      {"ragged_long.csv", 3, 7, 0, "3 fields as in the header"},
      {"unterminated_quote.csv", 3, 3, 2, "a closing quote"},
      {"unterminated_at_eof.csv", 3, 3, 2, "a closing quote"},
      {"text_in_numeric.csv", 3, 3, 2, "a number or a missing marker", short_sample},
      {"text_in_numeric.csv", 3, 3, 2, "a number or a missing marker", y_numeric},
      {"invalid_utf8.csv", 3, 2, 1, "valid UTF-8"},
      {"invalid_utf8_header.csv", 1, 4, 2, "valid UTF-8"},
      {"empty.csv", 0, 0, 0, "a header row"},
      {"blank_only.csv", 0, 0, 0, "a header row"},
      {"duplicate_header.csv", 1, 5, 3, "unique column names"},
      {"empty_header_name.csv", 1, 3, 2, "a column name"},
      {"garbage_after_quote.csv", 2, 6, 1, "a delimiter or the end of the line after the closing quote"},
      {"out_of_range.csv", 3, 1, 1, "within the range of a double"},
      {"nul_in_number.csv", 3, 1, 1, "a number or a missing marker", x_numeric},
      {"ragged_crlf.csv", 4, 4, 0, "3 fields as in the header"},
      {"error_after_multiline.csv", 4, 23, 3, "a number or a missing marker", v_numeric},
      {"bom_ragged.csv", 3, 5, 0, "2 fields as in the header"},
  };
  for (auto& c : cases) {
    CAPTURE(c.file);
    auto path = fs::path(MLPIPE_MALFORMED_DIR) / c.file;
    auto e = error_of([&] { mlpipe::read_csv(path, c.options); });
    CHECK(e.file() == path);
    CHECK(e.line() == c.line);
    CHECK(e.column() == c.column);
    CHECK(e.field_index() == c.field);
    CHECK(e.expected().find(c.expected) != std::string::npos);
    std::string what = e.what();
    CHECK(what.find(path.string()) == 0);
    if (c.line) CHECK(what.find(":" + std::to_string(c.line) + ":" + std::to_string(c.column) + ":") != std::string::npos);
  }
  // the message a person reads
  auto e = error_of([&] { mlpipe::read_csv(fs::path(MLPIPE_MALFORMED_DIR) / "text_in_numeric.csv", y_numeric); });
  CHECK(std::string(e.what()) == fs::path(MLPIPE_MALFORMED_DIR).string() +
                                     "/text_in_numeric.csv:3:3: field 2 'y': expected a number or a missing marker "
                                     "(empty, NA, NaN, null), found 'abc'");
  CHECK(e.field() == "y");
  CHECK(e.found() == "'abc'");
  auto nul = error_of([&] { mlpipe::read_csv(fs::path(MLPIPE_MALFORMED_DIR) / "nul_in_number.csv", x_numeric); });
  CHECK(nul.found() == "'3\\x004'");  // control bytes are shown escaped, never cut the message
  auto inferred = error_of([&] { mlpipe::read_csv(fs::path(MLPIPE_MALFORMED_DIR) / "text_in_numeric.csv", short_sample); });
  CHECK(inferred.found().find("inferred as numeric from the first 1 rows") != std::string::npos);
  auto missing = error_of([] { mlpipe::read_csv("/nonexistent/file.csv"); });
  CHECK(std::string(missing.what()).find("/nonexistent/file.csv") == 0);
}

TEST_CASE("errors deep in a large file are located exactly (fast path)") {
  std::string csv = "a,b,c\n";
  for (int i = 0; i < 20000; ++i) csv += std::to_string(i) + ".25,x" + std::to_string(i % 3) + "," + std::to_string(i) + "\n";
  auto with = [&](std::size_t row, const std::string& line) {  // row 0 is line 2
    std::string s = csv;
    std::size_t at = 0;
    for (std::size_t i = 0; i <= row; ++i) at = s.find('\n', at) + 1;
    auto end = s.find('\n', at);
    return s.replace(at, end - at, line);
  };
  auto e1 = error_of([&] { read_csv_string(with(15000, "1.5,x1,seven"), {}, "big.csv"); });
  CHECK(e1.line() == 15002);
  CHECK(e1.column() == 8);
  CHECK(e1.field() == "c");
  auto e2 = error_of([&] { read_csv_string(with(12000, "1.5,x1"), {}, "big.csv"); });
  CHECK(e2.line() == 12002);
  CHECK(e2.expected().find("3 fields") != std::string::npos);
  auto e3 = error_of([&] { read_csv_string(with(9000, "1.5,x1,2,3"), {}, "big.csv"); });
  CHECK(e3.line() == 9002);
  CHECK(e3.column() == 10);
  // a short row right before a quoted one (it ends an index stretch) is reported, not looped on
  std::string tail = "a,b,c\n";
  for (int i = 0; i < 3000; ++i) tail += std::to_string(i) + ",2,3\n";
  tail += "1,2\n";
  for (int i = 0; i < 100; ++i) tail += "\"x\",2,3\n";
  auto e6 = error_of([&] { read_csv_string(tail, {}, "tail.csv"); });
  CHECK(e6.line() == 3002);
  CHECK(e6.column() == 4);
  // quoted rows in the middle (slow path) keep line numbers right for later errors
  auto q = with(3000, "1.5,\"x\n1\",2");
  auto e4 = error_of([&] { read_csv_string(with(16000, "1.5,x1,oops"), {}, "big.csv"); });
  auto e5 = error_of([&] {
    std::string s = q;
    std::size_t at = 0;
    for (int i = 0; i <= 16001; ++i) at = s.find('\n', at) + 1;  // the extra newline moves lines by one
    s.replace(at, s.find('\n', at) - at, "2.5,x1,oops");
    read_csv_string(s, {}, "big.csv");
  });
  CHECK(e4.line() == 16002);
  CHECK(e5.line() == 16003);
  CHECK(e5.column() == 8);
}

TEST_CASE("streaming: chunks within a budget give the same table as one read") {
  auto file = fs::path(MLPIPE_DATA_DIR) / "randhie.csv";
  auto whole = mlpipe::read_csv(file);
  mlpipe::table joined;
  std::size_t chunks = 0, max_rows = 0;
  auto rows = mlpipe::for_each_chunk(file, 256 << 10, [&](const mlpipe::table& t) {
    ++chunks;
    max_rows = std::max(max_rows, t.rows());
    joined.append(t);
  });
  CHECK(rows == whole.rows());
  CHECK(chunks > 3);
  CHECK(max_rows * 10 * 8 <= (256u << 10));  // each chunk's values fit the budget
  CHECK(joined == whole);
  CHECK(joined.fingerprint() == whole.fingerprint());

  // a budget too small for one row still makes progress, a row per chunk
  auto tiny = mlpipe::csv_reader::from_string("a,b\n1,2\n3,4\n5,6\n");
  std::size_t tiny_chunks = 0;
  while (auto t = tiny.next_chunk(100, 1)) tiny_chunks += t->rows() == 1;
  CHECK(tiny_chunks == 3);
  // categorical codes mean the same category in every chunk of one reader
  std::string csv = "k,v\n";
  for (int i = 0; i < 5000; ++i) csv += std::string(i % 7 ? "k" : "q") + std::to_string(i % 5) + "," + std::to_string(i) + "\n";
  auto r = mlpipe::csv_reader::from_string(csv);
  std::vector<std::string> dict_seen;
  std::size_t got = 0;
  while (auto t = r.next_chunk(700)) {
    auto& k = t->col("k");
    for (std::size_t i = 0; i < t->rows(); ++i) {
      int v = static_cast<int>(t->col("v").values()[i]);
      CHECK(k.category(i) == std::string(v % 7 ? "k" : "q") + std::to_string(v % 5));
    }
    if (!dict_seen.empty()) CHECK(std::equal(dict_seen.begin(), dict_seen.end(), k.dictionary().begin()));
    dict_seen = k.dictionary();
    got += t->rows();
  }
  CHECK(got == 5000);
}

TEST_CASE("a file read through a small buffer equals one read at once") {
  // rows cut by the buffer's end (quoted newlines included) are parsed again after the refill
  std::string csv = "id,text,x\n";
  for (int i = 0; i < 3000; ++i) {
    csv += std::to_string(i);
    csv += i % 10 == 0 ? ",\"multi\nline, " : ",w";
    csv += std::to_string(i);
    csv += i % 10 == 0 ? "\"," : ",";
    csv += std::to_string(i * 0.5);
    csv += i % 4 == 0 ? "\r\n" : "\n";
  }
  auto path = fs::temp_directory_path() / "mlpipe_test_data_small_buffer.csv";
  std::ofstream(path, std::ios::binary) << csv;
  csv_options small;
  small.map_file = false;  // the buffered reader, refilled 4 KB at a time
  small.read_buffer_bytes = 4096;
  auto a = mlpipe::read_csv(path, small);
  auto b = read_csv_string(csv);
  auto c = mlpipe::read_csv(path);  // the mapped file: fast path between the quoted fields
  CHECK(a.rows() == 3000);
  CHECK(a == b);
  CHECK(c == b);
  CHECK(a.col("text").str(10) == "multi\nline, 10");
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < 3000; ++i) {
    auto text = i % 10 == 0 ? "multi\nline, " + std::to_string(i) : "w" + std::to_string(i);
    if (c.col("id").values()[i] != double(i) || c.col("text").str(i) != text || c.col("x").values()[i] != i * 0.5) ++wrong;
  }
  CHECK(wrong == 0);
  fs::remove(path);
}

TEST_CASE("a categorical column with thousands of values per range, read by several threads, merges in file order") {
  // every range brings its own new values and repeats earlier ones: the joined dictionary is the file's order
  std::string csv = "user,x\n";
  for (int i = 0; i < 40000; ++i) csv += "u" + std::to_string(i % 3 == 0 ? i / 3 : i) + "," + std::to_string(i) + "\n";
  auto path = fs::temp_directory_path() / "mlpipe_test_data_parallel_categories.csv";
  std::ofstream(path, std::ios::binary) << csv;
  csv_options one;
  one.threads = 1;
  one.column_types["user"] = column_kind::categorical;
  auto expected = mlpipe::read_csv(path, one);
  REQUIRE(expected.col("user").dictionary().size() > 25000);
  for (std::size_t threads : {2, 4}) {
    CAPTURE(threads);
    csv_options many = one;
    many.threads = threads;
    many.min_bytes_per_thread = 1;
    mlpipe::csv_reader reader(path, many);
    auto got = reader.read_all();
    CHECK(reader.parse_threads() == threads);
    CHECK(got == expected);
    CHECK(got.col("user").dictionary() == expected.col("user").dictionary());
  }
  fs::remove(path);
}

TEST_CASE("a file parsed by several threads gives the table one thread gives") {
  // numeric, categorical (new categories appear late, so the ranges' dictionaries differ), string and missing
  // values; quoted fields with newlines and delimiters, CRLF and blank lines, so range starts guessed at a line
  // end may fall inside a quote and ranges may hold fewer rows than line ends
  auto make = [](int bad_row) {
    std::string csv = "id,kind,note,x\n";
    for (int i = 0; i < 4000; ++i) {
      csv += std::to_string(i) + ",k" + std::to_string(i < 2500 ? i % 3 : i % 11) + ",";
      csv += i % 13 == 0 ? "\"two\nlines, " + std::to_string(i) + "\"" : "n" + std::to_string(i);
      csv += "," + (i == bad_row ? std::string("oops") : i % 17 == 0 ? std::string("NA") : std::to_string(i * 0.25));
      csv += i % 5 == 0 ? "\r\n" : "\n";
      if (i % 97 == 0) csv += "\n";
    }
    return csv;
  };
  const std::string csv = make(-1);
  auto path = fs::temp_directory_path() / "mlpipe_test_data_parallel.csv";
  std::ofstream(path, std::ios::binary) << csv;
  csv_options one;
  one.threads = 1;
  auto expected = mlpipe::read_csv(path, one);
  REQUIRE(expected.rows() == 4000);
  std::vector<std::size_t> used;
  for (std::size_t threads : {2, 3, 4, 7, 16}) {
    CAPTURE(threads);
    csv_options many;
    many.threads = threads;
    many.min_bytes_per_thread = 1;  // every range a few kilobytes: many cuts
    mlpipe::csv_reader reader(path, many);
    auto got = reader.read_all();
    used.push_back(reader.parse_threads());
    CHECK(got == expected);
    CHECK(got.col("kind").dictionary() == expected.col("kind").dictionary());  // codes in file order
    CHECK(got.col("x").missing_count() == expected.col("x").missing_count());
    CHECK(got.fingerprint() == expected.fingerprint());
  }
  CHECK(std::count_if(used.begin(), used.end(), [](std::size_t n) { return n > 1; }) >= 3);  // split, not re-read
  // every row one long quoted field with newlines: the guessed starts fall inside quotes, the file is read again
  std::string quoted = "id,text\n";
  for (int i = 0; i < 300; ++i) quoted += std::to_string(i) + ",\"" + std::string(200, 'a' + i % 26) + "\n\n" + std::string(200, 'z') + "\"\n";
  {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << quoted;
    csv_options many;
    many.threads = 4;
    many.min_bytes_per_thread = 1;
    mlpipe::csv_reader reader(path, many);
    auto got = reader.read_all();
    CHECK(reader.parse_threads() == 1);
    CHECK(got == read_csv_string(quoted));
    CHECK(got.rows() == 300);
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << csv;
  // a reader whose types were fixed by a caller, the way `mlpipe train` reads its eval file
  csv_options typed;
  typed.threads = 3;
  typed.min_bytes_per_thread = 1;
  typed.column_types["kind"] = column_kind::string;
  auto as_text = mlpipe::read_csv(path, typed);
  CHECK(as_text.col("kind").kind() == column_kind::string);
  CHECK(as_text.col("kind").str(3000) == expected.col("kind").category(3000));

  // an error deep in the file names the file's own line, as one thread reports it
  std::ofstream(path, std::ios::binary | std::ios::trunc) << make(3901);
  auto e1 = error_of([&] { mlpipe::read_csv(path, one); });
  csv_options many;
  many.threads = 4;
  many.min_bytes_per_thread = 1;
  auto e4 = error_of([&] { mlpipe::read_csv(path, many); });
  CHECK(e4.line() == e1.line());
  CHECK(e4.line() > 3901 + 3901 / 13);  // its row's line, after the quoted newlines and blank lines
  CHECK(e4.column() == e1.column());
  CHECK(e4.field() == "x");
  CHECK(std::string(e4.what()) == e1.what());
  fs::remove(path);
}

TEST_CASE("a mapped CSV that another process truncates while it is read gives a csv_error, not SIGBUS") {
  auto path = fs::temp_directory_path() / "mlpipe_test_data_truncated.csv";
  std::string csv = "id,x,y\n";
  for (int i = 0; i < 400000; ++i) csv += std::to_string(i) + ',' + std::to_string(i * 0.25) + ",7\n";  // ~8 MB
  std::ofstream(path, std::ios::binary) << csv;
  const auto full = fs::file_size(path);
  const auto cut = csv.find('\n', full / 4) + 1;  // at a line's end, so that the shorter file is valid CSV
  const auto kept_rows = static_cast<std::size_t>(std::count(csv.begin(), csv.begin() + cut, '\n')) - 1;
  mlpipe::csv_reader reader(path);  // memory-mapped (the default)
  auto first = reader.next_chunk(1000);
  REQUIRE(first.has_value());
  CHECK(first->rows() == 1000);
  fs::resize_file(path, cut);  // as another process would; the pages past the new end are gone
  std::string what;
  try {
    while (reader.next_chunk(50000)) {
    }
  } catch (const mlpipe::csv_error& e) {
    what = e.what();
  }
  CAPTURE(what);
  CHECK(what.find("shrank to " + std::to_string(cut) + " of " + std::to_string(full) + " bytes") != std::string::npos);
  CHECK(what.find(path.filename().string()) != std::string::npos);
  // read again once it is complete: every row it now has
  CHECK(mlpipe::read_csv(path).rows() == kept_rows);
  fs::remove(path);
}

TEST_CASE("random damage to a CSV file gives a table or a csv_error, never a crash") {
  // Mutations of a valid file (quotes, delimiters, line ends, NULs, high bytes, cuts) read from memory and
  // through a small file buffer: each read either succeeds or throws csv_error. The sanitizer build runs it too.
  std::string base = "id,name,score,when\n";
  for (int i = 0; i < 1300; ++i) {  // past the 1000-row sample, so the indexed fast path sees damage too
    base += std::to_string(i);
    base += i % 4 ? ",n" + std::to_string(i % 5) : ",\"q, " + std::to_string(i) + "\"";
    base += ",";
    base += std::to_string(i * 1.25);
    base += i % 7 ? ",2024-01-0" + std::to_string(i % 9 + 1) : std::string(",NA");
    base += "\n";
  }
  const char alphabet[] = {',', '"', '\n', '\r', '\0', '\xff', '\xc3', 'x', '1', '.', '-', 'e', ' '};
  std::mt19937 rng(12345);
  auto path = fs::temp_directory_path() / "mlpipe_test_data_fuzz.csv";
  csv_options small;
  small.read_buffer_bytes = 4096;
  std::size_t ok = 0, errors = 0;
  for (int round = 0; round < 600; ++round) {
    std::string s = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % 2 ? s.size() - 1 - rng() % std::min<std::size_t>(s.size(), 4000) : rng() % s.size();
      switch (rng() % 4) {
        case 0: s[at] = alphabet[rng() % sizeof alphabet]; break;
        case 1: s.insert(at, 1, alphabet[rng() % sizeof alphabet]); break;
        case 2: s.erase(at, 1 + rng() % 3); break;
        default: s.resize(s.size() > 3000 ? std::max<std::size_t>(at, s.size() - 3000) : at); break;
      }
      if (s.empty()) s.push_back('a');
    }
    for (int via_file = 0; via_file < 2; ++via_file) {
      try {
        if (via_file) {
          std::ofstream(path, std::ios::binary) << s;
          mlpipe::read_csv(path, small);
        } else {
          read_csv_string(s);
        }
        ++ok;
      } catch (const csv_error&) {
        ++errors;
      }
    }
  }
  fs::remove(path);
  CHECK(ok > 0);
  CHECK(errors > 0);
  CHECK(ok + errors == 1200);
}
