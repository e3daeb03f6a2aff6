"""Storage endpoint: the file system under each notebook's history repository.

isomorphic-git runs in the browser; these handlers are its disk. One bare git
repository per notebook lives at ``<history folder>/<repo id>.git``. The
endpoint is deliberately narrow:

* reads: any file or directory listing inside one repository, in batches; a
  damaged ref file is a 409 (``kind: "damaged"``), never an absent ref;
* writes: only loose objects and compare-and-swap ref updates, all in one
  request per commit, acknowledged only when valid git (``gitvalidate``),
  quarantined until the refs pass and fsync'd (``gitrepo``); an existing
  object file that is damaged is replaced by the good copy, a valid one is kept;
* init: creates a repository where there is none, and refuses (409) to touch a
  folder that exists but is not a valid repository;
* recover: sets damaged refs to the newest complete commit (``doctor``).

The work runs in thread pools, never on the server's event loop; bodies over
``max_request_bytes`` are refused before they are read; every failure is an
answer with a message (4xx for bad input, 507 for a full disk).

Every handler is an ``APIHandler`` behind ``tornado.web.authenticated`` (Jupyter
auth; XSRF on POST comes with ``APIHandler``). Paths are confined to the
repository folder: ``..``, absolute paths, NUL bytes, backslashes and anything
that resolves (symlinks included) outside it are refused. Routes are under
``/retrace/api/repos/<repo id>/`` (see ``storage_handlers``).
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import errno
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import gitrepo, runregistry
from .config import Retrace
from .gitrepo import DamagedRef, StorageError, read_ref, ref_file_problem
from .gitvalidate import GitFormatError, InflateBudget, declared_size, inflate_object, is_valid_ref_name, is_valid_ref_value

# fullmatch everywhere: with match + '$' a trailing newline slips through ('abc%0A' -> 'abc\n.git').
REPO_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
OID_RE = re.compile(r"[0-9a-f]{40}")
OBJECT_PATH_RE = re.compile(r"objects/[0-9a-f]{2}/[0-9a-f]{38}")
# 200: well under every file system's 255-byte name limit (ENAMETOOLONG would be a 500).
PATH_COMPONENT_RE = re.compile(r"[A-Za-z0-9._-]{1,200}")
MAX_PATH_LENGTH = 1024
MAX_ITEMS = 100_000
# Files that hold ref values: a damaged one is reported, never read as "no history".
REF_FILE_RE = re.compile(r"HEAD|refs/.+")
# Handlers' disk and CPU work runs here, never on the server's event loop. Reads and status
# have their own threads so that they never wait behind writes being checked.
# Two threads each: zlib and SHA-1 release the GIL, the rest of the work is Python that more
# threads would not speed up, only make the event loop wait longer for its turn.
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="retrace-write")
_read_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="retrace-read")
# Status is what the panel polls to say "still there": never queued behind anything.
_status_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retrace-status")
_gc_running: set[str] = set()
_gc_last: dict[str, float] = {}


def repository_problem(repo: str) -> str | None:
    """Why ``repo`` is not a usable git repository, or None if it is."""
    head_path = os.path.join(repo, "HEAD")
    if not os.path.isfile(head_path):
        return "HEAD is missing"
    try:
        with open(head_path, "rb") as f:
            problem = ref_file_problem(f.read(4096))
    except OSError:
        return "HEAD cannot be read"
    if problem:
        return f"HEAD is not a valid ref ({problem})"
    if not os.path.isdir(os.path.join(repo, "objects")):
        return "objects/ is missing"
    if not os.path.isdir(os.path.join(repo, "refs")):
        return "refs/ is missing"
    return None


def _error_for_os(err: OSError) -> StorageError:
    """Disk errors as answers with a message: bad input is 4xx, a full disk 507."""
    what = f"{err.strerror or err}" + (f": {os.path.basename(str(err.filename))}" if err.filename else "")
    if gitrepo.is_disk_full(err):
        return StorageError(HTTPStatus.INSUFFICIENT_STORAGE, f"the server's disk is full ({what}); nothing was written")
    if err.errno == errno.ENAMETOOLONG:
        return StorageError(HTTPStatus.BAD_REQUEST, f"name too long ({what})")
    if err.errno in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENOTEMPTY):
        return StorageError(HTTPStatus.CONFLICT, f"a file or folder is in the way ({what})")
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError(HTTPStatus.FORBIDDEN, f"the server may not write there ({what})")
    return StorageError(HTTPStatus.INTERNAL_SERVER_ERROR, f"disk error ({what})")


@tornado.web.stream_request_body
class RepoHandler(APIHandler):
    """Shared checks: repo id, confinement, size limits; work off the event loop, errors as answers.

    The body is streamed so that its size is checked before it is read: a
    declared Content-Length over the limit is refused at once, and a chunked
    body stops being kept once it passes the limit.
    """

    @property
    def retrace(self) -> Retrace:
        return self.settings["retrace_config"]

    async def prepare(self):
        self._chunks: list[bytes] = []
        self._received = 0
        self._too_large = False
        await super().prepare()
        if self._finished or self.request.method != "POST":
            return
        limit = self.retrace.max_request_bytes
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            self.fail(self._too_large_error(int(declared)))
            return
        # Tornado's own cap (a 400 that closes the connection) stays above ours.
        self.request.connection.set_max_body_size(max(limit * 2, limit + (1 << 20)))

    def data_received(self, chunk: bytes) -> None:
        self._received += len(chunk)
        if self._received > self.retrace.max_request_bytes:
            self._too_large = True
            self._chunks = []
        elif not self._too_large:
            self._chunks.append(chunk)

    def _too_large_error(self, size: int) -> StorageError:
        return StorageError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"request of {size} bytes exceeds the limit of {self.retrace.max_request_bytes}",
        )

    def write_error(self, status_code, **kwargs):
        # Keep answers JSON with a message even for unexpected errors.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or HTTPStatus(status_code).phrase
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message}))

    def fail(self, err: StorageError):
        self.set_status(err.status)
        self.finish(json.dumps({"message": err.message, **err.extra}))

    async def answer(self, work, *args, status: int = HTTPStatus.OK, pool=None):
        """Run ``work`` in a storage thread pool; its dict (or error) becomes the JSON answer."""
        def run():
            out = work(*args)
            code, result = out if isinstance(out, tuple) else (status, out)
            # Encoded here too: a read answer of many objects is megabytes of JSON.
            return code, result, json.dumps(result)

        try:
            code, result, text = await asyncio.get_running_loop().run_in_executor(pool or _executor, run)
        except Exception as err:  # noqa: BLE001 - every failure becomes an answer with a message
            self.fail(self.as_storage_error(err))
            return None
        self.set_status(code)
        self.finish(text)
        return result

    def as_storage_error(self, err: Exception) -> StorageError:
        if isinstance(err, StorageError):
            return err
        if isinstance(err, GitFormatError):
            return StorageError(err.status, err.message)
        if isinstance(err, OSError):
            mapped = _error_for_os(err)
            if mapped.status >= 500:
                self.log.error("Retrace storage: %s", err)
            return mapped
        if isinstance(err, (RecursionError, UnicodeError, ValueError)):
            return StorageError(HTTPStatus.BAD_REQUEST, f"malformed request ({type(err).__name__})")
        self.log.exception("Retrace storage: unexpected error", exc_info=err)
        return StorageError(HTTPStatus.INTERNAL_SERVER_ERROR, f"unexpected error: {type(err).__name__}: {err}")

    def history_root(self) -> str:
        return os.path.realpath(str(self.retrace.history_path))

    def repo_path(self, repo_id: str) -> str:
        if not isinstance(repo_id, str) or not REPO_ID_RE.fullmatch(repo_id):
            raise StorageError(HTTPStatus.BAD_REQUEST, "invalid history id")
        root = self.history_root()
        repo = os.path.join(root, repo_id + ".git")
        if os.path.islink(repo) or os.path.realpath(repo) != repo:
            raise StorageError(HTTPStatus.FORBIDDEN, "history repository folder is a symbolic link; refused")
        return repo

    def existing_repo(self, repo_id: str) -> str:
        repo = self.repo_path(repo_id)
        if not os.path.isdir(repo):
            raise StorageError(HTTPStatus.NOT_FOUND, f"no history repository '{repo_id}'", kind="missing")
        problem = repository_problem(repo)
        if problem:
            raise StorageError(
                HTTPStatus.CONFLICT,
                f"history repository '{repo_id}' is not a valid git repository ({problem}); it was not touched",
                kind="corrupt",
            )
        return repo

    @staticmethod
    def safe_path(repo: str, rel) -> str:
        """Absolute path of ``rel`` inside ``repo``; refuses anything that could leave it."""
        if not isinstance(rel, str) or not rel or len(rel) > MAX_PATH_LENGTH:
            raise StorageError(HTTPStatus.BAD_REQUEST, "bad path")
        if "\0" in rel or "\\" in rel or rel.startswith("/") or ":" in rel:
            raise StorageError(HTTPStatus.BAD_REQUEST, f"bad path {rel!r}")
        parts = rel.split("/")
        for part in parts:
            if part in ("", ".", "..") or not PATH_COMPONENT_RE.fullmatch(part):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"bad path {rel[:300]!r}")
        full = os.path.join(repo, *parts)
        real = os.path.realpath(full)
        if real != repo and not real.startswith(repo + os.sep):
            raise StorageError(HTTPStatus.FORBIDDEN, f"path {rel!r} leads outside the history repository")
        return full

    def json_body(self) -> dict:
        if self._too_large:
            raise self._too_large_error(self._received)
        body = b"".join(self._chunks)
        self._chunks = []
        try:
            data = json.loads(body or b"{}")
        except RecursionError:
            raise StorageError(HTTPStatus.BAD_REQUEST, "request body is nested too deeply") from None
        except ValueError:
            raise StorageError(HTTPStatus.BAD_REQUEST, "request body is not JSON") from None
        if not isinstance(data, dict):
            raise StorageError(HTTPStatus.BAD_REQUEST, "request body must be a JSON object")
        return data

    @staticmethod
    def string_list(data: dict, key: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or len(value) > MAX_ITEMS or not all(isinstance(v, str) for v in value):
            raise StorageError(HTTPStatus.BAD_REQUEST, f"'{key}' must be a list of strings")
        return value


class RepoStatusHandler(RepoHandler):
    """GET: does the repository exist, is it valid, and which refs are damaged."""

    @tornado.web.authenticated
    async def get(self, repo_id):
        await self.answer(self._status, repo_id, pool=_status_executor)

    def _status(self, repo_id):
        repo = self.repo_path(repo_id)
        exists = os.path.isdir(repo)
        problem = repository_problem(repo) if exists else None
        # A damaged HEAD makes the repository invalid, and is one of the refs Recover repairs.
        damaged = gitrepo.damaged_refs(repo) if exists and (problem is None or _only_head_damaged(repo)) else {}
        return {
            "id": repo_id,
            "exists": exists,
            "valid": exists and problem is None,
            "problem": problem,
            "damagedRefs": damaged,
        }


class InitHandler(RepoHandler):
    """POST: create the bare repository if it does not exist; never over existing data."""

    @tornado.web.authenticated
    async def post(self, repo_id):
        await self.answer(self._init, repo_id)

    def _init(self, repo_id):
        data = self.json_body()
        branch = data.get("defaultBranch", "main")
        if not isinstance(branch, str) or not is_valid_ref_name(f"refs/heads/{branch}"):
            raise StorageError(HTTPStatus.BAD_REQUEST, "invalid defaultBranch")
        repo = self.repo_path(repo_id)
        with gitrepo.repo_lock(repo):
            created = self._create(repo, branch)
        return (HTTPStatus.CREATED if created else HTTPStatus.OK), {"created": created}

    def _create(self, repo: str, branch: str) -> bool:
        if os.path.lexists(repo):
            problem = repository_problem(repo) if os.path.isdir(repo) else "not a folder"
            if problem:
                raise StorageError(
                    HTTPStatus.CONFLICT,
                    f"{os.path.basename(repo)} exists but is not a valid git repository ({problem}); "
                    "it was left as it is",
                    kind="corrupt",
                )
            return False
        root = os.path.dirname(repo)
        os.makedirs(root, exist_ok=True)
        # Built aside, fsync'd, then renamed into place: a half-made repository is never visible.
        tmp = tempfile.mkdtemp(prefix=".tmp-init-", dir=root)
        try:
            for sub in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
                os.makedirs(os.path.join(tmp, sub))
            files = {
                "config": "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n",
                "description": "Retrace history of one notebook\n",
                "HEAD": f"ref: refs/heads/{branch}\n",
            }
            for name, text in files.items():
                gitrepo.write_file_durably(os.path.join(tmp, name), text.encode())
            for sub in ("objects/info", "objects/pack", "objects", "refs/heads", "refs/tags", "refs", ""):
                gitrepo.fsync_dir(os.path.join(tmp, sub))
            if os.path.lexists(repo):
                raise StorageError(HTTPStatus.CONFLICT, "repository appeared while creating it; retry")
            os.rename(tmp, repo)
            gitrepo.fsync_dir(root)
        finally:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
        return True


class ReadHandler(RepoHandler):
    """POST ``{files: [...], dirs: [...], stats: [...]}``: contents (base64), listings and lstat, null when missing.

    A ref file (HEAD, refs/...) that is empty or not a ref value is an error
    (409, ``kind: "damaged"``), never an absent ref: read as absent, the next
    commit would start a new history over the old one.
    """

    @tornado.web.authenticated
    async def post(self, repo_id):
        await self.answer(self._read, repo_id, pool=_read_executor)

    def _read(self, repo_id):
        repo = self.existing_repo(repo_id)
        data = self.json_body()
        files = self.string_list(data, "files")
        dirs = self.string_list(data, "dirs")
        stats = self.string_list(data, "stats")
        # Validate everything before reading anything.
        paths = {p: self.safe_path(repo, p) for p in [*files, *dirs, *stats]}
        limit = self.retrace.max_file_bytes
        budget = self.retrace.max_request_bytes
        out_files: dict[str, str | None] = {}
        large: dict[str, int] = {}
        deferred: list[str] = []
        damaged: dict[str, str] = {}
        for rel in files:
            full = paths[rel]
            try:
                st = os.stat(full)
            except (FileNotFoundError, NotADirectoryError):
                out_files[rel] = None
                continue
            if not stat.S_ISREG(st.st_mode):
                out_files[rel] = None
                continue
            if st.st_size > limit:
                large[rel] = st.st_size
                out_files[rel] = None
                continue
            if st.st_size > budget:
                # The answer would grow too large: the client asks again for these.
                deferred.append(rel)
                continue
            try:
                with open(full, "rb") as f:
                    content = f.read()
            except FileNotFoundError:
                out_files[rel] = None  # removed meanwhile (git gc packed it)
                continue
            if REF_FILE_RE.fullmatch(rel) and not rel.endswith(".lock"):
                problem = ref_file_problem(content)
                if problem:
                    damaged[rel] = problem
            elif rel == "packed-refs":
                try:
                    content.decode("utf-8")
                except UnicodeDecodeError:
                    damaged[rel] = "not UTF-8"
            budget -= len(content)
            out_files[rel] = base64.b64encode(content).decode("ascii")
        if damaged:
            raise StorageError(
                HTTPStatus.CONFLICT,
                "history refs are damaged: " + ", ".join(f"{r} ({p})" for r, p in damaged.items()),
                kind="damaged",
                damaged=damaged,
            )
        out_dirs: dict[str, list[str] | None] = {}
        for rel in dirs:
            try:
                names = sorted(n for n in os.listdir(paths[rel]) if not n.startswith("tmp_"))
                out_dirs[rel] = names
            except (FileNotFoundError, NotADirectoryError):
                out_dirs[rel] = None
        out_stats: dict[str, dict | None] = {}
        for rel in stats:
            try:
                st = os.lstat(paths[rel])
            except (FileNotFoundError, NotADirectoryError):
                out_stats[rel] = None
                continue
            kind = "dir" if stat.S_ISDIR(st.st_mode) else "symlink" if stat.S_ISLNK(st.st_mode) else "file"
            out_stats[rel] = {"type": kind, "size": st.st_size, "mode": st.st_mode, "mtimeMs": int(st.st_mtime * 1000)}
        answer = {"files": out_files, "dirs": out_dirs, "stats": out_stats}
        if large:
            answer["large"] = large
        if deferred:
            answer["deferred"] = deferred
        return answer


FILE_CHUNK = 1 << 20


class FileHandler(RepoHandler):
    """GET ``?path=``: one file's raw bytes, streamed (pack files too large for a batch read)."""

    @tornado.web.authenticated
    async def get(self, repo_id):
        loop = asyncio.get_running_loop()
        try:
            f, size = await loop.run_in_executor(_read_executor, self._open, repo_id, self.get_query_argument("path", ""))
        except Exception as err:  # noqa: BLE001
            self.fail(self.as_storage_error(err))
            return
        try:
            self.set_header("Content-Type", "application/octet-stream")
            self.set_header("Content-Length", str(size))
            sent = 0
            while sent < size:
                chunk = await loop.run_in_executor(_read_executor, f.read, min(FILE_CHUNK, size - sent))
                if not chunk:
                    break
                sent += len(chunk)
                self.write(chunk)
                await self.flush()
        finally:
            f.close()
        # APIHandler.finish would set Content-Type back to JSON; the client relies on this one.
        self.finish(set_content_type="application/octet-stream")

    def _open(self, repo_id, rel):
        repo = self.existing_repo(repo_id)
        full = self.safe_path(repo, rel)
        if not os.path.isfile(full):
            raise StorageError(HTTPStatus.NOT_FOUND, "no such file")
        f = open(full, "rb")  # noqa: SIM115 - closed by get()
        return f, os.fstat(f.fileno()).st_size


