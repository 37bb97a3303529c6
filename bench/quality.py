"""The quality benchmark: SPML against partial cross-entropy and full supervision on the built-in synthetic benchmark,
for all four weak labels, with the paper's second stage, the relation ablation for scribbles and the scribble-sparsity
sweep; every figure is a mean over seeds.

    python bench/quality.py --quick --kinds tags boxes    # tags, boxes and full masks, 3 seeds: ~4 h on a 2-core CPU
    python bench/quality.py --quick --kinds tags boxes --resume   # go on with a cut run (CAM stages come from the cache)
    python bench/quality.py --quick --kinds points scribbles --out bench/results/quality_quick_points_scribbles
    python bench/quality.py --merge A.json B.json --out bench/results/quality_quick_all   # one table from several runs
    python bench/quality.py --quick --only ablation sparsity --seeds 1 --steps 2000 --stage2 none --workers 1 --threads 1
    python bench/quality.py                               # full mode (ResNet-50, meant for a GPU)

Every model is the same network (`SPMLNet`: backbone, ASPP head, classifier head) trained with fastai from random
weights under the same fixed budget of optimiser steps and the same recipe, `recipe='scratch'` (AdamW and
`fit_one_cycle`, see `09_learner`), through the package's pipeline (`run_pipeline`, `13_pipeline`); this script only
lays out the grid of runs, its workers and its tables. What differs is the loss:

- SPML: `spml_learner` (the setting's relations, the classifier's cross-entropy; scored by the classifier head),
- SPML, stage 2: the paper's second stage (`13_pipeline`, `12a_pseudo_labels`): for boxes, points and scribbles
  Algorithm 1 (the trained network's classifier maps, tag-masked and max-normalised, spread by the random walk on its
  embedding; the given weak labels kept where they exist), for tags Algorithm 2 (the CAMs spread by the walk, segment
  retrieval across the training set, a classifier on the frozen embedding, the walk and retrieval again; boxes keep
  each class inside its boxes); a network of the same kind, started from the first stage's weights
  (`--stage2-init scratch`: from random ones), is trained on the dense pseudo labels by cross-entropy with the same
  recipe and steps,
- partial CE: `partial_ce_learner` (cross-entropy on the labelled pixels, through the whole network),
- full supervision: `partial_ce_learner` on the full masks (the ceiling: its row says whether the budget learns at all).

Tags and boxes first become pixel labels through the package's CAM stage (`04_cam`): a `CAMNet` trained from random
weights on the training images' tags by `CAM_RECIPE` (`train_cam`, one per seed), then `cam_pseudo_labels` (tag
labels with `TAG_ALPHA`, box labels inside each box with `BOX_THRESHOLD`); their precision, object recall and mIoU
against the training truth are reported, and SPML and partial CE train on the same pseudo labels. Models are scored
by pooled mIoU on the validation images (no CRF). Seeds change the network's (and the CAMNet's) initialisation, the
data order and the augmentation; the images stay the same.

The quick mode (`--quick`: 64 px images, the tiny trunk, 2 worker processes x 1 thread) trains every model for 6,000
steps of batch 8 on 4,096 images, the budget at which full supervision nears its plateau (61 mIoU after 4,000 steps
on 2,048 images; above 70 after 6,000 on 4,096). Writes `bench/results/quality_<mode>.md` (tables, command,
machine, time) and `.json` (every run), every result as it comes to `.partial.json`, and seed 0's validation pictures
(weak labels / prediction / truth) of every model to `<stem>_pictures/`.
"""
import argparse, json, math, os, platform, statistics, sys, time
from concurrent.futures import ProcessPoolExecutor, wait, FIRST_COMPLETED
from pathlib import Path

PAPER_RATIO = {'tags': 0.93, 'boxes': 0.97, 'points': 0.96, 'scribbles': 0.99}   # SPML / full on VOC (the paper)
GOAL_RATIO = {'tags': 0.60, 'boxes': 0.85, 'points': 0.75, 'scribbles': 0.85}     # this benchmark's goals
GOAL_DIFF = {'tags': 3, 'boxes': 3, 'points': 5, 'scribbles': 5}                  # best SPML - partial CE, mIoU
KINDS = ('tags', 'boxes', 'points', 'scribbles')
CAM_KINDS = ('tags', 'boxes')                                                     # weak labels that go through the CAM stage
FULL_GOAL = 70.                                                                   # full supervision must reach this

