# mlpipe::xgboost — gradient-boosted trees through XGBoost's C API (include/mlpipe/train/xgboost.hpp,
# `mlpipe train --model xgboost`). Debian 12: libxgboost-dev. Consumers get MLPIPE_HAVE_XGBOOST defined.
find_path(MLPIPE_XGBOOST_INCLUDE_DIR xgboost/c_api.h)
find_library(MLPIPE_XGBOOST_LIBRARY NAMES xgboost)
if(MLPIPE_XGBOOST_INCLUDE_DIR AND MLPIPE_XGBOOST_LIBRARY)
  add_library(mlpipe_xgboost INTERFACE)
  add_library(mlpipe::xgboost ALIAS mlpipe_xgboost)
  target_include_directories(mlpipe_xgboost SYSTEM INTERFACE
    $<BUILD_INTERFACE:${MLPIPE_XGBOOST_INCLUDE_DIR}> $<INSTALL_INTERFACE:${MLPIPE_XGBOOST_INCLUDE_DIR}>)
  target_compile_definitions(mlpipe_xgboost INTERFACE MLPIPE_HAVE_XGBOOST=1)
  target_link_libraries(mlpipe_xgboost INTERFACE mlpipe
    $<BUILD_INTERFACE:${MLPIPE_XGBOOST_LIBRARY}> $<INSTALL_INTERFACE:xgboost>)
  install(TARGETS mlpipe_xgboost EXPORT mlpipeTargets)
else()
  message(STATUS "mlpipe: XGBoost not found (libxgboost-dev); mlpipe::xgboost and --model xgboost are not built")
endif()
