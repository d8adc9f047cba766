// mlpipe/evaluate/impl/evaluate.ipp: bodies of evaluate/evaluate.hpp's non-template functions (loading a trained model,
// the stage): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/evaluate.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

#include <mlpipe/core/fingerprint.hpp>

namespace mlpipe {

MLPIPE_DECL trained_model load_trained_model(const std::filesystem::path& dir, const model_registry& registry) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw std::runtime_error(dir.string() + ": not a directory (expected a trained model)");
  auto find = [&](const char* file) -> std::optional<fs::path> {
    if (fs::exists(dir / file)) return dir;
    std::vector<fs::path> hits;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory() && fs::exists(e.path() / file)) hits.push_back(e.path());
    if (hits.size() > 1) {
      std::sort(hits.begin(), hits.end());
      throw std::runtime_error(dir.string() + ": several " + file + " (in " + hits[0].string() + " and " +
                               hits[1].string() + "); name the one to use");
    }
    if (hits.empty()) return std::nullopt;
    return hits.front();
  };
  auto md = find("model_kind");
  if (!md) md = find("model.json");
  if (!md) throw std::runtime_error(dir.string() + ": no model.json here or in a subdirectory (is it a trained model?)");
  auto td = find("transform_graph.json");
  if (!td) throw std::runtime_error(dir.string() + ": no transform_graph.json here or in a subdirectory (the model's transform)");
  return {registry.load(*md), transform_graph::load(*td)};
}

MLPIPE_DECL model_evaluation evaluate_model(const any_model& m, const transform_graph& g, const table& t,
                                            const std::vector<std::string>& slices, const trained_model* baseline) {
  auto cand = predict_table(m, g, t);
  auto rows = make_slices(t, slices);
  if (!baseline) return evaluate_predictions(cand, rows);
  if (baseline->m.label() != m.label())
    throw std::invalid_argument("the baseline model predicts '" + baseline->m.label() + "', the candidate '" + m.label() + "'");
  auto base = predict_table(baseline->m, baseline->transform, t);
  if (base.classes != cand.classes || base.class_names != cand.class_names)
    throw std::invalid_argument("the baseline model's classes differ from the candidate's; they cannot be compared");
  return evaluate_predictions(cand, rows, &base);
}

MLPIPE_DECL void detail::record_evaluation(context& ctx, const model_evaluation& ev, const model_blessing& b) {
  for (const auto& [k, v] : ev.overall().metrics)
    if (k.find('/') == std::string::npos) ctx.record(k, v);
  if (const auto* base = ev.find(std::string(overall_slice), true))
    for (const auto& [k, v] : base->metrics)
      if (k.find('/') == std::string::npos) ctx.record("baseline_" + k, v);
  ctx.record("slices", ev.candidate.size());
  ctx.record("blessed", b.blessed ? 1 : 0);
  ctx.record("blessing", b.reason);
  ctx.record("threshold_failures", b.failures.size());
  ctx.log(b.reason);
}

MLPIPE_DECL std::uint64_t evaluate::source_fingerprint() const {
  if (baseline.empty()) return 0;
  auto b = load_trained_model(baseline);
  const std::uint64_t parts[] = {b.m.fingerprint(), b.transform.fingerprint()};
  return combine_fingerprints(parts);
}

MLPIPE_DECL evaluation_outputs evaluate::operator()(const any_model& m, const examples& ex, const transform_graph& g,
                                                    optional_input<any_model> baseline_model, context& ctx) const {
  if (ex.eval.rows() == 0) throw std::invalid_argument("evaluate: the examples have no eval split rows");
  if (baseline_model && !baseline.empty())
    throw std::invalid_argument("evaluate: a baseline model is wired to the input 'baseline' and the parameter "
                                "'baseline' names the directory " + baseline + "; give one of them");
  std::optional<trained_model> base;
  if (baseline_model) base = trained_model{*baseline_model, g};
  else if (!baseline.empty()) base = load_trained_model(baseline);
  evaluation_outputs out;
  out.evaluation = evaluate_model(m, g, ex.eval, slices, base ? &*base : nullptr);
  out.blessing = bless(out.evaluation, thresholds);
  detail::record_evaluation(ctx, out.evaluation, out.blessing);
  return out;
}

}  // namespace mlpipe
