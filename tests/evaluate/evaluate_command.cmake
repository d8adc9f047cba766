# `mlpipe evaluate` end to end: `mlpipe train` writes a model, `mlpipe evaluate` measures it (text and JSON),
# blesses with --threshold (exit 0), refuses with an impossible one (exit 1), and rejects a bad directory (exit 2).
# cmake -DMLPIPE=<mlpipe binary> -DDATA=<examples/data> -DWORK=<scratch dir> -P evaluate_command.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run expected_rc)
  execute_process(COMMAND ${MLPIPE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "mlpipe ${ARGN}: exit ${rc}, expected ${expected_rc}\nstdout: ${out}\nstderr: ${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

run(0 train ${DATA}/breast_cancer.csv --label diagnosis -o ${WORK}/model)
run(0 evaluate ${WORK}/model ${DATA}/breast_cancer.csv)
foreach(needle "binary model" "auc" "log_loss" "f1/malignant" "confusion matrix")
  string(FIND "${out}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mlpipe evaluate: no '${needle}' in\n${out}")
  endif()
endforeach()

run(0 evaluate ${WORK}/model ${DATA}/breast_cancer.csv --json --threshold "auc>=0.9")
string(JSON auc GET "${out}" evaluation candidate 0 metrics auc)
string(JSON blessed GET "${out}" blessing blessed)
if(auc LESS 0.9 OR NOT blessed)
  message(FATAL_ERROR "expected auc >= 0.9 and blessed, got auc ${auc}, blessed ${blessed}")
endif()

run(1 evaluate ${WORK}/model ${DATA}/breast_cancer.csv --threshold "accuracy>=1.01")
string(FIND "${out}" "not blessed" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected 'not blessed' in\n${out}")
endif()

run(2 evaluate ${WORK}/nowhere ${DATA}/breast_cancer.csv)
string(FIND "${err}" "not a directory" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected a clear error for a missing model directory, got\n${err}")
endif()
file(REMOVE_RECURSE ${WORK})
