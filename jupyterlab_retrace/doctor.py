"""``jupyter retrace doctor [ROOT] [--repair]``: check every history under a Jupyter root.

For each history repository (``ROOT/.retrace/<id>.git``) it runs
``git fsck --full --strict``, reports damaged refs, stale locks and writes
that never finished, names the notebook it belongs to (the notebook under
ROOT whose metadata carries the id) or calls it an orphan (with the path
the history last recorded), and counts dangling commits (runs on no attempt).

``--repair`` fixes what can be fixed without losing anything, and says what
it changed:

* a damaged ref (emptied by a power cut, garbage, not UTF-8) is set to the
  newest complete commit its reflog names, else to the newest complete
  dangling commit; the damaged bytes are kept under ``retrace-recovered/``
  and a ref that became valid meanwhile is left alone (never written over);
* a damaged HEAD points again at ``main`` (or the only branch);
* stale ``.lock`` files and quarantine folders of writers that are gone are
  removed; a damaged loose object that git also holds packed is moved aside.

Exit status: 0 when every history is healthy (after repair), 1 otherwise, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import gitrepo
from .gitvalidate import OID_HEX_RE

RECOVERED_DIR = "retrace-recovered"
STALE_LOCK_AGE = 600


@dataclass
class Report:
    repo: str
    notebooks: list[str] = field(default_factory=list)
    last_path: str | None = None
    fsck_ok: bool = True
    fsck_errors: list[str] = field(default_factory=list)
    damaged_refs: dict[str, str] = field(default_factory=dict)
    dangling: list[str] = field(default_factory=list)
    stale_locks: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    unrepaired: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return os.path.basename(self.repo)[: -len(".git")]

    @property
    def healthy(self) -> bool:
        return self.fsck_ok and not self.damaged_refs and not self.stale_locks and not self.leftovers


def _git(repo: str, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "--git-dir", repo, *args], capture_output=True, text=True, check=check)


# ---- finding things -------------------------------------------------------------------------


def notebooks_by_id(root: Path, history_root: Path) -> dict[str, list[str]]:
    """History id -> notebooks under ``root`` whose metadata carries it (checkpoints skipped)."""
    out: dict[str, list[str]] = {}
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".ipynb_checkpoints" and Path(dirpath, d) != history_root]
        for name in files:
            if not name.endswith(".ipynb"):
                continue
            path = Path(dirpath, name)
            try:
                with open(path, encoding="utf-8") as f:
                    meta = json.load(f).get("metadata", {}).get("retrace", {})
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(meta, dict) and isinstance(meta.get("id"), str):
                out.setdefault(meta["id"], []).append(str(path.relative_to(root)))
    return out


def last_recorded_path(repo: str) -> str | None:
    """The notebook path the newest snapshot recorded (its ``retrace.path`` metadata)."""
    for ref in ("HEAD", "main"):
        shown = _git(repo, "show", f"{ref}:notebook.json")
        if shown.returncode == 0:
            break
    else:
        return None
    try:
        doc = json.loads(shown.stdout)
    except ValueError:
        return None
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            meta = node.get("retrace")
            if isinstance(meta, dict) and isinstance(meta.get("path"), str):
                return meta["path"]
            stack.extend(node.values())
    return None


def fsck(repo: str) -> tuple[bool, list[str], list[str]]:
    """(clean, error lines, dangling commit ids) from ``git fsck --full --strict``."""
    out = _git(repo, "fsck", "--full", "--strict", "--dangling", "--no-progress")
    lines = (out.stdout + out.stderr).splitlines()
    dangling = [line.split()[2] for line in lines if line.startswith("dangling commit ")]
    errors = [line for line in lines if not line.startswith(("dangling ", "Checking", "notice:"))]
    return out.returncode == 0 and not errors, errors, dangling


def complete_commit(repo: str, oid: str) -> bool:
    """A commit whose whole history and every tree and blob are present."""
    if _git(repo, "cat-file", "-t", oid).stdout.strip() != "commit":
        return False
    return _git(repo, "rev-list", "--objects", "--missing=error", oid).returncode == 0


def commit_time(repo: str, oid: str) -> int:
    out = _git(repo, "log", "-1", "--format=%ct", oid)
    return int(out.stdout.strip() or 0)


def reflog_candidates(repo: str, ref: str) -> list[str]:
    """Values the ref held, newest first, from git's reflog file (read directly: the ref is damaged)."""
    try:
        with open(os.path.join(repo, "logs", *ref.split("/")), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    out = []
    for line in reversed(lines):
        parts = line.split(" ", 2)
        if len(parts) >= 2 and OID_HEX_RE.fullmatch(parts[1]) and parts[1] != gitrepo.ZERO_OID:
            out.append(parts[1])
    return out


def recover_value(repo: str, ref: str, dangling: list[str]) -> tuple[str | None, str]:
    """The newest complete commit ``ref`` can be set to, and where it was found."""
    for oid in reflog_candidates(repo, ref):
        if complete_commit(repo, oid):
            return oid, "its reflog"
    # Without a reflog: the newest complete commit nothing points at (the tip that was lost).
    tips = [oid for oid in dangling if complete_commit(repo, oid)]
    if tips:
        newest = max(tips, key=lambda oid: commit_time(repo, oid))
        return newest, f"the newest of {len(tips)} dangling commit(s)"
    return None, "no reflog entry or dangling commit is a complete commit"


# ---- repairs --------------------------------------------------------------------------------


def _keep_damaged(repo: str, rel: str, stamp: str) -> str:
    """Copy what was found aside before anything is changed (never written over)."""
    src = os.path.join(repo, *rel.split("/"))
    dst = os.path.join(repo, RECOVERED_DIR, stamp, *rel.split("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)
    return os.path.relpath(dst, repo)


def repair_refs(repo: str, damaged: dict[str, str], dangling: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Recover damaged refs; returns (what changed, what could not be repaired).

    Used by ``doctor --repair`` and by the storage endpoint's Recover.
    """
    changes: list[str] = []
    left: list[str] = []
    stamp = time.strftime("%Y%m%dT%H%M%S")
    if dangling is None:
        dangling = fsck(repo)[2]
    with gitrepo.repo_lock(repo):
        for ref, problem in sorted(damaged.items()):
            if ref == "packed-refs":
                left.append("packed-refs is damaged: repair it by hand (it is kept as it is)")
                continue
            path = os.path.join(repo, *ref.split("/"))
            try:
                with open(path, "rb") as f:
                    found = f.read()
            except OSError:
                found = None
            if found is not None and gitrepo.ref_file_problem(found) is None:
                continue  # repaired meanwhile (by a writer or by hand): not ours to change
            if ref == "HEAD":
                branches = sorted(os.listdir(os.path.join(repo, "refs", "heads")))
                target = "main" if "main" in branches or not branches else branches[0]
                value, how = f"ref: refs/heads/{target}", f"branch {target}"
            else:
                value, how = recover_value(repo, ref, dangling)
                if value is None:
                    left.append(f"{ref} is {problem}; cannot recover it: {how}")
                    continue
            kept = _keep_damaged(repo, ref, stamp) if found is not None else None
            _replace_ref(repo, ref, found, value)
            changes.append(
                f"{ref} was {problem}; set to {value} (from {how})" + (f"; what was there is kept in {kept}" if kept else "")
            )
    return changes, left


def _replace_ref(repo: str, ref: str, expected: bytes | None, value: str) -> None:
    """Write ``value`` through git's lock protocol, only if the file still holds ``expected``."""
    lock = gitrepo.ref_path(repo, ref) + ".lock"
    gitrepo.write_file_durably(lock, (value + "\n").encode())
    try:
        try:
            with open(gitrepo.ref_path(repo, ref), "rb") as f:
                now = f.read()
        except OSError:
            now = None
        if now != expected:
            raise RuntimeError(f"{ref} changed while it was being recovered; nothing was written")
        os.replace(lock, gitrepo.ref_path(repo, ref))
        gitrepo.fsync_dir(os.path.dirname(gitrepo.ref_path(repo, ref)))
    finally:
        if os.path.exists(lock):
            os.unlink(lock)


def stale_locks(repo: str) -> list[str]:
    now = time.time()
    found = []
    for dirpath, _dirs, files in os.walk(repo):
        if RECOVERED_DIR in dirpath.split(os.sep):
            continue
        for name in files:
            if name.endswith(".lock"):
                path = os.path.join(dirpath, name)
                try:
                    if now - os.stat(path).st_mtime > STALE_LOCK_AGE:
                        found.append(os.path.relpath(path, repo))
                except OSError:
                    pass
    return sorted(found)


def leftovers(repo: str) -> list[str]:
    objects = os.path.join(repo, "objects")
    try:
        names = os.listdir(objects)
    except OSError:
        return []
    return sorted(f"objects/{n}" for n in names if n.startswith(gitrepo.QUARANTINE_PREFIX) and gitrepo.PROCESS_TOKEN not in n)


def damaged_loose_objects(errors: list[str]) -> list[str]:
    """Object ids fsck found unreadable on disk ("object file ... is empty", "corrupt")."""
    out = []
    for line in errors:
        for word in line.replace(":", " ").split():
            if OID_HEX_RE.fullmatch(word) and word not in out and ("empty" in line or "corrupt" in line or "inflate" in line):
                out.append(word)
        if "objects/" in line:
            for word in line.split():
                if word.count("/") >= 2 and "objects/" in word:
                    hexid = "".join(word.rstrip(":").split("/")[-2:])
                    if OID_HEX_RE.fullmatch(hexid) and hexid not in out:
                        out.append(hexid)
    return out


# ---- the command ----------------------------------------------------------------------------


def examine(repo: str, ids: dict[str, list[str]], repair: bool) -> Report:
    report = Report(repo=repo)
    report.notebooks = ids.get(report.id, [])
    report.damaged_refs = gitrepo.damaged_refs(repo)
    report.fsck_ok, report.fsck_errors, report.dangling = fsck(repo)
    report.stale_locks = stale_locks(repo)
    report.leftovers = leftovers(repo)
    if not report.notebooks:
        report.last_path = last_recorded_path(repo)
    if not repair:
        return report
    for rel in report.stale_locks:
        os.unlink(os.path.join(repo, rel))
        report.changes.append(f"removed stale lock {rel}")
    for rel in report.leftovers:
        shutil.rmtree(os.path.join(repo, rel), ignore_errors=True)
        report.changes.append(f"removed {rel}, left by a write that never finished")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for oid in damaged_loose_objects(report.fsck_errors):
        loose = gitrepo.loose_path(repo, oid)
        if os.path.exists(loose) and gitrepo.in_packs(repo, oid):
            kept = _keep_damaged(repo, os.path.relpath(loose, repo).replace(os.sep, "/"), stamp)
            os.unlink(loose)
            report.changes.append(f"moved damaged loose object {oid} to {kept} (git holds it packed)")
    if report.damaged_refs:
        changes, left = repair_refs(repo, report.damaged_refs, report.dangling)
        report.changes += changes
        report.unrepaired += left
    if report.changes:
        gitrepo.forget(repo)
        report.damaged_refs = gitrepo.damaged_refs(repo)
        report.fsck_ok, report.fsck_errors, report.dangling = fsck(repo)
        report.stale_locks = stale_locks(repo)
        report.leftovers = leftovers(repo)
    return report


def describe(report: Report, out) -> None:
    state = "ok" if report.healthy else "PROBLEMS"
    print(f"{report.id}.git: {state}", file=out)
    if report.notebooks:
        print(f"  notebook: {', '.join(report.notebooks)}", file=out)
    else:
        where = report.last_path or "unknown (no snapshot records its path)"
        print(f"  orphan: no notebook under the root carries this id; it belonged to {where}", file=out)
    for ref, problem in report.damaged_refs.items():
        print(f"  damaged ref: {ref} ({problem})", file=out)
    for line in report.fsck_errors[:20]:
        print(f"  git fsck: {line}", file=out)
    if len(report.fsck_errors) > 20:
        print(f"  git fsck: … {len(report.fsck_errors) - 20} more", file=out)
    for rel in report.stale_locks:
        print(f"  stale lock: {rel}", file=out)
    for rel in report.leftovers:
        print(f"  unfinished write: {rel}", file=out)
    if report.dangling:
        print(f"  {len(report.dangling)} dangling commit(s) (runs on no attempt; git keeps them until gc prunes them)", file=out)
    for change in report.changes:
        print(f"  repaired: {change}", file=out)
    for left in report.unrepaired:
        print(f"  not repaired: {left}", file=out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", nargs="?", default=".", help="Jupyter root folder (default: the current folder)")
    parser.add_argument("--history-dir", default=".retrace", help="history folder, relative to ROOT (default .retrace)")
    parser.add_argument("--repair", action="store_true", help="repair what can be repaired, saying what changed")


def main(args: "argparse.Namespace | list[str] | None" = None, out=None) -> int:
    """``jupyter retrace doctor``: parsed arguments from the dispatcher, or an argv list."""
    out = out or sys.stdout
    if not isinstance(args, argparse.Namespace):
        parser = argparse.ArgumentParser(prog="jupyter retrace doctor", description=__doc__.split("\n\n")[0])
        add_arguments(parser)
        try:
            args = parser.parse_args(args)
        except SystemExit as e:
            return 2 if e.code else 0
    if not shutil.which("git"):
        print("doctor: the git command line is needed (apt-get install git)", file=sys.stderr)
        return 2
    root = Path(args.root).expanduser().resolve()
    history_root = Path(args.history_dir).expanduser()
    history_root = (history_root if history_root.is_absolute() else root / history_root).resolve()
    if not history_root.is_dir():
        print(f"doctor: no history folder at {history_root}", file=sys.stderr)
        return 2
    ids = notebooks_by_id(root, history_root)
    repos = sorted(str(p) for p in history_root.glob("*.git") if p.is_dir() and not p.is_symlink())
    reports = [examine(repo, ids, args.repair) for repo in repos]
    for report in reports:
        describe(report, out)
    bad = sum(not r.healthy for r in reports)
    orphans = sum(not r.notebooks for r in reports)
    changed = sum(len(r.changes) for r in reports)
    print(
        f"doctor: {len(reports)} histories, {bad} with problems, {orphans} orphan(s)"
        + (f", {changed} repair(s) made" if args.repair else ""),
        file=out,
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
