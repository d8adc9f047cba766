// mlpipe/data/impl/table.ipp: bodies of data/table.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY); table::save and table::load are in data/detail/table_io.hpp.
#pragma once

#include <charconv>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include <mlpipe/data/table.hpp>

namespace mlpipe {

MLPIPE_DECL void write_json_value(nlohmann::json& j, column_kind k) { to_json(j, k); }
MLPIPE_DECL void read_json_value(const nlohmann::json& j, column_kind& k, const std::string&) { from_json(j, k); }

namespace detail {

#if defined(__linux__)
MLPIPE_DECL huge_block_cache& huge_block_cache::instance() {
  static auto* c = new huge_block_cache;  // never destroyed: tables in static storage may outlive any order
  return *c;
}

MLPIPE_DECL void* huge_block_cache::take(std::size_t len) {
  std::lock_guard<std::mutex> lock(m_);
  for (std::size_t i = 0; i < blocks_.size(); ++i)
    if (blocks_[i].second == len) {  // exact sizes only: a block is unmapped with the length it was given
      void* p = blocks_[i].first;
      total_ -= len;
      blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
      return p;
    }
  release_locked();
  return nullptr;
}

MLPIPE_DECL bool huge_block_cache::give(void* p, std::size_t len) {
  std::lock_guard<std::mutex> lock(m_);
  if (total_ + len > max_total || blocks_.size() >= max_blocks) return false;
  blocks_.emplace_back(p, len);
  total_ += len;
  return true;
}

MLPIPE_DECL void huge_block_cache::release() {
  std::lock_guard<std::mutex> lock(m_);
  release_locked();
}

MLPIPE_DECL void huge_block_cache::release_locked() {
  for (auto& [p, len] : blocks_) ::munmap(p, len);
  blocks_.clear();
  total_ = 0;
}
#endif

MLPIPE_DECL void append_bits(std::vector<std::uint64_t>& dst, std::size_t at, std::span<const std::uint64_t> src,
                             std::size_t bits) {
  dst.resize(validity_words(at + bits), 0);
  const unsigned shift = at & 63;
  for (std::size_t w = 0; w < validity_words(bits); ++w) {
    std::uint64_t v = src[w];
    if (w + 1 == validity_words(bits) && (bits & 63)) v &= (std::uint64_t{1} << (bits & 63)) - 1;
    dst[(at >> 6) + w] |= v << shift;
    if (shift && (at >> 6) + w + 1 < dst.size()) dst[(at >> 6) + w + 1] |= v >> (64 - shift);
  }
}

[[noreturn]] MLPIPE_DECL void wrong_kind(const std::string& name, column_kind have, column_kind want) {
  throw table_error("column '" + name + "' is " + std::string(to_string(have)) + ", not " +
                    std::string(to_string(want)));
}

}  // namespace detail

MLPIPE_DECL column column::numeric(std::string name, std::vector<double> v, std::vector<std::uint64_t> validity) {
  return numeric_from(std::move(name), detail::column_vector<double>(v.begin(), v.end()), std::move(validity));
}

MLPIPE_DECL column column::numeric_from(std::string name, detail::column_vector<double> v,
                                         std::vector<std::uint64_t> validity) {
  column c(std::move(name), column_kind::numeric, v.size());
  c.values_ = std::move(v);
  if (validity.empty()) {
    c.validity_.assign(detail::validity_words(c.size_), 0);
    for (std::size_t i = 0; i < c.size_; ++i)
      if (!std::isnan(c.values_[i])) c.validity_[i >> 6] |= std::uint64_t{1} << (i & 63);
  } else {
    c.take_validity(std::move(validity));
    for (std::size_t i = 0; i < c.size_; ++i)
      if (!c.is_valid(i)) c.values_[i] = std::numeric_limits<double>::quiet_NaN();
  }
  c.recount();
  return c;
}

MLPIPE_DECL column column::numeric_from(std::string name, detail::column_vector<double> v,
                                         std::vector<std::uint64_t> validity, detail::trusted_t) {
  column c(std::move(name), column_kind::numeric, v.size());
  c.values_ = std::move(v);
  c.take_validity(std::move(validity));
  c.recount();
  return c;
}

MLPIPE_DECL column column::categorical_from(std::string name, detail::column_vector<std::uint32_t> codes,
                                             std::vector<std::string> dict, std::vector<std::uint64_t> validity,
                                             detail::trusted_t) {
  column c(std::move(name), column_kind::categorical, codes.size());
  c.codes_ = std::move(codes);
  c.dict_ = std::move(dict);
  c.take_validity(std::move(validity));
  c.recount();
  return c;
}

MLPIPE_DECL column column::categorical(std::string name, std::vector<std::uint32_t> codes, std::vector<std::string> dict,
                                        std::vector<std::uint64_t> validity) {
  return categorical_from(std::move(name), detail::column_vector<std::uint32_t>(codes.begin(), codes.end()),
                          std::move(dict), std::move(validity));
}

MLPIPE_DECL column column::categorical_from(std::string name, detail::column_vector<std::uint32_t> codes,
                                             std::vector<std::string> dict, std::vector<std::uint64_t> validity) {
  column c(std::move(name), column_kind::categorical, codes.size());
  c.codes_ = std::move(codes);
  c.dict_ = std::move(dict);
  if (validity.empty()) {
    c.validity_.assign(detail::validity_words(c.size_), 0);
    for (std::size_t i = 0; i < c.size_; ++i)
      if (c.codes_[i] != missing_code) c.validity_[i >> 6] |= std::uint64_t{1} << (i & 63);
  } else {
    c.take_validity(std::move(validity));
    for (std::size_t i = 0; i < c.size_; ++i)
      if (!c.is_valid(i)) c.codes_[i] = missing_code;
  }
  for (std::size_t i = 0; i < c.size_; ++i)
    if (c.codes_[i] != missing_code && c.codes_[i] >= c.dict_.size())
      throw table_error("column '" + c.name_ + "': code " + std::to_string(c.codes_[i]) + " at row " +
                        std::to_string(i) + " is outside its dictionary of " + std::to_string(c.dict_.size()));
  c.recount();
  return c;
}

MLPIPE_DECL column column::strings(std::string name, const std::vector<std::optional<std::string>>& values) {
  column c(std::move(name), column_kind::string, values.size());
  c.offsets_.reserve(values.size() + 1);
  c.offsets_.push_back(0);
  c.validity_.assign(detail::validity_words(c.size_), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i]) {
      c.chars_ += *values[i];
      c.validity_[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
    c.offsets_.push_back(c.chars_.size());
  }
  c.recount();
  return c;
}

MLPIPE_DECL column column::strings(std::string name, const std::vector<std::string>& values) {
  std::vector<std::optional<std::string>> v(values.begin(), values.end());
  return strings(std::move(name), v);
}

MLPIPE_DECL column column::strings(std::string name, std::string chars, std::vector<std::uint64_t> offsets,
                                    std::vector<std::uint64_t> validity) {
  if (offsets.empty()) offsets.push_back(0);
  column c(std::move(name), column_kind::string, offsets.size() - 1);
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
    if (offsets[i] > offsets[i + 1]) throw table_error("column '" + c.name_ + "': offsets decrease");
  if (offsets.front() != 0 || offsets.back() > chars.size())
    throw table_error("column '" + c.name_ + "': offsets outside the character buffer");
  c.chars_ = std::move(chars);
  c.offsets_ = std::move(offsets);
  if (validity.empty())
    c.validity_.assign(detail::validity_words(c.size_), ~std::uint64_t{0});
  else
    c.take_validity(std::move(validity));
  c.clear_padding();
  c.recount();
  return c;
}

MLPIPE_DECL void column::hash_into(hasher& h) const {
  h.update(std::string_view(name_));
  h.update_value(static_cast<std::uint8_t>(kind_));
  h.update_value(static_cast<std::uint64_t>(size_));
  update_words(h, validity_.data(), validity_.size());
  switch (kind_) {
    case column_kind::numeric:
      // Missing rows hold NaN whose payload may differ; hash them as 0 so equal content hashes equal.
      for (std::size_t i = 0; i < size_; ++i) {
        double d = is_valid(i) ? values_[i] : 0.0;
        if (d == 0.0) d = 0.0;
        update_raw(h, &d);
      }
      break;
    case column_kind::categorical:
      h.update_value(static_cast<std::uint64_t>(dict_.size()));
      for (auto& s : dict_) h.update(std::string_view(s));
      for (auto code : codes_) h.update_value(code);
      break;
    case column_kind::string:
      for (std::size_t i = 0; i < size_; ++i) h.update(str(i));
      break;
  }
}

MLPIPE_DECL void column::take_validity(std::vector<std::uint64_t> v) {
  if (v.size() != detail::validity_words(size_))
    throw table_error("column '" + name_ + "': validity has " + std::to_string(v.size()) + " words, expected " +
                      std::to_string(detail::validity_words(size_)));
  validity_ = std::move(v);
  clear_padding();
}

MLPIPE_DECL const column& table::col(std::size_t i) const {
  if (i >= cols_.size())
    throw table_error("column index " + std::to_string(i) + " out of range (" + std::to_string(cols_.size()) +
                      " columns)");
  return cols_[i];
}

MLPIPE_DECL const column& table::col(std::string_view name) const {
  if (auto i = index_of(name)) return cols_[*i];
  throw table_error("no column named '" + std::string(name) + "' (columns: " + joined_names() + ")");
}

MLPIPE_DECL std::vector<std::string> table::names() const {
  std::vector<std::string> n;
  n.reserve(cols_.size());
  for (auto& c : cols_) n.push_back(c.name());
  return n;
}

MLPIPE_DECL void table::add(column c) {
  if (index_of(c.name())) throw table_error("duplicate column name '" + c.name() + "'");
  if (!cols_.empty() && c.size() != rows_)
    throw table_error("column '" + c.name() + "' has " + std::to_string(c.size()) + " rows, the table has " +
                      std::to_string(rows_));
  rows_ = c.size();
  cols_.push_back(std::move(c));
}

MLPIPE_DECL bool table::remove(std::string_view name) {
  auto i = index_of(name);
  if (!i) return false;
  cols_.erase(cols_.begin() + static_cast<std::ptrdiff_t>(*i));
  if (cols_.empty()) rows_ = 0;
  return true;
}

MLPIPE_DECL table table::slice(std::size_t begin, std::size_t end) const {
  check_range(begin, end);
  table t;
  for (auto& c : cols_) t.add(c.slice(begin, end));
  return t;
}

MLPIPE_DECL void table::append(const table& other) {
  if (cols_.empty()) {
    *this = other;
    return;
  }
  if (other.num_columns() != num_columns())
    throw table_error("cannot append a table of " + std::to_string(other.num_columns()) + " columns to one of " +
                      std::to_string(num_columns()));
  for (std::size_t i = 0; i < cols_.size(); ++i) {
    if (cols_[i].name() != other.cols_[i].name() || cols_[i].kind() != other.cols_[i].kind())
      throw table_error("cannot append: column " + std::to_string(i) + " is '" + other.cols_[i].name() + "' (" +
                        std::string(to_string(other.cols_[i].kind())) + "), expected '" + cols_[i].name() +
                        "' (" + std::string(to_string(cols_[i].kind())) + ")");
  }
  for (std::size_t i = 0; i < cols_.size(); ++i) cols_[i].append(other.cols_[i]);
  rows_ += other.rows_;
}

MLPIPE_DECL std::uint64_t table::fingerprint() const {
  hasher h(0x7461626c65ULL);
  hash_into(h);
  return h.digest();
}

MLPIPE_DECL void table::hash_into(hasher& h) const {
  h.update_value(static_cast<std::uint64_t>(rows_));
  h.update_value(static_cast<std::uint64_t>(cols_.size()));
  for (auto& c : cols_) c.hash_into(h);
}

MLPIPE_DECL void table::check_range(std::size_t begin, std::size_t end) const {
  if (begin > end || end > rows_)
    throw table_error("row range [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside a table of " +
                      std::to_string(rows_) + " rows");
}

MLPIPE_DECL std::string table::joined_names() const {
  std::string s;
  for (auto& c : cols_) s += (s.empty() ? "" : ", ") + c.name();
  return s;
}

MLPIPE_DECL std::string column::text(std::size_t row) const {
  if (!is_valid(row)) return {};
  switch (kind_) {
    case column_kind::numeric: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, values_[row]);
      return std::string(buf, r.ptr);
    }
    case column_kind::categorical: return dict_[codes_[row]];
    case column_kind::string: return std::string(str(row));
  }
  return {};
}

