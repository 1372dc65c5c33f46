"""The notebook copies of the Python tutorials are in sync with their scripts.

Every tutorial `examples/python/NAME.py` (jupytext percent format) has a `NAME.ipynb` next to
it whose code cells are exactly the script's `# %%` code cells, every one of them executed
without an error (the notebooks are shipped with outputs). A script edited without running
`examples/python/make_notebooks.sh` fails here. Plain json and string handling: no jupytext
needed.
"""

import glob
import json
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TUTORIALS = sorted(glob.glob(os.path.join(ROOT, "examples", "python", "*.py")))

# a cell marker: "# %%", optionally followed by a title and/or "[markdown]"-style cell type
MARKER = re.compile(r"^# %%(\s.*)?$")
CELL_TYPE = re.compile(r"\[(\w+)\]")


def _trim(lines):
    """The lines without leading and trailing blank lines, joined."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(line.rstrip("\n") for line in lines)


def script_code_cells(path):
    """The code cells of a percent-format script, in order: the text between a plain `# %%`
    marker and the next marker (a marker with `[markdown]`, `[md]` or `[raw]` starts a cell that
    is not code). Text before the first marker counts as a code cell if it is not blank."""
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    cells = []
    kind, body = "code", []
    for line in lines:
        m = MARKER.match(line)
        if m:
            cells.append((kind, body))
            t = CELL_TYPE.search(m.group(1) or "")
            kind = "code" if t is None else t.group(1)
            body = []
        else:
            body.append(line)
    cells.append((kind, body))
    return [_trim(body) for kind, body in cells if kind == "code" and _trim(body)]


def notebook_code_cells(path):
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return nb, cells


def _source(cell):
    src = cell["source"]
    text = "".join(src) if isinstance(src, list) else src
    return _trim(text.split("\n"))


def test_there_are_tutorials():
    names = {os.path.basename(p) for p in TUTORIALS}
    assert {"mo2018_fig1.py", "own_network.py", "cb2025_fig4_limit_cycle.py"} <= names


def test_the_script_parser_sees_code_and_markdown():
    # a guard on the parser itself, so that a parser that finds nothing cannot pass vacuously
    for path in TUTORIALS:
        code = script_code_cells(path)
        assert len(code) >= 2, path
        assert not any(c.startswith("# %%") for c in code)
        assert not any(c.startswith("# #") for c in code), "a markdown cell was read as code"


@pytest.mark.parametrize("script", TUTORIALS, ids=os.path.basename)
def test_notebook_matches_script(script):
    notebook = script[: -len(".py")] + ".ipynb"
    rel = os.path.relpath(notebook, ROOT)
    regen = "run examples/python/make_notebooks.sh"
    assert os.path.exists(notebook), f"{rel} is missing: {regen}"
    nb, cells = notebook_code_cells(notebook)
    want = script_code_cells(script)
    have = [_source(c) for c in cells]
    assert len(have) == len(want), (
        f"{rel} has {len(have)} code cells, the script {len(want)}: {regen}"
    )
    for i, (h, w) in enumerate(zip(have, want)):
        assert h == w, f"{rel}: code cell {i} differs from the script's: {regen}\n--- notebook\n{h}\n--- script\n{w}"
    # shipped with outputs: every code cell ran, in order, and none raised
    counts = [c.get("execution_count") for c in cells]
    assert all(isinstance(n, int) for n in counts), f"{rel} has unexecuted code cells: {regen}"
    assert counts == sorted(counts), f"{rel} was not run top to bottom: {regen}"
    for i, c in enumerate(cells):
        errors = [o for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{rel}: code cell {i} raised {errors[0].get('ename')}: {regen}"
