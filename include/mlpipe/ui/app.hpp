// mlpipe/ui/app.hpp: the web UI as one function from a request's path and query to a page, independent of the HTTP
// layer that serves it; and `report`, the same pages for one run as one self-contained HTML file.
#pragma once

#include <charconv>
#include <exception>
#include <map>
#include <string>
#include <string_view>

#include <mlpipe/core/detail/percent_decode.hpp>
#include <mlpipe/ui/pages.hpp>

namespace mlpipe::ui {

using query_map = std::map<std::string, std::string, std::less<>>;

namespace detail {

inline std::string get(const query_map& q, std::string_view key) {
  auto it = q.find(key);
  return it == q.end() ? std::string{} : it->second;
}

/// A page number from the query (1-based for people, 0-based inside); absent or malformed is the first page.
inline std::size_t page_of(const query_map& q) {
  auto v = get(q, "page");
  std::size_t p = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), p);
  if (ec != std::errc{} || ptr != v.data() + v.size() || p == 0) return 0;
  return std::min<std::size_t>(p - 1, 1u << 30);
}

}  // namespace detail

/// Splits a raw query string (`a=1&b=x%20y`) into its decoded parameters.
inline query_map parse_query(std::string_view raw) {
  query_map q;
  while (!raw.empty()) {
    auto amp = raw.find('&');
    auto part = raw.substr(0, amp);
    auto eq = part.find('=');
    auto key = mlpipe::detail::percent_decode(part.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::string{} : mlpipe::detail::percent_decode(part.substr(eq + 1), true);
    if (!key.empty()) q.emplace(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
  }
  return q;
}

/// Answers one GET of the UI: the page for `path` (without its query) and `query`, 404 for what the store does
/// not have, 500 with the error's text (escaped) for a store that fails. Never writes to the store.
inline response handle(metadata::store& s, std::string_view path, const query_map& query) {
  const links l{};
  auto rest = [&](std::string_view prefix) { return mlpipe::detail::percent_decode(path.substr(prefix.size()), false); };
  try {
    if (path == "/" || path == "/runs")
      return {200, page("runs", runs_section(s, detail::get(query, "pipeline"), detail::page_of(query), l))};
    if (path.starts_with("/run/")) {
      auto name = rest("/run/");
      return {200, page("run " + name, run_section(s, name, l))};
    }
    if (path.starts_with("/execution/"))
      return {200, page("execution", execution_section(s, detail::to_id(rest("/execution/"), "execution"), l))};
    if (path.starts_with("/artifact/"))
      return {200, page("artifact", artifact_section(s, detail::to_id(rest("/artifact/"), "artifact"), l))};
    if (path.starts_with("/lineage/"))
      return {200, page("lineage", lineage_section(s, detail::to_id(rest("/lineage/"), "artifact"), l))};
    if (path == "/history")
      return {200, page("history", history_section(s, detail::get(query, "figure"), detail::get(query, "node"),
                                                    detail::get(query, "pipeline"), l))};
    if (path == "/compare")
      return {200, page("compare", compare_section(s, detail::get(query, "a"), detail::get(query, "b"), l))};
    if (path == "/healthz") return {200, "ok\n", "text/plain"};
    return {404, page("not found", "<h1>Not found</h1><p>There is no page " + escape(path) + ". <a href=\"/runs\">runs</a></p>")};
  } catch (const not_found& e) {
    return {404, page("not found", "<h1>Not found</h1><p>" + escape(e.what()) + "</p>")};
  } catch (const std::exception& e) {
    return {500, page("error", "<h1>The store could not answer</h1><pre>" + escape(e.what()) + "</pre>")};
  }
}

/// One run as one self-contained HTML file (styles and charts inline, no script, no network): the run with its
/// DAG, every node's execution, every artifact it wrote (statistics, evaluation, ...), the model's lineage and the
/// history of the pipeline's figures up to it. RUN is a name, an id or "latest".
inline std::string report(metadata::store& s, std::string_view run_name) {
  const links l{.report = true};
  metadata::context run;
  try {
    run = metadata::find_run(s, run_name);
  } catch (const metadata::store_error& e) {
    throw not_found(e.what());
  }
  std::string b = run_section(s, run.name, l);
  auto shown = metadata::show_run(s, run.name);
  std::set<std::int64_t> seen;
  for (auto& n : shown["nodes"]) b += execution_section(s, n["id"].get<std::int64_t>(), l);
  b += "<h1>Artifacts</h1>";
  for (auto& n : shown["nodes"])
    for (auto& o : n["outputs"])
      if (seen.insert(o["id"].get<std::int64_t>()).second) b += artifact_section(s, o["id"].get<std::int64_t>(), l);
  for (auto& n : shown["nodes"])
    for (auto& o : n["outputs"])
      if (o["type"] == "Model") {
        b += lineage_section(s, o["id"].get<std::int64_t>(), l);
        break;
      }
  auto pipeline = metadata::detail::prop_string(run.custom_properties, metadata::names::pipeline_name);
  for (auto& f : figure_names(s)) {
    if (f != "auc" && f != "accuracy" && f != "rmse") continue;
    b += history_section(s, f, "", pipeline, l);
  }
  return page("report of run " + run.name, b, false);
}

}  // namespace mlpipe::ui
