"""`mlpipe serve` as a process: answers a predict request and a malformed one, exits 0 on SIGTERM, and has
written one JSON access-log line per request (buffered, flushed at exit).
Usage: serve_command.py MLPIPE SERVING_DIR (a base directory with a pushed iris bundle)."""
import json, os, re, signal, subprocess, sys, tempfile, time, urllib.error, urllib.request

mlpipe, base = sys.argv[1], sys.argv[2]
log = os.path.join(tempfile.mkdtemp(prefix="mlpipe_serve_command_"), "access.log")
p = subprocess.Popen([mlpipe, "serve", "--model-base", base, "--name", "iris", "--port", "0", "--workers", "2",
                      "--access-log", log], stderr=subprocess.PIPE, text=True)
port = None
deadline = time.time() + 20
while time.time() < deadline and port is None:
    line = p.stderr.readline()
    if not line:
        break
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if m:
        port = int(m.group(1))
if port is None:
    p.kill()
    sys.exit("the server did not report its port")


def post(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


status, ans = post("/v1/models/iris:predict", json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2]]}))
assert status == 200 and ans["predictions"][0]["class"] == "setosa", (status, ans)
status, ans = post("/v1/models/iris:predict", '{"instances": [[5.1, 3.5]]}')
assert status == 400 and "model takes 4" in ans["error"], (status, ans)
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=20)
rest = p.stderr.read()
assert rc == 0 and "stopped" in rest, (rc, rest)
with open(log) as f:
    lines = [json.loads(line) for line in f]
assert [(l["path"], l["status"]) for l in lines] == [("/v1/models/iris:predict", 200), ("/v1/models/iris:predict", 400)], lines
os.remove(log)
os.rmdir(os.path.dirname(log))
print("ok")
