"""Body parts from one keypoint each (the paper's DensePose task) on the synthetic figures: SPML (stage 1, stage 2, and
with feature affinity off) against partial cross-entropy on the same keypoint labels and full part masks, at fixed
steps, over seeds, every model through `run_pipeline` (`13_pipeline`).

    python bench/parts.py                                  # seeds 0 1 2, 1,024 steps a stage, tiny trunk, 96 px, 2 workers
    python bench/parts.py --seeds 0 --steps 300 --trunk lite0 --size 128 --n-train 240 --out bench/results/parts_lite0

The data is `densepose_folder` (`17_test_utils`; by default 1,024 training / 128 validation images of 96 px) of one or two
articulated figures with 14 parts, keypoint labels drawn by `keypoint_labels` (one keypoint per visible part, Gaussian
labelled / unknown / background regions sized by the figure), read back by `densepose_items` as the console reads a
DensePose-COCO folder, with its class names (so flips swap the sided parts). Rows: `spml` / `spml2` (stage 1 / stage 2,
`steps` each), `spml-aff` / `spml2-aff` (the same with the feature affinity relation off), `pce` and `pce@2x` (partial cross-entropy for `steps` and for SPML's total steps), `full` and
`full@2x` (cross-entropy on the part masks); a two-stage row also gives '... blended', the stages' final segmenter
(`StageBlend`); `spml2-partsonly` is `spml2` with the second stage's labels keeping only the parts' keypoint labels,
the walk deciding the background (`KEEP_WEAK`). Validation mIoU over the 15 classes, pooled, no test-time augmentation.
"""
import argparse, json, statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _jobs import run_json, write_results, how_run

ROWS = {   # row -> (loss, labels, stage 2, steps as a multiple of --steps, SPMLLoss overrides)
    'spml2': ('spml', 'keypoints', True, 1, {}), 'spml2-aff': ('spml', 'keypoints', True, 1, {'feat_aff': False}),
    'spml2-partsonly': ('spml', 'keypoints', True, 1, {'keep_weak': 'foreground'}),   # the walk's labels keep only the parts' labels
    'spml': ('spml', 'keypoints', False, 1, {}), 'spml-aff': ('spml', 'keypoints', False, 1, {'feat_aff': False}),
    'pce': ('pce', 'keypoints', False, 1, {}), 'pce@2x': ('pce', 'keypoints', False, 2, {}),
    'full': ('pce', 'truth', False, 1, {}), 'full@2x': ('pce', 'truth', False, 2, {}),
}
TRUNKS = {'lite0': ('efficientnet_lite0', 'imagenet'), 'tiny': ('tiny', None)}


def one(a):
    "Train and score one model in this process (one thread); print its records as one JSON line."
    import torch
    torch.set_num_threads(1)
    from fastai.torch_core import set_seed
    from spml_nb.data import densepose_items, spml_dataloaders, SegItem, folder_class_names, DENSEPOSE_CLASSES
    from spml_nb import pipeline
    from spml_nb.pipeline import precompute_overseg, run_pipeline
    loss, labels, stage2, mult, over = ROWS[a.row]
    over = dict(over)
    if 'keep_weak' in over: pipeline.KEEP_WEAK['keypoints'] = over.pop('keep_weak')
    arch, pre = TRUNKS[a.trunk]
    root = Path(a.root)
    tr = densepose_items(root, root/'panoptic_train2014_points.txt', 15)
    va = densepose_items(root, root/'panoptic_val2014_points.txt', 15)
    if labels == 'truth': tr = [SegItem(it.image, it.truth, truth=it.truth, name=it.name) for it in tr]
    precompute_overseg(tr + va, say=lambda *x, **k: None)
    set_seed(a.seed)
    names = folder_class_names(root, 15, default=DENSEPOSE_CLASSES)       # the folder's classes.txt: sided parts flip
    dls = spml_dataloaders(tr, va, 15, names, crop=a.size, bs=8, supervision='keypoints', device='cpu')
    kw = dict(dim=32, pretrained=pre, **over)
    res = run_pipeline(dls, 'keypoints', arch, mult*a.steps, loss=loss, stage2=stage2, seed=a.seed, learner_kw=kw)
    print(json.dumps({'trunk': a.trunk, 'row': a.row, 'seed': a.seed, 'records': [r.as_dict() for r in res.records]}), flush=True)


