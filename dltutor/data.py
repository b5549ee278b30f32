"""Offline, seeded datasets for the lessons.

Nothing here touches the network. Data comes from scikit-learn's bundled sets, is generated, or
ships in ``datasets/`` (installed as ``dltutor.datasets``) with a checksum that is verified on load.

Every loader returns a :class:`Dataset` with ``X_train, y_train, X_test, y_test`` as NumPy arrays
(features ``float32``, labels ``int32``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import json
import pathlib

import numpy as np

from dltutor._checks import check_choice, check_float, check_int

__all__ = ["Dataset", "DATASETS", "load_dataset", "load_digits", "make_moons", "make_circles",
           "make_spirals", "make_imbalanced", "make_mnist1d", "load_mnist1d"]


@dataclasses.dataclass(frozen=True, repr=False)
class Dataset:
    """A train/test split. Shapes: ``X_train (n_train, n_features)``, ``y_train (n_train,)``."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    description: str = ""

    @property
    def n_features(self):
        return int(self.X_train.shape[1])

    @property
    def chance(self):
        """Accuracy of always guessing the most common training class."""
        counts = np.bincount(self.y_train, minlength=self.n_classes)
        return float(counts.max() / counts.sum())

    def __repr__(self):
        return (f"Dataset({self.name!r}: {len(self.X_train)} train / {len(self.X_test)} test, "
                f"{self.n_features} features, {self.n_classes} classes)")


def _split(name, X, y, *, test_size, seed, n_classes, description):
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y)
    return Dataset(name, X_tr.astype("float32"), y_tr.astype("int32"), X_te.astype("float32"),
                   y_te.astype("int32"), n_classes, description)


def _check_split(n_samples, test_size):
    n_samples = check_int("n_samples", n_samples, low=20)
    test_size = check_float("test_size", test_size, low=0.0, high=0.995, low_open=True)
    if round(n_samples * (1 - test_size)) < 2 or round(n_samples * test_size) < 2:
        raise ValueError(f"{n_samples} samples with test_size={test_size:g} leave fewer than 2 "
                         "for training or testing; use more samples or a test_size nearer 0.5.")
    return n_samples, test_size


def load_digits(*, n_train=None, test_size=0.25, seed=0):
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes), scaled to [0, 1].

    Parameters
    ----------
    n_train : int, optional
        Keep only this many training images (a stratified subset) to make overfitting easy.
        At most the full training split (1347 images with the default ``test_size``).
    test_size : float, default 0.25
    seed : int, default 0

    Returns
    -------
    Dataset
        ``X_train (n_train, 64)`` in [0, 1], ``y_train (n_train,)`` in 0..9.
    """
    from sklearn.datasets import load_digits as _load  # noqa: PLC0415

    bunch = _load()
    test_size = check_float("test_size", test_size, low=0.0, high=0.9, low_open=True)
    data = _split("digits", bunch.data / 16.0, bunch.target, test_size=test_size, seed=seed,
                  n_classes=10, description="8x8 handwritten digits (scikit-learn, bundled)")
    if n_train is None:
        return data
    n_full = len(data.X_train)
    n_train = check_int("n_train", n_train, low=10, high=n_full)
    if n_train == n_full:
        return data
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    X_tr, _, y_tr, _ = train_test_split(data.X_train, data.y_train, train_size=n_train,
                                        random_state=seed, stratify=data.y_train)
    return dataclasses.replace(data, X_train=X_tr, y_train=y_tr)


def make_moons(n_samples=200, *, noise=0.2, test_size=0.5, seed=0):
    """Two interleaving half circles (2 features, 2 classes). ``X (n, 2)``."""
    from sklearn.datasets import make_moons as _moons  # noqa: PLC0415

    n_samples, test_size = _check_split(n_samples, test_size)
    noise = check_float("noise", noise, low=0.0, high=2.0)
    X, y = _moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _split("moons", X, y, test_size=test_size, seed=seed, n_classes=2,
                  description=f"two moons, noise {noise}")


def make_circles(n_samples=200, *, noise=0.1, factor=0.5, test_size=0.5, seed=0):
    """A small circle inside a large one (2 features, 2 classes). ``X (n, 2)``."""
    from sklearn.datasets import make_circles as _circles  # noqa: PLC0415

    n_samples, test_size = _check_split(n_samples, test_size)
    noise = check_float("noise", noise, low=0.0, high=2.0)
    X, y = _circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return _split("circles", X * 1.5, y, test_size=test_size, seed=seed, n_classes=2,
                  description=f"two circles, noise {noise}")


def make_spirals(n_samples=200, *, noise=0.1, turns=1.5, test_size=0.5, seed=0):
    """Two interleaved spirals, TensorFlow Playground's hardest set. ``X (n, 2)``."""
    n_samples, test_size = _check_split(n_samples, test_size)
    noise = check_float("noise", noise, low=0.0, high=2.0)
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    y = np.r_[np.zeros(n0, int), np.ones(n_samples - n0, int)]
    t = np.sqrt(rng.uniform(0.05, 1.0, n_samples))        # denser near the centre
    angle = 2 * np.pi * turns * t + np.pi * y
    X = np.c_[t * np.cos(angle), t * np.sin(angle)] * 2.0
    X += rng.normal(scale=noise, size=X.shape)
    return _split("spirals", X, y, test_size=test_size, seed=seed, n_classes=2,
                  description=f"two spirals, noise {noise}")


