#!/usr/bin/python3
"""Peer for tests/train/test_sklearn.cpp: scikit-learn on the same splits; prints one JSON object per job.

usage: sklearn_peer.py JOBS_FILE
Each line of JOBS_FILE: NAME CSV LABEL TASK TRAIN_ROWS EVAL_ROWS [--binarize]
TASK: binary | multiclass | regression. TRAIN_ROWS/EVAL_ROWS: files with one row index per line.
--binarize: the label is (LABEL > 0), as for fair's affairs.
Models: StandardScaler + LogisticRegression(C=1) or Ridge(alpha=1). Output: {NAME: {metric: value}}.
"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def job(csv, label, task, train_rows, eval_rows, binarize):
    df = pd.read_csv(csv)
    tr = np.loadtxt(train_rows, dtype=int)
    ev = np.loadtxt(eval_rows, dtype=int)
    y = df[label]
    if binarize:
        y = (y > 0).astype(int)
    X = df.drop(columns=[label]).to_numpy(dtype=float)
    y = y.to_numpy()
    out = {}
    if task == "regression":
        m = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X[tr], y[tr])
        out["rmse"] = float(np.sqrt(mean_squared_error(y[ev], m.predict(X[ev]))))
    else:
        m = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=10000)).fit(X[tr], y[tr])
        out["accuracy"] = float(accuracy_score(y[ev], m.predict(X[ev])))
        if task == "binary":
            out["auc"] = float(roc_auc_score(y[ev], m.predict_proba(X[ev])[:, 1]))
    return out


results = {}
with open(sys.argv[1]) as f:
    for line in f:
        a = line.split()
        if a:
            results[a[0]] = job(a[1], a[2], a[3], a[4], a[5], "--binarize" in a[6:])
print(json.dumps(results))
