// A data-parallel node: `run_node` with the ranks as run_options::collective runs the statistics stage (marked
// data_parallel) on every rank's share of the rows; rank 0 alone saves the artifact, equal to one process's.
#include <doctest/doctest.h>

#include <sstream>

#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/validate/statistics.hpp>

#include "common.hpp"

namespace mp = mlpipe;
using mlpipe::test::rank;
using mlpipe::test::world;

static_assert(mp::is_data_parallel<mp::statistics>);
static_assert(!mp::is_data_parallel<mp::csv_examples>);

TEST_CASE("mpirun ... --run-node statistics: each rank its share, rank 0 writes what one process writes") {
  auto dir = mp::test::shared_dir("pipeline");
  std::ostringstream o;
  o << "a,b,c\n";
  for (int r = 0; r < 3000; ++r) o << r * 0.25 << ',' << (r % 7 == 0 ? "" : (r % 3 ? "x" : "y")) << ',' << r % 11 << '\n';
  mp::test::write_once(dir / "d.csv", o.str());
  auto p = mp::pipeline("par", mp::node<"examples">(mp::csv_examples{.pattern = (dir / "d.csv").string()}),
                        mp::node<"statistics">(mp::statistics{.block_rows = 128}) << mp::from<"examples">);
  std::string examples_uri;
  if (rank() == 0) {
    auto e = mp::run_node(p, "examples", {.outputs = {{"Examples", dir / "examples"}}});
    REQUIRE(e.state == mp::node_state::succeeded);
    examples_uri = e.outputs.at(0).uri;
  }
  if (world()) examples_uri = world()->broadcast(examples_uri, 0);
  mp::run_options opt;
  opt.collective = world();
  auto r = mp::run_node(p, "statistics", {.inputs = {{"examples", examples_uri}}, .outputs = {{"ExampleStatistics", dir / "stats"}}}, opt);
  REQUIRE(r.error == "");
  CHECK(r.state == mp::node_state::succeeded);
  CHECK(r.outputs.empty() == (world() && rank() != 0));  // only rank 0 writes
  if (rank() != 0) return;
  auto one = mp::run_node(p, "statistics", {.inputs = {{"examples", examples_uri}}, .outputs = {{"ExampleStatistics", dir / "one"}}});
  REQUIRE(one.state == mp::node_state::succeeded);
  auto got = mp::example_statistics::load(r.outputs.at(0).uri);
  auto want = mp::example_statistics::load(one.outputs.at(0).uri);
  REQUIRE(got.splits.size() == want.splits.size());
  for (std::size_t s = 0; s < want.splits.size(); ++s) {
    CHECK(got.splits[s].rows == want.splits[s].rows);
    for (auto& c : want.splits[s].columns) {
      auto* g = got.splits[s].find(c.name());
      REQUIRE(g);
      CHECK(g->missing() == c.missing());
      if (c.is_numeric()) {
        CHECK(g->min() == c.min());
        CHECK(g->max() == c.max());
        CHECK(g->zeros() == c.zeros());
        CHECK(mp::test::close_rel(g->mean(), c.mean(), 1e-12));
      } else {
        CHECK(g->values().all() == c.values().all());
      }
    }
  }
}
