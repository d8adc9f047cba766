// mlpipe/data/impl/csv_examples.ipp: bodies of data/csv_examples.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <fstream>

#include <mlpipe/data/csv_examples.hpp>

namespace mlpipe {

MLPIPE_DECL csv_options csv_examples::options() const {
  if (delimiter.size() != 1)
    throw std::invalid_argument("csv_examples: delimiter must be one character, got '" + delimiter + "'");
  csv_options o;
  o.delimiter = delimiter[0];
  o.header = header;
  o.missing_markers = missing_markers;
  o.column_types = column_types;
  return o;
}

MLPIPE_DECL std::uint64_t csv_examples::source_fingerprint() const {
  auto sel = select_spans(pattern);
  hasher h(0x637376ULL);
  auto add = [&](const span_files& s) {
    h.update_value(s.span);
    for (auto& f : s.files) h.update_value(fingerprint_file(f));
  };
  add(sel.current);
  if (with_baseline && sel.baseline) add(*sel.baseline);
  return h.digest();
}

MLPIPE_DECL examples csv_examples::operator()(context& ctx) const {
  auto sel = select_spans(pattern);
  auto opts = options();
  examples out;
  out.label = label;
  out.span = sel.current.span;
  table all = read_span(sel.current, opts);
  if (!label.empty() && !all.index_of(label))
    throw table_error("csv_examples: label column '" + label + "' is not in " + sel.current.files.front().string() +
                      " (columns: " + join(all.names()) + ")");
  // Later files and the baseline are read with the current span's types, so their columns line up.
  hasher fp(0x637376ULL);
  fp.update_value(sel.current.span);
  for (auto& f : sel.current.files) {
    out.files.push_back(f.string());
    fp.update_value(fingerprint_file(f));
  }
  split_options so{train_buckets, eval_buckets, split_key};
  auto [train, eval] = split_table(all, so);
  out.train = std::move(train);
  out.eval = std::move(eval);
  if (with_baseline && sel.baseline) {
    auto bopts = opts;
    for (std::size_t j = 0; j < all.num_columns(); ++j) bopts.column_types[all.col(j).name()] = all.col(j).kind();
    out.baseline = read_span(*sel.baseline, bopts);
    for (auto& f : sel.baseline->files) fp.update_value(fingerprint_file(f));
    ctx.record("baseline_span", property_value{sel.baseline->span});
    ctx.record("baseline_rows", out.baseline->rows());
  }
  out.input_fingerprint = fp.digest();
  ctx.record("span", property_value{out.span});
  ctx.record("files", out.files.size());
  ctx.record("columns", all.num_columns());
  ctx.record("rows", all.rows());
  ctx.record("train_rows", out.train.rows());
  ctx.record("eval_rows", out.eval.rows());
  ctx.log("span " + std::to_string(out.span) + ": " + std::to_string(all.rows()) + " rows (" +
          std::to_string(out.train.rows()) + " train, " + std::to_string(out.eval.rows()) + " eval)" +
          (out.baseline ? ", baseline span " + std::to_string(sel.baseline->span) + " with " +
                              std::to_string(out.baseline->rows()) + " rows"
                        : std::string()));
  return out;
}

MLPIPE_DECL std::uint64_t csv_examples::fingerprint_file(const std::filesystem::path& f) {
  std::ifstream in(f, std::ios::binary);
  if (!in) throw csv_error(f, 0, 0, 0, "", "a readable file", "it cannot be opened");
  hasher h(0x66696c65ULL);
  std::vector<char> buf(std::size_t{1} << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return h.digest();
}

MLPIPE_DECL std::string csv_examples::join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

MLPIPE_DECL table csv_examples::read_span(const span_files& s, csv_options opts) {
  table all;
  bool first = true;
  for (auto& f : s.files) {
    csv_reader r(f, opts);
    if (first) {
      for (std::size_t j = 0; j < r.num_columns(); ++j) opts.column_types[r.names()[j]] = r.kinds()[j];
      all = r.read_all();
      first = false;
      continue;
    }
    table t = r.read_all();
    if (t.names() != all.names())
      throw csv_error(f, 1, 1, 0, "", "the same columns as " + s.files.front().string() + " (" + join(all.names()) + ")",
                      join(t.names()));
    all.append(t);
  }
  return all;
}

}  // namespace mlpipe
