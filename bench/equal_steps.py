"""The quality benchmark's equal-compute table from the runs' JSON files.

Every model trains 12,288 optimiser steps in all: SPML as one stage of 12,288 or two stages (the second retrained on
the first's pseudo labels) of 6,144 + 6,144, 3,072 + 9,216 or 9,216 + 3,072 (scored alone, and since runs record it, blended with the
first stage as the console's final segmenter is: `StageBlend`), partial cross-entropy and full masks for 12,288. The cells measured before the second stage's labels were
snapped are `quality_quick_equal_steps_walk_labels.json`; each later run of `bench/quality.py` is a
`bench/results/quality_quick_equal_steps_*snapped*.json` file (runs with snapped second-stage labels), or a
`..._added.json` file (later seeds of the other columns); a file named `*rerun*` replaces a cell's earlier figure for the
same model and seed (trained again with later code), and the table says so. This script sorts their results into the table's cells by the run's name, steps and second-stage labels (the random walk's, or snapped to the contour regions:
`stage2_snap` in the file's config), and prints the Markdown table (mean ± standard deviation over the seeds a cell has).

    python bench/equal_steps.py                      # the table; --json FILE also writes its numbers
"""
import argparse, json, statistics
from pathlib import Path

RESULTS = Path(__file__).parent/'results'
KINDS = ('tags', 'boxes', 'points', 'scribbles')
PAPER_RATIO = {'tags': 0.93, 'boxes': 0.97, 'points': 0.96, 'scribbles': 0.99}
GOAL_RATIO = {'tags': 0.88, 'boxes': 0.95, 'points': 0.90, 'scribbles': 0.95}
COLUMNS = {'one': 'SPML, one stage (12,288)', 'walk': 'SPML, two stages, walk labels (6,144 + 6,144)',
           'snap': 'SPML, two stages, snapped labels (6,144 + 6,144)',
           'split': 'SPML, two stages, snapped labels (3,072 + 9,216)',
           'long1': 'SPML, two stages, snapped labels (9,216 + 3,072)',
           'blend': "SPML, two stages, the preset's labels, blended (6,144 + 6,144)", 'pce': 'partial CE (12,288)'}
SPML_COLUMNS = ('one', 'walk', 'snap', 'split', 'long1', 'blend')
SPLITS = {(6144, 6144): 'snap', (3072, 9216): 'split', (9216, 3072): 'long1'}   # (stage-1 steps, stage-2 steps) of the snapped columns

def _snap_of(cfg, kind, path):
    "The purity the run's second-stage labels were snapped at (0: the walk's labels as they are)."
    s = cfg.get('stage2_snap', 0.6 if 'snapped' in path.name else 0)   # the first snapped run predates the config key
    return s.get(kind, 0) if isinstance(s, dict) else s

def _preset_column(kind):
    "The column of today's second-stage labels for `kind`: 'snap' where `STAGE2_SNAP` snaps them, else 'walk'."
    from spml_nb.pipeline import STAGE2_SNAP
    return 'snap' if STAGE2_SNAP.get(kind) else 'walk'

def cells(base, files):
    """{(kind or 'full', column): {seed: mIoU %}}: the cells of `base` (the table before snapped labels), then the runs' files;
    the pseudo labels' cells; the cells whose earlier run a `*rerun*` file replaced (trained again with later code)."""
    out, pseudo, replaced = {}, {}, []
    b = json.loads(Path(base).read_text())
    for k in KINDS:
        for col, key in (('one', 'one'), ('walk', 'two'), ('pce', 'pce')):
            out[(k, col)] = {s: v for s, v in zip(b[k]['seeds'], b[k][key]) if v is not None}
        pseudo[(k, 'walk')] = dict(zip(b[k]['seeds'], b[k].get('pseudo_two', [])))
    out[('full', 'full')] = dict(enumerate(b['full']))
    for f in files:
        d = json.loads(Path(f).read_text())
        steps, steps2 = d['config']['steps'], d['config'].get('steps2') or d['config']['steps']
        for r in d['results']:
            name, seed, v = r['name'], r['seed'], 100*r['miou']
            kind = name.split('/')[1].split(' ')[0] if '/' in name else 'full'
            if name == 'full' and steps == 12288: key = ('full', 'full')
            elif name.startswith('pce/') and steps == 12288: key = (kind, 'pce')
            elif name.startswith('spml/') and name.endswith('stage 2') and (steps, steps2) in SPLITS:
                snapped = _snap_of(d['config'], kind, Path(f))
                if not snapped and steps != 6144: continue
                key = (kind, SPLITS[(steps, steps2)] if snapped else 'walk')
                pseudo.setdefault(key, {})[seed] = 100*r['pseudo_miou']
                if r.get('blend_miou') is not None and key[1] == _preset_column(kind):   # the preset's labels, blended (runs since
                    out.setdefault((kind, 'blend'), {})[seed] = round(100*r['blend_miou'], 1)   # the final segmenter blends both stages)
            elif name.startswith('spml/') and steps == 12288 and 'stage 2' not in name: key = (kind, 'one')
            else: continue
            if seed in out.setdefault(key, {}) and abs(out[key][seed] - round(v, 1)) > 0.1:   # a rerun must reproduce it,
                if 'rerun' not in Path(f).name:                                              # or say it replaces it
                    raise SystemExit(f"{f}: {key} seed {seed} is already in the table as {out[key][seed]}, here {v:.1f}")
                replaced.append(f"{key[0]} {key[1]} seed {seed}: {out[key][seed]} -> {v:.1f} ({Path(f).name}, today's code)")
            out[key][seed] = round(v, 1)
    return out, pseudo, replaced

