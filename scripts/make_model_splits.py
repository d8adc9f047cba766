#!/usr/bin/python3
"""Makes the fixed train/test files of examples/data that the scikit-learn comparison of `mlpipe train` uses
(tests/train/data/splits/NAME_train.csv, NAME_test.csv): 70/30 by a seeded permutation. fair.csv's label
becomes binary (affairs > 0, column "had_affair"). Run once; the files are committed.
Usage: scripts/make_model_splits.py [REPO_ROOT]"""
import os, sys

import numpy as np
import pandas as pd

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
data, out = os.path.join(root, "examples", "data"), os.path.join(root, "tests", "train", "data", "splits")
os.makedirs(out, exist_ok=True)
for name in ["iris", "breast_cancer", "fair", "randhie"]:
    df = pd.read_csv(os.path.join(data, name + ".csv"))
    if name == "fair":
        df["had_affair"] = (df.pop("affairs") > 0).astype(int)
    perm = np.random.RandomState(20261206).permutation(len(df))
    cut = int(round(len(df) * 0.7))
    df.iloc[np.sort(perm[:cut])].to_csv(os.path.join(out, name + "_train.csv"), index=False)
    df.iloc[np.sort(perm[cut:])].to_csv(os.path.join(out, name + "_test.csv"), index=False)
    print(name, cut, len(df) - cut)
