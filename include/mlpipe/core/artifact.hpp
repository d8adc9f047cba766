// mlpipe/core/artifact.hpp: the `artifact` concept, what flows between stages and is recorded and cached.
// An artifact names its ML Metadata type, saves itself to a directory, loads back, and fingerprints its content.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace mlpipe {

/// A value that the metadata store can record, the cache can reuse and an orchestrator can hand between
/// processes. Plain values (an int, a struct) may also flow between stages; only artifacts are persisted.
///   struct my_model {
///     static constexpr std::string_view type_name = "Model";   // the ML Metadata artifact type
///     void save(const std::filesystem::path& dir) const;       // dir exists and is empty
///     static my_model load(const std::filesystem::path& dir);   // throws a clear error on a bad dir
///     std::uint64_t fingerprint() const;                        // stable content hash (mlpipe::hasher)
///   };
template <class A>
concept artifact = std::movable<A> && requires(const A& a, const std::filesystem::path& dir) {
  { A::type_name } -> std::convertible_to<std::string_view>;
  { a.save(dir) };
  { A::load(dir) } -> std::same_as<A>;
  { a.fingerprint() } -> std::convertible_to<std::uint64_t>;
};

}  // namespace mlpipe
