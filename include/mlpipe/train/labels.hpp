// mlpipe/train/labels.hpp: the label column as model targets: numbers for regression, class indices otherwise.
// Classes may be names (categorical or string columns) or numbers; they are sorted, as scikit-learn does.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/model.hpp>

namespace mlpipe {

/// How the label column becomes targets. Fitted on the train split; bind() it to each table it encodes.
class label_encoding {
 public:
  std::string label;
  bool classification = false;
  std::vector<std::string> classes;    // classification: sorted class names (numbers in shortest form)
  std::vector<double> numeric_classes; // classification on a numeric column: the sorted values
  static constexpr std::size_t max_classes = 10000;

  /// Regression: the label must be numeric. Classification: the classes are the distinct present values.
  static label_encoding fit(const table& train, std::string_view label, bool classification);
  /// Data-parallel: the classes of every rank's shard of the train split (the union, sorted as one process
  /// sorts them), the same on every rank.
  static label_encoding fit(const table& train, std::string_view label, bool classification, const collective& c);

 private:
  void check_classes() const;
  static label_encoding fit_local(const table& train, std::string_view label, bool classification);

 public:

  /// The label resolved against one table (category -> class index computed once).
  class bound {
   public:
    bound(const label_encoding& e, const table& t);

    /// Targets of the rows of `block` into out[0, rows): value or class index. A missing label or a class
    /// that the train split never had throws, naming the row.
    void operator()(const table_view& block, double* out) const;

    /// The label values of `block` themselves when they are already its targets (a regression's finite
    /// values, or classes 0 and 1 in a numeric column), so a caller may read them in place; else nothing.
    std::optional<std::span<const double>> as_is(const table_view& block) const;

    const table& source() const noexcept { return *t_; }

   private:
    const label_encoding* e_;
    const table* t_;
    const column* col_;
    std::unordered_map<std::string, double> index_;
    std::vector<double> remap_;
  };

  bound bind(const table& t) const { return bound(*this, t); }

  /// Rows of each class in `t` (for balanced class weights).
  std::vector<std::size_t> class_counts(const table& t) const;

  static std::string number_name(double x);

 private:
  static const column& column_of(const table& t, std::string_view label);
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/labels.ipp>
#endif
