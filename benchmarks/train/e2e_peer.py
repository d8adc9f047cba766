"""The peers of benchmarks/train/e2e_train.sh, one job per call, on the files the script made.
  e2e_peer.py sklearn TRAIN TEST OUTDIR : pandas read, StandardScaler + LogisticRegression() fit, joblib dump,
                                          then read TEST and score (what `mlpipe train` + `mlpipe evaluate` do)
  e2e_peer.py xgb-train TRAIN ROUNDS    : pandas read, DMatrix, xgb.train (prints the DMatrix+train seconds)
  e2e_peer.py xgb-predict MODEL TEST OUT: pandas read, in-place batch predict, predictions CSV written (as
                                          `mlpipe predict` does; prints the predict call's seconds)
  e2e_peer.py make N D TRAIN TEST       : writes the synthetic data (N train rows, N/4 test rows, D features)"""
import sys, time

import numpy as np
import pandas as pd

job = sys.argv[1]
if job == "make":
    n, d, train, test = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    rng = np.random.default_rng(7)
    w = rng.normal(size=d)
    for rows, path in [(n, train), (n // 4, test)]:
        X = rng.normal(size=(rows, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d)
        y = (X @ w + rng.logistic(size=rows) > 0).astype(int)
        df = pd.DataFrame(X, columns=[f"x{i}" for i in range(d)])
        df["y"] = y
        df.to_csv(path, index=False, float_format="%.6g")
elif job == "sklearn":
    import joblib
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    train, test, out = sys.argv[2:5]
    A = pd.read_csv(train)
    Xa = A.drop(columns=["y"])
    desc = Xa.describe()  # the statistics pass
    m = make_pipeline(ColumnTransformer([("num", StandardScaler(), list(Xa.columns))]), LogisticRegression())
    m.fit(Xa, A["y"])
    joblib.dump(m, out + "/model.joblib")
    B = pd.read_csv(test)
    print("accuracy", (m.predict(B.drop(columns=["y"])) == B["y"]).mean())
elif job == "xgb-train":
    import xgboost as xgb
    train, rounds, save = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    A = pd.read_csv(train)
    X, y = A.drop(columns=["y"]).to_numpy(), A["y"].to_numpy()
    t0 = time.perf_counter()
    bst = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "tree_method": "hist"},
                    xgb.DMatrix(X, label=y), num_boost_round=rounds)
    print("xgb_train_seconds", time.perf_counter() - t0)
    bst.save_model(save)
elif job == "xgb-predict":
    import xgboost as xgb
    model, test, out = sys.argv[2], sys.argv[3], sys.argv[4]
    bst = xgb.Booster(model_file=model)
    X = pd.read_csv(test).drop(columns=["y"]).to_numpy()
    t0 = time.perf_counter()
    p = bst.inplace_predict(X)
    print("xgb_predict_seconds", time.perf_counter() - t0, "rows", len(p))
    pd.DataFrame({"y": (p > 0.5).astype(int), "proba_0": 1 - p, "proba_1": p}).to_csv(out, index=False)
