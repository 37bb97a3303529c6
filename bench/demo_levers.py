"""The demo's task at a fixed 1,792 steps (7 epochs of batch 8; SPML from scribbles, 2,048 synthetic images of 64 px,
tiny trunk, embedding 32, grid 4x4, seed 0): levers beyond the schedule. Each argument is one variant (keywords:
`rw=True` also scores classifier + random walk on the validation images, `stage2=N` spends the last N steps on the
second stage (Algorithm 1 pseudo labels, a network retrained by cross-entropy), `loss='pce'` partial cross-entropy,
any other `spml_learner` override). Prints one JSON line per variant; run with one thread per process.

    OMP_NUM_THREADS=1 python bench/demo_levers.py "rw=True" "stage2=768, rw=True" "loss='pce'" "memory_size=0"
"""
import sys, time, json, warnings, torch
warnings.filterwarnings('ignore'); torch.set_num_threads(1)
from fastai.torch_core import set_seed
from spml_nb.core import miou, confusion
from spml_nb.data import synth_dataloaders, synth_dataset
from spml_nb.learner import spml_learner, partial_ce_learner, evaluate, fit_steps
from spml_nb.pipeline import stage2_labels, stage2_dataloaders
from spml_nb.cam import pseudo_label_quality
from spml_nb.inference import EmbeddingCache, class_probs, walk, to_labels, rw_grid
STEPS = 1792
def rw_eval(model, va, stride=4, n_iter=6):
    model.eval(); cache = EmbeddingCache(model, list(va.images)); conf = torch.zeros(6, 6, dtype=torch.long)
    for i in range(len(cache)):
        size, embs = cache.size(i), cache.views(i, (1.,), True)
        p = class_probs(model.classifier, embs, size, rw_grid(size, stride))
        r = walk(p, embs, size, stride, n_iter=n_iter)
        conf += confusion(to_labels(r, cache.images[i]), va.truth[i], 6)
    return miou(conf)
def run(v, seed=0):
    kw = eval(f"dict({v})"); s2 = kw.pop('stage2', None); loss = kw.pop('loss', 'spml'); steps = kw.pop('steps', STEPS)
    lr = kw.pop('lr', None); rw = kw.pop('rw', False)
    set_seed(seed); dls = synth_dataloaders('scribbles', 2048, 128, 64, seed=0, bs=8); set_seed(seed)
    t = time.time()
    learn = (spml_learner(dls, 'scribbles', 'tiny', dim=kw.pop('dim', 32), grid=kw.pop('grid', (4, 4)), lr=lr, **kw)
             if loss == 'spml' else partial_ce_learner(dls, 'tiny', dim=32, lr=lr))
    n1 = steps - (s2 or 0)
    fit_steps(learn, n1); out = dict(v=v, s1=miou(evaluate(learn)))
    va = synth_dataset(128, 64, 1000)
    if rw: out['s1_rw'] = rw_eval(learn.model, va)
    if s2:                                       # the console's second stage: Algorithm 1 labels, a retrained network
        labels = stage2_labels(learn.model, dls, supervision='scribbles', say=lambda *a, **k: None)
        out['pseudo'] = pseudo_label_quality(labels, [it.truth for it in dls.train.items], 6)['miou']
        set_seed(seed)
        l2 = partial_ce_learner(stage2_dataloaders(dls, labels, crop=64), 'tiny', dim=32, lr=lr)
        fit_steps(l2, s2); out['s2'] = miou(evaluate(l2))
    out['sec'] = time.time() - t
    print(json.dumps(out), flush=True)
for v in sys.argv[1:]: run(v)
