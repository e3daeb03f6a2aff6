"""Which history a notebook owns before its id reaches the file.

A notebook's history id lives in its metadata (``retrace.id``), but only
once the notebook is saved. Until then the server keeps the answer: a map
from notebook path (relative to the Jupyter root) to history id, in
``notebooks.json`` in the history folder. A page that opens a notebook with
no id asks here, so a reload, a second tab or a server restart before the
first save all find the same history; a rename or move before the save
moves the entry.

Histories that older versions left behind for a notebook that was never
saved (the id never reached the file) are re-attached: when a path has no
entry, the history whose latest snapshot says it belongs to that path, and
that no other path claims, is taken, but only when the notebook now at that
path is plausibly the one it recorded (see ``plausibly_same``): a new notebook
made later at the same path starts a history of its own.

The only file this module writes is ``notebooks.json`` (atomically); notebook
paths are keys, never opened, and are refused unless plain relative paths.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from http import HTTPStatus

import tornado
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAP_FILE = "notebooks.json"
MAX_PATH = 1024
MAX_ENTRIES = 100_000
# A notebook file larger than this is not read to compare it with an orphan's snapshot.
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024


class IdentityError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def clean_path(path) -> str:
    """A notebook path as the key of the map; refuses anything but a plain relative path."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH:
        raise IdentityError(HTTPStatus.BAD_REQUEST, "a notebook path is required")
    if "\0" in path or "\\" in path or path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise IdentityError(HTTPStatus.BAD_REQUEST, f"bad notebook path {path!r}")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise IdentityError(HTTPStatus.BAD_REQUEST, f"bad notebook path {path!r}")
    return path


def clean_id(value) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise IdentityError(HTTPStatus.BAD_REQUEST, "invalid history id")
    return value


