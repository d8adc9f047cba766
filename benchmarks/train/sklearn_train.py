#!/usr/bin/python3
"""Peer for bench_train_vs_sklearn: scikit-learn trains and evaluates on the same 1M x 20 synthetic rows.

usage: sklearn_train.py FILE ROWS COLS TRAIN_ROWS
FILE: raw float64, row-major, ROWS x (COLS + 1), the label (0/1) last. The first TRAIN_ROWS rows train,
the rest evaluate. Timed: StandardScaler fit + transform, fit, predict_proba on the eval rows, ROC AUC.
Prints JSON {"lbfgs": {"seconds", "auc"}, "sgd": {...}}.
"""
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

path, rows, cols, ntrain = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
data = np.fromfile(path, dtype=np.float64).reshape(rows, cols + 1)
X, y = data[:, :cols], data[:, cols]
Xtr, ytr, Xev, yev = X[:ntrain], y[:ntrain], X[ntrain:], y[ntrain:]


def run(make):
    t0 = time.perf_counter()
    sc = StandardScaler().fit(Xtr)
    m = make().fit(sc.transform(Xtr), ytr)
    p = m.predict_proba(sc.transform(Xev))[:, 1]
    auc = roc_auc_score(yev, p)
    return {"seconds": time.perf_counter() - t0, "auc": float(auc)}


out = {
    "lbfgs": run(lambda: LogisticRegression(solver="lbfgs", max_iter=1000)),
    "sgd": run(lambda: SGDClassifier(loss="log_loss", random_state=0)),
}
print(json.dumps(out))
