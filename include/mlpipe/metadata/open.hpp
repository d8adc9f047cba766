// mlpipe/metadata/open.hpp: opens a metadata store from its URL (sqlite:PATH or mariadb://user:pw@host:port/db).
// Needs both components linked (mlpipe::sqlite and mlpipe::mariadb); include sqlite.hpp alone for SQLite only.
#pragma once

#include <memory>
#include <string_view>

#include <mlpipe/metadata/mariadb.hpp>
#include <mlpipe/metadata/sqlite.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

/// Opens the store a URL names; a SQLite file is created when missing, tables are created in an empty database,
/// and a store of another schema version is refused.
inline std::unique_ptr<store> open_store(std::string_view url) {
  auto u = parse_store_url(url);
  if (u.kind == dialect::sqlite) return open_sqlite_store(u.path);
  return std::make_unique<store>(std::make_unique<detail::mariadb_connection>(std::move(u)));
}

/// Opens an existing store for reading only (the report commands): a SQLite path that does not exist is an
/// error rather than a new empty store, and a store on a read-only filesystem can be read.
inline std::unique_ptr<store> open_store_read_only(std::string_view url) {
  auto u = parse_store_url(url);
  if (u.kind == dialect::sqlite) return open_sqlite_store_read_only(u.path);
  return std::make_unique<store>(std::make_unique<detail::mariadb_connection>(std::move(u)), store::read_only);
}

}  // namespace mlpipe::metadata

namespace mlpipe {
using metadata::open_store;
}  // namespace mlpipe
