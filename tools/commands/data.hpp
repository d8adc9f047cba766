// The `mlpipe stats | schema | validate` commands: TFDV's steps on a CSV file, streamed in chunks within a
// memory budget, with text or JSON output. validate exits 0 when clean, 1 on anomalies, 2 on a usage/input error.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>
#if MLPIPE_HAS_MPI
#include <mlpipe/parallel/statistics.hpp>
#endif

namespace mlpipe::tools {

namespace detail_data {

/// "256M", "1G", "512k", "1048576" -> bytes.
inline std::size_t parse_bytes(const std::string& s) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(s, &pos);
  } catch (const std::exception&) {
    throw CLI::ValidationError("--memory-budget", "expected a size like 256M or 1G, got '" + s + "'");
  }
  std::string unit = s.substr(pos);
  double mult = 1;
  if (unit.empty() || unit == "B" || unit == "b") mult = 1;
  else if (unit == "K" || unit == "k" || unit == "KB" || unit == "KiB") mult = 1024.0;
  else if (unit == "M" || unit == "m" || unit == "MB" || unit == "MiB") mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "g" || unit == "GB" || unit == "GiB") mult = 1024.0 * 1024 * 1024;
  else throw CLI::ValidationError("--memory-budget", "unknown unit '" + unit + "' in '" + s + "' (use K, M or G)");
  if (!(v > 0)) throw CLI::ValidationError("--memory-budget", "must be positive, got '" + s + "'");
  return static_cast<std::size_t>(v * mult);
}

inline std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1024 && u < 4) { b /= 1024; ++u; }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

