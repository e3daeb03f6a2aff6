#!/usr/bin/env python3
"""bench:order — does the canonical run order rebuild the kernel state of real sessions?

See bench/order/README.md. Driver only: it needs nothing beyond the standard
library; the replays run in worker.py under the corpus venv's Python.
"""

import argparse
import csv
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(HERE, "worker.py")
MOUNT_POINT = "/tmp/replay"  # where each replay sees its own folder (private mount namespace)

# Shell prelude run inside the new namespaces: loopback only, a private /tmp,
# the replay folder at a fixed path (so paths in values do not differ between
# replays), the venv read-only (a `!pip install` must not change it).
PRELUDE = r"""
set -e
root="$1"; cwd="$2"; venv="$3"; shift 3
ip link set lo up >/dev/null 2>&1 || true
if [ "$BENCH_ORDER_MOUNT" = 1 ]; then
  mount -t tmpfs -o size=4g tmpfs /tmp
  mkdir -p /tmp/replay
  mount --bind "$root" /tmp/replay
  mount --bind "$venv" "$venv" && mount -o remount,bind,ro "$venv" "$venv" || true
  root=/tmp/replay
fi
mkdir -p "$root/work/$cwd"
cd "$root/work/$cwd"
exec "$@"
"""


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- sandbox

def probe_sandbox(venv_python):
    """Find a working way to run with no network. Returns (prefix argv, mount)."""
    candidates = [
        (["unshare", "-n", "-m"], True),
        (["unshare", "--map-root-user", "-n", "-m"], True),
        (["unshare", "-n"], False),
        (["unshare", "--map-root-user", "-n"], False),
    ]
    check = ("import socket,sys;"
             "ifs=[l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]];"
             "sys.exit(0 if ifs==['lo'] else 3)")
    for prefix, mount in candidates:
        if shutil.which(prefix[0]) is None:
            continue
        root = tempfile.mkdtemp(prefix="probe-", dir="/var/tmp")
        env = dict(os.environ, BENCH_ORDER_MOUNT="1" if mount else "0")
        try:
            out = subprocess.run(prefix + ["sh", "-c", PRELUDE, "sh", root, ".", os.path.dirname(os.path.dirname(venv_python)),
                                           venv_python, "-c", check],
                                 env=env, capture_output=True, timeout=60)
            if out.returncode == 0:
                return prefix, mount
        except Exception:
            pass
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return None, False


# ---------------------------------------------------------------- replay

