// Two translation units include every core header: an inline function defined twice differently, or a
// non-inline definition in a header, fails this link (as range-v3's two-TU test does).
#include <mlpipe/core.hpp>

int mlpipe_odr_a() { return static_cast<int>(mlpipe::fingerprint_bytes("a", 1) & 1); }
