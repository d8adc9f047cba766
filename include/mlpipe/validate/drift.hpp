// mlpipe/validate/drift.hpp: distances between two distributions of a column, for drift against a baseline:
// Jensen-Shannon divergence of numeric histograms on common boundaries, L-infinity of category frequencies.
#pragma once

#include <cstddef>
#include <string>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/validate/column_statistics.hpp>
#include <mlpipe/validate/histogram.hpp>
#include <mlpipe/validate/value_counts.hpp>

namespace mlpipe {

/// Jensen-Shannon divergence, log base 2 (so in [0, 1]), of two histograms re-bucketed onto the union of their
/// boundaries (uniform mass within a bucket, as TFDV does). 0 when either is empty.
MLPIPE_DECL double js_divergence(const histogram& a, const histogram& b);

/// Jensen-Shannon divergence (log2) of two numeric columns, on common boundaries: the union of both columns'
/// equal-width edges and quantile (equal-mass) edges. Each side's mass per bucket is read off its own sketch
/// (rank(b) - rank(a)), not spread uniformly, so a point mass (a spike of zeros) stays where it is and a change
/// inside one wide equal-width bucket still shows. The buckets are: at or below the lowest edge, each
/// (edge[i-1], edge[i]], above the highest edge.
MLPIPE_DECL double js_divergence(const column_statistics& a, const column_statistics& b, std::size_t buckets = 10);

/// Largest absolute difference between the normalized frequencies of any value (L-infinity distance).
/// `worst` receives the value where it is reached.
MLPIPE_DECL double l_infinity_distance(const value_counter& a, const value_counter& b, std::string* worst = nullptr);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/drift.ipp>
#endif
