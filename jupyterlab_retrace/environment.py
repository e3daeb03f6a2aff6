"""The environment a notebook ran on, as its Retrace history recorded it.

Each commit carries ``environment.json`` (written by the page, see
src/kernel/environment.ts): for every kernel session, the Python version and
the installed distributions its imports came from, with the top-level modules
imported from each; ``current`` names the kernel session the notebook ran on
when the commit was made.  ``gather --requirements`` pins what the canonical
order imports to those versions; ``check`` says which of them differ in the
checking kernel when a notebook does not reproduce.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .history_reader import HistoryError, _git

ENVIRONMENT_FILE = "environment.json"


@dataclass
class RecordedEnvironment:
    python: str
    implementation: str
    #: distribution name -> {"version": str, "modules": [top-level module, ...]}
    distributions: dict[str, dict] = field(default_factory=dict)
    commit: str | None = None
    kernel_session: str | None = None

    def version_for_module(self, module: str) -> tuple[str, str] | None:
        """(distribution, version) the module was imported from, if recorded."""
        for name, d in self.distributions.items():
            if module in d.get("modules", []):
                return name, d["version"]
        return None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_environment(text: str | bytes, commit: str | None = None) -> RecordedEnvironment | None:
    """The environment of the kernel session current at the commit (else the latest), or None."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    sessions = doc.get("sessions") if isinstance(doc, dict) else None
    if not isinstance(sessions, dict) or not sessions:
        return None
    current = doc.get("current")
    key = current if isinstance(current, str) and isinstance(sessions.get(current), dict) else None
    if key is None:
        valid = [(k, s) for k, s in sessions.items() if isinstance(s, dict)]
        if not valid:
            return None
        key = max(valid, key=lambda kv: str(kv[1].get("updated") or ""))[0]
    session = sessions[key]
    if not isinstance(session.get("python"), str):
        return None
    dists = {}
    for name, d in (session.get("distributions") or {}).items():
        if isinstance(d, dict) and isinstance(d.get("version"), str):
            modules = [m for m in d.get("modules", []) if isinstance(m, str)]
            dists[name] = {"version": d["version"], "modules": modules}
    return RecordedEnvironment(
        python=session["python"],
        implementation=str(session.get("implementation") or ""),
        distributions=dists,
        commit=commit,
        kernel_session=key,
    )


def read_recorded_environment(repo: Path) -> RecordedEnvironment | None:
    """The environment recorded with the current attempt's latest commit (HEAD), else with the newest commit that has one."""
    commit = None
    try:
        head = _git(repo, "rev-parse", "--verify", "--quiet", "HEAD").decode().strip()
        _git(repo, "cat-file", "-e", f"{head}:{ENVIRONMENT_FILE}")
        commit = head
    except HistoryError:
        commit = None
    if commit is None:
        newest = _git(repo, "log", "--all", "-1", "--format=%H", "--", ENVIRONMENT_FILE).decode().strip()
        commit = newest or None
    if commit is None:
        return None
    try:
        text = _git(repo, "cat-file", "blob", f"{commit}:{ENVIRONMENT_FILE}")
    except HistoryError:
        return None
    return parse_environment(text, commit)


# ---- the checking kernel's versions ----------------------------------------------

# Executed in a throwaway namespace of the checking kernel: binds nothing in the user's.
_PROBE = """exec({code!r}, {{}})"""
_PROBE_BODY = """
import importlib.metadata as m, json, platform
def v(n):
    try:
        return m.version(n)
    except Exception:
        return None
print("RETRACE-ENV " + json.dumps({{"python": platform.python_version(), "implementation": platform.python_implementation(),
    "versions": {{n: v(n) for n in {names!r}}}}}))
"""


def probe_code(names: list[str]) -> str:
    """Code that prints one line: the kernel's Python and the installed version of each distribution."""
    return _PROBE.format(code=_PROBE_BODY.format(names=list(names)))


def parse_probe(text: str) -> dict | None:
    for line in text.splitlines():
        if line.startswith("RETRACE-ENV "):
            try:
                return json.loads(line[len("RETRACE-ENV ") :])
            except ValueError:
                return None
    return None


def local_probe(names: list[str]) -> dict:
    """The same answer from this Python process (when the kernel cannot be asked)."""
    import importlib.metadata as m
    import platform

    def v(n):
        try:
            return m.version(n)
        except Exception:
            return None

    return {"python": platform.python_version(), "implementation": platform.python_implementation(), "versions": {n: v(n) for n in names}}


def differences(recorded: RecordedEnvironment, here: dict, where: str = "the checking kernel") -> list[dict]:
    """Each difference: {"name", "recorded", "found", "text"} (and the "modules" of a distribution);
    Python first, then distributions by name."""
    out = []
    if here.get("python") and here["python"] != recorded.python:
        out.append(
            {"name": "Python", "recorded": recorded.python, "found": here["python"],
             "text": f"Python {recorded.python} recorded, {here['python']} in {where}"}
        )
    versions = here.get("versions") or {}
    for name in sorted(recorded.distributions, key=_normal):
        want = recorded.distributions[name]["version"]
        got = versions.get(name)
        if got == want:
            continue
        text = f"{name} {want} recorded, " + (f"{got} in {where}" if got else f"not installed in {where}")
        modules = recorded.distributions[name].get("modules", [])
        out.append({"name": name, "recorded": want, "found": got, "text": text, "modules": modules})
    return out
