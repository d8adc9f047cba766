// Faults of the disk under a store and its artifacts: a read-only artifact root (the run FAILED, no execution
// left RUNNING, and a later run closes what an older one left), a full small disk (a failed write removes what
// it wrote), and the report commands' read-only store (a mistyped path is refused, a read-only filesystem is
// read). Real filesystems: a tmpfs the test mounts and unmounts; skipped with a message where mounting is not
// allowed (not root, or a container without CAP_SYS_ADMIN).
#include <doctest/doctest.h>

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <mlpipe/core/detail/persist.hpp>
#include <mlpipe/core/json_file.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/reports.hpp>

#include "backends.hpp"

using namespace mlpipe::metadata;
using mlpipe_test::temp_dir;
namespace fs = std::filesystem;

namespace {

/// A tmpfs of `size` mounted on a fresh folder for the scope; `ok` false (and `why`) where mounting is refused.
struct tmpfs_mount {
  temp_dir dir;
  bool ok = false;
  std::string why;
  explicit tmpfs_mount(const char* size) {
    std::string opts = std::string("size=") + size + ",mode=0755";
    if (::mount("tmpfs", dir.path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0) ok = true;
    else why = std::string("cannot mount a tmpfs here (") + std::strerror(errno) + "): this fault test did not run";
  }
  void remount_read_only() const {
    REQUIRE(::mount(nullptr, dir.path.c_str(), nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) == 0);
  }
  std::uint64_t used_bytes() const {
    struct statvfs st {};
    ::statvfs(dir.path.c_str(), &st);
    return static_cast<std::uint64_t>(st.f_blocks - st.f_bfree) * st.f_frsize;
  }
  ~tmpfs_mount() {
    if (ok) ::umount2(dir.path.c_str(), MNT_DETACH);
  }
};

std::vector<execution> executions_in_state(store& s, execution_state state) {
  mlpipe::metadata::detail::sql_value p[] = {static_cast<std::int64_t>(state)};
  std::vector<std::int64_t> ids;
  for (auto& r : s.connection().query("SELECT `id` FROM `Execution` WHERE `last_known_state` = ?", p))
    ids.push_back(mlpipe::metadata::detail::as_int(r[0]));
  return s.get_executions(ids);
}

mlpipe::node_info node(const nlohmann::json& params, std::string_view name) {
  return mlpipe::node_info{"faulty", name, "stage", 1, &params, 0x1234};
}

// One run whose first node cannot create its artifact directory under `root`, as the runner drives it.
void run_with_root(store& s, const fs::path& root, std::string run) {
  nlohmann::json params = nlohmann::json::object();
  recorder rec(s, root);
  rec.run_started("faulty", run, std::vector<std::string>{"a", "b"});
  CHECK_THROWS(rec.node_started(node(params, "a"), {}));
  rec.node_skipped(node(params, "b"), "a");
  rec.run_finished(false);
}

struct big_artifact {  // 256 KB of JSON: more than the small disk holds
  static constexpr std::string_view type_name = "Big";
  void save(const fs::path& dir) const {
    mlpipe::detail::write_json_file(dir / "big.json", nlohmann::json(std::string(256 << 10, 'x')));
  }
  static big_artifact load(const fs::path&) { return {}; }
  std::uint64_t fingerprint() const { return 1; }
};

}  // namespace

TEST_CASE("faults: a read-only artifact root fails the run and leaves no execution RUNNING") {
  temp_dir d;
  auto s = open_store("sqlite:" + (d.path / "store.sqlite").string());
  // an artifact root that cannot be created: under a regular file (works everywhere) ...
  std::ofstream(d.path / "file") << "x";
  run_with_root(*s, d.path / "file" / "artifacts", "run-1");
  // ... and on a read-only filesystem
  tmpfs_mount ro("1m");
  if (ro.ok) {
    ro.remount_read_only();
    run_with_root(*s, ro.dir.path / "artifacts", "run-2");
  } else {
    MESSAGE(ro.why);
  }
  CHECK(executions_in_state(*s, execution_state::running).empty());
  auto failed = executions_in_state(*s, execution_state::failed);
  CHECK(failed.size() == (ro.ok ? 2u : 1u));
  for (auto& e : failed)
    CHECK(std::get<std::string>(e.custom_properties.at(std::string(names::error))).find("cannot create its artifact directory") !=
          std::string::npos);
  auto runs = list_runs(*s, "faulty");
  for (auto& r : runs) CHECK(r["state"] == "FAILED");
}

TEST_CASE("faults: a later run closes executions that a finished run left RUNNING") {
  temp_dir d;
  auto s = open_store("sqlite:" + (d.path / "store.sqlite").string());
  std::ofstream(d.path / "file") << "x";
  run_with_root(*s, d.path / "file" / "artifacts", "run-old");
  // what an older mlpipe left: the run FAILED, its first execution still RUNNING
  auto e = executions_in_state(*s, execution_state::failed).at(0);
  execution back;
  back.id = e.id, back.type_id = e.type_id, back.state = execution_state::running;
  s->put_execution(back);
  REQUIRE(executions_in_state(*s, execution_state::running).size() == 1);

  nlohmann::json params = nlohmann::json::object();
  recorder rec(*s, d.path / "artifacts");
  rec.run_started("faulty", "run-new", std::vector<std::string>{"a"});
  CHECK(executions_in_state(*s, execution_state::running).empty());
  auto closed = s->get_execution(e.id);
  REQUIRE(closed);
  CHECK(closed->state == execution_state::canceled);
  CHECK(closed->custom_properties.at(std::string(names::abandoned)) == value{true});
  // the new run's own executions are untouched while it runs
  auto dir = rec.node_started(node(params, "a"), {});
  recorder other(*s, d.path / "artifacts");
  other.run_started("faulty", "run-concurrent", std::vector<std::string>{"a"});
  CHECK(s->get_execution(std::stoll(dir.parent_path().filename().string()))->state == execution_state::running);
  rec.node_failed(node(params, "a"), "stopped by the test");
  rec.run_finished(false);
}

TEST_CASE("faults: on a full disk a failed write removes what it wrote") {
  tmpfs_mount small("64k");
  if (!small.ok) {
    MESSAGE(small.why);
    return;
  }
  const auto before = small.used_bytes();
  const auto root = small.dir.path;
  // a JSON artifact file
  CHECK_THROWS_WITH(mlpipe::detail::write_json_file(root / "a.json", nlohmann::json(std::string(256 << 10, 'x'))),
                    doctest::Contains("write failed"));
  CHECK_FALSE(fs::exists(root / "a.json"));
  // an artifact saved by the runner: its temporary directory goes too
  CHECK_THROWS(mlpipe::detail::save_artifact(big_artifact{}, root / "node" / "1", "Big"));
  CHECK(fs::is_empty(root / "node" / "1"));
  // a table (Examples' data files)
  std::vector<double> v(64 << 10, 1.5);
  mlpipe::table t;
  t.add(mlpipe::column::numeric("x", v));
  CHECK_THROWS_AS(t.save(root / "t.mlt"), mlpipe::table_file_error);
  CHECK_FALSE(fs::exists(root / "t.mlt"));
  CHECK(small.used_bytes() <= before + 8192);  // the disk is free again (directories take a block or two)
}

TEST_CASE("faults: reports open the store read-only: a mistyped path is refused, a read-only filesystem is read") {
  temp_dir d;
  auto typo = d.path / "stroe.sqlite";
  CHECK_THROWS_WITH(open_store_read_only("sqlite:" + typo.string()), doctest::Contains("no such store"));
  CHECK_FALSE(fs::exists(typo));  // and nothing was created
  CHECK_THROWS_WITH(open_store_read_only("sqlite:" + (d.path / "nofolder" / "s.sqlite").string()),
                    doctest::Contains("does not exist"));
  std::ofstream(d.path / "empty.sqlite");
  CHECK_THROWS_WITH(open_store_read_only("sqlite:" + (d.path / "empty.sqlite").string()),
                    doctest::Contains("not an ML Metadata store"));

  tmpfs_mount m("4m");
  if (!m.ok) {
    MESSAGE(m.why);
    return;
  }
  const auto url = "sqlite:" + (m.dir.path / "store.sqlite").string();
  {
    auto s = open_store(url);
    std::ofstream(d.path / "file") << "x";
    run_with_root(*s, d.path / "file" / "artifacts", "run-1");
  }
  m.remount_read_only();
  auto s = open_store_read_only(url);
  auto runs = list_runs(*s, "faulty");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]["state"] == "FAILED");
}