def rows_of(r):
    "The table rows one run gives: (row, steps, mIoU %); a two-stage run gives its first stage as well."
    recs = {x['stage']: x for x in r['records']}
    s1 = recs['stage 1']
    if r['row'].startswith('spml2'):   # its first stage is the row without the 2
        base = r['row'].replace('spml2', 'spml')
        two = s1['steps'] + recs['stage 2']['steps']
        return [(base, s1['steps'], 100*s1['miou']), (r['row'], two, 100*recs['stage 2']['miou'])] + \
               ([(r['row'] + ' blended', two, 100*recs['blend']['miou'])] if 'blend' in recs else [])   # the final segmenter
    return [(r['row'], s1['steps'], 100*s1['miou'])]


def table(results):
    "Markdown: mean ± std over seeds per row, with the ratio to partial CE at the same total steps and to full masks."
    order = ['spml', 'spml2', 'spml2 blended', 'spml2-partsonly', 'spml2-partsonly blended', 'spml-aff', 'spml2-aff', 'spml2-aff blended', 'pce', 'pce@2x', 'full', 'full@2x']
    by = {}
    for r in results:
        for row, steps, m in rows_of(r): by.setdefault(row, []).append((steps, m))
    mean = lambda row: statistics.mean(m for _, m in by[row]) if row in by else None
    lines = ['| row | steps | mIoU % (mean ± std) | seeds | / partial CE at equal steps | / full at equal steps |',
             '|---|---|---|---|---|---|']
    for row in order:
        if row not in by: continue
        v = [m for _, m in by[row]]; st = by[row][0][0]
        two = '2' in row                           # both stages, or the baselines at their total steps
        pce, full = mean('pce@2x' if two else 'pce'), mean('full@2x' if two else 'full')
        sd = statistics.stdev(v) if len(v) > 1 else 0.
        lines.append(f"| {row} | {st:,} | {statistics.mean(v):.1f} ± {sd:.1f} | {', '.join(f'{x:.1f}' for x in v)} | "
                     f"{'-' if not pce else f'{statistics.mean(v)/pce:.2f}'} | {'-' if not full else f'{statistics.mean(v)/full:.2f}'} |")
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data', default=None, help='where the DensePose folder is (written when missing); default: a cache folder')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--steps', type=int, default=1024, help='optimiser steps of batch 8 per stage')
    p.add_argument('--size', type=int, default=96, help='image side in pixels (also the training crop)')
    p.add_argument('--n-train', type=int, default=1024, help='training images')
    p.add_argument('--n-valid', type=int, default=128, help='validation images')
    p.add_argument('--rows', nargs='+', default=['full', 'full@2x', 'pce', 'pce@2x', 'spml2', 'spml-aff'], choices=list(ROWS))
    p.add_argument('--trunk', default='tiny', choices=list(TRUNKS))
    p.add_argument('--workers', type=int, default=2, help='processes at once, one thread each')
    p.add_argument('--out', default='bench/results/parts', help='stem of the .md / .json written')
    p.add_argument('--one', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--row', default=None, help=argparse.SUPPRESS)
    p.add_argument('--seed', type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument('--root', default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return one(a)
    from spml_nb.test_utils import densepose_folder
    root = Path(a.data or Path.home()/'.cache'/'spml_nb'/f'figures_densepose_{a.size}px_{a.n_train}_{a.n_valid}')
    if not (root/'panoptic_val2014_points.txt').is_file(): densepose_folder(root, a.n_train, a.n_valid, a.size, seed=0)
    jobs = [(row, s) for s in a.seeds for row in a.rows]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    def run(job):
        row, s = job
        cmd = [sys.executable, __file__, '--one', '--root', str(root), '--row', row, '--trunk', a.trunk, '--seed', str(s),
               '--steps', str(a.steps), '--size', str(a.size)]
        r = run_json(cmd, job)
        with open(Path(a.out).with_suffix('.partial.jsonl'), 'a') as f: f.write(json.dumps(r) + '\n')   # as they come
        print(f"{row:9} seed {s}: " + ', '.join(f"{n} {m:.1f}" for n, _, m in rows_of(r)), flush=True)
        return r

    with ThreadPoolExecutor(a.workers) as ex: results = list(ex.map(run, jobs))
    wall = time.time() - t0
    cmd, how = how_run('parts.py', sys.argv[1:], len(jobs), a.workers, wall)
    md = (f"# Body parts from one keypoint each (synthetic figures, DensePose layout)\n\n{how} Trunk {a.trunk}; steps of batch "
          f"8 on {a.size} px images ({a.n_train:,} training); validation mIoU of {a.n_valid} images over 15 classes, no test-time augmentation.\n\n{table(results)}\n")
    write_results(a.out, md, cmd, wall, results)


if __name__ == '__main__': main()
