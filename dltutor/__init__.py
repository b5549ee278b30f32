"""dltutor: see the hard parts of deep learning happen, live, in Jupyter.

Importing ``dltutor`` is cheap and changes no global state: TensorFlow, matplotlib and
ipywidgets are imported only when a submodule that needs them is first used.

>>> import dltutor
>>> dltutor.__version__
'0.1.0'

Submodules
----------
env        doctor(), seed_everything(): what runs where, and reproducibility
data       offline datasets: digits, 2-D toy sets, an imbalanced set, MNIST-1D
models     build_mlp(): the Keras models the lessons train
training   train(), train_many(): a compiled training loop, many small models at once
plots      Display objects (compute once, ``.plot(ax=None)``)
widgets    LiveFigure and the Explorer base class
exercises  check / hint / solution exercises (the machinery; ``lesson("01")`` finds a set)

Lessons, one folder each (compute, display, explorer, exercises), imported on first use:
playground (00), overfitting (01), gradients (02), ... ``from dltutor import overfitting as of``.
"""
import importlib
import importlib.util
import pkgutil

__version__ = "0.1.0"

_SUBMODULES = ("env", "data", "models", "training", "plots", "widgets", "exercises", "cli")
# Curated shortcuts: dltutor.<name> -> dltutor.<module>.<name>
_SHORTCUTS = {
    "doctor": "env",
    "seed_everything": "env",
    "load_dataset": "data",
    "build_mlp": "models",
    "train": "training",
    "train_many": "training",
}

__all__ = ["__version__", *_SUBMODULES, *_SHORTCUTS]


def __getattr__(name):
    if name in _SUBMODULES or name in _lessons():
        return importlib.import_module(f"{__name__}.{name}")
    if name in _SHORTCUTS:
        module = importlib.import_module(f"{__name__}.{_SHORTCUTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'dltutor' has no attribute {name!r}")


def _lessons():
    """The lesson folders (sub-packages), found on disk: no list here names them."""
    return [m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and m.name != "datasets"]


def __dir__():
    return sorted([*__all__, *_lessons()])
