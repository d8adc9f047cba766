#!/usr/bin/env python3
"""check_exports.py kfp|airflow EXPORTED_FILE EXPECTED_JSON

Structural checks of an exported Kubeflow PipelineSpec (YAML) or Airflow DAG file against the DAG it must hold.
EXPECTED_JSON: {"pipeline": NAME, "image": IMAGE or "", "sets": ["node.param=value", ...],
                "nodes": [{"name": N, "inputs": [{"port": P, "producer": Q, "key": K}], "outputs": [KEY, ...]}]}
Prints what is wrong and exits 1, or prints "ok" (and what it checked)."""
import ast
import json
import os
import py_compile
import re
import sys
import tempfile

errors = []


def check(cond, what):
    if not cond:
        errors.append(what)
    return cond


def dns(s):
    return re.sub(r"[^a-z0-9]", "-", s.lower())


def set_name(lhs):
    return "set_" + re.sub(r"[^A-Za-z0-9]", "_", lhs)


def acyclic(nodes, edges):
    indeg = {n: 0 for n in nodes}
    for a, b in edges:
        indeg[b] += 1
    ready = [n for n in nodes if indeg[n] == 0]
    seen = 0
    while ready:
        n = ready.pop()
        seen += 1
        for a, b in edges:
            if a == n:
                indeg[b] -= 1
                if indeg[b] == 0:
                    ready.append(b)
    return seen == len(nodes)


def check_kfp(path, want):
    import yaml
    with open(path) as f:
        spec = yaml.safe_load(f)
    check(spec.get("schemaVersion") == "2.1.0", "schemaVersion is not 2.1.0")
    check(spec.get("pipelineInfo", {}).get("name") == dns(want["pipeline"]), "pipelineInfo.name")
    comps = spec["components"]
    execs = spec["deploymentSpec"]["executors"]
    root = spec["root"]
    sets = [s.split("=", 1) for s in want["sets"]]
    params = {set_name(l): v for l, v in sets}
    root_params = root.get("inputDefinitions", {}).get("parameters", {})
    for name, value in params.items():
        check(root_params.get(name, {}).get("defaultValue") == value, f"pipeline parameter {name} default {value}")
        check(root_params.get(name, {}).get("parameterType") == "STRING", f"pipeline parameter {name} type")
    rt = root["dag"]["tasks"]
    check(set(rt) == {"exit-handler-1", "mlpipe-finalize"}, f"root tasks are {sorted(rt)}")
    fin = rt["mlpipe-finalize"]
    check(fin.get("dependentTasks") == ["exit-handler-1"], "finalizer depends on the exit handler")
    check(fin.get("triggerPolicy", {}).get("strategy") == "ALL_UPSTREAM_TASKS_COMPLETED", "finalizer trigger policy")
    check(fin.get("cachingOptions", {}).get("enableCache") is False, "finalizer cache off")
    fin_args = execs[comps[fin["componentRef"]["name"]]["executorLabel"]]["container"]["args"]
    check("--finalize" in fin_args, "finalizer runs --finalize")
    for t in rt.values():
        check(t["inputs"]["parameters"]["run_id"] == {"runtimeValue": {"constant": "{{$.pipeline_job_uuid}}"}},
              "run id is the job uuid")
        for name in params:
            check(t["inputs"]["parameters"].get(name) == {"componentInputParameter": name}, f"root task passes {name}")
    handler = comps[rt["exit-handler-1"]["componentRef"]["name"]]
    tasks = handler["dag"]["tasks"]
    names = {dns(n["name"]): n for n in want["nodes"]}
    check(set(tasks) == set(names), f"tasks {sorted(tasks)} != nodes {sorted(names)}")
    edges = []
    for tid, t in tasks.items():
        node = names.get(tid)
        if node is None:
            continue
        comp = comps.get(t["componentRef"]["name"])
        if not check(comp is not None, f"{tid}: component {t['componentRef']['name']} missing"):
            continue
        check(t.get("cachingOptions", {}).get("enableCache") is False, f"{tid}: KFP cache not off")
        producers = sorted({dns(i["producer"]) for i in node["inputs"]})
        check(sorted(t.get("dependentTasks", [])) == producers, f"{tid}: dependentTasks {t.get('dependentTasks')}")
        edges += [(p, tid) for p in producers]
        arts = t.get("inputs", {}).get("artifacts", {})
        check(set(arts) == {i["port"] for i in node["inputs"]}, f"{tid}: input artifacts {sorted(arts)}")
        for i in node["inputs"]:
            got = arts.get(i["port"], {}).get("taskOutputArtifact", {})
            check(got == {"producerTask": dns(i["producer"]), "outputArtifactKey": i["key"]}, f"{tid}.{i['port']}: {got}")
            ty = comp["inputDefinitions"].get("artifacts", {}).get(i["port"], {}).get("artifactType", {})
            check(ty.get("schemaTitle", "").startswith("system."), f"{tid}.{i['port']}: artifact type {ty}")
        outs = comp.get("outputDefinitions", {}).get("artifacts", {})
        check(set(outs) == set(node["outputs"]), f"{tid}: outputs {sorted(outs)} != {node['outputs']}")
        for name in list(params) + ["run_id"]:
            check(name in comp["inputDefinitions"].get("parameters", {}), f"{tid}: parameter {name} not declared")
            check(t["inputs"]["parameters"].get(name) == {"componentInputParameter": name}, f"{tid}: {name} not passed")
        c = execs[comp["executorLabel"]]["container"]
        check(c["image"] == (want["image"] or c["image"]), f"{tid}: image {c['image']}")
        args = c["args"]
        check(args[args.index("--run-node") + 1] == node["name"] if "--run-node" in args else False, f"{tid}: --run-node")
        check("{{$.inputs.parameters['run_id']}}" in args, f"{tid}: run id placeholder")
        for i in node["inputs"]:
            check(f"{i['port']}={{{{$.inputs.artifacts['{i['port']}'].path}}}}" in args, f"{tid}: input placeholder {i['port']}")
        for k in node["outputs"]:
            check(f"{k}={{{{$.outputs.artifacts['{k}'].path}}}}" in args, f"{tid}: output placeholder {k}")
        for lhs, _ in sets:
            check(f"{lhs}={{{{$.inputs.parameters['{set_name(lhs)}']}}}}" in args, f"{tid}: --set {lhs}")
        # every placeholder names a declared input or output
        for a in args:
            for kind, io, name in re.findall(r"\{\{\$\.(inputs|outputs)\.(artifacts|parameters)\['([^']+)'\]", a):
                defs = comp["inputDefinitions" if kind == "inputs" else "outputDefinitions"].get(io, {})
                check(name in defs, f"{tid}: placeholder {kind}.{io}['{name}'] undeclared")
    check(acyclic(list(tasks), edges), "the tasks have a cycle")
    return f"{len(tasks)} tasks, {len(edges)} edges, {len(params)} parameters, exit handler"


