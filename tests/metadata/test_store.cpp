// The store suite: ML Metadata's data model round-trips exactly on both backends.
#include <doctest/doctest.h>

#include <set>

#include "backends.hpp"

using namespace mlpipe::metadata;
using mlpipe_test::backend;

namespace {

const std::string tricky = "it's \"quoted\"\nsecond line\ttab \\ back; DROP TABLE `Artifact`; -- \xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";

void round_trip(const backend& b) {
  auto s = b.open();
  artifact a;
  a.type = "Examples " + tricky;
  a.uri = "/tmp/" + tricky;
  a.state = artifact_state::live;
  a.name = "name " + tricky;
  a.properties["span"] = std::int64_t{-2147483647 - 1};
  a.properties["ratio"] = 0.1;
  a.properties["tiny"] = 1e-300;
  a.properties["label"] = tricky;
  a.properties["flag"] = true;
  a.properties["empty"] = std::string();
  a.custom_properties["span"] = std::string("custom, same name as a declared one");
  a.custom_properties["big"] = std::int64_t{2147483647};
  a.custom_properties["off"] = false;
  a.custom_properties[tricky] = 3.141592653589793;
  auto id = s->put_artifact(a);
  CHECK(id > 0);

  auto s2 = b.open();  // a second connection sees exactly what the first wrote
  auto got = s2->get_artifact(id);
  REQUIRE(got);
  CHECK(got->type == a.type);
  CHECK(got->uri == a.uri);
  CHECK(got->state == artifact_state::live);
  CHECK(got->name == a.name);
  CHECK(got->properties == a.properties);
  CHECK(got->custom_properties == a.custom_properties);
  CHECK(got->create_time_ms > 1'600'000'000'000);  // milliseconds, not seconds
  CHECK(got->create_time_ms <= now_ms());

  // declared properties are registered in TypeProperty with ML Metadata's data_type numbers
  auto props = s2->type_properties(got->type_id);
  CHECK(props.at("span") == property_type::int_);
  CHECK(props.at("ratio") == property_type::double_);
  CHECK(props.at("label") == property_type::string);
  CHECK(props.at("flag") == property_type::boolean);
  CHECK(props.count("big") == 0);  // custom properties are not declared

  // values sit in the one matching *_value column, is_custom_property separates the two kinds
  detail::sql_value p[] = {id};
  auto rows = s2->connection().query(
      "SELECT `name`, `is_custom_property`, `int_value` IS NOT NULL, `double_value` IS NOT NULL, "
      "`string_value` IS NOT NULL, `bool_value` IS NOT NULL FROM `ArtifactProperty` WHERE `artifact_id` = ?", p);
  CHECK(rows.size() == a.properties.size() + a.custom_properties.size());
  for (auto& r : rows) {
    auto set = detail::as_int(r[2]) + detail::as_int(r[3]) + detail::as_int(r[4]) + detail::as_int(r[5]);
    CHECK(set == 1);
    auto n = detail::as_string(r[0]);
    if (n == "flag") CHECK(detail::as_int(r[5]) == 1);
    if (n == "span" && detail::as_int(r[1]) == 0) CHECK(detail::as_int(r[2]) == 1);
    if (n == "span" && detail::as_int(r[1]) == 1) CHECK(detail::as_int(r[4]) == 1);
  }

  // update: state and a property change, others stay
  got->state = artifact_state::deleted;
  got->properties = {{"ratio", 0.25}};
  got->custom_properties.clear();
  s2->put_artifact(*got);
  auto again = s->get_artifact(id);
  REQUIRE(again);
  CHECK(again->state == artifact_state::deleted);
  CHECK(std::get<double>(again->properties.at("ratio")) == 0.25);
  CHECK(again->properties.at("label") == value{tricky});
  CHECK(again->last_update_time_ms >= again->create_time_ms);

  // names and lookups with the same tricky text
  context c;
  c.type = "pipeline_run";
  c.name = tricky;
  c.custom_properties["note"] = tricky;
  s->put_context(c);
  auto found = s2->get_context("pipeline_run", tricky);
  REQUIRE(found);
  CHECK(found->id == c.id);
  CHECK(found->custom_properties.at("note") == value{tricky});
  CHECK(s2->get_artifacts_by_uri(a.uri).size() == 1);
}

void states_events_and_links(const backend& b) {
  auto s = b.open();
  execution e;
  e.type = "trainer";
  e.state = execution_state::running;
  e.properties["epochs"] = std::int64_t{3};
  std::vector<store::artifact_and_event> items(3);
  items[0].artifact.type = "Examples";
  items[0].artifact.uri = "/data/examples";
  items[0].artifact.state = artifact_state::live;
  items[0].event = event{0, 0, 0, event_type::input, 0, {std::string("examples"), std::int64_t{0}}};
  items[1].artifact.type = "Model";
  items[1].artifact.uri = "/data/model";
  items[1].artifact.state = artifact_state::pending;
  items[1].event = event{0, 0, 0, event_type::pending_output, 0, {std::string("model"), std::int64_t{0}}};
  items[2].artifact.type = "Model";
  items[2].artifact.uri = "/data/model2";
  items[2].artifact.state = artifact_state::abandoned;
  items[2].event = event{0, 0, 0, event_type::output, 0, {std::string("model"), std::int64_t{1}}};
  std::vector<context> ctxs(2);
  ctxs[0].type = "pipeline";
  ctxs[0].name = "p";
  ctxs[1].type = "pipeline_run";
  ctxs[1].name = "r1";
  auto eid = s->put_execution(e, items, ctxs);

  // ML Metadata's numbers in the columns
  detail::sql_value p[] = {eid};
  auto st = s->connection().query("SELECT `last_known_state` FROM `Execution` WHERE `id` = ?", p);
  CHECK(detail::as_int(st.at(0)[0]) == 2);
  auto ev = s->connection().query(
      "SELECT E.`type`, A.`state`, A.`uri` FROM `Event` AS E JOIN `Artifact` AS A ON A.`id` = E.`artifact_id` "
      "WHERE E.`execution_id` = ? ORDER BY E.`id`", p);
  REQUIRE(ev.size() == 3);
  CHECK(detail::as_int(ev[0][0]) == 3);  // INPUT
  CHECK(detail::as_int(ev[0][1]) == 2);  // LIVE
  CHECK(detail::as_int(ev[1][0]) == 7);  // PENDING_OUTPUT
  CHECK(detail::as_int(ev[1][1]) == 1);  // PENDING
  CHECK(detail::as_int(ev[2][0]) == 4);  // OUTPUT
  CHECK(detail::as_int(ev[2][1]) == 5);  // ABANDONED
  auto paths = s->connection().query(
      "SELECT P.`is_index_step`, P.`step_index`, P.`step_key` FROM `EventPath` AS P JOIN `Event` AS E "
      "ON E.`id` = P.`event_id` WHERE E.`execution_id` = ? AND E.`type` = 4", p);
  REQUIRE(paths.size() == 2);
  std::set<std::pair<std::int64_t, std::string>> steps;
  for (auto& r : paths) steps.insert({detail::as_int(r[0]), detail::as_int(r[0]) ? detail::as_string(r[1]) : detail::as_string(r[2])});
  CHECK(steps == std::set<std::pair<std::int64_t, std::string>>{{0, "model"}, {1, "1"}});

  // events read back with their [key, index] paths
  auto events = s->get_events_by_execution_ids(std::span<const std::int64_t>(&eid, 1));
  REQUIRE(events.size() == 3);
  CHECK(events[2].path == std::vector<path_step>{std::string("model"), std::int64_t{1}});
  CHECK(events[0].milliseconds_since_epoch > 1'600'000'000'000);

  // associations (execution to both contexts) and attributions (outputs only)
  CHECK(s->get_executions_by_context(ctxs[1].id).size() == 1);
  CHECK(s->get_contexts_by_execution(eid).size() == 2);
  auto attributed = s->get_artifacts_by_context(ctxs[0].id);
  CHECK(attributed.size() == 2);
  // the same contexts are found again, not duplicated
  execution e2;
  e2.type = "trainer";
  e2.state = execution_state::complete;
  std::vector<context> again(2);
  again[0].type = "pipeline";
  again[0].name = "p";
  again[1].type = "pipeline_run";
  again[1].name = "r1";
  std::vector<store::artifact_and_event> none;
  s->put_execution(e2, none, again);
  CHECK(again[1].id == ctxs[1].id);
  CHECK(s->get_executions_by_context(ctxs[1].id).size() == 2);
  CHECK(s->get_contexts_by_type("pipeline_run").size() == 1);

  // parent contexts
  s->put_parent_context(ctxs[1].id, ctxs[0].id);
  s->put_parent_context(ctxs[1].id, ctxs[0].id);  // idempotent
  CHECK(s->get_parent_contexts(ctxs[1].id).size() == 1);
  CHECK(s->get_child_contexts(ctxs[0].id).at(0).name == "r1");
}

void unique_constraints(const backend& b) {
  auto s = b.open();
  context c;
  c.type = "pipeline";
  c.name = "same";
  s->put_context(c);
  context d;
  d.type = "pipeline";
  d.name = "same";
  CHECK_THROWS_AS(s->put_context(d), constraint_error);
  context e;
  e.type = "pipeline";
  e.name = "Same";  // names compare byte for byte
  CHECK_NOTHROW(s->put_context(e));
  artifact a;
  a.type = "Model";
  a.name = "m";
  s->put_artifact(a);
  artifact a2;
  a2.type = "Model";
  a2.name = "m";
  CHECK_THROWS_AS(s->put_artifact(a2), constraint_error);
  execution x;
  x.type = "t";
  s->put_execution(x);
  event ev{0, a.id, x.id, event_type::output, 0, {}};
  s->put_event(ev);
  event ev2{0, a.id, x.id, event_type::output, 0, {}};
  CHECK_THROWS_AS(s->put_event(ev2), constraint_error);
  // a failed transaction leaves nothing behind
  CHECK_THROWS(s->transaction([&] {
    context f;
    f.type = "pipeline";
    f.name = "rolled back";
    s->put_context(f);
    throw std::runtime_error("abort");
  }));
  CHECK_FALSE(s->get_context("pipeline", "rolled back"));
}

void schema_version_is_checked(const backend& b) {
  {
    auto s = b.open();
    CHECK(s->stored_schema_version() == 10);
    auto rows = s->connection().query("SELECT COUNT(*) FROM `MLMDEnv`", {});
    CHECK(detail::as_int(rows.at(0)[0]) == 1);
    s->connection().exec_direct("UPDATE `MLMDEnv` SET `schema_version` = 9");
  }
  try {
    b.open();
    FAIL("a store with schema version 9 was opened");
  } catch (const store_error& e) {
    std::string m = e.what();
    CHECK(m.find("schema version 9") != std::string::npos);
    CHECK(m.find("never migrates") != std::string::npos);
  }
  {
    // nothing was changed by the refused open
    auto u = parse_store_url(b.url);
    std::unique_ptr<detail::sql_connection> c;
    if (u.kind == dialect::sqlite) c = std::make_unique<detail::sqlite_connection>(u.path);
    else c = std::make_unique<detail::mariadb_connection>(u);
    CHECK(detail::as_int(c->query("SELECT `schema_version` FROM `MLMDEnv`", {}).at(0)[0]) == 9);
  }
}

}  // namespace

