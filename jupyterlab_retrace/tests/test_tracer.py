"""Tests of the kernel tracer (src/kernel/tracer.py).

Most tests drive one in-process IPython shell, install the tracer with the very
snippet the frontend sends, and read its reports through a fake comm opened on
the registered comm target.  The last test does the same through a real
ipykernel started with jupyter_client, reading the reports from IOPub.
"""

import json
import os
import queue
import re
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL_DIR = ROOT / "src" / "kernel"
SOURCE = (KERNEL_DIR / "tracer.py").read_text()


def read_protocol():
    """The constants of src/kernel/protocol.ts (one JSON literal per line)."""
    text = (KERNEL_DIR / "protocol.ts").read_text()
    values = {k: json.loads(v) for k, v in re.findall(r"^export const (\w+) = (.+);$", text, re.M)}
    return {
        "protocol": values["TRACER_PROTOCOL"],
        "target": values["TRACER_TARGET"],
        "module": values["TRACER_MODULE"],
        "installPrefix": values["INSTALL_PREFIX"],
        "installSuffix": values["INSTALL_SUFFIX"],
    }


PROTOCOL = read_protocol()


def install_snippet():
    """The install code exactly as src/kernel/tracer.ts builds it (JSON.stringify of the source)."""
    return PROTOCOL["installPrefix"] + json.dumps(SOURCE) + PROTOCOL["installSuffix"]


class FakeComm:
    def __init__(self):
        self.sent = []
        self.close_callbacks = []

    def send(self, data):
        self.sent.append(data)

    def on_close(self, cb):
        self.close_callbacks.append(cb)

    def runs(self):
        return [m for m in self.sent if m["type"] == "run"]


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    os.environ["IPYTHONDIR"] = str(tmp_path_factory.mktemp("ipython"))
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=config)
    yield sh
    InteractiveShell.clear_instance()


def _forget_tracer():
    module = sys.modules.pop(PROTOCOL["module"], None)
    if module is not None and getattr(module, "TRACER", None) is not None:
        module.TRACER.uninstall()


@pytest.fixture
def fresh(shell, tmp_path, monkeypatch):
    """A shell with an empty user namespace, no tracer, cwd in tmp_path."""
    monkeypatch.chdir(tmp_path)
    _forget_tracer()
    shell.reset(new_session=False)
    yield shell
    _forget_tracer()


def install(shell):
    result = shell.run_cell(install_snippet(), silent=True, store_history=False)
    assert result.success, result.error_in_exec or result.error_before_exec
    return sys.modules[PROTOCOL["module"]].TRACER


def open_comm():
    """Open a comm on the registered target, as the kernel does on comm_open."""
    import comm

    fake = FakeComm()
    comm.get_comm_manager().targets[PROTOCOL["target"]](fake, {"content": {"data": {}}})
    return fake


@pytest.fixture
def traced(fresh):
    """(shell, comm): the tracer installed, a comm open, hello consumed."""
    install(fresh)
    fake = open_comm()
    assert fake.sent[0]["type"] == "hello"
    fake.sent.clear()
    return fresh, fake


