"""Peer of bench_metrics: times scikit-learn's `metrics` on the predictions the benchmark wrote.

Usage: /usr/bin/python3 sklearn_metrics_time.py KIND ROWS CLASSES FILE
FILE holds raw little-endian arrays: binary/multiclass: int32 labels then float64 probabilities (rows x classes);
regression: float64 targets then float64 predictions. Prints the best of 3 runs' CPU seconds for the same metric set
that mlpipe's compute_metrics gives (reading the file is not timed).
"""
import sys
import time

import numpy as np
from sklearn import metrics


def classification(y, proba):
    k = proba.shape[1]
    labels = list(range(k))
    pred = np.argmax(proba, axis=1)
    metrics.accuracy_score(y, pred)
    metrics.confusion_matrix(y, pred, labels=labels)
    for avg in ("macro", "micro", None):
        metrics.precision_recall_fscore_support(y, pred, labels=labels, average=avg, zero_division=0)
    metrics.log_loss(y, proba, labels=labels)
    if k == 2:
        metrics.precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
        metrics.roc_auc_score(y, proba[:, 1])
    else:
        metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro")


def regression(y, pred):
    metrics.mean_squared_error(y, pred, squared=False)
    metrics.mean_squared_error(y, pred)
    metrics.mean_absolute_error(y, pred)
    metrics.r2_score(y, pred)


def main():
    kind, rows, classes, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(path, "rb") as f:
        data = f.read()
    if kind == "regression":
        a = np.frombuffer(data, dtype="<f8")
        args, fn = (a[:rows], a[rows:2 * rows]), regression
    else:
        y = np.frombuffer(data[: 4 * rows], dtype="<i4")
        proba = np.frombuffer(data[4 * rows:], dtype="<f8").reshape(rows, classes)
        args, fn = (y, proba), classification
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - t)
    print(best)


if __name__ == "__main__":
    main()
