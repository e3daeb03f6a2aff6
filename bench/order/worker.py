"""Replay worker: one fresh IPython shell per replay, driven over a pipe.

Started by run.py inside a network namespace, with the corpus venv's Python,
in the session's (copied) data folder. Protocol: one JSON object per line on
the fds named in BENCH_ORDER_FDS ("in,out"), never on stdout/stderr, which
belong to the user's code (the driver sends them to a log file).

Requests:  {"op": "run", "code": str}
           {"op": "fingerprint"}
           {"op": "trace"}            tracer reports gathered so far
           {"op": "exit"}
Replies:   {"ok": true, ...}  one per request, plus {"ready": ...} at start.
"""

import json
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fingerprint as fp  # noqa: E402

NAME_TIME_LIMIT = float(os.environ.get("BENCH_ORDER_FP_NAME_LIMIT", "10"))


class _FingerprintTimeout(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _FingerprintTimeout()


def _block_sigint():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unblock_sigint():
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _drain_sigint():
    # A SIGINT that arrived just after the run ended must not interrupt the next one.
    while signal.SIGINT in signal.sigpending():
        signal.sigtimedwait({signal.SIGINT}, 0)


def make_shell():
    from traitlets.config import Config
    from IPython.core.interactiveshell import InteractiveShell

    cfg = Config()
    cfg.HistoryManager.hist_file = ":memory:"
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.xmode = "Plain"
    shell = InteractiveShell.instance(config=cfg)
    # A bare InteractiveShell has no event loop integration: `%matplotlib inline`
    # would raise NotImplementedError there and lose the rest of its cell, while
    # a real kernel accepts it. The inline backend itself still gets activated.
    shell.enable_gui = lambda gui=None: None
    return shell


class _CollectingComm:
    """Stands in for the frontend's comm: keeps every message the tracer sends."""

    def __init__(self, sink):
        self.sink = sink

    def send(self, data):
        self.sink.append(data)

    def on_close(self, callback):
        pass


def _protocol(kernel_dir):
    """The constants of src/kernel/protocol.ts (one JSON literal per line), as the tests read them."""
    path = os.path.join(kernel_dir, "protocol.ts")
    if not os.path.exists(path):
        return None
    import re
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return {k: json.loads(v) for k, v in re.findall(r"^export const (\w+) = (.+);$", text, re.M)}


class Tracer:
    """src/kernel/tracer.py installed the way the frontend does it: the install
    snippet of protocol.ts run silently (no history, no execution count), then a
    comm opened on its target, here a collecting stand-in instead of a websocket."""

    def __init__(self, shell, path):
        self.messages = []
        self.note = None
        self.module = None
        self.hello = None
        if not path:
            self.note = "no tracer"
            return
        if not os.path.exists(path):
            self.note = f"tracer not found at {path}"
            return
        try:
            self._install(shell, path)
        except Exception:
            self.module = None
            self.note = "tracer failed to install: " + traceback.format_exc(limit=3)[-600:]

    def _install(self, shell, path):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        proto = _protocol(os.path.dirname(path)) or {}
        prefix, suffix = proto.get("INSTALL_PREFIX"), proto.get("INSTALL_SUFFIX")
        module_name = proto.get("TRACER_MODULE", "_retrace_tracer")
        target = proto.get("TRACER_TARGET", "retrace.tracer")
        if prefix is None or suffix is None:
            raise RuntimeError("protocol.ts has no INSTALL_PREFIX/INSTALL_SUFFIX")
        res = shell.run_cell(prefix + json.dumps(source) + suffix, silent=True, store_history=False)
        if not res.success:
            raise RuntimeError(f"install snippet failed: {res.error_before_exec or res.error_in_exec!r}")
        self.module = sys.modules[module_name]
        import comm
        opener = comm.get_comm_manager().targets[target]
        opener(_CollectingComm(self.messages), {"content": {"data": {}}})
        hello = [m for m in self.messages if m.get("type") == "hello"]
        self.hello = hello[0] if hello else None

    def collect(self):
        return [m for m in self.messages if m.get("type") == "run"]

    def errors(self):
        return [m for m in self.messages if m.get("type") == "error"]


def main():
    fd_in, fd_out = (int(x) for x in os.environ["BENCH_ORDER_FDS"].split(","))
    os.set_inheritable(fd_in, False)
    os.set_inheritable(fd_out, False)
    rin = os.fdopen(fd_in, "r", encoding="utf-8")
    wout = os.fdopen(fd_out, "w", encoding="utf-8")

    def reply(obj):
        wout.write(json.dumps(obj) + "\n")
        wout.flush()

    _block_sigint()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGALRM, _on_alarm)
    t0 = time.time()
    shell = make_shell()
    hidden = set(shell.user_ns_hidden) | set(shell.user_ns)
    tracer = Tracer(shell, os.environ.get("BENCH_ORDER_TRACER"))
    hidden |= {k for k, v in shell.user_ns.items() if k not in hidden}
    import IPython
    reply({"ready": True, "ipython": IPython.__version__, "python": sys.version.split()[0],
           "startup": round(time.time() - t0, 3), "tracer": tracer.module is not None,
           "tracerNote": tracer.note})

    while True:
        line = rin.readline()
        if not line:
            break
        req = json.loads(line)
        op = req.get("op")
        if op == "run":
            started = time.time()
            status, ename, evalue, count = "ok", None, None, None
            try:
                _unblock_sigint()
                try:
                    res = shell.run_cell(req["code"], store_history=True)
                finally:
                    _block_sigint()
                    _drain_sigint()
                count = res.execution_count
                err = res.error_before_exec or res.error_in_exec
                if err is not None:
                    status = "interrupted" if isinstance(err, KeyboardInterrupt) else "error"
                    ename, evalue = type(err).__name__, str(err)[:300]
            except KeyboardInterrupt:
                status, ename = "interrupted", "KeyboardInterrupt"
            except BaseException as exc:  # SystemExit from a hook etc.: keep the worker alive
                status, ename, evalue = "error", type(exc).__name__, str(exc)[:300]
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except Exception:
                pass
            reply({"ok": True, "status": status, "ename": ename, "evalue": evalue,
                   "executionCount": count, "seconds": round(time.time() - started, 3)})
        elif op == "fingerprint":
            names = {}
            for name in sorted(list(shell.user_ns)):
                if fp.excluded_name(name, hidden):
                    continue
                value = shell.user_ns.get(name)
                if value is tracer.module and value is not None:
                    continue
                try:
                    signal.setitimer(signal.ITIMER_REAL, NAME_TIME_LIMIT)
                    try:
                        entry = fp.fingerprint(value)
                        entry["summary"] = fp.summary(value)
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                except _FingerprintTimeout:
                    entry = {"type": fp._type_name(value), "digest": "timeout", "summary": "fingerprint timed out"}
                except Exception as exc:
                    entry = {"type": fp._type_name(value), "digest": f"error:{type(exc).__name__}",
                             "summary": f"fingerprint failed: {exc!r}"[:200]}
                names[name] = entry
            reply({"ok": True, "names": names})
        elif op == "trace":
            reply({"ok": True, "reports": tracer.collect(), "errors": tracer.errors(),
                   "hello": tracer.hello, "note": tracer.note})
        elif op == "exit":
            reply({"ok": True})
            break
        else:
            reply({"ok": False, "error": f"unknown op {op!r}"})
    try:
        wout.flush()
    finally:
        # User code may leave non-daemon threads (tqdm, TF, pools) behind.
        os._exit(0)


if __name__ == "__main__":
    main()
