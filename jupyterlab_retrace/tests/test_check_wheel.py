"""`jupyter retrace check` from the built wheel alone, as a Python-only CI job runs it.

A brand-new virtual environment gets only the wheel (and what pip resolves for
it); the kernel is an installed kernelspec from another environment, as CI
jobs often have. The deleted-defining-cell case needs a history: it is
written by the engine the page uses (src/history, built for Node) before the
check runs, and read by the check with git alone.
"""
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest

from .test_check import code, notebook, result, save, stream, write_history, node_build  # noqa: F401

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    # Built as a release is, from a copy of the tracked files (as test_packaging does).
    src = tmp_path_factory.mktemp("src")
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    for name in filter(None, files):
        if (PROJECT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, src / name)
    (src / "node_modules").symlink_to(PROJECT / "node_modules")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    dist = tmp_path_factory.mktemp("dist")
    for cmd in (["npm", "run", "build:prod"], [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)]):
        r = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, f"{cmd} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    wheel = next(dist.glob("jupyterlab_retrace-*.whl"))
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True, timeout=900)
    # The kernel lives in another environment (this one's Python with ipykernel).
    kernels = tmp_path_factory.mktemp("jupyter") / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python",
    }))
    env = {
        "PATH": f"{env_dir / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(env_dir),
        "JUPYTER_PATH": str(kernels.parent.parent),
    }
    assert subprocess.run([str(py), "-c", "import ipykernel"], capture_output=True, env=env).returncode != 0, "the fresh venv must not have ipykernel"
    return env_dir, env


def jupyter(env_dir, env, *args):
    return subprocess.run([str(env_dir / "bin" / "jupyter"), "retrace", *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


def test_the_wheel_installs_jupyter_retrace_check(wheel_env, tmp_path, node_build):  # noqa: F811
    env_dir, env = wheel_env
    good = save(notebook([code("x = 21\nprint(x * 2)", [stream("42\n")], 1)]), tmp_path / "good.ipynb")
    out = jupyter(env_dir, env, "check", good)
    assert out.returncode == 0, out.stdout + out.stderr

    nb_id = "3f2a9c1e-0000-4000-8000-0000000f4e5b"
    using = code("answer = base + 2\nanswer", [result("42", 2)], 2, cell_id="uses-base")
    before = notebook([code("base = 40", [], 1, cell_id="defines-base"), using], nb_id)
    after = notebook([using], nb_id)
    write_history(node_build, tmp_path / ".retrace" / f"{nb_id}.git", [
        {"notebook": json.loads(nbformat.writes(before)), "runs": [
            {"cellId": "defines-base", "code": "base = 40", "executionCount": 1, "status": "ok"},
            {"cellId": "uses-base", "code": "answer = base + 2\nanswer", "executionCount": 2, "status": "ok"}]},
        {"notebook": json.loads(nbformat.writes(after)), "runs": [
            {"cellId": "uses-base", "code": "answer = base + 2\nanswer", "executionCount": 3, "status": "ok"}]},
    ])
    bad = save(after, tmp_path / "deleted.ipynb")
    out = jupyter(env_dir, env, "check", bad, "--junit-xml", tmp_path / "r.xml")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "base was defined by a deleted cell (id defines-base)" in out.stdout
    assert "| base = 40" in out.stdout
    suite = ElementTree.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite.get("errors") == "1"
