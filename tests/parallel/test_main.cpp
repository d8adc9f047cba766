// The data-parallel tests' main: joins the other ranks when launched by mpirun (every rank runs every test
// case, in the same order), and runs as one process otherwise (the fall-back path).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <mlpipe/parallel/communicator.hpp>

int main(int argc, char** argv) {
  mlpipe::parallel::mpi_session mpi(&argc, &argv);
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
