"""Fixtures shared by the server-side tests: a real Jupyter server with Retrace
enabled, a real IPython kernel with the tracer, and the release wheel."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def jp_server_config(jp_server_config):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyterlab_retrace": True},
            # Refuse anonymous access so the auth tests mean something.
            "allow_unauthenticated_access": False,
        },
        # A background `git gc` would make on-disk layouts timing-dependent in tests.
        "Retrace": {"git_gc": False},
    }


@pytest.fixture
def retrace_config(jp_serverapp):
    """The live ``Retrace`` settings of the test server (tests may lower its limits)."""
    return jp_serverapp.web_app.settings["retrace_config"]


@pytest.fixture
def kernel(tmp_path):
    """A real IPython kernel in tmp_path with the Retrace tracer installed (tracer_kernel.RealKernel)."""
    from .tracer_kernel import start_kernel

    k = start_kernel(tmp_path)
    try:
        yield k
    finally:
        k.close()


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """The wheel built as a release is (production frontend build, then
    `python -m build --wheel`) from a copy of the project's files; built once
    for every test that installs it."""
    if not (PROJECT / "node_modules").is_dir():
        pytest.fail("node_modules is missing: run `npm test` (or scripts/setup.sh) first")
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
    wheels = list(dist.glob("jupyterlab_retrace-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]
