"""Storage endpoint against a real Jupyter server: auth, confinement, limits, atomicity, CAS, git validity."""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import zlib

import pytest

REPO = "nb-0123abcd"


def test_the_git_command_line_is_installed():
    # Not a skip: every validity check below needs the real git (scripts/setup.sh installs it).
    assert shutil.which("git"), "git is not installed: run scripts/setup.sh"


# ---- real git objects, built by hand ----------------------------------------------------------


def loose(kind: str, content: bytes):
    raw = f"{kind} {len(content)}\0".encode() + content
    oid = hashlib.sha1(raw).hexdigest()
    return oid, zlib.compress(raw)


def tree(entries):
    """entries: (mode, name, oid); git orders trees as if their name ended with '/'."""
    key = lambda e: e[1] + ("/" if e[0] == "40000" else "")  # noqa: E731
    return b"".join(f"{m} {n}\0".encode() + bytes.fromhex(o) for m, n, o in sorted(entries, key=key))


def commit(tree_oid, parents, message):
    who = "Retrace Test <test@example.invalid> 1700000000 +0000"
    text = f"tree {tree_oid}\n" + "".join(f"parent {p}\n" for p in parents)
    text += f"author {who}\ncommitter {who}\n\n{message}\n"
    return text.encode()


class Objects:
    """Collects objects for one write request."""

    def __init__(self):
        self.files = []

    def add(self, kind, content):
        oid, data = loose(kind, content)
        self.files.append({"path": f"objects/{oid[:2]}/{oid[2:]}", "data": base64.b64encode(data).decode()})
        return oid

    def snapshot_commit(self, source: str, parents, message):
        """A commit whose tree holds cells/a/source, like a one-cell snapshot."""
        blob = self.add("blob", source.encode())
        cell = self.add("tree", tree([("100644", "source", blob)]))
        cells = self.add("tree", tree([("40000", "a", cell)]))
        root = self.add("tree", tree([("40000", "cells", cells)]))
        return self.add("commit", commit(root, parents, message))


# ---- helpers --------------------------------------------------------------------------------


async def post(jp_fetch, repo, action, payload, **kw):
    return await jp_fetch(
        "retrace", "api", "repos", repo, action, method="POST", body=json.dumps(payload), raise_error=False, **kw
    )


def body(response):
    return json.loads(response.body)


def assert_refused(response, code, words):
    """The server refused the request with ``code``, and its message says ``words``."""
    assert response.code == code, response.body
    assert words in body(response)["message"], body(response)


async def init(jp_fetch, repo=REPO):
    response = await post(jp_fetch, repo, "init", {})
    assert response.code in (200, 201), response.body
    return response


def repo_dir(retrace_config, repo=REPO):
    return os.path.join(os.path.realpath(str(retrace_config.history_path)), repo + ".git")


def git(repo, *args):
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True, text=True).stdout


def leftovers(folder):
    """Temporary or lock files left anywhere under folder."""
    found = []
    for dirpath, _dirs, files in os.walk(folder):
        found += [os.path.join(dirpath, f) for f in files if f.startswith("tmp_obj_") or f.endswith(".lock")]
    return found


# ---- auth -----------------------------------------------------------------------------------


async def test_every_route_requires_authentication(jp_fetch, http_server_client, jp_base_url):
    await init(jp_fetch)
    # jp_fetch keeps an explicit header: an empty Authorization drops the token.
    routes = [("init", "POST"), ("read", "POST"), ("write", "POST"), ("fork", "POST"), ("recover", "POST"), ("file", "GET"), ("", "GET"),
              ("refs", "GET"), ("objects", "POST")]
    for action, method in routes:
        parts = ["retrace", "api", "repos", REPO] + ([action] if action else [])
        kw = {"body": "{}"} if method == "POST" else {}
        response = await jp_fetch(*parts, method=method, headers={"Authorization": ""}, raise_error=False, **kw)
        assert response.code == 403, (action, response.code)
    # And a bare request with no header at all.
    url = f"{jp_base_url}retrace/api/repos/{REPO}/read"
    raw = await http_server_client.fetch(url, method="POST", body="{}", raise_error=False)
    assert raw.code == 403


# ---- init -----------------------------------------------------------------------------------


