// tools/commands/train_parallel.hpp: `mlpipe train` under mpirun: each rank reads its shard of the CSV file,
// splits it by row hash, merges the statistics (schema, transform), trains with summed gradients and X^T W X;
// rank 0 writes schema, transform and model, which equal one process's within rounding.
#pragma once

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/data/split.hpp>
#include <mlpipe/parallel/shard.hpp>
#include <mlpipe/parallel/statistics.hpp>
#include <mlpipe/transform/fit_from_statistics.hpp>

namespace mlpipe::tools::detail {

struct train_command_options;

/// Sums of the eval metric over every rank's eval shard: accuracy (classifiers) or RMSE (regression).
template <class Eval>
nlohmann::json merged_quick_eval(const collective& c, const table& eval, Eval&& quick) {
  auto local = quick(eval);
  double n = static_cast<double>(eval.rows());
  double buf[3] = {n, local.contains("accuracy") ? local["accuracy"].template get<double>() * n : 0.0,
                   local.contains("rmse") ? std::pow(local["rmse"].template get<double>(), 2) * n : 0.0};
  bool classifier = local.contains("accuracy");
  c.sum(std::span<double>(buf, 3));
  std::uint64_t cls = classifier ? 1 : 0;
  classifier = c.sum(cls) > 0;
  nlohmann::json j = nlohmann::json::object();
  if (buf[0] == 0) return j;
  if (classifier) j["accuracy"] = buf[1] / buf[0];
  else j["rmse"] = std::sqrt(buf[2] / buf[0]);
  return j;
}

/// The model family `auto` picks from every rank's labels (as pick_model does from the whole table).
inline std::string pick_model_parallel(const collective& c, const table& train, const std::string& label) {
  const column& col = train.col(label);
  if (col.kind() == column_kind::numeric) {
    std::vector<double> seen;
    for (std::size_t r = 0; r < col.size() && seen.size() <= 2; ++r)
      if (col.is_valid(r) && std::find(seen.begin(), seen.end(), col.values()[r]) == seen.end()) seen.push_back(col.values()[r]);
    std::vector<double> all;
    for (auto& part : c.all_gather(nlohmann::json(seen).dump()))
      for (double x : nlohmann::json::parse(part)) all.push_back(x);
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    return all.size() == 2 ? "logistic" : "linear";
  }
  return label_encoding::fit(train, label, true, c).classes.size() == 2 ? "logistic" : "softmax";
}

/// Reads this rank's shard of `file` and splits it as one process does (by row hash, so the split of a row does
/// not depend on which rank reads it); no split: every row trains.
inline examples read_examples_shard(const collective& c, const std::string& file, const std::string& label,
                                    const std::optional<split_options>& split, parallel::shard_info& info) {
  auto [all, shard] = parallel::read_shard(
      &c, file, csv_options{}, std::size_t{64} << 20, [] { return std::optional<table>{}; },
      [](std::optional<table>& acc, const table& t) {
        if (!acc) acc = t;
        else acc->append(t);
      });
  info = shard;
  if (!all->index_of(label))
    throw table_error("label column '" + label + "' is not in " + file);
  examples ex;
  ex.label = label;
  ex.files = {file};
  if (!split) {
    ex.train = std::move(*all);
    return ex;
  }
  auto [train, eval] = split_table(*all, *split, shard.first_row);
  ex.train = std::move(train);
  ex.eval = std::move(eval);
  return ex;
}

}  // namespace mlpipe::tools::detail