MLPIPE_BOTH_BACKENDS("names and values with quotes, newlines and Unicode round-trip exactly", round_trip)
MLPIPE_BOTH_BACKENDS("states, event types and paths use ML Metadata's numbers; links", states_events_and_links)
MLPIPE_BOTH_BACKENDS("ML Metadata's unique constraints hold; a failed transaction leaves nothing", unique_constraints)
MLPIPE_BOTH_BACKENDS("a store of another schema version is refused, not migrated", schema_version_is_checked)

TEST_CASE("store URLs") {
  auto s = parse_store_url("sqlite:/tmp/a b/store.db");
  CHECK(s.kind == dialect::sqlite);
  CHECK(s.path == "/tmp/a b/store.db");
  CHECK(parse_store_url("sqlite:rel.db").path == "rel.db");
  auto m = parse_store_url("mariadb://us%40er:p%3Aw@d@db.example:3307/meta");
  CHECK(m.kind == dialect::mysql);
  CHECK(m.user == "us@er");
  CHECK(m.password == "p:w@d");
  CHECK(m.host == "db.example");
  CHECK(m.port == 3307);
  CHECK(m.database == "meta");
  CHECK(parse_store_url("mariadb://u@h/db").port == 3306);
  CHECK_THROWS_WITH_AS(parse_store_url("postgres://x"), doctest::Contains("unknown scheme"), store_error);
  CHECK_THROWS_WITH_AS(parse_store_url("mariadb://h:1/db"), doctest::Contains("user@"), store_error);
  CHECK_THROWS_WITH_AS(parse_store_url("mariadb://u:p@h:99999/db"), doctest::Contains("port"), store_error);
  CHECK_THROWS_WITH_AS(parse_store_url("mariadb://u:p@h:1"), doctest::Contains("database"), store_error);
  CHECK_THROWS_WITH_AS(parse_store_url("sqlite:"), doctest::Contains("file path"), store_error);
}

