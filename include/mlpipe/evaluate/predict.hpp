// mlpipe/evaluate/predict.hpp: runs a trained model over a table (through its fitted transform, block by block)
// and collects the predictions and true labels that compute_metrics and evaluate_predictions take.
#pragma once

#include <cstddef>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/evaluate/metrics.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/train/any_model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// The label encoding a trained model implies for a table: its classes, read as numbers when the table's label
/// column is numeric (class names of numeric labels are the numbers in shortest form).
MLPIPE_DECL label_encoding label_encoding_of(const any_model& m, const table& t);

/// The model's predictions on every row of `t`, with the true labels. The table goes through the transform
/// block by block (no transformed copy of the table). Throws model_error / transform_error naming the row for a
/// missing label, a class the model does not know, or a column the transform needs and the table lacks.
MLPIPE_DECL predictions predict_table(const any_model& m, const transform_graph& g, const table& t,
                                  std::size_t block_rows = 4096);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/predict.ipp>
#endif
