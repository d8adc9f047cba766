// tools/commands/model.hpp: `mlpipe train FILE.csv --label COL -o DIR [--eval FILE | --eval-fraction F]`: infers
// column types and a schema, splits train/eval, fits the transform on the train split (one-hot vocabularies from
// the schema's domains), trains a linear, logistic, softmax or XGBoost model, writes schema, transform and model.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/split.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/train/any_model.hpp>
#include <mlpipe/train/train.hpp>
#ifdef MLPIPE_HAVE_XGBOOST
#include <mlpipe/train/xgboost.hpp>
#endif
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/transform/fit_from_statistics.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>
#if MLPIPE_HAS_MPI
#include "train_parallel.hpp"
#endif

namespace mlpipe::tools {

namespace detail {

struct train_command_options {
  std::string file, label, model = "auto", out, eval_file, push_to;
  double eval_fraction = 1.0 / 3.0;
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
inline nlohmann::json quick_eval(const any_model& m, const transform_graph& g, const table& eval) {
  nlohmann::json j = nlohmann::json::object();
  if (eval.rows() == 0) return j;
  auto tf = g.bind(eval);
  auto enc = m.is_classifier() ? label_encoding{m.label(), true, m.classes(), {}} : label_encoding{m.label(), false, {}, {}};
  if (m.is_classifier() && eval.col(m.label()).kind() == column_kind::numeric)
    for (auto& c : m.classes()) enc.numeric_classes.push_back(std::stod(c));
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

/// The defaults of `mlpipe train` where they differ from the stage's: scikit-learn's out of the box
/// (LogisticRegression(C=1.0): l2 = 1 / n_train in our per-row scale; LinearRegression(): no penalty beyond
/// a 1e-8 ridge that keeps a constant feature from making the normal equations singular), solved to
/// convergence. --set overrides them.
template <class M>
void cli_defaults(train<M>& st, std::size_t train_rows) {
  if constexpr (requires { st.l2; }) {
    st.l2 = M::kind == model_kind::linear ? 1e-8 : 1.0 / static_cast<double>(std::max<std::size_t>(train_rows, 1));
    st.max_iterations = 100;
  }
}

/// `need_eval` is called before training when the trainer reads the eval split (early stopping).
template <class M>
auto train_with(const train_command_options& o, const examples& ex, const transform_graph& g, std::size_t train_rows,
                context& ctx, const std::function<void()>& need_eval) {
  train<M> st;
  cli_defaults(st, train_rows);  // all ranks' rows under mpirun: every rank must choose the same l2
  for (const auto& s : o.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CLI::ValidationError("--set", "'" + s + "' is not PARAM=VALUE (e.g. --set l2=0.001)");
    set_parameter_from_text(st, s.substr(0, eq), s.substr(eq + 1), "train");
  }
  if (st.early_stopping > 0) need_eval();
  if constexpr (requires { st(ex, g, ctx); })
    return st(ex, g, ctx);  // a trainer with no optional inputs (xgboost)
  else
    return st(ex, g, {}, ctx);  // no tuned hyperparameters: the command's --set values
}

inline int run_train_command(const train_command_options& o) {
  context ctx("mlpipe-train", "train", "cli", {}, 1);
  if (o.verbose)
    ctx.set_log_sink([](std::string_view node, std::string_view msg) {
      std::fprintf(stderr, "[%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
    });
  examples ex;
  ex.label = o.label;
  std::string split_how;
  std::optional<split_statistics> eval_stats_read;  // the eval file's statistics, made by the thread that read it
  std::size_t eval_rows = 0;
  schema sch;  // from the statistics of both splits
  // The --eval file is read on a second thread once the train file is in (which takes every core), while the
  // statistics and the training run. It is waited for where it is first needed: before the transform when it
  // has categorical columns (their domains span both files), before training for early stopping, else after,
  // once that thread has also made the schema of both splits (eval_schema).
  std::future<std::pair<table, split_statistics>> eval_read;
  std::future<std::pair<table, schema>> eval_schema;
  auto join_eval = [&] {
    if (eval_schema.valid()) {
      std::tie(ex.eval, sch) = eval_schema.get();
      eval_rows = ex.eval.rows();
    } else if (eval_read.valid()) {
      std::tie(ex.eval, eval_stats_read) = eval_read.get();
    }
  };
  // wall seconds per phase, in the summary: where a run's time goes
  nlohmann::json seconds = nlohmann::json::object();
  auto lap = [&seconds, t0 = std::chrono::steady_clock::now()](const char* phase) mutable {
    auto now = std::chrono::steady_clock::now();
    seconds[phase] = std::round(std::chrono::duration<double>(now - t0).count() * 1e4) / 1e4;
    t0 = now;
  };
  // by a hash of each row, as csv_examples splits: in thousandths
  const auto eval_thousandths = static_cast<std::uint32_t>(std::clamp(std::lround(o.eval_fraction * 1000), 1L, 999L));
  const split_options by_row_hash{1000 - eval_thousandths, eval_thousandths, ""};
  char split_text[160];
  std::snprintf(split_text, sizeof split_text,
                "split by row hash, eval fraction %.3g (--eval FILE or --eval-fraction F to change)", o.eval_fraction);
#if MLPIPE_HAS_MPI
  // Under mpirun each rank holds its own shard of both splits; statistics, schema, transform and the
  // optimizer's sums are merged, so every rank fits the model one process fits; rank 0 writes it.
  auto world = parallel::world();
  parallel::shard_info shard;
  if (world) {
    if (!o.eval_file.empty())
      throw CLI::ValidationError("--eval", "a separate eval file is not read data-parallel (under mpirun) yet");
    ctx.set_collective(&*world);
    const bool no_eval = o.eval_fraction <= 0;
    ex = read_examples_shard(*world, o.file, o.label, no_eval ? std::nullopt : std::optional(by_row_hash), shard);
    ex.label = o.label;
    split_how = std::string(no_eval ? "every row trains (--eval-fraction 0: no eval split)" : split_text) +
                "; each rank reads its byte range of the file";
  } else
#endif
  {
    // The eval file is read with the train file's column types, so the two cannot disagree. A reader fixes its
    // types from the header and first rows when it opens the file, so the train reader's types are the train
    // table's.
    auto excluded = [&o](const std::string& column) {
      return std::find(o.exclude.begin(), o.exclude.end(), column) != o.exclude.end();
    };
    csv_reader train_reader(o.file);
    table all = train_reader.read_all();
    if (!all.index_of(o.label)) throw std::runtime_error(o.file + ": no column '" + o.label + "' (the label)");
    if (!o.eval_file.empty()) {
      csv_options eo;
      for (std::size_t j = 0; j < train_reader.num_columns(); ++j)
        eo.column_types[train_reader.names()[j]] = train_reader.kinds()[j];
      // Opened here (header and types), read on the second thread: a missing column is reported at once, naming
      // both files, rather than as the transform's complaint about "the table" once the model is trained.
      csv_reader eval_reader(o.eval_file, eo);
      for (const auto& name : train_reader.names())
        if (!excluded(name) &&
            std::find(eval_reader.names().begin(), eval_reader.names().end(), name) == eval_reader.names().end())
          throw std::runtime_error(o.eval_file + ": no column '" + name + "', which " + o.file + " has (" +
                                   (name == o.label ? "the label" : "a feature column; --exclude it to train without it") +
                                   ")");
      eval_read = std::async(std::launch::async, [r = std::move(eval_reader)]() mutable {
        table t = r.read_all();
        split_statistics st = compute_statistics(t, "eval");
        return std::pair{std::move(t), std::move(st)};
      });
      bool categorical_features = false;
      for (std::size_t j = 0; j < all.num_columns(); ++j)
        categorical_features |= all.col(j).kind() != column_kind::numeric && all.col(j).name() != o.label &&
                                !excluded(all.col(j).name());
      if (categorical_features) join_eval();
      ex.train = std::move(all);
      split_how = "every row of " + o.file + " trains, " + o.eval_file + " evaluates";
    } else if (o.eval_fraction <= 0) {
      ex.train = std::move(all);
      split_how = "every row trains (--eval-fraction 0: no eval split)";
    } else {
      auto [tr, ev] = split_table(all, by_row_hash);
      ex.train = std::move(tr);
      ex.eval = std::move(ev);
      split_how = split_text;
    }
  }
  lap("read");
  const collective* cl = ctx.collective();
  const std::size_t train_rows = cl ? cl->sum(std::uint64_t{ex.train.rows()}) : ex.train.rows();
  if (train_rows == 0) throw std::runtime_error(o.file + ": no train rows");
  std::string kind = o.model != "auto" || cl ? o.model : pick_model(ex.train, o.label);
  // The schema comes from the statistics of both splits, as the infer_schema stage makes it; the transform is
  // fitted on the train split, with each categorical's vocabulary taken from its domain in the schema, so a
  // value seen only in the eval split still has its own feature.
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  split_statistics train_stats = compute_statistics(ex.train, "train", {}, cores);
#if MLPIPE_HAS_MPI
  if (cl) {
    if (o.model == "auto") kind = pick_model_parallel(*cl, ex.train, o.label);
    train_stats = merge_statistics(*cl, std::move(train_stats));
  }
#endif
  auto schema_of = [&train_stats](const split_statistics& eval_stats, std::size_t eval_rows_all) {
    split_statistics stats = train_stats;
    if (eval_rows_all > 0) stats.merge(eval_stats);
    return infer_schema_from(stats);
  };
  // The thread making eval_schema reads train_stats: it must end before train_stats does (say, on an error).
  struct finish_first {
    std::future<std::pair<table, schema>>& f;
    ~finish_first() {
      if (f.valid()) f.wait();
    }
  } eval_schema_before_train_stats{eval_schema};
  // An eval file still being read has no categorical feature columns (see join_eval): it adds no domain.
  const bool eval_pending = eval_read.valid();
  if (eval_pending) {
    eval_schema = std::async(std::launch::async, [&eval_read, &schema_of] {
      auto [t, eval_stats] = eval_read.get();
      schema merged = schema_of(eval_stats, t.rows());
      return std::pair{std::move(t), std::move(merged)};
    });
  } else {
    split_statistics eval_stats = eval_stats_read ? std::move(*eval_stats_read) : compute_statistics(ex.eval, "eval");
#if MLPIPE_HAS_MPI
    if (cl) eval_stats = merge_statistics(*cl, std::move(eval_stats));
#endif
    eval_rows = cl ? cl->sum(std::uint64_t{ex.eval.rows()}) : ex.eval.rows();
    sch = schema_of(eval_stats, eval_rows);
  }
  lap("statistics");
  category_domains domains = eval_pending ? category_domains{} : schema_domains(sch);
  domains.erase(o.label);
  for (const auto& c : o.exclude) domains.erase(c);
  transform_graph g;
  any_model m;
  nlohmann::json training;
  if (kind == "xgboost") {
    if (cl) throw CLI::ValidationError("--model", "xgboost does not train data-parallel (under mpirun) yet");
#ifdef MLPIPE_HAVE_XGBOOST
    // trees need no scaling or imputation: numeric columns as they are (missing values as XGBoost's missing),
    // categoricals one-hot
    g = fit_transform_graph(make_ops(one_hot), ex.train, o.label, o.exclude, domains);
    g.missing_as_nan = true;
    auto xm = train_with<xgboost_model>(o, ex, g, train_rows, ctx, join_eval);
    training = xm.training;
    m = std::move(xm);
#else
    throw CLI::ValidationError("--model", "this mlpipe was built without XGBoost (libxgboost-dev)");
#endif
  } else {
    // from the statistics already computed (merged over the ranks under mpirun): no further pass over the rows
    g = fit_default_transform_from_statistics(train_stats, ex.train.names(), o.label, o.exclude, domains);
    model lm;
    if (kind == "logistic")
      lm = train_with<logistic_regression>(o, ex, g, train_rows, ctx, join_eval);
    else if (kind == "linear")
      lm = train_with<linear_regression>(o, ex, g, train_rows, ctx, join_eval);
    else if (kind == "softmax")
      lm = train_with<softmax_regression>(o, ex, g, train_rows, ctx, join_eval);
    else
      throw CLI::ValidationError("--model", "'" + kind + "' is not logistic, linear, softmax, xgboost or auto");
    training = lm.training;
    m = std::move(lm);
  }
  lap("fit");
  if (eval_pending) {
    join_eval();
    lap("eval_file_wait");  // the eval file's read, statistics and schema beyond the training's time
  }
  nlohmann::json ev;
  if (!cl) ev = quick_eval(m, g, ex.eval);
#if MLPIPE_HAS_MPI
  if (cl) {
    ev = merged_quick_eval(*cl, ex.eval, [&](const table& t) { return quick_eval(m, g, t); });
    if (!cl->is_root()) return 0;
  }
#endif
  lap("evaluate");
  namespace fs = std::filesystem;
  fs::path dir(o.out);
  fs::create_directories(dir);
  sch.save(dir / "schema");
  g.save(dir / "transform");
  m.save(dir / "model");
  std::string pushed;
  if (!o.push_to.empty()) pushed = push_bundle(o.push_to, g, m, &sch, {"mlpipe-train", "cli", "train", {}}).path;
  lap("write");
  nlohmann::json j{{"file", o.file},
                   {"output", dir.string()},
                   {"model", m.kind_name()},
                   {"label", m.label()},
                   {"classes", m.classes()},
                   {"train_rows", train_rows},
                   {"eval_rows", eval_rows},
                   {"split", split_how},
                   {"input_columns", g.columns.size()},
                   {"schema_domains", domains.size()},
                   {"features", g.width()},
                   {"training", training},
                   {"eval", ev},
                   {"pushed", pushed.empty() ? nlohmann::json(nullptr) : nlohmann::json(pushed)},
                   {"model_fingerprint", fingerprint_hex(m.fingerprint())},
                   {"transform_fingerprint", fingerprint_hex(g.fingerprint())},
                   {"seconds", seconds}};
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("trained %s on %s (label '%s'%s)\n", kind == "xgboost" ? "xgboost" : (kind + " regression").c_str(),
              o.file.c_str(), m.label().c_str(),
              m.is_classifier() ? (", " + std::to_string(m.num_classes()) + " classes").c_str() : "");
  std::printf("  rows: %zu train, %zu eval (%s); %zu input columns -> %zu features\n", train_rows, eval_rows,
              split_how.c_str(), g.columns.size(), g.width());
  if (training.contains("solver"))
    std::printf("  solver %s (l2 %.3g), %s iterations, %s, train loss %.6g\n",
                training["solver"].get<std::string>().c_str(), training["parameters"]["l2"].get<double>(),
                training["epochs"].dump().c_str(), training["converged"].get<bool>() ? "converged" : "NOT converged",
                training["train_loss"].get<double>());
  else if (training.contains("rounds"))
    std::printf("  %s boosting rounds\n", training["rounds"].dump().c_str());
  for (auto& [k, v] : ev.items()) std::printf("  eval %s: %.6g\n", k.c_str(), v.get<double>());
  std::printf("  schema inferred from both splits: %zu categorical domain%s used as one-hot vocabularies\n",
              domains.size(), domains.size() == 1 ? "" : "s");
  std::printf("  wrote %s, %s and %s\n", (dir / "schema").string().c_str(), (dir / "transform").string().c_str(),
              (dir / "model").string().c_str());
  if (!pushed.empty()) std::printf("  pushed the bundle to %s\n", pushed.c_str());
  return 0;
}

}  // namespace detail

/// Registers `mlpipe train`.
inline void add_model_commands(CLI::App& app, int& exit_code) {
  auto opt = std::make_shared<detail::train_command_options>();
  auto* cmd = app.add_subcommand("train", "Fit the preprocessing and train a model on a CSV file (train split)");
  cmd->add_option("FILE", opt->file, "CSV file with a header row")->required()->check(CLI::ExistingFile);
  cmd->add_option("--label", opt->label, "Label column")->required();
  cmd->add_option("--model", opt->model, "logistic | linear | softmax | xgboost | auto (a linear kind, from the label)")
      ->check(CLI::IsMember({"auto", "logistic", "linear", "softmax", "xgboost"}));
  auto* ev = cmd->add_option("--eval", opt->eval_file, "Evaluate on this CSV file and train on every row of FILE")
                 ->check(CLI::ExistingFile);
  cmd->add_option("--eval-fraction", opt->eval_fraction,
                  "Fraction of FILE's rows held out for evaluation, by row hash (0: train on all rows)")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str()
      ->excludes(ev);
  cmd->add_option("--set", opt->sets, "Training parameter PARAM=VALUE (l2, l1, solver, epochs, learning_rate, ...)");
  cmd->add_option("--exclude", opt->exclude, "Column that is not a feature (repeatable)");
  cmd->add_option("-o,--output", opt->out, "Directory to write transform/ and model/ into")->required();
  cmd->add_option("--push-to", opt->push_to,
                  "Also publish the model as a bundle in BASE/<version>/ (unconditionally: `mlpipe run --push-to` "
                  "pushes only a blessed model)");
  cmd->add_flag("--json", opt->json, "Print the summary as JSON");
  cmd->add_flag("-v,--verbose", opt->verbose, "Log the optimizer's progress to stderr");
  cmd->callback([opt, &exit_code] { exit_code = detail::run_train_command(*opt); });
}

}  // namespace mlpipe::tools
