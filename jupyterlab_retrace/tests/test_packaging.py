"""`pip install jupyterlab-retrace` is all a user needs.

Takes the wheel built the way a release is built (the `wheel` fixture of
conftest.py: production frontend build, then `python -m build --wheel`, from a
copy of the project), installs it with JupyterLab into a brand-new virtual
environment, and asks Jupyter itself whether both halves of the extension are
enabled.
"""
import os
import subprocess
import venv
import zipfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PINNED_LAB = next(
    line.strip()
    for line in (PROJECT / "requirements-dev.txt").read_text().splitlines()
    if line.startswith("jupyterlab==")
)


def run(cmd, cwd=None, env=None):
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_wheel_carries_the_prebuilt_extension_and_server_config(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    lab = f"{data}/data/share/jupyter/labextensions/jupyterlab-retrace"
    assert f"{lab}/package.json" in names
    assert f"{lab}/install.json" in names
    assert any(n.startswith(f"{lab}/static/remoteEntry.") for n in names)
    assert f"{lab}/schemas/jupyterlab-retrace/plugin.json" in names
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/jupyterlab_retrace.json" in names
    # A release build: no source maps of a development build.
    assert not any(n.endswith(".js.map") for n in names if "/static/" in n)


def test_pip_install_of_the_wheel_enables_both_halves(wheel, tmp_path):
    env_dir = tmp_path / "user-env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", PINNED_LAB, str(wheel)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"

    labextensions = run([str(bin_dir / "jupyter"), "labextension", "list"], env=env)
    line = next((l for l in labextensions.splitlines() if "jupyterlab-retrace" in l), "")
    assert "enabled" in line and "OK" in line, labextensions
    assert str(env_dir) in labextensions  # installed in the user's environment, not ours

    server = run([str(bin_dir / "jupyter"), "server", "extension", "list"], env=env)
    lines = server.splitlines()
    idx = next(i for i, l in enumerate(lines) if "jupyterlab_retrace" in l and "enabled" in l)
    assert "OK" in " ".join(lines[idx : idx + 3]), server
