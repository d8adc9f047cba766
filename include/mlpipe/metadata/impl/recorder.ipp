// mlpipe/metadata/impl/recorder.ipp: bodies of metadata/recorder.hpp's non-template functions (compiled once into
// libmlpipe by src/metadata.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/metadata/recorder.hpp>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <random>

#include <nlohmann/json.hpp>

namespace mlpipe::metadata {

MLPIPE_DECL std::string detail::host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

MLPIPE_DECL bool detail::process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

MLPIPE_DECL value detail::int_property(std::int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) return v;
  if (v > -(std::int64_t{1} << 53) && v < (std::int64_t{1} << 53)) return static_cast<double>(v);
  return std::to_string(v);
}

MLPIPE_DECL value detail::json_property(const nlohmann::json& j) {
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

MLPIPE_DECL std::string detail::prop_string(const properties& p, std::string_view k) {
  auto it = p.find(k);
  if (it == p.end()) return {};
  return to_text(it->second);
}

MLPIPE_DECL std::uint64_t detail::parse_hex(std::string_view s) {
  std::uint64_t v = 0;
  for (char c : s) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<std::uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint64_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint64_t>(c - 'A' + 10);
  }
  return v;
}

MLPIPE_DECL void recorder::run_started(std::string_view pipeline, std::string_view run_id, std::span<const std::string> node_names) {
  std::lock_guard lock(m_);
  begin_run(pipeline, run_id, node_names.size());
}

MLPIPE_DECL void recorder::join_run(std::string_view pipeline, std::string_view run_id) {
  std::lock_guard lock(m_);
  joined_ = true;
  begin_run(pipeline, run_id, 0);
}

MLPIPE_DECL std::optional<artifact_ref> recorder::run_output(std::string_view node, std::string_view key) {
  std::lock_guard lock(m_);
  if (run_ctx_.id == 0) return std::nullopt;
  std::optional<artifact_ref> found;
  std::int64_t newest = -1;
  for (auto& e : s_.get_executions_by_context(run_ctx_.id)) {
    if (detail::prop_string(e.custom_properties, names::node_name) != node) continue;
    if (e.state != execution_state::complete && e.state != execution_state::cached) continue;
    if (e.id < newest) continue;
    for (auto& ev : s_.get_events_by_execution_ids(std::span<const std::int64_t>(&e.id, 1))) {
      if (ev.type != event_type::output || ev.path.empty()) continue;
      auto k = std::get_if<std::string>(&ev.path[0]);
      if (!k || *k != key) continue;
      auto a = s_.get_artifact(ev.artifact_id);
      if (!a || a->uri.empty()) continue;
      artifact_ref ref;
      ref.key = *k;
      ref.type_name = a->type;
      ref.uri = a->uri;
      if (auto f = a->custom_properties.find(names::fingerprint); f != a->custom_properties.end())
        if (auto h = std::get_if<std::string>(&f->second)) ref.fingerprint = detail::parse_hex(*h);
      found = std::move(ref);
      newest = e.id;
    }
  }
  return found;
}

