// mlpipe/evaluate/slicing.hpp: groups evaluation rows into slices by the values of chosen columns
// (TFMA's feature slices): "overall", "sex=F", "sex=F,race=W" for a crossed spec.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
inline std::vector<std::string> split_slice_spec(std::string_view spec) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    auto end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    auto part = spec.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) throw std::invalid_argument("slice spec '" + std::string(spec) + "' has an empty column name");
    out.emplace_back(part);
    start = end + 1;
  }
  return out;
}
}  // namespace detail

/// Slices of `rows` rows: the overall slice first, then for each spec (a column name, or several separated by
/// commas to cross them) one slice per distinct value combination, in order of the values' text. `value(column,
/// row)` gives a row's value as text, or nullopt when missing; a row missing any column of a spec is in no
/// slice of that spec (as TFMA does).
inline std::vector<slice_rows> make_slices(
    std::size_t rows, const std::vector<std::string>& specs,
    const std::function<std::optional<std::string>(const std::string& column, std::size_t row)>& value) {
  std::vector<slice_rows> out;
  out.push_back({std::string(overall_slice), {}});
  out.front().rows.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) out.front().rows[r] = r;
  for (const auto& spec : specs) {
    auto columns = detail::split_slice_spec(spec);
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t r = 0; r < rows; ++r) {
      std::string key;
      bool ok = true;
      for (std::size_t c = 0; c < columns.size() && ok; ++c) {
        auto v = value(columns[c], r);
        if (!v) { ok = false; break; }
        key += (c ? "," : "") + columns[c] + "=" + *v;
      }
      if (ok) groups[key].push_back(r);
    }
    for (auto& [k, rs] : groups) out.push_back({k, std::move(rs)});
  }
  return out;
}

/// Slices of a table's rows by the values of its columns (categorical, string, or numeric printed in shortest
/// form). Throws std::invalid_argument naming a spec's column that the table does not have.
template <class Table>
  requires requires(const Table& t, std::string_view n) { t.col(n); t.rows(); t.index_of(n); }
std::vector<slice_rows> make_slices(const Table& t, const std::vector<std::string>& specs) {
  for (const auto& spec : specs)
    for (const auto& c : detail::split_slice_spec(spec))
      if (!t.index_of(c)) {
        std::string known;
        for (const auto& n : t.names()) known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument("slice spec '" + spec + "': no column '" + c + "' (columns: " + known + ")");
      }
  return make_slices(t.rows(), specs, [&](const std::string& column, std::size_t row) -> std::optional<std::string> {
    const auto& col = t.col(column);
    if (!col.is_valid(row)) return std::nullopt;
    return std::string(col.text(row));
  });
}

/// Whether a threshold's slice selector picks the slice `key`. Selectors: "" (every slice), "overall", a spec
/// ("sex", "sex,race": every slice of that spec), or values ("sex=F", "sex=F,race=W"; columns may mix, as
/// "sex=F,race" for every race among sex=F).
inline bool slice_matches(std::string_view selector, std::string_view key) {
  if (selector.empty()) return true;
  if (selector == overall_slice || key == overall_slice) return selector == key;
  auto want = detail::split_slice_spec(selector);
  auto have = detail::split_slice_spec(key);
  if (want.size() != have.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    auto eq = have[i].find('=');
    std::string_view col = std::string_view(have[i]).substr(0, eq);
    if (want[i].find('=') == std::string::npos) {
      if (want[i] != col) return false;
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace mlpipe
