"""The quality benchmark (issue 9): SPML against partial cross-entropy and full supervision on the built-in synthetic
benchmark, the relation ablation for scribbles and the scribble-sparsity sweep, each figure a mean over seeds.

    python bench/quality.py --quick                # CPU, under 10 minutes on a 2-core laptop
    python bench/quality.py                        # full mode (meant for a GPU)
    python bench/quality.py --quick --only main    # one table

Every model is the same network (`SPMLNet`: backbone, ASPP head, classifier head) trained with fastai under the same
fixed budget of optimiser steps, the release's SGD recipe (momentum 0.9, L2 5e-4, poly 0.9 with warm-up, 1x / 10x
parameter groups). What differs is the loss:

- SPML: `spml_learner` (the setting's relations; the classifier head learns by cross-entropy on the detached embedding),
- partial CE: `partial_ce_learner` (cross-entropy on the labelled pixels, through the whole network),
- full supervision: `partial_ce_learner` on the full masks.

Tags and boxes first become pixel labels, as in the release: CAMs of a `CAMNet` trained on the training images' tags
(one per seed) give tag pseudo labels (alpha 6) and, inside boxes, box pseudo labels; SPML and partial CE train on the
same pseudo labels. Every model is scored by the pooled mIoU of its classifier head on the validation images (no random
walk, no CRF). Seeds change the network's initialisation, the data order and the augmentation; the images stay the same.

Writes `bench/results/quality_<mode>.md` (tables, command, machine, time) and `.json` (every run).
"""
import argparse, json, math, os, platform, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

PAPER_RATIO = {'tags': 0.93, 'boxes': 0.97, 'points': 0.96, 'scribbles': 0.99}   # SPML / full on VOC (the paper)
KINDS = ('tags', 'boxes', 'points', 'scribbles')

MODES = {   # size: image side; n_train/n_valid: images; steps: optimiser steps per model; grid: k-means grid
    'quick': dict(size=64, n_train=192, n_valid=32, arch='tiny', dim=32, bs=4, steps=200, lr=3e-3, grid=(4, 4),
                  cam_epochs=6, seeds=3),
    'full': dict(size=128, n_train=1024, n_valid=256, arch='resnet50', dim=64, bs=16, steps=4000, lr=3e-3, grid=(6, 6),
                 cam_epochs=20, seeds=3),
}

ABLATION = [   # (row, SPMLLoss overrides) for scribbles; the preset has w_aff = 0
    ('annotation only', dict(sem_occ=False, img_sim=False, feat_aff=False)),
    ('+ image similarity', dict(sem_occ=False, feat_aff=False)),
    ('+ co-occurrence', dict(feat_aff=False)),
    ('+ feature affinity', dict(w_aff=0.5)),
]
LENGTHS = (1.0, 0.8, 0.5, 0.3, 0.0)


def run_name(method, kind, length=1.0):
    "The name a run goes by in the results (`full` for cross-entropy on masks)."
    if (method, kind) == ('pce', 'mask'): return 'full'
    return f"{method}/{kind}" + (f"@{length:g}" if length != 1.0 else '')

def ablation_name(row):
    "The run of an ablation row: the scribbles preset itself is the '+ co-occurrence' row."
    return run_name('spml', 'scribbles') if row == '+ co-occurrence' else f"ablation/{row}"

def runs_for(only):
    "The list of distinct runs (name, method, kind, length, overrides) the tables need."
    runs = {}
    def add(method, kind, length=1.0, over=None, name=None):
        name = name or run_name(method, kind, length)
        runs.setdefault(name, dict(name=name, method=method, kind=kind, length=length, over=over or {}))
    if 'main' in only:
        for k in KINDS + ('mask',): add('spml', k)
        for k in KINDS + ('mask',): add('pce', k)
    if 'ablation' in only:
        for row, over in ABLATION: add('spml', 'scribbles', over=over, name=ablation_name(row))
    if 'sparsity' in only:
        for l in LENGTHS: add('spml', 'scribbles', l)
    return list(runs.values())


