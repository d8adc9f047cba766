// benchmarks/metadata/make_store.hpp: fills a store with N runs of a 6-node pipeline through the recorder
// (examples -> statistics -> schema -> transform -> train -> evaluate), 200 runs per transaction.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/metadata/recorder.hpp>

namespace bench_store {

inline void fill(mlpipe::metadata::store& s, const std::filesystem::path& root, long runs) {
  using namespace mlpipe;
  struct node {
    std::string name, stage, input, type;
  };
  const std::vector<node> nodes{{"examples", "csv_examples", "", "Examples"},
                                {"statistics", "statistics", "examples", "ExampleStatistics"},
                                {"schema", "infer_schema", "statistics", "Schema"},
                                {"transform", "fit_transform", "examples", "TransformGraph"},
                                {"train", "train", "transform", "Model"},
                                {"evaluate", "evaluate", "train", "ModelEvaluation"}};
  metadata::recorder rec(s, root);
  std::vector<std::string> names;
  for (auto& n : nodes) names.push_back(n.name);
  const long batch = 200;
  for (long b0 = 0; b0 < runs; b0 += batch) {
    s.transaction([&] {
      for (long r = b0; r < std::min(runs, b0 + batch); ++r) {
        rec.run_started("bench", "run-" + std::to_string(r), names);
        std::map<std::string, artifact_ref> outs;
        for (auto& n : nodes) {
          nlohmann::json params = {{"pattern", "data/span-" + std::to_string(r) + "/*.csv"}, {"seed", r}, {"ratio", 0.5}};
          node_info info{"bench", n.name, n.stage, 1, &params, static_cast<std::uint64_t>(r * 31 + n.name.size())};
          std::vector<artifact_ref> in;
          if (!n.input.empty()) {
            in.push_back(outs[n.input]);
            in.back().key = n.input;
          }
          auto dir = rec.node_started(info, in);
          artifact_ref o{n.type, 0, n.type, dir / n.type, static_cast<std::uint64_t>(r)};
          std::vector<artifact_ref> ov{o};
          std::vector<std::pair<std::string, property_value>> recs{{"rows", std::int64_t{150}}, {"auc", 0.9}};
          rec.node_succeeded(info, ov, recs);
          outs[n.name] = o;
        }
        rec.run_finished(true);
      }
    });
  }
}

}  // namespace bench_store
