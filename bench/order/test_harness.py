"""Tests of the bench:order harness itself (not of the order engine).

Fast ones need only the standard library (numpy/pandas ones skip without them);
the end-to-end one needs the corpus venv (bench/order/run.sh creates it) and a
network namespace, and skips otherwise.
"""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fingerprint as fp  # noqa: E402
import run as bench  # noqa: E402

VENV_PY = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".venv-corpus", "bin", "python")


def digest(value):
    return fp.fingerprint(value)["digest"]


def test_equal_values_equal_digests_and_different_values_differ():
    assert digest([1, "a", (2.5, None)]) == digest([1, "a", (2.5, None)])
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})  # dict equality ignores order
    assert digest([1, 2]) != digest([2, 1])
    assert digest([1, 2]) != digest((1, 2))
    assert digest(1) != digest(1.0) != digest(True)
    assert digest(float("nan")) == digest(float("nan"))
    assert digest("x" * 1000) != digest("x" * 1001)


def test_digests_do_not_depend_on_the_process_or_its_hash_seed():
    code = ("import sys; sys.path.insert(0, %r); import fingerprint as fp\n"
            "class C: pass\n"
            "c = C(); c.items = {'b', 'a', 'c'}\n"
            "print(fp.fingerprint([{'x', 'y', 'z'}, frozenset('abc'), {'k': object()}, c])['digest'])") % HERE
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONHASHSEED=seed), check=True).stdout
            for seed in ("0", "1", "12345")}
    assert len(outs) == 1


def test_memory_addresses_are_normalised():
    class Opaque:
        __slots__ = ()
    a, b = Opaque(), Opaque()
    assert "0x?" in fp.canon(a)
    assert digest(a) == digest(b)


def test_functions_and_classes_by_name_and_code():
    ns1, ns2, ns3 = {}, {}, {}
    exec("def f(x):\n    return x + 1", ns1)
    exec("def f(x):\n    return x + 1", ns2)
    exec("def f(x):\n    return x + 2", ns3)
    assert digest(ns1["f"]) == digest(ns2["f"])
    assert digest(ns1["f"]) != digest(ns3["f"])
    exec("class K:\n    def m(self): return 1", ns1)
    exec("class K:\n    def m(self): return 2", ns2)
    assert digest(ns1["K"]) != digest(ns2["K"])
    import os.path as osp
    assert fp.canon(osp) == "module:posixpath"


def test_object_attributes_count_at_the_top_level():
    class Model:
        def __repr__(self):
            return "Model()"
    m1, m2 = Model(), Model()
    m1.coef = [1, 2]
    m2.coef = [1, 3]
    assert digest(m1) != digest(m2)


def test_ipython_names_are_excluded():
    for name in ("In", "Out", "_", "__", "___", "_i", "_ii", "_iii", "_i12", "_7", "_oh", "_ih",
                 "_dh", "exit", "quit", "get_ipython", "__builtins__", "_exit_code"):
        assert fp.excluded_name(name), name
    for name in ("x", "_tmp", "df_1", "i1", "_private"):
        assert not fp.excluded_name(name), name


def test_numpy_and_pandas():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    a = np.arange(12.0).reshape(3, 4)
    assert digest(a) == digest(a.copy())
    assert digest(a) != digest(a.T)
    b = a.copy()
    b[1, 1] = -1
    assert digest(a) != digest(b)
    assert digest(a) != digest(a.astype("float32"))
    df = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})
    assert digest(df) == digest(df.copy())
    df2 = df.copy()
    df2.loc[0, "x"] = 5
    assert digest(df) != digest(df2)
    assert digest(df) != digest(df.rename(columns={"y": "z"}))
    unhashable = pd.DataFrame({"l": [[1], [2]]})
    assert digest(unhashable) == digest(unhashable.copy())
    assert digest(np.float64(1.5)) == digest(np.float64(1.5)) != digest(np.float32(1.5))


def test_order_payload_uses_last_versions_in_creation_order():
    session = {"executions": [
        {"line": 1, "cell": 1, "source": "a = 1"},
        {"line": 2, "cell": 0, "source": "b = 2"},
        {"line": 3, "cell": 1, "source": "a = 3"},
    ]}
    payload = bench.order_payload(session)
    assert [c["id"] for c in payload["cells"]] == ["1", "0"]
    assert payload["cells"][0]["source"] == "a = 3"
    assert [r["cellId"] for r in payload["runs"]] == ["1", "0", "1"]
    assert payload["runs"][2]["code"] == "a = 3" and payload["runs"][0]["executionCount"] == 1
    last = bench.standin_order("last-per-cell", payload)
    assert [s["runIndex"] for s in last["steps"]] == [2, 1]


def test_traced_evidence_maps_execution_counts_to_runs():
    trace = {"reports": [{"type": "run", "execution_count": 5, "added": ["x"], "rebound": [],
                          "deleted": [], "mutated": ["df"], "read": ["y"],
                          "files_read": ["a.csv"], "files_written": []}]}
    ev = bench.traced_evidence(trace, [{"executionCount": 4}, {"executionCount": 5}])
    assert list(ev) == [1]
    assert ev[1]["added"] == ["x"] and ev[1]["mutated"] == ["df"] and ev[1]["filesRead"] == ["a.csv"]
    assert ev[1]["read"] == ["y"]


