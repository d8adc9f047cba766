// MLPIPE_HEADER_ONLY mode (target mlpipe::header_only): the whole library inline in the headers, no libmlpipe.
// Two translation units include the umbrella header; a body defined in a header without MLPIPE_DECL (so not
// inline in this mode), or an .ipp missing from its header, fails this link.
#include <mlpipe/mlpipe.hpp>

#include <string>

std::string mlpipe_header_only_a() {
  auto t = mlpipe::read_csv_string("x,y\n1,a\n2,b\n3,a\n");
  auto st = mlpipe::compute_statistics(t, "train");
  return mlpipe::infer_schema_from(st).to_text();
}
