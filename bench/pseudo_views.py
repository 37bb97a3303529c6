"""How the second stage's pseudo labels depend on the views and the random walk: Algorithm 1's labels (the network's
classifier, tag mask, walk, scribbled pixels kept) from trained SPML networks, scored against the training truth.

    spml_train --data voc --root VOC2012 --supervision scribbles --weak-dir scribble --minutes 10 --stage2 --out run
    python bench/pseudo_views.py run [run2 ...] --n 80 --out bench/results/pseudo_views

Each run folder is one written by `spml_train` on a VOC-layout folder of weak labels (its `model.pth`, the first
stage's network, is used, and its arguments name the folder). Every variant labels the same first `--n` training
images from the same network; the table gives the pooled mIoU of the labels against `SegmentationClass`, and the
seconds each variant took on one thread (embeddings included: every variant computes its own).
"""
import argparse, sys, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).parent))
from _jobs import run_table, write_table

VARIANTS = {   # name -> `softmax_rw_labels` arguments (stride 8, flips, beta 5, power 20, 6 squarings unless given)
    'one scale': {},
    'stride 4': dict(stride=4),
    'power 10': dict(power=10),
    'no flips': dict(flip=False),
    'scales 0.5, 1, 1.5': dict(scales=(0.5, 1., 1.5)),
    'scales 0.5 ... 1.5 (five)': dict(scales=(0.5, 0.75, 1., 1.25, 1.5)),
    'scales 0.5, 1, 1.5, power 10': dict(scales=(0.5, 1., 1.5), power=10),
}


def score(labels, truth, C):
    "Pooled mIoU % and per-class IoU % of label maps against truth maps (255 ignored)."
    from spml_nb.core import confusion, iou_per_class, miou
    conf = sum(confusion(l, t, C) for l, t in zip(labels, truth))
    return 100*miou(conf), (100*iou_per_class(conf)).round(decimals=1).tolist()


def run_variants(run, n, names):
    from spml_nb.pipeline import load_run
    from spml_nb.data import voc_items, folder_class_names, voc_weak_dir, read_image, read_label
    from spml_nb.pseudo_labels import softmax_rw_labels
    from spml_nb.inference import EmbeddingCache
    model, args, C = load_run(run, stage=1)
    if args.get('data') != 'voc': raise SystemExit(f"{run}: trained on --data {args.get('data')}, expected a voc folder")
    root = args['root']
    weak_dir = voc_weak_dir(root, args.get('supervision', 'scribbles'), args.get('weak_dir'))
    items = voc_items(root, 'train', weak_dir, C, folder_class_names(root, C, args.get('classes')), None, unlabelled=args.get('unlabelled_value', 255))[:n]
    imgs = [read_image(it.image) for it in items]
    weak = [read_label(it.label, None, im.shape[:2], it.remap) for it, im in zip(items, imgs)]
    truth = [read_label(it.truth, None, im.shape[:2]) for it, im in zip(items, imgs)]
    rows = []
    for v in names:
        t = time.perf_counter()
        out = softmax_rw_labels(EmbeddingCache(model, imgs), model.classifier, weak, C, **VARIANTS[v])
        secs = time.perf_counter() - t
        kept = [np.where(w < C, w, o).astype(np.uint8) for w, o in zip(weak, out)]
        m, iou = score(kept, truth, C)
        rows.append(dict(run=str(run), root=root, variant=v, miou=m, iou=iou, seconds=secs, n=len(imgs)))
        print(f"{run} | {v} | {m:.1f} | {secs:.0f} s", flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('runs', nargs='+', help='run folders written by spml_train (voc data)')
    p.add_argument('--n', type=int, default=80, help='training images labelled per run (the first N)')
    p.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument('--out', default=None, help='write OUT.md and OUT.json')
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for r in a.runs: rows += run_variants(r, a.n, a.variants)
    table = run_table(a.runs, rows, a.variants, lambda x: f"{x['miou']:.1f} ({x['seconds']:.0f} s)")
    write_table(a.out, 'pseudo_views.py', sys.argv[1:] if argv is None else argv, 'Pseudo labels by views and walk',
                f"pseudo-label mIoU % against the training truth (first {a.n} training images; seconds on one thread)", table, rows)

if __name__ == '__main__': main()