class RefsHandler(RepoHandler):
    """GET: HEAD and every branch tip in one answer (``{refs: {HEAD: ..., refs/heads/x: oid}}``); 409 if one is damaged."""

    @tornado.web.authenticated
    async def get(self, repo_id):
        await self.answer(self._refs, repo_id, pool=_read_executor)

    def _refs(self, repo_id):
        repo = self.existing_repo(repo_id)
        try:
            return {"refs": gitrepo.all_refs(repo)}
        except DamagedRef as err:
            damaged = gitrepo.damaged_refs(repo) or err.extra["damaged"]
            raise StorageError(
                HTTPStatus.CONFLICT,
                "history refs are damaged: " + ", ".join(f"{r} ({p})" for r, p in damaged.items()),
                kind="damaged",
                damaged=damaged,
            ) from None


# ``<oid>`` or ``<oid>:<path in its tree>``, as `git cat-file --batch` takes them.
OBJECT_NAME_RE = re.compile(r"[0-9a-f]{40}(:[A-Za-z0-9._-]{1,200}(/[A-Za-z0-9._-]{1,200}){0,15})?")


class ObjectsHandler(RepoHandler):
    """POST ``{names: [...]}``: the objects, loose or packed, inflated, as `git cat-file --batch` prints them.

    Opening a long history reads thousands of small objects; git reads them
    from loose files and packs alike at C speed, where the client would inflate
    each one (and walk packs through isomorphic-git, seconds after a `git gc`).
    The answer is raw bytes: per name ``<oid> <type> <size>\n<content>\n``, or
    ``<name> missing\n``. 501 when the server has no git: the client then reads files.
    """

    @tornado.web.authenticated
    async def post(self, repo_id):
        try:
            body = await asyncio.get_running_loop().run_in_executor(_read_executor, self._objects, repo_id)
        except Exception as err:  # noqa: BLE001
            self.fail(self.as_storage_error(err))
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.write(body)
        # APIHandler.finish would set Content-Type back to JSON; the client relies on this one.
        self.finish(set_content_type="application/octet-stream")

    def _objects(self, repo_id) -> bytes:
        repo = self.existing_repo(repo_id)
        names = self.string_list(self.json_body(), "names")
        for name in names:
            if not OBJECT_NAME_RE.fullmatch(name) or ".." in name:
                raise StorageError(HTTPStatus.BAD_REQUEST, f"bad object name {name[:300]!r}")
        git = shutil.which("git")
        if not git:
            raise StorageError(HTTPStatus.NOT_IMPLEMENTED, "the server has no git command line", kind="no-git")
        if not names:
            return b""
        proc = subprocess.Popen(
            [git, "--git-dir", repo, "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "GIT_NO_REPLACE_OBJECTS": "1", "GIT_CONFIG_NOSYSTEM": "1"},
        )
        # Written from a thread so that a large answer never deadlocks on full pipes.
        feeder = threading.Thread(target=self._feed, args=(proc, ("\n".join(names) + "\n").encode()), daemon=True)
        feeder.start()
        limit = self.retrace.max_request_bytes
        chunks, size = [], 0
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                proc.kill()
                proc.wait()
                raise StorageError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"answer exceeds {limit} bytes: ask for fewer objects")
            chunks.append(chunk)
        feeder.join()
        if proc.wait() != 0:
            raise StorageError(HTTPStatus.CONFLICT, "git could not read the history repository", kind="corrupt")
        return b"".join(chunks)

    @staticmethod
    def _feed(proc, data: bytes) -> None:
        try:
            proc.stdin.write(data)
            proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass


