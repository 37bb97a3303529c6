#!/usr/bin/env python
"""Forward + backward time and peak memory of the SPML loss: chunked `pixel_segment_nll` against the dense formula.

Problem: 16 synthetic images (spml_nb.data.synth_dataset) with scribbles, embedding 64 x 64 pixels per image
(65,536 pixels), D = 64 (a fixed random projection of the blurred colours plus noise), over-segmentation by
felzenszwalb, segments from `segment_batch` (grid 4 x 4), and a memory bank holding the segments of two earlier
batches of 16 images: about 2,000 prototypes in all. Two measurements, each chunked vs dense:

- `nll`:  `pixel_segment_nll` on the co-occurrence relation (every pixel against every prototype, multi-hot tags),
          the largest single problem of the loss;
- `loss`: the four relation terms of `SPMLLoss` (scribbles preset, feature affinity switched on), weighted and
          summed, backward to the embedding. k-means is not timed (identical for both; see kmeans_bench.py).

Method: every measurement runs in a fresh Python process (variants alternate, `--rounds` times); inside it, one
warm-up pass, then `--reps` timed passes (wall clock, `time.perf_counter`). Peak memory = the process's peak resident
set size (VmHWM, reset through /proc/self/clear_refs before each pass) minus its resident size just before the pass:
everything the pass allocated and held at once (tensors, autograd buffers, allocator slack). Medians over all passes.
"""
import argparse, json, os, subprocess, sys, time, gc

def rss_kb(field):
    for line in open('/proc/self/status'):
        if line.startswith(field): return int(line.split()[1])

def build(args):
    import numpy as np, torch, torch.nn.functional as F
    from skimage.filters import gaussian
    from skimage.segmentation import felzenszwalb
    from spml_nb.core import tag_vector
    from spml_nb.data import synth_dataset
    from spml_nb.kmeans import segment_batch
    from spml_nb.relations import MemoryBank
    torch.manual_seed(0)
    n = args.images
    data = synth_dataset(n=3 * n, size=args.size, seed=0)
    C = data.n_classes
    proj = torch.randn(3, args.dim)
    def batch(idx, grad):
        ims = data.images[idx]
        lab = torch.tensor(np.stack([data.weak_map(i, 'scribbles') for i in idx])).long()
        tags = torch.stack([tag_vector(data.weak_map(i, 'scribbles'), C) for i in idx])
        ov = torch.tensor(np.stack([felzenszwalb(im, scale=300, sigma=1.5, min_size=60) for im in ims])).long()
        col = torch.tensor(np.stack([gaussian(im, sigma=2, channel_axis=-1) for im in ims])).float()
        emb = (col - col.mean((1, 2), keepdim=True)) @ proj + .05 * torch.randn(len(idx), args.size, args.size, args.dim)
        emb = emb.permute(0, 3, 1, 2).contiguous().requires_grad_(grad)
        return emb, segment_batch(emb, lab, ov, tags, C, grid=(args.grid, args.grid))
    mem = MemoryBank(2)
    for k in (1, 2): mem.update(batch(list(range(k * n, (k + 1) * n)), False)[1])
    emb, seg = batch(list(range(n)), True)
    return emb, seg, mem, C

def worker(args):
    import torch
    torch.set_num_threads(args.threads)
    from spml_nb.loss import SPMLLoss, pixel_segment_nll, dense_pixel_segment_nll
    from spml_nb.relations import semantic_cooccurrence
    emb, seg, mem, C = build(args)
    dense = args.worker.endswith('dense')
    nll = dense_pixel_segment_nll if dense else pixel_segment_nll
    if args.worker.startswith('nll'):
        def run():
            r = semantic_cooccurrence(seg, mem)
            return nll(r.x, r.protos, r.own, r.pix_lab, r.seg_lab, 12.).mean()
    else:
        loss = SPMLLoss(C, 'scribbles', memory=mem, nll=nll, feat_aff=True, w_aff=.5)
        def run():
            t = loss.terms(seg)
            return sum(loss.weight(k) * v for k, v in t.items() if loss.weight(k))
    times, peaks = [], []
    for i in range(args.reps + 1):
        gc.collect()
        base = rss_kb('VmRSS')
        open('/proc/self/clear_refs', 'w').write('5')
        t0 = time.perf_counter()
        total = run()
        g, = torch.autograd.grad(total, emb, retain_graph=True)
        dt = time.perf_counter() - t0
        peak = (rss_kb('VmHWM') - base) / 1024
        del total, g
        if i: times.append(dt); peaks.append(peak)     # pass 0 is the warm-up
    r = semantic_cooccurrence(seg, mem)
    print(json.dumps(dict(times=times, peaks=peaks, pixels=seg.n_pixels, segments=seg.n_segments,
                          memory=mem.n_segments, prototypes=r.k)))

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', type=int, default=16)
    p.add_argument('--size', type=int, default=64, help='embedding side (pixels)')
    p.add_argument('--dim', type=int, default=64)
    p.add_argument('--grid', type=int, default=4, help='k-means grid; 4 x 4 gives about 2,000 prototypes with memory')
    p.add_argument('--threads', type=int, default=1, help='torch threads (1: steady timings on a shared machine)')
    p.add_argument('--rounds', type=int, default=2, help='fresh processes per variant')
    p.add_argument('--reps', type=int, default=2, help='timed passes per process (after one warm-up)')
    p.add_argument('--which', default='nll,loss', help="measurements: 'nll', 'loss' or both")
    p.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker: return worker(args)
    res, info = {}, None
    variants = [v + s for v in args.which.split(',') for s in ('', '-dense')]
    for _ in range(args.rounds):
        for v in variants:
            cmd = [sys.executable, __file__, '--worker', v] + [f'--{k}={getattr(args, k)}' for k in
                   ('images', 'size', 'dim', 'grid', 'threads', 'reps')]
            out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
            res.setdefault(v, dict(times=[], peaks=[]))
            res[v]['times'] += out['times']; res[v]['peaks'] += out['peaks']; info = out
    med = lambda a: sorted(a)[len(a) // 2]
    print(f"{args.images} images x {args.size}x{args.size} = {info['pixels']} pixels, D={args.dim}, "
          f"{info['segments']} segments + {info['memory']} in memory = {info['prototypes']} prototypes; "
          f"{args.threads} thread(s); medians of {args.rounds * args.reps} passes")
    print(f"{'what':<6} {'variant':<8} {'fwd+bwd s':>10} {'peak MB':>9} {'time ratio':>11} {'memory ratio':>13}")
    for v in args.which.split(','):
        c, d = res[v], res[v + '-dense']
        tc, td, mc, md = med(c['times']), med(d['times']), med(c['peaks']), med(d['peaks'])
        print(f"{v:<6} {'chunked':<8} {tc:>10.2f} {mc:>9.0f} {tc / td:>11.2f} {mc / md:>13.3f}")
        print(f"{v:<6} {'dense':<8} {td:>10.2f} {md:>9.0f} {1:>11.2f} {1:>13.3f}")

if __name__ == '__main__': main()
