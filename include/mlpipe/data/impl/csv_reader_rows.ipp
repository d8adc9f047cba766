// mlpipe/data/impl/csv_reader_rows.ipp: csv_reader's row parsers (the SIMD separator index, the number parsers),
// kept out of csv_reader.hpp so that a program including it does not parse <immintrin.h>; csv_reader.ipp uses them.
#pragma once

#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/detail/csv_index.hpp>
#include <mlpipe/data/detail/parse_number.hpp>

namespace mlpipe {

template <class FieldParser>
__attribute__((always_inline)) inline csv_reader::step csv_reader::parse_fast_rows_with(std::size_t max_rows,
                                                                                    std::size_t max_bytes,
                                                                                    FieldParser parse_field) {
  constexpr std::size_t stretch = std::size_t{128} << 10;
  const char* const base = data();
  const char* const p0 = base + pos_;
  std::size_t avail = std::min(len_ - pos_, stretch);
  if (limit_ - (consumed_ + pos_) < avail)  // a shard: only rows that start before its limit
    avail = static_cast<std::size_t>(limit_ - (consumed_ + pos_));
  if (avail < 256 || ncols_ == 0) return parse_typed_row();
  // One pass finds the separators up to the first quote; the rows wholly before it (up to the last line end
  // indexed) take the fast path, the quoted one the general parser.
  index_.resize(avail + 16);
  std::size_t seps = FieldParser::index_separators(p0, avail, opts_.delimiter, opts_.quote, index_.data());
  while (seps > 0 && p0[index_[seps - 1]] != '\n') --seps;
  if (seps == 0) return parse_typed_row();  // a quote in the first row, or a row longer than the stretch
  const std::uint32_t* ix = index_.data();
  const std::uint32_t* ix_end = ix + seps;
  const char delim = opts_.delimiter;
  const char* cur = p0;
  bool check_budget = max_bytes != std::numeric_limits<std::size_t>::max();
  while (ix < ix_end && rows_ < max_rows && !(check_budget && over_budget(max_bytes))) {
    const char* row = cur;
    // blank line
    if (p0 + *ix == cur && (*cur == '\n' || *cur == '\r')) {
      if (*cur == '\r' && ix + 1 < ix_end && p0 + ix[1] == cur + 1 && cur[1] == '\n') ++ix, ++cur;
      ++ix, ++cur, ++line_;
      continue;
    }
    if (static_cast<std::size_t>(ix_end - ix) < ncols_) {  // a short row ends the stretch
      if (cur != p0) break;                                 // parse what came before; it is next
      return parse_typed_row();                             // which reports it (or reads it, at the end)
    }
    line_start_ = row;
    start_row();
    bool ok = true;
    const char* sep = cur;
    for (std::size_t j = 0; j < ncols_; ++j) {
      sep = p0 + *ix++;
      char c = *sep;
      if ((c == delim) != (j + 1 < ncols_)) {  // ragged row: let the general parser report it
        ok = false;
        break;
      }
      switch (kinds_[j]) {
        case column_kind::numeric: {
          double v;
          if (parse_field(cur, sep, v)) {
            num_out_[j][rows_] = v;
          } else {
            put_text(j, std::string_view(cur, static_cast<std::size_t>(sep - cur)), line_,
                     static_cast<std::size_t>(cur - row) + 1);
          }
          break;
        }
        default:
          put_text(j, std::string_view(cur, static_cast<std::size_t>(sep - cur)), line_,
                   static_cast<std::size_t>(cur - row) + 1);
      }
      cur = sep + 1;
    }
    if (!ok) {
      rollback(rows_);
      pos_ = static_cast<std::size_t>(row - base);
      return parse_typed_row();
    }
    if (*sep == '\r' && ix < ix_end && p0 + *ix == sep + 1) {  // CRLF
      ++ix;
      ++cur;
    }
    ++line_;
    ++rows_;
  }
  pos_ = static_cast<std::size_t>(cur - base);
  return step::row;
}

/// Puts one field's text (unquoted) into column j; line/col locate the field for errors.
inline void csv_reader::put_text(std::size_t j, std::string_view t, std::size_t line, std::size_t col) {
  if (is_missing(t)) return push_missing(j);
  auto& b = builders_[j];
  switch (kinds_[j]) {
    case column_kind::numeric: {
      double v;
      auto st = detail::parse_number_text(t, v);
      if (st != detail::number_status::ok) {
        std::string hint = opts_.column_types.count(names_[j])
                               ? ""
                               : " (the column's type was inferred as numeric from the first " +
                                     std::to_string(inferred_from_) +
                                     " rows; set its type to categorical or string to accept text)";
        throw csv_error(file_, line, col, j + 1, names_[j],
                        st == detail::number_status::out_of_range
                            ? std::string("a number within the range of a double")
                            : "a number or a missing marker (" + missing_list() + ")",
                        detail::quote_for_message(t) + (st == detail::number_status::out_of_range ? "" : hint));
      }
      num_out_[j][rows_] = v;
      break;
    }
    case column_kind::categorical: {
      check_utf8(j, t, line, col);
      auto& d = dicts_[j];
      std::uint32_t code;
      if (d.last_code != column::missing_code && t == d.last) {
        code = d.last_code;
      } else {
        auto it = d.index.find(t);
        if (it == d.index.end()) {
          code = static_cast<std::uint32_t>(d.values.size());
          d.values.emplace_back(t);
          d.index.emplace(std::string(t), code);
        } else {
          code = it->second;
        }
        d.last.assign(t);
        d.last_code = code;
      }
      b.codes[rows_] = code;
      break;
    }
    case column_kind::string:
      check_utf8(j, t, line, col);
      b.chars.append(t);
      b.offsets.push_back(b.chars.size());
      break;
  }
}

inline csv_reader::step csv_reader::parse_typed_row() {
  const char* const base = data();
  const char* p = base + pos_;
  const char* const end = base + len_;
  if (p == end) return eof_ ? step::done : step::need_more;
  if (*p == '\n' || *p == '\r') return skip_blank(p, end);
  const std::size_t line0 = line_;
  line_start_ = p;
  const char delim = opts_.delimiter, quote = opts_.quote;
  auto cut = [&] {  // the row continues past the buffer: undo it and ask for more
    rollback(rows_);
    line_ = line0;
    return step::need_more;
  };
  start_row();
  for (std::size_t j = 0;; ++j) {
    if (*p == quote && p != end) {
      std::size_t fline = line_, fcol = static_cast<std::size_t>(p - line_start_) + 1;
      if (!parse_quoted(p, end, scratch_, j)) return cut();
      put_text(j, scratch_, fline, fcol);
    } else if (kinds_[j] == column_kind::numeric) {
      const char* s = p;
      double v;
      char c;
      if (detail::parse_decimal_fast(s, v) &&
          ((c = *s) == delim || c == '\n' || c == '\r' || (c == '\0' && s == end))) {
        num_out_[j][rows_] = v;
        p = s;
      } else {
        s = scan(p, end);
        if (s == end && !eof_) return cut();
        put_text(j, std::string_view(p, static_cast<std::size_t>(s - p)), line_,
                 static_cast<std::size_t>(p - line_start_) + 1);
        p = s;
      }
    } else {
      const char* s = scan(p, end);
      if (s == end && !eof_) return cut();
      put_text(j, std::string_view(p, static_cast<std::size_t>(s - p)), line_,
               static_cast<std::size_t>(p - line_start_) + 1);
      p = s;
    }
    // p is at a delimiter, a line end or the end of the data
    if (p == end && !eof_) return cut();
    if (p != end && *p == delim) {
      if (j + 1 == ncols_) too_many_fields(line_, static_cast<std::size_t>(p - line_start_) + 2);
      ++p;
      continue;
    }
    if (j + 1 < ncols_) too_few_fields(p, j + 1);
    if (!end_line(p, end)) return cut();
    break;
  }
  pos_ = static_cast<std::size_t>(p - base);
  ++rows_;
  return step::row;
}

/// The fast path: indexes the separators of a quote-free run of whole lines, then parses its rows with every
/// field's bounds known. Anything unusual (a quote, a ragged row, a field that is not a plain number) goes
/// through parse_typed_row or put_text, which handle every case and produce the precise errors.
inline csv_reader::step csv_reader::parse_fast_rows(std::size_t max_rows, std::size_t max_bytes) {
#if MLPIPE_X86_DISPATCH
  if (detail::cpu_has_avx2()) return parse_fast_rows_avx2(max_rows, max_bytes);
#endif
  return parse_fast_rows_with(max_rows, max_bytes, detail::swar_field_parser{});
}
#if MLPIPE_X86_DISPATCH
// The same loop compiled for AVX2, where the SIMD field parser inlines (the library targets baseline x86-64).
__attribute__((target("avx2"))) inline csv_reader::step csv_reader::parse_fast_rows_avx2(std::size_t max_rows,
                                                                                               std::size_t max_bytes) {
  return parse_fast_rows_with(max_rows, max_bytes, detail::simd_field_parser{});
}
#endif

}  // namespace mlpipe