TEST_CASE("sqlite: a store in a missing folder is a clear error") {
  CHECK_THROWS_WITH_AS(open_store("sqlite:/nonexistent-folder-xyz/store.db"), doctest::Contains("does not exist"),
                       store_error);
}

TEST_CASE("mariadb: a refused login and an unreachable server give errors saying which") {
  auto url = mlpipe_test::mariadb_url();
  if (!url) {
    MESSAGE("MLPIPE_TEST_MARIADB_URL is not set: not run");
    return;
  }
  auto u = parse_store_url(*url);
  std::string wrong = "mariadb://" + u.user + ":wrong-password@" + u.host + ":" + std::to_string(u.port) + "/" + u.database;
  CHECK_THROWS_WITH_AS(open_store(wrong), doctest::Contains("refused the login"), login_error);
  std::string nowhere = "mariadb://" + u.user + ":" + u.password + "@127.0.0.1:1/" + u.database;
  CHECK_THROWS_WITH_AS(open_store(nowhere), doctest::Contains("cannot reach"), unreachable_error);
}

TEST_CASE("mariadb: a dropped connection is reopened and the work goes on") {
  auto b = mlpipe_test::mariadb_backend();
  if (!b) return;
  auto s = b->open();
  context c;
  c.type = "pipeline";
  c.name = "before";
  s->put_context(c);
  auto id = detail::as_int(s->connection().query("SELECT CONNECTION_ID()", {}).at(0)[0]);
  {
    auto killer = b->open();
    killer->connection().exec_direct("KILL " + std::to_string(id));
  }
  // the next write finds the connection gone, reconnects and commits
  context d;
  d.type = "pipeline";
  d.name = "after";
  CHECK_NOTHROW(s->put_context(d));
  CHECK(s->get_context("pipeline", "after"));
  CHECK(detail::as_int(s->connection().query("SELECT CONNECTION_ID()", {}).at(0)[0]) != id);
  // and the tables are InnoDB
  auto engines = s->connection().query(
      "SELECT COUNT(*) FROM `information_schema`.`tables` WHERE `table_schema` = DATABASE() AND `engine` = 'InnoDB'", {});
  CHECK(detail::as_int(engines.at(0)[0]) == 15);
}
