// mlpipe/core/impl/run.ipp: the non-template bodies of core/run.hpp: run_node's checks and the observer that puts
// one node's outputs where the orchestrator asked (inline in the header-only mode, compiled into libmlpipe otherwise).
#pragma once

#include <algorithm>
#include <unistd.h>

#include <mlpipe/core/run.hpp>

namespace mlpipe::detail {

MLPIPE_DECL void execute_node(run_env_base& env, const exec_tables& t, std::size_t i) {
  const node_ops& ops = t.ops[i];
  node_state* states = env.states;
  run_observer* obs = env.options.observer;
  auto info_for = [&](const nlohmann::json* params, std::uint64_t key) {
    return node_info{*env.pipeline_name, t.names[i], ops.stage, ops.version, params, key};
  };

  for (std::size_t k = t.in_begin[i]; k < t.in_begin[i + 1]; ++k) {
    auto s = states[t.producer[k]];
    if (s != node_state::succeeded && s != node_state::cached) {
      states[i] = node_state::skipped;
      auto why = skip_reason(t.names[t.producer[k]], s);
      if (obs) {
        std::lock_guard lk(env.observer_mutex);
        obs->node_skipped(info_for(nullptr, 0), why);
      }
      env.details().errors[i] = std::move(why);
      return;
    }
  }

  // The node's duration (executing it, or loading it from the cache), on every way out of this function.
  struct timer {
    double& seconds;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~timer() { seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); }
  } timed{env.details().seconds[i]};

  auto make_context = [&](const std::filesystem::path& workdir) {
    context ctx(*env.pipeline_name, std::string(t.names[i]), env.run_id(), workdir,
                env.parallel ? 1 : env.options.threads);
    if (env.options.log) ctx.set_log_sink(env.options.log);
    if (ops.data_parallel) ctx.set_collective(env.options.collective);
    return ctx;
  };

  // The output slot holds a value only after the stage returned (and only while the node's state says so).
  bool emplaced = false;
  if (!obs) {  // no metadata, nothing saved
    try {
      if (ops.takes_context) {
        auto ctx = make_context({});
        ops.call(env, &ctx, nullptr);
        emplaced = true;
        if (!ctx.records().empty()) env.details().records[i] = ctx.records();
      } else {
        ops.call(env, nullptr, nullptr);
        emplaced = true;
      }
      states[i] = node_state::succeeded;
    } catch (...) {
      if (emplaced) ops.reset(env);
      states[i] = node_state::failed;
      env.details().errors[i] = describe_exception(std::current_exception());
    }
    return;
  }

  // Recorded: parameters, input artifacts, cache key, outputs saved where the observer says.
  detail::json_box params_box;
  ops.parameters(env, *params_box);
  const nlohmann::json& params = *params_box;
  std::vector<artifact_ref> inputs;
  bool inputs_recorded = true;
  for (std::size_t k = t.in_begin[i]; k < t.in_begin[i + 1]; ++k) {
    std::size_t producer = t.producer[k];
    const auto& refs = env.details().outputs[producer];
    if (refs.empty()) {
      inputs_recorded = false;
      continue;
    }
    auto add = [&](const artifact_ref& ref) {
      artifact_ref in = ref;
      in.key = std::string(t.names[producer]);
      in.port = std::string(t.port_names[t.port_begin[i] + t.edge_input[k]]);
      in.index = 0;
      for (auto& e : inputs) in.index += e.key == in.key;
      inputs.push_back(std::move(in));
    };
    std::size_t member = t.edge_member[k];
    if (member != npos)
      add(refs[member]);
    else
      for (auto& ref : refs) add(ref);
  }

  // Unwired optional inputs the store can fill (the last blessed model, the previous span's statistics).
  resolved_inputs resolved;
  if (ops.resolve) {
    try {
      std::lock_guard lk(env.observer_mutex);
      resolved = ops.resolve(*obs, info_for(&params, 0), inputs);
    } catch (...) {
      states[i] = node_state::failed;
      env.details().errors[i] = describe_exception(std::current_exception());
      return;
    }
  }

