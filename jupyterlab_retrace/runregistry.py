"""The server's refusal to store one run twice in a notebook's history.

A run is named by kernel process and execution count (``<process>/<count>``)
in every page, so two tabs, a reloaded page and the kernel's journal all give
it the same id. Pages check the history's run index before committing; this
module is the last line, for writers the page cannot coordinate with (two
browsers on one notebook): a write whose new commit records a run the
repository already holds is refused with 409 and the duplicate ids, so the
page drops them and commits the rest.

The ids already stored live in ``retrace-runs`` in the bare repository (one
id per line, appended after each accepted write; git ignores the file). A
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

_cache: dict[str, set[str]] = {}


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


def _bootstrap(repo: str) -> set[str]:
    """Run ids of a repository written before the registry existed (with the git CLI)."""
    ids: set[str] = set()
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
    while i < len(out):
        eol = out.index(b"\n", i)
        header = out[i:eol].split()
        i = eol + 1
        if len(header) == 3:
            size = int(header[2])
            try:
                runs = json.loads(out[i : i + size]).get("runs", [])
                ids.update(r["id"] for r in runs if isinstance(r, dict) and isinstance(r.get("id"), str))
            except (ValueError, AttributeError):
                pass
            i += size + 1
    return ids


def stored(repo: str) -> set[str]:
    ids = _cache.get(repo)
    if ids is None:
        path = os.path.join(repo, REGISTRY)
        try:
            with open(path, encoding="utf-8") as f:
                ids = {line.strip() for line in f if line.strip()}
        except FileNotFoundError:
            ids = _bootstrap(repo)
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(f"{i}\n" for i in sorted(ids)))
        _cache[repo] = ids
    return ids


def check(repo: str, files, refs) -> list[str]:
    """Run ids the write's new branch commits record; raises if one is already stored.

    ``files``: (full path, zlib bytes) of the write's objects; ``refs``:
    (ref, old, new). Call under the repository's write lock, then
    ``remember`` the returned ids once the refs moved.
    """
    from .storage import StorageError  # storage imports this module's hook

    written = {}
    for full, raw in files:
        parts = full.replace(os.sep, "/").rsplit("/", 2)
        written[parts[-2] + parts[-1]] = raw
    new_ids: list[str] = []
    for ref, _old, new in refs:
        if ref.startswith("refs/heads/") and ref != META_BRANCH:
            new_ids.extend(runs_of_commit(repo, new, written))
    if not new_ids:
        return []
    have = stored(repo)
    seen: set[str] = set()
    duplicates = sorted({i for i in new_ids if i in have or i in seen or seen.add(i)})
    if duplicates:
        # Every id is in the message too: that is what a page's error carries.
        raise StorageError(HTTPStatus.CONFLICT, DUPLICATES_MESSAGE + " ".join(duplicates), duplicates=duplicates)
    return new_ids


def remember(repo: str, ids: list[str]) -> None:
    if not ids:
        return
    have = stored(repo)
    with open(os.path.join(repo, REGISTRY), "a", encoding="utf-8") as f:
        f.write("".join(f"{i}\n" for i in ids))
        f.flush()
        os.fsync(f.fileno())
    have.update(ids)
