"""``jupyter retrace check``: does a notebook reproduce in a fresh kernel?

Runs each notebook top to bottom (or in its canonical order) in a fresh kernel,
compares every code cell's outputs with the saved ones after normalising what
always differs (object addresses, SVG element ids, timings, progress bars,
colour codes, per-notebook sanitizers), and, where the notebook has a Retrace
history, explains each failure from it: the deleted cell that defined a missing
name (with its code), the cell edited since its output was saved, the cell
below that must run first. Exit status 0 only when every notebook reproduces.

Python only: the kernel is driven with nbclient; the history is read with git.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from .history_reader import History, HistoryError, find_history, read_history

# ---- Normalisation ------------------------------------------------------------

ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,16}\b")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# `%%time` / `%timeit` lines, and durations in general.
TIMING = re.compile(
    r"(?:CPU times:.*|Wall time:.*|[\d.]+\s*(?:ns|µs|us|ms|s)\s*±\s*[\d.]+\s*(?:ns|µs|us|ms|s) per loop.*)"
)
# tqdm-style progress bars: `45%|████▌ | 45/100 [00:01<00:02, 30.1it/s]`.
PROGRESS = re.compile(r"\d+%\|[^|\n]*\|[^\n\r]*(?:it/s|s/it|\])[^\n\r]*")
SVG_ID = re.compile(r'\bid="([^"]+)"')
SVG_DATE = re.compile(r"<dc:date>[^<]*</dc:date>")

TEXT_MIME = re.compile(r"^(text/|application/json$|application/javascript$|image/svg\+xml$)")
IGNORED_MIME = {"application/vnd.jupyter.widget-view+json"}


@dataclass
class Sanitizer:
    regex: str
    replace: str = ""


def normalise_text(value: str, sanitizers: list[Sanitizer] = ()) -> str:
    value = ANSI.sub("", value)
    value = ADDRESS.sub("0x…", value)
    value = TIMING.sub("<timing>", value)
    value = PROGRESS.sub("<progress>", value)
    for s in sanitizers:
        value = re.sub(s.regex, s.replace, value)
    value = re.sub(r"[ \t]+$", "", value, flags=re.M)
    return value.rstrip()


def normalise_svg(svg: str) -> str:
    """SVG element ids (matplotlib draws random ones) renumbered by first appearance; dates dropped."""
    svg = SVG_DATE.sub("<dc:date/>", svg)
    ids: dict[str, str] = {}
    for m in SVG_ID.finditer(svg):
        ids.setdefault(m.group(1), f"id{len(ids)}")
    if not ids:
        return svg
    pattern = re.compile("|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)))
    return pattern.sub(lambda m: ids[m.group(0)], svg)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value if value is not None else "")


def output_key(output: dict, sanitizers: list[Sanitizer] = ()) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f"stream:{output.get('name')}:{normalise_text(_text(output.get('text')), sanitizers)}"
    if kind == "error":
        return f"error:{output.get('ename')}:{normalise_text(str(output.get('evalue')), sanitizers)}"
    if kind in ("execute_result", "display_data"):
        data = output.get("data", {}) or {}
        parts = []
        for mime in sorted(data):
            if mime in IGNORED_MIME:
                continue
            raw = data[mime] if isinstance(data[mime], (str, list)) else json.dumps(data[mime], sort_keys=True)
            raw = _text(raw)
            if mime == "image/svg+xml":
                parts.append(f"{mime}={normalise_text(normalise_svg(raw), sanitizers)}")
            elif TEXT_MIME.match(mime):
                parts.append(f"{mime}={normalise_text(raw, sanitizers)}")
            else:
                parts.append(f"{mime}#{hashlib.sha1(raw.strip().encode()).hexdigest()[:12]}")
        return "data:" + "|".join(parts)
    return "other:" + json.dumps(output, sort_keys=True)


def _merge_streams(outputs: list[dict], ignore_stderr: bool) -> list[dict]:
    merged: list[dict] = []
    for o in outputs:
        if o.get("output_type") == "stream" and ignore_stderr and o.get("name") == "stderr":
            continue
        last = merged[-1] if merged else None
        if o.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream" and last.get("name") == o.get("name"):
            merged[-1] = {**last, "text": _text(last.get("text")) + _text(o.get("text"))}
        else:
            merged.append(o)
    return merged


def describe(output: dict) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f'{output.get("name")} "{_ellipsis(normalise_text(_text(output.get("text"))))}"'
    if kind == "error":
        return f"{output.get('ename')}: {_ellipsis(str(output.get('evalue')))}"
    data = output.get("data", {}) or {}
    if "text/plain" in data and not any(m.startswith("image/") for m in data):
        return f'"{_ellipsis(normalise_text(_text(data["text/plain"])))}"'
    image = next((m for m in data if m.startswith("image/")), None)
    return image or ", ".join(sorted(data)) or str(kind)


def _ellipsis(value: str, n: int = 80) -> str:
    one = " ".join(value.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def compare_outputs(saved: list[dict], got: list[dict], sanitizers: list[Sanitizer] = (), ignore_stderr: bool = True) -> str | None:
    """None when the outputs agree, else one line saying what differs first."""
    a = _merge_streams(saved, ignore_stderr)
    b = _merge_streams(got, ignore_stderr)
    for i in range(max(len(a), len(b))):
        if i >= len(a):
            return f"extra output: {describe(b[i])}"
        if i >= len(b):
            return f"missing output: {describe(a[i])}"
        if output_key(a[i], sanitizers) != output_key(b[i], sanitizers):
            return f"{describe(a[i])} → {describe(b[i])}"
    return None


# ---- Kernel choice --------------------------------------------------------------


def choose_kernel(nb: dict, override: str | None = None) -> tuple[str, str]:
    """The kernel JupyterLab would start for ``nb``: its kernelspec name when
    installed, else an installed kernel of the notebook's language, else the
    default. Returns (name, why)."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().get_all_specs()
    if override:
        if override not in specs:
            raise CheckError(f"kernel {override!r} is not installed (installed: {', '.join(sorted(specs)) or 'none'})")
        return override, "chosen with --kernel"
    meta = nb.get("metadata", {})
    wanted = (meta.get("kernelspec") or {}).get("name")
    if wanted and wanted in specs:
        return wanted, "the notebook's kernelspec"
    language = ((meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name") or "").lower()
    if language:
        for name in sorted(specs):
            if (specs[name].get("spec", {}).get("language") or "").lower() == language:
                return name, f"installed kernel for {language}" + (f" ({wanted!r} is not installed)" if wanted else "")
    if "python3" in specs:
        return "python3", "default kernel" + (f" ({wanted!r} is not installed)" if wanted else "")
    if specs:
        name = sorted(specs)[0]
        return name, "only installed kernel"
    raise CheckError("no Jupyter kernel is installed (pip install ipykernel)")


class CheckError(Exception):
    """Bad input or environment: reported plainly, exit status 2."""


# ---- Running ----------------------------------------------------------------------


@dataclass
class CellResult:
    index: int
    cell_id: str | None
    label: str
    status: str  # ok | error | timeout | different | not-run
    seconds: float = 0.0
    ename: str | None = None
    evalue: str | None = None
    detail: str | None = None
    explanation: list[str] = field(default_factory=list)
    #: Code shown with an explanation (the deleted cell's code), if any.
    code: str | None = None


@dataclass
class NotebookResult:
    path: str
    kernel: str
    kernel_reason: str
    order: str
    reproduces: bool
    cells: list[CellResult]
    history: str | None
    seconds: float
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    #: When it does not reproduce: versions that differ from the environment the history recorded.
    environment: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _label(nb: dict, index: int) -> str:
    return f"cell {index + 1}"


def _sanitizers(nb: dict) -> list[Sanitizer]:
    out = []
    check = (nb.get("metadata", {}).get("retrace") or {}).get("check") or {}
    for s in check.get("sanitize", []) if isinstance(check, dict) else []:
        if isinstance(s, dict) and isinstance(s.get("regex"), str):
            try:
                re.compile(s["regex"])
            except re.error as e:
                raise CheckError(f"bad sanitizer regex {s['regex']!r} in metadata.retrace.check.sanitize: {e}") from e
            out.append(Sanitizer(s["regex"], str(s.get("replace", ""))))
    return out


def _skips_compare(cell: dict) -> bool:
    tags = (cell.get("metadata") or {}).get("tags") or []
    return "nbval-ignore-output" in tags or "retrace-ignore-output" in tags


def _plan(nb: dict, order: str, history: History | None) -> list[tuple[int, dict]]:
    """The cells to run: (index in the notebook or -1, cell)."""
    code = [(i, c) for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code"]
    if order == "top-to-bottom":
        return code
    if history is None or not history.canonical_order:
        raise CheckError(
            "--order canonical needs the canonical order stored in the notebook's Retrace history "
            "(canonical-order.json, written by JupyterLab with Retrace); none found"
        )
    by_id = {c.get("id"): (i, c) for i, c in code}
    plan = []
    for step in history.canonical_order.get("steps", []):
        cid = step.get("cellId")
        if cid in by_id and step.get("current", False):
            plan.append(by_id[cid])
        else:
            # A deleted cell, or a version the cell no longer shows: run the code the step ran.
            plan.append((-1, {"cell_type": "code", "id": cid, "source": step.get("code", ""), "metadata": {}, "outputs": []}))
    return plan


def run_notebook(
    path: Path,
    *,
    timeout: float = 120.0,
    kernel: str | None = None,
    order: str = "top-to-bottom",
    history_dir: Path | None = None,
    startup_timeout: float = 60.0,
) -> NotebookResult:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    t0 = time.monotonic()
    try:
        nb_node = nbformat.read(str(path), as_version=4)
    except FileNotFoundError as e:
        raise CheckError(f"{path}: no such notebook") from e
    except Exception as e:  # nbformat raises several kinds on bad JSON
        raise CheckError(f"{path}: not a readable notebook ({e})") from e
    saved = copy.deepcopy(nb_node)
    nb = json.loads(json.dumps(nb_node))
    kernel_name, why = choose_kernel(nb, kernel)
    sanitizers = _sanitizers(nb)
    history: History | None = None
    notes: list[str] = []
    repo = find_history(path, nb, history_dir)
    if repo is not None:
        try:
            history = read_history(repo)
        except HistoryError as e:
            notes.append(f"history not read: {e}")
    plan = _plan(nb, order, history)

    work = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb_node.metadata))
    work.cells = [nbformat.from_dict({**c, "outputs": [], "execution_count": None}) for _, c in plan]
    client = NotebookClient(
        work,
        timeout=timeout,
        startup_timeout=startup_timeout,
        kernel_name=kernel_name,
        allow_errors=True,
        interrupt_on_timeout=False,
        resources={"metadata": {"path": str(path.resolve().parent)}},
    )
    results: list[CellResult] = []
    stopped: str | None = None
    env_diffs: list[dict] = []
    try:
        with client.setup_kernel():
            for k, (index, cell) in enumerate(plan):
                label = _label(nb, index) if index >= 0 else f"deleted/edited code of {cell.get('id')}"
                if stopped:
                    results.append(CellResult(index, cell.get("id"), label, "not-run", detail=stopped))
                    continue
                c0 = time.monotonic()
                try:
                    client.execute_cell(work.cells[k], k)
                except CellTimeoutError:
                    results.append(
                        CellResult(index, cell.get("id"), label, "timeout", time.monotonic() - c0, detail=f"no result after {timeout:g} s")
                    )
                    stopped = f"not run: {label} timed out"
                    continue
                except DeadKernelError as e:
                    results.append(CellResult(index, cell.get("id"), label, "error", time.monotonic() - c0, ename="DeadKernelError", evalue=str(e)))
                    stopped = "not run: the kernel died"
                    continue
                got = [dict(o) for o in json.loads(json.dumps(work.cells[k].outputs))]
                seconds = time.monotonic() - c0
                err = next((o for o in got if o.get("output_type") == "error"), None)
                saved_outputs = json.loads(json.dumps(saved.cells[index].get("outputs", []))) if index >= 0 else []
                saved_err = next((o for o in saved_outputs if o.get("output_type") == "error"), None)
                if err is not None and not (saved_err and saved_err.get("ename") == err.get("ename")):
                    results.append(CellResult(index, cell.get("id"), label, "error", seconds, ename=err.get("ename"), evalue=str(err.get("evalue"))))
                    continue
                if index >= 0 and not _skips_compare(cell) and order == "top-to-bottom":
                    diff = compare_outputs(saved_outputs, got, sanitizers)
                    if diff is not None:
                        results.append(CellResult(index, cell.get("id"), label, "different", seconds, detail=diff))
                        continue
                results.append(CellResult(index, cell.get("id"), label, "ok", seconds))
            if repo is not None and any(r.status != "ok" for r in results):
                env_diffs = _environment_differences(client, repo, stopped, notes)
    except CheckError:
        raise
    except Exception as e:  # kernel failed to start, etc.
        return NotebookResult(str(path), kernel_name, why, order, False, results, str(repo) if repo else None, time.monotonic() - t0, error=f"{type(e).__name__}: {e}", notes=notes)
    for r in results:
        if r.status in ("error", "different", "timeout"):
            explain(r, nb, history)
        if r.status == "error" and r.ename == "ModuleNotFoundError":
            missing = _NO_MODULE.search(r.evalue or "")
            top = missing.group(1).split(".")[0] if missing else None
            for d in env_diffs:
                if top in d.get("modules", []):
                    r.explanation.append(f"the history recorded it from {d['name']} {d['recorded']}: pip install {d['name']}=={d['recorded']}")
    if order == "top-to-bottom" and history is not None and history.canonical_order and any(r.status != "ok" for r in results):
        steps = history.canonical_order.get("steps", [])
        if steps and history.canonical_order.get("replayable", True):
            notes.append(
                "the canonical order from the history may reproduce: "
                + " → ".join(str(s.get("label") or s.get("cellId")) for s in steps)
                + " (run with --order canonical)"
            )
    reproduces = all(r.status == "ok" for r in results)
    return NotebookResult(
        str(path), kernel_name, why, order, reproduces, results, str(repo) if repo else None, time.monotonic() - t0,
        notes=notes, environment=env_diffs,
    )


def _environment_differences(client, repo: Path, stopped: str | None, notes: list[str]) -> list[dict]:
    """Versions that differ between the environment the history recorded and the checking kernel's."""
    import nbformat

    from . import environment

    try:
        recorded = environment.read_recorded_environment(repo)
    except HistoryError as e:
        notes.append(f"recorded environment not read: {e}")
        return []
    if recorded is None:
        return []
    names = sorted(recorded.distributions)
    here = None
    if not stopped:
        # Ask the kernel that ran the notebook: its versions are the ones that matter.
        probe = nbformat.v4.new_code_cell(environment.probe_code(names))
        client.nb.cells.append(probe)  # nbclient writes a cell back at its index
        try:
            client.execute_cell(probe, len(client.nb.cells) - 1)
            here = environment.parse_probe("".join(_text(o.get("text")) for o in probe.outputs if o.get("output_type") == "stream"))
        except Exception:
            here = None
        finally:
            client.nb.cells.pop()
    if here is None:
        notes.append("the checking kernel could not be asked for its versions: compared with the Python running the check")
        return environment.differences(recorded, environment.local_probe(names), "the Python running the check")
    return environment.differences(recorded, here)


# ---- Explanations -----------------------------------------------------------------

_MAGIC_LINE = re.compile(r"^\s*[%!]")


def module_bindings(code: str) -> set[str]:
    """Names a source binds at module level (assignment, def, class, import, for, with)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        try:
            tree = ast.parse("\n".join("pass" if _MAGIC_LINE.match(l) else l for l in code.splitlines()))
        except SyntaxError:
            return set()
    names: set[str] = set()

    def targets(t):
        if isinstance(t, ast.Name):
            names.add(t.id)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                targets(e)
        elif isinstance(t, ast.Starred):
            targets(t.value)

    def visit(stmts):
        for s in stmts:
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(s.name)
            elif isinstance(s, ast.Assign):
                for t in s.targets:
                    targets(t)
            elif isinstance(s, (ast.AugAssign, ast.AnnAssign)):
                targets(s.target)
            elif isinstance(s, (ast.Import, ast.ImportFrom)):
                for a in s.names:
                    if a.name != "*":
                        names.add(a.asname or a.name.split(".")[0])
            elif isinstance(s, (ast.For, ast.AsyncFor)):
                targets(s.target)
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, (ast.With, ast.AsyncWith)):
                for item in s.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
                visit(s.body)
            elif isinstance(s, (ast.If, ast.While)):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
                visit(s.body)
                for h in s.handlers:
                    visit(h.body)
                visit(s.orelse)
                visit(s.finalbody)
        for node in ast.walk(ast.Module(body=list(stmts), type_ignores=[])):
            if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                names.add(node.target.id)

    visit(tree.body)
    return names


_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")
_NO_MODULE = re.compile(r"No module named '([^']+)'")


def explain(result: CellResult, nb: dict, history: History | None) -> None:
    cells = nb.get("cells", [])
    ids = {c.get("id"): i for i, c in enumerate(cells)}
    current = cells[result.index] if 0 <= result.index < len(cells) else None
    if result.status == "timeout":
        result.explanation.append(f"{result.label} ran longer than the time limit per cell (--timeout)")
        return
    if result.status == "error" and result.ename == "ModuleNotFoundError":
        m = _NO_MODULE.search(result.evalue or "")
        result.explanation.append(f"module {m.group(1) if m else '?'} is not installed in the kernel's environment")
        return
    m = _NAME_ERROR.search(result.evalue or "") if result.status == "error" else None
    if m:
        name = m.group(1)
        found = False
        # A cell below that defines the name: the notebook ran out of order.
        for j, c in enumerate(cells):
            if j > result.index and c.get("cell_type") == "code" and name in module_bindings(_text(c.get("source"))):
                result.explanation.append(f"{name} is defined by cell {j + 1}, below {result.label}: move cell {j + 1} above it")
                found = True
                break
        if history is not None:
            for cid, versions in history.cells.items():
                definers = [s for s in versions.sources if name in module_bindings(s)]
                if not definers:
                    continue
                if cid not in ids:
                    result.explanation.append(f"{name} was defined by a deleted cell (id {cid}); its code:")
                    result.code = definers[-1]
                    found = True
                    break
                j = ids[cid]
                if name not in module_bindings(_text(cells[j].get("source"))):
                    result.explanation.append(f"{name} was defined by an earlier version of cell {j + 1}, edited since; that version:")
                    result.code = definers[-1]
                    found = True
                    break
        if not found:
            where = "in the notebook or its history" if history is not None else "in the notebook (no Retrace history found)"
            result.explanation.append(f"no cell defines {name} {where}")
        return
    if current is not None and history is not None:
        versions = history.cells.get(current.get("id"))
        ran = [r for r in history.runs if r.cell_id == current.get("id")]
        src = _text(current.get("source"))
        if ran and ran[-1].code.strip() != src.strip():
            result.explanation.append(f"{result.label} was edited after the run that produced its saved output; that run's code:")
            result.code = ran[-1].code
            return
        if versions and len(versions.sources) > 1 and result.status == "different":
            result.explanation.append(f"{result.label} has {len(versions.sources)} versions in the history")
    # Saved execution counts out of order: the saved outputs came from another order.
    counts = [(i, c.get("execution_count")) for i, c in enumerate(cells) if c.get("cell_type") == "code" and isinstance(c.get("execution_count"), int)]
    later = [i for i, n in counts if i > result.index and current is not None and isinstance(current.get("execution_count"), int) and n < current["execution_count"]]
    if later:
        result.explanation.append(
            f"the saved output of {result.label} came from a run after cell(s) {', '.join(str(i + 1) for i in later)} below it: the notebook was run out of order"
        )


# ---- Reports ---------------------------------------------------------------------


def junit_xml(results: list[NotebookResult]) -> str:
    suites = ElementTree.Element("testsuites", name="jupyter retrace check")
    for nb in results:
        failures = sum(1 for c in nb.cells if c.status in ("different",))
        errors = sum(1 for c in nb.cells if c.status in ("error", "timeout")) + (1 if nb.error else 0)
        skipped = sum(1 for c in nb.cells if c.status == "not-run")
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=nb.path,
            tests=str(len(nb.cells) + (1 if nb.error else 0)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
            time=f"{nb.seconds:.3f}",
        )
        props = ElementTree.SubElement(suite, "properties")
        ElementTree.SubElement(props, "property", name="kernel", value=nb.kernel)
        ElementTree.SubElement(props, "property", name="order", value=nb.order)
        if nb.history:
            ElementTree.SubElement(props, "property", name="history", value=nb.history)
        for d in nb.environment:
            ElementTree.SubElement(props, "property", name="environment-difference", value=d["text"])
        if nb.error:
            case = ElementTree.SubElement(suite, "testcase", classname=nb.path, name="kernel", time="0")
            ElementTree.SubElement(case, "error", message=nb.error).text = nb.error
        for c in nb.cells:
            case = ElementTree.SubElement(suite, "testcase", classname=nb.path, name=c.label, time=f"{c.seconds:.3f}")
            text = "\n".join(_cell_lines(c))
            if c.status == "different":
                ElementTree.SubElement(case, "failure", message=c.detail or "output differs", type="output-differs").text = text
            elif c.status in ("error", "timeout"):
                msg = f"{c.ename}: {c.evalue}" if c.status == "error" else (c.detail or "timeout")
                ElementTree.SubElement(case, "error", message=msg, type=c.status).text = text
            elif c.status == "not-run":
                ElementTree.SubElement(case, "skipped", message=c.detail or "not run")
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True)


def _cell_lines(c: CellResult) -> list[str]:
    lines = []
    if c.status == "error":
        lines.append(f"{c.label}: {c.ename}: {c.evalue}")
    elif c.status == "different":
        lines.append(f"{c.label}: output differs: {c.detail}")
    elif c.status == "timeout":
        lines.append(f"{c.label}: timed out ({c.detail})")
    for e in c.explanation:
        lines.append(f"  why: {e}")
    if c.code is not None:
        lines.extend("    | " + l for l in c.code.splitlines())
    return lines


def text_report(nb: NotebookResult) -> str:
    head = f"{nb.path}: {'reproduces' if nb.reproduces else 'DOES NOT reproduce'} ({nb.order}, kernel {nb.kernel}: {nb.kernel_reason}, {nb.seconds:.1f} s)"
    lines = [head]
    if nb.error:
        lines.append(f"  {nb.error}")
    bad = [c for c in nb.cells if c.status not in ("ok", "not-run")]
    for c in bad:
        lines.extend("  " + l for l in _cell_lines(c))
    skipped = [c for c in nb.cells if c.status == "not-run"]
    if skipped:
        lines.append(f"  {len(skipped)} cells not run ({skipped[0].detail})")
    compared = sum(1 for c in nb.cells if c.status in ("ok", "different"))
    lines.append(f"  {sum(1 for c in nb.cells if c.status == 'ok')} of {len(nb.cells)} cells ok, {compared} run without error")
    if nb.environment:
        lines.append("  the environment differs from the one the history recorded:")
        lines.extend(f"    {d['text']}" for d in nb.environment)
    if nb.history is None:
        lines.append("  no Retrace history found: failures are explained from the notebook alone")
    for n in nb.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def add_arguments(parser) -> None:
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="notebooks (.ipynb) to check")
    parser.add_argument("--timeout", type=float, default=120.0, help="time limit per cell in seconds (default 120)")
    parser.add_argument("--kernel", default=None, help="kernel to use instead of the one JupyterLab would choose")
    parser.add_argument("--order", choices=["top-to-bottom", "canonical"], default="top-to-bottom", help="order to run the cells in")
    parser.add_argument("--history-dir", type=Path, default=None, help="folder holding the Retrace histories (default: .retrace in a parent folder)")
    parser.add_argument("--junit-xml", type=Path, default=None, help="write a JUnit XML report here")
    parser.add_argument("--json", type=Path, default=None, dest="json_report", help="write a JSON report here")


def main(args) -> int:
    results: list[NotebookResult] = []
    status = 0
    for name in args.notebooks:
        path = Path(name)
        try:
            res = run_notebook(path, timeout=args.timeout, kernel=args.kernel, order=args.order, history_dir=args.history_dir)
        except CheckError as e:
            print(f"{path}: cannot check: {e}", file=sys.stderr)
            status = 2
            continue
        results.append(res)
        print(text_report(res))
        if not res.reproduces:
            status = max(status, 1)
    if args.junit_xml:
        args.junit_xml.write_text(junit_xml(results), encoding="utf-8")
    if args.json_report:
        args.json_report.write_text(json.dumps({"reproduces": status == 0, "notebooks": [r.to_json() for r in results]}, indent=1), encoding="utf-8")
    return status
