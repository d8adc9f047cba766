// mlpipe/core/errors.hpp: the diagnostics a wrong pipeline gets. Each is a template, declared and never defined,
// whose name states the broken rule and whose arguments are the user's node names, ports and types.
#pragma once

#include <cstddef>

#include <mlpipe/core/name.hpp>

// pipeline(...) names the first broken rule's template where it must be complete, so the compiler's one error
// reads e.g. `incomplete type 'mlpipe::errors::unknown_name_in_from<fixed_string<6>{"model"}, ...>'`. Each
// declaration stays on one line: Clang quotes it ("template is declared here"), naming the arguments.
namespace mlpipe::errors {

// node<Node>(s): Type is not a stage (a copyable class with one non-template call operator returning a value).
template <fixed_string Node, class Type> struct not_a_stage;

// Node's inputs are listed in two from<...> (the second lists Second...): list them in one, from<"a", "b">.
template <fixed_string Node, fixed_string... Second> struct inputs_listed_in_two_from;

// Two nodes have the same name.
template <fixed_string Node> struct duplicate_node_name;

// Node's from<...> lists Missing, which is no node of the pipeline.
template <fixed_string Node, fixed_string Missing> struct unknown_name_in_from;

// Node's from<...> lists FromGives names, but its Stage takes TakesAtLeast (its required inputs) to TakesAtMost.
template <fixed_string Node, class Stage, std::size_t TakesAtLeast, std::size_t TakesAtMost, std::size_t FromGives> struct wrong_number_of_inputs;

// Node's from<...> gives mlpipe::none to Port, which is not an optional_input<T>.
template <fixed_string Node, class Stage, fixed_string Port> struct required_input_not_wired;

// Stage's MLPIPE_INPUTS(...) names Declared inputs, but its call operator takes StageTakes.
template <fixed_string Node, class Stage, std::size_t Declared, std::size_t StageTakes> struct input_names_do_not_match_inputs;

// Two of Node's input ports are called Port.
template <fixed_string Node, class Stage, fixed_string Port> struct duplicate_input_port;

// The nodes form a cycle; Path is its path, producer first, first node repeated at the end.
template <fixed_string... Path> struct cycle_through;

// Node's input Port takes Expected, but its producer Producer gives Given.
template <fixed_string Node, fixed_string Port, fixed_string Producer, class Expected, class Given> struct input_type_mismatch;

// Producer has several outputs of type Expected, so Node's input Port cannot choose one.
template <fixed_string Node, fixed_string Port, fixed_string Producer, class Expected, class Given> struct ambiguous_input;

}  // namespace mlpipe::errors
