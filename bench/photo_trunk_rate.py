"""The finetune recipe's trunk rate per stage on the photograph collages: SPML (stage 1) and the retrained segmenter
(stage 2) with the trunk's parameter groups at `--t1` / `--t2` times the heads' rate, sparse scribbles, pretrained Lite0,
`--steps` steps a stage of batch 8 on crops of 128 px, one thread.

    python bench/photo_trunk_rate.py --root VOC2012 --t2 1.0      # one line of JSON per run, appended to --log
"""
import argparse, json, time, sys
import numpy as np, torch
torch.set_num_threads(1)
from fastai.torch_core import set_seed
from spml_nb.data import folder_class_names, voc_items, spml_dataloaders
from spml_nb.learner import spml_learner, partial_ce_learner, evaluate, RECIPES
from spml_nb.pipeline import precompute_overseg, fit_stage, second_stage, seed_loaders
from spml_nb.core import miou, iou_per_class
p = argparse.ArgumentParser()
p.add_argument('--root', required=True, help='a VOC-layout folder with scribble/ (e.g. collage_voc_folder)'); p.add_argument('--steps', type=int, default=300)
p.add_argument('--t1', type=float, default=0.1); p.add_argument('--t2', type=float, default=0.1)
p.add_argument('--seed', type=int, default=0); p.add_argument('--tag', default='')
p.add_argument('--log', default='photo_trunk_rate.jsonl')
a = p.parse_args()
names = folder_class_names(a.root); n = len(names)
tr = voc_items(a.root, 'train', 'scribble', n, names, unlabelled=255); va = voc_items(a.root, 'val', 'auto', n, names)
precompute_overseg(tr + va, say=lambda *x, **k: None)
set_seed(a.seed)
dls = spml_dataloaders(tr, va, n, names, crop=128, bs=8, supervision='scribbles', device='cpu')
seed_loaders(dls, a.seed)
RECIPES['finetune']['trunk'] = a.t1
learn = spml_learner(dls, 'scribbles', 'efficientnet_lite0', dim=32, pretrained='imagenet')
t = time.time(); fit_stage(learn, a.steps); m1 = miou(evaluate(learn))
RECIPES['finetune']['trunk'] = a.t2
l2, labels, rl, r2 = second_stage(learn, lambda d: partial_ce_learner(d, 'efficientnet_lite0', dim=32, pretrained='imagenet'),
                                  crop=128, bs=8, steps=a.steps, seed=a.seed)
c2 = evaluate(l2)
res = dict(tag=a.tag, root=a.root.split('/')[3], seed=a.seed, t1=a.t1, t2=a.t2, stage1=100*m1, stage2=100*miou(c2),
           pseudo=100*rl.extra.get('pseudo_miou', float('nan')), iou2=[round(100*v, 1) for v in iou_per_class(c2).tolist()], sec=time.time() - t)
print(json.dumps(res)); open(a.log, 'a').write(json.dumps(res) + '\n')
