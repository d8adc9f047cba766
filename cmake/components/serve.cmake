# mlpipe::serve — the HTTP layer (include/mlpipe/deploy/http.hpp: Boost.Beast on Boost.Asio, compiled once here
# from src/deploy/http_server.cpp, so no user of the header pays for Beast's templates), the model server on it
# (include/mlpipe/deploy/server.hpp, `mlpipe serve`), and infra_validate, whose client is cpp-httplib.
# Debian builds cpp-httplib as a library (libcpp-httplib.so) with OpenSSL, zlib and brotli support; its header
# must see the same CPPHTTPLIB_* definitions as the library (they change class layouts), so we pass them on.
# Boost.Asio and Beast are header-only in Boost 1.74 (Boost.System too): nothing more to link than threads.
find_package(Threads QUIET)
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MLPIPE_CPP_HTTPLIB QUIET cpp-httplib)
endif()
find_path(MLPIPE_HTTPLIB_INCLUDE_DIR httplib.h HINTS ${MLPIPE_CPP_HTTPLIB_INCLUDE_DIRS})
find_library(MLPIPE_HTTPLIB_LIBRARY NAMES cpp-httplib HINTS ${MLPIPE_CPP_HTTPLIB_LIBRARY_DIRS})
find_path(MLPIPE_BEAST_INCLUDE_DIR boost/beast/http.hpp HINTS ${Boost_INCLUDE_DIRS})
if(MLPIPE_HTTPLIB_INCLUDE_DIR AND MLPIPE_BEAST_INCLUDE_DIR AND Threads_FOUND)
  add_library(mlpipe_serve STATIC ${PROJECT_SOURCE_DIR}/src/deploy/http_server.cpp)
  add_library(mlpipe::serve ALIAS mlpipe_serve)
  set_target_properties(mlpipe_serve PROPERTIES POSITION_INDEPENDENT_CODE ON OUTPUT_NAME mlpipe_serve)
  target_link_libraries(mlpipe_serve PUBLIC mlpipe Threads::Threads PRIVATE $<BUILD_INTERFACE:mlpipe_warnings>)
  # no deprecated Asio interfaces; Beast speaks std::string_view
  target_compile_definitions(mlpipe_serve PRIVATE BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
  # under ThreadSanitizer GCC warns that Asio's fences are not modelled; they order nothing across threads here
  # (Asio's io_context uses them when it runs a function in place, on the calling thread); and under the
  # sanitizers GCC 12 takes Beast's boost::optional<std::size_t> content length for uninitialised (it is not)
  target_compile_options(mlpipe_serve PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan -Wno-maybe-uninitialized>)
  target_include_directories(mlpipe_serve SYSTEM PUBLIC
    $<BUILD_INTERFACE:${MLPIPE_HTTPLIB_INCLUDE_DIR}> $<INSTALL_INTERFACE:${MLPIPE_HTTPLIB_INCLUDE_DIR}>)
  if(MLPIPE_HTTPLIB_LIBRARY)
    # the compiled library: take its feature definitions from pkg-config (Debian: OpenSSL, zlib, brotli)
    set(_mlpipe_httplib_defs)
    foreach(_f IN LISTS MLPIPE_CPP_HTTPLIB_CFLAGS_OTHER)
      if(_f MATCHES "^-D(CPPHTTPLIB_.*)")
        list(APPEND _mlpipe_httplib_defs ${CMAKE_MATCH_1})
      endif()
    endforeach()
    target_compile_definitions(mlpipe_serve PUBLIC ${_mlpipe_httplib_defs})
    target_link_libraries(mlpipe_serve PUBLIC $<BUILD_INTERFACE:${MLPIPE_HTTPLIB_LIBRARY}> $<INSTALL_INTERFACE:cpp-httplib>)
  endif()
  install(TARGETS mlpipe_serve EXPORT mlpipeTargets)
else()
  message(STATUS "mlpipe: cpp-httplib or Boost.Beast not found; the model server (mlpipe::serve, mlpipe serve) is not built")
endif()
