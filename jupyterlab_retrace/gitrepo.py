"""One bare repository on disk, written the way git's receive-pack writes it.

Blocking code only (the handlers call it from a thread pool). What a write
does, in order:

1. every object in the request is inflated and checked (``gitvalidate``) and
   written, fsync'd, into a quarantine folder ``objects/tmp_objdir-incoming-*``
   that git and every reader ignore;
2. every ref update must point at a commit whose trees and blobs are present
   and valid: new objects are walked, existing ones are read back and checked
   once per server process (then remembered), packed ones are trusted (git
   wrote and checksummed them);
3. under the repository's lock: git's ``<ref>.lock`` files are taken, the
   compare-and-swap is checked, the quarantined objects join ``objects/``
   (an existing file that is damaged is replaced atomically), then the refs
   move; files and folders are fsync'd before the answer.

A refused write removes its quarantine folder: it leaves nothing behind.
"""
from __future__ import annotations

import errno
import logging
import os
import secrets
import shutil
import struct
import subprocess
import threading
import time
from http import HTTPStatus

from .gitvalidate import (
    GitFormatError,
    GitObject,
    InflateBudget,
    inflate_object,
    is_valid_ref_name,
    ref_value_problem,
)

log = logging.getLogger("jupyterlab_retrace.storage")

QUARANTINE_PREFIX = "tmp_objdir-incoming-"
PROCESS_STARTED = time.time()
PROCESS_TOKEN = f"{os.getpid()}-{secrets.token_hex(3)}"
# A ref lock not ours, this old, was left by a writer that is gone (git holds them for milliseconds).
STALE_LOCK_SECONDS = 10
# How long a write waits for a live ref lock before answering 409.
LOCK_WAIT_SECONDS = 0.3
ZERO_OID = "0" * 40
KNOWN_LIMIT = 2_000_000


class StorageError(Exception):
    """An answer other than 200, with a message for the client."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class DamagedRef(StorageError):
    def __init__(self, ref: str, reason: str):
        super().__init__(
            HTTPStatus.CONFLICT,
            f"ref {ref} is damaged ({reason}); the history is still on disk: recover it before writing",
            kind="damaged",
            damaged={ref: reason},
        )


# ---- durability -----------------------------------------------------------------------------


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_durably(path: str, data: bytes, mode: int = 0o644, exclusive: bool = True) -> None:
    """Create ``path`` with ``data``, fsync'd (its folder is the caller's to fsync)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- per-repository state of this process ---------------------------------------------------

_state_lock = threading.Lock()
_repo_locks: dict[str, threading.Lock] = {}
_known: dict[str, set] = {}
_cleaned: dict[str, float] = {}


def repo_lock(repo: str) -> threading.Lock:
    with _state_lock:
        lock = _repo_locks.get(repo)
        if lock is None:
            lock = _repo_locks[repo] = threading.Lock()
        return lock


def known_valid(repo: str) -> set:
    """Objects of ``repo`` this process has checked, with everything they reach."""
    with _state_lock:
        known = _known.get(repo)
        if known is None or len(known) > KNOWN_LIMIT:
            known = _known[repo] = set()
        return known


def forget(repo: str) -> None:
    with _state_lock:
        _known.pop(repo, None)


# ---- objects --------------------------------------------------------------------------------


def loose_path(repo: str, oid: str) -> str:
    return os.path.join(repo, "objects", oid[:2], oid[2:])


_pack_cache: dict[str, tuple[tuple, bytes, int]] = {}


def _pack_names(idx_path: str) -> tuple[bytes, int] | None:
    """The sorted object-name table of a version-2 pack index (what ``git gc`` writes)."""
    try:
        st = os.stat(idx_path)
    except OSError:
        return None
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    hit = _pack_cache.get(idx_path)
    if hit and hit[0] == key:
        return hit[1], hit[2]
    with open(idx_path, "rb") as f:
        head = f.read(8 + 256 * 4)
        if head[:8] != b"\xfftOc\x00\x00\x00\x02":
            return None
        count = struct.unpack(">I", head[-4:])[0]
        names = f.read(20 * count)
    _pack_cache[idx_path] = (key, names, count)
    return names, count


def in_packs(repo: str, oid: str) -> bool:
    pack_dir = os.path.join(repo, "objects", "pack")
    try:
        entries = os.listdir(pack_dir)
    except OSError:
        return False
    target = bytes.fromhex(oid)
    for name in entries:
        if not name.endswith(".idx") or not os.path.exists(os.path.join(pack_dir, name[:-4] + ".pack")):
            continue
        found = _pack_names(os.path.join(pack_dir, name))
        if not found:
            continue
        names, count = found
        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            probe = names[20 * mid : 20 * mid + 20]
            if probe < target:
                lo = mid + 1
            elif probe > target:
                hi = mid
            else:
                return True
    return False