# ---- work done in the worker processes -------------------------------------------------------------------------
_DATA = {}

def _init(threads):
    import torch
    torch.set_num_threads(threads)
    import warnings; warnings.filterwarnings('ignore')

def build_data(cfg):
    "Images, truth, every weak label and the over-segmentations of the fixed training and validation sets."
    from spml_nb.data import synth_dataset, default_overseg
    kw = cfg.get('synth', {})
    tr, va = synth_dataset(cfg['n_train'], cfg['size'], 0, **kw), synth_dataset(cfg['n_valid'], cfg['size'], 1000, **kw)
    ovs = {s: [default_overseg(im) for im in d.images] for s, d in (('train', tr), ('valid', va))}
    return dict(train=tr, valid=va, overseg=ovs)

def train_cams(cfg, data, seed):
    "Tag and box pseudo labels of every image from a `CAMNet` trained on the training images' tags."
    import numpy as np, torch
    from spml_nb.cam import cam_learner, compute_cams, tag_pseudo_labels, box_pseudo_labels
    torch.manual_seed(seed); np.random.seed(seed)
    tr, va = data['train'], data['valid']
    learn = cam_learner(tr.images, [tr.weak(i, 'tags') for i in range(len(tr))], tr.n_classes, bs=16,
                        layers=(1, 1), stride=8)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(cfg['cam_epochs'], 3e-3)
    out = {}
    for split, d in (('train', tr), ('valid', va)):
        tags = [d.weak(i, 'tags') for i in range(len(d))]
        cams = compute_cams(learn.model.cpu(), d.images, tags)
        out[split] = dict(tags=np.stack([tag_pseudo_labels(cams[i], tags[i]) for i in range(len(d))]),
                          boxes=np.stack([box_pseudo_labels(cams[i], d.weak(i, 'boxes')) for i in range(len(d))]))
    return out

def _items(data, pseudo, split, kind, length):
    from spml_nb.data import SegItem
    d = data[split]
    items = []
    for i in range(len(d)):
        if kind in ('tags', 'boxes'): lab = pseudo[split][kind][i]
        else: lab = d.weak_map(i, kind, **({'length': length} if kind == 'scribbles' else {}))
        items.append(SegItem(d.images[i], lab, overseg=data['overseg'][split][i], gt=d.masks[i],
                             tags=d.weak(i, 'tags'), name=f"{split}{i}"))
    return items

def train_one(cfg, run, seed, pseudo):
    "Train one model under the budget and return its validation mIoU and per-class IoU."
    import numpy as np, torch
    from fastai.callback.core import Callback, CancelValidException
    import fastai.callback.progress  # noqa: F401  (Learner.no_bar)
    from spml_nb.core import miou, iou_per_class
    from spml_nb.data import spml_dataloaders, SYNTH_CLASSES
    from spml_nb.learner import spml_learner, partial_ce_learner, evaluate
    class SkipValidation(Callback):
        def before_validate(self): raise CancelValidException()
    data = _data(cfg)
    t0 = time.time()
    torch.manual_seed(seed); np.random.seed(seed)
    kind, length = run['kind'], run['length']
    dls = spml_dataloaders(_items(data, pseudo, 'train', kind, length), _items(data, pseudo, 'valid', kind, length),
                           6, SYNTH_CLASSES, crop=cfg['size'], bs=cfg['bs'], supervision=kind, device=cfg['device'])
    if run['method'] == 'spml':
        setting = 'scribbles' if kind == 'mask' else kind
        learn = spml_learner(dls, setting, cfg['arch'], dim=cfg['dim'], grid=cfg['grid'], lr=cfg['lr'], **run['over'])
    else:
        learn = partial_ce_learner(dls, cfg['arch'], dim=cfg['dim'], lr=cfg['lr'])
    epochs = max(1, math.ceil(cfg['steps'] / len(dls.train)))
    with learn.no_bar(), learn.no_logging(), learn.added_cbs(SkipValidation()): learn.fit(epochs)
    conf = evaluate(learn)
    return dict(name=run['name'], seed=seed, miou=miou(conf), iou=iou_per_class(conf).tolist(),
                steps=epochs*len(dls.train), seconds=time.time() - t0)