async def test_init_creates_a_bare_repository_git_accepts(jp_fetch, retrace_config):
    first = await init(jp_fetch)
    assert first.code == 201 and body(first) == {"created": True}
    again = await init(jp_fetch)
    assert again.code == 200 and body(again) == {"created": False}
    repo = repo_dir(retrace_config)
    assert git(repo, "rev-parse", "--is-bare-repository").strip() == "true"
    assert open(os.path.join(repo, "HEAD")).read() == "ref: refs/heads/main\n"
    status = body(await jp_fetch("retrace", "api", "repos", REPO))
    assert status == {"id": REPO, "exists": True, "valid": True, "problem": None, "damagedRefs": {}}


async def test_init_never_touches_a_folder_that_is_not_a_repository(jp_fetch, retrace_config):
    repo = repo_dir(retrace_config)
    os.makedirs(os.path.join(repo, "objects"))
    with open(os.path.join(repo, "precious.txt"), "w") as f:
        f.write("old work")
    response = await post(jp_fetch, REPO, "init", {})
    assert response.code == 409
    assert "not a valid git repository" in body(response)["message"]
    assert sorted(os.listdir(repo)) == ["objects", "precious.txt"]
    assert open(os.path.join(repo, "precious.txt")).read() == "old work"
    # Reads and writes say the same, and change nothing.
    assert (await post(jp_fetch, REPO, "read", {"files": ["HEAD"]})).code == 409
    assert (await post(jp_fetch, REPO, "write", {"files": [], "refs": []})).code == 409
    status = body(await jp_fetch("retrace", "api", "repos", REPO))
    assert status["exists"] and not status["valid"] and status["problem"] == "HEAD is missing"


async def test_init_refuses_a_plain_file_in_the_way(jp_fetch, retrace_config):
    repo = repo_dir(retrace_config)
    os.makedirs(os.path.dirname(repo), exist_ok=True)
    with open(repo, "w") as f:
        f.write("not a folder")
    assert (await post(jp_fetch, REPO, "init", {})).code == 409
    assert open(repo).read() == "not a folder"


async def test_a_missing_repository_is_reported_not_created(jp_fetch, retrace_config):
    response = await post(jp_fetch, REPO, "read", {"files": ["HEAD"]})
    assert response.code == 404 and body(response)["kind"] == "missing"
    assert not os.path.exists(repo_dir(retrace_config))


# ---- confinement ----------------------------------------------------------------------------


@pytest.mark.parametrize("repo_id", ["..", ".git", "-x", "a%20b", "a" * 65, "a.b", "%2e%2e", "..%2f..%2fetc"])
async def test_bad_repository_ids_are_refused(jp_fetch, http_server_client, jp_base_url, jp_auth_header, repo_id):
    # Built by hand so the id reaches the server exactly as written (jp_fetch would escape '%').
    url = f"{jp_base_url}retrace/api/repos/{repo_id}/read"
    payload = json.dumps({"files": ["HEAD"]})
    response = await http_server_client.fetch(url, method="POST", body=payload, headers=jp_auth_header, raise_error=False)
    assert response.code in (400, 404), (repo_id, response.code)
    if response.code == 400:
        assert json.loads(response.body)["message"] == "invalid history id"


@pytest.mark.parametrize(
    "path",
    ["../config", "../../etc/passwd", "/etc/passwd", "objects/../../x", "refs/./heads", "a\\b", "a\0b", "C:x", "", "a//b"],
)
async def test_paths_that_could_leave_the_repository_are_refused(jp_fetch, path):
    await init(jp_fetch)
    for key in ("files", "dirs", "stats"):
        response = await post(jp_fetch, REPO, "read", {key: [path]})
        assert response.code == 400, (key, path, response.code)
        assert "message" in body(response)


async def test_symlink_escapes_are_refused(jp_fetch, retrace_config, tmp_path):
    await init(jp_fetch)
    repo = repo_dir(retrace_config)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("do not read")
    os.symlink(outside, os.path.join(repo, "refs", "evil"))
    os.symlink(outside, os.path.join(repo, "objects", "ab"))
    for payload in ({"files": ["refs/evil/secret"]}, {"dirs": ["refs/evil"]}, {"stats": ["refs/evil/secret"]}):
        response = await post(jp_fetch, REPO, "read", payload)
        assert response.code == 403 and b"do not read" not in response.body
    objs = Objects()
    objs.files.append({"path": "objects/ab/" + "0" * 38, "data": base64.b64encode(b"x").decode()})
    assert (await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []})).code == 403
    assert os.listdir(outside) == ["secret"]


