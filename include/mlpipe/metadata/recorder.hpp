// mlpipe/metadata/recorder.hpp: records every run in the metadata store and serves unchanged nodes from it.
// A run_observer: contexts pipeline / pipeline_run / node, one execution per node, artifacts, events, caching.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/observer.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

/// Names mlpipe uses in the store (context types and its own custom properties).
namespace names {
inline constexpr std::string_view pipeline = "pipeline";
inline constexpr std::string_view pipeline_run = "pipeline_run";
inline constexpr std::string_view node = "node";
inline constexpr std::string_view cache_key = "mlpipe_cache_key";
inline constexpr std::string_view stage_version = "mlpipe_stage_version";
inline constexpr std::string_view run = "mlpipe_run";
inline constexpr std::string_view node_name = "mlpipe_node";
inline constexpr std::string_view pipeline_name = "mlpipe_pipeline";
inline constexpr std::string_view host = "mlpipe_host";
inline constexpr std::string_view pid = "mlpipe_pid";
inline constexpr std::string_view error = "mlpipe_error";
inline constexpr std::string_view cached_from = "mlpipe_cached_from";
inline constexpr std::string_view skipped_because = "mlpipe_skipped_because";
inline constexpr std::string_view abandoned = "mlpipe_abandoned";
inline constexpr std::string_view state = "mlpipe_state";
inline constexpr std::string_view end_time = "mlpipe_end_time_ms";
inline constexpr std::string_view fingerprint = "fingerprint";
}  // namespace names

namespace detail {
inline std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}
inline bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}
/// An integer as a property value: ML Metadata's int_value is 32 bits on MySQL, so larger values become a
/// double when exact, else a string (the same on both backends, so a store's meaning does not depend on it).
inline value int_property(std::int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) return v;
  if (v > -(std::int64_t{1} << 53) && v < (std::int64_t{1} << 53)) return static_cast<double>(v);
  return std::to_string(v);
}
inline value json_property(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_unsigned()) {
    auto u = j.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(INT64_MAX)) return int_property(static_cast<std::int64_t>(u));
    return std::to_string(u);
  }
  if (j.is_number_integer()) return int_property(j.get<std::int64_t>());
  if (j.is_number_float()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}
inline std::string prop_string(const properties& p, std::string_view k) {
  auto it = p.find(k);
  if (it == p.end()) return {};
  return to_text(it->second);
}
inline std::uint64_t parse_hex(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<std::uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint64_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint64_t>(c - 'A' + 10);
  }
  return v;
}
}  // namespace detail

/// Records runs into a store. Give it to run() as its observer:
///   auto st = mlpipe::open_store(url); mlpipe::metadata_recorder rec(*st, "artifacts");
/// Outputs go to `<root>/<pipeline>/<node>/<execution id>/`.
class recorder : public run_observer {
 public:
  recorder(store& s, std::filesystem::path root) : s_(s), root_(std::move(root)) {}

  /// Turns reuse of earlier executions off (`--no-cache`); executions are still recorded.
  void set_cache(bool on) { cache_ = on; }
  /// Never serve this node from the cache.
  void disable_cache_for(std::string node) { no_cache_.insert(std::move(node)); }

  const std::string& run_id() const noexcept { return run_id_; }
  /// The pipeline_run context's id (0 before the run started).
  std::int64_t run_context_id() const noexcept { return run_ctx_.id; }
  /// How many executions the last run_started marked abandoned.
  std::size_t abandoned_count() const noexcept { return abandoned_; }

  void run_started(std::string_view pipeline, std::string_view run_id, std::span<const std::string> node_names) override {
    std::lock_guard lock(m_);
    begin_run(pipeline, run_id, node_names.size());
  }

