// The schema as created matches the list in docs/metadata.md (both backends); 8 processes writing one store
// lose nothing; kill -9 at random points leaves a consistent SQLite store and the next run completes.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "backends.hpp"

using namespace mlpipe::metadata;
using mlpipe_test::backend;
namespace fs = std::filesystem;

namespace {

// ---- the documented schema ---------------------------------------------------------------------------------------
struct column_doc {
  std::string name, sqlite_type, mysql_type, default_value;
  bool not_null = false;
};
struct table_doc {
  std::vector<column_doc> columns;
  std::vector<std::string> primary_key;
  std::set<std::vector<std::string>> unique;
  std::map<std::string, std::vector<std::string>> indexes;
};

std::vector<std::string> backticked(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while ((i = s.find('`', i)) != std::string::npos) {
    auto j = s.find('`', i + 1);
    if (j == std::string::npos) break;
    out.push_back(s.substr(i + 1, j - i - 1));
    i = j + 1;
  }
  return out;
}
std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::map<std::string, table_doc> read_doc() {
  std::ifstream f(std::string(MLPIPE_SOURCE_DIR) + "/docs/metadata.md");
  REQUIRE(f);
  std::map<std::string, table_doc> tables;
  table_doc* cur = nullptr;
  std::string line;
  int line_no = 0;
  while (std::getline(f, line)) {
    ++line_no;
    if (line.starts_with("### Table `")) {
      cur = &tables[backticked(line).at(0)];
    } else if (cur && line.starts_with("| `")) {
      std::vector<std::string> cells;
      std::stringstream ss(line.substr(1));
      std::string cell;
      while (std::getline(ss, cell, '|')) cells.push_back(trim(cell));
      INFO("docs/metadata.md line " << line_no);
      REQUIRE(cells.size() >= 5);
      cur->columns.push_back({backticked(cells[0]).at(0), cells[1], cells[2], cells[4], cells[3] == "yes"});
    } else if (cur && line.starts_with("- primary key:")) {
      cur->primary_key = backticked(line);
    } else if (cur && line.starts_with("- unique:")) {
      cur->unique.insert(backticked(line));
    } else if (cur && line.starts_with("- index `")) {
      auto names = backticked(line);
      cur->indexes[names.at(0)] = std::vector<std::string>(names.begin() + 1, names.end());
    }
  }
  return tables;
}

// MySQL reports INT as int(11), BOOLEAN as tinyint(1), INTEGER as int: compare the meaning, not the spelling.
std::string mysql_type(std::string t) {
  t = lower(trim(t));
  if (t == "integer") t = "int";
  if (t == "boolean" || t == "bool") t = "tinyint(1)";
  for (std::string p : {"int(", "bigint("})
    if (t.starts_with(p)) t = p.substr(0, p.size() - 1);
  return t;
}

void schema_matches_doc(const backend& b) {
  auto doc = read_doc();
  REQUIRE(doc.size() == 15);
  for (auto t : schema_tables) CHECK(doc.count(std::string(t)));
  auto s = b.open();
  auto& c = s->connection();
  const bool mysql = s->dialect() == dialect::mysql;

  std::set<std::string> actual_tables;
  for (auto& r : c.query(mysql ? "SELECT `table_name` FROM `information_schema`.`tables` WHERE `table_schema` = DATABASE()"
                               : "SELECT `name` FROM `sqlite_master` WHERE `type` = 'table' AND `name` NOT LIKE 'sqlite_%'",
                         {}))
    actual_tables.insert(detail::as_string(r[0]));
  std::set<std::string> doc_tables;
  for (auto& [n, t] : doc) doc_tables.insert(n);
  CHECK(actual_tables == doc_tables);

  for (auto& [name, td] : doc) {
    INFO("table " << name << " on " << b.name);
    detail::sql_value p[] = {name};
    // columns, in order
    std::vector<column_doc> actual;
    std::vector<std::string> pk;
    if (mysql) {
      for (auto& r : c.query("SELECT `column_name`, `column_type`, `is_nullable`, `column_default` FROM "
                             "`information_schema`.`columns` WHERE `table_schema` = DATABASE() AND `table_name` = ? "
                             "ORDER BY `ordinal_position`", p)) {
        auto def = detail::is_null(r[3]) ? std::string() : detail::as_string(r[3]);
        if (def == "NULL") def.clear();
        actual.push_back({detail::as_string(r[0]), "", detail::as_string(r[1]), def, detail::as_string(r[2]) == "NO"});
      }
    } else {
      std::vector<std::pair<std::int64_t, std::string>> pkcols;
      for (auto& r : c.query("SELECT `name`, `type`, `notnull`, `dflt_value`, `pk` FROM pragma_table_info(?) ORDER BY `cid`", p)) {
        auto n = detail::as_string(r[0]);
        actual.push_back({n, detail::as_string(r[1]), "", detail::is_null(r[3]) ? "" : detail::as_string(r[3]),
                          detail::as_int(r[2]) != 0 || detail::as_int(r[4]) > 0});
        if (detail::as_int(r[4]) > 0) pkcols.emplace_back(detail::as_int(r[4]), n);
      }
      std::sort(pkcols.begin(), pkcols.end());
      for (auto& [i, n] : pkcols) pk.push_back(n);
    }
    REQUIRE(actual.size() == td.columns.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      auto& a = actual[i];
      auto& d = td.columns[i];
      INFO("column " << d.name);
      CHECK(a.name == d.name);
      if (mysql) CHECK(mysql_type(a.mysql_type) == mysql_type(d.mysql_type));
      else CHECK(lower(a.sqlite_type) == lower(d.sqlite_type));
      CHECK(a.not_null == d.not_null);
      CHECK(a.default_value == d.default_value);
    }
    // keys and indexes
    std::set<std::vector<std::string>> unique;
    std::map<std::string, std::vector<std::string>> indexes;
    if (mysql) {
      std::map<std::string, std::pair<bool, std::vector<std::string>>> idx;
      for (auto& r : c.query("SELECT `index_name`, `non_unique`, `column_name` FROM `information_schema`.`statistics` "
                             "WHERE `table_schema` = DATABASE() AND `table_name` = ? ORDER BY `index_name`, `seq_in_index`", p)) {
        auto& e = idx[detail::as_string(r[0])];
        e.first = detail::as_int(r[1]) == 0;
        e.second.push_back(detail::as_string(r[2]));
      }
      for (auto& [n, e] : idx) {
        if (n == "PRIMARY") pk = e.second;
        else if (e.first) unique.insert(e.second);
        else indexes[n] = e.second;
      }
    } else {
      for (auto& r : c.query("SELECT `name`, `unique`, `origin` FROM pragma_index_list(?)", p)) {
        auto n = detail::as_string(r[0]);
        detail::sql_value q[] = {n};
        std::vector<std::string> cols;
        for (auto& ir : c.query("SELECT `name` FROM pragma_index_info(?) ORDER BY `seqno`", q))
          cols.push_back(detail::as_string(ir[0]));
        auto origin = detail::as_string(r[2]);
        if (origin == "pk") pk = cols;
        else if (origin == "u") unique.insert(cols);
        else indexes[n] = cols;
      }
    }
    CHECK(pk == td.primary_key);
    CHECK(unique == td.unique);
    CHECK(indexes == td.indexes);
  }
  if (!mysql) {
    // ML Metadata's own check for a v10 SQLite store: 15 tables, 40 indexes (named and automatic)
    auto n = c.query("SELECT COUNT(*) FROM `sqlite_master` WHERE `type` = 'index'", {});
    CHECK(detail::as_int(n.at(0)[0]) == 40);
  }
}

// ---- processes ---------------------------------------------------------------------------------------------------
pid_t spawn_writer(const std::string& url, const fs::path& root, long runs, bool fresh) {
  pid_t p = ::fork();
  if (p == 0) {
    std::string r = std::to_string(runs);
    if (fresh) ::execl(MLPIPE_METADATA_WRITER, MLPIPE_METADATA_WRITER, url.c_str(), root.c_str(), r.c_str(), "--fresh",
                       static_cast<char*>(nullptr));
    else ::execl(MLPIPE_METADATA_WRITER, MLPIPE_METADATA_WRITER, url.c_str(), root.c_str(), r.c_str(),
                 static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return p;
}
int wait_exit(pid_t p) {
  int st = 0;
  ::waitpid(p, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}
std::int64_t count(store& s, const std::string& sql) {
  return detail::as_int(s.connection().query(sql, {}).at(0)[0]);
}

void eight_writers(const backend& b) {
  b.open();  // create the schema once first; concurrent creation is covered by the kill test's fresh store
  const int writers = 8, runs = 12;
  std::vector<pid_t> pids;
  for (int i = 0; i < writers; ++i) pids.push_back(spawn_writer(b.url, b.dir->path / "artifacts", runs, true));
  for (auto p : pids) CHECK(wait_exit(p) == 0);
  auto s = b.open();
  // 4 nodes per run, every one executed (fresh data each run), nothing lost, nothing duplicated
  std::string not_complete;  // what to look at when the first check fails (it once did, rarely, on MariaDB)
  for (auto& r : s->connection().query(
           "SELECT E.`id`, E.`last_known_state`, P.`name`, P.`string_value`, P.`int_value` FROM `Execution` AS E "
           "LEFT JOIN `ExecutionProperty` AS P ON P.`execution_id` = E.`id` WHERE E.`last_known_state` <> 3",
           {}))
    for (auto& v : r)
      not_complete += (std::holds_alternative<std::string>(v) ? std::get<std::string>(v)
                       : std::holds_alternative<std::int64_t>(v) ? std::to_string(std::get<std::int64_t>(v))
                                                                 : std::string("-")) + (&v == &r.back() ? "\n" : " ");
  INFO("executions not COMPLETE (id, state, property, value):\n" << not_complete);
  CHECK(count(*s, "SELECT COUNT(*) FROM `Execution` WHERE `last_known_state` = 3") == writers * runs * 4);
  CHECK(count(*s, "SELECT COUNT(*) FROM `Execution`") == writers * runs * 4);
  CHECK(count(*s, "SELECT COUNT(*) FROM `Artifact` WHERE `state` = 2") == writers * runs * 4);
  CHECK(count(*s, "SELECT COUNT(*) FROM `Context` AS C JOIN `Type` AS T ON T.`id` = C.`type_id` "
                  "WHERE T.`name` = 'pipeline_run'") == writers * runs);
  CHECK(count(*s, "SELECT COUNT(*) FROM `Context` AS C JOIN `Type` AS T ON T.`id` = C.`type_id` "
                  "WHERE T.`name` = 'pipeline'") == 1);
  CHECK(count(*s, "SELECT COUNT(*) FROM `Type` WHERE `name` = 'scale'") == 1);  // one type, however many writers
  CHECK(count(*s, "SELECT COUNT(*) FROM `Event`") == writers * runs * (4 + 3));  // 4 outputs + 3 inputs per run
}

}  // namespace

MLPIPE_BOTH_BACKENDS("schema matches docs/metadata.md: tables, columns, types, keys, indexes", schema_matches_doc)
MLPIPE_BOTH_BACKENDS("8 processes writing one store at once lose nothing", eight_writers)

TEST_CASE("sqlite: kill -9 at random points leaves a consistent store, and the next run completes") {
  auto b = mlpipe_test::sqlite_backend();
  auto root = b.dir->path / "artifacts";
  std::mt19937 rng(12345);
  const int trials = 20;
  std::size_t interrupted = 0;
  for (int t = 0; t < trials; ++t) {
    INFO("trial " << t);
    auto p = spawn_writer(b.url, root, 0, true);  // records runs until killed
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 180));
    ::kill(p, SIGKILL);
    CHECK(wait_exit(p) == -SIGKILL);

    auto s = b.open();
    auto ic = s->connection().query("PRAGMA integrity_check", {});
    REQUIRE(ic.size() == 1);
    CHECK(detail::as_string(ic[0][0]) == "ok");
    // no LIVE artifact without its files
    for (auto& r : s->connection().query("SELECT `uri` FROM `Artifact` WHERE `state` = 2", {}))
      CHECK_MESSAGE(fs::is_directory(detail::as_string(r[0])), detail::as_string(r[0]));
    interrupted += static_cast<std::size_t>(count(*s, "SELECT COUNT(*) FROM `Execution` WHERE `last_known_state` = 2"));
    // every event and association points at rows that exist
    CHECK(count(*s, "SELECT COUNT(*) FROM `Event` WHERE `artifact_id` NOT IN (SELECT `id` FROM `Artifact`) "
                    "OR `execution_id` NOT IN (SELECT `id` FROM `Execution`)") == 0);
    CHECK(count(*s, "SELECT COUNT(*) FROM `Association` WHERE `execution_id` NOT IN (SELECT `id` FROM `Execution`)") == 0);
    CHECK(count(*s, "SELECT COUNT(*) FROM `EventPath` WHERE `event_id` NOT IN (SELECT `id` FROM `Event`)") == 0);

    // the next run completes, and leaves nothing RUNNING behind (what the killed one left is CANCELED)
    CHECK(wait_exit(spawn_writer(b.url, root, 1, false)) == 0);
    CHECK(count(*s, "SELECT COUNT(*) FROM `Execution` WHERE `last_known_state` = 2") == 0);
    CHECK(count(*s, "SELECT COUNT(*) FROM `Artifact` WHERE `state` = 1") == 0);
  }
  MESSAGE(interrupted << " executions were caught RUNNING by a kill over " << trials << " trials");
  auto s = b.open();
  CHECK(count(*s, "SELECT COUNT(*) FROM `Execution` WHERE `last_known_state` = 3") > 0);
}
