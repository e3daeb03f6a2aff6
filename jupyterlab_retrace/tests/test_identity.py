"""Notebook identity before the first save (jupyterlab_retrace/identity.py) on a real Jupyter server."""
import json
import os
import subprocess
import time

import pytest

from jupyterlab_retrace.identity import MAP_FILE, IdentityMap


async def claim(jp_fetch, payload):
    return await jp_fetch("retrace", "api", "identity", method="POST", body=json.dumps(payload), raise_error=False)


def answer(response):
    return json.loads(response.body)


def history(retrace_config):
    return os.path.realpath(str(retrace_config.history_path))


async def test_the_first_claim_for_a_path_wins_and_later_ones_get_it(jp_fetch, retrace_config):
    first = await claim(jp_fetch, {"path": "work/fresh.ipynb", "id": "id-from-tab-1"})
    assert first.code == 200 and answer(first) == {"id": "id-from-tab-1", "how": "new"}
    # A second tab, or the same tab after a reload, proposes another id: it gets the first.
    second = await claim(jp_fetch, {"path": "work/fresh.ipynb", "id": "id-from-tab-2"})
    assert answer(second) == {"id": "id-from-tab-1", "how": "known"}
    got = await jp_fetch("retrace", "api", "identity", params={"path": "work/fresh.ipynb"})
    assert answer(got) == {"id": "id-from-tab-1"}
    with open(os.path.join(history(retrace_config), MAP_FILE)) as f:
        assert json.load(f)["paths"] == {"work/fresh.ipynb": "id-from-tab-1"}


async def test_the_map_survives_a_server_restart(jp_fetch, retrace_config):
    await claim(jp_fetch, {"path": "a.ipynb", "id": "abc"})
    # A new server process reads the same file.
    restarted = IdentityMap(str(retrace_config.history_path))
    assert restarted.get("a.ipynb") == "abc"
    assert restarted.claim("a.ipynb", "other") == ("abc", "known")


async def test_a_rename_before_the_first_save_moves_the_entry(jp_fetch):
    await claim(jp_fetch, {"path": "old.ipynb", "id": "moving"})
    moved = await claim(jp_fetch, {"from": "old.ipynb", "path": "sub/new.ipynb"})
    assert answer(moved) == {"id": "moving"}
    assert answer(await jp_fetch("retrace", "api", "identity", params={"path": "sub/new.ipynb"})) == {"id": "moving"}
    assert answer(await jp_fetch("retrace", "api", "identity", params={"path": "old.ipynb"})) == {"id": None}


@pytest.mark.parametrize(
    "path",
    ["../outside.ipynb", "/etc/passwd", "a/../../b.ipynb", "a//b.ipynb", "./a.ipynb", "a\\..\\b.ipynb", "C:/x.ipynb", "", "a\0b"],
)
async def test_paths_that_are_not_plain_relative_paths_are_refused(jp_fetch, retrace_config, path):
    response = await claim(jp_fetch, {"path": path, "id": "x1"})
    assert response.code == 400
    moved = await claim(jp_fetch, {"from": "ok.ipynb", "path": path})
    assert moved.code == 400
    got = await jp_fetch("retrace", "api", "identity", params={"path": path}, raise_error=False)
    # (Tornado strips control characters from query arguments: "a\0b" arrives as "ab", a plain path.)
    assert got.code == 400 or (path == "a\0b" and answer(got) == {"id": None})
    # Nothing was written anywhere.
    assert not os.path.exists(os.path.join(history(retrace_config), MAP_FILE))


@pytest.mark.parametrize("bad_id", ["../x", "", "a" * 65, "-leading", "a/b", None, 5])
async def test_bad_ids_are_refused(jp_fetch, bad_id):
    response = await claim(jp_fetch, {"path": "n.ipynb", "id": bad_id})
    assert response.code == 400


async def test_the_endpoint_requires_authentication(http_server_client, jp_base_url):
    response = await http_server_client.fetch(
        f"{jp_base_url}retrace/api/identity", method="POST", body=json.dumps({"path": "n.ipynb", "id": "abc"}), raise_error=False
    )
    assert response.code in (401, 403)


async def test_an_unreadable_map_is_reported_and_never_overwritten(jp_fetch, retrace_config):
    folder = history(retrace_config)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, MAP_FILE), "w") as f:
        f.write("{not json")
    response = await claim(jp_fetch, {"path": "n.ipynb", "id": "abc"})
    assert response.code == 409 and "unreadable" in answer(response)["message"]
    with open(os.path.join(folder, MAP_FILE)) as f:
        assert f.read() == "{not json"


