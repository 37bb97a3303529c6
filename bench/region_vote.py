"""Second-stage scribble labels snapped to the over-segmentation (`region_vote`): the labels' quality against the
training truth for several purities, and optionally the segmenter retrained on them for a fixed number of steps.

    spml_train --data voc --root VOC2012 --supervision scribbles --weak-dir scribble --minutes 10 --stage2 --out run
    python bench/region_vote.py run [run2 ...] --out bench/results/region_vote
    python bench/region_vote.py run --steps 600 --purities 0.6      # also retrain: the walk's labels against the voted ones

Each run folder is one written by `spml_train` on a VOC-layout folder of scribbles; its first stage's network
(`model.pth`) labels every training image as `stage2_labels` does (three embedding scales with their mirrors, the walk,
the scribbled pixels kept), once; each purity then snaps those labels to the items' default over-segmentation. With
`--steps`, a segmenter is retrained from the first stage's weights on the walk's labels and on each purity's labels
(`partial_ce_learner`, crops of 128, batch 8, the same seed), and scored on the validation images. One thread.
"""
import argparse, sys, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from _jobs import run_table, write_table
from pseudo_views import score


def run_one(run, purities, steps, seed):
    from fastai.torch_core import set_seed
    from spml_nb.core import miou, iou_per_class
    from spml_nb.data import voc_items, folder_class_names, voc_weak_dir, spml_dataloaders, read_label
    from spml_nb.learner import partial_ce_learner, fit_steps, evaluate
    from spml_nb.pipeline import load_run, precompute_overseg, stage2_labels, stage2_dataloaders, warm_start
    from spml_nb.pseudo_labels import region_vote
    model, args, C = load_run(run, stage=1)
    if args.get('data') != 'voc': raise SystemExit(f"{run}: trained on --data {args.get('data')}, expected a voc folder")
    root, names = args['root'], folder_class_names(args['root'], C, args.get('classes'))
    tr = voc_items(root, 'train', voc_weak_dir(root, 'scribbles', args.get('weak_dir')), C, names, None,
                   unlabelled=args.get('unlabelled_value', 255))
    va = voc_items(root, 'val', 'auto', C, names)
    precompute_overseg(tr + va, say=lambda *a, **k: None)
    dls = spml_dataloaders(tr, va, C, names, crop=128, bs=8, supervision='scribbles', device='cpu')
    t = time.perf_counter()
    walked = stage2_labels(model, dls, supervision='scribbles', snap=0, say=None)
    secs = time.perf_counter() - t
    truth = [read_label(it.truth) for it in tr]
    weak = [np.asarray(dls.train_ds[i][1]) for i in range(len(tr))]
    regions = [np.asarray(dls.train_ds[i][2]) for i in range(len(tr))]
    variants = {'walk': walked}
    t = time.perf_counter()
    for p in purities:
        variants[f'vote {p:g}'] = [np.where(w < C, w, region_vote(l, r, C, p)).astype(np.uint8)
                                   for w, l, r in zip(weak, walked, regions)]
    vote_secs = (time.perf_counter() - t)/max(len(purities), 1)
    rows = []
    for v, labs in variants.items():
        m, iou = score(labs, truth, C)
        row = dict(run=str(run), root=root, variant=v, label_miou=m, label_iou=iou, n=len(labs),
                   seconds=secs if v == 'walk' else vote_secs)
        if steps:
            set_seed(seed)
            learn = warm_start(partial_ce_learner(stage2_dataloaders(dls, labs, crop=128, bs=8), args['arch'],
                                                  dim=args['dim'], pretrained=args.get('pretrained')), model)
            fit_steps(learn, steps)
            conf = evaluate(learn)
            row.update(steps=steps, seed=seed, miou=100*miou(conf), iou=(100*iou_per_class(conf)).round(decimals=1).tolist())
        rows.append(row)
        print(f"{run} | {v} | labels {m:.1f}" + (f" | retrained {row['miou']:.1f}" if steps else ''), flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('runs', nargs='+', help='run folders written by spml_train (voc scribbles)')
    p.add_argument('--purities', nargs='+', type=float, default=[0., 0.5, 0.6, 0.7, 0.8])
    p.add_argument('--steps', type=int, default=0, help='also retrain a segmenter for this many steps on each variant')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default=None, help='write OUT.md and OUT.json')
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for r in a.runs: rows += run_one(r, a.purities, a.steps, a.seed)
    what = 'pseudo-label mIoU % against the training truth' + (
        f' / the segmenter retrained on them for {a.steps} steps (seed {a.seed}), validation mIoU %' if a.steps else '')
    table = run_table(a.runs, rows, list(dict.fromkeys(x['variant'] for x in rows)),
                      lambda x: f"{x['label_miou']:.1f}" + (f" / {x['miou']:.1f}" if a.steps else ''))
    write_table(a.out, 'region_vote.py', sys.argv[1:] if argv is None else argv,
                'Second-stage labels snapped to the over-segmentation', what, table, rows)

if __name__ == '__main__': main()
