"""Re-score two-stage run folders with the final segmenter's share of the first stage (`StageBlend`) at several values.

    OMP_NUM_THREADS=1 python bench/stage_blend.py RUN [RUN ...] --shares 0 0.25 0.5 1

Each run is scored as the console scores it (`TTA_SCALES`, each view mirrored, snapped at `VOTE_PURITY`) on its own
validation images; share 0 is the retrained segmenter alone, 1 the first stage alone. Prints one Markdown row per run.
"""
import argparse
import torch


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('runs', nargs='+', help='run folders written by spml_train --stage2')
    p.add_argument('--shares', type=float, nargs='+', default=[0., 0.25, 0.5, 1.])
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    from spml_nb.core import miou
    from spml_nb.learner import StageBlend, TTA_SCALES
    from spml_nb.overseg import VOTE_PURITY
    from spml_nb.inference import evaluate_segmenter
    from spml_nb.pipeline import load_run, run_images
    print('| run | ' + ' | '.join(f'{s:g}' for s in a.shares) + ' |\n|---|' + '---|'*len(a.shares))
    for run in a.runs:
        (m2, args, n), m1 = load_run(run, 'cpu', 2), load_run(run, 'cpu', 1)[0]
        imgs, truths, _ = run_images(args, n)
        scores = [100*miou(evaluate_segmenter(StageBlend(m2, m1, s), imgs, truths, n, None, TTA_SCALES, True, snap=VOTE_PURITY))
                  for s in a.shares]
        print(f"| {run} | " + ' | '.join(f'{v:.1f}' for v in scores) + ' |', flush=True)


if __name__ == '__main__': main()
