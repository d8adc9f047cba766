# Runs the compiler on SOURCE, which must NOT compile, and checks that the diagnostic matches every regex
# given in the source on a line `// expect: REGEX`. Used by the compile-fail tests.
file(STRINGS ${SOURCE} _lines REGEX "^// expect: ")
if(NOT _lines)
  message(FATAL_ERROR "${SOURCE} has no `// expect: REGEX` line")
endif()
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INCLUDE} ${SOURCE}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(_rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
set(_all "${_out}${_err}")
foreach(_l IN LISTS _lines)
  string(REGEX REPLACE "^// expect: " "" _re "${_l}")
  if(NOT _all MATCHES "${_re}")
    message(FATAL_ERROR "The diagnostic for ${SOURCE} does not match `${_re}`:\n${_all}")
  endif()
endforeach()
message(STATUS "${SOURCE}: fails to compile as expected")
