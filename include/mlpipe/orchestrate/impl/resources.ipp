// mlpipe/orchestrate/impl/resources.ipp: bodies of orchestrate/resources.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/orchestrate/resources.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL std::uint64_t parse_count(std::string_view s, std::string_view what) {
  if (s.empty() || s.size() > 12) throw std::invalid_argument(std::string(what) + ": expected a number");
  std::uint64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw std::invalid_argument(std::string(what) + ": expected a number");
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}
MLPIPE_DECL std::uint64_t parse_memory(std::string_view s) {
  std::string_view what = "mem (e.g. 512M, 8G)";
  std::uint64_t mult = 1;
  if (!s.empty() && (s.back() == 'B' || s.back() == 'b')) s.remove_suffix(1);
  if (!s.empty() && std::isalpha(static_cast<unsigned char>(s.back()))) {
    switch (std::toupper(static_cast<unsigned char>(s.back()))) {
      case 'K': mult = 0; break;
      case 'M': mult = 1; break;
      case 'G': mult = 1024; break;
      case 'T': mult = 1024 * 1024; break;
      default: throw std::invalid_argument(std::string(what) + ": unknown unit '" + std::string(1, s.back()) + "'");
    }
    s.remove_suffix(1);
  }
  auto v = parse_count(s, what);
  return mult == 0 ? (v + 1023) / 1024 : v * mult;
}
MLPIPE_DECL std::uint64_t parse_duration(std::string_view s) {
  std::string_view what = "time (e.g. 30m, 1h30m, 2d, 01:30:00)";
  if (s.find(':') != std::string_view::npos) {
    std::uint64_t total = 0;
    int parts = 0;
    while (true) {
      auto c = s.find(':');
      total = total * 60 + parse_count(s.substr(0, c), what);
      ++parts;
      if (c == std::string_view::npos) break;
      s.remove_prefix(c + 1);
    }
    if (parts > 3) throw std::invalid_argument(std::string(what) + ": at most HH:MM:SS");
    return total;  // MM:SS or HH:MM:SS
  }
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s.back()))) return parse_count(s, what) * 60;
  std::uint64_t total = 0;
  while (!s.empty()) {
    std::size_t d = 0;
    while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
    if (d == 0 || d == s.size()) throw std::invalid_argument(std::string(what));
    auto v = parse_count(s.substr(0, d), what);
    switch (s[d]) {
      case 's': total += v; break;
      case 'm': total += v * 60; break;
      case 'h': total += v * 3600; break;
      case 'd': total += v * 86400; break;
      default: throw std::invalid_argument(std::string(what) + ": unknown unit '" + std::string(1, s[d]) + "'");
    }
    s.remove_prefix(d + 1);
  }
  return total;
}
}  // namespace detail

MLPIPE_DECL std::map<std::string, resources, std::less<>> parse_resources(const std::vector<std::string>& specs, const dag& d) {
  std::map<std::string, resources, std::less<>> all, own;
  resources star;
  for (auto& spec : specs) {
    auto fail = [&](const std::string& why) {
      return std::invalid_argument("--resources '" + spec + "': " + why);
    };
    auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0) throw fail("expected NODE:cpus=N,mem=SIZE,time=DURATION,ranks=N");
    std::string node = spec.substr(0, colon);
    if (node != "*" && !d.find(node)) {
      std::string known;
      for (auto& n : d.nodes) known += (known.empty() ? "" : ", ") + n.name;
      throw fail("the pipeline has no node '" + node + "' (its nodes: " + known + ", or * for all)");
    }
    resources& r = node == "*" ? star : own[node];
    std::string_view rest = std::string_view(spec).substr(colon + 1);
    if (rest.empty()) throw fail("no key=value after the node");
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      auto eq = item.find('=');
      if (eq == std::string_view::npos) throw fail("'" + std::string(item) + "' is not key=value");
      auto key = item.substr(0, eq), value = item.substr(eq + 1);
      try {
        if (key == "cpus") r.cpus = static_cast<int>(detail::parse_count(value, "cpus"));
        else if (key == "mem") r.mem_mib = detail::parse_memory(value);
        else if (key == "time") r.time_s = detail::parse_duration(value);
        else if (key == "ranks") r.ranks = static_cast<int>(detail::parse_count(value, "ranks"));
        else throw std::invalid_argument("unknown key '" + std::string(key) + "' (keys: cpus, mem, time, ranks)");
      } catch (const std::invalid_argument& e) {
        throw fail(e.what());
      }
    }
  }
  for (auto& n : d.nodes) {
    resources r = star;
    if (auto it = own.find(n.name); it != own.end()) {
      const resources& o = it->second;
      if (o.cpus) r.cpus = o.cpus;
      if (o.mem_mib) r.mem_mib = o.mem_mib;
      if (o.time_s) r.time_s = o.time_s;
      if (o.ranks) r.ranks = o.ranks;
    }
    all[n.name] = r;
  }
  return all;
}

MLPIPE_DECL std::string slurm_time(std::uint64_t s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu-%02llu:%02llu:%02llu", static_cast<unsigned long long>(s / 86400),
                static_cast<unsigned long long>(s / 3600 % 24), static_cast<unsigned long long>(s / 60 % 60),
                static_cast<unsigned long long>(s % 60));
  return buf;
}

}  // namespace mlpipe::orchestrate
