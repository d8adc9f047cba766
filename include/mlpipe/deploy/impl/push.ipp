// mlpipe/deploy/impl/push.ipp: bodies of deploy/push.hpp's non-template functions (compiled once into
// libmlpipe by src/deploy.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/deploy/push.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL nlohmann::json pushed_model::to_json() const {
  return {{"format", "mlpipe.PushedModel"}, {"version", 1}, {"pushed", pushed},
          {"model_version", version}, {"path", path}, {"reason", reason}};
}

MLPIPE_DECL void pushed_model::save(const std::filesystem::path& dir) const {
  detail::write_json_file<push_error>(dir / "pushed_model.json", to_json());
}

MLPIPE_DECL pushed_model pushed_model::load(const std::filesystem::path& dir) {
  auto file = dir / "pushed_model.json";
  return detail::load_json_file<push_error>(file, "no PushedModel there", [&](const nlohmann::json& j) {
    if (!detail::json_format_is(j, "mlpipe.PushedModel") || detail::json_version(j) != 1)
      throw push_error(file.string() + ": not a PushedModel of format version 1");
    return pushed_model{j.at("pushed").get<bool>(), j.at("model_version").get<std::int64_t>(),
                        j.at("path").get<std::string>(), j.at("reason").get<std::string>()};
  });
}

MLPIPE_DECL std::uint64_t pushed_model::fingerprint() const {
  return detail::json_fingerprint(to_json(), 0x7075736864ULL);
}

MLPIPE_DECL std::vector<std::int64_t> list_versions(const std::filesystem::path& base) {
  std::vector<std::int64_t> v;
  std::error_code ec;
  if (!std::filesystem::is_directory(base, ec)) return v;
  for (const auto& e : std::filesystem::directory_iterator(base, ec)) {
    auto name = e.path().filename().string();
    // canonical numbers only: "007" would be listed as 7, then <base>/7 would not be found
    if (name.empty() || name.size() > 18 || name.front() == '0' || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    if (!e.is_directory(ec)) continue;
    auto n = std::stoll(name);
    if (n > 0) v.push_back(n);
  }
  std::sort(v.begin(), v.end());
  return v;
}

namespace detail {
MLPIPE_DECL std::function<void(const std::filesystem::path&)>& push_before_publish_hook() {
  static std::function<void(const std::filesystem::path&)> hook;
  return hook;
}
}  // namespace detail

MLPIPE_DECL pushed_model push_bundle(const std::filesystem::path& base, const transform_graph& g, const any_model& m,
                                     const schema* s, bundle_provenance provenance) {
  namespace fs = std::filesystem;
  fs::create_directories(base);
  std::random_device rd;
  auto tmp = base / (".tmp-push-" + std::to_string(::getpid()) + "-" + fingerprint_hex((std::uint64_t{rd()} << 32) ^ rd()));
  try {
    write_bundle(tmp, g, m, s, std::move(provenance));
    if (auto& hook = detail::push_before_publish_hook()) hook(tmp);
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto versions = list_versions(base);
      std::int64_t next = versions.empty() ? 1 : versions.back() + 1;
      auto dst = base / std::to_string(next);
      // rename(2) of a directory onto an existing non-empty directory fails, so two pushers never overwrite
      if (::rename(tmp.c_str(), dst.c_str()) == 0) {
        detail::fsync_path(base, true);
        return {true, next, dst.string(), "pushed as version " + std::to_string(next)};
      }
      if (errno != EEXIST && errno != ENOTEMPTY)
        throw push_error("cannot rename " + tmp.string() + " to " + dst.string() + ": " + std::strerror(errno));
    }
    throw push_error("cannot find a free version number under " + base.string());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

MLPIPE_DECL pushed_model push::operator()(const any_model& m, const transform_graph& g, const model_blessing& blessing,
                                          optional_input<infra_blessing> infra, context& ctx) const {
  if (base.empty()) throw push_error("push: parameter 'base' (the serving directory) is empty");
  if (!blessing.blessed)
    throw push_error("push refused: the model is not blessed (" +
                     (blessing.reason.empty() ? std::string("no reason recorded") : blessing.reason) + ")");
  if (infra && !infra->blessed) {
    ctx.record("refused", "infra");
    throw push_error("push refused: the model failed infra validation (" +
                     (infra->reason.empty() ? std::string("no reason recorded") : infra->reason) + ")");
  }
  bundle_provenance p{std::string(ctx.pipeline_name()), std::string(ctx.run_id()), std::string(ctx.node_name()), {}};
  auto out = push_bundle(base, g, m, nullptr, std::move(p));
  ctx.record("pushed_version", out.version);
  ctx.record("pushed_path", out.path);
  ctx.log("pushed version " + std::to_string(out.version) + " to " + out.path);
  return out;
}

}  // namespace mlpipe
