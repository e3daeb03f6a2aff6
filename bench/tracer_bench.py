"""Benchmark: what the Retrace kernel tracer adds to one cell run.

Builds a user namespace of 1,000 names of mixed types (ints, floats, strings,
tuples, lists, dicts, sets, objects, functions and, when installed, numpy
arrays and pandas DataFrames/Series), runs a few small cells many times in one
IPython shell without the tracer (baseline), then installs the tracer exactly
as the frontend does and runs the same cells again.

    python bench/tracer_bench.py [--runs 200] [--names 1000]

Runs under any interpreter with IPython; numpy and pandas are optional (the
namespace is then made of the other types, and a note says so).
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL_DIR = os.path.join(HERE, "..", "src", "kernel")

CELLS = [
    "counter = counter + 1",
    "items.append(counter)",
    "table['k%d' % (counter % 50)] = counter",
    "total = sum(small_list) + counter",
]


def install_snippet():
    """The install code, built the way src/kernel/tracer.ts builds it."""
    with open(os.path.join(KERNEL_DIR, "protocol.ts")) as f:
        consts = dict(re.findall(r"^export const (\w+) = (.+);$", f.read(), re.M))
    with open(os.path.join(KERNEL_DIR, "tracer.py")) as f:
        source = f.read()
    return json.loads(consts["INSTALL_PREFIX"]) + json.dumps(source) + json.loads(consts["INSTALL_SUFFIX"])


class Thing:
    def __init__(self, i):
        self.i = i
        self.name = "thing%d" % i
        self.values = [i, i + 1]


def build_namespace(n):
    """n names of mixed types; returns (namespace, kinds note)."""
    try:
        import numpy as np
    except ImportError:
        np = None
    try:
        import pandas as pd
    except ImportError:
        pd = None
    ns = {"counter": 0, "items": [], "table": {}, "small_list": list(range(10))}
    makers = [
        lambda i: i,
        lambda i: i * 0.5,
        lambda i: "value %d" % i,
        lambda i: (i, "t", 2.0),
        lambda i: list(range(i % 20)),
        lambda i: list(range(5000)),
        lambda i: {"k%d" % j: j for j in range(i % 10)},
        lambda i: {"k%d" % j: j for j in range(2000)},
        lambda i: set(range(i % 30)),
        lambda i: Thing(i),
        lambda i: (lambda x: x + i),
    ]
    kinds = ["int", "float", "str", "tuple", "list", "big list", "dict", "big dict", "set", "object", "function"]
    if np is not None:
        makers += [lambda i: np.arange(100, dtype=float) + i, lambda i: np.zeros((1000, 1000))]
        kinds += ["numpy array", "numpy 1000x1000"]
    if pd is not None:
        df = lambda i: pd.DataFrame({"a": range(10000), "b": [float(j) for j in range(10000)], "c": ["s"] * 10000})  # noqa: E731
        makers += [df, lambda i: pd.Series(range(1000), name="s%d" % i)]
        kinds += ["DataFrame 10000x3", "Series"]
    i = 0
    while len(ns) < n:
        ns["v%d" % i] = makers[i % len(makers)](i)
        i += 1
    missing = [name for name, mod in (("numpy", np), ("pandas", pd)) if mod is None]
    note = "types: " + ", ".join(kinds)
    if missing:
        note += "  (note: %s not installed here, so no such objects)" % " and ".join(missing)
    return ns, note


def run_many(shell, runs):
    times = []
    for k in range(runs):
        cell = CELLS[k % len(CELLS)]
        t0 = time.perf_counter()
        shell.run_cell(cell, store_history=True)
        times.append((time.perf_counter() - t0) * 1000.0)
    return times


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--names", type=int, default=1000)
    args = parser.parse_args()

    os.environ["IPYTHONDIR"] = tempfile.mkdtemp(prefix="retrace-bench-ipython-")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    ns, note = build_namespace(args.names)
    shell.user_ns.update(ns)
    names = len([k for k in shell.user_ns if k not in shell.user_ns_hidden])
    print("namespace: %d user names; %s" % (names, note))
    print("python %s, %d runs of %d small cells" % (sys.version.split()[0], args.runs, len(CELLS)))

    run_many(shell, 20)  # warm up
    baseline = run_many(shell, args.runs)

    result = shell.run_cell(install_snippet(), silent=True, store_history=False)
    if not result.success:
        raise SystemExit("tracer install failed: %r" % (result.error_in_exec or result.error_before_exec))
    tracer = sys.modules["_retrace_tracer"].TRACER
    reports = []

    class Collect:
        def send(self, data):
            if data.get("type") == "run":
                reports.append(data)
            elif data.get("type") == "error":
                print("tracer error:", data)

        def on_close(self, cb):
            pass

    tracer.comm_opened(Collect())
    run_many(shell, 20)
    del reports[:]
    traced = run_many(shell, args.runs)
    in_hook = [r["ms"] for r in reports]
    if len(in_hook) != args.runs:
        raise SystemExit("expected %d reports, got %d" % (args.runs, len(in_hook)))

    b_med, t_med = statistics.median(baseline), statistics.median(traced)
    h_med, h_p95 = statistics.median(in_hook), p95(in_hook)
    added = t_med - b_med
    print("baseline run_cell   median %.3f ms  p95 %.3f ms" % (b_med, p95(baseline)))
    print("traced run_cell     median %.3f ms  p95 %.3f ms  (ratio %.2fx)" % (t_med, p95(traced), t_med / b_med))
    print("tracer in its hooks median %.3f ms  p95 %.3f ms  (its own clock)" % (h_med, h_p95))
    print("added wall time     median %.3f ms" % added)
    per_run = max(added, h_med)
    print("tracer per-run %.2f ms (baseline %.2f ms, budget 5 ms, %d names)" % (per_run, b_med, names))


if __name__ == "__main__":
    main()
