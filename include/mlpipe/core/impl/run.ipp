// mlpipe/core/impl/run.ipp: the non-template bodies of core/run.hpp: run_node's checks and the observer that puts
// one node's outputs where the orchestrator asked (inline in the header-only mode, compiled into libmlpipe otherwise).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <unistd.h>

#include <mlpipe/core/detail/worker_pool.hpp>

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

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

MLPIPE_DECL void run_parallel(run_env_base& env, const exec_tables& t, std::size_t threads) {
  const std::size_t n = t.names.size();
  std::unique_ptr<std::atomic<std::size_t>[]> remaining(new std::atomic<std::size_t>[n]);
  for (std::size_t i = 0; i < n; ++i) remaining[i].store(t.in_begin[i + 1] - t.in_begin[i], std::memory_order_relaxed);
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::size_t> ready;
  std::atomic<std::size_t> finished{0};
  for (std::size_t i = 0; i < n; ++i)
    if (t.in_begin[i + 1] == t.in_begin[i]) ready.push_back(i);

  std::atomic<std::size_t> queued{ready.size()};  // ready.size(), readable without the lock
  // What the nodes create lazily is created here, before the threads share it: the run id and the details.
  (void)env.run_id();
  (void)env.details();
  auto worker = [&](std::size_t) {
    std::size_t next = npos;
    for (;;) {
      if (next == npos) {
        // Spin briefly before sleeping: the other thread usually makes a node ready within microseconds,
        // and a condition variable's wake-up costs more than a small node's work.
        for (int spin = 0; spin < 4096 && queued.load(std::memory_order_acquire) == 0 &&
                           finished.load(std::memory_order_acquire) != n;
             ++spin)
          cpu_relax();
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return !ready.empty() || finished.load(std::memory_order_acquire) == n; });
        if (ready.empty()) return;
        next = ready.front();
        ready.pop_front();
        queued.fetch_sub(1, std::memory_order_release);
      }
      execute_node(env, t, next);
      std::size_t cont = npos;
      std::size_t shared = 0;
      for (std::size_t s = t.out_begin[next]; s < t.out_begin[next + 1]; ++s) {
        std::size_t succ = t.out_nodes[s];
        if (remaining[succ].fetch_sub(1, std::memory_order_acq_rel) == 1) {
          if (cont == npos) {
            cont = succ;
          } else {
            std::lock_guard lk(m);
            ready.push_back(succ);
            queued.fetch_add(1, std::memory_order_release);
            ++shared;
          }
        }
      }
      if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
        { std::lock_guard lk(m); }
        cv.notify_all();
      } else if (shared == 1) {
        cv.notify_one();
      } else if (shared > 1) {
        cv.notify_all();
      }
      next = cont;
    }
  };
  worker_pool::shared().run(threads, worker);
}

MLPIPE_DECL node_run_result run_one_node(run_env_base& env, run_options& o, const exec_tables& t, std::size_t i,
                                         const node_paths& paths, const run_options& options) {
  namespace fs = std::filesystem;
  const node_ops& ops = t.ops[i];
  node_run_result res;
  auto usage = [&](std::string msg) {
    res.state = node_state::failed;
    res.error = "node '" + std::string(t.names[i]) + "': " + std::move(msg);
    res.usage_error = true;
    return res;
  };
  std::vector<std::string> ports;
  for (std::size_t k = t.port_begin[i]; k < t.port_begin[i + 1]; ++k) ports.emplace_back(t.port_names[k]);
  if (auto err = check_input_ports(paths, ports); !err.empty()) return usage(std::move(err));
  if (!ops.persistable)
    return usage("its output is not an artifact (no type_name, save, load, fingerprint), so it would be lost "
                 "when the node runs alone: run the whole pipeline instead");
  std::vector<std::string> keys, missing;
  for (auto& [key, type] : ops.outputs()) keys.push_back(key);
  if (auto err = check_output_paths(paths, keys, missing); !err.empty()) return usage(std::move(err));
  // Data-parallel under mpirun: every rank runs the stage on its share, rank 0 alone records the node and
  // writes its outputs (the others would write the same artifacts to the same places).
  const bool follower =
      ops.data_parallel && options.collective && options.collective->size() > 1 && !options.collective->is_root();
  if (!follower && !options.observer && !missing.empty())
    return usage("nothing would keep its output: give --output KEY=DIR for each output (missing: " +
                 join_names(missing) + "), or record the run in a metadata store");

  (void)env.details();
  std::optional<output_placer> placer;  // none on a follower rank: rank 0 records and writes
  if (follower) {
    o.observer = nullptr;
  } else {
    fs::path staging;
    if (!paths.outputs.empty()) {
      auto first = paths.outputs.begin()->second;
      staging = (first.has_parent_path() ? first.parent_path() : fs::path(".")) /
                (".mlpipe-staging-" + std::string(t.names[i]) + "-" + std::to_string(::getpid()));
    }
    o.observer = &placer.emplace(options.observer, paths, staging, missing.empty());
  }
  if (auto err = ops.load_inputs(env, paths); !err.empty()) return usage(std::move(err));
  try {
    execute_node(env, t, i);
  } catch (...) {  // placing an output failed (e.g. a full disk)
    env.states[i] = node_state::failed;
    env.details().errors[i] = describe_exception(std::current_exception());
  }
  res.state = env.states[i];
  auto d = env.details();
  res.error = d.errors[i];
  res.records = d.records[i];
  if (placer) res.outputs = placer->placed();
  return res;
}

}  // namespace mlpipe::detail
