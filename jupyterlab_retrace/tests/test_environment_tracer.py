"""The kernel session's environment, recorded by the tracer (src/kernel/tracer.py, last section).

A real ipykernel started with jupyter_client, the tracer installed exactly as
the frontend does, the environment read from the tracer comm the page opens.
Distributions are real (pandas, numpy, ipython of this virtual environment)
and made on the spot: a `.dist-info` folder beside a package in a folder put
on sys.path, as pip would leave it.
"""
import importlib.metadata
from pathlib import Path


def make_distribution(site: Path, dist: str, version: str, module: str, top_level_txt=True):
    """A package `module` installed as distribution `dist` into the folder `site`."""
    (site / module).mkdir(parents=True, exist_ok=True)
    (site / module / "__init__.py").write_text(f"__version__ = {version!r}\n")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n\nA fake distribution.\n")
    if top_level_txt:
        (info / "top_level.txt").write_text(module + "\n")
    # RECORD as pip writes it: what the owner of a module is found from when there is no top_level.txt.
    (info / "RECORD").write_text(f"{module}/__init__.py,,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")


def test_records_python_and_the_distributions_imports_came_from(kernel, tmp_path):
    site = tmp_path / "site"
    make_distribution(site, "retrace-fake", "1.0.0", "retracefake")
    make_distribution(site, "Fake-Owner-Dist", "0.3", "fakeowner", top_level_txt=False)
    comm_id, first = kernel.open_environment()
    assert first["python"] == kernel.value("__import__('platform').python_version()").strip("'")
    assert first["implementation"] == "CPython" and first["kernel"]
    # The kernel's own modules (ipykernel, tornado, zmq, traitlets) are not the notebook's imports.
    assert first["distributions"] == {}

    assert kernel.run_environment(comm_id, f"import sys\nsys.path.insert(0, {str(site)!r})") == []
    [update] = kernel.run_environment(comm_id, "import retracefake")
    assert update["distributions"] == {"retrace-fake": {"version": "1.0.0", "modules": ["retracefake"]}}
    # A module whose name is not its distribution's: found from the RECORD; the standard library is left out.
    [update] = kernel.run_environment(comm_id, "import json\nimport fakeowner")
    assert update["distributions"]["Fake-Owner-Dist"] == {"version": "0.3", "modules": ["fakeowner"]}
    assert set(update["distributions"]) == {"retrace-fake", "Fake-Owner-Dist"}
    # A run that imports nothing new says nothing.
    assert kernel.run_environment(comm_id, "x = 1\nimport retracefake") == []


def test_real_packages_and_what_they_pull_in_match_importlib_metadata(kernel):
    comm_id, _ = kernel.open_environment()
    [update] = kernel.run_environment(comm_id, "import pandas as pd")
    dists = update["distributions"]
    assert dists["pandas"]["version"] == importlib.metadata.version("pandas")
    # numpy came with pandas: its version is part of what the notebook ran on.
    assert dists["numpy"]["version"] == importlib.metadata.version("numpy")
    # Every recorded module agrees with importlib.metadata's own (slow) mapping.
    owners = importlib.metadata.packages_distributions()
    for name, d in dists.items():
        for module in d["modules"]:
            assert name in owners.get(module, []), (module, name, owners.get(module))
            assert d["version"] == importlib.metadata.version(name)
    assert not {"ipykernel", "tornado", "pyzmq", "traitlets"} & set(dists)
    # A module the kernel had loaded already counts once a cell imports it.
    [update] = kernel.run_environment(comm_id, "from IPython.display import display")
    assert update["distributions"]["ipython"]["version"] == importlib.metadata.version("ipython")


def test_a_page_that_opens_later_gets_the_whole_environment_and_a_restart_starts_afresh(kernel, tmp_path):
    site = tmp_path / "site"
    make_distribution(site, "retrace-fake", "2.0.0", "retracefake")
    kernel.execute(f"import sys\nsys.path.insert(0, {str(site)!r})\nimport retracefake")
    _, env = kernel.open_environment()
    assert env["distributions"] == {"retrace-fake": {"version": "2.0.0", "modules": ["retracefake"]}}
    before = env["kernel"]
    kernel.km.restart_kernel(now=True)
    kernel.kc.wait_for_ready(timeout=60)
    kernel.install()
    _, env = kernel.open_environment()
    assert env["kernel"] != before and env["distributions"] == {}

