"""The server's refusal to store one run twice in a notebook's history.

A run is named by kernel process and execution count (``<process>/<count>``)
in every page, so two tabs, a reloaded page and the kernel's journal all give
it the same id. Pages check the history's run index before committing; this
module is the last line, for writers the page cannot coordinate with (two
browsers on one notebook): a write whose new commit records a run the
repository already holds is refused with 409 and the duplicate ids, so the
page drops them and commits the rest.

The ids already stored live in ``retrace-runs`` in the bare repository (one
``<run id> <commit>`` per line, appended after each accepted write; git
ignores the file). A ref pointing at the very commit that recorded a run (a
new attempt starting at it, a restore) is no duplicate. A
repository from before this file existed is read once with the ``git``
command line, when it is installed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import zlib
from http import HTTPStatus

REGISTRY = "retrace-runs"
DUPLICATES_MESSAGE = "runs already in the history: "  # then the ids, space-separated
META_BRANCH = "refs/heads/retrace-attempts"  # attempts' titles and comments: no runs

_cache: dict[str, dict[str, str]] = {}


def _read_object(repo: str, oid: str, written: dict[str, bytes]) -> tuple[str, bytes] | None:
    raw = written.get(oid)
    if raw is None:
        try:
            with open(os.path.join(repo, "objects", oid[:2], oid[2:]), "rb") as f:
                raw = f.read()
        except OSError:
            return None  # packed, or missing: nothing to check here
    try:
        data = zlib.decompress(raw)
    except zlib.error:
        return None
    header, _, body = data.partition(b"\0")
    return header.split(b" ", 1)[0].decode("ascii", "replace"), body


def _tree_entry(body: bytes, name: bytes) -> str | None:
    i = 0
    while i < len(body):
        space = body.index(b" ", i)
        nul = body.index(b"\0", space)
        if body[space + 1 : nul] == name:
            return body[nul + 1 : nul + 21].hex()
        i = nul + 21
    return None


def runs_of_commit(repo: str, oid: str, written: dict[str, bytes]) -> list[str]:
    """The run ids a commit records (its runs.json), reading objects of this write first."""
    commit = _read_object(repo, oid, written)
    if commit is None or commit[0] != "commit":
        return []
    first = commit[1].split(b"\n", 1)[0]
    if not first.startswith(b"tree "):
        return []
    tree = _read_object(repo, first[5:45].decode("ascii"), written)
    if tree is None or tree[0] != "tree":
        return []
    blob_oid = _tree_entry(tree[1], b"runs.json")
    if blob_oid is None:
        return []
    blob = _read_object(repo, blob_oid, written)
    if blob is None or blob[0] != "blob":
        return []
    try:
        runs = json.loads(blob[1]).get("runs", [])
    except (ValueError, AttributeError):
        return []
    return [r["id"] for r in runs if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _bootstrap(repo: str) -> dict[str, str]:
    """Run ids (with their commits) of a repository written before the registry existed (git CLI)."""
    ids: dict[str, str] = {}
    git = shutil.which("git")
    if git is None:
        return ids
    try:
        commits = subprocess.run(
            [git, "-C", repo, "log", "--all", "--format=%H"], capture_output=True, text=True, timeout=60, check=True
        ).stdout.split()
        if not commits:
            return ids
        batch = "".join(f"{c}:runs.json\n" for c in commits)
        out = subprocess.run(
            [git, "-C", repo, "cat-file", "--batch"], input=batch.encode(), capture_output=True, timeout=120, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ids
    i = 0
    for commit in commits:  # cat-file answers in the order asked, one entry per line
        if i >= len(out):
            break
        eol = out.index(b"\n", i)
        header = out[i:eol].split()
        i = eol + 1
        if len(header) == 3:
            size = int(header[2])
            try:
                runs = json.loads(out[i : i + size]).get("runs", [])
                for r in runs:
                    if isinstance(r, dict) and isinstance(r.get("id"), str):
                        ids.setdefault(r["id"], commit)
            except (ValueError, AttributeError):
                pass
            i += size + 1
    return ids


def stored(repo: str) -> dict[str, str]:
    """run id -> the commit that recorded it."""
    ids = _cache.get(repo)
    if ids is None:
        path = os.path.join(repo, REGISTRY)
        try:
            ids = {}
            with open(path, encoding="utf-8") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        ids.setdefault(parts[0], parts[1])
        except FileNotFoundError:
            ids = _bootstrap(repo)
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(f"{i} {c}\n" for i, c in sorted(ids.items())))
        _cache[repo] = ids
    return ids


def check(repo: str, written: dict[str, bytes], refs) -> list[tuple[str, str]]:
    """(run id, commit) the write's branch commits record; raises if another commit stored one already.

    ``written``: the write's objects, zlib bytes by object id; ``refs``:
    (ref, old, new). Call under the repository's write lock, then
    ``remember`` the returned ids once the refs moved.
    """
    from .storage import StorageError  # storage imports this module's hook

    recorded: list[tuple[str, str]] = []
    for ref, _old, new in refs:
        if ref.startswith("refs/heads/") and ref != META_BRANCH:
            recorded.extend((run_id, new) for run_id in runs_of_commit(repo, new, written))
    if not recorded:
        return []
    have = stored(repo)
    seen: set[str] = set()
    duplicates = sorted(
        {i for i, commit in recorded if have.get(i, commit) != commit or (i in seen and have.get(i) is None) or seen.add(i)}
    )
    if duplicates:
        # Every id is in the message too: that is what a page's error carries.
        raise StorageError(HTTPStatus.CONFLICT, DUPLICATES_MESSAGE + " ".join(duplicates), duplicates=duplicates)
    return [(i, c) for i, c in recorded if i not in have]


def remember(repo: str, recorded: list[tuple[str, str]]) -> None:
    if not recorded:
        return
    have = stored(repo)
    with open(os.path.join(repo, REGISTRY), "a", encoding="utf-8") as f:
        f.write("".join(f"{i} {c}\n" for i, c in recorded))
        f.flush()
        os.fsync(f.fileno())
    for i, c in recorded:
        have.setdefault(i, c)
