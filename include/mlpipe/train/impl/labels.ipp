// mlpipe/train/impl/labels.ipp: bodies of train/labels.hpp's non-template functions (compiled once into
// libmlpipe by src/train.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/train/labels.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace mlpipe {

MLPIPE_DECL label_encoding label_encoding::fit(const table& train, std::string_view label, bool classification) {
  auto e = fit_local(train, label, classification);
  e.check_classes();
  return e;
}

MLPIPE_DECL label_encoding label_encoding::fit(const table& train, std::string_view label, bool classification,
                                               const collective& c) {
  auto e = fit_local(train, label, classification);
  if (classification) {
    nlohmann::json mine = e.numeric_classes.empty() ? nlohmann::json(e.classes) : nlohmann::json(e.numeric_classes);
    bool numeric = column_of(train, label).kind() == column_kind::numeric;
    std::vector<double> nums;
    std::vector<std::string> names;
    for (auto& part : c.all_gather(mine.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict))) {
      auto j = nlohmann::json::parse(part);
      if (numeric) for (double x : j) nums.push_back(x);
      else for (auto& s : j) names.push_back(s.get<std::string>());
    }
    if (numeric) {
      std::sort(nums.begin(), nums.end());
      nums.erase(std::unique(nums.begin(), nums.end()), nums.end());
      if (nums.size() > max_classes)
        throw model_error("label '" + e.label + "' has more than " + std::to_string(max_classes) +
                          " distinct values: a regression, not classes?");
      e.numeric_classes = nums;
      e.classes.clear();
      for (double x : nums) e.classes.push_back(number_name(x));
    } else {
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      e.classes = std::move(names);
    }
  }
  e.check_classes();
  return e;
}

MLPIPE_DECL void label_encoding::check_classes() const {
  if (classification && classes.size() < 2)
    throw model_error("label '" + label + "' has " + std::to_string(classes.size()) +
                      " class(es) in the train split; a classifier needs at least 2");
}