async def test_a_repository_folder_that_is_a_symlink_is_refused(jp_fetch, retrace_config, tmp_path):
    elsewhere = tmp_path / "elsewhere.git"
    elsewhere.mkdir()
    os.makedirs(os.path.dirname(repo_dir(retrace_config)), exist_ok=True)
    os.symlink(elsewhere, repo_dir(retrace_config))
    assert (await post(jp_fetch, REPO, "init", {})).code == 403
    assert (await post(jp_fetch, REPO, "read", {"files": ["HEAD"]})).code == 403
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("path", ["config", "hooks/pre-commit", "HEAD", "refs/heads/main", "objects/ab/cd", "objects/info/packs"])
async def test_only_loose_objects_can_be_written_as_files(jp_fetch, retrace_config, path):
    await init(jp_fetch)
    data = base64.b64encode(b"#!/bin/sh\necho pwned\n").decode()
    response = await post(jp_fetch, REPO, "write", {"files": [{"path": path, "data": data}], "refs": []})
    assert response.code == 403
    assert not os.path.exists(os.path.join(repo_dir(retrace_config), "hooks", "pre-commit"))


async def test_objects_must_match_their_name(jp_fetch):
    await init(jp_fetch)
    oid, data = loose("blob", b"hello")
    wrong = "0" * 40
    files = [{"path": f"objects/{wrong[:2]}/{wrong[2:]}", "data": base64.b64encode(data).decode()}]
    response = await post(jp_fetch, REPO, "write", {"files": files, "refs": []})
    assert_refused(response, 400, "does not match")
    junk = [{"path": f"objects/{oid[:2]}/{oid[2:]}", "data": base64.b64encode(b"not zlib").decode()}]
    assert (await post(jp_fetch, REPO, "write", {"files": junk, "refs": []})).code == 400


async def test_deleting_is_not_offered(jp_fetch):
    await init(jp_fetch)
    response = await post(jp_fetch, REPO, "write", {"files": [], "refs": [], "deletes": ["refs/heads/main"]})
    assert_refused(response, 400, "never deleted")


# ---- limits ---------------------------------------------------------------------------------


async def test_request_size_limit(jp_fetch, retrace_config):
    await init(jp_fetch)
    retrace_config.max_request_bytes = 1000
    objs = Objects()
    objs.add("blob", os.urandom(2000))
    response = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []})
    assert_refused(response, 413, "exceeds the limit")


async def test_per_file_size_limit(jp_fetch, retrace_config):
    await init(jp_fetch)
    retrace_config.max_file_bytes = 500
    objs = Objects()
    objs.add("blob", os.urandom(2000))
    response = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []})
    assert_refused(response, 413, "per-file limit")
    assert leftovers(repo_dir(retrace_config)) == []


async def test_decompression_bombs_are_refused(jp_fetch, retrace_config):
    await init(jp_fetch)
    retrace_config.max_object_bytes = 10_000
    objs = Objects()
    objs.add("blob", b"\0" * 1_000_000)  # deflates to ~1 KB
    response = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []})
    assert response.code == 413


# ---- reads ----------------------------------------------------------------------------------


async def test_batch_read_returns_contents_listings_and_stats(jp_fetch):
    await init(jp_fetch)
    payload = {"files": ["HEAD", "refs/heads/main", "config"], "dirs": ["refs", "refs/nope"], "stats": ["objects", "HEAD", "x"]}
    answer = body(await post(jp_fetch, REPO, "read", payload))
    assert base64.b64decode(answer["files"]["HEAD"]) == b"ref: refs/heads/main\n"
    assert answer["files"]["refs/heads/main"] is None
    assert b"bare = true" in base64.b64decode(answer["files"]["config"])
    assert answer["dirs"] == {"refs": ["heads", "tags"], "refs/nope": None}
    assert answer["stats"]["objects"]["type"] == "dir"
    assert answer["stats"]["HEAD"]["type"] == "file" and answer["stats"]["HEAD"]["size"] == 21
    assert answer["stats"]["x"] is None


