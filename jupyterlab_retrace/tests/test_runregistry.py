"""The server refuses to store one run twice in a notebook's history (jupyterlab_retrace/runregistry.py)."""
import json
import os
import shutil

import pytest

from jupyterlab_retrace import runregistry

from .test_storage import REPO, Objects, body, git, init, post, repo_dir, tree

REF = "refs/heads/main"


def run_commit(objects: Objects, run_ids, parents):
    """A commit like the store's: a snapshot plus runs.json with these runs."""
    runs = objects.add("blob", json.dumps({"attempt": "main", "runs": [{"id": i, "cellId": "c"} for i in run_ids]}).encode())
    source = objects.add("blob", b"x = 1\n")
    cell = objects.add("tree", tree([("100644", "source", source)]))
    cells = objects.add("tree", tree([("40000", "a", cell)]))
    root = objects.add("tree", tree([("40000", "cells", cells), ("100644", "runs.json", runs)]))
    from .test_storage import commit

    return objects.add("commit", commit(root, parents, "runs " + " ".join(run_ids)))


async def write(jp_fetch, run_ids, old):
    objects = Objects()
    new = run_commit(objects, run_ids, [old] if old else [])
    response = await post(jp_fetch, REPO, "write", {"files": objects.files, "refs": [{"ref": REF, "old": old, "new": new}]})
    return response, new


async def test_a_run_already_stored_is_refused_and_nothing_moves(jp_fetch, retrace_config):
    await init(jp_fetch)
    first, c1 = await write(jp_fetch, ["P/1", "P/2"], None)
    assert first.code == 200
    # Another browser commits P/2 again (and a new run) on top: refused, with the duplicate named.
    again, _ = await write(jp_fetch, ["P/2", "P/3"], c1)
    assert again.code == 409
    assert body(again)["duplicates"] == ["P/2"]
    assert body(again)["message"] == runregistry.DUPLICATES_MESSAGE + "P/2"
    repo = repo_dir(retrace_config)
    assert open(os.path.join(repo, REF)).read().strip() == c1
    # Without the duplicate it goes through.
    ok, c3 = await write(jp_fetch, ["P/3"], c1)
    assert ok.code == 200
    lines = open(os.path.join(repo, runregistry.REGISTRY)).read().splitlines()
    assert lines == [f"P/1 {c1}", f"P/2 {c1}", f"P/3 {c3}"]
    if shutil.which("git"):
        git(repo, "fsck", "--strict")
        assert git(repo, "rev-list", REF).split() == [c3, c1]


async def test_one_commit_cannot_hold_a_run_twice(jp_fetch):
    await init(jp_fetch)
    response, _ = await write(jp_fetch, ["P/1", "P/1"], None)
    assert response.code == 409 and body(response)["duplicates"] == ["P/1"]


async def test_commits_without_runs_and_the_attempts_branch_are_not_checked(jp_fetch):
    await init(jp_fetch)
    objects = Objects()
    plain = objects.snapshot_commit("a = 1\n", [], "snapshot")
    ok = await post(jp_fetch, REPO, "write", {"files": objects.files, "refs": [{"ref": REF, "old": None, "new": plain}]})
    assert ok.code == 200
    first, c1 = await write(jp_fetch, ["P/1"], plain)
    assert first.code == 200


@pytest.mark.skipif(shutil.which("git") is None, reason="git command line not installed")
async def test_a_history_from_before_the_registry_is_read_once_with_git(jp_fetch, retrace_config):
    await init(jp_fetch)
    first, c1 = await write(jp_fetch, ["Q/1", "Q/2"], None)
    assert first.code == 200
    repo = repo_dir(retrace_config)
    # As an older server left it: no registry file.
    os.unlink(os.path.join(repo, runregistry.REGISTRY))
    runregistry._cache.clear()
    again, _ = await write(jp_fetch, ["Q/2"], c1)
    assert again.code == 409 and body(again)["duplicates"] == ["Q/2"]
    assert sorted(open(os.path.join(repo, runregistry.REGISTRY)).read().splitlines()) == [f"Q/1 {c1}", f"Q/2 {c1}"]


async def test_a_new_attempt_at_the_commit_that_recorded_a_run_is_no_duplicate(jp_fetch):
    await init(jp_fetch)
    first, c1 = await write(jp_fetch, ["P/1"], None)
    assert first.code == 200
    # A new attempt (branch) starting at that commit: the same run, the same commit.
    branch = await post(jp_fetch, REPO, "write", {"files": [], "refs": [{"ref": "refs/heads/attempt-2", "old": None, "new": c1}]})
    assert branch.code == 200, branch.body
    # A different commit recording it on that branch is one.
    again, _ = await write_on(jp_fetch, "refs/heads/attempt-2", ["P/1"], c1)
    assert again.code == 409


async def write_on(jp_fetch, ref, run_ids, old):
    objects = Objects()
    new = run_commit(objects, run_ids, [old] if old else [])
    response = await post(jp_fetch, REPO, "write", {"files": objects.files, "refs": [{"ref": ref, "old": old, "new": new}]})
    return response, new
