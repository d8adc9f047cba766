// The UI's pieces over a store recorded in the test: escaping, query parsing, pagination of runs, a figure over
// runs (cached runs included), 404s for unknown or malformed ids, the read-only store, downsampling.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <regex>
#include <string>
#include <vector>

#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/sqlite.hpp>
#include <mlpipe/ui/app.hpp>

#include "../support/shell.hpp"

namespace fs = std::filesystem;
namespace mp = mlpipe;

namespace {

using mlpipe::test_support::temp_dir;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

/// Records one run of a two-node pipeline ("train" -> "evaluate"); evaluate records auc (or fails).
void record_run(mp::metadata::store& s, const fs::path& root, double auc, bool fail = false, bool cached = false,
                std::string_view pipeline = "demo", std::string_view error = "it broke") {
  mp::metadata::recorder rec(s, root);
  rec.set_cache(cached);
  std::vector<std::string> names{"train", "evaluate"};
  rec.run_started(pipeline, "", names);
  nlohmann::json params{{"l2", 0.5}, {"note", "<b>bold</b>"}};
  mp::node_info train{pipeline, "train", "train_stage", 1, &params, 0x1234};
  mp::node_info eval{pipeline, "evaluate", "evaluate_stage", 1, &params, 0x5678u + static_cast<std::uint64_t>(auc * 1e6 + 0.5)};
  auto dir = rec.node_started(train, {});
  fs::create_directories(dir / "Model");
  mp::artifact_ref model{"Model", 0, "Model", dir / "Model", 42};
  rec.node_succeeded(train, std::span(&model, 1), {});
  mp::artifact_ref in{"train", 0, "Model", dir / "Model", 42};
  if (cached) {
    if (auto hit = rec.find_cached(eval, std::span(&in, 1))) {
      rec.node_cached(eval, std::span(&in, 1), *hit);
      rec.run_finished(true);
      return;
    }
  }
  auto edir = rec.node_started(eval, std::span(&in, 1));
  if (fail) {
    rec.node_failed(eval, error);
    rec.run_finished(false);
    return;
  }
  fs::create_directories(edir / "evaluation");
  mp::artifact_ref out{"evaluation", 0, "ModelEvaluation", edir / "evaluation", 7};
  std::pair<std::string, mp::property_value> records[] = {{"auc", auc}};
  rec.node_succeeded(eval, std::span(&out, 1), records);
  rec.run_finished(true);
}

}  // namespace

TEST_CASE("escape and url encoding keep store text as text") {
  CHECK(mp::ui::escape("<script>alert('x')</script> & \"q\"") ==
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  CHECK(mp::ui::url_encode("a b/<c>") == "a%20b%2F%3Cc%3E");
  auto q = mp::ui::parse_query("figure=a%20b&page=2&x=%3Cs%3E&flag&bad=%zz+y");
  CHECK(q.at("figure") == "a b");
  CHECK(q.at("page") == "2");
  CHECK(q.at("x") == "<s>");
  CHECK(q.at("flag").empty());
  CHECK(q.at("bad") == "%zz y");  // a malformed escape is kept, never read past the end
  CHECK(mp::ui::parse_query("a=%4").at("a") == "%4");
}

TEST_CASE("downsampling keeps the extremes and at most the asked number of points") {
  std::vector<mp::ui::series_point> pts;
  for (int i = 0; i < 10000; ++i) pts.push_back({double(i), i == 5000 ? 100.0 : double(i % 7), "", ""});
  auto d = mp::ui::downsample(pts, 1000);
  CHECK(d.size() <= 1000);
  CHECK(d.size() >= 900);
  bool spike = false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    spike = spike || d[i].y == 100.0;
    if (i) CHECK(d[i].x > d[i - 1].x);
  }
  CHECK(spike);
  CHECK(mp::ui::downsample(std::vector<mp::ui::series_point>(10), 1000).size() == 10);
}

