// mlpipe/data/impl/split.ipp: bodies of data/split.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <bit>
#include <stdexcept>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/data/split.hpp>

namespace mlpipe {

MLPIPE_DECL void detail::hash_column_into(const column& c, std::vector<std::uint64_t>& h) {
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

MLPIPE_DECL std::vector<std::uint64_t> row_hashes(const table& t, const std::string& key, std::uint64_t first_row) {
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

MLPIPE_DECL std::vector<std::uint8_t> assign_splits(const table& t, const split_options& o, std::uint64_t first_row) {
  std::uint64_t total = std::uint64_t{o.train_buckets} + o.eval_buckets;
  if (o.train_buckets == 0 || o.eval_buckets == 0)
    throw std::invalid_argument("split buckets must both be positive (train " + std::to_string(o.train_buckets) +
                                ", eval " + std::to_string(o.eval_buckets) + ")");
  auto h = row_hashes(t, o.key, first_row);
  std::vector<std::uint8_t> s(h.size());
  for (std::size_t i = 0; i < h.size(); ++i) s[i] = (h[i] % total) >= o.train_buckets ? 1 : 0;
  return s;
}

MLPIPE_DECL std::pair<table, table> split_table(const table& t, const split_options& o, std::uint64_t first_row) {
  auto s = assign_splits(t, o, first_row);
  std::vector<std::size_t> train, eval;
  train.reserve(s.size());
  eval.reserve(s.size() / 2 + 1);
  for (std::size_t i = 0; i < s.size(); ++i) (s[i] ? eval : train).push_back(i);
  return {t.take(train), t.take(eval)};
}

}  // namespace mlpipe