MLPIPE_DECL column column::categorical(std::string name, const std::vector<std::optional<std::string>>& values) {
  std::vector<std::string> dict;
  std::vector<std::uint32_t> codes;
  codes.reserve(values.size());
  std::unordered_map<std::string, std::uint32_t> index;
  for (auto& v : values) {
    if (!v) {
      codes.push_back(missing_code);
      continue;
    }
    auto [it, fresh] = index.try_emplace(*v, static_cast<std::uint32_t>(dict.size()));
    if (fresh) dict.push_back(*v);
    codes.push_back(it->second);
  }
  return categorical(std::move(name), std::move(codes), std::move(dict));
}

MLPIPE_DECL column column::slice(std::size_t begin, std::size_t end) const {
  if (begin > end || end > size_)
    throw table_error("column '" + name_ + "': row range [" + std::to_string(begin) + ", " + std::to_string(end) +
                      ") outside " + std::to_string(size_) + " rows");
  column c(name_, kind_, end - begin);
  c.validity_.assign(detail::validity_words(c.size_), 0);
  for (std::size_t i = begin; i < end; ++i)
    if (is_valid(i)) c.validity_[(i - begin) >> 6] |= std::uint64_t{1} << ((i - begin) & 63);
  switch (kind_) {
    case column_kind::numeric:
      c.values_.assign(values_.begin() + static_cast<std::ptrdiff_t>(begin),
                       values_.begin() + static_cast<std::ptrdiff_t>(end));
      break;
    case column_kind::categorical:
      c.codes_.assign(codes_.begin() + static_cast<std::ptrdiff_t>(begin),
                      codes_.begin() + static_cast<std::ptrdiff_t>(end));
      c.dict_ = dict_;
      break;
    case column_kind::string: {
      auto base = offsets_[begin];
      c.chars_.assign(chars_, base, offsets_[end] - base);
      c.offsets_.reserve(c.size_ + 1);
      for (std::size_t i = begin; i <= end; ++i) c.offsets_.push_back(offsets_[i] - base);
      break;
    }
  }
  c.recount();
  return c;
}

