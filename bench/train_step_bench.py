"""Time one SPML training step, split into backbone (forward + backward of the embedding network) and SPML head
(k-means + relations + loss, forward + backward; the classifier's cross-entropy counts here too), at batch 8 of 256 x 256 on the CPU.

    python bench/train_step_bench.py [--arch resnet50] [--bs 8] [--size 256] [--steps 5] [--classes N]
                                     [--device cpu|cuda] [--precision auto|fp32]

On CUDA (`--device cuda`) the step runs as training does there (`spml_nb.learner.cuda_speedups`): the network under
bf16/fp16 autocast with `channels_last` weights and images (`--precision fp32`: neither), the loss on the float32
embedding; timers wait for the GPU (`torch.cuda.synchronize`), and the table adds steps per second and the peak GPU
memory (`torch.cuda.max_memory_allocated`). `--classes` gives the classifier more classes than the synthetic data has
(e.g. 21, as Pascal VOC); the data's "unlabelled" value is moved to match. On the CPU nothing changes.

Goal (issue 6): the head takes at most 30 % of the backbone's time. Medians over --steps steps, measured side by side.
"""
import argparse, statistics, time
from contextlib import nullcontext
import numpy as np
import torch
from spml_nb.data import synth_dataloaders, synth_dataset, synth_items, spml_dataloaders, SynthData
from spml_nb.learner import spml_learner

def _dataloaders(a, dev):
    "Synthetic batches of `a.bs` images; with `a.classes`, weak labels re-coded for that many classes."
    if not a.classes: return synth_dataloaders(a.supervision, n_train=a.bs, n_valid=2, size=a.size, bs=a.bs, device=dev)
    C = SynthData.n_classes
    if a.classes < C: raise SystemExit(f"--classes must be at least the synthetic data's {C}")
    items = lambda n, seed: synth_items(synth_dataset(n, a.size, seed), a.supervision)
    for it in (tr := items(a.bs, 0)) + (va := items(2, 1000)):
        it.label = np.where(np.asarray(it.label) == C, a.classes, it.label).astype(np.uint8)
    return spml_dataloaders(tr, va, a.classes, crop=a.size, bs=a.bs, supervision=a.supervision, device=dev)

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--arch', default='resnet50'); p.add_argument('--bs', type=int, default=8)
    p.add_argument('--size', type=int, default=256); p.add_argument('--steps', type=int, default=5)
    p.add_argument('--supervision', default='scribbles'); p.add_argument('--threads', type=int, default=None)
    p.add_argument('--classes', type=int, default=None, help="classifier classes (default: the synthetic data's)")
    p.add_argument('--device', default='cpu', help="'cpu' or 'cuda'")
    p.add_argument('--precision', default='auto', choices=['auto', 'fp32'], help='on CUDA: auto = mixed precision')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    cuda = dev.type == 'cuda'
    if cuda and not torch.cuda.is_available(): raise SystemExit("--device cuda: no CUDA device here")
    torch.manual_seed(0); np.random.seed(0)
    dls = _dataloaders(a, dev)
    learn = spml_learner(dls, a.supervision, a.arch, mixed_precision=None if a.precision == 'auto' else False)
    model, loss_func = learn.model.to(dev).train(), learn.loss_func
    learn.create_opt()
    x, *y = [t.as_subclass(torch.Tensor) for t in dls.one_batch()]
    s = learn.speedups
    if s['channels_last']: model.to(memory_format=torch.channels_last); x = x.contiguous(memory_format=torch.channels_last)
    amp = (lambda: torch.autocast('cuda', dtype={'bf16': torch.bfloat16, 'fp16': torch.float16}[s['mixed_precision']])) \
          if s['mixed_precision'] else nullcontext
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda: torch.cuda.reset_peak_memory_stats()
    t_back, t_head = [], []
    for i in range(a.steps + 1):
        sync(); t0 = time.perf_counter()
        with amp(): logits, emb = model(x)         # backbone + heads forward
        sync(); t1 = time.perf_counter()
        l, e = (t.detach().float().requires_grad_() for t in (logits, emb))   # the loss on float32 leaf copies
        with amp(): loss = loss_func((l, e), *y)  # (fastai also runs the loss under autocast)
        loss.backward()
        sync(); t2 = time.perf_counter()
        torch.autograd.backward([logits, emb], [l.grad.to(logits.dtype), e.grad.to(emb.dtype)])  # back through the network
        sync(); t3 = time.perf_counter()
        learn.opt.zero_grad(); model.memory.update(loss_func.last_segments)
        if i == 0: continue                        # warm-up step
        t_back.append((t1 - t0) + (t3 - t2)); t_head.append(t2 - t1)
    mb, mh = statistics.median(t_back), statistics.median(t_head)
    segs = loss_func.last_segments
    where = (f"{torch.cuda.get_device_name(dev)}, {s['mixed_precision'] or 'fp32'}"
             f"{', channels_last' if s['channels_last'] else ''}") if cuda else f"{torch.get_num_threads()} threads"
    print(f"arch {a.arch}, batch {a.bs} x {a.size}x{a.size}, {learn.model.n_classes} classes, embedding {tuple(emb.shape)}, "
          f"{segs.n_segments} segments (+ memory), {where}, median of {a.steps} steps\n")
    print("| part | median s / step | share of backbone |")
    print("|---|---|---|")
    print(f"| backbone + heads, forward + backward | {mb:.3f} | 100 % |")
    print(f"| SPML head: k-means + relations + loss, forward + backward | {mh:.3f} | {100*mh/mb:.1f} % |")
    if cuda:
        print(f"\n{1/(mb + mh):.2f} steps per second (backbone + head, optimiser step not included); "
              f"peak GPU memory {torch.cuda.max_memory_allocated(dev)/2**30:.2f} GiB")

if __name__ == '__main__': main()