class WriteHandler(RepoHandler):
    """POST ``{files: [{path, data}], refs: [{ref, old, new}]}``: one commit's objects, then CAS on the refs.

    Acknowledged only when valid: see ``gitrepo`` for the order of checks,
    quarantine and fsyncs.
    """

    @tornado.web.authenticated
    async def post(self, repo_id):
        result = await self.answer(self._write, repo_id)
        if result and result.get("written") and self.retrace.git_gc:
            _schedule_gc(self.repo_path(repo_id), self.log)

    def _write(self, repo_id):
        repo = self.existing_repo(repo_id)
        data = self.json_body()
        files, refs = self._parse(repo, data)
        config = self.retrace
        # A stale writer is told at once, before any inflating or fsync; the compare-and-swap
        # under the lock below is what decides, this only spares the work of a sure loser.
        gitrepo.check_refs_unchanged(repo, refs)
        # Every declared size against the request's budget first, then inflate (each stops at its size).
        budget = InflateBudget(config.max_inflate_bytes)
        for oid, raw in files:
            budget.take(declared_size(raw, oid, config.max_object_bytes), f"object {oid}")
        new = {}
        for oid, raw in files:
            new[oid] = inflate_object(raw, oid, None, config.max_object_bytes)
        gitrepo.clean_leftovers(repo)
        quarantine = gitrepo.Quarantine(repo)
        try:
            for oid, raw in files:
                quarantine.add(oid, raw)
            targets = [(ref, value) for ref, _old, value in refs if OID_RE.fullmatch(value)]
            for ref, _old, value in refs:
                if value.startswith("ref: ") and value[5:] != "HEAD":
                    gitrepo._check_ref_place(repo, value[5:])
            checked = gitrepo.check_connected(repo, new, targets, config.max_object_bytes) if targets else []
            counts = {}
            with gitrepo.repo_lock(repo):
                run_ids = runregistry.check(repo, dict(files), refs)  # a run is stored once
                if refs:
                    gitrepo.update_refs(repo, refs, before_move=lambda: counts.update(quarantine.join(config.max_object_bytes)))
                    runregistry.remember(repo, run_ids)
                else:
                    # Objects sent ahead of their commit (a write split in parts): valid on their own.
                    counts.update(quarantine.join(config.max_object_bytes))
                # Every tip as it stands after this write, read under the lock: the client's
                # refresh after a commit needs no request of its own.
                try:
                    tips = gitrepo.all_refs(repo)
                except DamagedRef:
                    tips = None  # the write stands; the client reads the refs (and learns of the damage)
            gitrepo.known_valid(repo).update(checked)
        finally:
            quarantine.discard()
        return {**counts, "refs": {r: n for r, _, n in refs}, "tips": tips}

    def _parse(self, repo: str, data: dict):
        if data.get("deletes"):
            raise StorageError(HTTPStatus.BAD_REQUEST, "deleting is not supported: history is never deleted")
        raw_files = data.get("files", [])
        raw_refs = data.get("refs", [])
        if not isinstance(raw_files, list) or not isinstance(raw_refs, list) or len(raw_files) > MAX_ITEMS:
            raise StorageError(HTTPStatus.BAD_REQUEST, "'files' and 'refs' must be lists")
        limit = self.retrace.max_file_bytes
        files = []
        for item in raw_files:
            if not isinstance(item, dict) or not isinstance(item.get("data"), str):
                raise StorageError(HTTPStatus.BAD_REQUEST, "each file needs 'path' and base64 'data'")
            rel = item.get("path")
            self.safe_path(repo, rel)
            if not OBJECT_PATH_RE.fullmatch(rel):
                raise StorageError(HTTPStatus.FORBIDDEN, f"only loose objects may be written, not {rel!r}")
            try:
                raw = base64.b64decode(item["data"], validate=True)
            except (binascii.Error, ValueError):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"{rel}: data is not base64") from None
            if len(raw) > limit:
                raise StorageError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"{rel}: {len(raw)} bytes exceeds the per-file limit of {limit}"
                )
            files.append((rel[8:10] + rel[11:], raw))
        refs = []
        seen = set()
        for item in raw_refs:
            if not isinstance(item, dict):
                raise StorageError(HTTPStatus.BAD_REQUEST, "each ref update needs 'ref', 'old' and 'new'")
            ref, old, new = item.get("ref"), item.get("old"), item.get("new")
            if not is_valid_ref_name(ref) or ref in seen:
                raise StorageError(HTTPStatus.BAD_REQUEST, f"invalid or repeated ref name {str(ref)[:300]!r}")
            if not is_valid_ref_value(new) or (old is not None and not is_valid_ref_value(old)):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"invalid value for {ref}")
            if ref != "HEAD" and not OID_RE.fullmatch(new):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"{ref} must point at a commit id")
            # HEAD names a branch, or is detached at a commit (a Restore of a snapshot that is no
            # attempt's tip, until the next run starts an attempt there), checked complete as a branch's.
            if ref == "HEAD" and not (new.startswith("ref: refs/heads/") or OID_RE.fullmatch(new)):
                raise StorageError(HTTPStatus.BAD_REQUEST, "HEAD must name a branch (ref: refs/heads/...) or a commit id")
            self.safe_path(repo, ref)
            seen.add(ref)
            refs.append((ref, old, new))
        return files, refs