MLPIPE_DECL void column::append(const column& other) {
  if (other.kind_ != kind_)
    throw table_error("cannot append " + std::string(to_string(other.kind_)) + " column '" + other.name_ + "' to " +
                      std::string(to_string(kind_)) + " column '" + name_ + "'");
  std::size_t old = size_;
  size_ += other.size_;
  detail::append_bits(validity_, old, other.validity_, other.size_);
  switch (kind_) {
    case column_kind::numeric: values_.insert(values_.end(), other.values_.begin(), other.values_.end()); break;
    case column_kind::categorical: {
      // room for every new entry first: the index's views into dict_'s strings must outlive its growth
      dict_.reserve(dict_.size() + other.dict_.size());
      std::unordered_map<std::string_view, std::uint32_t> index;
      for (std::uint32_t k = 0; k < dict_.size(); ++k) index.emplace(dict_[k], k);
      std::vector<std::uint32_t> remap(other.dict_.size());
      for (std::size_t k = 0; k < other.dict_.size(); ++k) {
        auto it = index.find(other.dict_[k]);
        if (it == index.end()) {
          dict_.push_back(other.dict_[k]);
          it = index.emplace(dict_.back(), static_cast<std::uint32_t>(dict_.size() - 1)).first;
        }
        remap[k] = it->second;
      }
      codes_.reserve(size_);
      for (auto code : other.codes_) codes_.push_back(code == missing_code ? missing_code : remap[code]);
      break;
    }
    case column_kind::string: {
      auto base = chars_.size();
      chars_ += other.chars_;
      offsets_.reserve(size_ + 1);
      for (std::size_t i = 1; i < other.offsets_.size(); ++i) offsets_.push_back(base + other.offsets_[i]);
      break;
    }
  }
  recount();
}