  std::optional<std::vector<artifact_ref>> find_cached(const node_info& node, std::span<const artifact_ref>) override {
    std::lock_guard lock(m_);
    ensure_run(node.pipeline);
    cached_from_.erase(std::string(node.name));
    if (!cache_ || no_cache_.count(std::string(node.name))) return std::nullopt;
    auto node_ctx = s_.get_context(names::node, node_context_name(node));
    if (!node_ctx) return std::nullopt;
    detail::sql_value p[] = {node_ctx->id, std::string(names::cache_key), fingerprint_hex(node.cache_key)};
    auto rows = s_.read([&] {
      return s_.connection().query(
          "SELECT E.`id` FROM `Execution` AS E "
          "JOIN `Association` AS A ON A.`execution_id` = E.`id` "
          "JOIN `ExecutionProperty` AS P ON P.`execution_id` = E.`id` "
          "WHERE A.`context_id` = ? AND E.`last_known_state` = 3 AND P.`name` = ? AND P.`is_custom_property` = 1 "
          "AND P.`string_value` = ? ORDER BY E.`create_time_since_epoch` DESC, E.`id` DESC",
          p);
    });
    for (auto& r : rows) {
      auto exec_id = detail::as_int(r[0]);
      auto events = s_.get_events_by_execution_ids(std::span<const std::int64_t>(&exec_id, 1));
      std::vector<std::int64_t> ids;
      for (auto& e : events)
        if (e.type == event_type::output) ids.push_back(e.artifact_id);
      auto arts = s_.get_artifacts(ids);
      std::map<std::int64_t, const artifact*> by_id;
      for (auto& a : arts) by_id[a.id] = &a;
      bool ok = !ids.empty();
      std::vector<artifact_ref> refs;
      for (auto& e : events) {
        if (e.type != event_type::output) continue;
        auto it = by_id.find(e.artifact_id);
        if (it == by_id.end()) { ok = false; break; }
        const artifact& a = *it->second;
        std::error_code ec;
        if (a.state != artifact_state::live || a.uri.empty() || !std::filesystem::is_directory(a.uri, ec)) {
          // Its files are gone: say so in the store, and look at an older execution.
          if (a.state == artifact_state::live && !a.uri.empty()) s_.set_artifact_state(a.id, artifact_state::deleted);
          ok = false;
          break;
        }
        artifact_ref ref;
        if (!e.path.empty())
          if (auto k = std::get_if<std::string>(&e.path[0])) ref.key = *k;
        if (e.path.size() > 1)
          if (auto i = std::get_if<std::int64_t>(&e.path[1])) ref.index = static_cast<std::size_t>(*i);
        ref.type_name = a.type;
        ref.uri = a.uri;
        if (auto f = a.custom_properties.find(names::fingerprint); f != a.custom_properties.end())
          if (auto s = std::get_if<std::string>(&f->second)) ref.fingerprint = detail::parse_hex(*s);
        refs.push_back(std::move(ref));
      }
      if (ok) {
        cached_from_[std::string(node.name)] = exec_id;
        return refs;
      }
    }
    return std::nullopt;
  }

  void node_cached(const node_info& node, std::span<const artifact_ref> inputs,
                   std::span<const artifact_ref> outputs) override {
    std::lock_guard lock(m_);
    ensure_run(node.pipeline);
    execution e = new_execution(node, execution_state::cached);
    if (auto it = cached_from_.find(std::string(node.name)); it != cached_from_.end()) {
      // The reused execution's summary figures hold for this one too (reports show them per run).
      if (auto orig = s_.get_execution(it->second))
        for (auto& [k, v] : orig->custom_properties)
          if (!k.starts_with("mlpipe_")) e.custom_properties.emplace(k, v);
      e.custom_properties[std::string(names::cached_from)] = it->second;
    }
    auto& figures = cached_records_[std::string(node.name)];
    figures.clear();
    for (auto& [k, v] : e.custom_properties) {
      if (k.starts_with("mlpipe_")) continue;
      if (auto b = std::get_if<bool>(&v)) figures.emplace_back(k, property_value{std::int64_t{*b}});
      else if (auto i = std::get_if<std::int64_t>(&v)) figures.emplace_back(k, property_value{*i});
      else if (auto d = std::get_if<double>(&v)) figures.emplace_back(k, property_value{*d});
      else figures.emplace_back(k, property_value{std::get<std::string>(v)});
    }
    auto items = input_items(inputs);
    std::vector<std::pair<artifact_ref, std::int64_t>> outs;
    for (auto& o : outputs) {
      store::artifact_and_event item;
      item.artifact = find_or_make_artifact(o);
      item.event = make_event(event_type::output, o.key, o.index);
      items.push_back(std::move(item));
    }
    auto ctxs = contexts_for(node);
    s_.put_execution(e, items, ctxs);
    for (std::size_t i = 0; i < outputs.size(); ++i)
      outs.emplace_back(outputs[i], items[inputs.size() + i].artifact.id);
    outputs_[std::string(node.name)] = std::move(outs);
  }

