"""Speed of the default over-segmentation next to SLIC on one image, measured in one run.

Usage: python bench/overseg_speed.py [--size 320] [--n 256] [--reps 7]
Prints a table of median / min wall time (ms) per method; no assertions.
"""
import argparse
from _jobs import run_times
import numpy as np
from skimage import segmentation
from spml_nb.data import synth_dataset
from spml_nb.overseg import oversegment, edge_strength

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=320); p.add_argument('--n', type=int, default=256)
    p.add_argument('--reps', type=int, default=7); p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    img = synth_dataset(1, size=a.size, seed=a.seed).images[0]
    fns = {'oversegment (ucm, default)': lambda: oversegment(img, a.n),
           '  edge_strength only': lambda: edge_strength(img),
           'oversegment (ucm, depth=0.005)': lambda: oversegment(img, a.n, depth=0.005),
           'skimage slic n_segments=n': lambda: segmentation.slic(img, n_segments=a.n, compactness=10, start_label=0),
           'oversegment (slic, count search)': lambda: oversegment(img, a.n, method='slic'),
           'skimage felzenszwalb scale=100': lambda: segmentation.felzenszwalb(img, scale=100, sigma=0.8, min_size=20)}
    print(f"image {a.size}x{a.size}, target {a.n} regions, median of {a.reps} runs")
    print(f"{'method':36s} {'median ms':>10s} {'min ms':>8s}")
    for (name, f), ts in zip(fns.items(), run_times(list(fns.values()), a.reps)):
        print(f"{name:36s} {1000*np.median(ts):10.1f} {1000*np.min(ts):8.1f}")

if __name__ == '__main__': main()
