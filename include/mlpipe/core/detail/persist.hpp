// mlpipe/core/detail/persist.hpp: saving a node's outputs into its artifact directory (under a temporary name,
// renamed into place when complete) and loading them back, for the cache and for run_node.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


#include <mlpipe/core/artifact.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/observer.hpp>
#include <mlpipe/core/outputs.hpp>
#include <mlpipe/core/stage.hpp>

namespace mlpipe::detail {

/// True when every output of Out (one value or each member of several) is an artifact.
template <class Out>
struct all_artifacts;
template <class... Ts>
struct all_artifacts<type_list<Ts...>> {
  static constexpr bool value = (artifact<Ts> && ...);
};
template <class Out>
inline constexpr bool persistable = all_artifacts<typename output_members<Out>::types>::value;

template <class Out, std::size_t I>
std::string output_key() {
  using T = typename at<I, typename output_members<Out>::types>::type;
  if constexpr (multiple_outputs<Out> && !is_tuple<Out>::value)
    return std::string(key_name(boost::hana::first(boost::hana::at_c<I>(boost::hana::accessors<Out>()))));
  else if constexpr (is_tuple<Out>::value)
    return std::string(T::type_name) + "-" + std::to_string(I);
  else
    return std::string(T::type_name);
}

/// Each output's key and ML Metadata type, in output order.
template <class Out>
std::vector<std::pair<std::string, std::string>> output_ports() {
  std::vector<std::pair<std::string, std::string>> r;
  [&]<std::size_t... Is>(std::index_sequence<Is...>) {
    (r.emplace_back(output_key<Out, Is>(), std::string(at<Is, typename output_members<Out>::types>::type::type_name)),
     ...);
  }(std::make_index_sequence<output_members<Out>::types::size>{});
  return r;
}

/// A file in every saved artifact directory naming its type, so that a process handed a directory (an
/// orchestrator's --input) can say "holds a Schema, expected Examples" instead of failing somewhere in load().
inline constexpr const char* artifact_type_file = ".mlpipe-artifact-type";

/// The type a saved artifact directory says it holds ("" when it says nothing, e.g. written by hand).
MLPIPE_DECL std::string saved_artifact_type(const std::filesystem::path& dir);

/// save_artifact's work without the artifact's type (compiled once): `save` writes the artifact at `a` into a
/// temporary directory, renamed to dir/key when complete.
MLPIPE_DECL artifact_ref save_artifact_as(const std::filesystem::path& dir, const std::string& key,
                                          std::string_view type_name, std::uint64_t fingerprint,
                                          void (*save)(const void* a, const std::filesystem::path& to), const void* a);

/// Saves `a` to dir/key through a temporary directory renamed into place, so a reader never sees half of it.
template <artifact A>
artifact_ref save_artifact(const A& a, const std::filesystem::path& dir, const std::string& key) {
  return save_artifact_as(dir, key, A::type_name, static_cast<std::uint64_t>(a.fingerprint()),
                          [](const void* p, const std::filesystem::path& to) { static_cast<const A*>(p)->save(to); }, &a);
}

template <class Out>
std::vector<artifact_ref> save_outputs(const Out& out, const std::filesystem::path& dir) {
  std::vector<artifact_ref> refs;
  [&]<std::size_t... Is>(std::index_sequence<Is...>) {
    (refs.push_back(save_artifact(output_member<Is>(out), dir, output_key<Out, Is>())), ...);
  }(std::make_index_sequence<output_members<Out>::types::size>{});
  return refs;
}

/// References to outputs kept in memory (no uri), so an observer still learns their types and fingerprints.
template <class Out>
std::vector<artifact_ref> describe_outputs(const Out& out) {
  std::vector<artifact_ref> refs;
  if constexpr (persistable<Out>) {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      (refs.push_back(artifact_ref{output_key<Out, Is>(), 0,
                                   std::string(std::remove_cvref_t<decltype(output_member<Is>(out))>::type_name),
                                   {}, static_cast<std::uint64_t>(output_member<Is>(out).fingerprint()), {}}),
       ...);
    }(std::make_index_sequence<output_members<Out>::types::size>{});
  }
  return refs;
}

template <class Out>
Out load_outputs(const std::vector<artifact_ref>& refs) {
  constexpr std::size_t n = output_members<Out>::types::size;
  if (refs.size() != n)
    throw std::runtime_error("mlpipe: cached execution has " + std::to_string(refs.size()) + " outputs, expected " +
                             std::to_string(n));
  if constexpr (!multiple_outputs<Out>) {
    return Out::load(refs[0].uri);
  } else if constexpr (is_tuple<Out>::value) {
    return [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      return Out{std::tuple_element_t<Is, Out>::load(refs[Is].uri)...};
    }(std::make_index_sequence<n>{});
  } else {
    Out out{};
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      ((boost::hana::second(boost::hana::at_c<Is>(boost::hana::accessors<Out>()))(out) =
            std::remove_cvref_t<decltype(output_member<Is>(out))>::load(refs[Is].uri)),
       ...);
    }(std::make_index_sequence<n>{});
    return out;
  }
}

}  // namespace mlpipe::detail

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/persist.ipp>
#endif