STAND_IN = {
    "airflow/__init__.py": '''
import sys
class DAG:
    current = None
    def __init__(self, dag_id, schedule=None, start_date=None, catchup=True, **kw):
        self.dag_id, self.schedule, self.start_date, self.catchup = dag_id, schedule, start_date, catchup
        self.tasks, self.edges = {}, set()
        sys.modules["airflow"].built.append(self)
    def __enter__(self):
        DAG.current = self
        return self
    def __exit__(self, *a):
        DAG.current = None
built = []
''',
    "airflow/operators/__init__.py": "",
    "airflow/models/baseoperator.py": '''
from airflow import DAG
class BaseOperator:
    def __init__(self, task_id, trigger_rule="all_success", **kw):
        assert DAG.current is not None, "operator outside a DAG"
        assert task_id not in DAG.current.tasks, "duplicate task_id " + task_id
        self.task_id, self.trigger_rule, self.kw, self.dag = task_id, trigger_rule, kw, DAG.current
        DAG.current.tasks[task_id] = self
    def __rshift__(self, other):
        for o in (other if isinstance(other, list) else [other]):
            self.dag.edges.add((self.task_id, o.task_id))
        return other
    def __rrshift__(self, other):
        for o in (other if isinstance(other, list) else [other]):
            self.dag.edges.add((o.task_id, self.task_id))
        return self
''',
    "airflow/models/__init__.py": "",
    "airflow/operators/bash.py": '''
from airflow.models.baseoperator import BaseOperator
class BashOperator(BaseOperator):
    def __init__(self, task_id, bash_command, **kw):
        super().__init__(task_id, **kw)
        self.command = bash_command
''',
    "airflow/providers/__init__.py": "",
    "airflow/providers/cncf/__init__.py": "",
    "airflow/providers/cncf/kubernetes/__init__.py": "",
    "airflow/providers/cncf/kubernetes/operators/__init__.py": "",
    "airflow/providers/cncf/kubernetes/operators/pod.py": '''
from airflow.models.baseoperator import BaseOperator
class KubernetesPodOperator(BaseOperator):
    def __init__(self, task_id, image, cmds, arguments, name=None, **kw):
        super().__init__(task_id, **kw)
        self.image = image
        self.command = " ".join(cmds + arguments)
''',
    "kubernetes/__init__.py": "",
    "kubernetes/client/__init__.py": "",
    "kubernetes/client/models.py": '''
class V1ResourceRequirements:
    def __init__(self, limits=None, requests=None):
        self.limits, self.requests = limits, requests
''',
}


