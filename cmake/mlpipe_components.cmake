# Optional components of mlpipe. Each wraps a linked library and is a target of its own, so including
# mlpipe/core, mlpipe/data or mlpipe/train never adds a link dependency.
# Each component's file in cmake/components/ defines mlpipe_<name> with alias mlpipe::<name>.
file(GLOB _mlpipe_component_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/components/*.cmake)
list(SORT _mlpipe_component_files)
foreach(_f IN LISTS _mlpipe_component_files)
  include(${_f})
endforeach()
