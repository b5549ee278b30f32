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
exercises  check / hint / solution exercises
playground notebook 00's mini TensorFlow Playground
overfitting lesson 01: overfitting and generalization
gradients  lesson 02: vanishing and exploding gradients
"""
import importlib

__version__ = "0.1.0"

_SUBMODULES = ("env", "data", "models", "training", "plots", "widgets", "exercises",
               "playground", "overfitting", "gradients", "cli")
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
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _SHORTCUTS:
        module = importlib.import_module(f"{__name__}.{_SHORTCUTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'dltutor' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
