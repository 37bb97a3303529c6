"""How the cost of an SPML training step grows with the image: segments, backbone and SPML-head time, their ratio, the
step against a cross-entropy step of the same network, and peak memory, at several image sizes.

    python bench/scaling.py                                  # tiny trunk, 64/128/256/512 px, writes bench/results/scaling.md
    python bench/scaling.py --archs tiny resnet50 --sizes 64 128 256
    python bench/scaling.py --anchors 0 --regions 0          # the head as it was: every pixel, h*w/144 regions

Every size runs in a fresh process (batch 8 of synthetic scribbles, `spml_learner`, recipe 'scratch'), so the peak
memory of one size does not carry into the next. In each process the steps alternate, a cross-entropy step (forward,
`classifier_ce` on the weak labels, backward) then an SPML step (forward, the SPML loss on a leaf copy of the
embedding, its backward, then the backward through the network), so both see the same machine load; medians over
`--steps` pairs after two warm-up pairs (which also fill the memory bank). Columns:

- segments / image: the batch's segments per image; contrast set: batch + memory bank segments (co-occurrence's columns),
- backbone: forward + backward of the network in the SPML step; head: k-means + relations + loss, forward + backward,
- head per pixel: head time per embedding pixel of the batch, in microseconds,
- SPML / CE: the whole SPML step over the whole cross-entropy step,
- peak memory: on CUDA `max_memory_allocated` of each kind of step; on the CPU the growth of the process's peak
  resident size over the model and data (CE steps first, then SPML steps, so the SPML figure is the larger of the two).
"""
import argparse, json, os, platform, resource, statistics, sys, time
import multiprocessing as mp
from pathlib import Path


def measure(*args):
    q = args[-1]
    try: _measure(*args)
    except BaseException as e:
        import traceback; q.put(dict(error=traceback.format_exc())); raise