def _data(cfg):
    if 'data' not in _DATA: _DATA['data'] = build_data(cfg)
    return _DATA['data']

def _cam_task(cfg, seed): return seed, train_cams(cfg, _data(cfg), seed)


# ---- tables ----------------------------------------------------------------------------------------------------
def _stats(results, name):
    v = [100*r['miou'] for r in results if r['name'] == name]
    if not v: return None
    return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.), len(v)

def _fmt(s): return '-' if s is None else f"{s[0]:.1f} ± {s[1]:.1f}"

def tables(results, only, floor=None):
    out, goals = [], []
    full = _stats(results, run_name('pce', 'mask'))
    if 'main' in only:
        out += ['### SPML, partial cross-entropy and full supervision', '',
                '| supervision | SPML | partial CE | SPML − partial CE | SPML / full | paper SPML / full |',
                '|---|---|---|---|---|---|']
        for k in KINDS + ('mask',):
            s, p = _stats(results, run_name('spml', k)), _stats(results, run_name('pce', k))
            diff = f"{s[0] - p[0]:+.1f}" if s and p else '-'
            ratio = f"{s[0]/full[0]:.2f}" if s and full else '-'
            out.append(f"| {k if k != 'mask' else 'full masks'} | {_fmt(s)} | {_fmt(p)} | {diff} | {ratio} | "
                       f"{PAPER_RATIO.get(k, '-')} |")
            if k in ('points', 'scribbles') and s and p:
                goals.append(f"SPML − partial CE for {k}: {s[0] - p[0]:+.1f} mIoU (goal ≥ +5): "
                             + ('met' if s[0] - p[0] >= 5 else f"missed by {5 - (s[0] - p[0]):.1f}"))
            if k in PAPER_RATIO and s and full:
                r = s[0]/full[0]
                if floor is not None and full[0] < floor + 5:   # a ratio to a model that learned nothing says nothing
                    goals.append(f"SPML / full for {k}: {r:.2f} (paper {PAPER_RATIO[k]}): not measurable, full "
                                 f"supervision ({full[0]:.1f}) is within 5 mIoU of all-background ({floor:.1f})")
                else:
                    goals.append(f"SPML / full for {k}: {r:.2f} (paper {PAPER_RATIO[k]}): "
                                 + ('met' if r >= PAPER_RATIO[k] else f"missed by {PAPER_RATIO[k] - r:.2f}"))
        out += ['', f"Full supervision (cross-entropy on the full masks): {_fmt(full)} mIoU; predicting background "
                f"everywhere scores {floor:.1f}." if floor is not None else '', '']
    if 'ablation' in only:
        out += ['### Relations, scribbles (cf. the paper\'s Table 6)', '', '| relations | mIoU |', '|---|---|']
        for row, _ in ABLATION:
            out.append(f"| {row} | {_fmt(_stats(results, ablation_name(row)))} |")
        out.append('')
    if 'sparsity' in only:
        out += ['### Scribble length, SPML (cf. the paper\'s Table 7)', '', '| scribble length | mIoU |', '|---|---|']
        for l in LENGTHS:
            out.append(f"| {100*l:.0f} % | {_fmt(_stats(results, run_name('spml', 'scribbles', l)))} |")
        out.append('')
    return '\n'.join(out), goals


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true', help='the CPU mode (under 10 minutes on 2 cores)')
    p.add_argument('--seeds', type=int, default=None, help='seeds per figure (default: the mode\'s, 3)')
    p.add_argument('--steps', type=int, default=None, help='optimiser steps per model (default: the mode\'s)')
    p.add_argument('--only', nargs='+', default=['main', 'ablation', 'sparsity'], choices=['main', 'ablation', 'sparsity'])
    p.add_argument('--workers', type=int, default=None, help='parallel processes (default: CPU cores on CPU, 1 on GPU)')
    p.add_argument('--cpu', action='store_true', help='train on the CPU even when CUDA is there')
    p.add_argument('--out', default=None, help='output stem (default: bench/results/quality_<mode>)')
    a = p.parse_args(argv)
    import torch
    mode = 'quick' if a.quick else 'full'
    cfg = dict(MODES[mode])
    if a.seeds: cfg['seeds'] = a.seeds
    if a.steps: cfg['steps'] = a.steps
    cuda = torch.cuda.is_available() and not a.cpu
    cfg['device'] = 'cuda' if cuda else 'cpu'
    workers = a.workers or (1 if cuda else max(1, os.cpu_count() or 1))
    threads = 1 if workers > 1 else (os.cpu_count() or 1)
    seeds = list(range(cfg['seeds']))
    runs = runs_for(a.only)
    machine = (f"GPU {torch.cuda.get_device_name(0)}" if cuda else
               f"CPU ({os.cpu_count()} cores, {workers} worker process(es) x {threads} thread(s))") + \
              f", {platform.system()}, Python {platform.python_version()}, torch {torch.__version__}"
    print(f"quality benchmark, {mode} mode: {len(runs)} models x {len(seeds)} seeds, {cfg['steps']} steps each, "
          f"{cfg['arch']}, {cfg['n_train']} / {cfg['n_valid']} images of {cfg['size']} px; {machine}", flush=True)
    t0 = time.time()
    need_cams = any(r['kind'] in ('tags', 'boxes') for r in runs)
    results = []
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(threads,)) as ex:
        pseudo = dict(ex.map(_cam_task, [cfg]*len(seeds), seeds)) if need_cams else {s: None for s in seeds}
        print(f"CAM pseudo labels for {len(seeds)} seeds: {time.time() - t0:.0f} s", flush=True)
        jobs = [(cfg, r, s, pseudo[s]) for s in seeds for r in runs]
        for res in ex.map(train_one, *zip(*jobs)):
            results.append(res)
            print(f"  {res['name']:<32} seed {res['seed']}: mIoU {100*res['miou']:5.1f}  ({res['seconds']:.0f} s)", flush=True)
    secs = time.time() - t0
    from spml_nb.data import synth_dataset
    from spml_nb.core import confusion, miou
    va = synth_dataset(cfg['n_valid'], cfg['size'], 1000).masks
    floor = 100*miou(confusion(torch.zeros(va.shape, dtype=torch.long), torch.as_tensor(va).long(), 6))
    text, goals = tables(results, a.only, floor)
    cmd = 'python bench/quality.py ' + ' '.join(argv if argv is not None else sys.argv[1:])
    head = [f"## Quality benchmark ({mode} mode)", '',
            f"Command: `{cmd.strip()}`  ", f"Machine: {machine}  ",
            f"Setting: {cfg['arch']} (embedding {cfg['dim']}), {cfg['n_train']} training / {cfg['n_valid']} validation "
            f"synthetic images of {cfg['size']} px, {cfg['steps']} SGD steps of batch {cfg['bs']} per model, "
            f"base lr {cfg['lr']}, k-means grid {cfg['grid'][0]}x{cfg['grid'][1]}; mean ± standard deviation over "
            f"{len(seeds)} seeds (mIoU %, classifier head, validation images)  ",
            f"Wall time: {secs/60:.1f} min", '']
    md = '\n'.join(head) + '\n' + text + ('\n**Goals**\n\n' + '\n'.join(f"- {g}" for g in goals) + '\n' if goals else '')
    print('\n' + md)
    stem = Path(a.out) if a.out else Path(__file__).parent/'results'/f"quality_{mode}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix('.md').write_text(md)
    stem.with_suffix('.json').write_text(json.dumps(dict(command=cmd.strip(), machine=machine, mode=mode,
        config=cfg, seconds=secs, goals=goals, results=results), indent=1))
    print(f"wrote {stem.with_suffix('.md')} and {stem.with_suffix('.json')}")

if __name__ == '__main__': main()