def _schedule_gc(repo: str, log) -> None:
    """``git gc --auto`` in the background: packs loose objects; at most one per repository and minute.

    git stops auto-gc for a day once it has written ``gc.log`` (usually "too
    many unreachable loose objects"): that is logged, the unreachable objects
    older than an hour are pruned, and ``gc.log`` removed so packing goes on.
    """
    git = shutil.which("git")
    now = time.monotonic()
    if not git or repo in _gc_running or now - _gc_last.get(repo, -1e9) < 60:
        return
    _gc_running.add(repo)
    _gc_last[repo] = now

    async def run(*args):
        proc = await asyncio.create_subprocess_exec(
            git, "--git-dir", repo, *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, err = await proc.communicate()
        return proc.returncode, err.decode(errors="replace").strip()

    async def gc():
        try:
            gc_log = os.path.join(repo, "gc.log")
            if os.path.exists(gc_log):
                with open(gc_log, encoding="utf-8", errors="replace") as f:
                    log.warning("Retrace: git gc reported in %s: %s", repo, f.read().strip()[:2000])
                code, err = await run("prune", "--expire=1.hour.ago")
                if code:
                    log.warning("Retrace: git prune in %s failed: %s", repo, err)
                else:
                    os.unlink(gc_log)
                    log.info("Retrace: pruned unreachable objects in %s and cleared gc.log", repo)
            code, err = await run("gc", "--auto", "--quiet")
            if code:
                log.warning("Retrace: git gc --auto in %s failed: %s", repo, err)
        except OSError as e:  # pragma: no cover - git vanished
            log.warning("Retrace: could not run git gc: %s", e)
        finally:
            _gc_running.discard(repo)

    asyncio.ensure_future(gc())


class ForkHandler(RepoHandler):
    """POST {"from": id}: a copied notebook's history starts as a copy of the original's.

    The copy is built aside, fsync'd and renamed into place, so it is whole or
    absent; an existing repository is never replaced.
    """

    @tornado.web.authenticated
    async def post(self, repo_id):
        await self.answer(self._fork, repo_id)

    def _fork(self, repo_id):
        data = self.json_body()
        source = self.existing_repo(data.get("from"))
        repo = self.repo_path(repo_id)
        if source == repo:
            raise StorageError(HTTPStatus.BAD_REQUEST, "a history cannot be forked from itself")
        with gitrepo.repo_lock(repo):
            if os.path.lexists(repo):
                raise StorageError(HTTPStatus.CONFLICT, f"history repository '{repo_id}' already exists", kind="exists")
            root = os.path.dirname(repo)
            tmp = tempfile.mkdtemp(prefix=".tmp-fork-", dir=root)
            try:
                copy = os.path.join(tmp, "repo")
                with gitrepo.repo_lock(source):
                    # symlinks=True copies a link as a link: nothing outside is followed.
                    shutil.copytree(source, copy, symlinks=True, ignore=shutil.ignore_patterns("tmp_*", "*.lock"))
                _fsync_tree(copy)
                os.rename(copy, repo)
                gitrepo.fsync_dir(root)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return HTTPStatus.CREATED, {"created": True, "from": data.get("from")}


class RecoverHandler(RepoHandler):
    """POST: set every damaged ref to the newest complete commit found (reflog, dangling commits).

    What was found is kept aside and a ref that is valid is never written over
    (see ``doctor.repair_refs``). Answers what changed and what could not be.
    """

    @tornado.web.authenticated
    async def post(self, repo_id):
        await self.answer(self._recover, repo_id)

    def _recover(self, repo_id):
        from .doctor import repair_refs

        repo = self.repo_path(repo_id)
        if not (os.path.isdir(repo) and _only_head_damaged(repo)):
            repo = self.existing_repo(repo_id)
        damaged = gitrepo.damaged_refs(repo)
        changes, left = repair_refs(repo, damaged) if damaged else ([], [])
        gitrepo.forget(repo)
        return {"changes": changes, "unrepaired": left, "damagedRefs": gitrepo.damaged_refs(repo)}


def _only_head_damaged(repo: str) -> bool:
    """The repository is sound but for its HEAD file (emptied or garbled): Recover can set it."""
    head = os.path.join(repo, "HEAD")
    if os.path.islink(head) or not os.path.isfile(head):
        return False
    with open(head, "rb") as f:
        if ref_file_problem(f.read(4096)) is None:
            return False
    return os.path.isdir(os.path.join(repo, "objects")) and os.path.isdir(os.path.join(repo, "refs"))


def _fsync_tree(top: str) -> None:
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        gitrepo.fsync_dir(dirpath)


def storage_handlers(base_url: str) -> list:
    """Routes of the storage endpoint, for ``web_app.add_handlers``."""
    repos = url_path_join(base_url, "retrace", "api", "repos", r"(?P<repo_id>[^/]+)")
    return [
        (repos, RepoStatusHandler),
        (url_path_join(repos, "init"), InitHandler),
        (url_path_join(repos, "read"), ReadHandler),
        (url_path_join(repos, "file"), FileHandler),
        (url_path_join(repos, "write"), WriteHandler),
        (url_path_join(repos, "refs"), RefsHandler),
        (url_path_join(repos, "objects"), ObjectsHandler),
        (url_path_join(repos, "fork"), ForkHandler),
        (url_path_join(repos, "recover"), RecoverHandler),
    ]