def make_orphan(folder, tmp_path, repo_id, path, sources, when):
    """A history an older version made for a notebook whose id never reached the file (committed at `when`)."""
    repo = os.path.join(folder, repo_id + ".git")
    subprocess.run(["git", "init", "-q", "--bare", repo], check=True)
    work = tmp_path / repo_id
    work.mkdir()
    (work / "notebook.json").write_text(
        json.dumps({"format": 1, "layout": "cells", "notebook": {"metadata": {"retrace": {"id": repo_id, "path": path}}}})
    )
    keys = [f"cell-{i}" for i in range(len(sources))]
    (work / "order.json").write_text(json.dumps(keys))
    for key, source in zip(keys, sources):
        cell = work / "cells" / "0a" / "0b" / key
        cell.mkdir(parents=True)
        (cell / "source").write_text(source)
    stamp = f"{int(when)} +0000"
    env = {**os.environ, "GIT_DIR": repo, "GIT_WORK_TREE": str(work), "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", *ident, "add", "."], check=True, env=env)
    subprocess.run(["git", *ident, "commit", "-q", "-m", "run [1]"], check=True, env=env)


def write_notebook(retrace_config, path, sources, mtime, metadata=None):
    full = os.path.join(str(retrace_config.root_dir), *path.split("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    cells = [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [], "execution_count": None} for s in sources]
    with open(full, "w") as f:
        json.dump({"nbformat": 4, "nbformat_minor": 4, "metadata": metadata or {}, "cells": cells}, f)
    os.utime(full, (mtime, mtime))


async def test_an_orphaned_history_of_an_unsaved_notebook_is_reattached(jp_fetch, retrace_config, tmp_path):
    folder = history(retrace_config)
    os.makedirs(folder, exist_ok=True)
    now = time.time()
    # The file was written before the history's runs, and never saved after them.
    write_notebook(retrace_config, "lost/analysis.ipynb", ["a = 1"], now - 3600)
    make_orphan(folder, tmp_path, "orphan-1", "lost/analysis.ipynb", ["a = 1", "b = 2"], now - 600)
    make_orphan(folder, tmp_path, "someone-else", "other.ipynb", ["x"], now - 600)
    response = await claim(jp_fetch, {"path": "lost/analysis.ipynb", "id": "fresh-id"})
    assert answer(response) == {"id": "orphan-1", "how": "reattached"}
    # Once claimed it is nobody else's orphan.
    assert answer(await claim(jp_fetch, {"path": "lost/analysis.ipynb", "id": "again"}))["id"] == "orphan-1"
    assert answer(await claim(jp_fetch, {"path": "new.ipynb", "id": "new-id"})) == {"id": "new-id", "how": "new"}


async def test_a_new_notebook_made_later_at_an_orphans_path_starts_its_own_history(jp_fetch, retrace_config, tmp_path):
    folder = history(retrace_config)
    os.makedirs(folder, exist_ok=True)
    now = time.time()
    make_orphan(folder, tmp_path, "old-untitled", "Untitled.ipynb", ["import pandas as pd", "df = pd.DataFrame()"], now - 3600)
    # Another Untitled.ipynb, created an hour after the orphan's last run, with other cells.
    write_notebook(retrace_config, "Untitled.ipynb", [""], now)
    response = await claim(jp_fetch, {"path": "Untitled.ipynb", "id": "its-own"})
    assert answer(response) == {"id": "its-own", "how": "new"}


async def test_a_notebook_written_later_with_the_orphans_cells_is_reattached(jp_fetch, retrace_config, tmp_path):
    folder = history(retrace_config)
    os.makedirs(folder, exist_ok=True)
    now = time.time()
    make_orphan(folder, tmp_path, "same-cells", "saved/later.ipynb", ["a = 1", "print(a)"], now - 3600)
    write_notebook(retrace_config, "saved/later.ipynb", ["a = 1", "print(a)"], now)
    assert answer(await claim(jp_fetch, {"path": "saved/later.ipynb", "id": "fresh"})) == {"id": "same-cells", "how": "reattached"}


async def test_a_notebook_with_an_id_of_its_own_is_never_given_an_orphan(jp_fetch, retrace_config, tmp_path):
    folder = history(retrace_config)
    os.makedirs(folder, exist_ok=True)
    now = time.time()
    make_orphan(folder, tmp_path, "orphan-2", "has-id.ipynb", ["a = 1"], now - 60)
    write_notebook(retrace_config, "has-id.ipynb", ["a = 1"], now - 3600, {"retrace": {"id": "mine", "path": "has-id.ipynb"}})
    assert answer(await claim(jp_fetch, {"path": "has-id.ipynb", "id": "fresh"})) == {"id": "fresh", "how": "new"}


async def test_once_the_file_carries_its_id_the_path_is_forgotten(jp_fetch):
    await claim(jp_fetch, {"path": "Untitled.ipynb", "id": "first"})
    # Saved with its id: a later notebook at the same path must not inherit that history.
    assert answer(await claim(jp_fetch, {"path": "Untitled.ipynb", "forget": "other"})) == {"forgotten": False}
    assert answer(await claim(jp_fetch, {"path": "Untitled.ipynb", "forget": "first"})) == {"forgotten": True}
    assert answer(await claim(jp_fetch, {"path": "Untitled.ipynb", "id": "second"})) == {"id": "second", "how": "new"}
    bad = await claim(jp_fetch, {"path": "../Untitled.ipynb", "forget": "first"})
    assert bad.code == 400