class Replay:
    """One worker process: a fresh IPython in a temp copy of the data folder."""

    def __init__(self, cfg, session, label, tracer):
        self.cfg = cfg
        self.label = label
        self.root = tempfile.mkdtemp(prefix=f"{session['name'][:40]}-{label}-", dir=cfg.tmpbase)
        work = os.path.join(self.root, "work")
        if session["data"]:
            shutil.copytree(session["data"], work, symlinks=True)
        else:
            os.makedirs(work)
        for sub in ("home", "ipython", "cache", "mpl"):
            os.makedirs(os.path.join(self.root, sub))
        if cfg.mpl_cache and os.path.isdir(cfg.mpl_cache):
            shutil.copytree(cfg.mpl_cache, os.path.join(self.root, "mpl"), dirs_exist_ok=True)
        seen = MOUNT_POINT if cfg.mount else self.root
        venv = os.path.dirname(os.path.dirname(cfg.python))
        env = {
            "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin",
            "VIRTUAL_ENV": venv,
            "HOME": f"{seen}/home",
            "IPYTHONDIR": f"{seen}/ipython",
            "XDG_CACHE_HOME": f"{seen}/cache",
            "MPLCONFIGDIR": f"{seen}/mpl",
            "MPLBACKEND": "Agg",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            # One thread each: 2 replays share 2 cores, and a fixed thread count
            # keeps float reductions in one order.
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "NUMEXPR_MAX_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
            # `!pip install` must fail fast, not install from local wheel folders.
            "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": "/dev/null", "PIP_FIND_LINKS": "",
            "BENCH_ORDER_MOUNT": "1" if cfg.mount else "0",
        }
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TZ"):  # machine-specific fixes, kept
            if k in os.environ:
                env[k] = os.environ[k]
        if tracer and cfg.tracer:
            env["BENCH_ORDER_TRACER"] = cfg.tracer
        r_req, w_req = os.pipe()
        r_rep, w_rep = os.pipe()
        env["BENCH_ORDER_FDS"] = f"{r_req},{w_rep}"
        self.logpath = os.path.join(self.root, "output.log")
        self.logf = open(self.logpath, "wb")
        cmd = cfg.sandbox + ["sh", "-c", PRELUDE, "sh", self.root, session["cwd"], venv,
                             cfg.python, WORKER]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=env, pass_fds=(r_req, w_rep),
                                     start_new_session=True)
        os.close(r_req)
        os.close(w_rep)
        self.wfd = w_req
        self.rfd = r_rep
        self.buf = b""
        self.dead = False

    def send(self, obj):
        data = (json.dumps(obj) + "\n").encode()
        try:
            while data:
                n = os.write(self.wfd, data)
                data = data[n:]
        except OSError:
            self.dead = True

    def recv(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.rfd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                self.dead = True
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def signal(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def close(self):
        if self.proc.poll() is None:
            self.send({"op": "exit"})
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # The worker's own process group (`!cmd` children, pools) goes with it.
        self.signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.logf.close()

    def log_tail(self, n=2000):
        try:
            with open(self.logpath, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def replay(cfg, session, label, codes, tracer=False):
    """Run codes in order in a fresh worker; return statuses, fingerprint, trace.

    With --replay-cache DIR, a replay of the same session, code sequence and
    harness files is read back from DIR (for iterating on the engine: the
    replays an engine change does not touch are not run again)."""
    if cfg.replay_cache:
        path = os.path.join(cfg.replay_cache, replay_key(cfg, session, label, codes, tracer) + ".json")
        if os.path.exists(path):
            with open(path) as f:
                cached = json.load(f)
            cached["label"] = label
            cached["cached"] = True
            return cached
        result = replay_uncached(cfg, session, label, codes, tracer)
        if not result.get("crashed") and "tmp" not in result:
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(result, f)
            os.replace(tmp, path)
        return result
    return replay_uncached(cfg, session, label, codes, tracer)


def replay_key(cfg, session, label, codes, tracer):
    """Same session, same codes, same worker/fingerprint/tracer sources, same limits."""
    import hashlib
    h = hashlib.sha256()
    for f in (WORKER, os.path.join(HERE, "fingerprint.py")) + ((cfg.tracer,) if tracer and cfg.tracer else ()):
        with open(f, "rb") as fh:
            h.update(fh.read())
    # The two full replays run the same codes: each keeps its own entry.
    h.update(json.dumps([session["name"], label if label.startswith("full") else "", bool(tracer),
                         cfg.run_timeout, cfg.session_timeout, codes]).encode())
    return h.hexdigest()[:32]


def replay_uncached(cfg, session, label, codes, tracer=False):
    started = time.monotonic()
    result = {"label": label, "runs": [], "names": None, "trace": None, "crashed": None,
              "sessionTimeout": False}
    rp = Replay(cfg, session, label, tracer)
    try:
        ready = rp.recv(cfg.startup_timeout)
        if not ready:
            result["crashed"] = "worker did not start: " + rp.log_tail(600)
            return result
        result["worker"] = ready
        for i, code in enumerate(codes):
            left = cfg.session_timeout - (time.monotonic() - started)
            if left <= 0:
                # Session budget spent: the rest is not run, but the state so far is fingerprinted.
                result["sessionTimeout"] = True
                result["runs"].append({"status": "aborted", "skipped": "session timeout"})
                continue
            limit = min(cfg.run_timeout, left)
            rp.send({"op": "run", "code": code})
            msg = rp.recv(limit)
            timed_out = False
            if msg is None and not rp.dead:
                timed_out = True
                rp.signal(signal.SIGINT)
                msg = rp.recv(cfg.interrupt_grace)
            if msg is None:
                status = "killed" if timed_out else "crashed"
                result["runs"].append({"status": status, "timedOut": timed_out})
                result["crashed"] = (f"run {i} {'did not stop on interrupt' if timed_out else 'killed the worker'}: "
                                     + rp.log_tail(600))
                return result
            run = {k: msg.get(k) for k in ("status", "ename", "evalue", "executionCount", "seconds")}
            if timed_out:
                run["timedOut"] = True
                run["status"] = "interrupted"
            result["runs"].append(run)
        rp.send({"op": "fingerprint"})
        msg = rp.recv(cfg.fingerprint_timeout)
        if msg is None:
            result["crashed"] = "fingerprinting did not finish: " + rp.log_tail(600)
            return result
        result["names"] = msg["names"]
        if tracer:
            rp.send({"op": "trace"})
            msg = rp.recv(60)
            result["trace"] = msg
        return result
    finally:
        result["seconds"] = round(time.monotonic() - started, 2)
        rp.close()
        if cfg.keep_tmp:
            result["tmp"] = rp.root
        else:
            rp.cleanup()


# ---------------------------------------------------------------- order engines

def cli_order(cfg, payload, build=None):
    env = dict(os.environ, RETRACE_ORDER_BUILD=build) if build else None
    proc = subprocess.run(["node", cfg.order_cli], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=cfg.order_timeout, cwd=REPO, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"order-cli exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
    out = json.loads(proc.stdout)
    if proc.stderr.strip():
        out["cliStderr"] = proc.stderr.strip()[-300:]  # e.g. "using a regex stand-in analyzer"
    return out


def standin_order(kind, payload):
    runs = payload["runs"]
    if kind == "all-runs":
        steps = [{"cellId": r["cellId"], "runIndex": r["index"]} for r in runs]
    elif kind == "last-per-cell":
        position = {c["id"]: i for i, c in enumerate(payload["cells"])}
        last = {}
        for r in runs:
            last[r["cellId"]] = r["index"]
        steps = [{"cellId": c, "runIndex": i} for c, i in sorted(last.items(), key=lambda kv: position[kv[0]])]
    else:
        raise ValueError(kind)
    for s in steps:
        s["position"] = next(i for i, c in enumerate(payload["cells"]) if c["id"] == s["cellId"])
    return {"steps": steps, "diagnostics": [], "topToBottomWorks": None, "standIn": kind}


def compute_order(cfg, payload, build=None):
    if cfg.engine == "cli":
        return cli_order(cfg, payload, build)
    return standin_order(cfg.engine, payload)


# ---------------------------------------------------------------- corpus

def load_corpus(corpus, only=None):
    manifest = {}
    mpath = os.path.join(corpus, "manifest.csv")
    if os.path.exists(mpath):
        with open(mpath, newline="") as f:
            for row in csv.DictReader(f):
                manifest[os.path.splitext(os.path.basename(row["file"]))[0]] = row
    sessions = []
    sdir = os.path.join(corpus, "sessions")
    for fn in sorted(os.listdir(sdir)):
        if not fn.endswith(".json"):
            continue
        name = fn[:-5]
        if only and not any(re.search(p, name) for p in only):
            continue
        with open(os.path.join(sdir, fn)) as f:
            doc = json.load(f)
        row = manifest.get(name, {})
        data_dir = row.get("data_dir") or ""
        data = os.path.join(corpus, data_dir) if data_dir else os.path.join(corpus, "data", name)
        cwd = (row.get("cwd") or ".").strip() or "."
        cwd = os.path.normpath(cwd)
        if cwd.startswith("..") or os.path.isabs(cwd):
            cwd = "."  # never leave the replay folder
        sessions.append({
            "name": name,
            "executions": doc["executions"],
            "data": data if os.path.isdir(data) else None,
            "cwd": cwd,
            "imports": row.get("imports", ""),
        })
    return sessions


def order_payload(session):
    """The input the order engine sees, from the corpus runs (statuses added later)."""
    runs, last_source, first_seen = [], {}, []
    for i, ex in enumerate(session["executions"]):
        cid = str(ex["cell"])
        runs.append({"index": i, "cellId": cid, "code": ex["source"],
                     "executionCount": ex.get("line", i + 1), "status": "ok"})
        if cid not in last_source:
            first_seen.append(cid)
        last_source[cid] = ex["source"]
    # Positions are creation order; the cell's content is its last version.
    cells = [{"id": cid, "type": "code", "source": last_source[cid]} for cid in first_seen]
    return {"runs": runs, "cells": cells}


# ---------------------------------------------------------------- scoring

def compare(reference, scored, names):
    """Scored names whose fingerprint differs (or is missing) in names."""
    if names is None:
        return sorted(scored)
    return sorted(n for n in scored if n not in names or names[n]["digest"] != reference[n]["digest"])


def describe_diff(reference, names, differ, limit=8):
    out = []
    for n in differ[:limit]:
        want = reference[n]["summary"]
        got = names.get(n, {}).get("summary", "<missing>") if names else "<no replay>"
        out.append({"name": n, "expected": want[:160], "got": got[:160]})
    return out


def traced_evidence(trace_msg, runs_meta):
    """Map tracer reports (keyed by execution count) onto run indexes."""
    if not trace_msg or not trace_msg.get("reports"):
        return {}
    by_count = {}
    for rep in trace_msg["reports"]:
        count = rep.get("executionCount", rep.get("execution_count"))
        if count is not None:
            by_count[count] = rep
    evidence = {}
    for i, meta in enumerate(runs_meta):
        rep = by_count.get(meta.get("executionCount"))
        if rep is None:
            continue
        evidence[i] = {
            "added": list(rep.get("added", [])),
            "rebound": list(rep.get("rebound", [])),
            "deleted": list(rep.get("deleted", [])),
            "mutated": list(rep.get("mutated", [])),
            "filesRead": list(rep.get("filesRead", rep.get("files_read", []))),
            "filesWritten": list(rep.get("filesWritten", rep.get("files_written", []))),
        }
        if "read" in rep:
            evidence[i]["read"] = list(rep["read"])
    return evidence


# ---------------------------------------------------------------- ablation

ABLATED_KINDS = ("needs-rerun", "edited")


def ablation_cases(order, payload):
    """The replays that test each diagnostic claiming a run is needed.

    needs-rerun (the cell must run N times): one variant per run of that cell
    in the order but its last, without that run (earliest first, at most
    ABLATION_VARIANTS; dropping the last run of a cell, the one whose value
    usually stays live, almost always changes the state, and each variant is
    a whole replay); edited (the state depends on a run of older code): one
    variant with the cell's current code in place of the code it ran.
    """
    steps = [s["runIndex"] for s in order["steps"]]
    runs = payload["runs"]
    current = {c["id"]: c["source"] for c in payload["cells"]}
    cases = []
    for d in order.get("diagnostics", []):
        if d["kind"] not in ABLATED_KINDS or not d.get("cellIds"):
            continue
        cell = d["cellIds"][0]
        named = set(d.get("runIndices", []))
        at = [j for j, r in enumerate(steps) if r in named and runs[r]["cellId"] == cell]
        if d["kind"] == "needs-rerun":
            variants = [[runs[r]["code"] for k, r in enumerate(steps) if k != j] for j in at[:-1][:ABLATION_VARIANTS]]
        else:
            if cell not in current:
                continue
            variants = [[current[cell] if k in at else runs[r]["code"] for k, r in enumerate(steps)]]
        cases.append({"kind": d["kind"], "cell": cell, "runIndices": sorted(named), "positions": at,
                      "variants": variants})
    return cases


ABLATION_VARIANTS = 2


def ablate(cfg, order, payload, codes, ref, scored, replay_cached, present=()):
    """Replay each ablation variant; a diagnostic was right when every variant's
    scored state differs from the one the order rebuilds (only names the
    order's own replay got right are compared)."""
    out = {"diagnostics": len(order.get("diagnostics", [])), "cases": []}
    base = replay_cached("slice-traced", [codes[s["runIndex"]] for s in order["steps"]])  # cached: scored above
    if base["crashed"]:
        out["skipped"] = "the order's replay crashed"
        return out
    comparable = [n for n in scored if n not in compare(ref, [n], base["names"])]
    # A name both full replays end with (its value may vary between them) that
    # the order's replay also has: a variant without it rebuilt another state.
    kept = [n for n in present if n in base["names"]]
    for n, case in enumerate(ablation_cases(order, payload)):
        verdict, differs = "right", []
        for v, seq in enumerate(case["variants"]):
            rp = replay_cached(f"ablate-{n}-{v}", seq)
            if rp["crashed"] or rp.get("sessionTimeout"):
                verdict = "inconclusive"
                differs.append(None)
                continue
            d = compare(ref, comparable, rp["names"]) + [n for n in kept if n not in rp["names"] and n not in comparable]
            differs.append(d[:10])
            if not d:
                verdict = "wrong"  # one run fewer (or today's code) rebuilds the same state
                break
        out["cases"].append({"kind": case["kind"], "cell": case["cell"], "runIndices": case["runIndices"],
                             "positions": case["positions"], "verdict": verdict, "differs": differs})
    return out


def median(xs):
    xs = sorted(xs)
    if not xs:
        return 0
    m = len(xs) // 2
    return xs[m] if len(xs) % 2 else (xs[m - 1] + xs[m]) / 2


def ablation_line(records):
    """`diagnostics D per session needs-rerun precision P% edited precision Q%`."""
    recs = [r for r in records if not r.get("excluded") and r.get("ablation")]
    d = median([r["ablation"]["diagnostics"] for r in recs])

    def precision(kind):
        verdicts = [c["verdict"] for r in recs for c in r["ablation"]["cases"] if c["kind"] == kind]
        right = verdicts.count("right")
        wrong = verdicts.count("wrong")
        return f"{100.0 * right / (right + wrong):.1f}%" if right + wrong else "n/a"
    return (f"diagnostics {d:g} per session needs-rerun precision {precision('needs-rerun')} "
            f"edited precision {precision('edited')}")


def ablation_counts(records):
    counts = {}
    for r in records:
        for c in (r.get("ablation") or {}).get("cases", []) if not r.get("excluded") else []:
            k = counts.setdefault(c["kind"], {"right": 0, "wrong": 0, "inconclusive": 0})
            k[c["verdict"]] += 1
    return counts


def score_engine(cfg, build, payload, evidence, codes, ref, scored, replay_cached, present=()):
    """Static and traced orders of one engine build (None: this repository's),
    each replayed and scored, and the ablation of the traced order's diagnostics."""
    orders = {}
    try:
        orders["static"] = compute_order(cfg, payload, build)
    except Exception as exc:
        orders["static"] = {"error": str(exc)[:500]}
    if evidence:
        traced_payload = json.loads(json.dumps(payload))
        for i, ev in evidence.items():
            traced_payload["runs"][i]["traced"] = ev
        try:
            orders["traced"] = compute_order(cfg, traced_payload, build)
        except Exception as exc:
            orders["traced"] = {"error": str(exc)[:500]}
    else:
        orders["traced"] = orders["static"]  # no tracer evidence: same order, noted in the report

    tag = "-before" if build else ""
    results = {}
    step_lists = {}
    for kind in ("static", "traced"):
        order = orders[kind]
        if "error" in order:
            results[kind] = {"reproduced": False, "error": "order engine: " + order["error"],
                             "steps": None, "differ": scored}
            continue
        steps = [s["runIndex"] for s in order["steps"]]
        step_lists[kind] = steps
        same = [k for k in results if step_lists.get(k) == steps]
        if same:  # identical order: no need to replay it again
            results[kind] = dict(results[same[0]])
            continue
        rp = replay_cached(f"slice-{kind}{tag}", [codes[i] for i in steps])
        if rp["crashed"]:
            differ = scored
        else:
            differ = compare(ref, scored, rp["names"])
        results[kind] = {"reproduced": not differ, "steps": len(steps), "differ": differ,
                         "diff": describe_diff(ref, rp["names"], differ),
                         "crashed": rp["crashed"], "seconds": rp["seconds"],
                         "sliceErrors": [{"step": j, "run": steps[j], "ename": r.get("ename")}
                                         for j, r in enumerate(rp["runs"]) if r.get("status") == "error"]}
    for kind in ("static", "traced"):
        o = orders[kind]
        results[kind]["order"] = {"steps": step_lists.get(kind), "topToBottomWorks": o.get("topToBottomWorks"),
                                  "diagnostics": o.get("diagnostics", [])[:50], "stats": o.get("stats"),
                                  "cliStderr": o.get("cliStderr")}
    if cfg.ablation and "error" not in orders["traced"]:
        results["ablation"] = ablate(cfg, orders["traced"], payload, codes, ref, scored, replay_cached, present)
    return results


def session_cut(full):
    """The index of the run the session time limit stopped a full replay at (the run it
    interrupted, else the first it skipped), or None when the replay ran every run."""
    if not full.get("sessionTimeout"):
        return None
    runs = full["runs"]
    k = next(i for i, r in enumerate(runs) if r.get("skipped") == "session timeout")
    return k - 1 if k > 0 and runs[k - 1].get("timedOut") else k


def bench_session(cfg, session):
    t0 = time.monotonic()
    name = session["name"]
    execs = session["executions"]
    codes = [e["source"] for e in execs]
    rec = {"name": name, "runs": len(execs)}

    full_a = replay(cfg, session, "full1", codes, tracer=True)
    cut = session_cut(full_a)
    if cut is not None:
        # The session's time ran out part way, maybe in the middle of a run (a training loop
        # stopped after as many steps as the time allowed): scored up to that run, not included,
        # so that both full replays end at the same point.
        rec["cutAt"] = cut
        execs = execs[:cut]
        codes = codes[:cut]
        session = dict(session, executions=execs)
        full_a = replay(cfg, session, "full1", codes, tracer=True)
    # Both full replays carry the tracer (as a live kernel would), so that names
    # differing between them are the session's own nondeterminism; its reports
    # are taken from the first. Slices and the baseline run without it.
    full_b = replay(cfg, session, "full2", codes, tracer=True)
    rec["fullSeconds"] = [full_a["seconds"], full_b["seconds"]]
    rec["runStatuses"] = [r.get("status") for r in full_a["runs"]]
    rec["timedOutRuns"] = [i for i, r in enumerate(full_a["runs"]) if r.get("timedOut")]
    rec["errors"] = [{"run": i, "ename": r.get("ename"), "evalue": (r.get("evalue") or "")[:120]}
                     for i, r in enumerate(full_a["runs"]) if r.get("status") == "error"]
    rec["worker"] = full_a.get("worker")
    if full_a["crashed"] or full_b["crashed"]:
        rec["excluded"] = "full replay crashed: " + (full_a["crashed"] or full_b["crashed"])[:400]
        rec["seconds"] = round(time.monotonic() - t0, 2)
        return rec
    ref, other = full_a["names"], full_b["names"]
    scored = sorted(n for n in ref if n in other and ref[n]["digest"] == other[n]["digest"]
                    and ref[n]["digest"] not in ("timeout",) and not ref[n]["digest"].startswith("error:"))
    nondet = sorted(set(ref) ^ set(other) | {n for n in ref if n in other and ref[n]["digest"] != other[n]["digest"]})
    rec["names"] = len(ref)
    rec["scored"] = len(scored)
    rec["nondeterministic"] = nondet
    rec["scoredNames"] = scored
    rec["reference"] = {n: ref[n]["summary"][:120] for n in scored}
    if len(scored) < cfg.min_scored:
        rec["excluded"] = f"fewer than {cfg.min_scored} scored names ({len(scored)})"
        rec["seconds"] = round(time.monotonic() - t0, 2)
        return rec

    # The order engine sees what Retrace would have recorded live: code, cell ids,
    # statuses (from the first full replay) and, for the traced score, the tracer's reports.
    payload = order_payload(session)
    for r, meta in zip(payload["runs"], full_a["runs"]):
        st = meta.get("status")
        r["status"] = st if st in ("ok", "error", "interrupted", "aborted") else "aborted"
    evidence = traced_evidence(full_a.get("trace"), full_a["runs"])
    trace = full_a.get("trace") or {}
    rec["evidence"] = {str(i): ev for i, ev in evidence.items()}  # what the engine got, per run index
    rec["tracer"] = {"installed": bool(full_a.get("worker", {}).get("tracer")),
                     "note": full_a.get("worker", {}).get("tracerNote"),
                     "version": (trace.get("hello") or {}).get("version"),
                     "errors": trace.get("errors") or [],
                     "runsWithEvidence": len(evidence)}
    # Replays of one session keyed by their code: a slice equal to the whole log
    # is the second full replay, and two orders with the same code run once.
    cache = {tuple(codes): full_b}

    def replay_cached(label, seq):
        key = tuple(seq)
        if key not in cache:
            cache[key] = replay(cfg, session, label, list(seq))
        return cache[key]

    present = sorted(set(ref) & set(other))
    results = score_engine(cfg, None, payload, evidence, codes, ref, scored, replay_cached, present)
    rec["ablation"] = results.pop("ablation", None)
    if cfg.before_build:
        # The same session, the same full replays, scored with another build of the engine.
        rec["before"] = score_engine(cfg, cfg.before_build, payload, evidence, codes, ref, scored, replay_cached, present)

    payload_cells = payload["cells"]
    base = replay_cached("baseline", [c["source"] for c in payload_cells])
    differ = scored if base["crashed"] else compare(ref, scored, base["names"])
    results["baseline"] = {"reproduced": not differ, "steps": len(payload_cells), "differ": differ,
                           "diff": describe_diff(ref, base["names"], differ), "crashed": base["crashed"],
                           "seconds": base["seconds"]}
    rec.update(results)
    rec["seconds"] = round(time.monotonic() - t0, 2)
    return rec


# ---------------------------------------------------------------- output

def session_line(rec):
    if rec.get("excluded"):
        return f"{rec['name']}  runs={rec['runs']}  EXCLUDED: {rec['excluded'][:160]}"

    def yn(kind):
        r = rec[kind]
        return "yes" if r["reproduced"] else "NO"
    s, t = rec["static"], rec["traced"]
    parts = [rec["name"], f"runs={rec['runs']}",
             f"steps={s.get('steps')}/{t.get('steps')}", f"scored={rec['scored']}",
             f"static={yn('static')}", f"traced={yn('traced')}", f"baseline={yn('baseline')}"]
    def verdicts(ab):
        out = []
        for kind, short in (("needs-rerun", "rerun"), ("edited", "edited")):
            v = [c["verdict"] for c in (ab or {}).get("cases", []) if c["kind"] == kind]
            if v:
                out.append(f"{short} {v.count('right')}/{v.count('right') + v.count('wrong')}")
        return ",".join(out)
    if rec.get("ablation"):
        parts.append(f"diagnostics={rec['ablation']['diagnostics']} {verdicts(rec['ablation'])}".rstrip())
    if rec.get("before"):
        b = rec["before"]
        parts.append(f"before: steps={b['static'].get('steps')}/{b['traced'].get('steps')} "
                     f"traced={'yes' if b['traced']['reproduced'] else 'NO'} "
                     f"diagnostics={(b.get('ablation') or {}).get('diagnostics')} {verdicts(b.get('ablation'))}".rstrip())
    for kind in ("static", "traced", "baseline"):
        r = rec[kind]
        if not r["reproduced"]:
            what = r.get("error") or r.get("crashed") or ",".join(r["differ"][:10]) + (
                "..." if len(r["differ"]) > 10 else "")
            parts.append(f"{kind}-differs: {what[:200]}")
    return "  ".join(parts)


def summary_line(records, kind):
    scored = [r for r in records if not r.get("excluded")]
    excluded = len(records) - len(scored)
    y = len(scored)
    x = sum(1 for r in scored if r[kind]["reproduced"])
    q = sum(1 for r in scored if r["baseline"]["reproduced"])
    fractions = [r[kind]["steps"] / r["runs"] for r in scored if r[kind].get("steps") is not None and r["runs"]]
    s = sum(fractions) / len(fractions) if fractions else 0.0
    pct = 100.0 * x / y if y else 0.0
    qpct = 100.0 * q / y if y else 0.0
    return f"reproduced {x}/{y} ({pct:.1f}%) slice {s:.2f} baseline {qpct:.1f}% excluded {excluded}"


# ---------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "corpus"), help="corpus folder (sessions/, data/, manifest.csv)")
    ap.add_argument("--report", default=os.path.join(HERE, "last-report.json"))
    ap.add_argument("--python", default=os.path.join(REPO, ".venv-corpus", "bin", "python"),
                    help="Python of the corpus venv (run.sh creates it)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--run-timeout", type=float, default=30)
    ap.add_argument("--session-timeout", type=float, default=180, help="per replay of one session")
    ap.add_argument("--engine", default="auto", choices=["auto", "cli", "all-runs", "last-per-cell"],
                    help="auto: node bench/order-cli.js when built, else the all-runs stand-in")
    ap.add_argument("--order-cli", default=os.path.join(REPO, "bench", "order-cli.js"))
    ap.add_argument("--tracer", default=os.path.join(REPO, "src", "kernel", "tracer.py"))
    ap.add_argument("--only", action="append", help="regex on session names (repeatable)")
    ap.add_argument("--limit", type=int, help="first N sessions only")
    ap.add_argument("--min-scored", type=int, default=3)
    ap.add_argument("--before-build", help="folder of another build of the engine (build/node/analysis of an "
                    "older commit): its orders are scored on the same replays and printed as 'before:' lines")
    ap.add_argument("--no-ablation", dest="ablation", action="store_false",
                    help="skip the replays that test the needs-rerun and edited diagnostics")
    ap.add_argument("--keep-tmp", action="store_true", help="keep replay folders (debugging)")
    ap.add_argument("--replay-cache", help="folder keeping replay results by session and code sequence: "
                    "a rerun after an engine change replays only the sequences it has not seen (development only; "
                    "figures to report come from a run without it)")
    ap.add_argument("--allow-network", action="store_true",
                    help="run without a network namespace if none can be made (results not comparable)")
    cfg = ap.parse_args(argv)
    cfg.startup_timeout = 60
    cfg.interrupt_grace = 10
    cfg.fingerprint_timeout = 180
    cfg.order_timeout = 120

    t_start = time.monotonic()
    if not os.path.exists(cfg.python):
        sys.exit(f"bench:order: no Python at {cfg.python}; run bench/order/run.sh (it creates the corpus venv)")
    if cfg.engine == "auto":
        cli_ok = os.path.exists(cfg.order_cli) and os.path.isdir(os.path.join(REPO, "build", "node", "analysis"))
        cfg.engine = "cli" if cli_ok else "all-runs"
        if not cli_ok:
            log("bench:order: NOTE: bench/order-cli.js or build/node/analysis/ missing; using the "
                "'all-runs' stand-in order (the figures then test the harness, not the engine)")
    if not os.path.exists(cfg.tracer):
        log(f"bench:order: NOTE: no kernel tracer at {cfg.tracer}; the traced score equals the static one")
        cfg.tracer = None

    cfg.sandbox, cfg.mount = probe_sandbox(cfg.python)
    if cfg.sandbox is None:
        if not cfg.allow_network:
            sys.exit("bench:order: cannot create a network namespace (unshare -n, unshare --map-root-user -n) "
                     "— refusing to replay with network; pass --allow-network to override")
        log("bench:order: WARNING: replaying WITH network access (--allow-network)")
        cfg.sandbox, cfg.mount = [], False
    elif not cfg.mount:
        log("bench:order: NOTE: no private mount namespace; replay paths differ between replays")

    if cfg.replay_cache:
        os.makedirs(cfg.replay_cache, exist_ok=True)
        log(f"bench:order: NOTE: replays cached in {cfg.replay_cache} (development figures)")
    cfg.tmpbase = tempfile.mkdtemp(prefix="bench-order-", dir="/var/tmp")
    # Matplotlib builds its font cache on first import (seconds); build it once.
    cfg.mpl_cache = os.path.join(cfg.tmpbase, "mpl-cache")
    os.makedirs(cfg.mpl_cache)
    subprocess.run([cfg.python, "-c", "import matplotlib.font_manager"], env=dict(os.environ, MPLCONFIGDIR=cfg.mpl_cache,
                   MPLBACKEND="Agg"), capture_output=True, timeout=300)

    sessions = load_corpus(cfg.corpus, cfg.only)
    if cfg.limit:
        sessions = sessions[:cfg.limit]
    log(f"bench:order: {len(sessions)} sessions, {sum(len(s['executions']) for s in sessions)} runs, "
        f"engine={cfg.engine}, tracer={'yes' if cfg.tracer else 'no'}, sandbox={' '.join(cfg.sandbox) or 'none'}"
        f"{' +mount' if cfg.mount else ''}, jobs={cfg.jobs}")
    # Longest first, so the two workers finish together.
    sessions.sort(key=lambda s: -len(s["executions"]))

    records = []
    lock = threading.Lock()

    def one(s):
        try:
            return bench_session(cfg, s)
        except Exception as exc:
            import traceback
            return {"name": s["name"], "runs": len(s["executions"]),
                    "excluded": f"harness error: {exc!r}", "traceback": traceback.format_exc()}

    try:
        with ThreadPoolExecutor(max_workers=cfg.jobs) as pool:
            futures = [pool.submit(one, s) for s in sessions]
            for fut in as_completed(futures):
                rec = fut.result()
                with lock:
                    records.append(rec)
                    print(f"[{len(records)}/{len(sessions)} {time.monotonic() - t_start:.0f}s] {session_line(rec)}",
                          flush=True)
    finally:
        shutil.rmtree(cfg.tmpbase, ignore_errors=True)

    records.sort(key=lambda r: r["name"])
    total = time.monotonic() - t_start
    excluded = {}
    for r in records:
        if r.get("excluded"):
            key = re.sub(r"\(\d+\)|: .*", "", r["excluded"]).strip()
            excluded[key] = excluded.get(key, 0) + 1
    report = {
        "corpus": os.path.abspath(cfg.corpus),
        "engine": cfg.engine,
        "tracer": cfg.tracer,
        "sandbox": cfg.sandbox,
        "limits": {"run": cfg.run_timeout, "session": cfg.session_timeout},
        "totalSeconds": round(total, 1),
        "summary": {"traced": summary_line(records, "traced") if records else None,
                    "static": summary_line(records, "static") if records else None,
                    "excludedBy": excluded,
                    "ablation": ablation_line(records) if cfg.ablation else None,
                    "ablationCounts": ablation_counts(records)},
        "sessions": records,
    }
    os.makedirs(os.path.dirname(os.path.abspath(cfg.report)), exist_ok=True)
    with open(cfg.report, "w") as f:
        json.dump(report, f, indent=1)
    print(f"excluded: {excluded}" if excluded else "excluded: none")
    print(f"total time {total:.0f}s; report {cfg.report}; engine {cfg.engine}; "
          f"tracer {'yes' if cfg.tracer else 'no (traced = static)'}")
    if cfg.before_build:
        before = [dict(r, **r["before"]) if r.get("before") else r for r in records]
        if cfg.ablation:
            print("before: " + ablation_line(before))
        print("before: static: " + summary_line(before, "static"))
        print("before: " + summary_line(before, "traced"))
    if cfg.ablation:
        print(ablation_line(records))
    print("static: " + summary_line(records, "static"))
    print(summary_line(records, "traced"))


if __name__ == "__main__":
    main()
