// tests/metadata/backends.hpp: runs each store test against SQLite and (when MLPIPE_TEST_MARIADB_URL is set)
// against MariaDB; a set URL whose server cannot be reached fails the test instead of skipping it.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <mlpipe/metadata/open.hpp>

#include "../support/shell.hpp"

namespace mlpipe_test {

namespace fs = std::filesystem;

using mlpipe::test_support::temp_dir;

/// One backend with an empty store: `open()` opens (again) the same store.
struct backend {
  std::string name;
  std::string url;
  std::shared_ptr<temp_dir> dir;
  std::unique_ptr<mlpipe::metadata::store> open() const { return mlpipe::metadata::open_store(url); }
};

inline backend sqlite_backend() {
  backend b;
  b.name = "sqlite";
  b.dir = std::make_shared<temp_dir>();
  b.url = "sqlite:" + (b.dir->path / "store.sqlite").string();
  return b;
}

inline std::optional<std::string> mariadb_url() {
  const char* u = std::getenv("MLPIPE_TEST_MARIADB_URL");
  if (!u || !*u) return std::nullopt;
  return std::string(u);
}

/// A fresh database on the test server (dropped and created again), or nullopt when no server is configured.
inline std::optional<backend> mariadb_backend() {
  auto url = mariadb_url();
  if (!url) {
    MESSAGE("MLPIPE_TEST_MARIADB_URL is not set: the MariaDB half of this test did not run");
    return std::nullopt;
  }
  auto u = mlpipe::metadata::parse_store_url(*url);
  // One database per test process: created (and its schema with it) for the first test, emptied for the next
  // ones (DDL costs tens of milliseconds a statement on MariaDB; deleting rows costs almost nothing).
  static bool created = false;
  std::string db = "mlpipe_t" + std::to_string(::getpid() % 100000);
  {
    // Reaching the server is part of the test: an unreachable server throws here and fails the test.
    mlpipe::metadata::detail::mariadb_connection admin(u);
    if (!created) {
      admin.exec_direct("DROP DATABASE IF EXISTS `" + db + "`");
      admin.exec_direct("CREATE DATABASE `" + db + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
      created = true;
      auto with_db = "mariadb://" + u.user + ":" + u.password + "@" + u.host + ":" + std::to_string(u.port) + "/" + db;
      mlpipe::metadata::open_store(with_db);  // creates the schema
    } else {
      admin.exec_direct("USE `" + db + "`");
      for (auto t : mlpipe::metadata::schema_tables)
        if (t != "MLMDEnv") admin.exec_direct("DELETE FROM `" + std::string(t) + "`");
      admin.exec_direct("UPDATE `MLMDEnv` SET `schema_version` = 10");
    }
  }
  backend b;
  b.name = "mariadb";
  b.dir = std::make_shared<temp_dir>();
  b.url = "mariadb://" + u.user + ":" + u.password + "@" + u.host + ":" + std::to_string(u.port) + "/" + db;
  return b;
}

}  // namespace mlpipe_test

/// Defines two test cases running `fn(const backend&)`: one on SQLite, one on MariaDB.
#define MLPIPE_BOTH_BACKENDS(title, fn)                                       \
  TEST_CASE("sqlite: " title) { fn(mlpipe_test::sqlite_backend()); }          \
  TEST_CASE("mariadb: " title) {                                              \
    if (auto b = mlpipe_test::mariadb_backend()) fn(*b);                       \
  }
