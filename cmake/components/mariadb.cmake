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
  add_library(mlpipe_mariadb INTERFACE)
  add_library(mlpipe::mariadb ALIAS mlpipe_mariadb)
  target_include_directories(mlpipe_mariadb SYSTEM INTERFACE
    $<BUILD_INTERFACE:${MLPIPE_MARIADB_INCLUDE_DIR}> $<INSTALL_INTERFACE:${MLPIPE_MARIADB_INCLUDE_DIR}>)
  target_link_libraries(mlpipe_mariadb INTERFACE mlpipe
    $<BUILD_INTERFACE:${MLPIPE_MARIADB_LIBRARY}> $<INSTALL_INTERFACE:mariadb>)
  install(TARGETS mlpipe_mariadb EXPORT mlpipeTargets)
else()
  message(STATUS "mlpipe: MariaDB Connector/C not found; the metadata store's MariaDB backend (mlpipe::mariadb) is not built")
endif()
