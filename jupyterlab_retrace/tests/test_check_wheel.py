"""`jupyter retrace check` from the built wheel alone, as a Python-only CI job runs it.

A brand-new virtual environment gets only the wheel (and what pip resolves for
it); the kernel is an installed kernelspec from another environment, as CI
jobs often have. The deleted-defining-cell case needs a history: it is
written by the engine the page uses (src/history, built for Node) before the
check runs, and read by the check with git alone.
"""
import json
import os
import subprocess
import sys
import venv
from xml.etree import ElementTree

import pytest

from .test_check import code, node_build, notebook, save, stream, with_a_deleted_defining_cell  # noqa: F401


@pytest.fixture(scope="module")
def wheel_env(wheel, tmp_path_factory):
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

    bad = with_a_deleted_defining_cell(node_build, tmp_path, "3f2a9c1e-0000-4000-8000-0000000f4e5b")
    out = jupyter(env_dir, env, "check", bad, "--junit-xml", tmp_path / "r.xml")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "base was defined by a deleted cell (id defines-base)" in out.stdout
    assert "| base = 40" in out.stdout
    suite = ElementTree.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite.get("errors") == "1"