  /// Whether unwired optional inputs are filled from the store (resolve_input); on by default.
  void set_fill_inputs(bool on) { fill_inputs_ = on; }
  /// A check a candidate must pass to fill an optional input (e.g. a baseline model that predicts the same label).
  void set_input_filter(std::function<bool(const node_info&, std::string_view port, const artifact_ref&)> f) {
    input_filter_ = std::move(f);
  }
  /// What filled the node's optional inputs in the current (or last) run: port -> artifact.
  std::map<std::string, artifact_ref> filled_inputs(std::string_view node) const {
    auto it = filled_.find(std::string(node));
    return it == filled_.end() ? std::map<std::string, artifact_ref>{} : it->second;
  }

  /// Fills an unwired optional input of a node that decides blessings (its executions record `blessed`, as
  /// `evaluate` does): a Model port gets the model of the node's newest blessed execution whose model is not the
  /// one this run gives the node (the last blessed model: the baseline); a port of another type (the baseline's
  /// TransformGraph) is filled from that same execution, and only along with its model. Empty on a first run.
  std::optional<artifact_ref> resolve_input(const node_info& node, std::string_view port,
                                            std::string_view type_name) override {
    std::lock_guard lock(m_);
    if (!fill_inputs_) return std::nullopt;
    const std::string name(node.name);
    auto& filled = filled_[name];
    std::optional<artifact_ref> ref;
    if (type_name != "Model") {
      if (auto e = filled_from_.find(name); e != filled_from_.end()) ref = blessed_input(e->second, port, type_name);
    } else {
      for (auto id : blessed_executions(node)) {
        ref = blessed_input(id, port, type_name);
        if (!ref || produced_in_this_run(*ref) || (input_filter_ && !input_filter_(node, port, *ref))) {
          ref.reset();
          continue;
        }
        filled_from_[name] = id;
        break;
      }
    }
    if (ref) filled[std::string(port)] = *ref;
    return ref;
  }

  /// The figures of the execution a cached node reuses (as node_cached copied them).
  std::vector<std::pair<std::string, property_value>> cached_records(const node_info& node) override {
    std::lock_guard lock(m_);
    auto it = cached_records_.find(std::string(node.name));
    return it == cached_records_.end() ? std::vector<std::pair<std::string, property_value>>{} : it->second;
  }

  std::filesystem::path node_started(const node_info& node, std::span<const artifact_ref> inputs) override {
    std::lock_guard lock(m_);
    ensure_run(node.pipeline);
    execution e = new_execution(node, execution_state::running);
    auto items = input_items(inputs);
    auto ctxs = contexts_for(node);
    s_.put_execution(e, items, ctxs);
    running_[std::string(node.name)] = e;
    auto parent = root_ / std::string(node.pipeline) / std::string(node.name);
    std::filesystem::create_directories(parent);
    return parent / std::to_string(e.id) / "";
  }

  void node_succeeded(const node_info& node, std::span<const artifact_ref> outputs,
                      std::span<const std::pair<std::string, property_value>> records) override {
    std::lock_guard lock(m_);
    auto it = running_.find(std::string(node.name));
    if (it == running_.end()) return;
    execution e;
    e.id = it->second.id;
    e.type_id = it->second.type_id;
    e.state = execution_state::complete;
    for (auto& [k, v] : records) {
      if (auto i = std::get_if<std::int64_t>(&v)) e.custom_properties[k] = detail::int_property(*i);
      else if (auto d = std::get_if<double>(&v)) e.custom_properties[k] = *d;
      else e.custom_properties[k] = std::get<std::string>(v);
    }
    std::vector<store::artifact_and_event> items;
    for (auto& o : outputs) {
      store::artifact_and_event item;
      item.artifact.type = o.type_name;
      item.artifact.uri = o.uri.string();
      std::error_code ec;
      // LIVE only once its files are in place (the runner renamed them before calling us).
      item.artifact.state = !o.uri.empty() && std::filesystem::exists(o.uri, ec) ? artifact_state::live
                                                                                   : artifact_state::unknown;
      item.artifact.custom_properties[std::string(names::fingerprint)] = fingerprint_hex(o.fingerprint);
      item.event = make_event(event_type::output, o.key, o.index);
      items.push_back(std::move(item));
    }
    auto ctxs = contexts_for(node);
    s_.put_execution(e, items, ctxs);
    std::vector<std::pair<artifact_ref, std::int64_t>> outs;
    for (std::size_t i = 0; i < outputs.size(); ++i) outs.emplace_back(outputs[i], items[i].artifact.id);
    outputs_[std::string(node.name)] = std::move(outs);
    running_.erase(it);
  }