TEST_CASE("pages over a recorded store: runs paginated, history over runs, 404s, escaping") {
  temp_dir t;
  auto store_path = t.path / "m.sqlite";
  {
    auto s = mp::metadata::open_sqlite_store(store_path);
    for (int i = 0; i < 120; ++i) record_run(*s, t.path / "art", 0.5 + i * 0.001);
    record_run(*s, t.path / "art", 0, true, false, "demo", "<script>alert(1)</script>");
    record_run(*s, t.path / "art", 0.5 + 119 * 0.001, false, true);  // evaluate from the cache
    record_run(*s, t.path / "art", 0.9, false, false, "other");
  }
  auto s = mp::metadata::open_sqlite_store_read_only(store_path);

  SUBCASE("runs, 50 a page, newest first, filtered by pipeline") {
    auto first = mp::ui::list_runs_page(*s, "", 0, 50);
    CHECK(first.total == 123);
    CHECK(first.rows.size() == 50);
    CHECK(first.rows[0].pipeline == "other");
    CHECK(first.rows[0].id > first.rows[1].id);
    auto last = mp::ui::list_runs_page(*s, "", 2, 50);
    CHECK(last.rows.size() == 23);
    auto demo = mp::ui::list_runs_page(*s, "demo", 0, 50);
    CHECK(demo.total == 122);
    CHECK(demo.rows[0].executions.at("CACHED") == 1);
    CHECK(demo.rows[1].state == "FAILED");
    CHECK(demo.rows[1].executions.at("FAILED") == 1);
    auto page = mp::ui::handle(*s, "/runs", mp::ui::parse_query("page=3"));
    CHECK(page.status == 200);
    CHECK(count(page.body, "<tr class=\"run ") == 23);
    CHECK(page.body.find("rel=\"prev\"") != std::string::npos);
    CHECK(page.body.find("rel=\"next\"") == std::string::npos);
  }

  SUBCASE("a figure over runs: one point per run, a cached run gives the value it reused") {
    auto pts = mp::ui::figure_over_runs(*s, "auc", "", "demo");
    REQUIRE(pts.size() == 121);  // 120 executed + 1 cached; the failed run recorded none
    CHECK(pts[0].value == doctest::Approx(0.5));
    CHECK(pts[119].value == doctest::Approx(0.619));
    CHECK(pts[120].value == doctest::Approx(0.619));
    auto page = mp::ui::handle(*s, "/history", mp::ui::parse_query("figure=auc&pipeline=demo"));
    CHECK(count(page.body, "<circle class=\"point\"") == 121);
    auto names = mp::ui::figure_names(*s);
    CHECK(std::find(names.begin(), names.end(), "auc") != names.end());
    for (auto& n : names) CHECK_FALSE(n.starts_with("mlpipe_"));
  }

  SUBCASE("unknown or malformed ids are 404 pages; the error text of a failure is escaped") {
    CHECK(mp::ui::handle(*s, "/run/nope", {}).status == 404);
    CHECK(mp::ui::handle(*s, "/execution/999999", {}).status == 404);
    CHECK(mp::ui::handle(*s, "/artifact/-1", {}).status == 404);
    CHECK(mp::ui::handle(*s, "/artifact/99999999999999999999999", {}).status == 404);
    CHECK(mp::ui::handle(*s, "/lineage/abc", {}).status == 404);
    CHECK(mp::ui::handle(*s, "/no/such/page", {}).status == 404);
    auto runs = mp::ui::list_runs_page(*s, "demo", 1, 1);  // the failed run
    auto page = mp::ui::handle(*s, "/run/" + runs.rows[0].name, {});
    CHECK(page.status == 200);
    CHECK(page.body.find("<script>alert") == std::string::npos);
    CHECK(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(page.body.find("state-failed") != std::string::npos);
    std::smatch m;
    REQUIRE(std::regex_search(page.body, m, std::regex("/execution/([0-9]+)")));
    auto exec = mp::ui::handle(*s, "/execution/" + m[1].str(), {});
    CHECK(exec.status == 200);
    CHECK(exec.body.find("&lt;b&gt;bold&lt;/b&gt;") != std::string::npos);  // parameter text escaped
  }

  SUBCASE("the report is one file with no outside reference") {
    auto html = mp::ui::report(*s, "latest");
    // (SVG's xmlns names are identifiers, never fetched: only what a page would load counts)
    CHECK_FALSE(std::regex_search(html, std::regex("(src|href)=\"(https?:)?//")));
    CHECK(html.find("<script") == std::string::npos);
    CHECK(count(html, "id=\"execution-") == 2);
    CHECK_THROWS_AS(mp::ui::report(*s, "no-such-run"), mp::ui::not_found);
  }
}

TEST_CASE("the UI's store is read-only: a missing file is an error and is not created; nothing can be written") {
  temp_dir t;
  CHECK_THROWS_AS(mp::metadata::open_sqlite_store_read_only(t.path / "missing.sqlite"), mp::metadata::store_error);
  CHECK_FALSE(fs::exists(t.path / "missing.sqlite"));
  {
    auto s = mp::metadata::open_sqlite_store(t.path / "m.sqlite");
    record_run(*s, t.path / "art", 0.7);
  }
  auto size = fs::file_size(t.path / "m.sqlite");
  auto ro = mp::metadata::open_sqlite_store_read_only(t.path / "m.sqlite");
  mp::metadata::context c;
  c.type = "pipeline";
  c.name = "x";
  CHECK_THROWS(ro->put_context(c));
  CHECK(fs::file_size(t.path / "m.sqlite") == size);
  // a file that is not a store is refused rather than turned into one
  { std::ofstream(t.path / "empty.sqlite") << ""; }
  CHECK_THROWS_AS(mp::metadata::open_sqlite_store_read_only(t.path / "empty.sqlite"), mp::metadata::store_error);
}
