// mlpipe/core/errors.hpp: the diagnostics a wrong pipeline gets. Each is a template whose arguments name the
// user's nodes and types, instantiated only on the failure path, next to a sentence that states the rule.
#pragma once

#include <cstddef>

#include <mlpipe/core/name.hpp>

namespace mlpipe::errors {

namespace detail {
template <class... T>
inline constexpr bool always_false = false;
}

/// Two nodes have the same name.
template <class NodeName>
struct duplicate_node_name {
  static_assert(detail::always_false<NodeName>,
                "mlpipe: node names must be unique in a pipeline (duplicate_node_name<NAME> names it)");
};

/// A node's from<...> names a node that is not in the pipeline.
template <class Node, class MissingInput>
struct from_names_no_node {
  static_assert(detail::always_false<Node>,
                "mlpipe: every name in from<...> must be a node of the pipeline (from_names_no_node<NODE, "
                "MISSING>)");
};

/// A node lists a different number of inputs than its stage's call operator takes.
template <class Node, class Stage, std::size_t StageTakes, std::size_t FromGives>
struct wrong_number_of_inputs {
  static_assert(detail::always_false<Node>,
                "mlpipe: a node must list exactly one from<...> name per input of its stage "
                "(wrong_number_of_inputs<NODE, STAGE, STAGE_TAKES, FROM_GIVES>)");
};

/// The nodes form a cycle; the arguments are the cycle's path, first node repeated at the end.
template <class... Path>
struct cycle_through {
  static_assert(detail::always_false<Path...>,
                "mlpipe: a pipeline must be acyclic, but its nodes form a cycle (cycle_through<PATH...>)");
};

/// A node's input does not accept what its producer gives.
template <class Node, std::size_t Input, class Producer, class Expected, class Given>
struct input_type_mismatch {
  static_assert(detail::always_false<Node>,
                "mlpipe: each input's type must be what its producer gives "
                "(input_type_mismatch<NODE, INPUT_INDEX, PRODUCER, EXPECTED, GIVEN>)");
};

/// A producer has several outputs of the input's type, so the choice is ambiguous.
template <class Node, std::size_t Input, class Producer, class Expected, class Given>
struct ambiguous_input {
  static_assert(detail::always_false<Node>,
                "mlpipe: a producer with several outputs must have exactly one of the input's type "
                "(ambiguous_input<NODE, INPUT_INDEX, PRODUCER, EXPECTED, GIVEN>)");
};

}  // namespace mlpipe::errors
