"""What learns fastest per step on the demo's task: validation mIoU after a fixed number of optimiser steps (batch 8)
of SPML from scribbles on the synthetic benchmark (2,048 training / 128 validation images of 64 px, tiny trunk,
embedding 32, k-means grid 4x4), for variants of the scratch recipe: peak learning rate, warm-up share of the one
cycle, the relation terms' weight against the cross-entropy, and the memory bank.

    python bench/demo_steps.py                                  # the variants below, one seed: ~40 min on one thread
    python bench/demo_steps.py --variants "lr=1e-2" "lr=1e-2, pct_start=0.1" --seeds 0 1 2

Each variant is keyword arguments: `lr`, `pct_start`, `div` (fastai's `fit_one_cycle`), `rel` (the relation
weights as a multiple of the scratch recipe's), and any `spml_learner` override (`memory_size`, `grid`, ...).
Writes `bench/results/demo_steps.md`.
"""
import argparse, json, platform, statistics, sys, time
from pathlib import Path

VARIANTS = ["", "lr=1e-2", "lr=2e-2", "lr=1e-2, pct_start=0.1", "lr=1e-2, rel=3"]

def run(variant, seed, steps, threads):
    import torch, warnings
    warnings.filterwarnings('ignore'); torch.set_num_threads(threads)
    from fastai.torch_core import set_seed
    from spml_nb.core import miou
    from spml_nb.data import synth_dataloaders
    from spml_nb.learner import spml_learner, recipe_weights, evaluate, NoValidation
    kw = eval(f"dict({variant})")
    fit = {k: kw.pop(k) for k in ('pct_start', 'div') if k in kw}
    lr, rel = kw.pop('lr', None), kw.pop('rel', 1.)
    if rel != 1.: kw.update({k: v*rel for k, v in recipe_weights('scribbles', 'scratch').items() if k != 'w_ce'})
    set_seed(seed)
    dls = synth_dataloaders('scribbles', 2048, 128, 64, seed=0, bs=8)
    set_seed(seed)
    learn = spml_learner(dls, 'scribbles', 'tiny', dim=32, grid=kw.pop('grid', (4, 4)), lr=lr, **kw)
    epochs = max(1, steps//len(dls.train))
    t = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, learn.lr, cbs=[NoValidation()], **fit)
    return dict(variant=variant, seed=seed, steps=learn.train_iter, miou=miou(evaluate(learn)), seconds=time.time() - t)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--variants', nargs='+', default=VARIANTS)
    p.add_argument('--seeds', nargs='+', type=int, default=[0])
    p.add_argument('--steps', type=int, default=1792, help='optimiser steps (whole epochs of 256: at most this many)')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default=str(Path(__file__).parent/'results'/'demo_steps'))
    a = p.parse_args(argv)
    res, t0 = [], time.time()
    for v in a.variants:
        for s in a.seeds:
            r = run(v, s, a.steps, a.threads); res.append(r)
            print(f"{v or 'scratch recipe'} seed {s}: {100*r['miou']:.1f} mIoU after {r['steps']} steps ({r['seconds']:.0f} s)", flush=True)
    rows = []
    for v in a.variants:
        m = [100*r['miou'] for r in res if r['variant'] == v]
        sd = statistics.stdev(m) if len(m) > 1 else 0.
        rows.append(f"| {v or 'scratch recipe (lr 5e-3, pct_start 0.25)'} | {statistics.mean(m):.1f} ± {sd:.1f} | {', '.join(f'{x:.1f}' for x in m)} |")
    cmd = 'python bench/demo_steps.py ' + ' '.join(argv if argv is not None else sys.argv[1:])
    md = '\n'.join(['## The demo task: validation mIoU after a fixed number of steps', '', f"Command: `{cmd.strip()}`  ",
                    f"Machine: CPU, {a.threads} thread(s), {platform.system()}, Python {platform.python_version()}  ",
                    f"{res[0]['steps']} steps of batch 8, seeds {a.seeds}; wall time {(time.time() - t0)/60:.1f} min", '',
                    '| variant | mIoU % (mean ± sd) | per seed |', '|---|---|---|'] + rows) + '\n'
    Path(a.out).with_suffix('.md').write_text(md)
    Path(a.out).with_suffix('.json').write_text(json.dumps(dict(command=cmd.strip(), results=res), indent=1))
    print(md)

if __name__ == '__main__': main()
