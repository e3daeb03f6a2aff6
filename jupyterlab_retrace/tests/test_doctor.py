"""`jupyter retrace doctor` and the endpoint's Recover on damaged repositories written by the real server."""
import base64
import io
import json
import os
import shutil
import subprocess
import time

from jupyterlab_retrace import doctor

from .test_storage import REPO, Objects, body, commit, git, init, post, repo_dir, tree

MAIN = "refs/heads/main"


class History(Objects):
    def snapshot(self, path, parents, message, source="x = 1\n"):
        """A commit whose snapshot records the notebook's path in notebook.json, like the client's."""
        meta = json.dumps({"format": 1, "notebook": {"metadata": {"retrace": {"id": REPO, "path": path}}}}).encode()
        nbjson = self.add("blob", meta)
        blob = self.add("blob", source.encode())
        cell = self.add("tree", tree([("100644", "source", blob)]))
        cells = self.add("tree", tree([("40000", "a", cell)]))
        root = self.add("tree", tree([("40000", "cells", cells), ("100644", "notebook.json", nbjson)]))
        return self.add("commit", commit(root, parents, message))


async def two_commits(jp_fetch, path="work/analysis.ipynb"):
    await init(jp_fetch)
    h = History()
    c1 = h.snapshot(path, [], "one")
    assert (await post(jp_fetch, REPO, "write", {"files": h.files, "refs": [{"ref": MAIN, "old": None, "new": c1}]})).code == 200
    h = History()
    c2 = h.snapshot(path, [c1], "two", source="x = 2\n")
    assert (await post(jp_fetch, REPO, "write", {"files": h.files, "refs": [{"ref": MAIN, "old": c1, "new": c2}]})).code == 200
    return c1, c2


def notebook(root, rel, history_id=REPO):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"cells": [], "metadata": {"retrace": {"id": history_id}}, "nbformat": 4, "nbformat_minor": 5}, f)


def run(root, *args):
    out = io.StringIO()
    code = doctor.main([str(root), *args], out=out)
    return code, out.getvalue()


async def test_a_healthy_history_with_its_notebook(jp_fetch, jp_root_dir):
    await two_commits(jp_fetch)
    notebook(jp_root_dir, "work/analysis.ipynb")
    notebook(jp_root_dir, "work/.ipynb_checkpoints/analysis-checkpoint.ipynb")
    code, text = run(jp_root_dir)
    assert code == 0, text
    assert f"{REPO}.git: ok" in text
    assert "notebook: work/analysis.ipynb\n" in text
    assert text.splitlines()[-1] == "doctor: 1 histories, 0 with problems, 0 orphan(s)"


async def test_an_orphan_names_the_notebook_it_belonged_to(jp_fetch, jp_root_dir):
    await two_commits(jp_fetch, path="old/place.ipynb")
    code, text = run(jp_root_dir)
    assert code == 0
    assert "orphan: no notebook under the root carries this id; it belonged to old/place.ipynb" in text
    assert text.splitlines()[-1].endswith("1 orphan(s)")


async def test_an_emptied_ref_is_recovered_from_the_reflog_and_what_was_found_is_kept(jp_fetch, jp_root_dir, retrace_config):
    _c1, c2 = await two_commits(jp_fetch)
    notebook(jp_root_dir, "work/analysis.ipynb")
    repo = repo_dir(retrace_config)
    open(os.path.join(repo, MAIN), "w").close()  # a power cut
    code, text = run(jp_root_dir)
    assert code == 1
    assert "damaged ref: refs/heads/main (empty)" in text
    assert open(os.path.join(repo, MAIN)).read() == ""  # checking changes nothing
    code, text = run(jp_root_dir, "--repair")
    assert code == 0, text
    assert f"repaired: refs/heads/main was empty; set to {c2} (from its reflog)" in text
    assert git(repo, "rev-parse", "main").strip() == c2
    kept = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(repo, doctor.RECOVERED_DIR)) for f in fs]
    assert len(kept) == 1 and kept[0].endswith(os.path.join("refs", "heads", "main"))
    assert subprocess.run(["git", "--git-dir", repo, "fsck", "--full", "--strict"], capture_output=True).returncode == 0
    # Writing goes on from the recovered tip.
    h = History()
    c3 = h.snapshot("work/analysis.ipynb", [c2], "three", source="x = 3\n")
    assert (await post(jp_fetch, REPO, "write", {"files": h.files, "refs": [{"ref": MAIN, "old": c2, "new": c3}]})).code == 200


