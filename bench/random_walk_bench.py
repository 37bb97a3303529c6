"""Random walk: `spml_nb.inference.random_walk` against the plain squaring of the transition matrix (spec section 7).

Usage: python bench/random_walk_bench.py [--size 64] [--classes 21] [--dim 64] [--repeats 3] [--views 1]
Prints median wall times of both computations on the same random inputs, in one run, and the largest
absolute difference of their outputs.
"""
import argparse, statistics, time
import torch
from spml_nb.inference import random_walk, random_walk_squaring

def timed(f, repeats):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter(); out = f(); times.append(time.perf_counter() - t0)
    return out, statistics.median(times), times

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
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(0)
    s, dev = a.size, torch.device(a.device)
    # smooth random embeddings (blocky regions plus noise), probability-like class maps
    base = torch.randn(a.views, a.dim, s//8, s//8, generator=g)
    emb = torch.nn.functional.interpolate(base, size=(s, s), mode='nearest') + 0.3*torch.randn(a.views, a.dim, s, s, generator=g)
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
          f"2^{a.n_iter} steps, float32, {dev} ({torch.get_num_threads()} threads), {a.repeats} runs each\n")
    print("| computation | median s | runs s |")
    print("|---|---|---|")
    print(f"| squaring T {a.n_iter} times (reference) | {t_ref:.3f} | {', '.join(f'{t:.2f}' for t in ts_ref)} |")
    print(f"| `random_walk` (products with the class maps) | {t_fast:.3f} | {', '.join(f'{t:.2f}' for t in ts_fast)} |")
    print(f"\nspeed-up {t_ref/t_fast:.1f}x; max |difference| = {diff:.2e} (outputs in [{ref.min().item():.3f}, {ref.max().item():.3f}])")

if __name__ == '__main__': main()
