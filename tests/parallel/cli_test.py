"""`mlpipe stats` and `mlpipe train` under mpirun against one process on the same file, and a shard error.

Usage: cli_test.py MLPIPE MPIRUN NP. Asserts: the JSON printed once (rank 0) equals one process's (counts, min,
max, zeros, value counts exactly; mean and std_dev to 1e-12 relative); the model written equals one process's
to 1e-10 of the largest weight; a bad value in the last rank's shard makes every rank exit non-zero naming the
rank, the file and its line, within a timeout (no hang)."""
import json, os, random, subprocess, sys, tempfile

mlpipe, mpirun, np_ = sys.argv[1], sys.argv[2], sys.argv[3]
launch = [mpirun, "--oversubscribe", "--bind-to", "none", "-np", np_]
tmp = tempfile.mkdtemp(prefix="mlpipe_cli_parallel_")
rnd = random.Random(4)
path = os.path.join(tmp, "d.csv")
with open(path, "w") as f:
    f.write("a,b,city,note,y\n")
    for r in range(30000):
        a = rnd.gauss(5, 2)
        b = 0 if r % 9 == 0 else rnd.random()
        city = rnd.choice(["oslo", "rome", "lima"])
        note = '"two\nlines, quoted"' if r % 5 == 0 else "n%d" % (r % 40)
        y = 1 if a - 5 + 3 * (b - 0.5) + (city == "lima") + rnd.gauss(0, 1) > 0 else 0
        f.write("%s,%.9g,%s,%s,%d\n" % ("NA" if r % 13 == 0 else "%.9g" % a, b, city, note, y))

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)

def close(x, y, rel):
    if x is None or y is None:
        return x == y
    return abs(x - y) <= rel * max(abs(x), abs(y), 1e-300)

one = run([mlpipe, "stats", path, "--json"])
par = run(launch + [mlpipe, "stats", path, "--json"])
assert one.returncode == 0 and par.returncode == 0, par.stderr
a, b = json.loads(one.stdout), json.loads(par.stdout)  # parses: printed exactly once
for sa, sb in zip(a["splits"], b["splits"]):
    assert sa["rows"] == sb["rows"] == 30000, (sa["rows"], sb["rows"])
    for ca, cb in zip(sa["columns"], sb["columns"]):
        for k in ("name", "type", "rows", "present", "missing", "nan", "inf", "zeros", "min", "max", "distinct",
                  "top_values", "average_length"):
            assert ca.get(k) == cb.get(k), (ca["name"], k, ca.get(k), cb.get(k))
        for k in ("mean", "std_dev"):
            assert close(ca.get(k), cb.get(k), 1e-12), (ca["name"], k, ca.get(k), cb.get(k))
        if ca["type"] == "numeric":  # quantiles within the two sketches' stated rank errors: compare ranks
            assert cb["quantile_rank_error"] <= 0.05

for solver in ("newton",):
    d1, d2 = os.path.join(tmp, "m1"), os.path.join(tmp, "m2")
    r1 = run([mlpipe, "train", path, "--label", "y", "--set", "solver=" + solver, "-o", d1, "--json"])
    r2 = run(launch + [mlpipe, "train", path, "--label", "y", "--set", "solver=" + solver, "-o", d2, "--json"])
    assert r1.returncode == 0, r1.stderr
    assert r2.returncode == 0, r2.stderr
    s1, s2 = json.loads(r1.stdout), json.loads(r2.stdout)
    assert s1["train_rows"] == s2["train_rows"] and s1["eval_rows"] == s2["eval_rows"], (s1, s2)
    assert s1["features"] == s2["features"]
    assert close(s1["eval"]["accuracy"], s2["eval"]["accuracy"], 1e-12)
    m1 = json.load(open(os.path.join(d1, "model", "model.json")))
    m2 = json.load(open(os.path.join(d2, "model", "model.json")))
    assert m1["feature_names"] == m2["feature_names"] and m1["classes"] == m2["classes"]
    w1, w2 = m1["weights"] + m1["bias"], m2["weights"] + m2["bias"]
    scale = max(abs(x) for x in w1)
    worst = max(abs(x - y) for x, y in zip(w1, w2))
    assert worst <= 1e-10 * scale, (worst, scale)

bad = os.path.join(tmp, "bad.csv")
with open(bad, "w") as f:
    f.write("a,b\n")
    for r in range(20000):
        f.write("%d,%s\n" % (r, "oops" if r == 19990 else str(r)))
r = run(["timeout", "120"] + launch + [mlpipe, "stats", bad])
assert r.returncode not in (0, 124), r.returncode  # failed, and not by the timeout
n = int(np_)
expect = "rank %d: %s:19992:" % (n - 1, bad)
assert r.stderr.count(expect) == n, r.stderr  # every rank names the rank, the file and the line
print("ok: np=%s stats and train equal one process; a shard error stops every rank" % np_)