MODES = {   # size: image side; n_train/n_valid: images; steps: optimiser steps per model; grid: k-means grid
    'quick': dict(size=64, n_train=4096, n_valid=128, arch='tiny', dim=32, bs=8, steps=6000, recipe='scratch', lr=5e-3,
                  grid=(4, 4), rw_stride=4, cam_epochs=8, seeds=3, kinds=KINDS),
    'full': dict(size=128, n_train=2048, n_valid=256, arch='resnet50', dim=64, bs=16, steps=8000, recipe='scratch', lr=5e-3,
                 grid=(6, 6), rw_stride=8, cam_epochs=20, seeds=3, kinds=KINDS),
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

def stage2_name(name): return f"{name} stage 2"

def ablation_name(row):
    "The run of an ablation row: the scribbles preset itself is the '+ co-occurrence' row."
    return run_name('spml', 'scribbles') if row == '+ co-occurrence' else f"ablation/{row}"

def runs_for(only, kinds, stage2=True):
    "The list of distinct runs (name, method, kind, length, overrides, stage2) the tables need."
    runs = {}
    def add(method, kind, length=1.0, over=None, name=None, s2=False):
        name = name or run_name(method, kind, length)
        r = runs.setdefault(name, dict(name=name, method=method, kind=kind, length=length, over=over or {}, stage2=False))
        r['stage2'] = r['stage2'] or (s2 and stage2)
    if 'main' in only:
        for k in kinds: add('spml', k, s2=True)
        for k in kinds: add('pce', k)
        add('pce', 'mask')
    if 'ablation' in only:
        for row, over in ABLATION: add('spml', 'scribbles', over=over, name=ablation_name(row), s2=True)
    if 'sparsity' in only:
        for l in LENGTHS: add('spml', 'scribbles', l, s2=True)
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
    "The pipeline's CAM stage (`cam_stage`) on the training tags: tag and box pseudo labels of every image, the CAMNet."
    import numpy as np
    from spml_nb.cam import cam_pseudo_labels
    from spml_nb.pipeline import cam_stage
    tr, va = data['train'], data['valid']
    cam, labels, rec = cam_stage(tr.images, [tr.weak(i, 'tags') for i in range(len(tr))], tr.n_classes,
                                 {k: [tr.weak(i, k) for i in range(len(tr))] for k in CAM_KINDS}, truth=tr.truth,
                                 seed=seed, epochs=cfg['cam_epochs'])
    return dict(cam={k: v.cpu() for k, v in cam.state_dict().items()}, quality=rec.extra['cam_quality'],
                train={k: np.stack(v) for k, v in labels.items()},
                valid={k: np.stack(cam_pseudo_labels(cam, va.images, [va.weak(i, k) for i in range(len(va))])) for k in CAM_KINDS})

def _cam_model(pseudo):
    "The seed's trained CAMNet, rebuilt in a worker from its state (Algorithm 2 reads its CAMs)."
    from spml_nb.cam import CAMNet, CAM_RECIPE
    cam = CAMNet(6, layers=CAM_RECIPE['layers'], stride=CAM_RECIPE['stride'])
    cam.load_state_dict(pseudo['cam'])
    return cam.eval()

def _weak_maps(data, pseudo, split, kind, length):
    d = data[split]
    if kind in CAM_KINDS: return list(pseudo[split][kind])
    return [d.weak_map(i, kind, **({'length': length} if kind == 'scribbles' else {})) for i in range(len(d))]

def _items(data, split, labels):
    from spml_nb.data import SegItem
    d = data[split]
    return [SegItem(d.images[i], labels[i], overseg=data['overseg'][split][i], truth=d.truth[i], tags=d.weak(i, 'tags'),
                    name=f"{split}{i}") for i in range(len(d))]

def _picture(cfg, learn, name, seed):
    "Seed 0's validation picture of a model (weak labels / prediction / truth), as PNG under `cfg['pictures']`."
    if not cfg.get('pictures') or seed != 0: return
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    d = Path(cfg['pictures']); d.mkdir(parents=True, exist_ok=True)
    fig = learn.show_results(max_n=6)
    fig.suptitle(f"{name} (seed 0): validation images", fontsize=10)
    fig.savefig(d/f"{name.replace('/', '_').replace(' ', '_')}.png", dpi=70, bbox_inches='tight'); plt.close(fig)

def train_one(cfg, run, seed, pseudo):
    "One run of the grid through the package's pipeline (`run_pipeline`): validation mIoU and per-class IoU of each stage."
    from fastai.torch_core import set_seed
    from spml_nb.data import spml_dataloaders, SYNTH_CLASSES
    from spml_nb.pipeline import run_pipeline
    data = _data(cfg)
    kind, length = run['kind'], run['length']
    weak = {s: _weak_maps(data, pseudo, s, kind, length) for s in ('train', 'valid')}
    set_seed(seed)
    dls = spml_dataloaders(_items(data, 'train', weak['train']), _items(data, 'valid', weak['valid']), 6, SYNTH_CLASSES,
                           crop=cfg['size'], bs=cfg['bs'], supervision=kind, device=cfg['device'])
    if kind == 'boxes': dls.boxes = [data['train'].weak(i, 'boxes') for i in range(len(data['train']))]   # classes kept in their boxes
    kw = dict(dim=cfg['dim'], recipe=cfg['recipe'], lr=cfg['lr'])
    if run['method'] == 'spml': kw.update(grid=cfg['grid'], **run['over'])
    res = run_pipeline(dls, kind, cfg['arch'], cfg['steps'], loss=run['method'], stage2=bool(run.get('stage2')), seed=seed,
                       cams=_cam_model(pseudo) if kind == 'tags' else None, warm=cfg.get('stage2_init', 'stage1') == 'stage1',
                       stride=cfg['rw_stride'], learner_kw=kw, steps2=cfg.get('steps2'),
                       snap=cfg['stage2_snap'] if isinstance(cfg.get('stage2_snap'), float) else None)   # --stage2-snap, else the preset
    _picture(cfg, res.stage1, run['name'], seed)
    r1 = res.record('stage 1')
    out = [dict(name=run['name'], seed=seed, miou=r1.miou, iou=r1.iou, steps=r1.steps,
                seconds=r1.seconds)]
    if run.get('stage2'):
        rl, r2 = res.record('pseudo labels'), res.record('stage 2')
        _picture(cfg, res.learn, stage2_name(run['name']), seed)
        out.append(dict(name=stage2_name(run['name']), seed=seed, miou=r2.miou, iou=r2.iou,
                        steps=r2.steps, pseudo_miou=rl.extra['pseudo_miou'], seconds=rl.seconds + r2.seconds,
                        blend_miou=res.record('blend').miou))   # the run's final segmenter: both stages (`StageBlend`)
    return out

def _data(cfg):
    if 'data' not in _DATA: _DATA['data'] = build_data(cfg)
    return _DATA['data']

def _cam_cache(cfg, seed):
    "Where a seed's CAM stage is cached: one file per data, CAM epochs, recipe and seed (reused by the next run)."
    from spml_nb.cam import CAM_RECIPE, TAG_ALPHA, TAG_THRESHOLD, BOX_THRESHOLD
    import hashlib
    key = json.dumps([cfg['size'], cfg['n_train'], cfg['n_valid'], cfg['cam_epochs'], cfg.get('synth', {}), CAM_RECIPE,
                      TAG_ALPHA, TAG_THRESHOLD, BOX_THRESHOLD, seed], sort_keys=True, default=str)
    return Path(cfg['cam_cache'])/f"cams_seed{seed}_{hashlib.sha1(key.encode()).hexdigest()[:10]}.pt"

def _cam_task(cfg, seed):
    "A seed's CAM stage, read from its cache file when an earlier run wrote it."
    import torch
    f = _cam_cache(cfg, seed) if cfg.get('cam_cache') else None
    if f is not None and f.exists(): return torch.load(f, weights_only=False), True
    out = train_cams(cfg, _data(cfg), seed)
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True); torch.save(out, f)
    return out, False