def run(shell, code):
    result = shell.run_cell(code, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec
    return result


def report_of(fake, result):
    reports = [r for r in fake.runs() if r["execution_count"] == result.execution_count]
    assert len(reports) == 1, fake.sent
    return reports[0]


# -- installation ---------------------------------------------------------------


def test_tracer_source_is_ascii_and_agrees_with_the_protocol_file():
    SOURCE.encode("ascii")
    assert f'TARGET = "{PROTOCOL["target"]}"' in SOURCE
    assert f'MODULE = "{PROTOCOL["module"]}"' in SOURCE
    assert f"PROTOCOL = {PROTOCOL['protocol']}" in SOURCE


def test_install_adds_nothing_to_the_user_namespace_or_history(fresh):
    run(fresh, "a = 1")
    run(fresh, "a + 1")  # sets _, _N and Out
    before = dict(fresh.user_ns)
    out_before = dict(fresh.user_ns["Out"])
    in_before = list(fresh.user_ns["In"])
    count_before = fresh.execution_count

    install(fresh)

    after = fresh.user_ns
    assert set(after) == set(before)
    changed = [k for k in before if after[k] is not before[k]]
    assert changed == []
    assert after["Out"] == out_before and list(after["In"]) == in_before
    assert fresh.execution_count == count_before
    assert PROTOCOL["module"] in sys.modules


def test_install_twice_keeps_one_tracer_and_one_set_of_hooks(fresh):
    first = install(fresh)
    second = install(fresh)
    assert first is second
    for event in ("pre_run_cell", "post_run_cell"):
        ours = [cb for cb in fresh.events.callbacks[event] if getattr(cb, "__self__", None) is first]
        assert len(ours) == 1
    fake = open_comm()
    result = run(fresh, "x = 1")
    assert len([r for r in fake.runs() if r["execution_count"] == result.execution_count]) == 1


def test_a_comm_opening_gets_hello_first(fresh):
    install(fresh)
    module = sys.modules[PROTOCOL["module"]]
    fake = open_comm()
    hello = fake.sent[0]
    assert hello["type"] == "hello" and hello["version"] == module.VERSION
    assert hello["protocol"] == PROTOCOL["protocol"] and hello["python"] == ".".join(map(str, sys.version_info[:3]))
    assert hello["disabled"] is False


def test_a_new_version_replaces_the_old_hooks(fresh):
    old = install(fresh)
    old.version = "0.0.0"  # pretend an older frontend installed it
    new = install(fresh)
    assert new is not old
    callbacks = fresh.events.callbacks["post_run_cell"]
    assert not any(getattr(cb, "__self__", None) is old for cb in callbacks)
    assert any(getattr(cb, "__self__", None) is new for cb in callbacks)


# -- names --------------------------------------------------------------------------


def test_reports_added_rebound_and_deleted_names(traced):
    shell, fake = traced
    r1 = run(shell, "x = 1\ny = [1, 2]\ndef f(): return x")
    r2 = run(shell, "x = 2\ny = list(y)")
    r3 = run(shell, "del y\nz = 3")
    assert sorted(report_of(fake, r1)["added"]) == ["f", "x", "y"]
    rep2 = report_of(fake, r2)
    assert sorted(rep2["rebound"]) == ["x", "y"] and rep2["added"] == [] and rep2["mutated"] == []
    rep3 = report_of(fake, r3)
    assert rep3["deleted"] == ["y"] and rep3["added"] == ["z"]


def test_reports_are_keyed_to_the_execution_count(traced):
    shell, fake = traced
    r = run(shell, "k = 1")
    rep = report_of(fake, r)
    assert rep["execution_count"] == r.execution_count
    assert set(rep) >= {"added", "rebound", "deleted", "mutated", "read", "files_read", "files_written", "ms"}
    assert rep["ms"] >= 0


def test_reports_in_place_mutation_of_lists_dicts_sets_and_objects(traced):
    shell, fake = traced
    run(shell, "lst = [1, 2]\nd = {'a': 1}\ns = {1}\nclass C: pass\no = C()\nbig = list(range(10000))")
    rep = report_of(fake, run(shell, "lst.append(3)\nd.update(b=2)\ns.add(2)\no.attr = 1\nbig.append(1)"))
    assert sorted(rep["mutated"]) == ["big", "d", "lst", "o", "s"]
    assert rep["added"] == [] and rep["rebound"] == []
    rep = report_of(fake, run(shell, "d['a'] = 'changed'"))
    assert rep["mutated"] == ["d"]


def test_untouched_objects_are_not_reported(traced):
    shell, fake = traced
    run(shell, "lst = [1, 2]\nd = {'a': [1]}")
    rep = report_of(fake, run(shell, "other = len(lst) + len(d)"))
    assert rep["mutated"] == [] and rep["rebound"] == [] and rep["added"] == ["other"]


def test_reports_numpy_in_place_changes(traced):
    pytest.importorskip("numpy")
    shell, fake = traced
    run(shell, "import numpy as np\na = np.zeros(100000)\nb = np.zeros((300, 300))\nc = np.ones(5)")
    rep = report_of(fake, run(shell, "a[:10] = 1\nb *= 2\nb += 1\nc[-1] = 7"))
    assert sorted(rep["mutated"]) == ["a", "b", "c"]
    rep = report_of(fake, run(shell, "a[-1] = 5"))
    assert rep["mutated"] == ["a"]


def test_reports_pandas_in_place_changes(traced):
    pytest.importorskip("pandas")
    shell, fake = traced
    run(shell, "import pandas as pd\ndf = pd.DataFrame({'a': range(1000), 'b': [0.5] * 1000})\ns = pd.Series([1, 2, 3])")
    rep = report_of(fake, run(shell, "df['c'] = 1"))
    assert rep["mutated"] == ["df"]
    rep = report_of(fake, run(shell, "df.loc[0, 'a'] = 99"))
    assert rep["mutated"] == ["df"]
    rep = report_of(fake, run(shell, "s.iloc[0] = 10"))
    assert rep["mutated"] == ["s"]
    rep = report_of(fake, run(shell, "n = len(df) + len(s)"))
    assert rep["mutated"] == []


def test_ipython_internals_are_never_reported(traced):
    shell, fake = traced
    rep = report_of(fake, run(shell, "1 + 1"))  # sets _, _N, Out, _i, _iN
    assert rep["added"] == [] and rep["rebound"] == [] and rep["mutated"] == [] and rep["deleted"] == []
    rep = report_of(fake, run(shell, "_private = 1"))
    assert rep["added"] == ["_private"]  # user names with a leading underscore are user state


def test_reports_global_names_the_code_reads(traced):
    shell, fake = traced
    run(shell, "x = 1\ny = 2\nshape = 3\nimport math")
    rep = report_of(fake, run(shell, "def g():\n    return y\nz = x + g() + math.floor(1.5)"))
    assert sorted(rep["read"]) == ["math", "x", "y"]
    assert "shape" not in rep["read"]


# -- files ----------------------------------------------------------------------


def test_reports_files_read_and_written_relative_to_the_notebook_folder(traced, tmp_path):
    shell, fake = traced
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.csv").write_text("a,b\n1,2\n")
    outside = tmp_path.parent / f"outside-{uuid.uuid4().hex}.txt"
    code = (
        "text = open('data/in.csv').read()\n"
        "with open('out.txt', 'w') as f: f.write(text)\n"
        "import pathlib\n"
        "pathlib.Path('both.txt').write_text('x')\n"
        "with open('both.txt', 'r+') as f: f.read()\n"
        f"open({str(outside)!r}, 'w').close()\n"
    )
    rep = report_of(fake, run(shell, code))
    assert rep["files_read"] == ["data/in.csv", "both.txt"]
    assert rep["files_written"] == ["out.txt", "both.txt"]
    outside.unlink()
    # Nothing is recorded between runs.
    open(tmp_path / "between.txt", "w").close()
    rep = report_of(fake, run(shell, "q = 1"))
    assert rep["files_read"] == [] and rep["files_written"] == []


def test_ignores_hidden_folders_and_bytecode_caches(traced, tmp_path):
    shell, fake = traced
    code = "import os\nos.makedirs('.cache', exist_ok=True)\nopen('.cache/x', 'w').close()\nopen('.env', 'w').close()"
    rep = report_of(fake, run(shell, code))
    assert rep["files_written"] == [".env"]


# -- transport ------------------------------------------------------------------


def test_reports_are_buffered_until_a_comm_opens_and_bounded(fresh):
    tracer = install(fresh)
    module = sys.modules[PROTOCOL["module"]]
    results = [run(fresh, f"v{i} = {i}") for i in range(module.BUFFER_SIZE + 5)]
    fake = open_comm()
    assert fake.sent[0]["type"] == "hello"
    counts = [m["execution_count"] for m in fake.runs()]
    assert counts == [r.execution_count for r in results[5:]]
    fake.sent.clear()
    later = run(fresh, "w = 1")
    assert [m["execution_count"] for m in fake.runs()] == [later.execution_count]
    assert tracer is module.TRACER


def test_a_closed_comm_gets_nothing_and_reports_buffer_again(traced):
    shell, fake = traced
    for cb in fake.close_callbacks:
        cb({})
    run(shell, "a = 1")
    assert fake.sent == []
    second = open_comm()
    assert [m["type"] for m in second.sent] == ["hello", "run"]


def test_silent_and_unstored_runs_are_ignored(traced):
    shell, fake = traced
    shell.run_cell("hidden1 = 1", silent=True)
    shell.run_cell("hidden2 = 2", store_history=False)
    assert fake.runs() == []
    rep = report_of(fake, run(shell, "seen = 3"))
    # Names bound outside traced runs join the baseline; they are not this run's.
    assert rep["added"] == ["seen"]


# -- robustness -------------------------------------------------------------------


def test_a_failing_hook_never_reaches_user_code_and_turns_the_tracer_off(traced, capsys):
    shell, fake = traced
    tracer = sys.modules[PROTOCOL["module"]].TRACER

    def boom(*args, **kwargs):
        raise RuntimeError("fingerprint exploded")

    tracer._scan = boom
    results = [shell.run_cell(f"u{i} = {i}", store_history=True) for i in range(4)]
    assert all(r.success for r in results)
    assert all(shell.user_ns[f"u{i}"] == i for i in range(4))
    captured = capsys.readouterr()
    assert "Error in callback" not in captured.out + captured.err
    errors = [m for m in fake.sent if m["type"] == "error"]
    assert len(errors) == 3
    assert "fingerprint exploded" in errors[0]["message"]
    assert [e["disabled"] for e in errors] == [False, False, True]
    assert tracer.disabled
    assert not any(getattr(cb, "__self__", None) is tracer for cb in shell.events.callbacks["post_run_cell"])


def test_a_failing_audit_hook_never_breaks_open(traced, tmp_path):
    shell, fake = traced
    tracer = sys.modules[PROTOCOL["module"]].TRACER

    def boom(args):
        raise RuntimeError("audit exploded")

    tracer._on_open = boom
    rep = report_of(fake, run(shell, "open('ok.txt', 'w').write('fine')\ncontent = open('ok.txt').read()"))
    assert shell.user_ns["content"] == "fine"
    assert rep["added"] == ["content"]


# -- a real kernel ---------------------------------------------------------------


def test_through_a_real_kernel(tmp_path):
    """Install as the frontend does, open a comm from the client, read IOPub."""
    from jupyter_client.manager import KernelManager

    (tmp_path / "input.txt").write_text("hello")
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path), env={**os.environ, "IPYTHONDIR": str(tmp_path / ".ipython")})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)

        def drain_until_idle(msg_id, deadline=30):
            """IOPub messages with parent msg_id, up to its idle status."""
            out = []
            end = time.monotonic() + deadline
            while time.monotonic() < end:
                try:
                    msg = kc.get_iopub_msg(timeout=1)
                except queue.Empty:
                    continue
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                out.append(msg)
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return out
            raise AssertionError("no idle status for %s" % msg_id)

        def shell_reply(msg_id):
            """The shell reply to msg_id, past any late kernel_info replies left by wait_for_ready."""
            while True:
                reply = kc.get_shell_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg_id:
                    return reply
                assert reply["msg_type"] == "kernel_info_reply", reply["msg_type"]

        install_id = kc.execute(install_snippet(), silent=True, store_history=False)
        reply = shell_reply(install_id)
        assert reply["content"]["status"] == "ok", reply["content"]
        drain_until_idle(install_id)

        comm_id = uuid.uuid4().hex
        open_msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": PROTOCOL["target"], "data": {}})
        kc.shell_channel.send(open_msg)
        hello = [
            m["content"]["data"]
            for m in drain_until_idle(open_msg["header"]["msg_id"])
            if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id
        ]
        assert hello and hello[0]["type"] == "hello" and hello[0]["version"] and hello[0]["python"]

        def run_cell(code):
            msg_id = kc.execute(code)
            messages = drain_until_idle(msg_id)
            reply = shell_reply(msg_id)
            assert reply["content"]["status"] == "ok", reply["content"]
            data = [
                m["content"]["data"]
                for m in messages
                if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id
            ]
            assert len(data) == 1, data
            assert data[0]["execution_count"] == reply["content"]["execution_count"]
            return data[0]

        first = run_cell("x = [1]\ntext = open('input.txt').read()")
        assert first["execution_count"] == 1  # the silent install took no count
        assert sorted(first["added"]) == ["text", "x"]
        assert first["files_read"] == ["input.txt"]
        second = run_cell("x.append(2)\nopen('out.txt', 'w').write(text)")
        assert second["mutated"] == ["x"] and second["files_written"] == ["out.txt"]
        assert sorted(second["read"]) == ["text", "x"]
        third = run_cell("names = sorted(k for k in globals() if not k.startswith('_'))\nhist = len(In)")
        assert third["added"] == ["names", "hist"]
        # The install left no name and no history entry (In[0] is IPython's empty entry).
        check = run_cell("assert '_retrace_tracer' not in globals()\nassert len(In) == 5 and In[1].startswith('x = [1]'), In\ndel names")
        assert check["deleted"] == ["names"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
