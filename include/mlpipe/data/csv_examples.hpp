// mlpipe/data/csv_examples.hpp: the `csv_examples` stage: CSV files (with spans) in, the Examples artifact out.
// Reads the newest span, splits it train/eval by row hash, and keeps the previous span as a drift baseline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/span.hpp>
#include <mlpipe/data/split.hpp>

namespace mlpipe {

/// Stage "csv_examples": reads `pattern` (a file, or a pattern with {SPAN} and *) into `examples`.
///   csv_examples{.pattern = "data/span-{SPAN}.csv", .label = "species"}
struct csv_examples {
  std::string pattern = "";                       // e.g. "data/iris.csv" or "data/span-{SPAN}/*.csv"
  std::string label = "";                         // label column ("" for none); must exist when given
  std::uint32_t train_buckets = 2;                // train:eval = train_buckets:eval_buckets
  std::uint32_t eval_buckets = 1;
  std::string split_key = "";                     // "" whole row, "#row" row index, or a column name
  std::vector<std::string> missing_markers = default_missing_markers();
  std::map<std::string, column_kind> column_types = {};  // type overrides, e.g. from a schema
  std::string delimiter = ",";
  bool header = true;
  bool with_baseline = true;                      // read the previous span as examples::baseline
  MLPIPE_PARAMETERS(pattern, label, train_buckets, eval_buckets, split_key, missing_markers, column_types,
                    delimiter, header, with_baseline);

  static constexpr std::string_view name = "csv_examples";
  static constexpr int version = 1;

  csv_options options() const {
    if (delimiter.size() != 1)
      throw std::invalid_argument("csv_examples: delimiter must be one character, got '" + delimiter + "'");
    csv_options o;
    o.delimiter = delimiter[0];
    o.header = header;
    o.missing_markers = missing_markers;
    o.column_types = column_types;
    return o;
  }

  /// A hash of the bytes of every file the pattern selects now (current and baseline spans): what a cache
  /// must add to the parameters, since this stage has no input artifacts.
  std::uint64_t source_fingerprint() const {
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

  examples operator()(context& ctx) const {
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

  /// Hash of a file's bytes (read in 1 MiB pieces).
  static std::uint64_t fingerprint_file(const std::filesystem::path& f) {
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

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  static table read_span(const span_files& s, csv_options opts) {
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
};

}  // namespace mlpipe
