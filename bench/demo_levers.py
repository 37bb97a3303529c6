"""The demo's task at a fixed 1,792 steps (7 epochs of batch 8; SPML from scribbles, 2,048 synthetic images of 64 px,
tiny trunk, embedding 32, grid 4x4, seed 0): levers beyond the schedule. Each argument is one variant (keywords:
`rw=True` also scores classifier + random walk on the validation images, `stage2=N` spends the last N steps on the
second stage (Algorithm 1 pseudo labels, a network retrained by cross-entropy), `loss='pce'` partial cross-entropy,
any other `spml_learner` override). Prints one JSON line per variant; run with one thread per process.

    OMP_NUM_THREADS=1 python bench/demo_levers.py "rw=True" "stage2=768, rw=True" "loss='pce'" "memory_size=0"
"""
import sys, time, json, warnings, torch
warnings.filterwarnings('ignore'); torch.set_num_threads(1)
from spml_nb.core import miou, confusion
from spml_nb.data import synth_dataloaders, synth_dataset
from spml_nb.pipeline import run_pipeline
from spml_nb.inference import EmbeddingCache, class_probs, walk, to_labels, rw_grid
STEPS = 1792

def rw_eval(model, va, n_classes, stride=4, n_iter=6):
    "Validation mIoU of the classifier's probabilities refined by the random walk on the network's own embedding."
    model.eval(); cache = EmbeddingCache(model, list(va.images)); conf = torch.zeros(n_classes, n_classes, dtype=torch.long)
    for i in range(len(cache)):
        size, embs = cache.size(i), cache.views(i, (1.,), True)
        p = class_probs(model.classifier, embs, size, rw_grid(size, stride))
        conf += confusion(to_labels(walk(p, embs, size, stride, n_iter=n_iter), cache.images[i]), va.truth[i], n_classes)
    return miou(conf)

def run(v, seed=0):
    "One variant through the package's pipeline: stage 1 for `steps - stage2` steps, then the second stage (from random weights)."
    kw = eval(f"dict({v})"); s2 = kw.pop('stage2', None); loss = kw.pop('loss', 'spml'); steps = kw.pop('steps', STEPS)
    rw = kw.pop('rw', False)
    dls = synth_dataloaders('scribbles', 2048, 128, 64, seed=0, bs=8)
    t = time.time()
    r = run_pipeline(dls, 'scribbles', 'tiny', steps=steps - (s2 or 0), loss=loss, stage2=bool(s2), seed=seed, warm=False,
                     steps2=s2, learner_kw=dict(dim=kw.pop('dim', 32), grid=kw.pop('grid', (4, 4)), **kw))
    out = dict(v=v, s1=r.record('stage 1').miou)
    if rw: out['s1_rw'] = rw_eval(r.stage1.model, synth_dataset(128, 64, 1000), dls.n_classes)
    if s2: out['pseudo'], out['s2'] = r.record('pseudo labels').extra['pseudo_miou'], r.record('stage 2').miou
    out['sec'] = time.time() - t
    print(json.dumps(out), flush=True)

for v in sys.argv[1:]: run(v)
