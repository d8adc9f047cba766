// mlpipe/parallel/statistics.hpp: statistics of a CSV file computed data-parallel: each rank summarizes its own
// shard, the serialized accumulators are merged at rank 0 in rank order (TFDV's combiners), then shared.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/parallel/communicator.hpp>
#include <mlpipe/parallel/shard.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe::parallel {

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
  return mlpipe::merge_statistics(*c, std::move(local), everywhere);
}

}  // namespace mlpipe::parallel
