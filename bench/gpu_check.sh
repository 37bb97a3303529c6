#!/usr/bin/env bash
# GPU check in one run, under 8 minutes by the time limits below (not yet timed on a GPU):
#   1. the notebooks' `#| cuda` cells: `nbdev_test --flags cuda` on each notebook that has one;
#   2. one SPML training step on CUDA as training runs there (mixed precision, channels_last):
#      ResNet-101, batch 8 of 321 x 321, 21 classes, scribbles; prints steps per second and peak GPU memory.
# Usage, from anywhere, in the project's environment:  bash bench/gpu_check.sh
# Per-part time limits (seconds) can be lowered to fit a short lease: NB_TIMEOUT (default 270), BENCH_TIMEOUT (default 180).
# Python: $PYTHON if set, else `python`, else `python3` (some CUDA images have only python3).
# Without a CUDA device it stops at once with a message (exit code 2). Exit code 1: a part failed or timed out.
set -uo pipefail
cd "$(dirname "$0")/.."
NB_TIMEOUT=${NB_TIMEOUT:-270}; BENCH_TIMEOUT=${BENCH_TIMEOUT:-180}
PY=${PYTHON:-$(command -v python || command -v python3)}
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_check: torch sees no CUDA device on this machine, so there is nothing to check here;" >&2
    echo "run it on a machine with an NVIDIA GPU (and a CUDA build of torch)." >&2
    exit 2
fi
"$PY" -c "import torch; p = torch.cuda.get_device_properties(0)
print(f'{p.name}, {p.total_memory/2**30:.0f} GiB; torch {torch.__version__}, CUDA {torch.version.cuda}, bf16: {torch.cuda.is_bf16_supported()}')"
status=0
start=$SECONDS
nbs=$(grep -lE '"#\| *cuda' nbs/*.ipynb)
echo; echo "== 1. #| cuda cells in: $(echo $nbs)"
for nb in $nbs; do
    timeout "$NB_TIMEOUT" nbdev_test --flags cuda --path "$nb" || { echo "FAILED (or over $NB_TIMEOUT s): $nb"; status=1; }
done
echo "   ($((SECONDS - start)) s)"
echo; echo "== 2. training step on CUDA"
timeout "$BENCH_TIMEOUT" "$PY" bench/train_step_bench.py --device cuda --arch resnet101 --bs 8 --size 321 --classes 21 \
    --supervision scribbles --steps 10 || { echo "FAILED (or over $BENCH_TIMEOUT s): train_step_bench"; status=1; }
echo; echo "gpu_check: $([ $status = 0 ] && echo 'all passed' || echo 'FAILURES above') in $((SECONDS - start)) s"
exit $status