  void node_failed(const node_info& node, std::string_view error) override {
    std::lock_guard lock(m_);
    auto it = running_.find(std::string(node.name));
    if (it == running_.end()) return;
    execution e;
    e.id = it->second.id;
    e.type_id = it->second.type_id;
    e.state = execution_state::failed;
    e.custom_properties[std::string(names::error)] = std::string(error);
    s_.put_execution(e);
    running_.erase(it);
  }

  void node_skipped(const node_info& node, std::string_view because_of) override {
    std::lock_guard lock(m_);
    ensure_run(node.pipeline);
    // ML Metadata has no SKIPPED state: a node that never ran is CANCELED, with the reason.
    execution e = new_execution(node, execution_state::canceled);
    e.custom_properties[std::string(names::skipped_because)] = std::string(because_of);
    std::vector<store::artifact_and_event> items;
    auto ctxs = contexts_for(node);
    s_.put_execution(e, items, ctxs);
  }

  void run_finished(bool ok) override {
    std::lock_guard lock(m_);
    if (run_ctx_.id == 0) return;
    context c = run_ctx_;
    c.properties.clear();
    c.custom_properties.clear();
    c.custom_properties[std::string(names::state)] = std::string(ok ? "COMPLETE" : "FAILED");
    c.custom_properties[std::string(names::end_time)] = static_cast<double>(now_ms());
    s_.put_context(c);
  }

  /// Marks what dead runs of this pipeline left RUNNING (on this host) as abandoned: executions CANCELED,
  /// their output artifacts ABANDONED, their runs' state ABANDONED. Returns how many executions it marked.
  std::size_t abandon_stale(std::string_view pipeline) {
    const auto me = detail::host_name();
    const auto my_pid = static_cast<std::int64_t>(::getpid());
    auto is_dead = [&](const properties& props) {
      auto h = props.find(names::host);
      auto p = props.find(names::pid);
      if (h == props.end() || p == props.end()) return false;
      auto hs = std::get_if<std::string>(&h->second);
      auto pv = std::get_if<std::int64_t>(&p->second);
      return hs && pv && *hs == me && *pv != my_pid && !detail::process_alive(*pv);
    };
    return s_.transaction([&] {
      // Runs still marked RUNNING (an index lookup on ContextProperty, whatever the store's size) ...
      detail::sql_value p[] = {std::string(names::state), std::string("RUNNING")};
      std::vector<std::int64_t> run_ids;
      for (auto& r : s_.connection().query(
               "SELECT `context_id` FROM `ContextProperty` WHERE `name` = ? AND `is_custom_property` = 1 "
               "AND `string_value` = ?", p))
        run_ids.push_back(detail::as_int(r[0]));
      std::size_t n = 0;
      for (auto& run : s_.get_contexts(run_ids)) {
        if (run.type != names::pipeline_run || detail::prop_string(run.custom_properties, names::pipeline_name) != pipeline ||
            !is_dead(run.custom_properties))
          continue;
        // ... whose process is gone: their RUNNING executions (of dead processes) are abandoned.
        for (auto& e : s_.get_executions_by_context(run.id)) {
          if (e.state != execution_state::running || !is_dead(e.custom_properties)) continue;
          execution u;
          u.id = e.id;
          u.type_id = e.type_id;
          u.state = execution_state::canceled;
          u.custom_properties[std::string(names::abandoned)] = true;
          s_.put_execution(u);
          for (auto& ev : s_.get_events_by_execution_ids(std::span<const std::int64_t>(&e.id, 1)))
            if (store::is_output(ev.type)) s_.set_artifact_state(ev.artifact_id, artifact_state::abandoned);
          ++n;
        }
        context c = run;
        c.properties.clear();
        c.custom_properties.clear();
        c.custom_properties[std::string(names::state)] = std::string("ABANDONED");
        s_.put_context(c);
      }
      return n;
    });
  }