def packed_type(repo: str, oid: str) -> str | None:
    git = shutil.which("git")
    if not git:
        return None
    out = subprocess.run([git, "--git-dir", repo, "cat-file", "-t", oid], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


class Damaged(Exception):
    pass


def read_existing(repo: str, oid: str, max_object: int) -> GitObject | None:
    """The object as stored (checked), a content-less stand-in if packed, None if absent.

    Raises ``Damaged`` when a loose file is there but is not that object (emptied by a crash).
    """
    path = loose_path(repo, oid)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, NotADirectoryError):
        if in_packs(repo, oid):
            return GitObject(oid=oid, kind="packed", size=-1)
        return None
    except IsADirectoryError:
        raise Damaged(f"{oid}: a folder stands where the object should be") from None
    try:
        return inflate_object(data, oid, InflateBudget(max_object), max_object)
    except GitFormatError as e:
        if in_packs(repo, oid):
            return GitObject(oid=oid, kind="packed", size=-1)
        raise Damaged(e.message) from None


def check_connected(repo: str, new: dict[str, GitObject], targets: list[tuple[str, str]], max_object: int) -> list[str]:
    """Every target (ref, commit id) reaches only present, valid objects; returns the ids checked.

    New objects are walked completely. Existing ones are read back and checked
    unless this process already did; an existing commit's parents are not
    walked (they were checked when that commit was accepted), its tree is.
    """
    known = known_valid(repo)
    seen: set[str] = set()
    missing: list[str] = []
    damaged: dict[str, str] = {}
    stack: list[tuple[str, str, str]] = [(oid, "commit", f"{ref}") for ref, oid in targets]
    target_ids = {oid for _ref, oid in targets}
    while stack:
        oid, expect, via = stack.pop()
        if expect == "gitlink" or oid in seen:
            continue
        seen.add(oid)
        obj = new.get(oid)
        fresh = obj is not None
        if obj is None:
            if oid in known and oid not in target_ids and _looks_intact(repo, oid):
                continue
            known.discard(oid)
            try:
                obj = read_existing(repo, oid, max_object)
            except Damaged as e:
                damaged[oid] = str(e)
                continue
            if obj is None:
                missing.append(f"{oid} ({expect}, from {via})")
                continue
            if obj.kind == "packed":
                if oid in target_ids:
                    kind = packed_type(repo, oid)
                    if kind != "commit":
                        raise StorageError(HTTPStatus.BAD_REQUEST, f"{via} would point at a {kind or 'unreadable object'}, not a commit")
                continue
        if obj.kind != expect:
            raise StorageError(HTTPStatus.BAD_REQUEST, f"{oid} is a {obj.kind} where {via} needs a {expect}")
        links = obj.links if fresh or obj.kind != "commit" else obj.links[:1]
        for link, kind in links:
            stack.append((link, kind, oid))
    if damaged:
        raise StorageError(
            HTTPStatus.CONFLICT,
            f"{len(damaged)} object(s) this write needs are damaged on disk; send them again: "
            + "; ".join(damaged.values())[:500],
            kind="damaged-objects",
            objects=sorted(damaged),
        )
    if missing:
        raise StorageError(
            HTTPStatus.BAD_REQUEST,
            f"ref update points at an incomplete commit: {len(missing)} object(s) missing, e.g. {missing[0]}",
            missing=[m.split(" ")[0] for m in missing[:100]],
        )
    return list(seen)


def _looks_intact(repo: str, oid: str) -> bool:
    """A checked object is not read again, but a crash may have emptied its file since: stat it."""
    try:
        # The smallest loose object (an empty blob) deflates to more than 8 bytes.
        return os.stat(loose_path(repo, oid)).st_size > 8
    except FileNotFoundError:
        return True  # packed by git gc meanwhile
    except OSError:
        return False


