// mlpipe/parallel/statistics.hpp: statistics of a CSV file computed data-parallel: each rank summarizes its own
// shard, the serialized accumulators are merged at rank 0 in rank order (TFDV's combiners), then shared.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/parallel/communicator.hpp>
#include <mlpipe/parallel/shard.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe::parallel {

/// The whole mergeable state of a split's statistics as bytes (CBOR: doubles bit for bit, every distinct value
/// of every categorical kept, so merged counts are exact).
inline std::string serialize(const split_statistics& s) {
  statistics_options all;
  all.kept_values = std::numeric_limits<std::size_t>::max();
  all.quantiles = {};
  all.histogram_buckets = 1;
  nlohmann::json cols = nlohmann::json::array();
  for (auto& c : s.columns) cols.push_back(c.to_json(all));
  auto bytes = nlohmann::json::to_cbor(nlohmann::json{{"name", s.name}, {"rows", s.rows}, {"columns", cols}});
  return {bytes.begin(), bytes.end()};
}
inline split_statistics deserialize_split(const std::string& bytes) {
  auto j = nlohmann::json::from_cbor(bytes);
  split_statistics s;
  s.name = j.at("name").get<std::string>();
  s.rows = j.at("rows").get<std::uint64_t>();
  for (auto& c : j.at("columns")) s.columns.push_back(column_statistics::from_json(c));
  return s;
}

/// Merges every rank's statistics of one split: rank 0 merges them in rank order; every rank gets the result
/// (`everywhere`) or only rank 0 does (others keep their own). Counts, missing, min, max, zeros and value
/// counts are exact; mean and variance merge by Chan's formula; quantiles within the sketch's stated error.
inline split_statistics merge_statistics(const collective& c, split_statistics local, bool everywhere = true) {
  auto parts = c.gather(serialize(local), 0);
  std::string merged;
  if (c.is_root()) {
    for (std::size_t r = 1; r < parts.size(); ++r) local.merge(deserialize_split(parts[r]));
    if (everywhere) merged = serialize(local);
  }
  if (!everywhere) return local;
  merged = c.broadcast(std::move(merged), 0);
  return c.is_root() ? local : deserialize_split(merged);
}

/// Statistics of a CSV file, streamed in chunks of about `chunk_bytes`, each rank over its own shard (see
/// read_shard), merged. Without a collective (or in a world of one) the whole file in this process.
inline split_statistics file_statistics(const collective* c, const std::filesystem::path& file, std::string split_name,
                                        const statistics_options& opt = {}, std::size_t chunk_bytes = std::size_t{64} << 20,
                                        std::size_t threads = 1, csv_options csv = {}, bool everywhere = true,
                                        shard_info* shard = nullptr) {
  auto [b, info] = read_shard(
      c, file, csv, chunk_bytes, [&] { return statistics_builder(split_name, opt.sketch_k, threads); },
      [&](statistics_builder& s, const table& t) { s.add(table_view(t)); });
  if (shard) *shard = info;
  auto local = std::move(b).finish();
  if (!c || c->size() <= 1) return local;
  return merge_statistics(*c, std::move(local), everywhere);
}

}  // namespace mlpipe::parallel
