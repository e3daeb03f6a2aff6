"""Storage endpoint: the file system under each notebook's history repository.

isomorphic-git runs in the browser; these handlers are its disk. One bare git
repository per notebook lives at ``<history folder>/<repo id>.git``. The
endpoint is deliberately narrow:

* reads: any file or directory listing inside one repository, in batches;
* writes: only loose objects (content-addressed, verified against their name,
  never overwritten) and ref updates that are compare-and-swap, all in one
  request per commit;
* init: creates a repository where there is none, and refuses (409) to touch a
  folder that exists but is not a valid repository.

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
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
import zlib
from http import HTTPStatus

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from . import runregistry
from .config import Retrace

REPO_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
OID_RE = re.compile(r"^[0-9a-f]{40}$")
OBJECT_PATH_RE = re.compile(r"^objects/[0-9a-f]{2}/[0-9a-f]{38}$")
PATH_COMPONENT_RE = re.compile(r"^[A-Za-z0-9._-]+$")
REF_COMPONENT_RE = re.compile(r"^[A-Za-z0-9._-]+$")
OBJECT_TYPES = (b"blob", b"tree", b"commit", b"tag")
MAX_PATH_LENGTH = 1024
MAX_ITEMS = 100_000
# A ref lock older than this is left over from a crash, not a live writer.
STALE_LOCK_SECONDS = 60

_repo_locks: dict[str, asyncio.Lock] = {}
_gc_running: set[str] = set()
_gc_last: dict[str, float] = {}


class StorageError(Exception):
    """An answer other than 200, with a message for the client."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def is_valid_ref_name(ref: str) -> bool:
    if ref == "HEAD":
        return True
    if not isinstance(ref, str) or not ref.startswith("refs/") or ".." in ref or len(ref) > 256:
        return False
    return all(
        REF_COMPONENT_RE.match(part) and not part.startswith(".") and not part.endswith(".lock")
        for part in ref.split("/")
    )


def is_valid_ref_value(value) -> bool:
    return isinstance(value, str) and (
        bool(OID_RE.match(value)) or (value.startswith("ref: ") and is_valid_ref_name(value[5:]))
    )


def repository_problem(repo: str) -> str | None:
    """Why ``repo`` is not a usable git repository, or None if it is."""
    head_path = os.path.join(repo, "HEAD")
    if not os.path.isfile(head_path):
        return "HEAD is missing"
    try:
        with open(head_path, encoding="utf-8") as f:
            head = f.read(4096).strip()
    except (OSError, UnicodeDecodeError):
        return "HEAD cannot be read"
    if not (OID_RE.match(head) or (head.startswith("ref: ") and is_valid_ref_name(head[5:]))):
        return "HEAD is not a valid ref"
    if not os.path.isdir(os.path.join(repo, "objects")):
        return "objects/ is missing"
    if not os.path.isdir(os.path.join(repo, "refs")):
        return "refs/ is missing"
    return None


def _packed_ref(repo: str, ref: str) -> str | None:
    try:
        with open(os.path.join(repo, "packed-refs"), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if len(line) > 41 and line[40] == " " and line[41:] == ref:
                    return line[:40]
    except FileNotFoundError:
        return None
    return None


def read_ref(repo: str, ref: str) -> str | None:
    """Current value of a ref: the loose file, else packed-refs (after ``git pack-refs``)."""
    try:
        with open(os.path.join(repo, *ref.split("/")), encoding="utf-8") as f:
            value = f.read().strip()
            return value or None
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        pass
    return None if ref == "HEAD" else _packed_ref(repo, ref)


def verify_object(path: str, data: bytes, max_inflated: int) -> None:
    """A loose object must inflate to ``<type> <size>\\0<content>`` whose SHA-1 is its name."""
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(data, max_inflated + 64)
        if inflater.unconsumed_tail:
            raise StorageError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"{path}: object is larger than allowed")
        raw += inflater.flush()
    except zlib.error:
        raise StorageError(HTTPStatus.BAD_REQUEST, f"{path}: not zlib-compressed data") from None
    nul = raw.find(b"\0")
    header = raw[:nul] if nul > 0 else b""
    kind, _, size = header.partition(b" ")
    if kind not in OBJECT_TYPES or not size.isdigit() or int(size) != len(raw) - nul - 1:
        raise StorageError(HTTPStatus.BAD_REQUEST, f"{path}: not a git object")
    oid = path[8:10] + path[11:]
    if hashlib.sha1(raw).hexdigest() != oid:
        raise StorageError(HTTPStatus.BAD_REQUEST, f"{path}: content does not match the object id")


