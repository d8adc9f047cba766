"""`mlpipe train A.csv --eval B.csv` + `mlpipe evaluate` out of the box against scikit-learn's defaults behind a
ColumnTransformer (StandardScaler on numeric columns, OneHotEncoder on categorical ones), LogisticRegression()
or LinearRegression(), trained on A and tested on B, on every data set of examples/data (fixed splits made by
scripts/make_model_splits.py). Accuracy within 0.5 points or one test row (whichever is more); RMSE within 1%.
Usage: sklearn_defaults.py MLPIPE SPLITS_DIR WORK_DIR"""
import json, os, shutil, subprocess, sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

mlpipe, splits, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
SETS = [("iris", "species", "classification"), ("breast_cancer", "diagnosis", "classification"),
        ("fair", "had_affair", "classification"), ("randhie", "mdvis", "regression")]
failed = []
for name, label, task in SETS:
    a, b = os.path.join(splits, name + "_train.csv"), os.path.join(splits, name + "_test.csv")
    out_dir = os.path.join(work, name)
    r = subprocess.run([mlpipe, "train", a, "--label", label, "--eval", b, "-o", out_dir, "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, (name, r.stdout, r.stderr)
    tr = json.loads(r.stdout)
    assert b in tr["split"] and tr["eval_rows"] > 0, tr
    r = subprocess.run([mlpipe, "evaluate", out_dir, b, "--json"], capture_output=True, text=True)
    assert r.returncode == 0, (name, r.stdout, r.stderr)
    ev = json.loads(r.stdout)["evaluation"]
    ours = next(s for s in ev["candidate"] if s["slice"] == "overall")["metrics"]

    A, B = pd.read_csv(a), pd.read_csv(b)
    Xa, Xb = A.drop(columns=[label]), B.drop(columns=[label])
    num = [c for c in Xa.columns if pd.api.types.is_numeric_dtype(Xa[c])]
    cat = [c for c in Xa.columns if c not in num]
    ct = ColumnTransformer([("num", StandardScaler(), num), ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    if task == "classification":
        sk = make_pipeline(ct, LogisticRegression()).fit(Xa, A[label].astype(str))
        theirs = accuracy_score(B[label].astype(str), sk.predict(Xb))
        mine = ours["accuracy"]
        tol = max(0.005, 1.0 / len(B))
        ok = abs(mine - theirs) <= tol + 1e-12
        line = f"{name}: accuracy mlpipe {mine:.4f}, scikit-learn {theirs:.4f} (tolerance {tol:.4f})"
    else:
        sk = make_pipeline(ct, LinearRegression()).fit(Xa, A[label])
        theirs = mean_squared_error(B[label], sk.predict(Xb)) ** 0.5
        mine = ours["rmse"]
        ok = abs(mine - theirs) <= 0.01 * theirs
        line = f"{name}: RMSE mlpipe {mine:.5f}, scikit-learn {theirs:.5f} (tolerance 1%)"
    t = tr["training"]
    print(line, f"[{t.get('solver')}, {t.get('epochs')} iterations, converged {t.get('converged')}]")
    if not ok:
        failed.append(line)
assert not failed, failed
print("ok")
