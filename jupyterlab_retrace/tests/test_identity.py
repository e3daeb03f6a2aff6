"""Notebook identity before the first save (jupyterlab_retrace/identity.py) on a real Jupyter server."""
import json
import os
import shutil
import subprocess

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


@pytest.mark.skipif(shutil.which("git") is None, reason="git command line not installed")
async def test_an_orphaned_history_of_an_unsaved_notebook_is_reattached(jp_fetch, retrace_config, tmp_path):
    """A history an older version made for a notebook whose id never reached the file."""
    folder = history(retrace_config)
    os.makedirs(folder, exist_ok=True)

    def make_history(repo_id, path):
        repo = os.path.join(folder, repo_id + ".git")
        subprocess.run(["git", "init", "-q", "--bare", repo], check=True)
        work = tmp_path / repo_id
        work.mkdir()
        (work / "notebook.json").write_text(json.dumps({"format": 1, "metadata": {"retrace": {"id": repo_id, "path": path}}}))
        env = {**os.environ, "GIT_DIR": repo, "GIT_WORK_TREE": str(work)}
        ident = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
        subprocess.run(["git", *ident, "add", "notebook.json"], check=True, env=env)
        subprocess.run(["git", *ident, "commit", "-q", "-m", "run [1]"], check=True, env=env)

    make_history("orphan-1", "lost/analysis.ipynb")
    make_history("someone-else", "other.ipynb")
    response = await claim(jp_fetch, {"path": "lost/analysis.ipynb", "id": "fresh-id"})
    assert answer(response) == {"id": "orphan-1", "how": "reattached"}
    # Once claimed it is nobody else's orphan.
    assert answer(await claim(jp_fetch, {"path": "lost/analysis.ipynb", "id": "again"}))["id"] == "orphan-1"
    assert answer(await claim(jp_fetch, {"path": "new.ipynb", "id": "new-id"})) == {"id": "new-id", "how": "new"}


async def test_once_the_file_carries_its_id_the_path_is_forgotten(jp_fetch):
    await claim(jp_fetch, {"path": "Untitled.ipynb", "id": "first"})
    # Saved with its id: a later notebook at the same path must not inherit that history.
    assert answer(await claim(jp_fetch, {"path": "Untitled.ipynb", "forget": "other"})) == {"forgotten": False}
    assert answer(await claim(jp_fetch, {"path": "Untitled.ipynb", "forget": "first"})) == {"forgotten": True}
    assert answer(await claim(jp_fetch, {"path": "Untitled.ipynb", "id": "second"})) == {"id": "second", "how": "new"}
    bad = await claim(jp_fetch, {"path": "../Untitled.ipynb", "forget": "first"})
    assert bad.code == 400
