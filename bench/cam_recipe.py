"""Which CAM recipe localises from random weights: tag and box pseudo labels of the synthetic training images against
their truth (precision, coverage, object recall, mIoU), for a grid of `train_cam` recipes and pseudo-label rules,
beside "background everywhere".

    python bench/cam_recipe.py                     # the grid below, 2,048 images of 64 px: ~25 min on one CPU thread
    python bench/cam_recipe.py --n-train 512 --recipes "epochs=6"

Each recipe overrides `CAM_RECIPE` (`04_cam`); every recipe trains one `CAMNet` (seed 0) and scores every rule on it.
Writes `bench/results/cam_recipe.md` (and `.json`).
"""
import argparse, json, platform, shlex, sys, time
from pathlib import Path

RECIPES = ["layers=(1, 1), lr=3e-3, epochs=6", "layers=(1, 1), lr=3e-3, epochs=15", "layers=(1, 1), lr=3e-3, epochs=15, stride=4",
           "layers=(1, 1, 1), lr=1e-2, epochs=15", "layers=(1, 1, 1), lr=3e-3, epochs=15"]
TAG_RULES = [dict(alpha=a, threshold=t) for a in (2., 4., 6.) for t in (0.2, 0.4)]
BOX_RULES = [dict(box_threshold=t) for t in (0.2, 0.3, 0.5)]

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--n-train', type=int, default=2048)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--recipes', nargs='+', default=RECIPES, help='CAM_RECIPE overrides, as keyword arguments')
    p.add_argument('--out', default=str(Path(__file__).parent/'results'/'cam_recipe'))
    a = p.parse_args(argv)
    import numpy as np, torch, warnings
    warnings.filterwarnings('ignore')
    torch.set_num_threads(a.threads)
    from spml_nb.data import synth_dataset
    from spml_nb.cam import CAM_RECIPE, train_cam, cam_pseudo_labels, pseudo_label_quality
    tr = synth_dataset(a.n_train, a.size, 0)
    C, n = tr.n_classes, len(tr)
    tags, boxes = [tr.weak(i, 'tags') for i in range(n)], [tr.weak(i, 'boxes') for i in range(n)]
    fmt = lambda q: f"{q['precision']:.3f} | {q['coverage']:.3f} | {q['object_recall']:.3f} | {100*q['miou']:.1f}"
    bg = pseudo_label_quality(np.zeros_like(tr.truth), tr.truth, C)
    fill = pseudo_label_quality(np.stack([b.to_map(*tr.truth[i].shape, C, fill='class') for i, b in enumerate(boxes)]), tr.truth, C)
    rows, runs, t0 = [f"| - | background everywhere (tags reference) | {fmt(bg)} | - |",
                      f"| - | whole box = its class (boxes reference) | {fmt(fill)} | - |"], [], time.time()
    for r in a.recipes:
        over = eval(f"dict({r})")
        t = time.time()
        cam = train_cam(tr.images, tags, C, recipe=over, seed=0, say=None)
        secs = time.time() - t
        for rule in TAG_RULES:
            q = pseudo_label_quality(np.stack(cam_pseudo_labels(cam, tr.images, tags, **rule)), tr.truth, C)
            rows.append(f"| {r} | tags: alpha {rule['alpha']:g}, threshold {rule['threshold']:g} | {fmt(q)} | {secs:.0f} |")
            runs.append(dict(recipe=over, kind='tags', rule=rule, seconds=secs, **q))
        for rule in BOX_RULES:
            q = pseudo_label_quality(np.stack(cam_pseudo_labels(cam, tr.images, boxes, **rule)), tr.truth, C)
            rows.append(f"| {r} | boxes: threshold {rule['box_threshold']:g} | {fmt(q)} | {secs:.0f} |")
            runs.append(dict(recipe=over, kind='boxes', rule=rule, seconds=secs, **q))
        print(*rows[-len(TAG_RULES) - len(BOX_RULES):], sep='\n', flush=True)
    cmd = 'python bench/cam_recipe.py ' + shlex.join(argv if argv is not None else sys.argv[1:])
    md = '\n'.join([f"## CAM recipes from random weights: pseudo labels of the training images", '',
                    f"Command: `{cmd.strip()}`  ", f"Machine: CPU, {a.threads} thread(s), {platform.system()}, torch {torch.__version__}  ",
                    f"{n} synthetic training images of {a.size} px, seed 0; base recipe `CAM_RECIPE` = {CAM_RECIPE}; "
                    f"wall time {(time.time() - t0)/60:.1f} min (training times are the CAMNet's, on a machine shared with other runs)", '',
                    '| recipe (overrides) | pseudo labels | precision | coverage | object recall | mIoU % | train s |',
                    '|---|---|---|---|---|---|---|'] + rows) + '\n'
    Path(a.out).with_suffix('.md').write_text(md)
    Path(a.out).with_suffix('.json').write_text(json.dumps(dict(command=cmd.strip(), runs=runs), indent=1))
    print(md)

if __name__ == '__main__': main()
