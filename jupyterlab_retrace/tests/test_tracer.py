"""Tests of the kernel tracer (src/kernel/tracer.py).

Most tests drive one in-process IPython shell, install the tracer with the very
snippet the frontend sends, and read its reports through a fake comm opened on
the registered comm target.  The last test does the same through a real
ipykernel started with jupyter_client, reading the reports from IOPub.
"""

import os
import sys
import time
import uuid

import pytest

from .tracer_kernel import PROTOCOL, SOURCE, RealKernel, install_snippet


class FakeComm:
    def __init__(self):
        self.sent = []
        self.close_callbacks = []
        self.msg_callbacks = []

    def send(self, data):
        self.sent.append(data)

    def on_close(self, cb):
        self.close_callbacks.append(cb)

    def on_msg(self, cb):
        self.msg_callbacks.append(cb)

    def ask(self, data):
        """Send a message from the page, as the kernel delivers comm_msg; the answer."""
        before = len(self.sent)
        for cb in self.msg_callbacks:
            cb({"content": {"data": data}})
        assert len(self.sent) == before + 1, self.sent[before:]
        return self.sent[-1]

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


def test_a_page_that_opens_later_catches_up_from_the_journal(fresh):
    tracer = install(fresh)
    module = sys.modules[PROTOCOL["module"]]
    results = [run(fresh, f"v{i} = {i}") for i in range(5)]
    fake = open_comm()
    hello = fake.sent[0]
    assert hello["type"] == "hello" and hello["kernel"] and hello["last"] == results[-1].execution_count
    assert fake.runs() == []  # nothing is replayed unasked
    answer = fake.ask({"type": "journal", "after": results[1].execution_count, "request": 7})
    assert answer["type"] == "journal" and answer["request"] == 7 and answer["missed"] is None
    assert [e["execution_count"] for e in answer["entries"]] == [r.execution_count for r in results[2:]]
    assert [e["code"] for e in answer["entries"]] == ["v2 = 2", "v3 = 3", "v4 = 4"]
    assert answer["entries"][0]["added"] == ["v2"] and answer["entries"][0]["kernel"] == hello["kernel"]
    later = run(fresh, "w = 1")
    assert [m["execution_count"] for m in fake.runs()] == [later.execution_count]
    assert tracer is module.TRACER


def test_a_closed_comm_gets_nothing_and_the_next_page_catches_up(traced):
    shell, fake = traced
    for cb in fake.close_callbacks:
        cb({})
    result = run(shell, "a = 1")
    assert fake.sent == []
    second = open_comm()
    assert [m["type"] for m in second.sent] == ["hello", "environment"]  # the kernel session's environment follows hello
    entries = second.ask({"type": "journal", "after": 0})["entries"]
    assert [e["execution_count"] for e in entries][-1] == result.execution_count


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


def test_through_a_real_kernel(kernel, tmp_path):
    """Install as the frontend does, open a comm from the client, read IOPub."""
    (tmp_path / "input.txt").write_text("hello")
    comm_id, hello = kernel.open_comm()
    assert hello["version"] and hello["python"] and hello["kernel"]

    first = kernel.run_traced(comm_id, "x = [1]\ntext = open('input.txt').read()")
    assert first["execution_count"] == 1  # the silent install took no count
    assert sorted(first["added"]) == ["text", "x"]
    assert first["files_read"] == ["input.txt"]
    second = kernel.run_traced(comm_id, "x.append(2)\nopen('out.txt', 'w').write(text)")
    assert second["mutated"] == ["x"] and second["files_written"] == ["out.txt"]
    assert sorted(second["read"]) == ["text", "x"]
    third = kernel.run_traced(comm_id, "names = sorted(k for k in globals() if not k.startswith('_'))\nhist = len(In)")
    assert third["added"] == ["names", "hist"]
    # The install left no name and no history entry (In[0] is IPython's empty entry).
    check = kernel.run_traced(comm_id, "assert '_retrace_tracer' not in globals()\nassert len(In) == 5 and In[1].startswith('x = [1]'), In\ndel names")
    assert check["deleted"] == ["names"]


