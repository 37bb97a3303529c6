"""Benchmark: `segment_batch` on a whole batch at once against a loop over its images.

16 images, 64 x 64 x 64-dim embeddings (a 256 x 256 crop at stride 4), weak labels and over-segmentation at 256 x 256
with 10% void (right padding) and unlabelled pixels, 6 x 6 grid, 10 k-means iterations. Two kinds of embedding:
'noise' (i.i.d. Gaussian per pixel) and 'smooth' (a random 8 x 8 field upsampled bilinearly plus a little noise,
closer to a trained network's output: fewer, larger segments).

Rows: the k-means step alone (`kmeans_batch` vs `spherical_kmeans` per image) and the whole `segment_batch`
(batched vs `segment_batch` per image joined with `cat_segments`). Both paths give identical results (checked here).
Times are medians over `--runs` runs after one warm-up, in milliseconds; the loop and the batched runs alternate so
that load from other processes hits both alike. Rows are given per CPU thread count (`--threads 1,0`: one thread,
then torch's default).

    python bench/kmeans_bench.py [--runs 7] [--device cpu|cuda|all] [--threads 1,0]
"""
import argparse, os
from _jobs import run_times, median
import torch, torch.nn.functional as F
from spml_nb.kmeans import (segment_batch, cat_segments, kmeans_batch, spherical_kmeans, grid_init,
                            location_features, resize_labels)

B, D, h, w, S, C, GRID, N_ITER = 16, 64, 64, 64, 4, 21, (6, 6), 10

def make_batch(kind, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    if kind == 'noise': emb = torch.randn(B, D, h, w, generator=g)
    else:
        emb = F.interpolate(torch.randn(B, D, 8, 8, generator=g), size=(h, w), mode='bilinear', align_corners=False)
        emb = emb + .1 * torch.randn(B, D, h, w, generator=g)
    H, W = h * S, w * S
    labels = torch.full((B, H, W), C, dtype=torch.long)                      # unlabelled ...
    blobs = F.interpolate(torch.randn(B, 1, 8, 8, generator=g), size=(H, W), mode='bilinear')[:, 0]
    labels[blobs > 1.] = 3; labels[blobs < -1.] = 0                          # ... with some labelled blobs
    labels[:, :, int(W * .9):] = 255                                         # right padding: void
    yy, xx = torch.meshgrid(torch.arange(H), torch.arange(W), indexing='ij')
    overseg = ((yy // 32) * 8 + xx // 32).expand(B, H, W).clone()            # 64 block regions
    tags = torch.zeros(B, C); tags[:, [0, 3]] = 1
    return [t.to(device) for t in (emb, labels, overseg, tags)]

def sync(device):
    if device == 'cuda': torch.cuda.synchronize()

def median_ms(fns, device, runs):
    "Median time (ms) of each function (`run_times`: interleaved runs)."
    return [median(t)*1e3 for t in run_times(fns, runs, lambda: sync(device))]

def kmeans_inputs(emb, labels):
    f = F.normalize(torch.cat([F.normalize(emb, dim=1), location_features(h, w).to(emb.device).expand(B, 2, h, w)], 1),
                    dim=1).flatten(2).transpose(1, 2).contiguous()
    keep = (resize_labels(labels, (h, w)) != 255).flatten(1)
    init = grid_init(h, w, *GRID).to(emb.device).flatten()
    return f, keep, init, int(init.max()) + 1

def kmeans_loop(f, keep, init, K):
    return [spherical_kmeans(f[b][keep[b]], init[keep[b]], N_ITER, n_clusters=K) for b in range(B)]

def segment_loop(emb, labels, overseg, tags):
    return cat_segments([segment_batch(emb[i:i+1], labels[i:i+1], overseg[i:i+1], tags[i:i+1], C, GRID, N_ITER)
                         for i in range(B)])

def main():
    p = argparse.ArgumentParser()
    p.add_argument('--runs', type=int, default=7)
    p.add_argument('--device', default='all')
    p.add_argument('--threads', default='1,0', help='comma-separated CPU thread counts for torch (0: the default)')
    a = p.parse_args()
    devices = ['cpu'] + (['cuda'] if torch.cuda.is_available() else []) if a.device == 'all' else [a.device]
    default_threads = torch.get_num_threads()
    print(f"segment_batch: {B} images, {D}-dim {h}x{w} embeddings, labels {h*S}x{w*S}, grid {GRID}, {N_ITER} iterations; "
          f"median of {a.runs} interleaved runs; torch {torch.__version__}, {os.cpu_count()} CPUs, "
          f"load average before {os.getloadavg()[0]:.1f}")
    rows = []
    for dev, threads in [(d, int(t) or default_threads) for d in devices for t in a.threads.split(',')]:
        if dev == 'cuda' and threads != default_threads: continue
        torch.set_num_threads(threads)
        name = torch.cuda.get_device_name() if dev == 'cuda' else 'cpu'
        for kind in ('noise', 'smooth'):
            emb, labels, overseg, tags = make_batch(kind, dev)
            f, keep, init, K = kmeans_inputs(emb, labels)
            zb = kmeans_batch(f, init, keep, K, N_ITER)
            assert all(torch.equal(zb[b][keep[b]], z) for b, z in enumerate(kmeans_loop(f, keep, init, K))), 'k-means differs'
            sb, sl = segment_batch(emb, labels, overseg, tags, C, GRID, N_ITER), segment_loop(emb, labels, overseg, tags)
            assert torch.equal(sb.pix_seg, sl.pix_seg) and torch.equal(sb.seg_lab, sl.seg_lab), 'segments differ'
            tl, tb = median_ms([lambda: kmeans_loop(f, keep, init, K),
                                lambda: kmeans_batch(f, init, keep, K, N_ITER)], dev, a.runs)
            rows.append((name, threads, kind, 'k-means only', tl, tb))
            tl, tb = median_ms([lambda: segment_loop(emb, labels, overseg, tags),
                                lambda: segment_batch(emb, labels, overseg, tags, C, GRID, N_ITER)], dev, a.runs)
            rows.append((name, threads, kind, f'segment_batch ({sb.n_segments} segments)', tl, tb))
    print(f"load average after {os.getloadavg()[0]:.1f}")
    print(f"| device | CPU threads | embedding | step | per-image loop (ms) | batched (ms) | speed-up |")
    print(f"|---|---:|---|---|---:|---:|---:|")
    for name, threads, kind, step, tl, tb in rows:
        print(f"| {name} | {threads} | {kind} | {step} | {tl:.1f} | {tb:.1f} | {tl / tb:.2f}x |")

if __name__ == '__main__': main()