def test_summary_line_format():
    recs = [
        {"name": "a", "runs": 10, "static": {"reproduced": True, "steps": 5},
         "traced": {"reproduced": True, "steps": 4}, "baseline": {"reproduced": False}},
        {"name": "b", "runs": 4, "static": {"reproduced": False, "steps": 4},
         "traced": {"reproduced": True, "steps": 2}, "baseline": {"reproduced": True}},
        {"name": "c", "runs": 3, "excluded": "fewer than 3 scored names (1)"},
    ]
    assert bench.summary_line(recs, "traced") == "reproduced 2/2 (100.0%) slice 0.45 baseline 50.0% excluded 1"
    assert bench.summary_line(recs, "static") == "reproduced 1/2 (50.0%) slice 0.75 baseline 50.0% excluded 1"


def test_ablation_variants_drop_one_run_or_put_in_todays_code():
    payload = {"runs": [{"index": 0, "cellId": "a", "code": "x = 1"},
                        {"index": 1, "cellId": "b", "code": "y = x"},
                        {"index": 2, "cellId": "a", "code": "x = 2"},
                        {"index": 3, "cellId": "b", "code": "y = x + 1"}],
               "cells": [{"id": "a", "source": "x = 2"}, {"id": "b", "source": "y = x + 1"}]}
    order = {"steps": [{"runIndex": 0}, {"runIndex": 1}, {"runIndex": 2}],
             "diagnostics": [{"kind": "needs-rerun", "cellIds": ["a"], "runIndices": [0, 2]},
                             {"kind": "edited", "cellIds": ["b"], "runIndices": [1]},
                             {"kind": "undefined-name", "cellIds": ["b"], "runIndices": [1]}]}
    cases = bench.ablation_cases(order, payload)
    assert [c["kind"] for c in cases] == ["needs-rerun", "edited"]
    assert cases[0]["variants"] == [["y = x", "x = 2"]]
    assert cases[1]["variants"] == [["x = 1", "y = x + 1", "x = 2"]]


def test_a_session_cut_by_its_time_limit_is_scored_up_to_the_run_the_limit_stopped():
    skipped = {"status": "aborted", "skipped": "session timeout"}
    ran = {"status": "ok"}
    assert bench.session_cut({"sessionTimeout": False, "runs": [ran, ran]}) is None
    # A training loop interrupted when the time ran out: cut before it, not after.
    interrupted = {"status": "interrupted", "timedOut": True}
    assert bench.session_cut({"sessionTimeout": True, "runs": [ran, interrupted, skipped, skipped]}) == 1
    # The time ran out between runs: the first skipped one.
    assert bench.session_cut({"sessionTimeout": True, "runs": [ran, ran, skipped]}) == 2


def test_ablation_line_format():
    def rec(n, *verdicts):
        return {"name": str(n), "runs": 3, "ablation": {"diagnostics": n, "cases": [
            {"kind": k, "verdict": v} for k, v in verdicts]}}
    recs = [rec(2, ("needs-rerun", "right"), ("edited", "wrong")),
            rec(5, ("needs-rerun", "right"), ("needs-rerun", "wrong"), ("edited", "right")),
            rec(3, ("needs-rerun", "inconclusive"), ("edited", "right")),
            rec(4), {"name": "x", "runs": 1, "excluded": "fewer than 3 scored names (1)"}]
    assert bench.ablation_line(recs) == "diagnostics 3.5 per session needs-rerun precision 66.7% edited precision 66.7%"
    assert bench.ablation_line(recs[3:]) == "diagnostics 4 per session needs-rerun precision n/a edited precision n/a"


@pytest.mark.skipif(not os.path.exists(VENV_PY), reason="corpus venv missing (bench/order/run.sh creates it)")
def test_end_to_end_on_a_tiny_corpus(tmp_path):
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    (tmp_path / "data" / "s").mkdir(parents=True)
    (tmp_path / "data" / "s" / "in.txt").write_text("hello\n")

    def write(name, codes):
        ex = [{"line": i + 1, "cell": i, "source": c} for i, c in enumerate(codes)]
        (sessions / f"{name}.json").write_text(json.dumps({"executions": ex}))
    write("s", ["%matplotlib inline\nimport os\nimport random", "text = open('in.txt').read()",
                "x = !echo hi\nanswer = None\ntry:\n    answer = input()\nexcept EOFError:\n    answer = 'eof'",
                "import time\nwhile True:\n    time.sleep(0.01)", "r = random.random()",
                "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=2)\n    net = 'up'\n"
                "except OSError:\n    net = 'down'",
                "def f():\n    return 1", "y = f() + 1"])
    write("tiny", ["a = 1"])
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--corpus", str(tmp_path),
                           "--python", VENV_PY, "--engine", "last-per-cell", "--run-timeout", "3",
                           "--report", str(report)], capture_output=True, text=True, timeout=300)
    if "cannot create a network namespace" in proc.stderr:
        pytest.skip("no network namespace here")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-3].startswith("diagnostics 0 per session needs-rerun precision n/a")
    assert lines[-1] == "reproduced 1/1 (100.0%) slice 1.00 baseline 100.0% excluded 1"
    assert lines[-2].startswith("static: reproduced 1/1")
    rec = {r["name"]: r for r in json.loads(report.read_text())["sessions"]}
    s = rec["s"]
    assert s["runStatuses"][3] == "interrupted" and s["timedOutRuns"] == [3]
    assert "r" in s["nondeterministic"]
    assert {"text", "x", "answer", "net", "f", "y", "os"} <= set(s["scoredNames"])
    assert "eof" in s["reference"]["answer"] and "down" in s["reference"]["net"]
    assert "hello" in s["reference"]["text"]
    assert rec["tiny"]["excluded"].startswith("fewer than 3")
