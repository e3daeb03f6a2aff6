"""`jupyter retrace check` on real kernels, real notebooks and real histories.

Histories are written by the same engine the page uses (src/history, built for
Node by `npm run build:node`) into `.retrace/<id>.git` next to the notebook,
and read back by the check with the git command line only.
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest

from jupyterlab_retrace import check
from jupyterlab_retrace.cli import main as cli_main

PROJECT = Path(__file__).resolve().parents[2]
NODE_BUILD = PROJECT / "build" / "node"


@pytest.fixture(scope="session")
def node_build():
    if not (NODE_BUILD / "history" / "store.js").is_file() or (NODE_BUILD / "history" / "store.js").stat().st_mtime < (
        PROJECT / "src" / "history" / "store.ts"
    ).stat().st_mtime:
        subprocess.run(["npm", "run", "--silent", "build:node"], cwd=PROJECT, check=True, capture_output=True, timeout=600)
    return NODE_BUILD


def code(source, outputs=(), count=None, cell_id=None):
    c = nbformat.v4.new_code_cell(source, outputs=list(outputs), execution_count=count)
    if cell_id:
        c.id = cell_id
    return c


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def result(text, count):
    return nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=count)


def notebook(cells, nb_id=None):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if nb_id:
        nb.metadata["retrace"] = {"id": nb_id}
    return nb


def save(nb, path: Path) -> Path:
    nbformat.write(nb, str(path))
    return path


def ran(cell_id, source, count, **more):
    """A run of a cell as the page records it."""
    return {"cellId": cell_id, "code": source, "executionCount": count, "status": "ok", **more}


def snapshot(nb, runs, order=None, environment=None):
    """One commit of a history: the notebook, its runs and, when given, the canonical order
    and the environment document (environment.json as the page writes it) attached."""
    commit = {"notebook": json.loads(nbformat.writes(nb)), "runs": runs}
    attachments = {}
    if environment is not None:
        attachments["environment.json"] = environment
    if order is not None:
        attachments["canonical-order.json"] = json.dumps(order)
    if attachments:
        commit["attachments"] = attachments
    return commit


def canonical_order(steps, diagnostics=(), **more):
    """A canonical order as the page attaches it; steps are (cell id, label, code[, current])."""
    return {
        "format": 1,
        "verdict": "in-order",
        "replayable": True,
        **more,
        "steps": [{"cellId": i, "label": label, "code": c, "current": rest[0] if rest else True} for i, label, c, *rest in steps],
        "diagnostics": list(diagnostics),
    }


def out_of_order(nb_id):
    """Cell 1 reads x, which cell 2 defines: runs only in the order 2, 1."""
    return notebook([code("y = x * 2\ny", [result("42", 2)], 2, cell_id="use"), code("x = 21", [], 1, cell_id="def")], nb_id)


def write_history(node_build, folder: Path, nb_id, *commits):
    """The history of notebook nb_id in folder/.retrace, written by the page's own engine."""
    spec = {"root": str(node_build), "gitdir": str(folder / ".retrace" / f"{nb_id}.git"), "commits": list(commits)}
    subprocess.run(
        ["node", str(Path(__file__).with_name("make_history.js"))],
        input=json.dumps(spec).encode(),
        check=True,
        capture_output=True,
        timeout=120,
    )