# -- a real kernel: the tracer's own footprint ---------------------------------------


def test_a_class_redefined_in_cells_can_be_collected(kernel):
    comm_id, _ = kernel.open_comm()
    kernel.run_traced(comm_id, "class K:\n    pass\nk = K()")
    kernel.run_traced(comm_id, "import weakref, gc\nold = weakref.ref(K)\nclass K:\n    pass\nk = K()")
    kernel.run_traced(comm_id, "k2 = K()")  # the tracer has now seen both classes
    kernel.run_traced(comm_id, "gc.collect()\nold_gone = old() is None")
    assert kernel.value("old_gone") == "True"
    # The table still knows the class that is alive.
    assert kernel.value("sys.modules['_retrace_tracer'].TRACER._handlers.holds(K)".replace("sys.", "__import__('sys').")) == "True"


def test_files_opened_by_other_threads_are_not_charged_to_the_cell(kernel, tmp_path):
    (tmp_path / "mine.txt").write_text("m")
    (tmp_path / "theirs.txt").write_text("t")
    comm_id, _ = kernel.open_comm()
    # A background thread keeps opening a file while cells run.
    kernel.run_traced(
        comm_id,
        "import threading, time\nstop = threading.Event()\n"
        "def spin():\n    while not stop.is_set():\n        open('theirs.txt').read()\n        time.sleep(0.001)\n"
        "worker = threading.Thread(target=spin, daemon=True)\nworker.start()",
    )
    report = kernel.run_traced(comm_id, "for _ in range(50):\n    data = open('mine.txt').read()\n    time.sleep(0.002)")
    kernel.run_traced(comm_id, "stop.set(); worker.join()")
    assert report["files_read"] == ["mine.txt"]


def test_the_audit_hook_is_inert_once_the_tracer_turns_itself_off(kernel, tmp_path):
    comm_id, _ = kernel.open_comm()
    mod = "__import__('sys').modules['_retrace_tracer']"
    kernel.execute(
        f"_m = {mod}\n_m.OPENS = []\n_t = _m.TRACER\n"
        "_t._on_open = lambda args, _l=_m.OPENS: _l.append(args[0])\n"
        "def _boom(*a, **k):\n    raise RuntimeError('scan exploded')\n_t._scan = _boom\ndel _m, _t, _boom",
        silent=True,
        store_history=False,
    )
    errors = []
    for i in range(3):
        reply, messages = kernel.execute(f"open('f{i}.txt', 'w').write('x')")
        errors += [d for d in RealKernel.comm_data(messages, comm_id) if d["type"] == "error"]
    assert [e["disabled"] for e in errors] == [False, False, True]
    assert kernel.value(f"{mod}.TRACER.disabled") == "True"
    kernel.execute("open('after.txt', 'w').write('x')")
    assert kernel.value(f"{mod}._AUDIT_SLOT") == "[None, None, None]"
    assert kernel.value(f"{mod}.OPENS") == "[]"  # the failing pre_run_cell never armed the hook


def test_a_ctrl_c_in_a_hook_reaches_the_user_and_is_not_a_tracer_failure(kernel):
    comm_id, _ = kernel.open_comm()
    mod = "__import__('sys').modules['_retrace_tracer']"
    # A Ctrl-C that lands while the tracer scans the namespace before the cell.
    kernel.execute(
        f"_t = {mod}.TRACER\n_orig = _t._scan\n"
        "def _once(*a, _t=_t, _orig=_orig):\n    _t._scan = _orig\n    raise KeyboardInterrupt\n"
        "_t._scan = _once\ndel _t, _orig, _once",
        silent=True,
        store_history=False,
    )
    reply, messages = kernel.execute("a = 1", ok=False)
    shown = [m for m in messages if m["msg_type"] == "error"]
    assert shown and shown[0]["content"]["ename"] == "KeyboardInterrupt"
    assert not [d for d in RealKernel.comm_data(messages, comm_id) if d["type"] == "error"]
    assert kernel.value(f"{mod}.TRACER.disabled") == "False"
    assert kernel.value(f"{mod}.TRACER._failures") == "0"
    # The tracer goes on reporting normally.
    assert kernel.run_traced(comm_id, "b = 2")["added"] == ["b"]