async def test_without_a_reflog_the_newest_complete_dangling_commit_is_used(jp_fetch, jp_root_dir, retrace_config):
    _c1, c2 = await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    shutil.rmtree(os.path.join(repo, "logs"))
    with open(os.path.join(repo, MAIN), "wb") as f:
        f.write(b"\xff\xfe\x00garbage")
    code, text = run(jp_root_dir, "--repair")
    assert code == 0, text
    assert f"set to {c2} (from the newest of 1 dangling commit(s))" in text
    assert git(repo, "rev-list", "main").split()[0] == c2


def empty_object(repo, oid):
    path = os.path.join(repo, "objects", oid[:2], oid[2:])
    os.chmod(path, 0o644)
    open(path, "w").close()


async def test_an_incomplete_tip_is_passed_over_for_the_newest_valid_commit(jp_fetch, jp_root_dir, retrace_config):
    c1, c2 = await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    shutil.rmtree(os.path.join(repo, "logs"))
    open(os.path.join(repo, MAIN), "w").close()
    empty_object(repo, c2)  # the lost tip is damaged too
    code, text = run(jp_root_dir, "--repair")
    assert f"refs/heads/main was empty; set to {c1}" in text
    assert git(repo, "rev-parse", "main").strip() == c1
    assert code == 1  # the emptied object is still there for fsck to report
    assert "git fsck: " in text


async def test_what_cannot_be_recovered_is_said_and_left_as_it_is(jp_fetch, jp_root_dir, retrace_config):
    c1, c2 = await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    shutil.rmtree(os.path.join(repo, "logs"))
    open(os.path.join(repo, MAIN), "w").close()
    empty_object(repo, c1)
    empty_object(repo, c2)
    code, text = run(jp_root_dir, "--repair")
    assert code == 1
    assert "not repaired: refs/heads/main is empty; cannot recover it" in text
    assert open(os.path.join(repo, MAIN)).read() == ""
    assert not os.path.exists(os.path.join(repo, doctor.RECOVERED_DIR))


async def test_stale_locks_and_unfinished_writes_are_removed(jp_fetch, jp_root_dir, retrace_config):
    await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    lock = os.path.join(repo, "refs", "heads", "main.lock")
    with open(lock, "w") as f:
        f.write("0" * 40 + "\n")
    old = time.time() - 3600
    os.utime(lock, (old, old))
    quarantine = os.path.join(repo, "objects", "tmp_objdir-incoming-999999-dead-beef")
    os.makedirs(quarantine)
    code, text = run(jp_root_dir)
    assert code == 1 and "stale lock: refs/heads/main.lock" in text and "unfinished write" in text
    code, text = run(jp_root_dir, "--repair")
    assert code == 0, text
    assert "repaired: removed stale lock refs/heads/main.lock" in text
    assert not os.path.exists(lock) and not os.path.exists(quarantine)


async def test_the_endpoint_recovers_an_emptied_ref(jp_fetch, retrace_config):
    _c1, c2 = await two_commits(jp_fetch)
    repo = repo_dir(retrace_config)
    open(os.path.join(repo, MAIN), "w").close()
    assert (await post(jp_fetch, REPO, "read", {"files": [MAIN]})).code == 409
    answer = await post(jp_fetch, REPO, "recover", {})
    assert answer.code == 200
    assert body(answer)["damagedRefs"] == {} and body(answer)["unrepaired"] == []
    assert body(answer)["changes"][0].startswith(f"refs/heads/main was empty; set to {c2}")
    read = body(await post(jp_fetch, REPO, "read", {"files": [MAIN]}))
    assert base64.b64decode(read["files"][MAIN]).decode().strip() == c2
    # A second Recover finds nothing to do and changes nothing.
    again = body(await post(jp_fetch, REPO, "recover", {}))
    assert again["changes"] == []


async def test_the_command_line_runs_as_a_program(jp_fetch, jp_root_dir, retrace_config):
    import sys

    await two_commits(jp_fetch)
    notebook(jp_root_dir, "work/analysis.ipynb")
    out = subprocess.run([sys.executable, "-m", "jupyterlab_retrace.doctor", str(jp_root_dir)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "doctor: 1 histories, 0 with problems, 0 orphan(s)"
    # The wheel installs it as `jupyter-retrace`, which `jupyter retrace doctor` runs.
    pyproject = open(os.path.join(os.path.dirname(doctor.__file__), "..", "pyproject.toml")).read()
    assert 'jupyter-retrace = "jupyterlab_retrace.cli:main"' in pyproject
    via = subprocess.run([sys.executable, "-m", "jupyterlab_retrace.cli", "doctor", str(jp_root_dir)], capture_output=True, text=True)
    assert via.returncode == 0 and via.stdout.splitlines()[-1] == out.stdout.splitlines()[-1], via.stderr
    bad = subprocess.run([sys.executable, "-m", "jupyterlab_retrace.doctor", str(jp_root_dir / "nope")], capture_output=True, text=True)
    assert bad.returncode == 2 and "no history folder" in bad.stderr
