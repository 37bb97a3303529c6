"""What a training step of the EfficientNet-Lite0 trunk costs on a CPU: output stride 16 against 8, and how many of its
first stages stay fixed (out of the backward pass), against the tiny trunk; forward + backward of the trunk alone and
of the whole `SPMLNet` with the SPML loss, batch 8 of 128 px crops, one thread.

    python bench/lite0_trunk.py                 # ~2 min alone on a 2-core CPU; writes bench/results/lite0_trunk.md
"""
import argparse, os, platform, time
from pathlib import Path
import torch
from _jobs import run_times, median


def timed(fn, n):
    "Median seconds of `n` calls of `fn` after one warm-up call."
    return median(run_times([fn], n)[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=5, help='timed steps per row (median)')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', default='bench/results/lite0_trunk.md')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    from spml_nb.learner import EfficientNetLite0, TinyResNet, spml_learner
    from spml_nb.data import synth_dataloaders
    x = torch.randn(8, 3, 128, 128)
    rows = []
    for stride in (16, 8):
        for frozen in (0, 2, 3):
            if stride == 8 and frozen != 2: continue
            net = EfficientNetLite0('imagenet', output_stride=stride, frozen=frozen).train()
            step = lambda: sum(f.float().mean() for f in net(x)).backward()
            rows.append((f"Lite0, stride {stride}, stem + {frozen} blocks fixed", timed(step, a.steps)))
    net = EfficientNetLite0('imagenet').eval()
    with torch.no_grad(): rows.append(("Lite0, stride 16, forward only (no gradients)", timed(lambda: net(x), a.steps)))
    tiny = TinyResNet().train()
    rows.append(("tiny trunk (stride 8), everything trains", timed(lambda: tiny(x).mean().backward(), a.steps)))
    dls = synth_dataloaders('scribbles', n_train=16, n_valid=4, size=128, bs=8, device='cpu')
    b = dls.one_batch()
    for arch, pre in (('efficientnet_lite0', 'imagenet'), ('tiny', None)):
        learn = spml_learner(dls, 'scribbles', arch, dim=32, pretrained=pre)
        m, lf = learn.model.train(), learn.loss_func
        def step():
            loss = lf(m(b[0].as_subclass(torch.Tensor)), *[t.as_subclass(torch.Tensor) for t in b[1:]]); loss.backward()
        rows.append((f"SPMLNet + SPML loss, {arch}{' (pretrained: the CPU plan)' if pre else ''}", timed(step, a.steps)))
    md = (f"# EfficientNet-Lite0 on a CPU: seconds per training step\n\n`python bench/lite0_trunk.py {' '.join(f'--{k} {v}' for k, v in vars(a).items() if k != 'out')}` "
          f"on {os.cpu_count()} cores ({platform.processor() or platform.machine()}), {a.threads} thread(s), "
          f"{time.strftime('%Y-%m-%d')}. Batch 8 of 128 px, forward + backward, median of {a.steps} steps.\n\n"
          "| what | s / step |\n|---|---|\n" + '\n'.join(f"| {r} | {t:.3f} |" for r, t in rows) + '\n')
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(md)
    print(md)


if __name__ == '__main__': main()
