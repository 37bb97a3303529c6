"""Re-execute notebooks in place so that their committed outputs come from today's code.

    python tools/run_nb.py nbs/02_data.ipynb nbs/07_loss.ipynb     # every cell but the `#| slow` / `cuda` / `notest` ones
    python tools/run_nb.py nbs/09_learner.ipynb --ids 2e051f45     # ... and the flagged cells with these ids

Cells flagged `slow`, `cuda` or `notest` are not run and keep the outputs they have (re-run them by hand, with the
time they need, when what they show changes). Run `nbdev_clean` afterwards, as before any commit.
"""
import os, re, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory

SKIP = {'slow', 'cuda', 'notest'}


def flags(src:str)->set:
    "The `#| flag` directives of a cell's opening lines."
    out = set()
    for line in src.splitlines():
        m = re.match(r'#\|\s*(.*)', line.strip())
        if not m: break
        out |= set(m.group(1).split())
    return out


def run(path, ids=()):
    path = Path(path).resolve()
    nb = read_nb(path)
    skip = lambda cell: cell.cell_type != 'code' or (bool(flags(cell.source) & SKIP) and cell.get('id') not in ids)
    os.environ.setdefault('MPLBACKEND', 'Agg')
    for cell in nb.cells:                       # a cell that prints nothing now must not keep what it printed before
        if not skip(cell): cell.outputs = []
    with working_directory(path.parent):
        CaptureShell(path).run_all(nb, exc_stop=True, preproc=skip)
    write_nb(nb, path)
    print(f"executed {path.name}")


if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description='Re-execute notebooks in place')
    p.add_argument('notebooks', nargs='+')
    p.add_argument('--ids', nargs='*', default=[], help='ids of flagged cells to run too')
    a = p.parse_args()
    for nb in a.notebooks: run(nb, set(a.ids))
