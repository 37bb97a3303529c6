"""CAMs on photographs: a CAMNet from random weights (`CAM_RECIPE`) against one on the ImageNet-pretrained Lite0 trunk
(`CAM_TRUNK_RECIPE`, `LITE0_FROZEN` stages fixed), trained on the tags of a VOC-layout folder's training images;
pooled precision, coverage, object recall and mIoU of their tag and box pseudo labels against the truth, for several
values of each rule's parameter. Tags and boxes come from the truth (boxes: the connected parts of each class).

    OMP_NUM_THREADS=1 python bench/cam_trunk.py --root VOC2012 --out bench/results/cam_trunk_tune
"""
import argparse, json, time
from pathlib import Path
import numpy as np
from scipy import ndimage
import torch
from spml_nb.core import Tags, Boxes, VOID
from spml_nb.data import read_image, read_label
from spml_nb.cam import CAM_RECIPE, CAM_TRUNK_RECIPE, train_cam, compute_cams, tag_pseudo_labels, box_pseudo_labels, \
    pseudo_label_quality
from spml_nb.model import EfficientNetLite0


def boxes_of(truth):
    "A box around every connected part of each object class."
    bx, cl = [], []
    for c in np.unique(truth):
        if c in (0, VOID): continue
        for sl in ndimage.find_objects(ndimage.label(truth == c)[0]):
            bx.append([sl[1].start, sl[0].start, sl[1].stop, sl[0].stop]); cl.append(int(c))
    return Boxes(np.array(bx).reshape(-1, 4), cl)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--root', required=True, help='a VOC2012-layout folder (JPEGImages, SegmentationClass, ImageSets)')
    p.add_argument('--cams', nargs='+', default=['scratch', 'lite0'], choices=['scratch', 'lite0'])
    p.add_argument('--epochs', type=int, default=None, help="the CAMNet's epochs (default: its recipe's)")
    p.add_argument('--alphas', nargs='+', type=float, default=[0.25, 0.5, 1, 4])
    p.add_argument('--box-thresholds', nargs='+', type=float, default=[0.1, 0.2, 0.3])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default=None, help='output stem (.md, .json)')
    a = p.parse_args()
    root = Path(a.root)
    ids = (root/'ImageSets/Segmentation/train.txt').read_text().split()
    ims = np.stack([read_image(root/'JPEGImages'/f'{i}.jpg') for i in ids])
    truth = np.stack([read_label(root/'SegmentationClass'/f'{i}.png') for i in ids])
    C = int(truth[truth != VOID].max()) + 1
    tags = [Tags(sorted(set(np.unique(t).tolist()) - {VOID})) for t in truth]
    boxes = [boxes_of(t) for t in truth]
    rows = []
    for which in a.cams:
        t = time.time()
        body = EfficientNetLite0("imagenet") if which == 'lite0' else None
        r = CAM_TRUNK_RECIPE if body is not None else CAM_RECIPE
        cam = train_cam(ims, tags, C, recipe=dict(epochs=a.epochs) if a.epochs else None, seed=a.seed, say=None, body=body)
        secs, cams = time.time() - t, compute_cams(cam, ims, tags)
        for al in a.alphas:
            q = pseudo_label_quality(np.stack([tag_pseudo_labels(c, g, al) for c, g in zip(cams, tags)]), truth, C)
            rows.append(dict(cams=which, epochs=a.epochs or r['epochs'], seconds=secs, labels='tags', rule=f'alpha {al:g}', **q))
        for th in a.box_thresholds:
            q = pseudo_label_quality(np.stack([box_pseudo_labels(c, b, th) for c, b in zip(cams, boxes)]), truth, C)
            rows.append(dict(cams=which, epochs=a.epochs or r['epochs'], seconds=secs, labels='boxes', rule=f'threshold {th:g}', **q))
        print(f"{which}: {secs:.0f} s", flush=True)
    cmd = 'python bench/cam_trunk.py ' + ' '.join(f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
                                                  for k, v in vars(a).items() if v is not None and k != 'out')
    md = (f"# CAM pseudo labels on photographs: from random weights vs on the pretrained Lite0 trunk\n\n`{cmd}`, "
          f"{len(ids)} training images of {root}, {C} classes, one thread, {time.strftime('%Y-%m-%d')}. Pooled over the "
          "training images against their truth (unlabelled pixels count as wrong in mIoU).\n\n"
          "| CAMs | epochs | seconds (train) | labels | rule | precision | coverage | object recall | mIoU % |\n|---|---|---|---|---|---|---|---|---|\n"
          + '\n'.join(f"| {r['cams']} | {r['epochs']} | {r['seconds']:.0f} | {r['labels']} | {r['rule']} | {r['precision']:.3f} | "
                      f"{r['coverage']:.3f} | {r['object_recall']:.3f} | {100*r['miou']:.1f} |" for r in rows) + '\n')
    print(md)
    if a.out:
        Path(a.out).with_suffix('.md').write_text(md)
        Path(a.out).with_suffix('.json').write_text(json.dumps({'command': cmd, 'results': rows}, indent=1))


if __name__ == '__main__': torch.set_num_threads(1); main()
