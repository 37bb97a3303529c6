#!/usr/bin/env bash
# Install spml_nb for development into the active Python environment (a venv is recommended).
# torch/torchvision are pinned as a matching pair first; then the package with its [dev] extras (nbdev 2 line).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --upgrade pip
python -m pip install -q "torch==${SPML_TORCH:-2.14.1}" "torchvision==${SPML_TORCHVISION:-0.29.1}"
python -m pip install -q -e ".[dev]"
python -c "import spml_nb, torch, fastai, nbdev; print('spml_nb', spml_nb.__version__, '| torch', torch.__version__, '| fastai', fastai.__version__, '| nbdev', nbdev.__version__)"