def _write_new_file(final: str, data: bytes, mode: int = 0o444) -> bool:
    """Write ``final`` atomically unless it exists; True if written. Never replaces a file."""
    if os.path.lexists(final):
        return False
    folder = os.path.dirname(final)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="tmp_obj_", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        try:
            # link() fails if the target appeared meanwhile: the existing object stays.
            os.link(tmp, final)
        except FileExistsError:
            return False
        except OSError:
            # File systems without hard links: rename; same content by construction.
            os.replace(tmp, final)
            return True
        return True
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


class RepoHandler(APIHandler):
    """Shared checks: repo id, confinement to the repository folder, size limits."""

    @property
    def retrace(self) -> Retrace:
        return self.settings["retrace_config"]

    def write_error(self, status_code, **kwargs):
        # Keep answers JSON with a message even for unexpected errors.
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or HTTPStatus(status_code).phrase
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message}))

    def fail(self, err: StorageError):
        self.set_status(err.status)
        self.finish(json.dumps({"message": err.message, **err.extra}))

    def history_root(self) -> str:
        return os.path.realpath(str(self.retrace.history_path))

    def repo_path(self, repo_id: str) -> str:
        if not isinstance(repo_id, str) or not REPO_ID_RE.match(repo_id):
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
            if part in ("", ".", "..") or not PATH_COMPONENT_RE.match(part):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"bad path {rel!r}")
        full = os.path.join(repo, *parts)
        real = os.path.realpath(full)
        if real != repo and not real.startswith(repo + os.sep):
            raise StorageError(HTTPStatus.FORBIDDEN, f"path {rel!r} leads outside the history repository")
        return full

    def json_body(self) -> dict:
        body = self.request.body or b""
        if len(body) > self.retrace.max_request_bytes:
            raise StorageError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request of {len(body)} bytes exceeds the limit of {self.retrace.max_request_bytes}",
            )
        try:
            data = json.loads(body or b"{}")
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
    """GET: does the repository exist, and is it valid."""

    @tornado.web.authenticated
    def get(self, repo_id):
        try:
            repo = self.repo_path(repo_id)
            exists = os.path.isdir(repo)
            problem = repository_problem(repo) if exists else None
            self.finish(json.dumps({"id": repo_id, "exists": exists, "valid": exists and problem is None, "problem": problem}))
        except StorageError as err:
            self.fail(err)


class InitHandler(RepoHandler):
    """POST: create the bare repository if it does not exist; never over existing data."""

    @tornado.web.authenticated
    async def post(self, repo_id):
        try:
            data = self.json_body()
            branch = data.get("defaultBranch", "main")
            if not isinstance(branch, str) or not is_valid_ref_name(f"refs/heads/{branch}"):
                raise StorageError(HTTPStatus.BAD_REQUEST, "invalid defaultBranch")
            repo = self.repo_path(repo_id)
            async with _lock_for(repo):
                created = self._init(repo, branch)
            self.set_status(HTTPStatus.CREATED if created else HTTPStatus.OK)
            self.finish(json.dumps({"created": created}))
        except StorageError as err:
            self.fail(err)

    def _init(self, repo: str, branch: str) -> bool:
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
        # Built aside, then renamed into place: a half-made repository is never visible.
        tmp = tempfile.mkdtemp(prefix=".tmp-init-", dir=root)
        try:
            for sub in ("objects/info", "objects/pack", "refs/heads", "refs/tags"):
                os.makedirs(os.path.join(tmp, sub))
            with open(os.path.join(tmp, "config"), "w", encoding="utf-8") as f:
                f.write("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n")
            with open(os.path.join(tmp, "description"), "w", encoding="utf-8") as f:
                f.write("Retrace history of one notebook\n")
            with open(os.path.join(tmp, "HEAD"), "w", encoding="utf-8") as f:
                f.write(f"ref: refs/heads/{branch}\n")
            if os.path.lexists(repo):
                raise StorageError(HTTPStatus.CONFLICT, "repository appeared while creating it; retry")
            os.rename(tmp, repo)
        finally:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
        return True


