"""Sparse scribbles on real-photograph collages: SPML against partial cross-entropy and full masks, the tiny trunk from
random weights against the ImageNet-pretrained EfficientNet-Lite0, stage 1 and stage 2, at a fixed number of steps.

    python bench/photo_scribbles.py                       # the 'tune' folder, seeds 0 1, 300 steps a stage: ~35 min on 2 cores
    python bench/photo_scribbles.py --which heldout --rows spml2 pce full --out bench/results/photo_scribbles_heldout

The folders are `collage_voc_folder` (`02_data`): 240 training / 80 validation collages of 192 px, five object classes
cut from sample photographs by their own outlines, sparse ScribbleSup-style scribbles (about 1 % of the pixels
labelled). 'tune' is the folder the pretrained recipe's defaults were chosen on; 'heldout' (other photographs, other
outlines) was never used to choose anything. Every model trains `--steps` optimiser steps of batch 8 on crops of
128 px (`fit_steps`) with its trunk's recipe ('finetune' for the pretrained Lite0, 'scratch' for the tiny trunk); the
second stage (`spml2`, `pce2`) trains as many steps again on the random-walk pseudo labels of the first, started from its
weights, so `pce@2x` (partial cross-entropy for twice the steps) is the baseline at equal total steps. Scores: pooled
mIoU on the validation images, no test-time augmentation.
"""
import argparse, json, statistics, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _jobs import run_json, write_results, how_run

ROWS = {   # row -> (loss, weak labels, stage 2, steps as a multiple of --steps)
    'spml': ('spml', 'scribble', False, 1), 'spml2': ('spml', 'scribble', True, 1),
    'pce': ('pce', 'scribble', False, 1), 'pce@2x': ('pce', 'scribble', False, 2), 'pce2': ('pce', 'scribble', True, 1),
    'full': ('pce', 'SegmentationClass', False, 1), 'full@2x': ('pce', 'SegmentationClass', False, 2),
}
TRUNKS = {'lite0': ('efficientnet_lite0', 'imagenet'), 'tiny': ('tiny', None)}


def one(a):
    "Train and score one model in this process (one thread); print its result as one JSON line."
    import numpy as np, torch
    torch.set_num_threads(1)
    from fastai.torch_core import set_seed
    from spml_nb.data import folder_class_names, voc_items, spml_dataloaders
    from spml_nb.learner import spml_learner, partial_ce_learner, fit_steps, evaluate
    from spml_nb.pipeline import precompute_overseg, stage2_labels, stage2_dataloaders, warm_start
    from spml_nb.core import miou, iou_per_class
    loss, weak, stage2, mult = ROWS[a.row]
    arch, pre = TRUNKS[a.trunk]
    if a.frozen is not None:                       # another fixed part of Lite0 than `LITE0_FROZEN`
        import spml_nb.model as M
        M.LITE0_FROZEN = a.frozen
    if a.trunk_rate is not None:
        from spml_nb.learner import RECIPES
        RECIPES['finetune']['trunk'] = a.trunk_rate
    names = folder_class_names(a.root); n = len(names)
    tr = voc_items(a.root, 'train', weak, n, names, unlabelled=255)
    va = voc_items(a.root, 'val', 'auto', n, names)
    precompute_overseg(tr + va, say=lambda *x, **k: None)
    torch.manual_seed(a.seed); np.random.seed(a.seed)
    dls = spml_dataloaders(tr, va, n, names, crop=128, bs=8, supervision='scribbles', device='cpu')
    set_seed(a.seed)
    learn = (spml_learner(dls, 'scribbles', arch, dim=32, pretrained=pre) if loss == 'spml'
             else partial_ce_learner(dls, arch, dim=32, pretrained=pre))
    t = time.time()
    steps = fit_steps(learn, mult*a.steps)
    out = {'stage1': miou(evaluate(learn))}
    if stage2:
        labels = stage2_labels(learn.model, dls, None, 'scribbles', say=lambda *x, **k: None)
        dls2 = stage2_dataloaders(dls, labels, crop=128, bs=8)
        set_seed(a.seed)
        learn = warm_start(partial_ce_learner(dls2, arch, dim=32, pretrained=pre), learn.model)
        steps += fit_steps(learn, a.steps)
    conf = evaluate(learn)
    print(json.dumps({'which': a.which, 'trunk': a.trunk, 'row': a.row, 'seed': a.seed, 'steps': steps,
                      'miou': 100*miou(conf), 'iou': [round(100*v, 1) for v in iou_per_class(conf).tolist()],
                      'stage1': 100*out['stage1'], 'seconds': time.time() - t}), flush=True)