async def test_large_files_are_served_raw(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    oid = objs.add("blob", os.urandom(3000))
    assert (await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []})).code == 200
    retrace_config.max_file_bytes = 1000
    path = f"objects/{oid[:2]}/{oid[2:]}"
    answer = body(await post(jp_fetch, REPO, "read", {"files": [path]}))
    assert answer["files"][path] is None and answer["large"][path] > 1000
    raw = await jp_fetch("retrace", "api", "repos", REPO, "file", params={"path": path})
    assert raw.body == base64.b64decode(objs.files[0]["data"])


# ---- writes: atomicity and compare-and-swap -------------------------------------------------


async def test_second_writer_gets_409_and_loses_nothing(jp_fetch, retrace_config):
    await init(jp_fetch)
    ref = "refs/heads/main"
    a = Objects()
    ca = a.snapshot_commit("print('a')\n", [], "run [1] cell 1: print('a')")
    b = Objects()
    cb = b.snapshot_commit("print('b')\n", [], "run [1] cell 1: print('b')")
    ok = await post(jp_fetch, REPO, "write", {"files": a.files, "refs": [{"ref": ref, "old": None, "new": ca}]})
    assert ok.code == 200 and body(ok)["refs"] == {ref: ca}
    conflict = await post(jp_fetch, REPO, "write", {"files": b.files, "refs": [{"ref": ref, "old": None, "new": cb}]})
    assert conflict.code == 409
    assert body(conflict)["conflicts"] == {ref: ca}
    assert "history changed" in body(conflict)["message"]
    repo = repo_dir(retrace_config)
    assert open(os.path.join(repo, ref)).read().strip() == ca
    # B re-parents its commit on top of A's and retries: both survive.
    b2 = Objects()
    cb2 = b2.snapshot_commit("print('b')\n", [ca], "run [1] cell 1: print('b')")
    retry = await post(jp_fetch, REPO, "write", {"files": b2.files, "refs": [{"ref": ref, "old": ca, "new": cb2}]})
    assert retry.code == 200
    assert git(repo, "rev-list", ref).split() == [cb2, ca]


async def test_a_failed_batch_moves_no_ref_and_leaves_no_temporary_files(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("x = 1\n", [], "one")
    first = {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c1}]}
    assert (await post(jp_fetch, REPO, "write", first)).code == 200
    more = Objects()
    c2 = more.snapshot_commit("x = 2\n", [c1], "two")
    batch = {
        "files": more.files,
        "refs": [
            {"ref": "refs/heads/main", "old": c1, "new": c2},  # would succeed
            {"ref": "refs/heads/attempt-2", "old": c1, "new": c2},  # stale: it does not exist
            {"ref": "HEAD", "old": "ref: refs/heads/main", "new": "ref: refs/heads/attempt-2"},
        ],
    }
    response = await post(jp_fetch, REPO, "write", batch)
    assert response.code == 409
    assert body(response)["conflicts"] == {
        "refs/heads/main": c1,
        "refs/heads/attempt-2": None,
        "HEAD": "ref: refs/heads/main",
    }
    repo = repo_dir(retrace_config)
    assert open(os.path.join(repo, "refs/heads/main")).read().strip() == c1
    assert not os.path.exists(os.path.join(repo, "refs/heads/attempt-2"))
    assert open(os.path.join(repo, "HEAD")).read() == "ref: refs/heads/main\n"
    assert leftovers(repo) == []
    # The objects of the refused batch stayed in quarantine, which is gone: nothing was left behind.
    for f in more.files:
        assert not os.path.exists(os.path.join(repo, f["path"]))
    assert not [n for n in os.listdir(os.path.join(repo, "objects")) if n.startswith("tmp_")]


async def test_existing_objects_are_never_rewritten(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    objs.add("blob", b"same content")
    first = body(await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []}))
    path = os.path.join(repo_dir(retrace_config), objs.files[0]["path"])
    inode = os.stat(path).st_ino
    second = body(await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": []}))
    assert (first["written"], second["written"], second["skipped"]) == (1, 0, 1)
    assert os.stat(path).st_ino == inode
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o444)


async def test_a_held_ref_lock_is_a_clear_conflict(jp_fetch, retrace_config):
    await init(jp_fetch)
    repo = repo_dir(retrace_config)
    open(os.path.join(repo, "refs/heads/main.lock"), "w").close()  # a git CLI mid-update
    objs = Objects()
    c1 = objs.snapshot_commit("x\n", [], "one")
    response = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c1}]})
    assert response.code == 409 and body(response)["locked"] == ["refs/heads/main"]
    assert os.path.exists(os.path.join(repo, "refs/heads/main.lock"))  # not ours to remove
    assert not os.path.exists(os.path.join(repo, "refs/heads/main"))


