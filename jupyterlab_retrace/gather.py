"""``jupyter retrace gather NOTEBOOK -o OUT``: the canonical order as a new notebook.

The canonical order is the one the page computed and stored with the latest
commit of the notebook's Retrace history (``canonical-order.json``): the runs
that rebuild the kernel state, in an order that works, each with the code it
ran (deleted and edited versions included). The new notebook starts with a
markdown cell saying where it came from.
"""
from __future__ import annotations

import sys
from pathlib import Path

from .check import CheckError
from .history_reader import HistoryError, find_history, read_history


def gather(path: Path, history_dir: Path | None = None):
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except FileNotFoundError as e:
        raise CheckError(f"{path}: no such notebook") from e
    except Exception as e:
        raise CheckError(f"{path}: not a readable notebook ({e})") from e
    repo = find_history(path, nb, history_dir)
    if repo is None:
        raise CheckError(f"{path}: no Retrace history found (metadata.retrace.id and a .retrace/<id>.git folder)")
    try:
        history = read_history(repo)
    except HistoryError as e:
        raise CheckError(f"{path}: {e}") from e
    order = history.canonical_order
    if not order or not order.get("steps"):
        raise CheckError(f"{path}: the history holds no canonical order (open the notebook in JupyterLab with Retrace and run a cell)")
    steps = order["steps"]
    cells_now = {c.get("id"): i for i, c in enumerate(nb.cells)}
    intro = [
        f"# Gathered from `{path.name}`",
        "",
        f"The canonical order Retrace inferred from this notebook's history: {len(steps)} steps that rebuild the kernel state"
        + (f" (of {order.get('runs')} runs)" if order.get("runs") else "")
        + ", in an order that works.",
    ]
    notes = []
    for s in steps:
        if s.get("cellId") not in cells_now:
            notes.append(f"- `{s.get('label') or s.get('cellId')}`: code of a deleted cell")
        elif not s.get("current", True):
            notes.append(f"- {s.get('label')}: the version that ran, since edited")
    if notes:
        intro += ["", "Steps that differ from the notebook as it stands:", *notes]
    out = nbformat.v4.new_notebook(metadata={k: v for k, v in nb.metadata.items() if k != "retrace"})
    out.cells.append(nbformat.v4.new_markdown_cell("\n".join(intro)))
    for s in steps:
        cell = nbformat.v4.new_code_cell(s.get("code", ""))
        cell.metadata["retrace"] = {"from": s.get("cellId"), "label": s.get("label"), "current": bool(s.get("current", True))}
        out.cells.append(cell)
    return out


def imported_modules(sources) -> list[str]:
    """Top-level modules the code imports (magics and shell lines skipped)."""
    import ast

    found: list[str] = []
    for src in sources:
        lines = ["pass" if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines()]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top not in found:
                    found.append(top)
    return found


def requirements(sources, recorded=None) -> list[str]:
    """`dist==version` for each distribution the code imports (standard library left out):
    at the version the history recorded (``recorded``, a RecordedEnvironment), else as installed here."""
    from importlib import metadata

    stdlib = getattr(sys, "stdlib_module_names", set())
    owners = None
    lines: list[str] = []
    for module in imported_modules(sources):
        if module in stdlib:
            continue
        pinned = recorded.version_for_module(module) if recorded is not None else None
        if pinned is not None:
            found = [f"{pinned[0]}=={pinned[1]}"]
        else:
            if owners is None:
                owners = metadata.packages_distributions()
            found = []
            for dist in owners.get(module, []):
                try:
                    found.append(f"{dist}=={metadata.version(dist)}")
                except metadata.PackageNotFoundError:
                    continue
        for line in found:
            if line not in lines:
                lines.append(line)
    return sorted(lines, key=str.lower)


def _recorded_environment(path: Path, history_dir: Path | None):
    """The environment the notebook's history recorded, or None."""
    import nbformat

    from .environment import read_recorded_environment

    try:
        repo = find_history(path, nbformat.read(str(path), as_version=4), history_dir)
        return read_recorded_environment(repo) if repo is not None else None
    except (HistoryError, OSError, ValueError):
        return None


def add_arguments(parser) -> None:
    parser.add_argument("notebook", metavar="NOTEBOOK", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True, help="the notebook to write (refuses to overwrite NOTEBOOK)")
    parser.add_argument("--history-dir", type=Path, default=None, help="folder holding the Retrace histories")
    parser.add_argument(
        "--requirements", type=Path, default=None, metavar="FILE",
        help="also write FILE: the distributions the gathered code imports, pinned to the versions the history "
        "recorded (else to the versions installed here)",
    )


def main(args) -> int:
    import nbformat

    if args.output.resolve() == args.notebook.resolve():
        print("gather: the output must not be the notebook itself", file=sys.stderr)
        return 2
    try:
        out = gather(args.notebook, args.history_dir)
    except CheckError as e:
        print(f"gather: {e}", file=sys.stderr)
        return 2
    nbformat.write(out, str(args.output))
    print(f"{args.output}: {len(out.cells) - 1} steps gathered from {args.notebook}")
    if args.requirements is not None:
        recorded = _recorded_environment(args.notebook, args.history_dir)
        reqs = requirements((c.source for c in out.cells if c.cell_type == "code"), recorded)
        head = [f"# imported by the canonical order of {args.notebook.name}; recorded with Python {recorded.python}"] if recorded else []
        args.requirements.write_text("".join(r + "\n" for r in head + reqs), encoding="utf-8")
        where = "at the versions the history recorded" if recorded else "at the versions installed here (no environment recorded)"
        print(f"{args.requirements}: {len(reqs)} distributions, {where}")
    return 0