def check_airflow(path, want):
    py_compile.compile(path, doraise=True)
    tree = ast.parse(open(path).read())
    withs = [n for n in ast.walk(tree) if isinstance(n, ast.With)]
    check(len(withs) == 1, "one `with DAG(...)` block")
    call = withs[0].items[0].context_expr if withs else None
    kws = {k.arg: k.value for k in call.keywords} if isinstance(call, ast.Call) else {}
    check(getattr(call, "func", None) is not None and getattr(call.func, "id", "") == "DAG", "with DAG(...)")
    for k in ("dag_id", "schedule", "start_date", "catchup"):
        check(k in kws, f"DAG(...) has no {k}=")
    check(isinstance(kws.get("catchup"), ast.Constant) and kws["catchup"].value is False, "catchup=False")
    with tempfile.TemporaryDirectory() as stand_in:
        for rel, text in STAND_IN.items():
            os.makedirs(os.path.dirname(os.path.join(stand_in, rel)), exist_ok=True)
            with open(os.path.join(stand_in, rel), "w") as f:
                f.write(text)
        sys.path.insert(0, stand_in)
        import airflow
        exec(compile(open(path).read(), path, "exec"), {"__name__": "dagfile"})
        dags = airflow.built
    if not check(len(dags) == 1, f"{len(dags)} DAGs built"):
        return ""
    dag = dags[0]
    check(dag.dag_id == "mlpipe_" + want["pipeline"], f"dag_id {dag.dag_id}")
    check(dag.catchup is False, "catchup")
    names = [n["name"] for n in want["nodes"]]
    check(set(dag.tasks) == set(names) | {"mlpipe_finalize"}, f"tasks {sorted(dag.tasks)}")
    consumers = {i["producer"] for n in want["nodes"] for i in n["inputs"]}
    expected = {(i["producer"], n["name"]) for n in want["nodes"] for i in n["inputs"]}
    expected |= {(n, "mlpipe_finalize") for n in names if n not in consumers}
    check(dag.edges == expected, f"edges differ: extra {sorted(dag.edges - expected)}, missing {sorted(expected - dag.edges)}")
    check(acyclic(list(dag.tasks), list(dag.edges)), "the DAG has a cycle")
    fin = dag.tasks.get("mlpipe_finalize")
    check(fin is not None and fin.trigger_rule == "all_done", "finalizer trigger_rule all_done")
    check(fin is not None and "--finalize" in fin.command, "finalizer runs --finalize")
    for n in names:
        t = dag.tasks.get(n)
        if t is None:
            continue
        check(f"--run-node {n}" in t.command, f"{n}: --run-node")
        check("{{ run_id }}" in t.command, f"{n}: run id")
        for s in want["sets"]:
            check(s in t.command, f"{n}: --set {s}")
        if want["image"]:
            check(t.image == want["image"], f"{n}: image")
    return f"{len(dag.tasks)} tasks, {len(dag.edges)} edges"


def main():
    kind, path, want_file = sys.argv[1:4]
    with open(want_file) as f:
        want = json.load(f)
    what = check_kfp(path, want) if kind == "kfp" else check_airflow(path, want)
    if errors:
        print("\n".join(errors))
        sys.exit(1)
    print("ok:", what)


main()
