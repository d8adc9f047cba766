// mlpipe/data/csv_error.hpp: the error thrown for a CSV file that cannot be read as asked.
// It names the file, the 1-based line and column (byte in the line), the field and what was expected.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// Bad CSV input. what() reads "FILE:LINE:COLUMN: field N 'NAME': expected E, found F" (parts that do not
/// apply are left out: an empty file has no line, a ragged row may have no field name).
class csv_error : public std::runtime_error {
 public:
  csv_error(std::filesystem::path file, std::size_t line, std::size_t column, std::size_t field_index,
            std::string field, std::string expected, std::string found)
      : std::runtime_error(format(file, line, column, field_index, field, expected, found)),
        file_(std::move(file)), line_(line), column_(column), field_index_(field_index), field_(std::move(field)),
        expected_(std::move(expected)), found_(std::move(found)) {}

  const std::filesystem::path& file() const noexcept { return file_; }
  /// 1-based physical line (embedded newlines in quoted fields count); 0 when not about a line.
  std::size_t line() const noexcept { return line_; }
  /// 1-based byte position in that line; 0 when not about a position.
  std::size_t column() const noexcept { return column_; }
  /// 1-based field number in the row; 0 when not about a field.
  std::size_t field_index() const noexcept { return field_index_; }
  /// The field's column name from the header ("" when unknown).
  const std::string& field() const noexcept { return field_; }
  /// What the reader expected there, e.g. "a number or a missing marker (empty, NA, NaN, null)".
  const std::string& expected() const noexcept { return expected_; }
  /// What it found (the field's text, shortened), or "" when nothing applies.
  const std::string& found() const noexcept { return found_; }

 private:
  static std::string format(const std::filesystem::path& file, std::size_t line, std::size_t column,
                            std::size_t field_index, const std::string& field, const std::string& expected,
                            const std::string& found);

  std::filesystem::path file_;
  std::size_t line_, column_, field_index_;
  std::string field_, expected_, found_;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/csv_error.ipp>
#endif