def make_imbalanced(n_samples=2000, *, ratio=0.05, n_features=8, class_sep=1.0, test_size=0.3,
                    seed=0):
    """A binary tabular set whose minority class (label 1) is a ``ratio`` share of the samples.

    Parameters
    ----------
    ratio : float, default 0.05
        Share of the minority class, in (0, 0.5]. 0.05 means 1 positive in 20.

    Returns
    -------
    Dataset
        ``X_train (n, n_features)``; the split is stratified so both parts keep the ratio.
    """
    from sklearn.datasets import make_classification  # noqa: PLC0415

    n_samples, test_size = _check_split(n_samples, test_size)
    ratio = check_float("ratio", ratio, low=0.0, high=0.5, low_open=True)
    n_features = check_int("n_features", n_features, low=2, high=100)
    if ratio * n_samples * min(test_size, 1 - test_size) < 2:
        raise ValueError(f"ratio={ratio} leaves fewer than 2 minority samples in a split of "
                         f"{n_samples}: raise n_samples or ratio.")
    X, y = make_classification(n_samples=n_samples, n_features=n_features,
                               n_informative=max(2, n_features // 2), n_redundant=0,
                               weights=[1 - ratio, ratio], class_sep=class_sep, flip_y=0,
                               random_state=seed)
    return _split("imbalanced", X, y, test_size=test_size, seed=seed, n_classes=2,
                  description=f"binary, minority share {ratio:.1%}")


# --- MNIST-1D ------------------------------------------------------------------------------
# A procedural 1-D digit set after Greydanus (2020), "Scaling down deep learning": each class is a
# short hand-drawn 1-D template; samples are the template padded, scaled, sheared, shifted,
# smoothed noise added, and resampled to 40 points. Small enough that an MLP trains in seconds on
# a CPU, hard enough that models differ. These templates are our own drawing, not the paper's.
_TEMPLATES = np.array([
    [0, 2, 3, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3, 2, 0],      # 0: a wide plateau
    [0, -2, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 0, 0],     # 1: a dip, then a slow ramp
    [0, 2, 3, 3, 2, 0.5, -0.5, -2, -3, -3, -2, 0],         # 2: up then down
    [0, 2, 3, 3, 2, 0, 0, 2, 3, 3, 2, 0],                  # 3: two humps
    [0, -1, -2, -3, -4, -4, 0, 0, 0, 0, 0, 0],             # 4: a cliff
    [0, -3, -3, -3, -3, 0, 2, 3, 3, 2, -1, 0],             # 5: a trough then a hump
    [0, -2, -3, -3.5, -4, -4, -4, -4, -3.5, -3, -2, 0],    # 6: a wide valley
    [0, 4, 4, 3.2, 2.4, 1.6, 0.8, 0, -0.8, -1.6, 0, 0],    # 7: a spike, then a long descent
    [0, -2, -3, -3, -2, 0, 0, -2, -3, -3, -2, 0],          # 8: two dips
    [0, -2, -3, -3, -2, 0, 0, 0, 0, 0.6, 1.4, 0],          # 9: a dip and a small tail
], dtype=float)
_MNIST1D_LENGTH = 40


def make_mnist1d(n_samples=5000, *, test_size=0.2, noise=0.25, seed=0):
    """Generate MNIST-1D-style signals: 10 classes, 40 features.

    Parameters
    ----------
    n_samples : int, default 5000
    noise : float, default 0.25
        Standard deviation of the smoothed (correlated) noise; i.i.d. noise is a quarter of it.
    seed : int, default 0

    Returns
    -------
    Dataset
        ``X_train (n_train, 40)`` float32, ``y_train (n_train,)`` in 0..9.
    """
    n_samples, test_size = _check_split(n_samples, test_size)
    noise = check_float("noise", noise, low=0.0, high=5.0)
    rng = np.random.default_rng(seed)
    templates = (_TEMPLATES - _TEMPLATES.mean(1, keepdims=True)) / _TEMPLATES.std()
    y = np.arange(n_samples) % 10
    rng.shuffle(y)
    grid = np.linspace(-1, 1, _MNIST1D_LENGTH)
    X = np.empty((n_samples, _MNIST1D_LENGTH))
    kernel = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)
    kernel /= kernel.sum()
    for i, label in enumerate(y):
        t = templates[label]
        # place the 12-point pattern on a random stretch of the 40-point grid
        scale = rng.uniform(0.55, 0.85)                       # width of the pattern on the grid
        shift = rng.uniform(-1 + scale, 1 - scale)
        pos = np.linspace(shift - scale, shift + scale, len(t))
        signal = np.interp(grid, pos, t, left=0.0, right=0.0)
        signal *= rng.uniform(0.8, 1.2)                       # amplitude
        signal += rng.uniform(-0.6, 0.6) * grid               # shear
        smooth = np.convolve(rng.normal(size=_MNIST1D_LENGTH + 12), kernel, mode="valid")
        signal += noise * smooth / smooth.std() + 0.25 * noise * rng.normal(size=_MNIST1D_LENGTH)
        X[i] = signal
    return _split("mnist1d", X, y, test_size=test_size, seed=seed, n_classes=10,
                  description="MNIST-1D-style signals (after Greydanus 2020), generated")


