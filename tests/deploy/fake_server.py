"""A server that looks like `mlpipe serve` but answers every predict request wrongly (all probabilities 0.5),
so infra_validate must refuse it. Takes mlpipe serve's arguments and ignores them (a free port, like --port 0)."""
import http.server, json, sys


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(200, {"status": "ok", "version": "1"})

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        n = len(req["instances"]) if "instances" in req else len(next(iter(req["inputs"].values())))
        self.answer(200, {"predictions": [{"class": "x", "class_index": 0, "probabilities": [0.5, 0.5]}] * n})


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(f"fake serve: on http://127.0.0.1:{srv.server_address[1]} (versions loaded: 1)", file=sys.stderr, flush=True)
srv.serve_forever()