 private:
  /// The node's COMPLETE or CACHED executions that recorded blessed = 1, newest first.
  std::vector<std::int64_t> blessed_executions(const node_info& node) {
    std::vector<std::pair<std::int64_t, std::int64_t>> found;  // (create time, id)
    auto node_ctx = s_.get_context(names::node, node_context_name(node));
    if (!node_ctx) return {};
    for (auto& e : s_.get_executions_by_context(node_ctx->id)) {
      if (e.state != execution_state::complete && e.state != execution_state::cached) continue;
      auto b = e.custom_properties.find("blessed");
      if (b != e.custom_properties.end() && to_text(b->second) == "1") found.emplace_back(e.create_time_ms, e.id);
    }
    std::sort(found.rbegin(), found.rend());
    std::vector<std::int64_t> ids;
    for (auto& [t, id] : found) ids.push_back(id);
    return ids;
  }

  /// The input of type `type_name` that execution `id` took under another port than `port` (its candidate, not
  /// the baseline it was compared with), while its files exist.
  std::optional<artifact_ref> blessed_input(std::int64_t id, std::string_view port, std::string_view type_name) {
    for (auto& ev : s_.get_events_by_execution_ids(std::span<const std::int64_t>(&id, 1))) {
      if (store::is_output(ev.type) || ev.path.empty()) continue;
      auto key = std::get_if<std::string>(&ev.path[0]);
      if (key && *key == port) continue;
      auto a = s_.get_artifact(ev.artifact_id);
      std::error_code ec;
      if (!a || a->type != type_name || a->state != artifact_state::live || !std::filesystem::is_directory(a->uri, ec))
        continue;
      artifact_ref ref;
      ref.key = std::string(port);
      ref.type_name = a->type;
      ref.uri = a->uri;
      if (auto f = a->custom_properties.find(names::fingerprint); f != a->custom_properties.end())
        if (auto h = std::get_if<std::string>(&f->second)) ref.fingerprint = detail::parse_hex(*h);
      return ref;
    }
    return std::nullopt;
  }

  /// Whether a node of this run gave an artifact of the same type and content.
  bool produced_in_this_run(const artifact_ref& ref) const {
    for (auto& [producer, outs] : outputs_)
      for (auto& [o, id] : outs)
        if (o.type_name == ref.type_name && o.fingerprint == ref.fingerprint) return true;
    return false;
  }

  static std::string node_context_name(const node_info& node) {
    return std::string(node.pipeline) + "." + std::string(node.name);
  }

  static std::string new_run_id() {
    std::random_device rd;
    std::uint64_t r = (std::uint64_t{rd()} << 32) ^ rd();
    auto t = now_ms();
    return "run-" + std::to_string(t) + "-" + fingerprint_hex(r).substr(0, 6);
  }

  void ensure_run(std::string_view pipeline) {
    if (run_ctx_.id == 0 || pipeline != pipeline_) begin_run(pipeline, {}, 0);
  }

  void begin_run(std::string_view pipeline, std::string_view run_id, std::size_t nodes) {
    pipeline_ = std::string(pipeline);
    run_id_ = run_id.empty() ? new_run_id() : std::string(run_id);
    running_.clear();
    outputs_.clear();
    node_ctx_.clear();
    cached_from_.clear();
    cached_records_.clear();
    filled_.clear();
    filled_from_.clear();
    abandoned_ = abandon_stale(pipeline_);
    s_.transaction([&] {
      context pc;
      pc.type = names::pipeline;
      pc.name = pipeline_;
      pipeline_ctx_ = s_.ensure_context(pc);
      context rc;
      rc.type = names::pipeline_run;
      rc.name = run_id_;
      rc.custom_properties[std::string(names::pipeline_name)] = pipeline_;
      rc.custom_properties[std::string(names::state)] = std::string("RUNNING");
      rc.custom_properties[std::string(names::host)] = detail::host_name();
      rc.custom_properties[std::string(names::pid)] = static_cast<std::int64_t>(::getpid());
      if (nodes) rc.custom_properties["mlpipe_nodes"] = static_cast<std::int64_t>(nodes);
      run_ctx_ = s_.ensure_context(rc);
      s_.put_parent_context(run_ctx_.id, pipeline_ctx_.id);
    });
  }

  std::vector<context> contexts_for(const node_info& node) {
    auto key = std::string(node.name);
    auto it = node_ctx_.find(key);
    if (it == node_ctx_.end()) {
      context nc;
      nc.type = names::node;
      nc.name = node_context_name(node);
      nc.custom_properties[std::string(names::pipeline_name)] = pipeline_;
      nc.custom_properties[std::string(names::node_name)] = key;
      s_.transaction([&] {
        nc = s_.ensure_context(nc);
        s_.put_parent_context(nc.id, pipeline_ctx_.id);
      });
      it = node_ctx_.emplace(key, nc).first;
    }
    return {pipeline_ctx_, run_ctx_, it->second};
  }

