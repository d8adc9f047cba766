// Fuzz target "csv": the CSV reader on its four read paths (whole from memory, a mapped file, a mapped file cut
// into byte ranges parsed by three threads, a file read through a small buffer in chunks of a few rows); each
// either refuses the input with a csv_error or gives the same table as the others.
#include <fstream>

#include <mlpipe/data/csv_reader.hpp>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(csv) {
  using namespace mlpipe;
  const auto csv = fuzz::text(data, size);
  auto attempt = [](auto&& read) -> std::optional<table> {
    try {
      return read();
    } catch (const csv_error&) {
      return std::nullopt;
    }
  };
  auto whole = attempt([&] { return csv_reader::from_string(csv).read_all(); });

  const auto file = fuzz::scratch() / "input.csv";
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(csv.data(), static_cast<std::streamsize>(csv.size()));
  csv_options mapped_opts;
  mapped_opts.map_file = true;
  auto mapped = attempt([&] { return csv_reader(file, mapped_opts).read_all(); });

  csv_options split_opts;
  split_opts.threads = 3;
  split_opts.min_bytes_per_thread = 1;  // ranges of a few bytes: starts in quotes, blank lines, CRs
  auto split = attempt([&] { return csv_reader(file, split_opts).read_all(); });

  csv_options buffered_opts;
  buffered_opts.map_file = false;
  buffered_opts.read_buffer_bytes = 1;  // the reader's smallest buffer: rows cross buffer refills
  auto chunked = attempt([&] {
    csv_reader r(file, buffered_opts);
    table t;
    bool first = true;
    while (auto c = r.next_chunk(3)) {
      if (first) t = std::move(*c);
      else t.append(*c);
      first = false;
    }
    return t;
  });

  if (whole.has_value() != mapped.has_value() || whole.has_value() != chunked.has_value() ||
      whole.has_value() != split.has_value())
    fuzz::broken("csv: one read path refuses what another accepts");
  if (whole && !(*whole == *mapped && *whole == *chunked && *whole == *split))
    fuzz::broken("csv: the read paths give different tables");
  return 0;
}
