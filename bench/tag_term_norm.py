"""The tag-set term's normaliser on photographs: its sum over the unlabelled pixels divided by all the non-void pixels of
the tagged images (the package's `tag_set_ce`) against the mean over the unlabelled pixels alone (its earlier form, kept
here), for box pseudo labels (nearly dense) and sparse scribbles; SPML stage 1 on the pretrained Lite0 trunk, fixed
steps, one seed, through `run_pipeline`. Needs a VOC folder with `Annotations/` and `scribble/` (`collage_voc_folder`).

    OMP_NUM_THREADS=1 python bench/tag_term_norm.py --root VOC2012 --steps 150
"""
import argparse, time
from types import SimpleNamespace
import torch
import spml_nb.loss as L
from spml_nb.pipeline import run_pipeline
from spml_nb.console import _dls_from_args

PACKAGE = L.tag_set_ce

def mean_over_unlabelled(logits, labels, tags, n_classes):
    "The earlier form: the mean of -log P(tagged classes) over the unlabelled pixels of tagged images."
    logits = L._at_labels(logits, labels)
    labels, tags = labels.to(logits.device), tags.to(logits.device)
    pick = L._tagged_pixels(labels, tags) & (labels >= n_classes)
    if not pick.any(): return (logits * 0).sum()
    logp = logits.float().log_softmax(1).masked_fill(~(tags[:, :, None, None] > 0), float('-inf'))
    return -torch.logsumexp(logp, 1)[pick].mean()

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', required=True); p.add_argument('--steps', type=int, default=150); p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    print(f"`python bench/tag_term_norm.py --root {a.root} --steps {a.steps} --seed {a.seed}`\n\n| weak labels | tag term divided by | stage 1 mIoU % | seconds |\n|---|---|---|---|")
    for sup, wd in (('boxes', None), ('scribbles', 'scribble')):
        dls = _dls_from_args(SimpleNamespace(data='voc', root=a.root, supervision=sup, weak_dir=wd, n_classes=None, classes=None,
                                             overseg=None, unlabelled_value=255, crop=128, bs=8, seed=a.seed, cpu=True),
                             say=lambda *x, **k: None)
        for what, fn in (('non-void pixels (package)', PACKAGE), ('unlabelled pixels (mean)', mean_over_unlabelled)):
            L.tag_set_ce = fn
            t = time.time()
            r = run_pipeline(dls, sup, 'efficientnet_lite0', steps=a.steps, seed=a.seed, learner_kw=dict(pretrained='imagenet', dim=64))
            print(f"| {sup} | {what} | {100*r.record('stage 1').miou:.1f} | {time.time() - t:.0f} |", flush=True)
    L.tag_set_ce = PACKAGE

if __name__ == '__main__': torch.set_num_threads(1); main()