class ReadHandler(RepoHandler):
    """POST ``{files: [...], dirs: [...], stats: [...]}``: contents (base64), listings and lstat, null when missing."""

    @tornado.web.authenticated
    def post(self, repo_id):
        try:
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
                with open(full, "rb") as f:
                    content = f.read()
                budget -= len(content)
                out_files[rel] = base64.b64encode(content).decode("ascii")
            out_dirs: dict[str, list[str] | None] = {}
            for rel in dirs:
                try:
                    names = sorted(n for n in os.listdir(paths[rel]) if not n.startswith("tmp_obj_"))
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
            self.finish(json.dumps(answer))
        except StorageError as err:
            self.fail(err)


class FileHandler(RepoHandler):
    """GET ``?path=``: one file's raw bytes (for pack files too large for a batch read)."""

    @tornado.web.authenticated
    def get(self, repo_id):
        try:
            repo = self.existing_repo(repo_id)
            full = self.safe_path(repo, self.get_query_argument("path", ""))
            if not os.path.isfile(full):
                raise StorageError(HTTPStatus.NOT_FOUND, "no such file")
            self.set_header("Content-Type", "application/octet-stream")
            with open(full, "rb") as f:
                self.finish(f.read())
        except StorageError as err:
            self.fail(err)


class WriteHandler(RepoHandler):
    """POST ``{files: [{path, data}], refs: [{ref, old, new}]}``: one commit's objects, then CAS on the refs."""

    @tornado.web.authenticated
    async def post(self, repo_id):
        try:
            repo = self.existing_repo(repo_id)
            data = self.json_body()
            files, refs = self._parse(repo, data)
            written = skipped = 0
            # Objects first: content-addressed and verified, so writing them is always harmless.
            for full, raw in files:
                if _write_new_file(full, raw):
                    written += 1
                else:
                    skipped += 1
            async with _lock_for(repo):
                run_ids = runregistry.check(repo, files, refs)  # a run is stored once
                self._update_refs(repo, refs)
                runregistry.remember(repo, run_ids)
            self.finish(json.dumps({"written": written, "skipped": skipped, "refs": {r: n for r, _, n in refs}}))
            if written and self.retrace.git_gc:
                _schedule_gc(repo, self.log)
        except StorageError as err:
            self.fail(err)

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
            full = self.safe_path(repo, rel)
            if not OBJECT_PATH_RE.match(rel):
                raise StorageError(HTTPStatus.FORBIDDEN, f"only loose objects may be written, not {rel!r}")
            try:
                raw = base64.b64decode(item["data"], validate=True)
            except (binascii.Error, ValueError):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"{rel}: data is not base64") from None
            if len(raw) > limit:
                raise StorageError(
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"{rel}: {len(raw)} bytes exceeds the per-file limit of {limit}"
                )
            verify_object(rel, raw, self.retrace.max_object_bytes)
            files.append((full, raw))
        refs = []
        seen = set()
        for item in raw_refs:
            if not isinstance(item, dict):
                raise StorageError(HTTPStatus.BAD_REQUEST, "each ref update needs 'ref', 'old' and 'new'")
            ref, old, new = item.get("ref"), item.get("old"), item.get("new")
            if not is_valid_ref_name(ref) or ref in seen:
                raise StorageError(HTTPStatus.BAD_REQUEST, f"invalid or repeated ref name {ref!r}")
            if not is_valid_ref_value(new) or (old is not None and not is_valid_ref_value(old)):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"invalid value for {ref}")
            if ref != "HEAD" and not OID_RE.match(new):
                raise StorageError(HTTPStatus.BAD_REQUEST, f"{ref} must point at a commit id")
            self.safe_path(repo, ref)
            seen.add(ref)
            refs.append((ref, old, new))
        return files, refs

    def _update_refs(self, repo: str, refs) -> None:
        """Compare-and-swap every ref, all or none, under git's own ``<ref>.lock`` protocol."""
        locks: list[str] = []
        try:
            for ref, _old, new in refs:
                lock = os.path.join(repo, *ref.split("/")) + ".lock"
                os.makedirs(os.path.dirname(lock), exist_ok=True)
                locks.append(_take_lock(lock, ref, new))
            current = {ref: read_ref(repo, ref) for ref, _old, _new in refs}
            if any(current[ref] != old for ref, old, _new in refs):
                raise StorageError(
                    HTTPStatus.CONFLICT,
                    "history changed since it was read: " + ", ".join(r for r, o, _ in refs if current[r] != o),
                    conflicts=current,
                )
            for (ref, _old, _new), lock in zip(refs, list(locks)):
                os.replace(lock, os.path.join(repo, *ref.split("/")))
                locks.remove(lock)
        finally:
            for lock in locks:
                try:
                    os.unlink(lock)
                except FileNotFoundError:
                    pass


