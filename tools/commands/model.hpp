// tools/commands/model.hpp: `mlpipe train FILE.csv --label COL -o DIR`: infers column types and a schema, splits
// train/eval, fits the transform on the train split (one-hot vocabularies from the schema's domains), trains a
// linear, logistic or softmax model, writes schema, transform and model to DIR.
#pragma once

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe::tools {

namespace detail {

struct train_command_options {
  std::string file, label, model = "auto", out;
  std::vector<std::string> sets, exclude;
  bool json = false, verbose = false;
};

/// auto: a numeric label with exactly two values, or a categorical one with two classes -> logistic; more
/// classes -> softmax; other numeric labels -> linear.
inline std::string pick_model(const table& t, const std::string& label) {
  const column& c = t.col(label);
  if (c.kind() == column_kind::numeric) {
    std::vector<double> seen;
    for (std::size_t r = 0; r < c.size() && seen.size() <= 2; ++r)
      if (c.is_valid(r) && std::find(seen.begin(), seen.end(), c.values()[r]) == seen.end()) seen.push_back(c.values()[r]);
    return seen.size() == 2 ? "logistic" : "linear";
  }
  return label_encoding::fit(t, label, true).classes.size() == 2 ? "logistic" : "softmax";
}

/// Mean metric of the eval split: accuracy (classifiers) or RMSE (regression).
inline nlohmann::json quick_eval(const model& m, const transform_graph& g, const table& eval) {
  nlohmann::json j = nlohmann::json::object();
  if (eval.rows() == 0) return j;
  auto tf = g.bind(eval);
  auto enc = m.is_classifier() ? label_encoding{m.label, true, m.classes, {}} : label_encoding{m.label, false, {}, {}};
  if (m.is_classifier() && eval.col(m.label).kind() == column_kind::numeric)
    for (auto& c : m.classes) enc.numeric_classes.push_back(std::stod(c));
  auto ly = enc.bind(eval);
  std::vector<double> x, y, p;
  double right = 0, ss = 0;
  for (std::size_t b = 0; b < eval.rows(); b += 4096) {
    auto v = eval.view(b, std::min(eval.rows(), b + 4096));
    x.resize(v.rows() * g.width()), y.resize(v.rows()), p.resize(v.rows());
    auto fb = tf(v, x);
    ly(v, y.data());
    m.predict(fb, p);
    for (std::size_t r = 0; r < v.rows(); ++r) {
      right += p[r] == y[r];
      ss += (p[r] - y[r]) * (p[r] - y[r]);
    }
  }
  auto n = static_cast<double>(eval.rows());
  if (m.is_classifier())
    j["accuracy"] = right / n;
  else
    j["rmse"] = std::sqrt(ss / n);
  return j;
}

template <class M>
model train_with(const train_command_options& o, const examples& ex, const transform_graph& g, context& ctx) {
  train<M> st;
  for (const auto& s : o.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CLI::ValidationError("--set", "'" + s + "' is not PARAM=VALUE (e.g. --set l2=0.001)");
    set_parameter_from_text(st, s.substr(0, eq), s.substr(eq + 1), "train");
  }
  return st(ex, g, ctx);
}

inline int run_train_command(const train_command_options& o) {
  context ctx("mlpipe-train", "train", "cli", {}, 1);
  if (o.verbose)
    ctx.set_log_sink([](std::string_view node, std::string_view msg) {
      std::fprintf(stderr, "[%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
    });
  csv_examples reader;
  reader.pattern = o.file;
  reader.label = o.label;
  reader.with_baseline = false;
  examples ex = reader(ctx);
  if (ex.train.rows() == 0) throw std::runtime_error(o.file + ": no train rows");
  std::string kind = o.model == "auto" ? pick_model(ex.train, o.label) : o.model;
  // The schema comes from the statistics of both splits, as the infer_schema stage makes it; the transform is
  // fitted on the train split, with each categorical's vocabulary taken from its domain in the schema, so a
  // value seen only in the eval split still has its own feature.
  split_statistics stats = compute_statistics(ex.train, "train");
  if (ex.eval.rows() > 0) stats.merge(compute_statistics(ex.eval, "eval"));
  schema sch = infer_schema_from(stats);
  category_domains domains = schema_domains(sch);
  domains.erase(o.label);
  for (const auto& c : o.exclude) domains.erase(c);
  auto g = fit_transform_graph(default_ops(), ex.train, o.label, o.exclude, domains);
  model m;
  if (kind == "logistic")
    m = train_with<logistic_regression>(o, ex, g, ctx);
  else if (kind == "linear")
    m = train_with<linear_regression>(o, ex, g, ctx);
  else if (kind == "softmax")
    m = train_with<softmax_regression>(o, ex, g, ctx);
  else
    throw CLI::ValidationError("--model", "'" + kind + "' is not logistic, linear, softmax or auto");
  namespace fs = std::filesystem;
  fs::path dir(o.out);
  fs::create_directories(dir);
  sch.save(dir / "schema");
  g.save(dir / "transform");
  m.save(dir / "model");
  auto ev = quick_eval(m, g, ex.eval);
  nlohmann::json j{{"file", o.file},
                   {"output", dir.string()},
                   {"model", std::string(to_string(m.kind))},
                   {"label", m.label},
                   {"classes", m.classes},
                   {"train_rows", ex.train.rows()},
                   {"eval_rows", ex.eval.rows()},
                   {"input_columns", g.columns.size()},
                   {"schema_domains", domains.size()},
                   {"features", g.width()},
                   {"solver", m.training["solver"]},
                   {"epochs", m.training["epochs"]},
                   {"train_loss", m.training["train_loss"]},
                   {"eval", ev},
                   {"model_fingerprint", fingerprint_hex(m.fingerprint())},
                   {"transform_fingerprint", fingerprint_hex(g.fingerprint())}};
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("trained %s regression on %s (label '%s'%s)\n", std::string(to_string(m.kind)).c_str(), o.file.c_str(),
              m.label.c_str(), m.is_classifier() ? (", " + std::to_string(m.classes.size()) + " classes").c_str() : "");
  std::printf("  rows: %zu train, %zu eval; %zu input columns -> %zu features\n", ex.train.rows(), ex.eval.rows(),
              g.columns.size(), g.width());
  std::printf("  solver %s, %s passes, train loss %.6g\n", m.training["solver"].get<std::string>().c_str(),
              m.training["epochs"].dump().c_str(), m.training["train_loss"].get<double>());
  for (auto& [k, v] : ev.items()) std::printf("  eval %s: %.6g\n", k.c_str(), v.get<double>());
  std::printf("  schema inferred from both splits: %zu categorical domain%s used as one-hot vocabularies\n",
              domains.size(), domains.size() == 1 ? "" : "s");
  std::printf("  wrote %s, %s and %s\n", (dir / "schema").string().c_str(), (dir / "transform").string().c_str(),
              (dir / "model").string().c_str());
  return 0;
}

}  // namespace detail

/// Registers `mlpipe train`.
inline void add_model_commands(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<detail::train_command_options>();
  auto* cmd = app.add_subcommand("train", "Fit the preprocessing and train a model on a CSV file (train split)");
  cmd->add_option("FILE", opt->file, "CSV file with a header row")->required()->check(CLI::ExistingFile);
  cmd->add_option("--label", opt->label, "Label column")->required();
  cmd->add_option("--model", opt->model, "logistic | linear | softmax | auto (from the label)")
      ->check(CLI::IsMember({"auto", "logistic", "linear", "softmax"}));
  cmd->add_option("--set", opt->sets, "Training parameter PARAM=VALUE (l2, l1, solver, epochs, learning_rate, ...)");
  cmd->add_option("--exclude", opt->exclude, "Column that is not a feature (repeatable)");
  cmd->add_option("-o,--output", opt->out, "Directory to write transform/ and model/ into")->required();
  cmd->add_flag("--json", opt->json, "Print the summary as JSON");
  cmd->add_flag("-v,--verbose", opt->verbose, "Log the optimizer's progress to stderr");
  cmd->callback([opt, &exit_code] { exit_code = detail::run_train_command(*opt); });
}

}  // namespace mlpipe::tools
