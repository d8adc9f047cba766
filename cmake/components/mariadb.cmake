# mlpipe::mariadb — the MariaDB/MySQL backend of the metadata store, through MariaDB Connector/C
# (include/mlpipe/metadata/mariadb.hpp).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MLPIPE_LIBMARIADB QUIET libmariadb)
endif()
find_path(MLPIPE_MARIADB_INCLUDE_DIR mysql.h
  HINTS ${MLPIPE_LIBMARIADB_INCLUDE_DIRS} PATH_SUFFIXES mariadb)
find_library(MLPIPE_MARIADB_LIBRARY NAMES mariadb libmariadb
  HINTS ${MLPIPE_LIBMARIADB_LIBRARY_DIRS})
if(MLPIPE_MARIADB_INCLUDE_DIR AND MLPIPE_MARIADB_LIBRARY)
  # Its code (include/mlpipe/metadata/impl/mariadb.ipp) compiled once; MLPIPE_HEADER_ONLY users link mariadb.
  add_library(mlpipe_mariadb STATIC ${PROJECT_SOURCE_DIR}/src/components/mariadb.cpp)
  add_library(mlpipe::mariadb ALIAS mlpipe_mariadb)
  set_target_properties(mlpipe_mariadb PROPERTIES EXPORT_NAME mariadb POSITION_INDEPENDENT_CODE ON)
  target_include_directories(mlpipe_mariadb SYSTEM PUBLIC
    $<BUILD_INTERFACE:${MLPIPE_MARIADB_INCLUDE_DIR}> $<INSTALL_INTERFACE:${MLPIPE_MARIADB_INCLUDE_DIR}>)
  target_link_libraries(mlpipe_mariadb PUBLIC mlpipe
    $<BUILD_INTERFACE:${MLPIPE_MARIADB_LIBRARY}> $<INSTALL_INTERFACE:mariadb>)
  target_link_libraries(mlpipe_mariadb PRIVATE $<BUILD_INTERFACE:mlpipe_warnings>)
  install(TARGETS mlpipe_mariadb EXPORT mlpipeTargets)
else()
  message(STATUS "mlpipe: MariaDB Connector/C not found; the metadata store's MariaDB backend (mlpipe::mariadb) is not built")
endif()