MLPIPE_DECL table table::take(std::span<const std::size_t> rows) const {
  table t;
  for (auto& c : cols_) {
    std::vector<std::uint64_t> valid(detail::validity_words(rows.size()), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] >= rows_)
        throw table_error("row " + std::to_string(rows[i]) + " outside a table of " + std::to_string(rows_) + " rows");
      if (c.is_valid(rows[i])) valid[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
    switch (c.kind()) {
      case column_kind::numeric: {
        detail::column_vector<double> v(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) v[i] = c.values_[rows[i]];
        t.add(column::numeric_from(c.name(), std::move(v), std::move(valid)));
        break;
      }
      case column_kind::categorical: {
        detail::column_vector<std::uint32_t> v(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) v[i] = c.codes_[rows[i]];
        t.add(column::categorical_from(c.name(), std::move(v), c.dict_, std::move(valid)));
        break;
      }
      case column_kind::string: {
        std::string chars;
        std::vector<std::uint64_t> off{0};
        off.reserve(rows.size() + 1);
        for (auto r : rows) {
          chars += c.str(r);
          off.push_back(chars.size());
        }
        t.add(column::strings(c.name(), std::move(chars), std::move(off), std::move(valid)));
        break;
      }
    }
  }
  if (cols_.empty()) t.rows_ = 0;
  return t;
}

MLPIPE_DECL bool operator==(const table& a, const table& b) {
  if (a.rows_ != b.rows_ || a.cols_.size() != b.cols_.size()) return false;
  for (std::size_t j = 0; j < a.cols_.size(); ++j) {
    auto& x = a.cols_[j];
    auto& y = b.cols_[j];
    if (x.name() != y.name() || x.kind() != y.kind()) return false;
    if (!std::equal(x.validity_.begin(), x.validity_.end(), y.validity_.begin(), y.validity_.end())) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!x.is_valid(i)) continue;
      switch (x.kind()) {
        case column_kind::numeric: {
          double p = x.values_[i], q = y.values_[i];
          if (!(p == q || (std::isnan(p) && std::isnan(q)))) return false;
          break;
        }
        case column_kind::categorical:
          if (x.dict_[x.codes_[i]] != y.dict_[y.codes_[i]]) return false;
          break;
        case column_kind::string:
          if (x.str(i) != y.str(i)) return false;
          break;
      }
    }
  }
  return true;
}

}  // namespace mlpipe

// table::save and table::load, with the format's writer and reader.
#include <mlpipe/data/detail/table_io.hpp>
