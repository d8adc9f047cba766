# Runs the compiler CXX on SOURCE, which must NOT compile, and checks the diagnostic a user gets: exactly one
# `error:` (no cascade), at most 30 lines, and that one error line matching every `// expect: REGEX` line of the
# source (the node names, ports and types involved). ONE_ERROR_ONLY (Clang 14, which prints names in template
# arguments as character codes) checks only the count and the length.
file(STRINGS ${SOURCE} _lines REGEX "^// expect: ")
if(NOT _lines)
  message(FATAL_ERROR "${SOURCE} has no `// expect: REGEX` line")
endif()
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -fdiagnostics-color=never -I${INCLUDE} ${SOURCE}
  RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
if(_rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled with ${CXX}, but it must not")
endif()
set(_all "${_out}${_err}")
string(REGEX MATCHALL "[^\n]*error:[^\n]*" _errors "${_all}")
list(LENGTH _errors _count)
string(REGEX MATCHALL "\n" _newlines "${_all}")
list(LENGTH _newlines _length)
if(NOT _count EQUAL 1)
  message(FATAL_ERROR "${CXX} gives ${_count} errors for ${SOURCE}, not one:\n${_all}")
endif()
if(_length GREATER 30)
  message(FATAL_ERROR "${CXX}'s diagnostic for ${SOURCE} is ${_length} lines, more than 30:\n${_all}")
endif()
if(NOT ONE_ERROR_ONLY)
  foreach(_l IN LISTS _lines)
    string(REGEX REPLACE "^// expect: " "" _re "${_l}")
    if(NOT _errors MATCHES "${_re}")
      message(FATAL_ERROR "${CXX}'s error line for ${SOURCE} does not match `${_re}`:\n${_all}")
    endif()
  endforeach()
endif()
message(STATUS "${SOURCE}: one error with ${CXX}, as expected")
