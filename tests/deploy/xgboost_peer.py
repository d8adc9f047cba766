"""XGBoost through mlpipe against Debian's python3-xgboost: `mlpipe train --model xgboost --push-to`, then
`mlpipe predict` and `mlpipe serve` on the pushed bundle must give the probabilities that xgb.train gives with
the same parameters on the same rows (nthread=1), to 1e-6, on iris (3 classes) and breast_cancer (binary,
with missing values blanked in). Then `mlpipe run --model xgboost --push-to` evaluates, blesses and pushes.
Usage: xgboost_peer.py MLPIPE DATA_DIR WORK_DIR"""
import json, os, re, shutil, signal, subprocess, sys, time, urllib.request

import numpy as np
import pandas as pd
import xgboost as xgb

mlpipe, data, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
PARAMS = {"max_depth": 4, "eta": 0.3, "rounds": 25, "subsample": 1.0, "min_child_weight": 1.0, "lambda": 1.0,
          "alpha": 0.0, "gamma": 0.0, "colsample_bytree": 1.0, "tree_method": "auto", "max_bin": 256, "seed": 0}


def run(*args):
    r = subprocess.run([mlpipe, *args], capture_output=True, text=True)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def serve_predict(base, rows):
    p = subprocess.Popen([mlpipe, "serve", "--model-base", base, "--name", "m", "--port", "0", "--workers", "2"],
                         stderr=subprocess.PIPE, text=True)
    port = None
    deadline = time.time() + 30
    while time.time() < deadline and port is None:
        line = p.stderr.readline()
        if not line:
            break
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        port = int(m.group(1)) if m else None
    assert port, "the server did not report its port"
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/models/m:predict",
                                     data=json.dumps({"instances": rows}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())["predictions"]
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)


def check(name, csv, label):
    df = pd.read_csv(csv)
    X = df.drop(columns=[label]).to_numpy(dtype=np.float64)
    classes = sorted(df[label].astype(str).unique())
    y = df[label].astype(str).map({c: i for i, c in enumerate(classes)}).to_numpy()
    K = len(classes)
    params = {k: v for k, v in PARAMS.items() if k != "rounds"}
    params.update({"objective": "multi:softprob" if K > 2 else "binary:logistic", "nthread": 1})
    if K > 2:
        params["num_class"] = K
    bst = xgb.train(params, xgb.DMatrix(X, label=y, missing=np.nan), num_boost_round=PARAMS["rounds"])
    ref = bst.predict(xgb.DMatrix(X, missing=np.nan))
    ref = ref.reshape(len(X), K) if K > 2 else np.stack([1 - ref, ref], axis=1)

    base = os.path.join(work, name, "serving")
    sets = [f"--set={k}={v}" for k, v in PARAMS.items()] + ["--set=threads=1"]
    out = json.loads(run("train", csv, "--label", label, "--model", "xgboost", "--eval-fraction", "0", *sets,
                         "-o", os.path.join(work, name, "model"), "--push-to", base, "--json"))
    assert out["model"] == "xgboost" and out["train_rows"] == len(X) and out["eval_rows"] == 0, out
    assert os.path.exists(os.path.join(out["pushed"], "model", "xgboost.ubj"))
    # the saved model is XGBoost's own: the Python package loads it and predicts the same
    own = xgb.Booster(model_file=os.path.join(out["pushed"], "model", "xgboost.ubj"))
    assert np.abs(own.predict(xgb.DMatrix(X, missing=np.nan)).reshape(ref.shape[0], -1)[:, -1] - ref[:, -1]).max() < 1e-6

    pred_csv = os.path.join(work, name, "pred.csv")
    run("predict", base, csv, "-o", pred_csv)
    pr = pd.read_csv(pred_csv)
    got = pr[[f"proba_{c}" for c in classes]].to_numpy()
    err = np.abs(got - ref).max()
    assert err < 1e-6, (name, "mlpipe predict", err)
    assert (pr.iloc[:, 0].astype(str).to_numpy() == np.array(classes)[ref.argmax(axis=1)]).all()

    rows = [[None if np.isnan(v) else float(v) for v in row] for row in X]
    served = serve_predict(base, rows)
    got = np.array([p["probabilities"] for p in served])
    err_s = np.abs(got - ref).max()
    assert err_s < 1e-6, (name, "mlpipe serve", err_s)
    print(f"{name}: {len(X)} rows, {K} classes, max |mlpipe - xgboost| predict {err:.2g}, serve {err_s:.2g}")


check("iris", os.path.join(data, "iris.csv"), "species")
# breast_cancer with every 7th row's mean_texture and every 11th row's worst_area missing
bc = pd.read_csv(os.path.join(data, "breast_cancer.csv"))
bc.loc[bc.index % 7 == 3, "mean_texture"] = np.nan
bc.loc[bc.index % 11 == 5, "worst_area"] = np.nan
bc_csv = os.path.join(work, "breast_cancer_missing.csv")
bc.to_csv(bc_csv, index=False)
check("breast_cancer", bc_csv, "diagnosis")

# the whole life cycle: mlpipe run --model xgboost evaluates, blesses and pushes
store = os.path.join(work, "store.db")
out = json.loads(run("run", "--data", os.path.join(data, "breast_cancer.csv"), "--label", "diagnosis", "--model",
                     "xgboost", "--store", "sqlite:" + store, "--root", os.path.join(work, "artifacts"),
                     "--push-to", os.path.join(work, "run_serving"), "--threshold", "auc>=0.9", "--json"))
assert out["blessed"] and out["pushed"] is not None, out
print("ok")