  std::uint64_t key = 0;
  if (ops.cacheable && inputs_recorded) {
    std::vector<std::uint64_t> parts;
    parts.push_back(fingerprint_bytes(ops.stage.data(), ops.stage.size()));
    parts.push_back(static_cast<std::uint64_t>(ops.version));
    parts.push_back(ops.parameters_fingerprint(env));
    parts.push_back(ops.source_fingerprint(env));  // new data files re-run a reader with the same parameters
    for (auto& in : inputs) parts.push_back(in.fingerprint);
    key = combine_fingerprints(parts);
  }
  const node_info info = info_for(&params, key);

  if (key != 0) {
    std::optional<std::vector<artifact_ref>> hit;
    try {
      std::lock_guard lk(env.observer_mutex);
      hit = obs->find_cached(info, inputs);
    } catch (...) {  // the store failed: the node fails with why, the run goes on
      states[i] = node_state::failed;
      env.details().errors[i] = "looking up the cache failed: " + describe_exception(std::current_exception());
      return;
    }
    if (hit) {
      try {
        ops.load(env, *hit);
        emplaced = true;
        env.details().outputs[i] = *hit;
        {
          std::lock_guard lk(env.observer_mutex);
          obs->node_cached(info, inputs, *hit);
          env.details().records[i] = obs->cached_records(info);  // the reused execution's figures
        }
        states[i] = node_state::cached;
        return;
      } catch (...) {
        if (emplaced) ops.reset(env);  // an unreadable cache entry: execute the node instead
        emplaced = false;
        env.details().outputs[i].clear();
      }
    }
  }

  std::filesystem::path dir;
  try {
    std::lock_guard lk(env.observer_mutex);
    dir = obs->node_started(info, inputs);
  } catch (...) {
    states[i] = node_state::failed;
    env.details().errors[i] = "recording the start failed: " + describe_exception(std::current_exception());
    return;
  }
  try {
    auto ctx = make_context(dir);
    ops.call(env, &ctx, resolved.pointers.empty() ? nullptr : resolved.pointers.data());
    emplaced = true;
    auto outs = ops.save(env, dir);
    env.details().outputs[i] = outs;
    env.details().records[i] = ctx.records();
    {
      std::lock_guard lk(env.observer_mutex);
      obs->node_succeeded(info, outs, ctx.records());
    }
    states[i] = node_state::succeeded;
  } catch (...) {
    if (emplaced) ops.reset(env);
    states[i] = node_state::failed;
    env.details().errors[i] = describe_exception(std::current_exception());
    try {
      std::lock_guard lk(env.observer_mutex);
      obs->node_failed(info, env.details().errors[i]);
    } catch (...) {
    }
  }
}


MLPIPE_DECL std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

MLPIPE_DECL void place_artifact(const std::filesystem::path& from, const std::filesystem::path& to, bool keep_source) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (to.has_parent_path()) fs::create_directories(to.parent_path());
  fs::remove_all(to, ec);  // absent, empty or an earlier artifact (checked before the node ran)
  if (!keep_source) {
    fs::rename(from, to, ec);
    if (!ec) return;
  }
  auto tmp = to;
  tmp += ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp, ec);
  fs::copy(from, tmp, fs::copy_options::recursive);
  fs::rename(tmp, to);
  if (!keep_source) fs::remove_all(from, ec);
}

MLPIPE_DECL std::optional<artifact_ref> output_placer::resolve_input(const node_info& n, std::string_view port,
                                                                   std::string_view type) {
  if (auto it = inputs_.find(port); it != inputs_.end()) {
    artifact_ref ref;
    ref.type_name = std::string(type);
    ref.uri = it->second;
    return ref;
  }
  return inner_ ? inner_->resolve_input(n, port, type) : std::nullopt;
}

MLPIPE_DECL std::optional<std::vector<artifact_ref>> output_placer::find_cached(const node_info& n,
                                                                              std::span<const artifact_ref> in) {
  return inner_ ? inner_->find_cached(n, in) : std::nullopt;
}

MLPIPE_DECL void output_placer::node_cached(const node_info& n, std::span<const artifact_ref> in,
                                            std::span<const artifact_ref> out) {
  placed_.assign(out.begin(), out.end());
  for (auto& o : placed_)
    if (auto t = targets_.find(o.key); t != targets_.end()) {
      place_artifact(o.uri, t->second, true);
      o.uri = t->second;
    }
  if (inner_) inner_->node_cached(n, in, out);  // recorded as the reuse of the cached artifacts
}

