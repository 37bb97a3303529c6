__version__ = "0.1.0"

import warnings
# fastai's `layers` decorates two activations with `torch.jit.script`, which torch >= 2.10 flags as deprecated at import;
# harmless (the activations work either way) and not ours to fix, so the console commands do not print it.
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