def run_cli(*args, cwd=None):
    """The command as CI runs it: a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "jupyterlab_retrace.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_a_notebook_that_reproduces_exits_0_and_normalises_what_always_differs(tmp_path):
    nb = notebook(
        [
            code("x = 21\nprint('x is', x)", [stream("x is 21\n")], 1),
            code("x * 2", [result("42", 2)], 2),
            # An address and a timing differ on every run.
            code("class Thing: pass\nThing()", [result("<__main__.Thing at 0x7f3a2b4c5d60>", 3)], 3),
            code("%%time\ny = sum(range(10))\nprint(y)", [stream("45\nCPU times: user 3 µs, sys: 1 µs, total: 4 µs\nWall time: 5.25 µs\n")], 4),
        ]
    )
    path = save(nb, tmp_path / "good.ipynb")
    out = run_cli("check", path, "--junit-xml", tmp_path / "r.xml", "--json", tmp_path / "r.json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "reproduces" in out.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["reproduces"] is True
    assert [c["status"] for c in report["notebooks"][0]["cells"]] == ["ok"] * 4
    assert report["notebooks"][0]["kernel"] == "python3"
    suite = ElementTree.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "0", "0")


def with_a_deleted_defining_cell(node_build, folder, nb_id):
    """deleted.ipynb in folder, whose cell reads `base` from a cell deleted since it ran
    (the history, in folder/.retrace, has both runs); its path."""
    using = code("answer = base + 2\nanswer", [result("42", 2)], 2, cell_id="uses-base")
    before = notebook([code("base = 40", [], 1, cell_id="defines-base"), using], nb_id)
    after = notebook([using], nb_id)
    runs = [
        ran("defines-base", "base = 40", 1, kernelSession="k1"),
        ran("uses-base", "answer = base + 2\nanswer", 2, kernelSession="k1"),
    ]
    write_history(node_build, folder, nb_id, snapshot(before, runs), snapshot(after, [{**runs[1], "executionCount": 3}]))
    return save(after, folder / "deleted.ipynb")


def test_a_deleted_defining_cell_fails_and_the_report_shows_its_code(tmp_path, node_build):
    path = with_a_deleted_defining_cell(node_build, tmp_path, "3f2a9c1e-0000-4000-8000-00000000d31e")
    out = run_cli("check", path, "--junit-xml", tmp_path / "r.xml")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "NameError: name 'base' is not defined" in out.stdout
    assert "base was defined by a deleted cell (id defines-base)" in out.stdout
    assert "| base = 40" in out.stdout
    case = ElementTree.parse(tmp_path / "r.xml").getroot().find("testsuite/testcase")
    error = case.find("error")
    assert error is not None and error.get("type") == "error"
    assert "base = 40" in error.text


def test_an_edited_cell_is_named_and_its_earlier_version_shown(tmp_path, node_build):
    nb_id = "3f2a9c1e-0000-4000-8000-0000000ed17e"
    first = notebook([code("rate = 0.5", [], 1, cell_id="a"), code("cost = rate * 10\ncost", [result("5.0", 2)], 2, cell_id="b")], nb_id)
    now = notebook([code("ratio = 0.5", [], 1, cell_id="a"), code("cost = rate * 10\ncost", [result("5.0", 2)], 2, cell_id="b")], nb_id)
    write_history(
        node_build,
        tmp_path,
        nb_id,
        snapshot(first, [ran("a", "rate = 0.5", 1), ran("b", "cost = rate * 10\ncost", 2)]),
        snapshot(now, [ran("a", "ratio = 0.5", 3)]),
    )
    out = run_cli("check", save(now, tmp_path / "edited.ipynb"))
    assert out.returncode == 1
    assert "rate was defined by an earlier version of cell 1, edited since" in out.stdout
    assert "| rate = 0.5" in out.stdout


def test_an_output_that_differs_fails_with_what_differs(tmp_path):
    nb = notebook([code("print(1 + 1)", [stream("3\n")], 1), code("'fine'", [result("'fine'", 2)], 2)])
    res = check.run_notebook(save(nb, tmp_path / "diff.ipynb"))
    assert not res.reproduces
    assert [c.status for c in res.cells] == ["different", "ok"]
    assert res.cells[0].detail == 'stdout "3" → stdout "2"'
    xml = check.junit_xml([res])
    suite = ElementTree.fromstring(xml).find("testsuite")
    assert suite.get("failures") == "1"
    assert suite.find("testcase/failure").get("message") == 'stdout "3" → stdout "2"'


def test_cells_run_out_of_order_are_explained_without_history(tmp_path):
    nb = notebook([code("y = x + 1\nprint(y)", [stream("2\n")], 2), code("x = 1", [], 1)])
    out = run_cli("check", save(nb, tmp_path / "order.ipynb"))
    assert out.returncode == 1
    assert "x is defined by cell 2, below cell 1: move cell 2 above it" in out.stdout
    assert "no Retrace history found" in out.stdout


def test_a_cell_over_the_time_limit_times_out_and_the_rest_is_not_run(tmp_path):
    nb = notebook([code("import time\ntime.sleep(60)"), code("z = 1")])
    out = run_cli("check", save(nb, tmp_path / "slow.ipynb"), "--timeout", "3", "--junit-xml", tmp_path / "r.xml", "--json", tmp_path / "r.json")
    assert out.returncode == 1
    assert "timed out" in out.stdout
    cells = json.loads((tmp_path / "r.json").read_text())["notebooks"][0]["cells"]
    assert [c["status"] for c in cells] == ["timeout", "not-run"]
    suite = ElementTree.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert (suite.get("errors"), suite.get("skipped")) == ("1", "1")
    assert suite.find("testcase/error").get("type") == "timeout"


def test_canonical_order_from_the_history_reproduces_where_top_to_bottom_fails(tmp_path, node_build):
    nb_id = "3f2a9c1e-0000-4000-8000-0000000c0de5"
    nb = out_of_order(nb_id)
    order = canonical_order(
        [("def", "cell 2", "x = 21"), ("use", "cell 1", "y = x * 2\ny")],
        [{"kind": "depends-on-later-cell", "severity": "error", "cellIds": ["use", "def"], "names": ["x"], "runIndices": [0, 1]}],
    )
    write_history(node_build, tmp_path, nb_id, snapshot(nb, [ran("def", "x = 21", 1), ran("use", "y = x * 2\ny", 2)], order))
    path = save(nb, tmp_path / "canon.ipynb")
    top = run_cli("check", path)
    assert top.returncode == 1
    assert "the canonical order from the history may reproduce: cell 2 → cell 1" in top.stdout
    canon = run_cli("check", path, "--order", "canonical")
    assert canon.returncode == 0, canon.stdout + canon.stderr


def test_bad_input_is_a_clear_message_and_exit_2(tmp_path):
    (tmp_path / "broken.ipynb").write_text("{not json")
    out = run_cli("check", tmp_path / "broken.ipynb", tmp_path / "missing.ipynb")
    assert out.returncode == 2
    assert "broken.ipynb: cannot check: " in out.stderr
    assert "missing.ipynb: cannot check: " in out.stderr and "no such notebook" in out.stderr
    nb = notebook([code("1")])
    out = run_cli("check", save(nb, tmp_path / "k.ipynb"), "--kernel", "no-such-kernel")
    assert out.returncode == 2 and "'no-such-kernel' is not installed" in out.stderr
    out = run_cli("check", save(nb, tmp_path / "k.ipynb"), "--order", "canonical")
    assert out.returncode == 2 and "--order canonical needs the canonical order" in out.stderr


def test_kernel_chosen_as_jupyterlab_would():
    assert check.choose_kernel({"metadata": {"kernelspec": {"name": "python3"}}})[0] == "python3"
    name, why = check.choose_kernel({"metadata": {"kernelspec": {"name": "conda-env-old-py", "language": "python"}}})
    assert name == "python3" and "'conda-env-old-py' is not installed" in why


def test_svg_ids_and_progress_bars_are_normalised():
    a = '<svg><g id="patch_1a2b"><use xlink:href="#patch_1a2b"/></g><dc:date>2026-01-01</dc:date></svg>'
    b = '<svg><g id="patch_9f8e"><use xlink:href="#patch_9f8e"/></g><dc:date>2026-02-02</dc:date></svg>'
    out = lambda svg: [nbformat.v4.new_output("display_data", data={"image/svg+xml": svg})]  # noqa: E731
    assert check.compare_outputs(out(a), out(b)) is None
    assert check.compare_outputs(out(a), out(b.replace("<use", "<path"))) is not None
    bar1 = "100%|██████████| 10/10 [00:01<00:00,  9.12it/s]\ndone\n"
    bar2 = "100%|██████████| 10/10 [00:02<00:00,  4.80it/s]\ndone\n"
    assert check.compare_outputs([stream(bar1)], [stream(bar2)]) is None


def test_sanitizers_set_per_notebook(tmp_path):
    nb = notebook([code("import datetime\nprint('run at', datetime.date.today())", [stream("run at 1999-01-01\n")], 1)])
    nb.metadata["retrace"] = {"check": {"sanitize": [{"regex": r"\d{4}-\d{2}-\d{2}", "replace": "DATE"}]}}
    assert check.run_notebook(save(nb, tmp_path / "s.ipynb")).reproduces


def test_cli_dispatcher_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as e:
        cli_main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "check" in out and "gather" in out


def test_gather_writes_the_canonical_order_and_its_requirements(tmp_path, node_build):
    nb_id = "3f2a9c1e-0000-4000-8000-00000000a7e5"
    nb = out_of_order(nb_id)
    order = canonical_order(
        [
            ("gone", "deleted cell", "import json\nimport nbformat\nbase = 1", False),
            ("def", "cell 2", "x = 21"),
            ("use", "cell 1", "y = x * 2\ny"),
        ],
        runs=3,
    )
    write_history(node_build, tmp_path, nb_id, snapshot(nb, [ran("def", "x = 21", 1)], order))
    path = save(nb, tmp_path / "g.ipynb")
    out = run_cli("gather", path, "-o", tmp_path / "out.ipynb", "--requirements", tmp_path / "requirements.txt")
    assert out.returncode == 0, out.stdout + out.stderr
    got = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert got.cells[0].cell_type == "markdown" and "Gathered from `g.ipynb`" in got.cells[0].source
    assert "code of a deleted cell" in got.cells[0].source
    assert [c.source for c in got.cells[1:]] == [s["code"] for s in order["steps"]]
    assert (tmp_path / "requirements.txt").read_text() == f"nbformat=={nbformat.__version__}\n"
    # It runs in a fresh kernel to the saved value.
    res = check.run_notebook(tmp_path / "out.ipynb")
    assert [c.status for c in res.cells] == ["ok", "ok", "different"]
    assert res.cells[2].detail == 'extra output: "42"'
    # Refuses to overwrite the notebook itself.
    assert run_cli("gather", path, "-o", path).returncode == 2