class Quarantine:
    """A write's objects, on disk but not yet part of the repository."""

    def __init__(self, repo: str):
        self.repo = repo
        self.path = os.path.join(repo, "objects", f"{QUARANTINE_PREFIX}{PROCESS_TOKEN}-{secrets.token_hex(4)}")
        os.mkdir(self.path)
        self.objects: dict[str, bytes] = {}

    def add(self, oid: str, data: bytes) -> None:
        if oid in self.objects:
            return
        write_file_durably(os.path.join(self.path, oid), data, 0o444)
        self.objects[oid] = data

    def join(self, max_object: int) -> dict:
        """Move every object into ``objects/`` (caller holds the repository lock)."""
        known = known_valid(self.repo)
        written = replaced = skipped = 0
        dirs: set[str] = set()
        new_fanout = False
        for oid, data in self.objects.items():
            src = os.path.join(self.path, oid)
            final = loose_path(self.repo, oid)
            folder = os.path.dirname(final)
            if not os.path.isdir(folder):
                os.makedirs(folder, exist_ok=True)
                new_fanout = True
            if os.path.lexists(final):
                if self._existing_is_good(final, oid, data, known, max_object):
                    skipped += 1
                    continue
                log.warning("Retrace: %s was damaged on disk; replaced by the copy just received", final)
                replaced += 1
            else:
                written += 1
            # rename is atomic: a reader sees the old file or the new one, never a mix.
            os.replace(src, final)
            dirs.add(folder)
        for folder in dirs:
            fsync_dir(folder)
        if new_fanout:
            fsync_dir(os.path.join(self.repo, "objects"))
        known.update(self.objects)
        return {"written": written, "replaced": replaced, "skipped": skipped}

    @staticmethod
    def _existing_is_good(final: str, oid: str, data: bytes, known: set, max_object: int) -> bool:
        try:
            with open(final, "rb") as f:
                existing = f.read()
        except OSError:
            return False
        if existing == data:
            return True
        try:
            inflate_object(existing, oid, InflateBudget(max_object), max_object)
            return True
        except GitFormatError:
            known.discard(oid)
            return False

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def clean_leftovers(repo: str, every: float = 60.0) -> None:
    """Remove quarantine folders and temporary files left by a server that is gone."""
    now = time.time()
    if now - _cleaned.get(repo, 0) < every:
        return
    _cleaned[repo] = now
    objects = os.path.join(repo, "objects")
    try:
        names = os.listdir(objects)
    except OSError:
        return
    for name in names:
        if not name.startswith(QUARANTINE_PREFIX) or PROCESS_TOKEN in name:
            continue
        path = os.path.join(objects, name)
        pid = name[len(QUARANTINE_PREFIX) :].split("-")[0]
        try:
            age = now - os.stat(path).st_mtime
        except OSError:
            continue
        if age > 3600 or not _process_alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            log.info("Retrace: removed %s, left by a write that never finished", path)


def _process_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


# ---- refs -----------------------------------------------------------------------------------


def ref_path(repo: str, ref: str) -> str:
    return os.path.join(repo, *ref.split("/"))


def _packed_refs(repo: str) -> dict[str, str]:
    try:
        with open(os.path.join(repo, "packed-refs"), "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedRef("packed-refs", "not UTF-8") from None
    out = {}
    for line in text.splitlines():
        if not line or line[0] in "#^":
            continue
        if len(line) > 41 and line[40] == " ":
            out[line[41:]] = line[:40]
    return out


def ref_file_problem(raw: bytes) -> str | None:
    """Why the bytes of a loose ref file (or HEAD) are not a ref value, or None."""
    if not raw.strip():
        return "empty"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    return ref_value_problem(text.strip())


def read_ref(repo: str, ref: str) -> str | None:
    """Current value of a ref (loose, else packed-refs); raises DamagedRef, never hides damage."""
    try:
        with open(ref_path(repo, ref), "rb") as f:
            raw = f.read(4096)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raw = None
    if raw is not None:
        problem = ref_file_problem(raw)
        if problem:
            raise DamagedRef(ref, problem)
        return raw.decode().strip()
    return None if ref == "HEAD" else _packed_refs(repo).get(ref)


def all_refs(repo: str) -> dict[str, str]:
    """HEAD and every branch (loose over packed) in one answer; raises DamagedRef, never hides damage.

    The client reads these together when it opens a history and gets them back
    with every write, so listing attempts costs no request of its own.
    """
    out = {f"refs/heads/{name}": oid for name, oid in _packed_refs_under(repo, "refs/heads/").items()}
    heads = os.path.join(repo, "refs", "heads")
    for dirpath, _dirs, files in os.walk(heads):
        for name in files:
            if name.endswith(".lock") or name.startswith("tmp_"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), repo).replace(os.sep, "/")
            value = read_ref(repo, rel)
            if value is not None:
                out[rel] = value
    head = read_ref(repo, "HEAD")
    if head is None:
        raise DamagedRef("HEAD", "missing")
    return {"HEAD": head, **dict(sorted(out.items()))}


def _packed_refs_under(repo: str, prefix: str) -> dict[str, str]:
    return {ref[len(prefix):]: oid for ref, oid in _packed_refs(repo).items() if ref.startswith(prefix)}


