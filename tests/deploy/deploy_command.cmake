# `mlpipe run --push-to` then `mlpipe predict` on the pushed bundle, and `mlpipe serve` answering one request and
# exiting 0 on SIGTERM. Variables: MLPIPE (the tool), DATA (examples/data), WORK (scratch dir).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
execute_process(COMMAND ${MLPIPE} run --data ${DATA}/iris.csv --label species --threshold accuracy>=0.8
                        --store sqlite:${WORK}/md.sqlite --root ${WORK}/artifacts --push-to ${WORK}/serving
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mlpipe run --push-to failed (${rc}): ${out} ${err}")
endif()
if(NOT EXISTS ${WORK}/serving/1/manifest.json)
  message(FATAL_ERROR "no bundle at serving/1: ${out} ${err}")
endif()
execute_process(COMMAND ${MLPIPE} predict ${WORK}/serving ${DATA}/iris.csv -o ${WORK}/pred.csv
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mlpipe predict failed (${rc}): ${err}")
endif()
file(STRINGS ${WORK}/pred.csv lines)
list(LENGTH lines n)
list(GET lines 0 header)
list(GET lines 1 first)
if(NOT n EQUAL 151 OR NOT header STREQUAL "species,proba_setosa,proba_versicolor,proba_virginica"
   OR NOT first MATCHES "^setosa,")
  message(FATAL_ERROR "unexpected predictions: ${n} lines, header '${header}', first '${first}'")
endif()
# a file whose columns do not fit is an error naming the column
execute_process(COMMAND ${MLPIPE} predict ${WORK}/serving ${DATA}/breast_cancer.csv
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT err MATCHES "sepal_length")
  message(FATAL_ERROR "predict on the wrong file: rc ${rc}, '${err}'")
endif()