def _measure(arch, size, bs, steps, threads, regions, anchors, device, q):
    import numpy as np, torch
    torch.set_num_threads(threads)
    import warnings; warnings.filterwarnings('ignore')
    import spml_nb.data as D
    from spml_nb.data import synth_dataloaders
    from spml_nb.learner import spml_learner
    from spml_nb.loss import classifier_ce
    if regions is not None:                      # 0: the old rule, one region per 12 x 12 pixels
        orig = D.default_overseg
        D.default_overseg = lambda img, n_regions=None: orig(img, n_regions or (regions or max(4, img.shape[0]*img.shape[1]//144)))
    from fastai.torch_core import set_seed
    set_seed(0)                                  # python's random too: the loader's shuffle
    dev = torch.device(device)
    dls = synth_dataloaders('scribbles', n_train=bs, n_valid=2, size=size, bs=bs, device=dev, seed=0)
    over = {} if anchors is None else {'anchors': anchors or None}
    learn = spml_learner(dls, 'scribbles', arch, **over)
    learn.create_opt()
    model, loss_func, C = learn.model.to(dev).train(), learn.loss_func, dls.n_classes
    x, *y = [t.as_subclass(torch.Tensor).to(dev) for t in dls.one_batch()]
    cuda = dev.type == 'cuda'
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # MiB (Linux reports KiB)
    def ce_step():
        sync(); t0 = time.perf_counter()
        logits, emb = model(x)
        classifier_ce(logits, y[0], C).backward()
        sync(); t = time.perf_counter() - t0
        learn.opt.zero_grad(); return t
    def spml_step():
        sync(); t0 = time.perf_counter()
        logits, emb = model(x)
        sync(); t1 = time.perf_counter()
        l, e = logits.detach().requires_grad_(), emb.detach().requires_grad_()   # the head on leaf copies
        stats['contrast'] = model.memory.n_segments          # the memory's segments before this step
        loss_func((l, e), *y).backward()
        sync(); t2 = time.perf_counter()
        torch.autograd.backward([logits, emb], [l.grad, e.grad])
        sync(); t3 = time.perf_counter()
        learn.opt.zero_grad(); model.memory.update(loss_func.last_segments)
        return (t1 - t0) + (t3 - t2), t2 - t1
    stats = {}
    base = rss()
    if cuda: torch.cuda.reset_peak_memory_stats()
    for _ in range(2): ce_step()
    mem_ce = torch.cuda.max_memory_allocated() / 2**20 if cuda else rss() - base
    if cuda: torch.cuda.reset_peak_memory_stats()
    ce, back, head = [], [], []
    for i in range(steps + 2):
        c = ce_step(); b, h = spml_step()
        if i >= 2: ce.append(c); back.append(b); head.append(h)
    mem_spml = torch.cuda.max_memory_allocated() / 2**20 if cuda else rss() - base
    seg = loss_func.last_segments
    h, w = seg.size
    med = statistics.median
    q.put(dict(arch=arch, size=size, emb=f"{h}x{w}", segs_per_image=seg.n_segments / seg.n_images,
               contrast=seg.n_segments + stats['contrast'],
               pixels=seg.n_pixels, backbone=med(back), head=med(head), ce=med(ce),
               head_us_per_pixel=1e6 * med(head) / (bs * h * w), mem_ce=mem_ce, mem_spml=mem_spml,
               anchors=getattr(loss_func, 'anchors', None), regions=regions))


def run_one(*args):
    ctx = mp.get_context('spawn')
    q = ctx.Queue()
    p = ctx.Process(target=measure, args=args + (q,))
    p.start(); out = q.get(); p.join()
    if 'error' in out: raise RuntimeError(f"the run at {args[1]} px failed:\n{out['error']}")
    return out


def table(rows, cuda):
    mem = 'peak memory, MiB (CUDA allocated)' if cuda else 'peak memory growth, MiB (CPU resident)'
    out = ['| trunk | image | embedding | segments / image | contrast set | backbone s | head s | head / backbone '
           f'| head µs / pixel | CE step s | SPML step s | SPML / CE | {mem}: CE, SPML |',
           '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        step = r['backbone'] + r['head']
        out.append(f"| {r['arch']} | {r['size']} | {r['emb']} | {r['segs_per_image']:.0f} | {r['contrast']} "
                   f"| {r['backbone']:.3f} | {r['head']:.3f} | {r['head']/r['backbone']:.2f}x | {r['head_us_per_pixel']:.1f} "
                   f"| {r['ce']:.3f} | {step:.3f} | {step/r['ce']:.2f}x | {r['mem_ce']:.0f}, {r['mem_spml']:.0f} |")
    return '\n'.join(out)


def goals(rows):
    out = []
    for arch in dict.fromkeys(r['arch'] for r in rows):
        rs = {r['size']: r for r in rows if r['arch'] == arch}
        if 64 in rs and 256 in rs:
            g = rs[256]['head_us_per_pixel'] / rs[64]['head_us_per_pixel']
            out.append(f"{arch}: head time per pixel at 256 / at 64 = {g:.2f} (goal ≤ 1.5): " + ('met' if g <= 1.5 else 'missed'))
        worst = max(rs.values(), key=lambda r: (r['backbone'] + r['head']) / r['ce'])
        g = (worst['backbone'] + worst['head']) / worst['ce']
        out.append(f"{arch}: largest SPML step / CE step = {g:.2f} at {worst['size']} px (goal ≤ 2 at every size): "
                   + ('met' if g <= 2 else 'missed'))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--sizes', type=int, nargs='+', default=[64, 128, 256, 512])
    p.add_argument('--archs', nargs='+', default=['tiny'])
    p.add_argument('--bs', type=int, default=8)
    p.add_argument('--steps', type=int, default=3, help='timed step pairs per size (medians)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--regions', type=int, default=None, help='regions per image (default: the package\'s; 0: h*w/144)')
    p.add_argument('--anchors', type=int, default=None, help='anchor pixels per image (default: the package\'s; 0: all)')
    p.add_argument('--device', default='cuda' if __import__('torch').cuda.is_available() else 'cpu')
    p.add_argument('--out', default='bench/results/scaling.md')
    a = p.parse_args(argv)
    t0, rows = time.time(), []
    for arch in a.archs:
        for s in a.sizes:
            r = run_one(arch, s, a.bs, a.steps, a.threads, a.regions, a.anchors, a.device)
            rows.append(r)
            print(table([r], a.device == 'cuda').splitlines()[-1], flush=True)
    cuda = a.device == 'cuda'
    text = table(rows, cuda)
    g = goals(rows)
    cmd = 'python bench/scaling.py ' + ' '.join(argv if argv is not None else sys.argv[1:])
    md = [f"# Scaling of the SPML step with the image size", '',
          f"`{cmd.strip()}` on {platform.processor() or platform.machine()} ({os.cpu_count()} cores, {a.threads} threads, "
          f"{a.device}), batch {a.bs}, scribbles, medians of {a.steps} alternating CE / SPML steps, "
          f"{time.time() - t0:.0f} s in all.", '', text, '', *[f"- {x}" for x in g], '']
    print('\n' + text + '\n\n' + '\n'.join(g))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text('\n'.join(md))
        Path(a.out).with_suffix('.json').write_text(json.dumps(dict(command=cmd, rows=rows), indent=1))
        print(f"\nwrote {a.out}")


if __name__ == '__main__': main()