MLPIPE_DECL label_encoding label_encoding::fit_local(const table& train, std::string_view label,
                                                     bool classification) {
  label_encoding e;
  e.label = std::string(label);
  e.classification = classification;
  const column& c = column_of(train, label);
  if (!classification) {
    if (c.kind() != column_kind::numeric)
      throw model_error("label '" + e.label + "' is " + std::string(to_string(c.kind())) +
                        "; a regression needs a numeric label (use logistic or softmax regression for classes)");
    return e;
  }
  if (c.kind() == column_kind::numeric) {
    std::vector<double> v;  // sorted distinct values; classes are few, so a binary search per row is cheap
    double last = std::numeric_limits<double>::quiet_NaN();
    for (double x : c.values()) {
      if (x == last || std::isnan(x)) continue;
      last = x;
      auto it = std::lower_bound(v.begin(), v.end(), x);
      if (it != v.end() && *it == x) continue;
      v.insert(it, x);
      if (v.size() > max_classes)
        throw model_error("label '" + e.label + "' has more than " + std::to_string(max_classes) +
                          " distinct values: a regression, not classes?");
    }
    e.numeric_classes = v;
    for (double x : v) e.classes.push_back(number_name(x));
  } else {
    std::vector<std::string> names;
    if (c.kind() == column_kind::categorical) {
      std::vector<char> seen(c.dictionary().size(), 0);
      for (auto code : c.codes())
        if (code != column::missing_code) seen[code] = 1;
      for (std::size_t k = 0; k < seen.size(); ++k)
        if (seen[k]) names.push_back(c.dictionary()[k]);
    } else {
      for (std::size_t r = 0; r < c.size(); ++r)
        if (c.is_valid(r)) names.emplace_back(c.str(r));
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    e.classes = std::move(names);
  }
  return e;
}

MLPIPE_DECL label_encoding::bound::bound(const label_encoding& e, const table& t)
    : e_(&e), t_(&t), col_(&column_of(t, e.label)) {
  if (!e.classification) {
    if (col_->kind() != column_kind::numeric)
      throw model_error("label '" + e.label + "' is not numeric in this table");
    return;
  }
  if (col_->kind() == column_kind::numeric) {
    if (e.numeric_classes.empty())
      throw model_error("label '" + e.label + "' was trained with class names but is numeric in this table");
    return;
  }
  for (std::size_t k = 0; k < e.classes.size(); ++k) index_.emplace(e.classes[k], static_cast<double>(k));
  if (col_->kind() == column_kind::categorical) {
    auto& dict = col_->dictionary();
    remap_.resize(dict.size(), -1.0);
    for (std::size_t k = 0; k < dict.size(); ++k) {
      auto it = index_.find(dict[k]);
      if (it != index_.end()) remap_[k] = it->second;
    }
  }
}

MLPIPE_DECL void label_encoding::bound::operator()(const table_view& block, double* out) const {
  const std::size_t n = block.rows();
  auto cv = block.col(e_->label);
  auto fail = [&](std::size_t r, const std::string& why) {
    throw model_error("row " + std::to_string(block.offset() + r) + ": label '" + e_->label + "' " + why);
  };
  if (!e_->classification) {
    auto v = cv.values();
    for (std::size_t r = 0; r < n; ++r) {
      out[r] = v[r];
      if (!std::isfinite(v[r])) fail(r, std::isnan(v[r]) ? "is missing" : "is infinite");
    }
    return;
  }
  if (col_->kind() == column_kind::numeric) {
    auto v = cv.values();
    auto& cls = e_->numeric_classes;
    if (cls.size() <= 4) {  // few classes: branch-free index (count of smaller classes) and membership
      bool all_known = true;
      for (std::size_t r = 0; r < n; ++r) {
        double k = 0;
        bool known = false;
        for (double c : cls) k += v[r] > c, known |= v[r] == c;
        out[r] = k;
        all_known &= known;
      }
      if (all_known) return;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (std::isnan(v[r])) fail(r, "is missing");
      auto it = std::lower_bound(cls.begin(), cls.end(), v[r]);
      if (it == cls.end() || *it != v[r]) fail(r, "is " + cv.text(r) + ", a class the train split does not have");
      out[r] = static_cast<double>(it - cls.begin());
    }
    return;
  }
  if (col_->kind() == column_kind::categorical) {
    auto codes = cv.codes();
    for (std::size_t r = 0; r < n; ++r) {
      if (codes[r] == column::missing_code) fail(r, "is missing");
      double k = remap_[codes[r]];
      if (k < 0) fail(r, "is '" + cv.text(r) + "', a class the train split does not have");
      out[r] = k;
    }
    return;
  }
  for (std::size_t r = 0; r < n; ++r) {
    if (!cv.is_valid(r)) fail(r, "is missing");
    auto it = index_.find(std::string(cv.str(r)));
    if (it == index_.end()) fail(r, "is '" + cv.text(r) + "', a class the train split does not have");
    out[r] = it->second;
  }
}

MLPIPE_DECL std::optional<std::span<const double>> label_encoding::bound::as_is(const table_view& block) const {
  if (col_->kind() != column_kind::numeric) return std::nullopt;
  auto v = block.col(e_->label).values();
  // one vectorizable sum checks the block: x * 0 is 0 for finite x; x (x - 1) is 0 for 0 and 1 only
  auto all_zero = [&](auto f) {
    double a[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= v.size(); i += 4)
      for (std::size_t l = 0; l < 4; ++l) a[l] += f(v[i + l]);
    for (; i < v.size(); ++i) a[0] += f(v[i]);
    return (a[0] + a[1]) + (a[2] + a[3]) == 0.0;
  };
  if (!e_->classification) {
    if (all_zero([](double x) { return x * 0.0; })) return v;
  } else if (e_->numeric_classes == std::vector<double>{0.0, 1.0}) {
    if (all_zero([](double x) { return std::abs(x * (x - 1.0)); })) return v;
  }
  return std::nullopt;
}

MLPIPE_DECL std::vector<std::size_t> label_encoding::class_counts(const table& t) const {
  std::vector<std::size_t> counts(classes.size(), 0);
  auto b = bind(t);
  std::vector<double> y(4096);
  for (std::size_t begin = 0; begin < t.rows(); begin += y.size()) {
    auto blk = t.view(begin, std::min(t.rows(), begin + y.size()));
    b(blk, y.data());
    for (std::size_t r = 0; r < blk.rows(); ++r) ++counts[static_cast<std::size_t>(y[r])];
  }
  return counts;
}

MLPIPE_DECL std::string label_encoding::number_name(double x) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

MLPIPE_DECL const column& label_encoding::column_of(const table& t, std::string_view label) {
  if (label.empty()) throw model_error("no label column given (training needs one)");
  auto i = t.index_of(label);
  if (!i) throw model_error("the label column '" + std::string(label) + "' is not in the table");
  return t.col(*i);
}

}  // namespace mlpipe