MLPIPE_DECL std::optional<std::vector<artifact_ref>> recorder::find_cached(const node_info& node, std::span<const artifact_ref>) {
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

MLPIPE_DECL void recorder::node_cached(const node_info& node, std::span<const artifact_ref> inputs, std::span<const artifact_ref> outputs) {
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

MLPIPE_DECL std::vector<std::pair<std::string, property_value>> recorder::cached_records(const node_info& node) {
  std::lock_guard lock(m_);
  auto it = cached_records_.find(std::string(node.name));
  return it == cached_records_.end() ? std::vector<std::pair<std::string, property_value>>{} : it->second;
}

MLPIPE_DECL std::filesystem::path recorder::node_started(const node_info& node, std::span<const artifact_ref> inputs) {
  std::lock_guard lock(m_);
  ensure_run(node.pipeline);
  execution e = new_execution(node, execution_state::running);
  auto items = input_items(inputs);
  auto ctxs = contexts_for(node);
  s_.put_execution(e, items, ctxs);
  auto parent = root_ / std::string(node.pipeline) / std::string(node.name);
  try {
    std::filesystem::create_directories(parent);
  } catch (const std::exception& err) {
    // The runner fails the node without calling node_failed (it never started): the record ends here.
    finish_execution(e, execution_state::failed, std::string("cannot create its artifact directory: ") + err.what());
    throw;
  }
  running_[std::string(node.name)] = e;
  return parent / std::to_string(e.id) / "";
}

MLPIPE_DECL void recorder::node_succeeded(const node_info& node, std::span<const artifact_ref> outputs, std::span<const std::pair<std::string, property_value>> records) {
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

MLPIPE_DECL void recorder::node_failed(const node_info& node, std::string_view error) {
  std::lock_guard lock(m_);
  auto it = running_.find(std::string(node.name));
  if (it == running_.end()) return;
  finish_execution(it->second, execution_state::failed, std::string(error));
  running_.erase(it);
}

MLPIPE_DECL void recorder::node_skipped(const node_info& node, std::string_view because_of) {
  std::lock_guard lock(m_);
  ensure_run(node.pipeline);
  // ML Metadata has no SKIPPED state: a node that never ran is CANCELED, with the reason.
  execution e = new_execution(node, execution_state::canceled);
  e.custom_properties[std::string(names::skipped_because)] = std::string(because_of);
  std::vector<store::artifact_and_event> items;
  auto ctxs = contexts_for(node);
  s_.put_execution(e, items, ctxs);
}

MLPIPE_DECL void recorder::run_finished(bool ok) {
  std::lock_guard lock(m_);
  if (run_ctx_.id == 0) return;
  // Whatever the runner did not report as finished ends with the run: no execution outlives it as RUNNING.
  for (auto& [name, e] : running_) finish_execution(e, execution_state::failed, "the run ended before the node finished");
  running_.clear();
  context c = run_ctx_;
  c.properties.clear();
  c.custom_properties.clear();
  c.custom_properties[std::string(names::state)] = std::string(ok ? "COMPLETE" : "FAILED");
  c.custom_properties[std::string(names::end_time)] = static_cast<double>(now_ms());
  s_.put_context(c);
}

MLPIPE_DECL std::size_t recorder::abandon_stale(std::string_view pipeline) {
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
  // A process of this host that still runs (another recorder's execution is left to it).
  auto is_alive = [&](const properties& props) {
    auto h = props.find(names::host);
    auto p = props.find(names::pid);
    if (h == props.end() || p == props.end()) return false;
    auto hs = std::get_if<std::string>(&h->second);
    auto pv = std::get_if<std::int64_t>(&p->second);
    return hs && pv && *hs == me && *pv != my_pid && detail::process_alive(*pv);
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
        if (abandon(e)) ++n;
      }
      context c = run;
      c.properties.clear();
      c.custom_properties.clear();
      c.custom_properties[std::string(names::state)] = std::string("ABANDONED");
      s_.put_context(c);
    }
    // RUNNING executions of finished runs (few: the scan reads only the state column of Execution).
    detail::sql_value st[] = {static_cast<std::int64_t>(execution_state::running)};
    std::vector<std::int64_t> stale;
    for (auto& r : s_.connection().query("SELECT `id` FROM `Execution` WHERE `last_known_state` = ?", st))
      stale.push_back(detail::as_int(r[0]));
    for (auto& e : s_.get_executions(stale)) {
      for (auto& run : s_.get_contexts_by_execution(e.id)) {
        if (run.type != names::pipeline_run ||
            detail::prop_string(run.custom_properties, names::pipeline_name) != pipeline)
          continue;
        const auto state = detail::prop_string(run.custom_properties, names::state);
        if ((state == "COMPLETE" || state == "FAILED" || state == "ABANDONED") && !is_alive(e.custom_properties) &&
            abandon(e))
          ++n;
        break;
      }
    }
    return n;
  });
}

MLPIPE_DECL std::string recorder::node_context_name(const node_info& node) {
  return std::string(node.pipeline) + "." + std::string(node.name);
}

MLPIPE_DECL std::string recorder::new_run_id() {
  std::random_device rd;
  std::uint64_t r = (std::uint64_t{rd()} << 32) ^ rd();
  auto t = now_ms();
  return "run-" + std::to_string(t) + "-" + fingerprint_hex(r).substr(0, 6);
}

MLPIPE_DECL void recorder::ensure_run(std::string_view pipeline) {
  if (run_ctx_.id == 0 || pipeline != pipeline_) begin_run(pipeline, {}, 0);
}