@pytest.mark.parametrize(
    "update",
    [
        {"ref": "refs/heads/../../x", "old": None, "new": "a" * 40},
        {"ref": "refs/heads/x.lock", "old": None, "new": "a" * 40},
        {"ref": "config", "old": None, "new": "a" * 40},
        {"ref": "refs/heads/x", "old": None, "new": "ref: refs/heads/y"},
        {"ref": "refs/heads/x", "old": None, "new": "not an oid"},
        {"ref": "HEAD", "old": None, "new": "ref: ../../etc"},
    ],
)
async def test_bad_ref_updates_are_refused(jp_fetch, update):
    await init(jp_fetch)
    assert (await post(jp_fetch, REPO, "write", {"files": [], "refs": [update]})).code == 400


# ---- validity for the git command line ------------------------------------------------------


async def test_history_written_through_the_endpoint_is_a_valid_git_repository(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("import numpy as np\n", [], "run [1] cell 1: import numpy as np")
    assert (await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c1}]})).code == 200
    objs = Objects()
    c2 = objs.snapshot_commit("model.fit(X, y)\n", [c1], "run [12] cell 4: model.fit(X, y)")
    branch = {"files": objs.files, "refs": [
        {"ref": "refs/heads/main", "old": c1, "new": c2},
        {"ref": "refs/heads/attempt-1", "old": None, "new": c1},
    ]}
    assert (await post(jp_fetch, REPO, "write", branch)).code == 200
    repo = repo_dir(retrace_config)
    fsck = subprocess.run(["git", "--git-dir", repo, "fsck", "--full", "--strict"], capture_output=True, text=True)
    assert fsck.returncode == 0 and "error" not in fsck.stderr.lower(), fsck.stderr
    assert git(repo, "log", "--oneline", "--format=%s").splitlines() == [
        "run [12] cell 4: model.fit(X, y)",
        "run [1] cell 1: import numpy as np",
    ]
    assert git(repo, "show", f"{c2}:cells/a/source") == "model.fit(X, y)\n"


async def test_compare_and_swap_sees_refs_packed_by_git_gc(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("a\n", [], "one")
    await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c1}]})
    repo = repo_dir(retrace_config)
    git(repo, "gc", "--quiet")  # packs objects and refs: refs/heads/main now lives in packed-refs
    assert not os.path.exists(os.path.join(repo, "refs/heads/main"))
    objs = Objects()
    c2 = objs.snapshot_commit("b\n", [c1], "two")
    stale = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c2}]})
    assert stale.code == 409 and body(stale)["conflicts"] == {"refs/heads/main": c1}
    # The refused write left nothing behind: the retry sends its objects again.
    ok = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": c1, "new": c2}]})
    assert ok.code == 200
    assert git(repo, "rev-parse", "main").strip() == c2
    listing = body(await post(jp_fetch, REPO, "read", {"dirs": ["objects/pack"], "files": ["packed-refs"]}))
    assert any(n.endswith(".pack") for n in listing["dirs"]["objects/pack"])
    assert c1 in base64.b64decode(listing["files"]["packed-refs"]).decode()


# ---- refs and objects in one answer (opening a long history) ----------------------------------


def parse_batch(raw: bytes) -> dict:
    """`git cat-file --batch` output: name -> (type, content), or None when missing."""
    out, p = {}, 0
    while p < len(raw):
        nl = raw.index(b"\n", p)
        head = raw[p:nl].decode().split(" ")
        if head[-1] == "missing":
            out[" ".join(head[:-1])] = None
            p = nl + 1
            continue
        oid, kind, size = head[0], head[1], int(head[2])
        out[oid] = (kind, raw[nl + 1 : nl + 1 + size])
        p = nl + 1 + size + 1
    return out