/// A progress bar on stderr, shown only when stderr is a terminal and the work has taken over a second.
class progress {
 public:
  explicit progress(std::string label) : label_(std::move(label)), tty_(::isatty(2) == 1) {}
  ~progress() { finish(); }
  void update(std::uint64_t done, std::uint64_t total) {
    if (!tty_) return;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (secs < 1.0) return;
    double f = total ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 0.0;
    constexpr int width = 30;
    int filled = static_cast<int>(f * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar += std::string(static_cast<std::size_t>(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%%  %s / %s  %.0f s ", label_.c_str(), bar.c_str(), f * 100,
                 human_bytes(static_cast<double>(done)).c_str(), human_bytes(static_cast<double>(total)).c_str(), secs);
    std::fflush(stderr);
    shown_ = true;
  }
  void finish() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Statistics of a CSV file in one streamed pass: chunks of about half the budget, columns in parallel.
inline split_statistics file_statistics(const std::filesystem::path& file, std::size_t budget, std::size_t threads,
                                        const statistics_options& opt, std::string split_name = {}) {
  csv_options o;
  std::size_t io = std::clamp<std::size_t>(budget / 16, std::size_t{64} << 10, std::size_t{8} << 20);
  o.read_buffer_bytes = io;
  std::size_t chunk_bytes = budget > 2 * io ? (budget - io) / 2 : budget / 2;
#if MLPIPE_HAS_MPI
  // Under mpirun each rank streams its own shard of the file; the merged statistics reach every rank.
  if (auto w = parallel::world())
    return parallel::file_statistics(&*w, file, split_name.empty() ? file.filename().string() : std::move(split_name),
                                     opt, chunk_bytes, threads, o);
#endif
  csv_reader r(file, o);
  statistics_builder b(split_name.empty() ? file.filename().string() : std::move(split_name), opt.sketch_k, threads);
  progress bar(file.filename().string());
  while (auto chunk = r.next_chunk(std::numeric_limits<std::size_t>::max(), chunk_bytes)) {
    // The row count, estimated from the bytes per row so far, lets the sketches sample from early on.
    if (r.bytes_read() > 0 && chunk->rows() > 0)
      b.expect_rows(static_cast<std::uint64_t>(static_cast<double>(r.total_bytes()) *
                                               static_cast<double>(r.rows_read()) / static_cast<double>(r.bytes_read())));
    b.add(table_view(*chunk));
    bar.update(r.bytes_read(), r.total_bytes());
  }
  bar.finish();
  return std::move(b).finish();
}

/// Whether this process prints a command's result: always, except under mpirun, where rank 0 alone does.
inline bool prints_result() {
#if MLPIPE_HAS_MPI
  if (auto w = parallel::world()) return w->is_root();
#endif
  return true;
}

struct common_options {
  std::string file;
  bool json = false;
  std::string budget = "256M";
  std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
};

inline void add_common(CLI::App* cmd, common_options& o) {
  cmd->add_option("FILE", o.file, "CSV file (header row first)")->required()->check(CLI::ExistingFile);
  cmd->add_flag("--json", o.json, "print JSON instead of text");
  cmd->add_option("--memory-budget", o.budget,
                  "memory for the data in flight (K, M, G); files larger than this are streamed in chunks")
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "threads (columns are summarized in parallel)")->capture_default_str();
}

/// Runs a command body; input errors become one line on stderr and exit code 2.
template <class F>
void guarded(int& exit_code, F&& body) {
  try {
    exit_code = body();
  } catch (const CLI::Error&) {
    throw;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::fprintf(stderr, "mlpipe: error: %s\n", e.what());
    exit_code = 2;
  }
}

}  // namespace detail_data

inline void add_data_commands(CLI::App& app, int& exit_code) {
  using namespace detail_data;

  // ---- stats ----
  {
    auto o = std::make_shared<common_options>();
    auto opt = std::make_shared<statistics_options>();
    auto out_dir = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("stats", "statistics of every column of a CSV file (one streamed pass)");
    add_common(cmd, *o);
    cmd->add_option("--buckets", opt->histogram_buckets, "histogram buckets")->capture_default_str();
    cmd->add_option("--top-k", opt->top_k, "most frequent values shown per categorical/string column")
        ->capture_default_str();
    cmd->add_option("-o,--output", *out_dir, "also save the ExampleStatistics artifact in this directory");
    cmd->callback([o, opt, out_dir, &exit_code] {
      guarded(exit_code, [&] {
        example_statistics st;
        st.options = *opt;
        st.splits.push_back(file_statistics(o->file, parse_bytes(o->budget), o->threads, *opt));
        if (!prints_result()) return 0;
        if (!out_dir->empty()) st.save(*out_dir);
        if (o->json) std::cout << st.to_json().dump(2) << '\n';
        else std::cout << st.to_text();
        return 0;
      });
    });
  }

  // ---- schema ----
  {
    auto o = std::make_shared<common_options>();
    auto out = std::make_shared<std::string>();
    auto inf = std::make_shared<infer_schema>();
    auto* cmd = app.add_subcommand("schema", "infer a schema (types, presence, ranges, domains) from a CSV file");
    add_common(cmd, *o);
    cmd->add_option("-o,--output", *out, "write the schema JSON to this file (else print it)");
    cmd->add_option("--max-domain", inf->max_domain_size, "largest categorical domain (more values: free string)")
        ->capture_default_str();
    cmd->add_option("--outlier-cut", inf->outlier_cut, "robust z-score above which a value is an outlier")
        ->capture_default_str();
    cmd->callback([o, out, inf, &exit_code] {
      guarded(exit_code, [&] {
        auto st = file_statistics(o->file, parse_bytes(o->budget), o->threads, {});
        auto s = infer_schema_from(st, inf->max_domain_size, inf->js_divergence, inf->l_infinity, inf->outlier_cut,
                                   inf->outlier_share_margin, inf->min_rows_fraction);
        if (!prints_result()) return 0;
        if (!out->empty()) {
          s.save_file(*out);
          if (o->json) std::cout << s.to_json().dump(2) << '\n';
          else std::cout << s.to_text() << "wrote " << *out << '\n';
        } else {
          std::cout << s.to_json().dump(2) << '\n';
        }
        return 0;
      });
    });
  }

  // ---- validate ----
  {
    auto o = std::make_shared<common_options>();
    auto schema_file = std::make_shared<std::string>();
    auto baseline = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "validate", "check a CSV file against a schema (and drift against a baseline file); exit 1 on anomalies");
    add_common(cmd, *o);
    cmd->add_option("--schema", *schema_file, "schema JSON (from `mlpipe schema`, possibly edited)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--baseline", *baseline, "earlier data to measure drift against")->check(CLI::ExistingFile);
    cmd->callback([o, schema_file, baseline, &exit_code] {
      guarded(exit_code, [&] {
        auto s = schema::load_file(*schema_file);  // a bad schema fails before the data is read
        std::size_t budget = parse_bytes(o->budget);
        auto st = file_statistics(o->file, budget, o->threads, {});
        std::optional<split_statistics> base;
        if (!baseline->empty())
          base = file_statistics(*baseline, budget, o->threads, {},
                                 "baseline " + std::filesystem::path(*baseline).filename().string());
        auto found = find_anomalies(st, s, base ? &*base : nullptr);
        if (!prints_result()) return found.empty() ? 0 : 1;
        if (o->json) std::cout << found.to_json().dump(2) << '\n';
        else std::cout << found.to_text();
        return found.empty() ? 0 : 1;
      });
    });
  }
}

}  // namespace mlpipe::tools