def _take_lock(lock: str, ref: str, value: str) -> str:
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                age = time.time() - os.stat(lock).st_mtime
            except FileNotFoundError:
                continue
            if age > STALE_LOCK_SECONDS:
                os.unlink(lock)
                continue
            raise StorageError(HTTPStatus.CONFLICT, f"{ref} is being written by someone else; retry", locked=[ref])
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(value + "\n")
        return lock
    raise StorageError(HTTPStatus.CONFLICT, f"{ref} is locked; retry", locked=[ref])


def _lock_for(repo: str) -> asyncio.Lock:
    lock = _repo_locks.get(repo)
    if lock is None:
        lock = _repo_locks[repo] = asyncio.Lock()
    return lock


def _schedule_gc(repo: str, log) -> None:
    """``git gc --auto`` in the background: packs loose objects; at most one per repository and minute."""
    git = shutil.which("git")
    now = time.monotonic()
    if not git or repo in _gc_running or now - _gc_last.get(repo, -1e9) < 60:
        return
    _gc_running.add(repo)
    _gc_last[repo] = now

    async def run():
        try:
            proc = await asyncio.create_subprocess_exec(
                git, "--git-dir", repo, "gc", "--auto", "--quiet",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )
            _, err = await proc.communicate()
            if proc.returncode:
                log.warning("Retrace: git gc --auto in %s failed: %s", repo, err.decode(errors="replace").strip())
        except OSError as e:  # pragma: no cover - git vanished
            log.warning("Retrace: could not run git gc: %s", e)
        finally:
            _gc_running.discard(repo)

    asyncio.ensure_future(run())


class ForkHandler(RepoHandler):
    """POST {"from": id}: a copied notebook's history starts as a copy of the original's.

    The copy is built aside and renamed into place, so it is whole or absent;
    an existing repository is never replaced.
    """

    @tornado.web.authenticated
    async def post(self, repo_id):
        try:
            data = self.json_body()
            source = self.existing_repo(data.get("from"))
            repo = self.repo_path(repo_id)
            if source == repo:
                raise StorageError(HTTPStatus.BAD_REQUEST, "a history cannot be forked from itself")
            async with _lock_for(repo):
                if os.path.lexists(repo):
                    raise StorageError(HTTPStatus.CONFLICT, f"history repository '{repo_id}' already exists", kind="exists")
                root = os.path.dirname(repo)
                tmp = tempfile.mkdtemp(prefix=".tmp-fork-", dir=root)
                try:
                    async with _lock_for(source):
                        # symlinks=True copies a link as a link: nothing outside is followed.
                        shutil.copytree(source, os.path.join(tmp, "repo"), symlinks=True)
                    os.rename(os.path.join(tmp, "repo"), repo)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            self.set_status(HTTPStatus.CREATED)
            self.finish(json.dumps({"created": True, "from": data.get("from")}))
        except StorageError as err:
            self.fail(err)


def storage_handlers(base_url: str) -> list:
    """Routes of the storage endpoint, for ``web_app.add_handlers``."""
    repos = url_path_join(base_url, "retrace", "api", "repos", r"(?P<repo_id>[^/]+)")
    return [
        (repos, RepoStatusHandler),
        (url_path_join(repos, "init"), InitHandler),
        (url_path_join(repos, "read"), ReadHandler),
        (url_path_join(repos, "file"), FileHandler),
        (url_path_join(repos, "write"), WriteHandler),
        (url_path_join(repos, "fork"), ForkHandler),
    ]