def damaged_refs(repo: str) -> dict[str, str]:
    """Every loose ref (and HEAD) whose file is not a valid value."""
    out = {}
    for rel in ["HEAD"]:
        try:
            with open(os.path.join(repo, rel), "rb") as f:
                problem = ref_file_problem(f.read(4096))
        except FileNotFoundError:
            problem = "missing"
        if problem:
            out[rel] = problem
    for dirpath, _dirs, files in os.walk(os.path.join(repo, "refs")):
        for name in files:
            if name.endswith(".lock"):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, repo).replace(os.sep, "/")
            try:
                with open(full, "rb") as f:
                    problem = ref_file_problem(f.read(4096))
            except OSError as e:
                problem = e.strerror or "unreadable"
            if problem:
                out[rel] = problem
    try:
        _packed_refs(repo)
    except DamagedRef as e:
        out.update(e.extra["damaged"])
    return out


def _check_ref_place(repo: str, ref: str) -> None:
    """A ref cannot live under another ref's file, nor where a folder of refs is."""
    parts = ref.split("/")
    for i in range(1, len(parts)):
        prefix = os.path.join(repo, *parts[:i])
        if os.path.isfile(prefix):
            raise StorageError(
                HTTPStatus.CONFLICT, f"{ref} cannot exist: {'/'.join(parts[:i])} is a ref", kind="ref-place"
            )
    if os.path.isdir(ref_path(repo, ref)):
        raise StorageError(HTTPStatus.CONFLICT, f"{ref} cannot exist: refs live under {ref}/", kind="ref-place")


def take_ref_lock(repo: str, ref: str, value: str) -> str:
    """Git's own protocol: create ``<ref>.lock`` exclusively; a stale one (writer gone) is removed."""
    _check_ref_place(repo, ref)
    lock = ref_path(repo, ref) + ".lock"
    os.makedirs(os.path.dirname(lock), exist_ok=True)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            write_file_durably(lock, (value + "\n").encode(), 0o644)
            return lock
        except FileExistsError:
            pass
        try:
            mtime = os.stat(lock).st_mtime
        except FileNotFoundError:
            continue
        # Our own locks live only inside this process's repository lock, so a lock we see
        # here is someone else's: stale if made before this server started, or long ago.
        if mtime < PROCESS_STARTED - 1 or time.time() - mtime > STALE_LOCK_SECONDS:
            log.warning("Retrace: removing stale lock %s (its writer is gone)", lock)
            try:
                os.unlink(lock)
            except FileNotFoundError:
                pass
            continue
        if time.monotonic() > deadline:
            raise StorageError(HTTPStatus.CONFLICT, f"{ref} is being written by someone else; retry", locked=[ref])
        time.sleep(0.02)


def check_refs_unchanged(repo: str, refs: list[tuple[str, str | None, str]]) -> None:
    """409 with the current values if a ref is not at its expected ``old`` (no lock taken)."""
    current = {ref: read_ref(repo, ref) for ref, _old, _new in refs}
    stale = [ref for ref, old, _new in refs if current[ref] != old]
    if stale:
        raise StorageError(HTTPStatus.CONFLICT, "history changed since it was read: " + ", ".join(stale), conflicts=current)


def update_refs(repo: str, refs: list[tuple[str, str | None, str]], before_move=None) -> None:
    """Compare-and-swap every ref, all or none; ``before_move`` runs once the swap is sure."""
    locks: list[str] = []
    try:
        for ref, _old, new in refs:
            locks.append(take_ref_lock(repo, ref, new))
        check_refs_unchanged(repo, refs)
        if before_move:
            before_move()
        folders = set()
        for (ref, old, new), lock in zip(refs, list(locks)):
            final = ref_path(repo, ref)
            if ref.startswith("refs/heads/"):
                # While the lock is held, as git does: `git reflog expire` (gc) rewrites logs under it.
                folders.add(_append_reflog(repo, ref, old, new))
            os.replace(lock, final)
            locks.remove(lock)
            folders.add(os.path.dirname(final))
        for folder in folders:
            fsync_dir(folder)
    finally:
        for lock in locks:
            try:
                os.unlink(lock)
            except FileNotFoundError:
                pass


def _append_reflog(repo: str, ref: str, old: str | None, new: str) -> str:
    """git's reflog line, so an emptied ref can be recovered (``doctor``, ``git reflog``)."""
    path = os.path.join(repo, "logs", *ref.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    line = f"{old or ZERO_OID} {new} Retrace <retrace@localhost> {int(time.time())} +0000\tretrace: write\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return os.path.dirname(path)


def is_disk_full(err: OSError) -> bool:
    return err.errno in (errno.ENOSPC, errno.EDQUOT)


__all__ = [
    "StorageError",
    "DamagedRef",
    "Quarantine",
    "check_connected",
    "clean_leftovers",
    "damaged_refs",
    "fsync_dir",
    "is_valid_ref_name",
    "read_ref",
    "repo_lock",
    "update_refs",
    "write_file_durably",
]
