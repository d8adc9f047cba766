"""scikit-learn's `metrics` on the predictions the C++ test wrote: reads a JSON file of cases, prints JSON.

Usage: /usr/bin/python3 sklearn_metrics.py CASES.json
Each case: {"kind": "binary"|"multiclass"|"regression", "y": [...], "proba": [[...], ...]} or, for
regression, {"kind": "regression", "y": [...], "pred": [...]}. The answer lists one object of metrics per case.
"""
import json
import sys

import numpy as np
from sklearn import metrics


def classification(case):
    y = np.asarray(case["y"], dtype=int)
    proba = np.asarray(case["proba"], dtype=float)
    k = proba.shape[1]
    labels = list(range(k))
    pred = np.argmax(proba, axis=1)
    out = {
        "accuracy": metrics.accuracy_score(y, pred),
        "confusion_matrix": metrics.confusion_matrix(y, pred, labels=labels).tolist(),
        "log_loss": metrics.log_loss(y, proba, labels=labels),
    }
    for avg in ("macro", "micro"):
        out["precision_" + avg] = metrics.precision_score(y, pred, average=avg, zero_division=0)
        out["recall_" + avg] = metrics.recall_score(y, pred, average=avg, zero_division=0)
        out["f1_" + avg] = metrics.f1_score(y, pred, average=avg, zero_division=0)
    p, r, f, s = metrics.precision_recall_fscore_support(y, pred, labels=labels, average=None, zero_division=0)
    out["precision_per_class"] = p.tolist()
    out["recall_per_class"] = r.tolist()
    out["f1_per_class"] = f.tolist()
    out["support_per_class"] = s.tolist()
    if k == 2:
        out["precision"] = metrics.precision_score(y, pred, zero_division=0)
        out["recall"] = metrics.recall_score(y, pred, zero_division=0)
        out["f1"] = metrics.f1_score(y, pred, zero_division=0)
        out["auc"] = metrics.roc_auc_score(y, proba[:, 1])
        out["log_loss_1d"] = metrics.log_loss(y, proba[:, 1], labels=labels)
    elif len(np.unique(y)) == k:
        out["auc"] = metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro")
    else:
        out["auc"] = None  # scikit-learn refuses one-vs-rest AUC when a class is absent from the labels
    return out


def regression(case):
    y = np.asarray(case["y"], dtype=float)
    pred = np.asarray(case["pred"], dtype=float)
    return {
        "rmse": metrics.mean_squared_error(y, pred, squared=False),
        "mse": metrics.mean_squared_error(y, pred),
        "mae": metrics.mean_absolute_error(y, pred),
        "r2": metrics.r2_score(y, pred),
    }


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    answers = [regression(c) if c["kind"] == "regression" else classification(c) for c in cases]
    json.dump({"answers": answers}, sys.stdout)


if __name__ == "__main__":
    main()
