// mlpipe/data/split.hpp: deterministic train/eval splits by a hash of each row (or of a key column), as TFX does.
// The same row always lands in the same split, whatever the file order, chunking or machine.
#pragma once

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <mlpipe/core/fingerprint.hpp>
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
inline void hash_column_into(const column& c, std::vector<std::uint64_t>& h) {
  const std::uint64_t missing_tag = 0x6d697373696e67ULL;
  switch (c.kind()) {
    case column_kind::numeric: {
      auto v = c.values();
      for (std::size_t i = 0; i < h.size(); ++i) {
        double d = v[i];
        if (d == 0.0) d = 0.0;  // -0 and 0 are one value
        h[i] = mix64(h[i], c.is_valid(i) ? std::bit_cast<std::uint64_t>(d) : missing_tag);
      }
      break;
    }
    case column_kind::categorical: {
      std::vector<std::uint64_t> dict_hash;
      for (auto& s : c.dictionary()) dict_hash.push_back(fingerprint_bytes(s.data(), s.size()));
      auto codes = c.codes();
      for (std::size_t i = 0; i < h.size(); ++i)
        h[i] = mix64(h[i], codes[i] == column::missing_code ? missing_tag : dict_hash[codes[i]]);
      break;
    }
    case column_kind::string:
      for (std::size_t i = 0; i < h.size(); ++i) {
        auto s = c.str(i);
        h[i] = mix64(h[i], c.is_valid(i) ? fingerprint_bytes(s.data(), s.size()) : missing_tag);
      }
      break;
  }
}
}  // namespace detail

/// A stable 64-bit hash per row of what `key` selects (see split_options). The values are hashed, not their
/// text: "1.0" and "1" are one value, and a numeric and a categorical "1" differ. `first_row` is the global
/// number of the table's first row (a shard of a data-parallel run), so "#row" splits as one process does.
inline std::vector<std::uint64_t> row_hashes(const table& t, const std::string& key = "", std::uint64_t first_row = 0) {
  std::vector<std::uint64_t> h(t.rows(), 0x73706c6974ULL);
  if (key == "#row") {
    for (std::size_t i = 0; i < h.size(); ++i) h[i] = detail::mix64(h[i], first_row + i);
  } else if (!key.empty()) {
    if (!t.index_of(key))
      throw table_error("split key column '" + key + "' is not in the data (columns: " + [&] {
        std::string s;
        for (auto& n : t.names()) s += (s.empty() ? "" : ", ") + n;
        return s;
      }() + ")");
    detail::hash_column_into(t.col(key), h);
  } else {
    for (auto& c : t.columns()) detail::hash_column_into(c, h);
  }
  for (auto& x : h) x = detail::final_mix(x);
  return h;
}

/// For each row: 0 for train, 1 for eval.
inline std::vector<std::uint8_t> assign_splits(const table& t, const split_options& o = {}, std::uint64_t first_row = 0) {
  std::uint64_t total = std::uint64_t{o.train_buckets} + o.eval_buckets;
  if (o.train_buckets == 0 || o.eval_buckets == 0)
    throw std::invalid_argument("split buckets must both be positive (train " + std::to_string(o.train_buckets) +
                                ", eval " + std::to_string(o.eval_buckets) + ")");
  auto h = row_hashes(t, o.key, first_row);
  std::vector<std::uint8_t> s(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) s[i] = (h[i] % total) >= o.train_buckets ? 1 : 0;
  return s;
}

/// The table split in two (train, eval), rows keeping their order.
inline std::pair<table, table> split_table(const table& t, const split_options& o = {}, std::uint64_t first_row = 0) {
  auto s = assign_splits(t, o, first_row);
  std::vector<std::size_t> train, eval;
  train.reserve(s.size());
  eval.reserve(s.size() / 2 + 1);
  for (std::size_t i = 0; i < s.size(); ++i) (s[i] ? eval : train).push_back(i);
  return {t.take(train), t.take(eval)};
}

}  // namespace mlpipe