async def test_write_answers_with_every_tip_and_refs_reads_them_in_one_answer(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("a\n", [], "one")
    first = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c1}]})
    assert body(first)["tips"] == {"HEAD": "ref: refs/heads/main", "refs/heads/main": c1}
    repo = repo_dir(retrace_config)
    git(repo, "gc", "--quiet")  # main now lives in packed-refs only
    objs = Objects()
    c2 = objs.snapshot_commit("b\n", [c1], "two")
    second = await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/attempt-1", "old": None, "new": c2}]})
    expected = {"HEAD": "ref: refs/heads/main", "refs/heads/attempt-1": c2, "refs/heads/main": c1}
    assert body(second)["tips"] == expected
    refs = await jp_fetch("retrace", "api", "repos", REPO, "refs", raise_error=False)
    assert refs.code == 200 and body(refs)["refs"] == expected
    # A damaged ref is reported, never left out.
    with open(os.path.join(repo, "refs", "heads", "attempt-1"), "w") as f:
        f.write("")
    damaged = await jp_fetch("retrace", "api", "repos", REPO, "refs", raise_error=False)
    assert damaged.code == 409 and body(damaged)["kind"] == "damaged"


async def test_objects_are_read_loose_and_packed_in_one_answer(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("print(1)\n", [], "one")
    await post(jp_fetch, REPO, "write", {"files": objs.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": c1}]})
    repo = repo_dir(retrace_config)
    names = [c1, f"{c1}:cells/a/source", "0" * 40]
    for packed in (False, True):
        if packed:
            git(repo, "gc", "--quiet")
            assert not os.path.exists(os.path.join(repo, "objects", c1[:2], c1[2:]))
        response = await post(jp_fetch, REPO, "objects", {"names": names})
        assert response.code == 200 and response.headers["Content-Type"] == "application/octet-stream"
        got = parse_batch(response.body)
        assert got[c1][0] == "commit" and got[c1][1].startswith(b"tree ")
        source = [v for k, v in got.items() if v and v[0] == "blob"]
        assert source == [("blob", b"print(1)\n")]
        assert got["0" * 40] is None


@pytest.mark.parametrize("name", ["../HEAD", "HEAD", "abc", "0" * 40 + ":../x", "0" * 40 + ":/etc/passwd", "0" * 40 + ":a\nb", "--batch-all-objects"])
async def test_objects_refuses_names_that_are_not_object_names(jp_fetch, name):
    await init(jp_fetch)
    response = await post(jp_fetch, REPO, "objects", {"names": [name]})
    assert response.code == 400, response.body


# ---- fork (a copied notebook) ----------------------------------------------------------------


async def test_fork_copies_the_original_history_which_stays_as_it_was(jp_fetch, retrace_config):
    await init(jp_fetch)
    objects = Objects()
    tip = objects.snapshot_commit("x = 1\n", [], "run [1] cell 1: x = 1")
    ok = await post(jp_fetch, REPO, "write", {"files": objects.files, "refs": [{"ref": "refs/heads/main", "old": None, "new": tip}]})
    assert ok.code == 200
    forked = await post(jp_fetch, "copy-of-nb", "fork", {"from": REPO})
    assert forked.code == 201, forked.body
    copy = repo_dir(retrace_config, "copy-of-nb")
    git(copy, "fsck", "--full")
    assert git(copy, "rev-parse", "main").strip() == tip
    # The copy moves on; the original does not.
    more = Objects()
    tip2 = more.snapshot_commit("x = 2\n", [tip], "run [2] cell 1: x = 2")
    moved = await post(jp_fetch, "copy-of-nb", "write", {"files": more.files, "refs": [{"ref": "refs/heads/main", "old": tip, "new": tip2}]})
    assert moved.code == 200
    assert git(repo_dir(retrace_config), "rev-parse", "main").strip() == tip


async def test_fork_never_replaces_an_existing_history(jp_fetch, retrace_config):
    await init(jp_fetch)
    await init(jp_fetch, "already-there")
    answer = await post(jp_fetch, "already-there", "fork", {"from": REPO})
    assert answer.code == 409
    assert body(answer)["kind"] == "exists"


@pytest.mark.parametrize("source", ["../outside", "/etc", "..", "a/b", None, "missing-one"])
async def test_fork_refuses_a_source_that_is_not_a_history_id(jp_fetch, retrace_config, source):
    answer = await post(jp_fetch, "copy-of-nb", "fork", {"from": source})
    assert answer.code in (400, 404), (source, answer.code)
    assert not os.path.exists(repo_dir(retrace_config, "copy-of-nb"))
