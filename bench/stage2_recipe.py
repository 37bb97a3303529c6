"""The second stage's training recipe, from saved console runs: the segmenter retrained on a run's own pseudo labels,
started from its own first-stage network, at a fixed number of steps, with the peak learning rate, the one-cycle warm-up
share or the step count changed; scored as the console scores (test-time views, snapping) alone and blended.

    spml_train --data voc --root VOC2012 --supervision scribbles --weak-dir scribble --minutes 10 --stage2 --out run
    python bench/stage2_recipe.py run [run2 ...] --variants 'lr=0.002' 'lr=0.004' 'steps=900' --out bench/results/stage2_recipe

Each run folder is one written by `spml_train --stage2` (its `model.pth`, its `pseudo_labels/` and its arguments,
which name the data folder). A variant is a comma-separated list of `lr=`, `pct=` (fastai's `pct_start`) and `steps=`
(default: the recipe's learning rate and warm-up, 600 steps, about what ten minutes give the second stage on a 2-core
CPU). Every model trains in a process of its own on one thread, `--workers` at a time; the table gives the
validation mIoU % of the retrained segmenter alone and of the blend (`StageBlend`) the console reports.
"""
import argparse, json, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _jobs import run_json, run_table, write_table


def parse_variant(v:str)->dict:
    "'lr=0.004,steps=900' -> {'lr': 0.004, 'steps': 900}; unknown keys are an error."
    out = {}
    for part in filter(None, v.split(',')):
        k, _, x = part.partition('=')
        if k not in ('lr', 'pct', 'steps'): raise SystemExit(f"--variants: {k!r} is not one of lr, pct, steps (in {v!r})")
        out[k] = int(x) if k == 'steps' else float(x)
    return out


def train_one(run:str, variant:str)->dict:
    "Retrain `run`'s second stage with `variant` and score it; one JSON line on stdout."
    import argparse as ap, torch
    from fastai.torch_core import set_seed
    import spml_nb.console as C
    from spml_nb.pipeline import load_run, stage2_dataloaders, warm_start, fit_stage
    from spml_nb.learner import evaluate, StageBlend, miou
    from spml_nb.data import read_label
    kw, run = parse_variant(variant), Path(run)
    a = ap.Namespace(**json.loads((run/'results.json').read_text())['args'])
    a.lr = kw.get('lr')
    dls, _ = C._setup(a, 'stage2_recipe', lambda *x, **k: None)
    m1 = load_run(run, stage=1)[0]
    labels = [read_label(run/'pseudo_labels'/f'{it.name}.png') for it in dls.train.items]
    set_seed(a.seed); dls2 = stage2_dataloaders(dls, labels, crop=a.crop, bs=a.bs)
    set_seed(a.seed); learn = warm_start(C._pce_learner(dls2, a), m1)
    if 'pct' in kw:
        cycle = learn.fit_one_cycle
        learn.fit_one_cycle = lambda *x, **k: cycle(*x, pct_start=kw['pct'], **k)
    t = time.time(); steps = fit_stage(learn, steps=kw.get('steps', 600)); secs = time.time() - t
    snap, scales, flip = C._scoring(a)
    confs = evaluate(learn, snap=snap, scales=scales, flip=flip, model=StageBlend(learn.model, m1), each_stage=True)
    return dict(run=str(run), variant=variant, steps=steps, seconds=round(secs), lr=learn.lr,
                **{k: round(100*miou(c), 2) for k, c in confs.items()})


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('runs', nargs='*'); p.add_argument('--variants', nargs='+', default=['lr=0.002'])
    p.add_argument('--workers', type=int, default=2); p.add_argument('--out', default=None)
    p.add_argument('--one', nargs=2, help=argparse.SUPPRESS)   # a worker: RUN VARIANT
    a = p.parse_args()
    if a.one: print(json.dumps(train_one(*a.one))); return
    if not a.runs: p.error('give at least one run folder')
    for v in a.variants: parse_variant(v)                       # bad variants stop before any training
    jobs = [(r, v) for r in a.runs for v in a.variants]
    t = time.time()
    with ThreadPoolExecutor(a.workers) as ex:
        rows = list(ex.map(lambda j: run_json([sys.executable, __file__, '--one', *j], j), jobs))
    cell = lambda x: f"{x['stage 2']:.1f} / {x['blend']:.1f} ({x['steps']})"
    write_table(a.out, 'stage2_recipe.py', sys.argv[1:], "The second stage's recipe, retrained from saved console runs",
                f"Validation mIoU %: the retrained segmenter alone / blended with stage 1 (steps). {len(jobs)} models, "
                f"{a.workers} processes of one thread, {(time.time() - t)/60:.0f} min.", run_table(a.runs, rows, a.variants, cell), rows)


if __name__ == '__main__': main()