MLPIPE_DECL void recorder::begin_run(std::string_view pipeline, std::string_view run_id, std::size_t nodes) {
  pipeline_ = std::string(pipeline);
  run_id_ = run_id.empty() ? new_run_id() : std::string(run_id);
  running_.clear();
  outputs_.clear();
  node_ctx_.clear();
  cached_from_.clear();
  cached_records_.clear();
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
    if (!joined_) {  // a joined run lives in many processes: none of them owns it
      rc.custom_properties[std::string(names::host)] = detail::host_name();
      rc.custom_properties[std::string(names::pid)] = static_cast<std::int64_t>(::getpid());
    }
    if (nodes) rc.custom_properties["mlpipe_nodes"] = static_cast<std::int64_t>(nodes);
    run_ctx_ = s_.ensure_context(rc);
    s_.put_parent_context(run_ctx_.id, pipeline_ctx_.id);
  });
}

MLPIPE_DECL std::vector<context> recorder::contexts_for(const node_info& node) {
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

MLPIPE_DECL execution recorder::new_execution(const node_info& node, execution_state st) {
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

MLPIPE_DECL event recorder::make_event(event_type t, const std::string& key, std::size_t index) {
  event ev;
  ev.type = t;
  ev.path.emplace_back(key);
  ev.path.emplace_back(static_cast<std::int64_t>(index));
  return ev;
}

MLPIPE_DECL artifact recorder::find_or_make_artifact(const artifact_ref& ref) {
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

MLPIPE_DECL artifact recorder::artifact_with_id(std::int64_t id) {
  artifact a;
  a.id = id;
  return a;
}

MLPIPE_DECL std::vector<store::artifact_and_event> recorder::input_items(std::span<const artifact_ref> inputs) {
  std::vector<store::artifact_and_event> items;
  for (auto& in : inputs) {
    store::artifact_and_event item;
    item.artifact = find_or_make_artifact(in);
    item.event = make_event(event_type::input, in.key, in.index);
    items.push_back(std::move(item));
  }
  return items;
}

MLPIPE_DECL std::optional<artifact_ref> recorder::last_blessed_input(const node_info& node, std::string_view port,
                                                                  std::string_view type_name) {
  auto node_ctx = s_.get_context(names::node, node_context_name(node));
  if (!node_ctx) return std::nullopt;
  std::optional<execution> best;
  for (auto& e : s_.get_executions_by_context(node_ctx->id)) {
    if (e.state != execution_state::complete && e.state != execution_state::cached) continue;
    auto b = e.custom_properties.find("blessed");
    if (b == e.custom_properties.end() || to_text(b->second) != "1") continue;
    if (!best || e.create_time_ms > best->create_time_ms || (e.create_time_ms == best->create_time_ms && e.id > best->id))
      best = std::move(e);
  }
  if (!best) return std::nullopt;
  for (auto& ev : s_.get_events_by_execution_ids(std::span<const std::int64_t>(&best->id, 1))) {
    if (store::is_output(ev.type) || ev.path.empty()) continue;
    auto key = std::get_if<std::string>(&ev.path[0]);
    if (key && *key == port) continue;  // the baseline that execution was compared with
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

// Ends a RUNNING execution in `state` with its error (the execution's other properties stay).
MLPIPE_DECL void recorder::finish_execution(const execution& running, execution_state state, const std::string& error) {
  execution e;
  e.id = running.id;
  e.type_id = running.type_id;
  e.state = state;
  e.custom_properties[std::string(names::error)] = error;
  s_.put_execution(e);
}

MLPIPE_DECL bool recorder::abandon(const execution& e) {
  detail::sql_value p[] = {static_cast<std::int64_t>(execution_state::canceled), e.id,
                           static_cast<std::int64_t>(execution_state::running)};
  if (s_.connection()
          .exec("UPDATE `Execution` SET `last_known_state` = ? WHERE `id` = ? AND `last_known_state` = ?", p)
          .affected_rows == 0)
    return false;
  execution u;
  u.id = e.id;
  u.type_id = e.type_id;
  u.state = execution_state::canceled;
  u.custom_properties[std::string(names::abandoned)] = true;
  s_.put_execution(u);
  for (auto& ev : s_.get_events_by_execution_ids(std::span<const std::int64_t>(&e.id, 1)))
    if (store::is_output(ev.type)) s_.set_artifact_state(ev.artifact_id, artifact_state::abandoned);
  return true;
}

}  // namespace mlpipe::metadata
