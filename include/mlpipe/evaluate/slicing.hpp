// mlpipe/evaluate/slicing.hpp: groups evaluation rows into slices by the values of chosen columns
// (TFMA's feature slices): "overall", "sex=F", "sex=F,race=W" for a crossed spec.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>

namespace mlpipe {

/// The name of the slice holding every row.
inline constexpr std::string_view overall_slice = "overall";

/// One slice: its key ("overall", "col=value", "a=x,b=y") and the rows it holds, ascending.
struct slice_rows {
  std::string key;
  std::vector<std::size_t> rows;
};

namespace detail {
MLPIPE_DECL std::vector<std::string> split_slice_spec(std::string_view spec);
}  // namespace detail

/// Slices of `rows` rows: the overall slice first, then for each spec (a column name, or several separated by
/// commas to cross them) one slice per distinct value combination, in order of the values' text. `value(column,
/// row)` gives a row's value as text, or nullopt when missing; a row missing any column of a spec is in no
/// slice of that spec (as TFMA does).
MLPIPE_DECL std::vector<slice_rows> make_slices(
    std::size_t rows, const std::vector<std::string>& specs,
    const std::function<std::optional<std::string>(const std::string& column, std::size_t row)>& value);

/// Slices of a table's rows by the values of its columns (categorical, string, or numeric printed in shortest
/// form; -0 and 0 are one slice), with the same keys and order as the generic make_slices. Rows are grouped by
/// small integer value ids (dictionary codes for categorical columns), so key text is built once per slice.
/// Throws std::invalid_argument naming a spec's column that the table does not have.
template <class Table>
  requires requires(const Table& t, std::string_view n) { t.col(n); t.rows(); t.index_of(n); }
std::vector<slice_rows> make_slices(const Table& t, const std::vector<std::string>& specs) {
  std::vector<std::vector<std::string>> spec_columns;
  for (const auto& spec : specs) {
    spec_columns.push_back(detail::split_slice_spec(spec));
    for (const auto& c : spec_columns.back())
      if (!t.index_of(c)) {
        std::string known;
        for (const auto& n : t.names()) known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument("slice spec '" + spec + "': no column '" + c + "' (columns: " + known + ")");
      }
  }
  const std::size_t n = t.rows();
  constexpr std::uint32_t missing = 0xffffffffu;
  // Per column: a value id per row (missing for a missing value) and the text of each id.
  struct coded {
    std::vector<std::uint32_t> ids;
    std::vector<std::string> text;
  };
  std::map<std::string, coded> cache;
  auto code_column = [&](const std::string& name) -> const coded& {
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
    coded c;
    c.ids.resize(n);
    const auto& col = t.col(name);
    if (col.kind() == column_kind::categorical) {
      c.text = col.dictionary();
      auto codes = col.codes();
      for (std::size_t r = 0; r < n; ++r) c.ids[r] = col.is_valid(r) ? codes[r] : missing;
    } else if (col.kind() == column_kind::numeric) {  // by bit pattern; text once per distinct value
      std::unordered_map<std::uint64_t, std::uint32_t> seen;
      auto v = col.values();
      for (std::size_t r = 0; r < n; ++r) {
        if (!col.is_valid(r)) { c.ids[r] = missing; continue; }
        const double x = v[r] == 0 ? 0.0 : v[r];  // -0 and 0 are one slice
        auto [pos, added] = seen.try_emplace(std::bit_cast<std::uint64_t>(x), static_cast<std::uint32_t>(c.text.size()));
        if (added) c.text.push_back(std::string(col.text(r)));
        c.ids[r] = pos->second;
      }
    } else {  // strings: views into the column's buffer
      std::unordered_map<std::string_view, std::uint32_t> seen;
      for (std::size_t r = 0; r < n; ++r) {
        if (!col.is_valid(r)) { c.ids[r] = missing; continue; }
        auto [pos, added] = seen.try_emplace(col.str(r), static_cast<std::uint32_t>(c.text.size()));
        if (added) c.text.emplace_back(pos->first);
        c.ids[r] = pos->second;
      }
    }
    return cache.emplace(name, std::move(c)).first->second;
  };
  std::vector<slice_rows> out;
  out.push_back({std::string(overall_slice), std::vector<std::size_t>(n)});
  for (std::size_t r = 0; r < n; ++r) out.front().rows[r] = r;
  for (const auto& columns : spec_columns) {
    std::vector<const coded*> cols;
    for (const auto& c : columns) cols.push_back(&code_column(c));
    // A row's group is its value ids in mixed radix (one 64-bit number); the cardinalities' product is checked.
    std::vector<std::uint64_t> stride(cols.size());
    std::uint64_t combos = 1;
    for (std::size_t c = cols.size(); c-- > 0;) {
      stride[c] = combos;
      const std::uint64_t card = std::max<std::size_t>(1, cols[c]->text.size());
      if (combos > (std::uint64_t{1} << 62) / card)
        throw std::invalid_argument("slice spec crossing " + std::to_string(cols.size()) +
                                    " columns has too many value combinations");
      combos *= card;
    }
    std::unordered_map<std::uint64_t, std::size_t> group_of;
    std::vector<std::uint64_t> group_key;
    std::vector<std::vector<std::size_t>> group_rows;
    std::uint64_t last_key = ~std::uint64_t{0};
    std::size_t last_group = 0;
    for (std::size_t r = 0; r < n; ++r) {
      std::uint64_t key = 0;
      bool ok = true;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        const auto id = cols[c]->ids[r];
        if (id == missing) { ok = false; break; }
        key += id * stride[c];
      }
      if (!ok) continue;
      if (key != last_key) {  // runs of equal keys skip the hash lookup
        auto [pos, added] = group_of.try_emplace(key, group_rows.size());
        if (added) group_rows.emplace_back(), group_key.push_back(key);
        last_key = key;
        last_group = pos->second;
      }
      group_rows[last_group].push_back(r);
    }
    std::vector<slice_rows> spec_slices;
    for (std::size_t g = 0; g < group_rows.size(); ++g) {
      std::string k;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        const auto id = (group_key[g] / stride[c]) % std::max<std::size_t>(1, cols[c]->text.size());
        k += (c ? "," : "") + columns[c] + "=" + cols[c]->text[id];
      }
      spec_slices.push_back({std::move(k), std::move(group_rows[g])});
    }
    std::sort(spec_slices.begin(), spec_slices.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    for (auto& sl : spec_slices) out.push_back(std::move(sl));
  }
  return out;
}

/// Whether a threshold's slice selector picks the slice `key`. Selectors: "" (every slice), "overall", a spec
/// ("sex", "sex,race": every slice of that spec), or values ("sex=F", "sex=F,race=W"; columns may mix, as
/// "sex=F,race" for every race among sex=F).
MLPIPE_DECL bool slice_matches(std::string_view selector, std::string_view key);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/slicing.ipp>
#endif