  execution new_execution(const node_info& node, execution_state st) {
    execution e;
    e.type = std::string(node.stage.empty() ? node.name : node.stage);
    e.state = st;
    if (node.parameters && node.parameters->is_object()) {
      // Parameters are the type's declared properties; one whose kind changed since the type was registered
      // (a parameter that became a double, say) is kept as a custom property instead.
      auto type_id = s_.put_type(type_kind::execution, e.type);
      auto declared = s_.type_properties(type_id);
      for (auto& [k, j] : node.parameters->items()) {
        auto v = detail::json_property(j);
        auto d = declared.find(k);
        if (d == declared.end() || d->second == type_of(v)) e.properties[k] = std::move(v);
        else e.custom_properties[k] = std::move(v);
      }
    }
    e.custom_properties[std::string(names::cache_key)] = fingerprint_hex(node.cache_key);
    e.custom_properties[std::string(names::stage_version)] = std::int64_t{node.stage_version};
    e.custom_properties[std::string(names::run)] = run_id_;
    e.custom_properties[std::string(names::node_name)] = std::string(node.name);
    e.custom_properties[std::string(names::host)] = detail::host_name();
    e.custom_properties[std::string(names::pid)] = static_cast<std::int64_t>(::getpid());
    return e;
  }

  static event make_event(event_type t, const std::string& key, std::size_t index) {
    event ev;
    ev.type = t;
    ev.path.emplace_back(key);
    ev.path.emplace_back(static_cast<std::int64_t>(index));
    return ev;
  }

  // An input is an artifact some node of this run produced (matched by URI, else by type), else the newest
  // artifact stored with its URI, else a new artifact recorded now.
  artifact find_or_make_artifact(const artifact_ref& ref) {
    if (auto it = outputs_.find(ref.key); it != outputs_.end()) {
      for (auto& [o, id] : it->second)
        if (!ref.uri.empty() && o.uri == ref.uri) return artifact_with_id(id);
      for (auto& [o, id] : it->second)
        if (o.type_name == ref.type_name && (ref.uri.empty() || o.uri.empty())) return artifact_with_id(id);
    }
    if (!ref.uri.empty()) {
      auto found = s_.get_artifacts_by_uri(ref.uri.string());
      for (auto a = found.rbegin(); a != found.rend(); ++a)
        if (a->type == ref.type_name) return artifact_with_id(a->id);
    }
    artifact a;
    a.type = ref.type_name;
    a.uri = ref.uri.string();
    std::error_code ec;
    a.state = !ref.uri.empty() && std::filesystem::exists(ref.uri, ec) ? artifact_state::live : artifact_state::unknown;
    a.custom_properties[std::string(names::fingerprint)] = fingerprint_hex(ref.fingerprint);
    return a;
  }
  static artifact artifact_with_id(std::int64_t id) {
    artifact a;
    a.id = id;
    return a;
  }

  std::vector<store::artifact_and_event> input_items(std::span<const artifact_ref> inputs) {
    std::vector<store::artifact_and_event> items;
    for (auto& in : inputs) {
      store::artifact_and_event item;
      item.artifact = find_or_make_artifact(in);
      item.event = make_event(event_type::input, in.key, in.index);
      items.push_back(std::move(item));
    }
    return items;
  }

  store& s_;
  std::filesystem::path root_;
  bool cache_ = true;
  std::set<std::string> no_cache_;
  std::mutex m_;
  std::string pipeline_, run_id_;
  context pipeline_ctx_, run_ctx_;
  std::map<std::string, context> node_ctx_;
  std::map<std::string, execution> running_;
  std::map<std::string, std::vector<std::pair<artifact_ref, std::int64_t>>> outputs_;
  std::map<std::string, std::int64_t> cached_from_;
  std::map<std::string, std::vector<std::pair<std::string, property_value>>> cached_records_;
  bool fill_inputs_ = true;
  std::function<bool(const node_info&, std::string_view, const artifact_ref&)> input_filter_;
  std::map<std::string, std::map<std::string, artifact_ref>> filled_;
  std::map<std::string, std::int64_t> filled_from_;  // node -> the blessed execution its inputs were filled from
  std::size_t abandoned_ = 0;
};

}  // namespace mlpipe::metadata

namespace mlpipe {
using metadata_recorder = metadata::recorder;
}  // namespace mlpipe
