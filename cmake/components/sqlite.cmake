# mlpipe::sqlite — the SQLite backend of the metadata store (include/mlpipe/metadata/sqlite.hpp).
find_package(SQLite3 QUIET)
if(SQLite3_FOUND)
  add_library(mlpipe_sqlite INTERFACE)
  add_library(mlpipe::sqlite ALIAS mlpipe_sqlite)
  # The installed target names the system library, so consumers need no FindSQLite3 of their own.
  target_link_libraries(mlpipe_sqlite INTERFACE mlpipe
    $<BUILD_INTERFACE:SQLite::SQLite3> $<INSTALL_INTERFACE:sqlite3>)
  install(TARGETS mlpipe_sqlite EXPORT mlpipeTargets)
else()
  message(STATUS "mlpipe: SQLite3 not found; the metadata store's SQLite backend (mlpipe::sqlite) is not built")
endif()