def table(results, rows, trunks):
    "A Markdown table: mean ± std over seeds per trunk and row, with the ratio to full masks."
    rows = [r for r in ('spml', 'spml2', 'pce', 'pce2', 'pce@2x', 'full', 'full@2x') if r in rows or r + '2' in rows]
    lines = ['| trunk | row | steps | mIoU % (mean ± std) | seeds | / full |', '|---|---|---|---|---|---|']
    for tk in trunks:
        full = [r['miou'] for r in results if r['trunk'] == tk and r['row'] == 'full']
        for row in rows:
            v = [r['miou'] for r in results if r['trunk'] == tk and r['row'] == row]
            if not v: continue
            st = [r['steps'] for r in results if r['trunk'] == tk and r['row'] == row][0]
            sd = statistics.stdev(v) if len(v) > 1 else 0.
            ratio = f"{statistics.mean(v)/statistics.mean(full):.2f}" if full else '-'
            lines.append(f"| {tk} | {row} | {st:,} | {statistics.mean(v):.1f} ± {sd:.1f} | "
                         f"{', '.join(f'{x:.1f}' for x in v)} | {ratio} |")
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--which', default='tune', choices=['tune', 'heldout'])
    p.add_argument('--data', default=None, help='where the folder is (written when missing); default: a cache folder')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--steps', type=int, default=300, help='optimiser steps of batch 8 per stage')
    p.add_argument('--rows', nargs='+', default=['spml2', 'pce2', 'pce@2x', 'full'], choices=list(ROWS),
                   help='models (spml and pce, the first stages, come with spml2 and pce2)')
    p.add_argument('--trunks', nargs='+', default=['lite0', 'tiny'], choices=list(TRUNKS))
    p.add_argument('--workers', type=int, default=2, help='processes at once, one thread each')
    p.add_argument('--frozen', type=int, default=None, help="Lite0's stages kept fixed (default: LITE0_FROZEN)")
    p.add_argument('--trunk-rate', type=float, default=None, help="the trunk's learning rate as a multiple of the heads' (default: the finetune recipe's)")
    p.add_argument('--out', default=None, help='stem of the .md / .json written (default bench/results/photo_scribbles[_heldout])')
    p.add_argument('--one', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--row', default=None, help=argparse.SUPPRESS)
    p.add_argument('--trunk', default=None, help=argparse.SUPPRESS)
    p.add_argument('--seed', type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument('--root', default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return one(a)
    from spml_nb.test_utils import collage_voc_folder
    root = Path(a.data or Path.home()/'.cache'/'spml_nb'/f'collage_{a.which}')/'VOC2012'
    if not (root/'classes.txt').is_file(): collage_voc_folder(root, seed=0 if a.which == 'tune' else 7, which=a.which)
    stem = Path(a.out or f"bench/results/photo_scribbles{'' if a.which == 'tune' else '_heldout'}")
    jobs = [(tk, row, s) for s in a.seeds for tk in a.trunks for row in a.rows]
    t0, results = time.time(), []

    def run(job):
        tk, row, s = job
        cmd = [sys.executable, __file__, '--one', '--which', a.which, '--root', str(root), '--row', row, '--trunk', tk,
               '--seed', str(s), '--steps', str(a.steps)]
        cmd += ['--frozen', str(a.frozen)]*(a.frozen is not None) + ['--trunk-rate', str(a.trunk_rate)]*(a.trunk_rate is not None)
        r = run_json(cmd, job)
        print(f"{tk:6} {row:7} seed {s}: {r['miou']:.1f} mIoU after {r['steps']:,} steps ({r['seconds']/60:.1f} min)", flush=True)
        return r

    with ThreadPoolExecutor(a.workers) as ex: results = list(ex.map(run, jobs))
    for r in list(results):            # a two-stage run's first stage is the one-stage row of the same seed
        if r['row'] in ('spml2', 'pce2') and r['row'][:-1] not in a.rows:
            results.append({**r, 'row': r['row'][:-1], 'miou': r['stage1'], 'steps': r['steps']//2, 'iou': None})
    wall = time.time() - t0
    cmd, how = how_run('photo_scribbles.py', sys.argv[1:], len(jobs), a.workers, wall)
    md = (f"# Sparse scribbles on photograph collages ('{a.which}' folder)\n\n{how} Steps of batch 8 on 128 px crops; "
          f"validation mIoU of 80 images, no test-time augmentation.\n\n{table(results, a.rows, a.trunks)}\n")
    write_results(stem, md, cmd, wall, results)


if __name__ == '__main__': main()
