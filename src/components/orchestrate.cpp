// src/components/orchestrate.cpp: the bodies of include/mlpipe/orchestrate/impl/*.ipp (the engines' main, the exports to
// SLURM, CWL, Kubeflow and Airflow), compiled into the mlpipe::mariadb component beside metadata::main, which they build on.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/orchestrate/impl/airflow.ipp>
#include <mlpipe/orchestrate/impl/cwl.ipp>
#include <mlpipe/orchestrate/impl/dag.ipp>
#include <mlpipe/orchestrate/impl/export_options.ipp>
#include <mlpipe/orchestrate/impl/finalize.ipp>
#include <mlpipe/orchestrate/impl/kfp.ipp>
#include <mlpipe/orchestrate/impl/main.ipp>
#include <mlpipe/orchestrate/impl/resources.ipp>
#include <mlpipe/orchestrate/impl/slurm.ipp>
#include <mlpipe/orchestrate/impl/watch.ipp>