# ---- tables ----------------------------------------------------------------------------------------------------
def _stage2_words(cfg):
    "How long the second stage trains, for the table's setting line."
    s2 = cfg.get('steps2', cfg['steps'])
    return ' (stage 2: as many again)' if s2 == cfg['steps'] else f' (stage 2: {s2} steps)'

def _stats(results, name, key='miou'):
    v = [100*r[key] for r in results if r['name'] == name and key in r]
    if not v: return None
    return statistics.mean(v), (statistics.stdev(v) if len(v) > 1 else 0.), len(v)

def _fmt(s): return '-' if s is None else f"{s[0]:.1f} ± {s[1]:.1f}"

def _best_spml(results, k):
    "SPML's better stage for kind `k`: (stats, 'stage 1' / 'stage 2')."
    s1, s2 = _stats(results, run_name('spml', k)), _stats(results, stage2_name(run_name('spml', k)))
    if s2 and (not s1 or s2[0] > s1[0]): return s2, 'stage 2'
    return s1, 'stage 1'

def tables(results, only, kinds, floor=None):
    out, goals = [], []
    full = _stats(results, run_name('pce', 'mask'))
    if 'main' in only:
        out += ['### SPML, partial cross-entropy and full supervision', '',
                '| supervision | CAM pseudo labels (train) | SPML stage 1 | SPML stage 2 | stage-2 pseudo labels (train) | partial CE '
                '| best SPML − partial CE | best SPML / full | paper SPML / full |', '|---|---|---|---|---|---|---|---|---|']
        for k in kinds:
            s1, p = _stats(results, run_name('spml', k)), _stats(results, run_name('pce', k))
            s2, q = (_stats(results, stage2_name(run_name('spml', k)), key) for key in ('miou', 'pseudo_miou'))
            best, which = _best_spml(results, k)
            diff = f"{best[0] - p[0]:+.1f} ({which})" if best and p else '-'
            ratio = f"{best[0]/full[0]:.2f} ({which})" if best and full else '-'
            out.append(f"| {k} | {_fmt(_stats(results, 'cam/' + k))} | {_fmt(s1)} | {_fmt(s2)} | {_fmt(q)} | {_fmt(p)} | {diff} "
                       f"| {ratio} | {PAPER_RATIO[k]} |")
            if best and p:
                d = best[0] - p[0]
                g = GOAL_DIFF[k]
                goals.append(f"SPML ≥ partial CE + {g} for {k}: {d:+.1f} mIoU ({which}): " + ('met' if d >= g else f"missed by {g - d:.1f}"))
            if best and full:
                r = best[0]/full[0]
                if floor is not None and full[0] < floor + 5:   # a ratio to a model that learned nothing says nothing
                    goals.append(f"SPML / full for {k}: {r:.2f}: not measurable, full supervision ({full[0]:.1f}) is "
                                 f"within 5 mIoU of all-background ({floor:.1f})")
                else:
                    g = GOAL_RATIO.get(k)
                    goals.append(f"SPML / full for {k}: {r:.2f} ({which}; paper {PAPER_RATIO[k]}" + (f", goal ≥ {g}): " + (
                        'met' if r >= g else f"missed by {g - r:.2f}") if g else '): no goal set'))
        out.append(f"| full masks | - | - | - | - | {_fmt(full)} | - | 1.00 | - |")
        if full: goals.insert(0, f"full supervision ≥ {FULL_GOAL:.0f} mIoU: {full[0]:.1f}: "
                              + ('met' if full[0] >= FULL_GOAL else f"missed by {FULL_GOAL - full[0]:.1f}"))
        out += ['', f"Full supervision (cross-entropy on the full masks): {_fmt(full)} mIoU; predicting background "
                f"everywhere scores {floor:.1f}. Stage 2: random-walk pseudo labels of the training images from the SPML "
                f"network (their mIoU against the training truth in 'pseudo labels'), then a network trained on them (from the first stage's weights unless --stage2-init scratch)."
                if floor is not None else '', '']
    for table in ('ablation', 'sparsity'):
        if table not in only: continue
        if table == 'ablation':
            out += ['### Relations, scribbles (cf. the paper\'s Table 6)', '', '| relations | stage 1 | stage 2 |', '|---|---|---|']
            rows = [(row, ablation_name(row)) for row, _ in ABLATION]
        else:
            out += ['### Scribble length, SPML (cf. the paper\'s Table 7)', '', '| scribble length | stage 1 | stage 2 |',
                    '|---|---|---|']
            rows = [(f"{100*l:.0f} %", run_name('spml', 'scribbles', l)) for l in LENGTHS]
        for label, name in rows:
            out.append(f"| {label} | {_fmt(_stats(results, name))} | {_fmt(_stats(results, stage2_name(name)))} |")
        out.append('')
    return '\n'.join(out), goals


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true', help='the CPU mode (main table: ~48 minutes on 2 cores)')
    p.add_argument('--seeds', type=int, default=None, help='seeds per figure (default: the mode\'s, 3)')
    p.add_argument('--steps', type=int, default=None, help='optimiser steps per model (default: the mode\'s)')
    p.add_argument('--n-train', type=int, default=None, help='training images (default: the mode\'s)')
    p.add_argument('--n-valid', type=int, default=None, help='validation images (default: the mode\'s)')
    p.add_argument('--kinds', nargs='+', default=None, choices=KINDS, help='weak labels of the main table (default: the mode\'s)')
    p.add_argument('--stage2', default='all', choices=['all', 'main', 'none'], help='which SPML runs get the second stage')
    p.add_argument('--only', nargs='+', default=['main'], choices=['main', 'ablation', 'sparsity'])
    p.add_argument('--runs', nargs='+', default=None, help="only these runs of the grid, by name (e.g. spml/scribbles full)")
    p.add_argument('--stage2-steps', type=int, default=None, help='optimiser steps of the second stage (default: --steps)')
    p.add_argument('--workers', type=int, default=None, help='parallel processes (default: CPU cores on CPU, 1 on GPU)')
    p.add_argument('--threads', type=int, default=None, help='torch threads per worker (default: 1 with several workers)')
    p.add_argument('--cpu', action='store_true', help='train on the CPU even when CUDA is there')
    p.add_argument('--no-pictures', action='store_true', help="no validation pictures of seed 0's models")
    p.add_argument('--seed-list', nargs='+', type=int, default=None, help='these seeds (default: 0 .. seeds-1)')
    p.add_argument('--merge', nargs='+', default=None, help='no training: the tables of these .json results together')
    p.add_argument('--stage2-snap', type=float, default=None, metavar='PURITY',
                   help="second-stage labels snapped to contour regions at this purity for every weak label (0: off; default: the package's STAGE2_SNAP)")
    p.add_argument('--stage2-init', default='stage1', choices=['stage1', 'scratch'],
                   help="the second stage's network starts from the first stage's weights (stage1) or random ones (scratch; "
                        "the tables measured before 2026-12-04 16:10)")
    p.add_argument('--resume', action='store_true', help="keep the finished results of the stem's .partial.json and train only the rest")
    p.add_argument('--cam-cache', default=str(Path(__file__).resolve().parents[1]/'.cache'/'quality'),
                   help='folder of the cached CAM stages (one file per data, recipe and seed; "" for none)')
    p.add_argument('--out', default=None, help='output stem (default: bench/results/quality_<mode>)')
    a = p.parse_args(argv)
    import torch
    mode = 'quick' if a.quick else 'full'
    cfg = dict(MODES[mode])
    if a.seeds: cfg['seeds'] = a.seeds
    if a.steps: cfg['steps'] = a.steps
    if a.n_train: cfg['n_train'] = a.n_train
    if a.n_valid: cfg['n_valid'] = a.n_valid
    cfg['cam_cache'] = a.cam_cache or None
    cfg['stage2_init'] = a.stage2_init
    from spml_nb.pipeline import STAGE2_SNAP
    cfg['stage2_snap'] = a.stage2_snap if a.stage2_snap is not None else dict(STAGE2_SNAP)   # recorded: the runs' labels
    kinds = tuple(a.kinds or cfg['kinds'])
    cuda = torch.cuda.is_available() and not a.cpu
    cfg['device'] = 'cuda' if cuda else 'cpu'
    workers = a.workers or (1 if cuda else max(1, os.cpu_count() or 1))
    threads = a.threads or (1 if workers > 1 else (os.cpu_count() or 1))
    seeds = a.seed_list or list(range(cfg['seeds']))
    runs = runs_for(a.only, kinds, stage2=a.stage2 != 'none')
    if a.runs: runs = [r for r in runs if r['name'] in a.runs]
    cfg['steps2'] = a.stage2_steps or cfg['steps']
    if a.stage2 == 'main':
        for r in runs: r['stage2'] = r['stage2'] and r['name'] in [run_name('spml', k) for k in kinds]
    machine = (f"GPU {torch.cuda.get_device_name(0)}" if cuda else
               f"CPU ({os.cpu_count()} cores, {workers} worker process(es) x {threads} thread(s))") + \
              f", {platform.system()}, Python {platform.python_version()}, torch {torch.__version__}"
    print(f"quality benchmark, {mode} mode: {len(runs)} models x {len(seeds)} seeds, {cfg['steps']} steps each, "
          f"{cfg['arch']}, {cfg['n_train']} / {cfg['n_valid']} images of {cfg['size']} px; {machine}", flush=True)
    stem = Path(a.out) if a.out else Path(__file__).parent/'results'/f"quality_{mode}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    if not a.no_pictures: cfg['pictures'] = str(stem.parent/f"{stem.name}_pictures")
    partial = stem.with_suffix('.partial.json')    # every result as it comes (a run cut short keeps what it did)
    t0 = time.time()
    need_cams = any(r['kind'] in CAM_KINDS for r in runs)
    results = []
    if a.merge:                                   # tables from earlier runs (e.g. seeds or kinds run apart)
        parts = [json.loads(Path(f).read_text()) for f in a.merge]
        results = [r for q in parts for r in q['results']]
        secs = sum(q['seconds'] for q in parts)
        seeds = sorted({r['seed'] for r in results})
        machine, cfg = parts[0]['machine'], parts[0]['config']
        runs = []
    done = set()
    if a.resume and not a.merge:                  # keep what an earlier (cut) run of this stem finished
        if partial.exists():
            results = [r for r in json.loads(partial.read_text())['results'] if r['seed'] in seeds]
            done = {(r['name'], r['seed']) for r in results}
            t0 -= json.loads(partial.read_text())['seconds']          # the wall time counts the earlier run too
            print(f"resuming from {partial}: {len(results)} results kept", flush=True)
        else: print(f"--resume: no {partial} yet, starting afresh", flush=True)
    def finished(run, s):
        return (run['name'], s) in done and (not run['stage2'] or (stage2_name(run['name']), s) in done)
    todo = [(r, s) for s in seeds for r in runs if not finished(r, s)]
    cam_seeds = sorted({s for r, s in todo if r['kind'] in CAM_KINDS}) if need_cams and not a.merge else []
    if cam_seeds: print(f"CAM stage cache: {cfg['cam_cache']}", flush=True)
    length = lambda j: -(2*(j[0]['method'] == 'spml') + j[0]['stage2'])   # the longest runs first
    ready = sorted([j for j in todo if j[0]['kind'] not in CAM_KINDS], key=length)
    waiting = [j for j in todo if j[0]['kind'] in CAM_KINDS]
    pseudo = {}
    def note(res):
        for r in res:
            results[:] = [q for q in results if (q['name'], q['seed']) != (r['name'], r['seed'])] + [r]
            partial.write_text(json.dumps(dict(config=cfg, machine=machine, seconds=time.time() - t0, results=results)))
            extra = f", pseudo labels {100*r['pseudo_miou']:.1f}" if 'pseudo_miou' in r else ''
            if r['name'].startswith('cam/'):
                print(f"  CAM {r['name'][4:]} pseudo labels seed {r['seed']}: precision {r['precision']:.3f}, object recall "
                      f"{r['object_recall']:.3f}, mIoU {100*r['miou']:.1f}", flush=True)
            else: print(f"  {r['name']:<36} seed {r['seed']}: mIoU {100*r['miou']:5.1f}{extra}  ({r['seconds']:.0f} s)", flush=True)
    # CAMs first, then whatever is ready, longest first, never more jobs in flight than workers
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(threads,)) as ex:
        queue = [('cam', s) for s in cam_seeds]
        flight = {}
        while queue or ready or waiting or flight:
            while len(flight) < workers and (queue or ready):
                if queue:
                    _, s = queue.pop(0); flight[ex.submit(_cam_task, cfg, s)] = ('cam', s)
                else:
                    r, s = ready.pop(0); flight[ex.submit(train_one, cfg, r, s, pseudo.get(s))] = ('run', s)
            if not flight: raise RuntimeError('quality benchmark: jobs wait for CAMs that no task makes')
            fin, _ = wait(flight, return_when=FIRST_COMPLETED)
            for f in fin:
                what, s = flight.pop(f)
                if what == 'cam':
                    out, cached = f.result()
                    pseudo[s] = out
                    print(f"CAM stage seed {s}: " + (f"read from {_cam_cache(cfg, s)}" if cached else
                          f"trained ({time.time() - t0:.0f} s since the start), cached in {_cam_cache(cfg, s)}"), flush=True)
                    note([dict(name=f"cam/{k}", seed=s, **q) for k, q in out['quality'].items()])
                    ready = sorted(ready + [j for j in waiting if j[1] == s], key=length)
                    waiting = [j for j in waiting if j[1] != s]
                else: note(f.result())
    if not a.merge: secs = time.time() - t0
    from spml_nb.data import synth_dataset
    from spml_nb.core import confusion, miou
    va = synth_dataset(cfg['n_valid'], cfg['size'], 1000).truth
    floor = 100*miou(confusion(torch.zeros(va.shape, dtype=torch.long), torch.as_tensor(va).long(), 6))
    text, goals = tables(results, a.only, kinds, floor)
    cmd = 'python bench/quality.py ' + ' '.join(argv if argv is not None else sys.argv[1:])
    head = [f"## Quality benchmark ({mode} mode)", '',
            f"Command: `{cmd.strip()}`  ", f"Machine: {machine}  ",
            f"Setting: {cfg['arch']} (embedding {cfg['dim']}), {cfg['n_train']} training / {cfg['n_valid']} validation "
            f"synthetic images of {cfg['size']} px, {cfg['steps']} steps of batch {cfg['bs']} per model"
            f"{_stage2_words(cfg) if a.stage2 != 'none' else ''}, recipe '{cfg['recipe']}' (AdamW, one cycle, peak lr {cfg['lr']}), k-means grid {cfg['grid'][0]}x"
            f"{cfg['grid'][1]}, random walk every {cfg['rw_stride']} px; mean ± standard deviation over {len(seeds)} seeds "
            f"(mIoU %, validation images)  ",
            (f"CAMs: `train_cam` ({cfg['cam_epochs']} epochs), `cam_pseudo_labels`; " if need_cams else '')
            + f"Wall time: {secs/60:.1f} min" + (f" (the sum of {len(a.merge)} runs: {', '.join(a.merge)})" if a.merge else ''), '']
    md = '\n'.join(head) + '\n' + text + ('\n**Goals**\n\n' + '\n'.join(f"- {g}" for g in goals) + '\n' if goals else '')
    print('\n' + md)
    stem.with_suffix('.md').write_text(md)
    stem.with_suffix('.json').write_text(json.dumps(dict(command=cmd.strip(), machine=machine, mode=mode,
        config=cfg, seconds=secs, goals=goals, results=results), indent=1))
    print(f"wrote {stem.with_suffix('.md')} and {stem.with_suffix('.json')}")

if __name__ == '__main__': main()
