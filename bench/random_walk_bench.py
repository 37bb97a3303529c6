"""Random walk: `spml_nb.inference.random_walk` against the plain squaring of the transition matrix (spec section 7).

Usage: python bench/random_walk_bench.py [--size 64] [--classes 21] [--dim 64] [--repeats 3] [--views 1]
                                        [--embedding clustered|smooth] [--threads N] [--flush-denormal]
Prints median wall times of both computations on the same random inputs, in one run, and the largest
absolute difference of their outputs.

Clustered embeddings (the default: regions of near-equal vectors, as a trained network gives) leave 1.6% of `T`
above `rw_drop_bound`, so `random_walk` takes its 64 steps with a sparse `T` (on one thread); smooth ones keep all of
`T` (the dense route, one product per step). Measured on the 2-core development machine while other jobs kept about
one core busy, 5 runs each, medians (same output to 3e-6 in float32, as the squaring's own rounding):

| embedding, threads | squaring s | `random_walk` s | speed-up |
|---|---|---|---|
| clustered, 2 threads (3 runs of the bench) | 16.6 / 10.8 / 9.9 | 1.03 / 0.64 / 0.65 | 16.2x / 16.8x / 15.3x |
| clustered, 1 thread (2 runs) | 9.5 / 9.8 | 0.28 / 0.26 | 33.8x / 37.1x |
| clustered, 2 threads, --flush-denormal | 9.8 | 0.60 | 16.4x |
| smooth (dense T), 2 threads | 9.3 | 2.63 | 3.5x |

Before (16 products with blocks of `T`'s columns per step, no dropping) the clustered case ran at 4.6-4.7x (as measured
then), 7x on one thread here, and slower than the squaring on two threads with a core busy elsewhere.
`--flush-denormal` sets `torch.set_flush_denormal(True)` for both computations (the squaring meets denormal floats
in `T`; `random_walk` never computes them and leaves the global setting alone); on this AMD CPU it changes neither.
"""
import argparse
from _jobs import run_times, median
import torch
from spml_nb.inference import random_walk, random_walk_squaring

def timed(f, repeats):
    "The output of `f` and the median and list of `repeats` timed calls (after one warm-up call)."
    out = f()                                          # the warm-up call gives the output
    ts = run_times([f], repeats, warmup=0)[0]
    return out, median(ts), ts

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=64, help='grid side (h = w)')
    p.add_argument('--classes', type=int, default=21, help='number of class maps C')
    p.add_argument('--dim', type=int, default=64, help='embedding dimension D')
    p.add_argument('--views', type=int, default=1, help='embedding views averaged before the power (e.g. 2 = flip)')
    p.add_argument('--n-iter', type=int, default=6, help='squarings: 2^n_iter steps')
    p.add_argument('--repeats', type=int, default=3, help='timed runs of each (median reported)')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--embedding', default='clustered', choices=['clustered', 'smooth'],
                   help='clustered: 8x8-pixel regions of near-equal vectors (sparse T); smooth: slow variation (dense T)')
    p.add_argument('--flush-denormal', action='store_true', help='flush denormal floats to zero, for both computations')
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    if a.flush_denormal: torch.set_flush_denormal(True)   # process-wide: both computations below run with it
    g = torch.Generator().manual_seed(0)
    s, dev = a.size, torch.device(a.device)
    # clustered: one random direction per 8x8 region plus noise (cosine ~0.92 inside a region, ~0 across regions);
    # smooth: a bilinear blend of 4 random directions around a common offset (every pair of pixels close).
    # Class maps: probability-like, random.
    if a.embedding == 'clustered':
        base = torch.randn(a.views, a.dim, s//8, s//8, generator=g)
        emb = torch.nn.functional.interpolate(base, size=(s, s), mode='nearest') + 0.3*torch.randn(a.views, a.dim, s, s, generator=g)
    else:
        base = torch.randn(a.views, a.dim, 2, 2, generator=g)
        emb = torch.nn.functional.interpolate(base, size=(s, s), mode='bilinear', align_corners=True) + 3
    probs = torch.rand(a.classes, s, s, generator=g).softmax(0)
    emb, probs = emb.to(dev), probs.to(dev)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)
    def run(f):
        def g_(): r = f(); sync(); return r
        return g_
    fast, t_fast, ts_fast = timed(run(lambda: random_walk(probs, list(emb), n_iter=a.n_iter)), a.repeats)
    ref, t_ref, ts_ref = timed(run(lambda: random_walk_squaring(probs, list(emb), n_iter=a.n_iter)), a.repeats)
    diff = (fast - ref).abs().max().item()
    print(f"random walk, {s}x{s} grid (n = {s*s}), C = {a.classes}, D = {a.dim}, views = {a.views}, "
          f"2^{a.n_iter} steps, {a.embedding} embedding, float32, {dev} ({torch.get_num_threads()} threads"
          f"{', denormals flushed' if a.flush_denormal else ''}), {a.repeats} runs each\n")
    print("| computation | median s | runs s |")
    print("|---|---|---|")
    print(f"| squaring T {a.n_iter} times (reference) | {t_ref:.3f} | {', '.join(f'{t:.2f}' for t in ts_ref)} |")
    print(f"| `random_walk` (products with the class maps, sparse T when it pays) | {t_fast:.3f} | {', '.join(f'{t:.2f}' for t in ts_fast)} |")
    print(f"\nspeed-up {t_ref/t_fast:.1f}x; max |difference| = {diff:.2e} (outputs in [{ref.min().item():.3f}, {ref.max().item():.3f}])")

if __name__ == '__main__': main()
