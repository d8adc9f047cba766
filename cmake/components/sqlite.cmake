# mlpipe::sqlite — the SQLite backend of the metadata store (include/mlpipe/metadata/sqlite.hpp).
find_package(SQLite3 QUIET)
if(SQLite3_FOUND)
  # Its code (include/mlpipe/metadata/impl/sqlite.ipp) compiled once; MLPIPE_HEADER_ONLY users link sqlite3.
  add_library(mlpipe_sqlite STATIC ${PROJECT_SOURCE_DIR}/src/components/sqlite.cpp)
  add_library(mlpipe::sqlite ALIAS mlpipe_sqlite)
  set_target_properties(mlpipe_sqlite PROPERTIES EXPORT_NAME sqlite POSITION_INDEPENDENT_CODE ON)
  # The installed target names the system library, so consumers need no FindSQLite3 of their own.
  target_link_libraries(mlpipe_sqlite PUBLIC mlpipe
    $<BUILD_INTERFACE:SQLite::SQLite3> $<INSTALL_INTERFACE:sqlite3>)
  target_link_libraries(mlpipe_sqlite PRIVATE $<BUILD_INTERFACE:mlpipe_warnings>)
  # mlpipe::metadata::main (metadata/main.hpp) and the engines' main built on it (orchestrate/main.hpp, with the
  # exports to SLURM, CWL, Kubeflow and Airflow) open SQLite and MariaDB stores alike: their code is compiled into
  # the MariaDB component (components are read in name order: mariadb.cmake came first), which then brings this.
  if(TARGET mlpipe_mariadb)
    target_sources(mlpipe_mariadb PRIVATE ${PROJECT_SOURCE_DIR}/src/components/metadata_main.cpp
                                          ${PROJECT_SOURCE_DIR}/src/components/orchestrate.cpp)
    target_link_libraries(mlpipe_mariadb PUBLIC mlpipe_sqlite)
  endif()
  install(TARGETS mlpipe_sqlite EXPORT mlpipeTargets)
else()
  message(STATUS "mlpipe: SQLite3 not found; the metadata store's SQLite backend (mlpipe::sqlite) is not built")
endif()
