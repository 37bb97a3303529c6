"""Time one SPML training step, split into backbone (forward + backward of the embedding network) and SPML head
(k-means + relations + loss, forward + backward), at batch 8 of 256 x 256 on the CPU.

    python bench/train_step_bench.py [--arch resnet50] [--bs 8] [--size 256] [--steps 5]

Goal (issue 6): the head takes at most 30 % of the backbone's time. Medians over --steps steps, measured side by side.
"""
import argparse, statistics, time
import numpy as np
import torch
from spml_nb.data import synth_dataloaders
from spml_nb.learner import spml_learner

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--arch', default='resnet50'); p.add_argument('--bs', type=int, default=8)
    p.add_argument('--size', type=int, default=256); p.add_argument('--steps', type=int, default=5)
    p.add_argument('--supervision', default='scribbles'); p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(0); np.random.seed(0)
    dls = synth_dataloaders(a.supervision, n_train=a.bs, n_valid=2, size=a.size, bs=a.bs, device=torch.device('cpu'))
    learn = spml_learner(dls, a.supervision, a.arch)
    learn.create_opt(); model, loss_func = learn.model.train(), learn.loss_func
    x, *y = [t.as_subclass(torch.Tensor) for t in dls.one_batch()]
    t_back, t_head = [], []
    for i in range(a.steps + 1):
        t0 = time.perf_counter()
        logits, emb = model(x)                     # backbone + heads forward
        t1 = time.perf_counter()
        e = emb.detach().requires_grad_()          # the SPML head on a leaf copy of the embedding
        loss = loss_func((logits, e), *y)
        loss.backward()
        t2 = time.perf_counter()
        emb.backward(e.grad)                       # back through the embedding network
        t3 = time.perf_counter()
        learn.opt.zero_grad(); model.memory.update(loss_func.last_segments)
        if i == 0: continue                        # warm-up step
        t_back.append((t1 - t0) + (t3 - t2)); t_head.append(t2 - t1)
    mb, mh = statistics.median(t_back), statistics.median(t_head)
    segs = loss_func.last_segments
    print(f"arch {a.arch}, batch {a.bs} x {a.size}x{a.size}, embedding {tuple(emb.shape)}, "
          f"{segs.n_segments} segments (+ memory), {torch.get_num_threads()} threads, median of {a.steps} steps\n")
    print("| part | median s / step | share of backbone |")
    print("|---|---|---|")
    print(f"| backbone + heads, forward + backward | {mb:.3f} | 100 % |")
    print(f"| SPML head: k-means + relations + loss, forward + backward | {mh:.3f} | {100*mh/mb:.1f} % |")

if __name__ == '__main__': main()