class IdentityMap:
    """path -> history id, kept in the history folder."""

    def __init__(self, history_dir: str, notebook_root: str | None = None):
        self.root = os.path.realpath(history_dir)
        self.file = os.path.join(self.root, MAP_FILE)
        # Where notebook paths are relative to (the Jupyter root): orphans are re-attached
        # only after a look at the notebook there. Without it, none is.
        self.notebook_root = os.path.realpath(notebook_root) if notebook_root else None

    def _load(self) -> dict[str, str]:
        try:
            with open(self.file, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            # Never overwrite a map we cannot read: that would detach histories.
            raise IdentityError(HTTPStatus.CONFLICT, f"{MAP_FILE} in the history folder is unreadable ({err}); it was not touched")
        paths = data.get("paths") if isinstance(data, dict) else None
        return {k: v for k, v in (paths or {}).items() if isinstance(k, str) and isinstance(v, str)}

    def _save(self, paths: dict[str, str]) -> None:
        if len(paths) > MAX_ENTRIES:
            raise IdentityError(HTTPStatus.INSUFFICIENT_STORAGE, "too many notebooks in the identity map")
        os.makedirs(self.root, exist_ok=True)
        if os.path.islink(self.file):
            raise IdentityError(HTTPStatus.FORBIDDEN, f"{MAP_FILE} is a symbolic link; refused")
        fd, tmp = tempfile.mkstemp(prefix=".notebooks-", dir=self.root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": 1, "paths": paths}, f, indent=0, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.file)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def get(self, path: str) -> str | None:
        return self._load().get(clean_path(path))

    def claim(self, path: str, candidate: str) -> tuple[str, str]:
        """The history id of path: the one it has, an orphan's, or candidate. Returns (id, how)."""
        path = clean_path(path)
        candidate = clean_id(candidate)
        paths = self._load()
        if path in paths:
            return paths[path], "known"
        orphan = self.find_orphan(path, set(paths.values()))
        chosen, how = (orphan, "reattached") if orphan else (candidate, "new")
        paths[path] = chosen
        self._save(paths)
        return chosen, how

    def forget(self, path: str, history_id: str) -> bool:
        """The file at path now carries history_id itself: the map lets go of it.

        Otherwise a new notebook created later at the same path (another
        Untitled.ipynb) would be given that history.
        """
        path, history_id = clean_path(path), clean_id(history_id)
        paths = self._load()
        if paths.get(path) != history_id:
            return False
        del paths[path]
        self._save(paths)
        return True

    def move(self, source: str, target: str) -> str | None:
        source, target = clean_path(source), clean_path(target)
        paths = self._load()
        value = paths.get(source)
        if value is None or target in paths:
            return paths.get(target)
        paths[target] = paths.pop(source)
        self._save(paths)
        return value

    def _notebook_at(self, path: str) -> tuple[float, dict] | None:
        """The notebook file at path (its mtime and JSON), if it is a readable file inside the root."""
        if self.notebook_root is None:
            return None
        full = os.path.realpath(os.path.join(self.notebook_root, *path.split("/")))
        if not full.startswith(self.notebook_root + os.sep):
            return None  # a symbolic link out of the root: not looked at
        try:
            st = os.stat(full)
            if st.st_size > MAX_NOTEBOOK_BYTES:
                return st.st_mtime, {}
            with open(full, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            return None
        return st.st_mtime, doc if isinstance(doc, dict) else {}

    def find_orphan(self, path: str, claimed: set[str]) -> str | None:
        """A history whose latest snapshot belongs to path, that no path claims (git CLI),
        and that the notebook now at path plausibly is (``plausibly_same``)."""
        git = shutil.which("git")
        if git is None or not os.path.isdir(self.root):
            return None
        notebook = self._notebook_at(path)
        if notebook is None or _retrace_metadata(notebook[1]).get("id"):
            # No notebook there to compare with, or it carries an id of its own: nothing to re-attach.
            return None
        best = None
        for name in os.listdir(self.root):
            if not name.endswith(".git"):
                continue
            repo_id = name[:-4]
            repo = os.path.join(self.root, name)
            if not ID_RE.match(repo_id) or repo_id in claimed or os.path.islink(repo):
                continue
            try:
                out = subprocess.run(
                    [git, "--git-dir", repo, "log", "-1", "--format=%ct", "HEAD"], capture_output=True, text=True, timeout=10
                )
                if out.returncode != 0 or not out.stdout.strip():
                    continue
                when = int(out.stdout.strip())
                shown = subprocess.run(
                    [git, "--git-dir", repo, "show", "HEAD:notebook.json"], capture_output=True, text=True, timeout=10
                )
                if shown.returncode != 0:
                    continue
                meta = _retrace_metadata(json.loads(shown.stdout))
            except (OSError, ValueError, subprocess.SubprocessError):
                continue
            if meta.get("id") != repo_id or meta.get("path") != path or (best is not None and when <= best[0]):
                continue
            if plausibly_same(notebook[0], notebook[1], when, lambda: _snapshot_sources(git, repo)):
                best = (when, repo_id)
        return best[1] if best else None


def plausibly_same(mtime: float, notebook: dict, last_commit: int, snapshot_sources) -> bool:
    """Is the notebook file (mtime, JSON) plausibly the one an orphaned history recorded?

    An orphan is the history of a notebook whose id never reached its file. If
    the file was not written after the history's last commit, the runs were
    made in this very file (it was simply never saved afterwards). If it was
    written later, it is the same notebook only when its cells hold what the
    history's last snapshot holds (saved again without the id); otherwise it is
    a different notebook made later at the same path (another Untitled.ipynb),
    which must not inherit a stranger's runs.
    """
    # Commit times have whole seconds; one second of slack for the file system's finer clock.
    if mtime <= last_commit + 1:
        return True
    theirs = snapshot_sources()
    return theirs is not None and theirs == _cell_sources(notebook.get("cells"))


def _cell_sources(cells) -> list[str] | None:
    if not isinstance(cells, list):
        return None
    out = []
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        out.append("".join(source) if isinstance(source, list) else str(source))
    return out


def _snapshot_sources(git: str, repo: str) -> list[str] | None:
    """The cell sources of the last snapshot of a history, in notebook order (git CLI)."""

    def show(spec: str) -> str | None:
        out = subprocess.run([git, "--git-dir", repo, "show", spec], capture_output=True, timeout=10)
        return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else None

    try:
        top = json.loads(show("HEAD:notebook.json") or "null")
        if isinstance(top, dict) and top.get("layout") == "whole":
            return _cell_sources((top.get("notebook") or {}).get("cells"))
        order = json.loads(show("HEAD:order.json") or "null")
        if not isinstance(order, list):
            return None
        listed = subprocess.run(
            [git, "--git-dir", repo, "ls-tree", "-r", "--name-only", "HEAD", "cells"], capture_output=True, text=True, timeout=10
        )
        where = {}
        for name in listed.stdout.splitlines():
            parts = name.split("/")
            if len(parts) == 5 and parts[4] == "source":
                where[parts[3]] = name
        sources = []
        for key in order:
            text = show(f"HEAD:{where[key]}") if key in where else ""
            if text is None:
                return None
            sources.append(text)
        return sources
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _retrace_metadata(doc) -> dict:
    """retrace metadata in a snapshot's notebook.json, wherever the codec put the notebook fields."""
    for holder in (doc, doc.get("notebook") if isinstance(doc, dict) else None):
        if isinstance(holder, dict):
            meta = holder.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("retrace"), dict):
                return meta["retrace"]
    return {}


class IdentityHandler(APIHandler):
    """``GET ?path=``: the id the server holds for a notebook path.
    ``POST {path, id}``: claim (the existing id wins); ``POST {path, from}``: a rename or move;
    ``POST {path, forget: id}``: the file saved its id, the map lets go of the path.
    """

    def _map(self) -> IdentityMap:
        config = self.settings["retrace_config"]
        return IdentityMap(str(config.history_path), str(config.root_dir))

    def _fail(self, err: IdentityError):
        self.set_status(err.status)
        self.finish(json.dumps({"message": err.message}))

    @tornado.web.authenticated
    def get(self):
        try:
            self.finish(json.dumps({"id": self._map().get(self.get_argument("path", ""))}))
        except IdentityError as err:
            self._fail(err)

    @tornado.web.authenticated
    def post(self):
        try:
            try:
                data = json.loads(self.request.body or b"{}")
            except ValueError:
                raise IdentityError(HTTPStatus.BAD_REQUEST, "the body must be JSON") from None
            if not isinstance(data, dict):
                raise IdentityError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
            identities = self._map()
            if "forget" in data:
                self.finish(json.dumps({"forgotten": identities.forget(data.get("path"), data["forget"])}))
                return
            if "from" in data:
                self.finish(json.dumps({"id": identities.move(data["from"], data.get("path"))}))
                return
            chosen, how = identities.claim(data.get("path"), data.get("id"))
            self.finish(json.dumps({"id": chosen, "how": how}))
        except IdentityError as err:
            self._fail(err)


def identity_handlers(base_url: str) -> list:
    return [(url_path_join(base_url, "retrace", "api", "identity"), IdentityHandler)]
