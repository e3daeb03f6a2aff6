"""Read a notebook's Retrace history with the ``git`` command line (no Node, no server).

A notebook's history is the bare repository ``<history dir>/<id>.git`` (the id is
the notebook's ``metadata.retrace.id``; the history dir is ``.retrace`` at the
Jupyter root). Each commit holds a snapshot of the notebook (one folder per cell,
``cells/<h0>/<h1>/<key>/source`` and ``meta.json``) and ``runs.json``, the runs
it captured (code as executed, cell id, status, error). See src/history/.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class HistoryError(Exception):
    pass


@dataclass
class RecordedRun:
    cell_id: str
    code: str
    status: str
    execution_count: int | None
    ename: str | None = None
    evalue: str | None = None
    kernel_session: str | None = None


@dataclass
class CellVersions:
    """Every version of one cell the history saw, oldest first."""

    cell_id: str
    sources: list[str] = field(default_factory=list)

    def add(self, source: str) -> None:
        if not self.sources or self.sources[-1] != source:
            if source in self.sources:
                self.sources.remove(source)
            self.sources.append(source)


@dataclass
class History:
    path: Path
    runs: list[RecordedRun]
    cells: dict[str, CellVersions]
    commits: int
    canonical_order: dict | None = None


def notebook_id(nb: dict) -> str | None:
    meta = nb.get("metadata", {}).get("retrace", {})
    rid = meta.get("id") if isinstance(meta, dict) else None
    return rid if isinstance(rid, str) and SAFE_ID.match(rid) else None


def find_history(notebook_path: Path, nb: dict, history_dir: Path | None = None) -> Path | None:
    """The history repository of ``nb``: in ``history_dir``, else in ``.retrace`` of a parent folder."""
    rid = notebook_id(nb)
    if rid is None:
        return None
    if history_dir is not None:
        candidate = Path(history_dir) / f"{rid}.git"
        return candidate if candidate.is_dir() else None
    for folder in [notebook_path.resolve().parent, *notebook_path.resolve().parents]:
        candidate = folder / ".retrace" / f"{rid}.git"
        if candidate.is_dir():
            return candidate
    return None


def _git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(
            ["git", "--git-dir", str(repo), *args],
            input=input_bytes,
            capture_output=True,
            timeout=120,
        )
    except FileNotFoundError as e:
        raise HistoryError("the git command line is not installed: the history cannot be read") from e
    if result.returncode != 0:
        raise HistoryError(f"git {' '.join(args[:2])} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _read_blobs(repo: Path, oids: list[str]) -> dict[str, bytes]:
    if not oids:
        return {}
    out = _git(repo, "cat-file", "--batch", input_bytes="".join(o + "\n" for o in oids).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        blobs[oid] = out[pos : pos + size]
        pos += size + 1
    return blobs


def read_history(repo: Path) -> History:
    """Runs and cell versions of every attempt, oldest first."""
    # One `git log --raw` lists, per commit, the blobs it added or changed.
    log = _git(repo, "log", "--all", "--reverse", "--topo-order", "--no-renames", "--raw", "--no-abbrev", "--format=@@%H").decode()
    changes: list[tuple[str, str]] = []  # (path, blob), in commit order
    commits = 0
    for line in log.splitlines():
        if line.startswith("@@"):
            commits += 1
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) >= 5 and parts[4] != "D" and (
                path == "runs.json" or path == "canonical-order.json" or path.endswith("/source") or path.endswith("/meta.json")
            ):
                changes.append((path, parts[3]))
    blobs = _read_blobs(repo, list(dict.fromkeys(b for _, b in changes)))
    runs: list[RecordedRun] = []
    seen_runs: set[tuple] = set()
    key_to_id: dict[str, str] = {}
    sources: list[tuple[str, str]] = []
    canonical: dict | None = None
    for path, oid in changes:
        data = blobs.get(oid)
        if data is None:
            continue
        if path == "runs.json":
            try:
                records = json.loads(data).get("runs", [])
            except (ValueError, AttributeError):
                continue
            for r in records:
                if not isinstance(r, dict) or not isinstance(r.get("cellId"), str):
                    continue
                key = (r.get("id"), r.get("kernelSession"), r.get("executionCount"), r.get("cellId"), r.get("code"))
                if key in seen_runs:
                    continue
                seen_runs.add(key)
                runs.append(
                    RecordedRun(
                        cell_id=r["cellId"],
                        code=str(r.get("code") or ""),
                        status=str(r.get("status") or "ok"),
                        execution_count=r.get("executionCount") if isinstance(r.get("executionCount"), int) else None,
                        ename=r.get("ename"),
                        evalue=r.get("evalue"),
                        kernel_session=r.get("kernelSession"),
                    )
                )
        elif path == "canonical-order.json":
            try:
                canonical = json.loads(data)
            except ValueError:
                pass
        elif path.endswith("/meta.json"):
            try:
                cid = json.loads(data).get("cell", {}).get("id")
            except (ValueError, AttributeError):
                cid = None
            if isinstance(cid, str):
                key_to_id[path.rsplit("/", 2)[-2]] = cid
        else:
            sources.append((path.rsplit("/", 2)[-2], data.decode("utf-8", errors="replace")))
    cells: dict[str, CellVersions] = {}
    # Code that ran first, then what the snapshots saved, so edits show as versions.
    for r in runs:
        cells.setdefault(r.cell_id, CellVersions(r.cell_id)).add(r.code)
    for key, source in sources:
        cid = key_to_id.get(key, key)
        cells.setdefault(cid, CellVersions(cid)).add(source)
    return History(path=repo, runs=runs, cells=cells, commits=commits, canonical_order=canonical)