# -- a real kernel: the journal ----------------------------------------------------


def test_the_journal_keeps_every_execution_with_its_cell_id_status_and_timing(kernel):
    comm_id, hello = kernel.open_comm()
    assert hello["last"] is None
    kernel.execute("x = 1", cell_id="cell-a")
    kernel.execute("1 / 0", cell_id="cell-b", ok=False)
    kernel.execute("y = x + 1")  # a client that sends no cell id (a console)
    answer = kernel.ask(comm_id, {"type": "journal", "after": 0, "request": "r1"})
    assert answer["request"] == "r1" and answer["kernel"] == hello["kernel"] and answer["missed"] is None
    entries = answer["entries"]
    assert [(e["execution_count"], e["cell_id"], e["code"], e["status"]) for e in entries] == [
        (1, "cell-a", "x = 1", "ok"),
        (2, "cell-b", "1 / 0", "error"),
        (3, None, "y = x + 1", "ok"),
    ]
    assert entries[1]["ename"] == "ZeroDivisionError" and "division" in entries[1]["evalue"]
    assert entries[0]["added"] == ["x"] and entries[2]["read"] == ["x"]
    assert all(e["kernel"] == hello["kernel"] and e["start"] <= e["end"] for e in entries)
    assert all(e["client"] == kernel.kc.session.session for e in entries)
    # Silent executions (the page's own) are not runs.
    kernel.execute("z = 3", silent=True, store_history=False)
    assert kernel.ask(comm_id, {"type": "journal", "after": 3})["entries"] == []


def test_a_page_that_missed_runs_catches_up_and_the_journal_stays_bounded(kernel):
    mod = "__import__('sys').modules['_retrace_tracer']"
    kernel.execute(f"{mod}.JOURNAL_SIZE = 10", silent=True, store_history=False)
    first_comm, hello = kernel.open_comm()
    for i in range(4):
        kernel.execute(f"a{i} = {i}", cell_id=f"c{i}")
    # The page goes away (a reload): runs 5..14 happen with nobody listening.
    kernel.kc.shell_channel.send(kernel.kc.session.msg("comm_close", {"comm_id": first_comm, "data": {}}))
    for i in range(4, 14):
        kernel.execute(f"a{i} = {i}", cell_id=f"c{i}")
    second_comm, hello2 = kernel.open_comm()
    assert hello2["kernel"] == hello["kernel"] and hello2["last"] == 14
    # It had seen up to 4: runs 5..14 are all still there.
    answer = kernel.ask(second_comm, {"type": "journal", "after": 4})
    assert [e["execution_count"] for e in answer["entries"]] == list(range(5, 15))
    assert [e["cell_id"] for e in answer["entries"]] == [f"c{i}" for i in range(4, 14)]
    assert answer["missed"] is None
    assert kernel.value(f"len({mod}._JOURNAL)") == "10"
    # A page that last saw run 2 lost 3 and 4 for good, and is told so.
    old = kernel.ask(second_comm, {"type": "journal", "after": 2})
    assert old["missed"] == [3, 4] and old["entries"][0]["execution_count"] == 5
    # Paged answers.
    page = kernel.ask(second_comm, {"type": "journal", "after": 4, "limit": 3})
    assert [e["execution_count"] for e in page["entries"]] == [5, 6, 7] and page["more"] is True
