"""The recorded environment in `jupyter retrace gather --requirements` and `check`.

Histories are written by the page's own engine (src/history, built for Node)
with an `environment.json` as the page stores it (src/kernel/environment.ts);
the commands read it back with git alone and compare it with the versions of
this virtual environment's kernel.
"""
import importlib.metadata
import json
import platform
from xml.etree import ElementTree


from jupyterlab_retrace import check, environment

from .test_check import canonical_order, code, node_build, notebook, ran, result, run_cli, save, snapshot, stream, write_history  # noqa: F401

PANDAS = importlib.metadata.version("pandas")
NUMPY = importlib.metadata.version("numpy")
NBFORMAT = importlib.metadata.version("nbformat")


def env_doc(python, dists, current="k2", older=None):
    """environment.json as the page writes it: kernel sessions, and the current one."""
    sessions = {"k1": {"python": "3.9.0", "implementation": "CPython", "distributions": older or {}, "updated": "2026-01-01T00:00:00.000Z"}}
    sessions["k2"] = {"python": python, "implementation": "CPython", "distributions": dists, "updated": "2026-01-02T00:00:00.000Z"}
    return json.dumps({"format": 1, "current": current, "sessions": sessions})


def history_with(tmp_path, node_build, nb_id, nb, env, order=None):  # noqa: F811
    write_history(node_build, tmp_path, nb_id, snapshot(nb, [ran("a", "x = 1", 1)], order, environment=env))


def test_the_environment_of_the_current_kernel_session_is_read_back_with_git(tmp_path, node_build):  # noqa: F811
    nb_id = "3f2a9c1e-0000-4000-8000-00000000e001"
    nb = notebook([code("x = 1", cell_id="a")], nb_id)
    history_with(tmp_path, node_build, nb_id, nb, env_doc("3.11.2", {"pandas": {"version": "2.2.3", "modules": ["pandas"]}},
                                                         older={"pandas": {"version": "1.5.0", "modules": ["pandas"]}}))
    env = environment.read_recorded_environment(tmp_path / ".retrace" / f"{nb_id}.git")
    assert env.python == "3.11.2" and env.kernel_session == "k2"
    assert env.version_for_module("pandas") == ("pandas", "2.2.3")
    assert env.version_for_module("numpy") is None
    # Without `current`, the most recently updated kernel session.
    doc = json.loads(env_doc("3.12.1", {}, current=None))
    assert environment.parse_environment(json.dumps(doc)).python == "3.12.1"
    assert environment.parse_environment("{not json") is None


def test_gather_pins_the_requirements_to_the_recorded_versions(tmp_path, node_build):  # noqa: F811
    nb_id = "3f2a9c1e-0000-4000-8000-00000000e002"
    nb = notebook([code("x = 1", cell_id="a")], nb_id)
    order = canonical_order([("a", "cell 1", "import pandas as pd\nimport numpy\nimport nbformat, json\nx = 1")])
    # pandas and numpy recorded at other versions than installed here; nbformat not recorded.
    env = env_doc("3.11.2", {"pandas": {"version": "2.2.3", "modules": ["pandas"]}, "numpy": {"version": "1.26.4", "modules": ["numpy"]}})
    history_with(tmp_path, node_build, nb_id, nb, env, order)
    path = save(nb, tmp_path / "g.ipynb")
    out = run_cli("gather", path, "-o", tmp_path / "out.ipynb", "--requirements", tmp_path / "requirements.txt")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "at the versions the history recorded" in out.stdout
    lines = (tmp_path / "requirements.txt").read_text().splitlines()
    assert lines[0] == "# imported by the canonical order of g.ipynb; recorded with Python 3.11.2"
    assert lines[1:] == sorted(["numpy==1.26.4", "pandas==2.2.3", f"nbformat=={NBFORMAT}"], key=str.lower)


def test_check_names_the_version_differences_when_a_notebook_does_not_reproduce(tmp_path, node_build):  # noqa: F811
    nb_id = "3f2a9c1e-0000-4000-8000-00000000e003"
    # The saved output came from the recorded pandas; this kernel has another.
    nb = notebook([
        code("import pandas as pd\nprint(pd.__version__)", [stream("2.2.3\n")], 1, cell_id="a"),
        code("import retrace_gone", [], 2, cell_id="b"),
    ], nb_id)
    recorded_python = "3.11.2" if platform.python_version() != "3.11.2" else "3.10.0"
    env = env_doc(recorded_python, {
        "pandas": {"version": "2.2.3", "modules": ["pandas"]},
        "numpy": {"version": NUMPY, "modules": ["numpy"]},  # the same here: not a difference
        "retrace-gone": {"version": "0.1", "modules": ["retrace_gone"]},
    })
    history_with(tmp_path, node_build, nb_id, nb, env)
    path = save(nb, tmp_path / "v.ipynb")
    out = run_cli("check", path, "--json", tmp_path / "r.json", "--junit-xml", tmp_path / "r.xml")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "the environment differs from the one the history recorded:" in out.stdout
    assert f"pandas 2.2.3 recorded, {PANDAS} in the checking kernel" in out.stdout
    assert "retrace-gone 0.1 recorded, not installed in the checking kernel" in out.stdout
    assert f"Python {recorded_python} recorded, {platform.python_version()} in the checking kernel" in out.stdout
    assert "numpy" not in out.stdout
    # A module that is not installed: the distribution and version to install, from the history.
    assert "why: the history recorded it from retrace-gone 0.1: pip install retrace-gone==0.1" in out.stdout
    report = json.loads((tmp_path / "r.json").read_text())["notebooks"][0]
    assert [(d["name"], d["recorded"], d["found"]) for d in report["environment"]] == [
        ("Python", recorded_python, platform.python_version()),
        ("pandas", "2.2.3", PANDAS),
        ("retrace-gone", "0.1", None),
    ]
    suite = ElementTree.parse(tmp_path / "r.xml").getroot().find("testsuite")
    props = [p.get("value") for p in suite.find("properties") if p.get("name") == "environment-difference"]
    assert props == [d["text"] for d in report["environment"]]


def test_a_notebook_that_reproduces_reports_no_environment(tmp_path, node_build):  # noqa: F811
    nb_id = "3f2a9c1e-0000-4000-8000-00000000e004"
    nb = notebook([code("import pandas as pd\npd.__name__", [result("'pandas'", 1)], 1, cell_id="a")], nb_id)
    history_with(tmp_path, node_build, nb_id, nb, env_doc("3.0.0", {"pandas": {"version": "0.1", "modules": ["pandas"]}}))
    res = check.run_notebook(save(nb, tmp_path / "ok.ipynb"))
    assert res.reproduces and res.environment == []
