"""Only valid git is acknowledged, durably, by a server that stays up (issue 13).

Every example of a write the endpoint must refuse, quarantine, fsync, damaged
objects and refs, stale locks, a full disk, oversized and malformed requests.
After each accepted write the repository is checked with the git CLI.
"""
import asyncio
import base64
import hashlib
import json
import os
import subprocess
import time
import zlib

import pytest

from jupyterlab_retrace import gitrepo

from .test_storage import REPO, Objects, assert_refused, body, commit, git, init, loose, post, repo_dir, tree

MAIN = "refs/heads/main"


def fsck(repo):
    out = subprocess.run(["git", "--git-dir", repo, "fsck", "--full", "--strict", "--no-dangling"], capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def obj_file(kind, content, *, raw=None, data=None):
    """A write 'file' entry; ``raw`` replaces the header+content, ``data`` the compressed bytes."""
    raw = raw if raw is not None else f"{kind} {len(content)}\0".encode() + content
    oid = hashlib.sha1(raw).hexdigest()
    data = data if data is not None else zlib.compress(raw)
    return oid, {"path": f"objects/{oid[:2]}/{oid[2:]}", "data": base64.b64encode(data).decode()}


async def write(jp_fetch, files, refs, repo=REPO):
    return await post(jp_fetch, repo, "write", {"files": files, "refs": refs})


def loose_objects(repo):
    found = []
    for d in os.listdir(os.path.join(repo, "objects")):
        if len(d) == 2:
            found += [d + f for f in os.listdir(os.path.join(repo, "objects", d))]
    return sorted(found)


async def first_commit(jp_fetch, text="x = 1\n"):
    objs = Objects()
    c1 = objs.snapshot_commit(text, [], "one")
    ok = await write(jp_fetch, objs.files, [{"ref": MAIN, "old": None, "new": c1}])
    assert ok.code == 200, ok.body
    return c1, objs


# ---- 1. only valid git is acknowledged -------------------------------------------------------


async def test_a_ref_pointing_at_a_missing_object_is_refused(jp_fetch, retrace_config):
    await init(jp_fetch)
    missing = "1234567890" * 4
    response = await write(jp_fetch, [], [{"ref": MAIN, "old": None, "new": missing}])
    assert_refused(response, 400, "missing")
    assert body(response)["missing"] == [missing]
    assert not os.path.exists(os.path.join(repo_dir(retrace_config), MAIN))


async def test_a_commit_whose_tree_lacks_a_blob_is_refused(jp_fetch, retrace_config):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("x = 1\n", [], "one")
    # Drop the blob: the trees and the commit are fine, the commit is not complete.
    blob_oid = hashlib.sha1(b"blob 6\0x = 1\n").hexdigest()
    objs.files = [f for f in objs.files if not f["path"].endswith(blob_oid[2:])]
    response = await write(jp_fetch, objs.files, [{"ref": MAIN, "old": None, "new": c1}])
    assert response.code == 400 and body(response)["missing"] == [blob_oid]
    assert loose_objects(repo_dir(retrace_config)) == []


async def test_a_ref_pointing_at_a_blob_is_refused(jp_fetch, retrace_config):
    await init(jp_fetch)
    oid, f = obj_file("blob", b"not a commit")
    response = await write(jp_fetch, [f], [{"ref": MAIN, "old": None, "new": oid}])
    assert_refused(response, 400, "is a blob")
    assert loose_objects(repo_dir(retrace_config)) == []


async def test_head_detached_at_a_complete_commit_is_kept_and_git_reads_it(jp_fetch, retrace_config):
    # A Restore of a snapshot that is no attempt's tip leaves HEAD at that commit until the next run.
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    response = await write(jp_fetch, [], [{"ref": "HEAD", "old": "ref: refs/heads/main", "new": c1}])
    assert response.code == 200, response.body
    assert body(response)["refs"]["HEAD"] == c1
    assert git(repo, "rev-parse", "HEAD").strip() == c1
    assert fsck(repo)[0] == 0
    # Detached at an object the repository lacks, or at a blob: refused, HEAD unchanged.
    missing = "1234567890" * 4
    assert_refused(await write(jp_fetch, [], [{"ref": "HEAD", "old": c1, "new": missing}]), 400, "missing")
    oid, f = obj_file("blob", b"not a commit")
    assert_refused(await write(jp_fetch, [f], [{"ref": "HEAD", "old": c1, "new": oid}]), 400, "is a blob")
    assert open(os.path.join(repo, "HEAD")).read().strip() == c1
    # And back on a branch.
    back = await write(jp_fetch, [], [{"ref": "HEAD", "old": c1, "new": "ref: refs/heads/main"}])
    assert back.code == 200, back.body
    assert git(repo, "symbolic-ref", "HEAD").strip() == MAIN


async def test_a_garbage_commit_with_a_correct_sha1_is_refused(jp_fetch, retrace_config):
    await init(jp_fetch)
    oid, f = obj_file("commit", b"this is not a commit at all\n")
    response = await write(jp_fetch, [f], [{"ref": MAIN, "old": None, "new": oid}])
    assert_refused(response, 400, "commit")
    # And one that looks right but names a tree that is a blob.
    blob, fb = obj_file("blob", b"x")
    oid2, f2 = obj_file("commit", commit(blob, [], "bad tree"))
    response = await write(jp_fetch, [fb, f2], [{"ref": MAIN, "old": None, "new": oid2}])
    assert_refused(response, 400, "is a blob")
    assert loose_objects(repo_dir(retrace_config)) == []


async def test_an_unsorted_tree_is_refused(jp_fetch):
    await init(jp_fetch)
    blob, fb = obj_file("blob", b"x")
    entries = b"".join(f"100644 {n}\0".encode() + bytes.fromhex(blob) for n in ("b", "a"))
    oid, ft = obj_file("tree", entries)
    response = await write(jp_fetch, [fb, ft], [])
    assert_refused(response, 400, "sorted")


@pytest.mark.parametrize(
    "case",
    ["no checksum", "trailing bytes", "truncated", "header blob 05", "header with a plus", "size too small", "empty"],
)
async def test_objects_that_are_not_exactly_one_valid_zlib_stream_are_refused(jp_fetch, retrace_config, case):
    await init(jp_fetch)
    raw = b"blob 5\0hello"
    data = zlib.compress(raw)
    if case == "no checksum":
        data = data[:-4]
    elif case == "trailing bytes":
        data = data + b"\0"
    elif case == "truncated":
        data = data[: len(data) // 2]
    elif case == "header blob 05":
        raw = b"blob 05\0hello"
        data = zlib.compress(raw)
    elif case == "header with a plus":
        raw = b"blob +5\0hello"
        data = zlib.compress(raw)
    elif case == "size too small":
        raw = b"blob 4\0hello"
        data = zlib.compress(raw)
    elif case == "empty":
        data = b""
    oid, f = obj_file("blob", b"", raw=raw, data=data)
    response = await write(jp_fetch, [f], [])
    assert response.code == 400, (case, response.code, response.body)
    assert body(response)["message"]
    assert loose_objects(repo_dir(retrace_config)) == []


@pytest.mark.parametrize(
    "ref",
    ["refs/heads/x\n", "refs/heads/x.", "refs/heads/x/", "refs/heads/.x", "refs/heads/a..b", "refs/heads/x@{1}",
     "refs/heads/x y", "refs/heads/x~1", "refs/heads/x^", "refs/heads/x:y", "refs/heads/x*", "refs/heads/x[",
     "refs/heads//x", "refs/heads/x.lock", "refs/heads/\u00e9", "refs/heads/" + "a" * 300],
)
async def test_ref_names_git_would_refuse_are_refused(jp_fetch, retrace_config, ref):
    await init(jp_fetch)
    objs = Objects()
    c1 = objs.snapshot_commit("x\n", [], "one")
    response = await write(jp_fetch, objs.files, [{"ref": ref, "old": None, "new": c1}])
    assert response.code == 400, (ref, response.code, response.body)
    repo = repo_dir(retrace_config)
    assert os.listdir(os.path.join(repo, "refs", "heads")) == []
    # git agrees that each of them is not a ref name (the ones that reach its rules).
    if "\n" not in ref and len(ref) < 250 and "\u00e9" not in ref:
        assert subprocess.run(["git", "check-ref-format", ref]).returncode != 0, ref


async def test_valid_ref_names_pass_git_check_ref_format_too(jp_fetch):
    await init(jp_fetch)
    c1, _objs = await first_commit(jp_fetch)
    for ref in ["refs/heads/attempt-2", "refs/heads/a/b_c.d", "refs/retrace/meta"]:
        assert subprocess.run(["git", "check-ref-format", ref]).returncode == 0
        assert (await write(jp_fetch, [], [{"ref": ref, "old": None, "new": c1}])).code == 200, ref


async def test_a_repository_id_with_a_trailing_newline_is_refused(jp_fetch, http_server_client, jp_base_url, jp_auth_header, retrace_config):
    for repo_id in ["abc%0A", "abc%0D", "abc%00", "abc%0Adef"]:
        url = f"{jp_base_url}retrace/api/repos/{repo_id}/init"
        response = await http_server_client.fetch(url, method="POST", body="{}", headers=jp_auth_header, raise_error=False)
        assert response.code == 400, (repo_id, response.code)
        assert json.loads(response.body)["message"] == "invalid history id"
    root = os.path.realpath(str(retrace_config.history_path))
    assert not os.path.exists(root) or os.listdir(root) == []


def empty_file(path):
    os.chmod(path, 0o644)
    open(path, "wb").close()


async def test_an_emptied_object_is_replaced_by_the_good_copy_not_skipped(jp_fetch, retrace_config):
    await init(jp_fetch)
    c1, objs = await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    # A power cut empties the commit's blob on disk; the server restarts (it forgets what it checked).
    damaged = os.path.join(repo, objs.files[0]["path"])
    empty_file(damaged)
    gitrepo.forget(repo)
    assert fsck(repo)[0] != 0
    # The next commit needs that blob (its tree is unchanged): refused with the reason, not acknowledged.
    more = Objects()
    c2 = more.snapshot_commit("x = 1\n", [c1], "two")  # same source: reuses the damaged blob
    refused = await write(jp_fetch, [more.files[-1]], [{"ref": MAIN, "old": c1, "new": c2}])
    assert refused.code == 409 and body(refused)["kind"] == "damaged-objects"
    assert body(refused)["objects"] == [objs.files[0]["path"][8:10] + objs.files[0]["path"][11:]]
    assert git(repo, "rev-parse", "main").strip() == c1
    # Sent again, the good copy replaces the empty file atomically, and the commit goes through.
    inode = os.stat(damaged).st_ino
    ok = await write(jp_fetch, more.files, [{"ref": MAIN, "old": c1, "new": c2}])
    assert ok.code == 200, ok.body
    assert body(ok)["replaced"] == 1
    assert os.stat(damaged).st_ino != inode
    assert open(damaged, "rb").read() == base64.b64decode(objs.files[0]["data"])
    assert fsck(repo) == (0, "")
    assert git(repo, "rev-list", "main").split() == [c2, c1]


async def test_an_object_emptied_after_it_was_checked_is_noticed(jp_fetch, retrace_config):
    await init(jp_fetch)
    c1, objs = await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    empty_file(os.path.join(repo, objs.files[-1]["path"]))  # the commit c1 itself, checked a moment ago
    more = Objects()
    c2 = more.snapshot_commit("x = 2\n", [c1], "two")
    refused = await write(jp_fetch, more.files, [{"ref": MAIN, "old": c1, "new": c2}])
    assert refused.code == 409 and body(refused)["objects"] == [c1]


async def test_a_valid_existing_object_is_kept_as_it_is(jp_fetch, retrace_config):
    await init(jp_fetch)
    _c1, objs = await first_commit(jp_fetch)
    path = os.path.join(repo_dir(retrace_config), objs.files[0]["path"])
    inode = os.stat(path).st_ino
    again = body(await write(jp_fetch, objs.files, []))
    assert (again["written"], again["replaced"], again["skipped"]) == (0, 0, len(objs.files))
    assert os.stat(path).st_ino == inode


# ---- 2. quarantine and durability ------------------------------------------------------------


async def test_refused_writes_leave_no_objects_behind(jp_fetch, retrace_config):
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    before = loose_objects(repo)
    for i in range(30):
        stale = Objects()
        c = stale.snapshot_commit(f"y = {i}\n", [c1], f"stale {i}")
        response = await write(jp_fetch, stale.files, [{"ref": MAIN, "old": None, "new": c}])
        assert response.code == 409
    assert loose_objects(repo) == before
    unreachable = subprocess.run(["git", "--git-dir", repo, "fsck", "--unreachable", "--no-reflogs"], capture_output=True, text=True)
    assert "unreachable" not in unreachable.stdout
    assert not [n for n in os.listdir(os.path.join(repo, "objects")) if n.startswith("tmp_")]


async def test_objects_refs_and_their_folders_are_fsynced_before_the_answer(jp_fetch, retrace_config, monkeypatch):
    await init(jp_fetch)
    synced = []
    real_fsync = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    objs = Objects()
    c1 = objs.snapshot_commit("x\n", [], "one")
    ok = await write(jp_fetch, objs.files, [{"ref": MAIN, "old": None, "new": c1}])
    assert ok.code == 200
    repo = os.path.realpath(repo_dir(retrace_config))
    quarantined = [p for p in synced if "/objects/tmp_objdir-incoming-" in p]
    # Each object's bytes, in quarantine, before it joined the repository.
    assert sorted(os.path.basename(p) for p in quarantined) == sorted(f["path"][8:10] + f["path"][11:] for f in objs.files)
    for f in objs.files:
        assert os.path.join(repo, os.path.dirname(f["path"])) in synced  # its folder, after the rename
    assert os.path.join(repo, "objects") in synced  # new fan-out folders
    assert os.path.join(repo, MAIN) + ".lock" in synced  # the ref's bytes, before the rename
    assert os.path.join(repo, "refs", "heads") in synced  # the rename itself
    assert os.path.join(repo, "logs", "refs", "heads", "main") in synced  # the reflog, for recovery
    # Objects joined before the ref moved: the ref's rename is synced last.
    assert synced.index(os.path.join(repo, "refs", "heads")) > max(synced.index(os.path.join(repo, os.path.dirname(f["path"]))) for f in objs.files)


async def test_reflog_records_every_move_and_git_reads_it(jp_fetch, retrace_config):
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    objs = Objects()
    c2 = objs.snapshot_commit("x = 2\n", [c1], "two")
    assert (await write(jp_fetch, objs.files, [{"ref": MAIN, "old": c1, "new": c2}])).code == 200
    repo = repo_dir(retrace_config)
    assert git(repo, "reflog", "show", "--format=%H", "main").split() == [c2, c1]
    assert fsck(repo) == (0, "")


# ---- 3. damaged refs, locks, bad input: a clear answer, never a 500 ---------------------------


@pytest.mark.parametrize("content", [b"", b"\n", b"\xff\xfe not utf-8\n", b"garbage\n"])
async def test_a_damaged_ref_is_reported_as_such_never_as_no_history(jp_fetch, retrace_config, content):
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    with open(os.path.join(repo, MAIN), "wb") as f:
        f.write(content)
    read = await post(jp_fetch, REPO, "read", {"files": ["HEAD", MAIN, "packed-refs"]})
    assert read.code == 409 and body(read)["kind"] == "damaged"
    assert MAIN in body(read)["damaged"]
    status = body(await jp_fetch("retrace", "api", "repos", REPO))
    assert status["valid"] and MAIN in status["damagedRefs"]
    # A writer that believed there was no history cannot start a new one over it.
    objs = Objects()
    other = objs.snapshot_commit("new root\n", [], "new root")
    refused = await write(jp_fetch, objs.files, [{"ref": MAIN, "old": None, "new": other}])
    assert refused.code == 409 and body(refused)["kind"] == "damaged"
    assert open(os.path.join(repo, MAIN), "rb").read() == content


async def test_a_packed_refs_file_that_is_not_utf8_is_reported_not_read_as_empty(jp_fetch, retrace_config):
    await init(jp_fetch)
    await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    git(repo, "pack-refs", "--all")
    with open(os.path.join(repo, "packed-refs"), "ab") as f:
        f.write(b"\xff\xfe broken\n")
    read = await post(jp_fetch, REPO, "read", {"files": [MAIN, "packed-refs"]})
    assert read.code == 409 and body(read)["damaged"] == {"packed-refs": "not UTF-8"}
    assert body(await jp_fetch("retrace", "api", "repos", REPO))["damagedRefs"] == {"packed-refs": "not UTF-8"}


async def test_a_stale_lock_left_by_a_dead_writer_is_recovered(jp_fetch, retrace_config):
    await init(jp_fetch)
    repo = repo_dir(retrace_config)
    lock = os.path.join(repo, MAIN) + ".lock"
    with open(lock, "w") as f:
        f.write("0" * 40 + "\n")
    old = time.time() - 3600  # written before this server started: its writer is gone
    os.utime(lock, (old, old))
    c1, _ = await first_commit(jp_fetch)
    assert not os.path.exists(lock)
    assert git(repo, "rev-parse", "main").strip() == c1


async def test_a_ref_under_a_file_is_a_clear_conflict(jp_fetch, retrace_config):
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    under = await write(jp_fetch, [], [{"ref": "refs/heads/main/x", "old": None, "new": c1}])
    assert under.code == 409 and "refs/heads/main is a ref" in body(under)["message"]
    assert (await write(jp_fetch, [], [{"ref": "refs/heads/a/b", "old": None, "new": c1}])).code == 200
    over = await write(jp_fetch, [], [{"ref": "refs/heads/a", "old": None, "new": c1}])
    assert over.code == 409 and body(over)["kind"] == "ref-place"
    assert fsck(repo_dir(retrace_config)) == (0, "")


async def test_bad_input_gets_a_4xx_with_a_message_never_a_500(jp_fetch, retrace_config):
    await init(jp_fetch)
    repo = repo_dir(retrace_config)
    cases = {
        "overlong path component": ("read", {"files": ["refs/" + "a" * 5000]}),
        "overlong component in a listing": ("read", {"dirs": ["a" * 255]}),
        "deeply nested JSON": ("read", json.loads("[" * 50 + "]" * 50) and None),
        "files not a list": ("write", {"files": {"a": 1}}),
        "refs not dicts": ("write", {"files": [], "refs": ["x"]}),
        "data not base64": ("write", {"files": [{"path": "objects/ab/" + "c" * 38, "data": "!!"}], "refs": []}),
    }
    for name, (action, payload) in cases.items():
        raw = json.dumps(payload) if payload is not None else "[" * 100_000 + "]" * 100_000
        response = await jp_fetch(
            "retrace", "api", "repos", REPO, action, method="POST", body=raw, raise_error=False
        )
        assert 400 <= response.code < 500, (name, response.code, response.body)
        assert json.loads(response.body)["message"], name
    # A ref file that is not UTF-8 in a listing and in a status: named, not a crash.
    os.makedirs(os.path.join(repo, "refs", "heads"), exist_ok=True)
    with open(os.path.join(repo, "refs", "heads", "bad"), "wb") as f:
        f.write(b"\x80\x81\n")
    status = await jp_fetch("retrace", "api", "repos", REPO)
    assert status.code == 200 and body(status)["damagedRefs"] == {"refs/heads/bad": "not UTF-8"}


async def test_a_body_over_the_limit_is_refused_before_it_is_read(jp_fetch, retrace_config, jp_http_port, jp_base_url, jp_auth_header):
    await init(jp_fetch)
    retrace_config.max_request_bytes = 1 << 20
    # Declares 400 MiB and sends none of it: the answer must come without the body.
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    writer.write(
        f"POST {jp_base_url}retrace/api/repos/{REPO}/write HTTP/1.1\r\nHost: 127.0.0.1:{jp_http_port}\r\n"
        f"Authorization: {jp_auth_header['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {400 << 20}\r\n\r\n".encode()
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.read(65536), timeout=10)
    writer.close()
    assert head.startswith(b"HTTP/1.1 413"), head[:300]
    assert b"exceeds the limit" in head


async def test_a_chunked_body_over_the_limit_is_refused_without_keeping_it(jp_fetch, retrace_config):
    await init(jp_fetch)
    retrace_config.max_request_bytes = 100_000

    async def producer(write):
        for _ in range(50):
            await write(b" " * 10_000)

    response = await jp_fetch(
        "retrace", "api", "repos", REPO, "write", method="POST", body_producer=producer,
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"}, raise_error=False,
        allow_nonstandard_methods=True,
    )
    assert_refused(response, 413, "exceeds the limit")


async def test_zlib_bombs_are_refused_by_the_total_inflation_budget(jp_fetch, retrace_config):
    await init(jp_fetch)
    retrace_config.max_object_bytes = 8 << 20
    retrace_config.max_inflate_bytes = 16 << 20
    files = []
    for i in range(8):
        _oid, f = obj_file("blob", bytes([i]) * (4 << 20))  # each ~4 KB compressed, 4 MiB inflated
        files.append(f)
    response = await write(jp_fetch, files, [])
    assert_refused(response, 413, "inflate to more than")
    assert loose_objects(repo_dir(retrace_config)) == []
    # A bomb that lies about its size in the header is stopped as soon as it passes it.
    raw = b"blob 10\0" + b"\0" * (50 << 20)
    _oid, liar = obj_file("blob", b"", raw=raw)
    response = await write(jp_fetch, [liar], [])
    assert_refused(response, 400, "longer than its header")


async def test_the_event_loop_answers_while_a_heavy_write_is_checked(jp_fetch, retrace_config):
    """Ordering, not timing: a status request completes while a long write is still being checked."""
    await init(jp_fetch)
    retrace_config.max_object_bytes = 1 << 30
    retrace_config.max_inflate_bytes = 1 << 30
    retrace_config.max_request_bytes = 64 << 20
    files = [obj_file("blob", bytes([i]) * (80 << 20))[1] for i in range(3)]
    heavy = asyncio.ensure_future(write(jp_fetch, files, []))
    await asyncio.sleep(0.2)
    status = await jp_fetch("retrace", "api", "repos", REPO)
    assert status.code == 200
    assert not heavy.done(), "the write finished before the status answered: the test proves nothing"
    assert (await heavy).code == 200


async def test_a_full_disk_is_a_507_and_leaves_the_history_as_it_was(jp_fetch, retrace_config, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], check=True)
    try:
        retrace_config.history_dir = str(mount)
        await init(jp_fetch)
        c1, _ = await first_commit(jp_fetch)
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        objs = Objects()
        c2 = objs.snapshot_commit(os.urandom(20_000).hex(), [c1], "two")
        response = await write(jp_fetch, objs.files, [{"ref": MAIN, "old": c1, "new": c2}])
        assert_refused(response, 507, "disk is full")
        repo = repo_dir(retrace_config)
        os.unlink(mount / "filler")
        assert git(repo, "rev-parse", "main").strip() == c1
        assert fsck(repo) == (0, "")
        assert (await write(jp_fetch, objs.files, [{"ref": MAIN, "old": c1, "new": c2}])).code == 200
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


# ---- large files after the server's own git gc ----------------------------------------------


async def test_pack_files_over_the_file_limit_are_served_raw_after_git_gc(jp_fetch, retrace_config):
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    objs = Objects()
    c2 = objs.snapshot_commit(os.urandom(4000).hex(), [c1], "two")
    assert (await write(jp_fetch, objs.files, [{"ref": MAIN, "old": c1, "new": c2}])).code == 200
    repo = repo_dir(retrace_config)
    git(repo, "gc", "--quiet")
    retrace_config.max_file_bytes = 1000
    listing = body(await post(jp_fetch, REPO, "read", {"dirs": ["objects/pack"]}))
    pack = next(n for n in listing["dirs"]["objects/pack"] if n.endswith(".pack"))
    answer = body(await post(jp_fetch, REPO, "read", {"files": [f"objects/pack/{pack}"]}))
    assert answer["files"][f"objects/pack/{pack}"] is None and answer["large"][f"objects/pack/{pack}"] > 1000
    raw = await jp_fetch("retrace", "api", "repos", REPO, "file", params={"path": f"objects/pack/{pack}"})
    assert raw.headers["Content-Type"] == "application/octet-stream"
    assert raw.body == open(os.path.join(repo, "objects", "pack", pack), "rb").read()


# ---- concurrency and the server's own git gc ------------------------------------------------


async def test_twenty_concurrent_writers_one_wins_each_round_and_git_agrees(jp_fetch, retrace_config):
    await init(jp_fetch)
    tip, _ = await first_commit(jp_fetch)
    chain = [tip]
    for round_ in range(3):
        attempts = []
        for w in range(20):
            objs = Objects()
            c = objs.snapshot_commit(f"w{w} r{round_}\n", [tip], f"writer {w} round {round_}")
            attempts.append((c, write(jp_fetch, objs.files, [{"ref": MAIN, "old": tip, "new": c}])))
        answers = await asyncio.gather(*(a for _c, a in attempts))
        winners = [c for (c, _a), r in zip(attempts, answers) if r.code == 200]
        assert len(winners) == 1, [r.code for r in answers]
        assert sorted(r.code for r in answers) == [200] + [409] * 19
        tip = winners[0]
        chain.insert(0, tip)
    repo = repo_dir(retrace_config)
    assert git(repo, "rev-list", "main").split() == chain
    assert fsck(repo) == (0, "")
    # The 57 refused writes left no object behind.
    unreachable = subprocess.run(["git", "--git-dir", repo, "fsck", "--unreachable", "--no-reflogs"], capture_output=True, text=True)
    assert "unreachable" not in unreachable.stdout


async def test_gc_log_is_logged_and_cleared_so_packing_goes_on(jp_fetch, retrace_config, caplog):
    await init(jp_fetch)
    c1, _ = await first_commit(jp_fetch)
    repo = repo_dir(retrace_config)
    # What git writes after `gc --auto` finds too many unreachable loose objects; it then stops for a day.
    with open(os.path.join(repo, "gc.log"), "w") as f:
        f.write("warning: There are too many unreachable loose objects; run 'git prune' to remove them.\n")
    # One unreachable object older than the prune window (left by an older version of the server).
    _oid, stray = obj_file("blob", b"left behind")
    stray_path = os.path.join(repo, stray["path"])
    os.makedirs(os.path.dirname(stray_path), exist_ok=True)
    with open(stray_path, "wb") as f:
        f.write(base64.b64decode(stray["data"]))
    old = time.time() - 7200
    os.utime(stray_path, (old, old))
    retrace_config.git_gc = True
    objs = Objects()
    c2 = objs.snapshot_commit("x = 2\n", [c1], "two")
    assert (await write(jp_fetch, objs.files, [{"ref": MAIN, "old": c1, "new": c2}])).code == 200
    for _ in range(100):
        if not os.path.exists(os.path.join(repo, "gc.log")):
            break
        await asyncio.sleep(0.1)
    assert not os.path.exists(os.path.join(repo, "gc.log"))
    assert not os.path.exists(stray_path)
    assert "too many unreachable loose objects" in caplog.text
    assert git(repo, "rev-parse", "main").strip() == c2
    assert fsck(repo) == (0, "")