MLPIPE_DECL std::filesystem::path output_placer::node_started(const node_info& n, std::span<const artifact_ref> in) {
  std::filesystem::path dir = inner_ ? inner_->node_started(n, in) : std::filesystem::path{};
  return dir.empty() || all_targeted_ ? staging_ : dir;
}

MLPIPE_DECL void output_placer::node_succeeded(const node_info& n, std::span<const artifact_ref> out,
                                               std::span<const std::pair<std::string, property_value>> records) {
  placed_.assign(out.begin(), out.end());
  for (auto& o : placed_)
    if (auto t = targets_.find(o.key); t != targets_.end()) {
      place_artifact(o.uri, t->second, false);
      o.uri = t->second;
    }
  drop_staging();
  if (inner_) inner_->node_succeeded(n, placed_, records);
}

MLPIPE_DECL void output_placer::node_failed(const node_info& n, std::string_view error) {
  drop_staging();
  if (inner_) inner_->node_failed(n, error);
}

MLPIPE_DECL void output_placer::node_skipped(const node_info& n, std::string_view why) {
  if (inner_) inner_->node_skipped(n, why);
}

MLPIPE_DECL std::vector<std::pair<std::string, property_value>> output_placer::cached_records(const node_info& n) {
  return inner_ ? inner_->cached_records(n) : std::vector<std::pair<std::string, property_value>>{};
}

MLPIPE_DECL void output_placer::drop_staging() {
  std::error_code ec;
  if (!staging_.empty()) std::filesystem::remove_all(staging_, ec);
}

MLPIPE_DECL std::string check_input_directory(const node_paths& paths, std::string_view port_name, std::string_view from,
                                              std::string_view expected, const std::filesystem::path*& dir_out) {
  namespace fs = std::filesystem;
  const std::string port(port_name);
  auto it = paths.inputs.find(port);
  if (it == paths.inputs.end())
    return "input port '" + port + "': no --input " + port + "=DIR given (the directory of the " + std::string(expected) +
           " artifact node '" + std::string(from) + "' wrote)";
  const fs::path& dir = it->second;
  std::error_code ec;
  const std::string where = "input port '" + port + "': '" + dir.string() + "'";
  if (!fs::is_directory(dir, ec))
    return where + (fs::exists(dir, ec) ? " is not a directory" : " does not exist") + " (expected the " +
           std::string(expected) + " artifact node '" + std::string(from) + "' wrote)";
  if (auto saved = saved_artifact_type(dir); !saved.empty() && saved != expected)
    return where + " holds a " + saved + " artifact, expected a " + std::string(expected);
  dir_out = &dir;
  return {};
}

MLPIPE_DECL std::string input_load_error(const std::filesystem::path& dir, std::string_view port,
                                         std::string_view expected, std::string_view what,
                                         const std::vector<std::pair<std::string, std::string>>& outputs) {
  std::string hint;  // given the folder --output DIR wrote, which holds the artifact in DIR/KEY
  for (auto& [key, type] : outputs)
    if (type == expected && !saved_artifact_type(dir / key).empty()) hint = " (did you mean '" + (dir / key).string() + "'?)";
  return "input port '" + std::string(port) + "': '" + dir.string() + "': cannot load a " + std::string(expected) +
         " artifact from it: " + std::string(what) + hint;
}

MLPIPE_DECL std::string check_input_ports(const node_paths& paths, const std::vector<std::string>& ports) {
  for (auto& [port, dir] : paths.inputs)
    if (std::find(ports.begin(), ports.end(), port) == ports.end())
      return "no input port '" + port + "' (" +
             (ports.empty() ? std::string("it has no inputs") : "its input ports: " + join_names(ports)) + ")";
  return {};
}

MLPIPE_DECL std::string check_output_paths(const node_paths& paths, const std::vector<std::string>& keys,
                                           std::vector<std::string>& missing) {
  namespace fs = std::filesystem;
  for (auto& [key, dir] : paths.outputs) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      return "no output '" + key + "' (its outputs: " + join_names(keys) + ")";
    std::error_code ec;
    if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && (fs::is_empty(dir, ec) || !saved_artifact_type(dir).empty())))
      return "--output " + key + "=" + dir.string() + ": it exists and is no earlier artifact; give a new or empty directory";
  }
  for (auto& k : keys)
    if (!paths.outputs.count(k)) missing.push_back(k);
  return {};
}

}  // namespace mlpipe::detail
