"""``jupyter retrace SUBCOMMAND``: Retrace from the command line (Python only).

Subcommands are listed in ``SUBCOMMANDS``: a name maps to the module that
provides ``add_arguments(parser)`` and ``main(args) -> int``. Add one by adding
one line here.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: name → (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("jupyterlab_retrace.check", "run notebooks in a fresh kernel and check they reproduce their saved outputs"),
    "gather": ("jupyterlab_retrace.gather", "write the canonical order of a notebook's history as a new notebook"),
    "doctor": ("jupyterlab_retrace.doctor", "check every history under a Jupyter root with git fsck, list orphans, --repair"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter retrace", description="Retrace: reproducible notebooks from their history.")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    sub.required = True
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(importlib.import_module(args._module).main(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