def _datasets_dir():
    """``datasets/`` in a source checkout, else the installed package data ``dltutor.datasets``."""
    source = pathlib.Path(__file__).resolve().parent.parent / "datasets"
    if (source / "manifest.json").is_file():
        return source
    return importlib.resources.files("dltutor.datasets")


def _manifest():
    return json.loads((_datasets_dir() / "manifest.json").read_text())


def sha256(path):
    """Hex SHA-256 of a file (or a ``Traversable``)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_mnist1d(*, n_train=None):
    """The shipped MNIST-1D-style set: 4000 train / 1000 test signals of 40 points, 10 classes.

    The file ``datasets/mnist1d.npz`` was made by ``datasets/make_mnist1d.py`` (seed 0); its
    SHA-256 is checked against ``datasets/manifest.json`` on every load.

    Parameters
    ----------
    n_train : int, optional
        Keep only the first ``n_train`` training signals (at most 4000).
    """
    entry = _manifest()["mnist1d.npz"]
    path = _datasets_dir() / "mnist1d.npz"
    digest = sha256(path)
    if digest != entry["sha256"]:
        raise OSError(f"datasets/mnist1d.npz is corrupted (sha256 {digest[:12]}..., expected "
                      f"{entry['sha256'][:12]}...). Regenerate it: python datasets/make_mnist1d.py")
    with path.open("rb") as fh, np.load(fh) as z:
        arrays = {k: z[k] for k in ("X_train", "y_train", "X_test", "y_test")}
    data = Dataset("mnist1d", arrays["X_train"].astype("float32"), arrays["y_train"].astype("int32"),
                   arrays["X_test"].astype("float32"), arrays["y_test"].astype("int32"), 10,
                   "MNIST-1D-style signals (after Greydanus 2020), shipped")
    if n_train is not None:
        n_train = check_int("n_train", n_train, low=10, high=len(data.X_train))
        data = dataclasses.replace(data, X_train=data.X_train[:n_train],
                                   y_train=data.y_train[:n_train])
    return data


DATASETS = {
    "digits": load_digits,
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
    "imbalanced": make_imbalanced,
    "mnist1d": load_mnist1d,
}


def load_dataset(name, **kwargs):
    """Any dataset by name: ``load_dataset("moons", noise=0.3, seed=1)``.

    Names: ``digits``, ``moons``, ``circles``, ``spirals``, ``imbalanced``, ``mnist1d``. Keyword
    arguments go to the loader (see each loader's docstring).
    """
    check_choice("dataset", name, tuple(DATASETS))
    return DATASETS[name](**kwargs)
