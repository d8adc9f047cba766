#!/usr/bin/python3
"""The web UI and the report, driven in headless Chromium and checked on the DOM (never on pixels).

A store is made by running the life-cycle example twice on two spans of breast_cancer.csv (span 2 has a drifted
column) plus one failing run (a ragged CSV); a second store holds a run over a column named
<script>alert(1)</script>. `mlpipe ui` serves the first; Chromium loads each page with --dump-dom.

usage: ui_browser.py MLPIPE LIFECYCLE SOURCE_DIR WORK_DIR
"""
import html.parser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

MLPIPE, LIFECYCLE, SRC, WORK = sys.argv[1:5]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


class Dom(html.parser.HTMLParser):
    """Elements as (tag, attrs, ancestors' attrs) plus text, enough to count and find what a page shows."""

    VOID = {"meta", "br", "input", "img", "link", "hr", "col", "area", "base", "source", "wbr", "path", "polyline",
            "line", "rect", "circle", "ellipse", "polygon"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack, self.texts = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        a["_tag"] = tag
        self.elements.append((tag, a, list(self.stack)))
        if tag not in self.VOID:
            self.stack.append(a)

    def handle_startendtag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        a["_tag"] = tag
        self.elements.append((tag, a, list(self.stack)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["_tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.texts.append(data)

    def find(self, tag=None, cls=None, **attrs):
        out = []
        for t, a, anc in self.elements:
            if tag and t != tag:
                continue
            if cls and cls not in a.get("class", "").split():
                continue
            if any(a.get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append((a, anc))
        return out

    def text(self):
        return "".join(self.texts)


def chromium_dom(url):
    profile = tempfile.mkdtemp(prefix="mlpipe-ui-chromium-")
    try:
        out = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--user-data-dir=" + profile, "--dump-dom", url],
            capture_output=True, text=True, timeout=90)
        return Dom(out.stdout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def lifecycle(work, data_pattern, store):
    return run([LIFECYCLE, "--data", data_pattern, "--label", "diagnosis", "--store", "sqlite:" + store,
                "--root", os.path.join(work, "artifacts"), "--push-to", os.path.join(work, "serving")])


def run_names(store):
    out = run([MLPIPE, "runs", "--store", "sqlite:" + store, "--json"])
    import json
    return [r["run"] for r in json.loads(out.stdout)]


def start_ui(store):
    log = open(os.path.join(WORK, "ui.log"), "w+")
    p = subprocess.Popen([MLPIPE, "ui", "--store", "sqlite:" + store, "--port", "0"], stderr=log, stdout=log)
    for _ in range(300):
        log.seek(0)
        m = re.search(r"on http://127\.0\.0\.1:(\d+)/", log.read())
        if m:
            return p, "http://127.0.0.1:" + m.group(1)
        if p.poll() is not None:
            break
        time.sleep(0.1)
    log.seek(0)
    sys.exit("mlpipe ui did not start: " + log.read())


def main():
    if not CHROMIUM:
        print("SKIP: chromium is not installed (scripts/install-deps.sh installs it)")
        return 0
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    data = os.path.join(WORK, "data")
    run(["bash", os.path.join(SRC, "examples/lifecycle/make_spans.sh"), os.path.join(SRC, "examples/data/breast_cancer.csv"),
         data, "mean_texture", "1.5"]).check_returncode()
    store = os.path.join(WORK, "metadata.sqlite")
    pattern = os.path.join(data, "span-{SPAN}.csv")
    for i in range(2):
        r = lifecycle(WORK, pattern, store)
        check(r.returncode == 0, "life-cycle run %d succeeds" % (i + 1))
    bad = os.path.join(WORK, "bad")
    os.makedirs(bad)
    shutil.copy(os.path.join(data, "span-1.csv"), bad)
    with open(os.path.join(data, "span-2.csv")) as f, open(os.path.join(bad, "span-2.csv"), "w") as g:
        g.write("".join(f.readlines()[:5]) + "1,2,oops\n")
    r = lifecycle(WORK, os.path.join(bad, "span-{SPAN}.csv"), store)
    check(r.returncode != 0, "the third run (ragged CSV) fails")
    names = run_names(store)
    check(len(names) == 3, "the store holds three runs")
    before = (os.path.getsize(store), os.path.getmtime(store))

    # a store that `mlpipe ui` cannot open is a clear error at start, and nothing is created
    missing = os.path.join(WORK, "no-such-dir", "m.sqlite")
    r = run([MLPIPE, "ui", "--store", "sqlite:" + missing, "--port", "0"])
    check(r.returncode == 2 and "cannot open the metadata store" in r.stderr and not os.path.exists(missing),
          "a store that cannot be opened: exit 2 and a clear message (%r)" % r.stderr.strip()[:160])
    absent = os.path.join(WORK, "absent.sqlite")
    r = run([MLPIPE, "ui", "--store", "sqlite:" + absent, "--port", "0"])
    check(r.returncode == 2 and not os.path.exists(absent), "a mistyped store path is refused and not created")

    ui, base = start_ui(store)
    try:
        dom = chromium_dom(base + "/runs")
        rows = dom.find("tr", cls="run")
        check(len(rows) == 3, "runs page lists 3 runs (found %d)" % len(rows))
        states = {a["data-run"]: a["class"] for a, _ in rows}
        check("state-COMPLETE" in states.get(names[0], "") and "state-COMPLETE" in states.get(names[1], "") and
              "state-FAILED" in states.get(names[2], ""), "runs page: states COMPLETE, COMPLETE, FAILED (%s)" % states)
        check(rows and rows[0][0]["data-run"] == names[2], "runs page: newest first")

        expected = {0: "state-executed", 1: "state-cached"}
        for i, want in expected.items():
            dom = chromium_dom(base + "/run/" + names[i])
            nodes = dom.find("g", cls="step")
            check(len(nodes) == 8, "run %d: the DAG has one element per node (8, found %d)" % (i + 1, len(nodes)))
            check(all(want in a["class"].split() for a, _ in nodes), "run %d: every node has class %s" % (i + 1, want))
            check(len(dom.find("g", cls="edge")) >= 9, "run %d: the DAG has its edges" % (i + 1))
        dom = chromium_dom(base + "/run/" + names[2])
        nodes = {a["id"]: a["class"].split() for a, _ in dom.find("g", cls="step")}
        check("state-failed" in nodes.get("node-examples", []), "failing run: examples is failed (%s)" % nodes.get("node-examples"))
        check(len(nodes) == 8 and sum("state-skipped" in c for c in nodes.values()) == 7,
              "failing run: the 7 other nodes are skipped")
        check("expected 31 fields" in dom.text(), "failing run: the error text is shown")

        # statistics: find the ExampleStatistics artifact of the first run from its run page
        dom = chromium_dom(base + "/run/" + names[0])
        page_links = re.findall(r'href="(/artifact/\d+)">ExampleStatistics', subprocess.run(
            ["curl", "-s", base + "/run/" + names[0]], capture_output=True, text=True).stdout)
        check(len(page_links) == 1, "run page links its ExampleStatistics artifact")
        dom = chromium_dom(base + page_links[0])
        splits = dom.find("h3", cls="split")
        numeric_rows = [(a, anc) for a, anc in dom.find("tr", cls="column")]
        hist = dom.find("svg", cls="histogram")
        bars = dom.find("svg", cls="value-counts")
        # breast_cancer: 30 numeric columns and the categorical label, in the train and eval splits
        check(len(splits) == 2 and len(numeric_rows) == 2 * 31 and len(hist) == 2 * 30 and len(bars) == 2,
              "statistics page: one histogram per numeric column and value bars per categorical one in each split "
              "(%d splits, %d rows, %d histograms, %d bar charts)" % (len(splits), len(numeric_rows), len(hist), len(bars)))
        per_row = {}
        for a, anc in hist:
            row = next((x for x in reversed(anc) if x["_tag"] == "tr"), None)
            per_row[id(row)] = per_row.get(id(row), 0) + 1
        check(all(v == 1 for v in per_row.values()), "statistics page: each column row holds exactly one histogram")
        drift = {}
        for a, anc in dom.find("td", cls="drift-score"):
            row = next((x for x in reversed(anc) if x["_tag"] == "tr"), {})
            drift.setdefault(row.get("data-column"), float(a["data-drift"]))
        check(drift.get("mean_texture", 0) > 0.3 and all(v < 0.2 for k, v in drift.items() if k != "mean_texture"),
              "statistics page: the drift of mean_texture stands out (JS %.3f)" % drift.get("mean_texture", -1))
        flagged = {a.get("data-column") for a, _ in dom.find("tr", cls="anomaly")}
        check("mean_texture" in flagged, "statistics page: the drifted column is highlighted as an anomaly")
        check(len(dom.find("rect", cls="baseline")) > 0, "statistics page: the baseline span is overlaid")

        dom = chromium_dom(base + "/history?figure=auc")
        points = dom.find("circle", cls="point")
        check(len(points) == 2, "history of auc: one point per run that has it (2, found %d)" % len(points))

        eval_links = re.findall(r'href="(/artifact/\d+)">ModelEvaluation', subprocess.run(
            ["curl", "-s", base + "/run/" + names[0]], capture_output=True, text=True).stdout)
        dom = chromium_dom(base + eval_links[0])
        check(len(dom.find("rect", cls="cell")) == 4, "evaluation page: the confusion matrix is a 2x2 heat map")
        check("auc" in dom.text(), "evaluation page: metrics listed")

        dom = chromium_dom(base + "/compare?a=%s&b=%s" % (names[0], names[1]))
        check(len(dom.find("table", cls="compare")) == 1, "compare page shows the two runs side by side")

        check(status_of(base + "/run/no-such-run") == 404, "an unknown run is a 404 page")
        check(status_of(base + "/artifact/987654") == 404, "an unknown artifact id is a 404 page")
        check(status_of(base + "/artifact/%3Cscript%3E") == 404, "a malformed artifact id is a 404 page")
        check(status_of(base + "/lineage/987654") == 404, "an unknown lineage id is a 404 page")
    finally:
        ui.terminate()
        ui.wait(timeout=20)
    check((os.path.getsize(store), os.path.getmtime(store)) == before, "the UI never wrote to the store")

    # the report: one file, no network, the same content
    report = os.path.join(WORK, "report.html")
    r = run([MLPIPE, "report", names[0], "--store", "sqlite:" + store, "-o", report])
    check(r.returncode == 0 and os.path.exists(report), "mlpipe report writes the file")
    text = open(report).read()
    check(not re.search(r'(src|href)="(https?:)?//', text), "the report references nothing outside itself")
    dom = chromium_dom("file://" + report)
    check(len(dom.find("g", cls="step")) == 8 and all("state-executed" in a["class"] for a, _ in dom.find("g", cls="step")),
          "report: the DAG with 8 executed nodes")
    check(len(dom.find("svg", cls="histogram")) == 60, "report: the statistics' histograms")
    check(len(dom.find("rect", cls="cell")) == 4, "report: the confusion matrix")
    r = run([MLPIPE, "report", "no-such-run", "--store", "sqlite:" + store, "-o", os.path.join(WORK, "x.html")])
    check(r.returncode == 2 and "no run" in r.stderr, "report of an unknown run: exit 2 with a message")

    # escaping: a column named <script>alert(1)</script> shows as text
    evil = os.path.join(WORK, "evil")
    os.makedirs(evil)
    for span in ("span-1.csv", "span-2.csv"):
        with open(os.path.join(data, span)) as f:
            lines = f.readlines()
        lines[0] = lines[0].replace("mean_radius", '"<script>alert(1)</script>"', 1)
        with open(os.path.join(evil, span), "w") as g:
            g.writelines(lines)
    evil_store = os.path.join(WORK, "evil.sqlite")
    r = lifecycle(os.path.join(WORK, "evilwork"), os.path.join(evil, "span-{SPAN}.csv"), evil_store)
    check(r.returncode == 0, "life-cycle run over the <script> column succeeds")
    ui, base = start_ui(evil_store)
    try:
        page = subprocess.run(["curl", "-s", base + "/run/latest"], capture_output=True, text=True).stdout
        stats = re.findall(r'href="(/artifact/\d+)">ExampleStatistics', page)
        dom = chromium_dom(base + stats[0])
        check(len(dom.find("script")) == 0, "escaping: the statistics page holds no <script> element")
        check("<script>alert(1)</script>" in dom.text(), "escaping: the column name shows as text")
    finally:
        ui.terminate()
        ui.wait(timeout=20)

    if FAILURES:
        print("ui_browser: %d check(s) failed:\n  %s" % (len(FAILURES), "\n  ".join(FAILURES)))
        return 1
    print("ui_browser: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
