"""The SPML head (k-means, relations, loss; forward and backward) of two versions of the package, side by side in one
process: steps alternate between them on the same batch, so both see the same machine load. For changes meant to keep
the results and cut time, where two separate runs differ by more than the change (noisy machines).

    git worktree add /tmp/base HEAD~1                     # or any checkout of the version to compare with
    python bench/head_ab.py --base /tmp/base --sizes 64 128 --steps 400

The base's `spml_nb` is copied into a temporary folder as the package `spml_base` (its imports are relative), so both
versions are loaded at once; each head has its own memory bank. Medians over `--steps` alternating pairs after 20 warm-up
steps, on `--threads` threads (default 1).
"""
import argparse, shutil, statistics, sys, tempfile, time
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--base', required=True, help='a checkout of the version to compare with (the folder holding spml_nb/)')
    p.add_argument('--sizes', type=int, nargs='+', default=[64])
    p.add_argument('--steps', type=int, default=300, help='alternating step pairs per size')
    p.add_argument('--kind', default='scribbles', help='weak labels of the synthetic batch')
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    src = Path(a.base) / 'spml_nb'
    if not (src / 'loss.py').exists(): raise SystemExit(f"--base: {src} is not an spml_nb package folder")
    import torch, warnings
    warnings.filterwarnings('ignore')
    torch.set_num_threads(a.threads)
    tmp = tempfile.mkdtemp()
    shutil.copytree(src, Path(tmp) / 'spml_base', ignore=shutil.ignore_patterns('__pycache__'))
    sys.path.insert(0, tmp)
    import spml_base.loss as BL, spml_base.relations as BR
    import spml_nb.loss as WL, spml_nb.relations as WR
    from fastai.torch_core import set_seed
    from spml_nb.data import synth_dataloaders
    from spml_nb.learner import spml_learner
    print(f"| image | base head ms | this head ms | this / base |\n|---|---|---|---|")
    for size in a.sizes:
        set_seed(0)
        dls = synth_dataloaders(a.kind, n_train=8, n_valid=2, size=size, bs=8, seed=0)
        learn = spml_learner(dls, a.kind, 'tiny')
        model, lf = learn.model.train(), learn.loss_func
        x, *y = [t.as_subclass(torch.Tensor) for t in dls.one_batch()]
        logits, emb = model(x)
        cfg = {k: v for k, v in lf.cfg.items() if k != 'grid'}
        mk = lambda L, R: L.SPMLLoss(lf.n_classes, lf.supervision, grid=lf.cfg['grid'], memory=R.MemoryBank(2),
                                     anchors=lf.anchors, img_anchors=lf.img_anchors, **cfg)
        heads = {'base': mk(BL, BR), 'this': mk(WL, WR)}
        T = {k: [] for k in heads}
        for i in range(a.steps + 20):
            for k, h in (list(heads.items()) if i % 2 else list(heads.items())[::-1]):
                l, e = logits.detach().requires_grad_(), emb.detach().requires_grad_()
                t = time.perf_counter(); h((l, e), *y).backward(); dt = time.perf_counter() - t
                h.memory.update(h.last_segments)
                if i >= 20: T[k].append(dt)
        b, w = (1e3 * statistics.median(T[k]) for k in ('base', 'this'))
        print(f"| {size} | {b:.2f} | {w:.2f} | {w / b:.3f} |", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__': main()