def _cell(c):
    "mean ± standard deviation [seeds] of a cell's {seed: mIoU}."
    if not c: return '-'
    v = list(c.values())
    return f"{statistics.mean(v):.1f} ± {statistics.stdev(v) if len(v) > 1 else 0.:.1f} [{','.join(map(str, sorted(c)))}]"

def table(c, pseudo):
    full = c.get(('full', 'full'), {})
    head = ['labels', *[f"{v} [seeds]" for v in COLUMNS.values()], 'best SPML − partial CE (goal +3)',
            'best SPML / full (goal)', 'paper']
    rows, data = [], {}
    for k in KINDS:
        cell = {col: c.get((k, col), {}) for col in COLUMNS}
        txt = [_cell(cell[col]) for col in COLUMNS]
        best, diff = None, None
        most = max(len(cell[col]) for col in SPML_COLUMNS)   # the best is chosen among the columns with the most seeds
        candidates = [col for col in SPML_COLUMNS if len(cell[col]) == most]
        for col in candidates:                             # each against partial CE over the seeds both have
            both = sorted(set(cell[col]) & set(cell['pce']))
            if not both: continue
            d = statistics.mean(cell[col][s] for s in both) - statistics.mean(cell['pce'][s] for s in both)
            if diff is None or d > diff[0]: diff = (d, col, both)
        for col in candidates:
            both = sorted(set(cell[col]) & set(full))
            if not both: continue
            r = statistics.mean(cell[col][s] for s in both)/statistics.mean(full[s] for s in both)
            if best is None or r > best[0]: best = (r, col, both)
        rows.append([k, *txt, f"{diff[0]:+.1f} ({diff[1]}, seeds {','.join(map(str, diff[2]))})" if diff else '-',
                     f"{best[0]:.2f} ({GOAL_RATIO[k]})" if best else '-', f"{PAPER_RATIO[k]:.2f}"])
        data[k] = {col: cell[col] for col in COLUMNS} | {'pseudo_' + col: pseudo.get((k, col), {}) for col in ('walk', 'snap', 'split', 'long1')} | \
                  {'best_minus_pce': diff and diff[0], 'best_minus_pce_column': diff and diff[1], 'best_over_full': best and best[0]}
    rows.append(['full masks', *['-']*(len(COLUMNS) - 1), _cell(full), '-', '1.00', '-'])
    data['full'] = full
    md = '\n'.join(['| ' + ' | '.join(head) + ' |', '|' + '---|'*len(head), *['| ' + ' | '.join(r) + ' |' for r in rows]])
    return md, data

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--base', default=str(RESULTS/'quality_quick_equal_steps_walk_labels.json'),
                   help="the table before the second stage's labels were snapped (its cells by seed)")
    p.add_argument('--files', nargs='*', default=None,
                   help='quality.py result files of later runs (default: bench/results/quality_quick_equal_steps_*snapped*.json and *_added.json)')
    p.add_argument('--json', default=None, help='also write the table\'s numbers here')
    a = p.parse_args(argv)
    files = a.files if a.files is not None else sorted([*RESULTS.glob('quality_quick_equal_steps_*snapped*.json'),
                                                         *RESULTS.glob('quality_quick_equal_steps_*_added.json')],
                                                        key=lambda f: ('rerun' in f.name, f.name))   # reruns last: they replace
    c, pseudo, replaced = cells(a.base, files)
    md, data = table(c, pseudo)
    print(md + ''.join(f"\n\nReplaced: {r}" for r in replaced))
    data['replaced'] = replaced
    if a.json: Path(a.json).write_text(json.dumps(data, indent=1, default=str) + '\n')

if __name__ == '__main__': main()
