#!/usr/bin/env bash
# Regenerate the notebook copies (.ipynb, with outputs) of the Python tutorials in this folder:
# each `NAME.py` (jupytext percent format) is converted to `NAME.ipynb` and executed top to
# bottom in a fresh kernel. Run it after editing a tutorial; python/tests/test_tutorials.py
# fails while a notebook's code cells differ from its script's.
#
#   examples/python/make_notebooks.sh                  # every tutorial
#   examples/python/make_notebooks.sh own_network.py   # only these (names in this folder)
#
# Python: $LOWRANK_VENV/bin/python when LOWRANK_VENV names a virtual environment, otherwise
# python3 on PATH. It needs the package and the notebook tools, e.g.
#   python3 -m venv venv && venv/bin/pip install ./python matplotlib jupytext nbconvert ipykernel
#   LOWRANK_VENV=$PWD/venv examples/python/make_notebooks.sh
#
# The kernel is that same Python ("python3" kernel; jupyter runs it with the interpreter that
# runs jupytext). The tutorials run in a temporary directory, so the PNGs they save are not
# left next to the notebooks (each notebook shows its figure inline).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [[ -n "${LOWRANK_VENV:-}" ]]; then
    export PATH="$LOWRANK_VENV/bin:$PATH"
fi
py="$(command -v python3 || command -v python || true)"
if [[ -z "$py" ]]; then
    echo "make_notebooks.sh: no python3 on PATH (set LOWRANK_VENV)" >&2
    exit 1
fi
if ! "$py" -c 'import lowrank, matplotlib, jupytext, nbconvert, ipykernel' 2>/dev/null; then
    echo "make_notebooks.sh: $py lacks one of lowrank, matplotlib, jupytext, nbconvert, ipykernel" >&2
    echo "  (pip install ./python matplotlib jupytext nbconvert ipykernel, or set LOWRANK_VENV)" >&2
    exit 1
fi

run_dir="$(mktemp -d)"
trap 'rm -rf "$run_dir"' EXIT

cd "$here"
if [[ $# -gt 0 ]]; then
    tutorials=("$@")
else
    tutorials=(*.py)
fi
for f in "${tutorials[@]}"; do
    f="$(basename "$f")"
    echo "== $f -> ${f%.py}.ipynb ($py)"
    start=$SECONDS
    MPLBACKEND=module://matplotlib_inline.backend_inline \
        "$py" -m jupytext --to ipynb --set-kernel python3 --execute --run-path "$run_dir" "$f"
    # fewer spurious diffs: drop the execution timestamps, number the cell ids
    "$py" - "${f%.py}.ipynb" <<'PY'
import json, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as fh:
    nb = json.load(fh)
for i, cell in enumerate(nb["cells"]):
    cell.get("metadata", {}).pop("execution", None)
    cell["id"] = f"cell-{i}"
with open(path, "w", encoding="utf-8") as fh:
    json.dump(nb, fh, indent=1, ensure_ascii=False)
    fh.write("\n")
PY
    echo "   $((SECONDS - start)) s"
done
