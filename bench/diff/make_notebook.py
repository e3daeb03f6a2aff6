"""Write a synthetic 500-cell notebook of about 5 MB for `npm run bench:diff`.

Deterministic (seeded): every code cell has a short source and one recorded
stream output of about 10 KB; every 25th output is an HTML table instead.
Cell 300 prints something other than its recorded output, so running it
changes that output. Usage: make_notebook.py OUT.ipynb
"""
import json
import random
import sys

CELLS = 500
OUTPUT_BYTES = 9_700


def stream(rng, i):
    lines = []
    size = 0
    while size < OUTPUT_BYTES:
        line = " ".join(f"{rng.random():.6f}" for _ in range(8)) + "\n"
        lines.append(line)
        size += len(line)
    return {"output_type": "stream", "name": "stdout", "text": lines}


def table(rng, i):
    rows = "".join(
        "<tr>" + "".join(f"<td>{rng.random():.5f}</td>" for _ in range(8)) + "</tr>\n" for _ in range(OUTPUT_BYTES // 120)
    )
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": [f"<table><tbody>\n{rows}</tbody></table>"], "text/plain": [f"<table {i}>"]},
    }


def main(out):
    rng = random.Random(20261203)
    cells = []
    for i in range(CELLS):
        source = f"v{i} = {i}\nprint('cell {i}')" if i != 300 else "print('a fresh output of cell 300')"
        cells.append(
            {
                "cell_type": "code",
                "id": f"bench-{i:03d}",
                "metadata": {},
                "source": source,
                "execution_count": None,
                "outputs": [table(rng, i) if i % 25 == 24 else stream(rng, i)],
            }
        )
    cells[0] = {"cell_type": "code", "id": "bench-000", "metadata": {}, "source": "bench = 0", "execution_count": None, "outputs": []}
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "cells": cells,
    }
    with open(out, "w") as f:
        json.dump(notebook, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
