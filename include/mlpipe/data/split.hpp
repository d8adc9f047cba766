// mlpipe/data/split.hpp: deterministic train/eval splits by a hash of each row (or of a key column), as TFX does.
// The same row always lands in the same split, whatever the file order, chunking or machine.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>

namespace mlpipe {

/// How rows are assigned to splits: hash into train_buckets + eval_buckets buckets; the first train_buckets
/// buckets are train. `key` chooses what is hashed: "" the whole row's values, "#row" the row's index, or a
/// column name (all rows with one key value go to one split, e.g. one user's rows).
struct split_options {
  std::uint32_t train_buckets = 2;
  std::uint32_t eval_buckets = 1;
  std::string key = "";
};

namespace detail {
inline std::uint64_t mix64(std::uint64_t h, std::uint64_t x) noexcept {
  h ^= x + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 31);
}
inline std::uint64_t final_mix(std::uint64_t h) noexcept {  // murmur3's fmix64
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 33);
}
/// Folds one column into per-row hashes (column by column keeps the loops cache friendly).
MLPIPE_DECL void hash_column_into(const column& c, std::vector<std::uint64_t>& h);
}  // namespace detail

/// A stable 64-bit hash per row of what `key` selects (see split_options). The values are hashed, not their
/// text: "1.0" and "1" are one value, and a numeric and a categorical "1" differ. `first_row` is the global
/// number of the table's first row (a shard of a data-parallel run), so "#row" splits as one process does.
MLPIPE_DECL std::vector<std::uint64_t> row_hashes(const table& t, const std::string& key = "",
                                                 std::uint64_t first_row = 0);

/// For each row: 0 for train, 1 for eval.
MLPIPE_DECL std::vector<std::uint8_t> assign_splits(const table& t, const split_options& o = {},
                                                   std::uint64_t first_row = 0);

/// The table split in two (train, eval), rows keeping their order.
MLPIPE_DECL std::pair<table, table> split_table(const table& t, const split_options& o = {},
                                               std::uint64_t first_row = 0);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/split.ipp>
#endif
