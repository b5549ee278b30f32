"""Lesson 01 · compute: pure, seeded experiments that return frozen results (what tests assert on).

* :func:`run_fit` trains one MLP on a small noisy 2-D set and measures the generalization gap;
  :func:`run_capacity_sweep` and :func:`run_learning_curve` repeat it over sizes;
* :func:`run_random_labels` is Zhang et al. (2017): a network memorizes shuffled labels;
* :func:`run_toolbox` compares L2, dropout, early stopping and augmentation with the baseline;
* :func:`run_double_descent` is Belkin et al. (2019) with random cosine features on digits;
* :func:`run_cross_validation` shows how much one validation split can mislead.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from dltutor import data as _data
from dltutor._backend import keras
from dltutor._checks import check_float, check_int
from dltutor.env import jitter
from dltutor.models import build_mlp
from dltutor.training import train, train_many

L2S = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)  # the weight decays the lesson (and its L2 slider) offers
N_VAL = 500  # validation points for the 2-D set: a precise score (+-2 points), a cheap pass


def make_small_moons(n_train=60, *, noise=0.35, seed=0):
    """A deliberately small, noisy two-moons training set and a large validation set.

    Returns a :class:`dltutor.data.Dataset` with ``n_train`` training points and 500
    validation points (``X_test``, ``y_test``) from the same distribution.
    """
    n_train = check_int("n_train", n_train, low=10, high=5000)
    total = n_train + 1000                  # draw 1000, keep N_VAL: the same training points
    d = _data.make_moons(total, noise=noise, test_size=1000 / total, seed=seed)
    return dataclasses.replace(d, name="small moons", X_test=d.X_test[:N_VAL], y_test=d.y_test[:N_VAL],
                               description=f"{n_train} noisy moons (noise {noise}) + {N_VAL} validation")


def add_label_noise(y, fraction, *, n_classes, seed=0):
    """Replace a ``fraction`` of the labels by uniformly random ones (1.0: all labels random)."""
    fraction = check_float("label_noise", fraction, low=0.0, high=1.0)
    rng = np.random.default_rng([seed, 7])
    y = np.array(y, copy=True)
    flip = rng.random(len(y)) < fraction
    y[flip] = rng.integers(0, n_classes, flip.sum())
    return y


def augment(X, y, *, copies=8, jitter=0.3, seed=0):
    """Data augmentation: ``copies`` perturbed copies of every example, plus the originals.

    8x8 digit images (64 features) are shifted by one pixel (up, down, left or right) with a
    little noise; other data (2-D points) get small Gaussian jitter.

    Returns ``X (n * (copies + 1), d)``, ``y`` likewise.
    """
    rng = np.random.default_rng([seed, 11])
    X = np.asarray(X, "float32")
    out = [X]
    for k in range(copies):
        if X.shape[1] == 64:
            img = X.reshape(-1, 8, 8)
            axis, step = [(1, 1), (1, -1), (2, 1), (2, -1)][k % 4]
            shifted = np.roll(img, step, axis=axis)
            edge = (0 if step == 1 else -1)
            if axis == 1:
                shifted[:, edge, :] = 0
            else:
                shifted[:, :, edge] = 0
            out.append(shifted.reshape(len(X), 64) + rng.normal(0, 0.03, X.shape).astype("float32"))
        else:
            out.append(X + rng.normal(0, jitter * X.std(0), X.shape).astype("float32"))
    return np.concatenate(out), np.tile(np.asarray(y), copies + 1)


# --- one fit ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FitResult:
    """One training run and its generalization gap.

    ``train_accuracy`` and ``val_accuracy`` are measured after training, in inference mode,
    on the original (un-augmented) training set and on the validation set. ``gap`` is their
    difference in percentage points.
    """

    label: str
    history: dict
    train_accuracy: float
    val_accuracy: float
    best_epoch: int
    stop_reason: str | None
    message: str
    params: dict
    model: object = dataclasses.field(repr=False, compare=False)
    data: object = dataclasses.field(repr=False, compare=False)
    y_train: object = dataclasses.field(default=None, repr=False, compare=False)  # labels trained on

    @property
    def gap(self):
        return 100.0 * (self.train_accuracy - self.val_accuracy)

    def summary(self):
        return (f"{self.label}: train {self.train_accuracy:.0%}, validation {self.val_accuracy:.0%}, "
                f"gap {self.gap:.0f} points")


def _accuracy(model, X, y):
    return float((np.asarray(model(X, training=False)).argmax(1) == y).mean())


def run_fit(data=None, *, depth=2, width=256, epochs=300, learning_rate=0.01, l2=0.0, dropout=0.0,
            early_stopping=False, augmentation=False, label_noise=0.0, seed=0, label=None,
            callbacks=(), stop=None, pool=None, lr_decay="cosine"):
    """Train an MLP on ``data`` (default: :func:`make_small_moons`) and measure the gap.

    Parameters
    ----------
    data : Dataset, optional
    depth, width : int
        Hidden layers and units per layer: the model's capacity.
    epochs : int
    learning_rate : float
        Adam, full batch.
    lr_decay : {"cosine", None}
        The rate falls to 0 over the epochs (:func:`dltutor.train`'s ``lr_decay``). At a constant
        rate Adam's steps at a near-zero loss knocked the training accuracy of seeds 5 and 6 down
        to 85-98% for a few epochs late in the run (one CI run ended at 93%); decayed, every seed
        stayed at 100% over epochs 200-300 (seeds 0-9, five machines).
    l2 : float
        Weight decay on every kernel (``kernel_regularizer=keras.regularizers.L2(l2)``).
    dropout : float
        Dropout rate after every hidden layer (``keras.layers.Dropout(dropout)``).
    early_stopping : bool
        ``keras.callbacks.EarlyStopping(monitor="val_loss", patience=30, restore_best_weights=True)``.
    augmentation : bool
        Train on :func:`augment` copies of the training set.
    label_noise : float in [0, 1]
        Share of training labels replaced by random ones (1.0: random labels).
    seed : int
    pool : dltutor.models.ModelPool, optional
        Reuse models (and their compiled training step) across calls: what widgets do.

    Returns
    -------
    FitResult
    """
    data = make_small_moons(seed=seed) if data is None else data
    X, y = data.X_train, data.y_train
    if label_noise:
        y = add_label_noise(y, label_noise, n_classes=data.n_classes, seed=seed)
    X_fit, y_fit = augment(X, y, seed=seed) if augmentation else (X, y)
    if pool is not None:
        model = pool.get(data.n_features, data.n_classes, depth=depth, width=width, l2=l2,
                         dropout=dropout, seed=seed)
    else:
        model = build_mlp(data.n_features, data.n_classes, depth=depth, width=width, l2=l2,
                          dropout=dropout, seed=seed)
    cbs = list(callbacks)
    if early_stopping:
        cbs.insert(0, keras.callbacks.EarlyStopping(monitor="val_loss", patience=30,
                                                    restore_best_weights=True))
    result = train(model, X_fit, y_fit, epochs=epochs, learning_rate=learning_rate, lr_decay=lr_decay,
                   validation_data=(data.X_test, data.y_test), callbacks=cbs, seed=seed, stop=stop)
    hist = {k: list(v) for k, v in result.history.history.items()}
    best = int(np.argmin(hist["val_loss"])) + 1 if hist.get("val_loss") else 0
    params = dict(depth=depth, width=width, epochs=epochs, learning_rate=learning_rate, l2=l2,
                  dropout=dropout, early_stopping=early_stopping, augmentation=augmentation,
                  label_noise=label_noise, lr_decay=lr_decay, seed=seed, n_train=len(X))
    return FitResult(label or f"{depth}x{width} MLP", hist, _accuracy(model, X, y),
                     _accuracy(model, data.X_test, data.y_test), best, result.stop_reason,
                     result.message, params, model, data, y)


# --- sweeps -------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CapacitySweep:
    """Train and validation accuracy ``(len(widths),)`` against the hidden width."""

    widths: tuple
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    n_train: int

    @property
    def gap(self):
        return 100.0 * (self.train_accuracy - self.val_accuracy)


def run_capacity_sweep(widths=(2, 8, 32, 128, 512), *, n_train=60, noise=0.35, depth=2, epochs=300,
                       seed=0):
    """:func:`run_fit` for each hidden width on the same small data set."""
    data = make_small_moons(n_train, noise=noise, seed=seed)
    fits = [run_fit(data, depth=depth, width=w, epochs=epochs, seed=seed) for w in widths]
    return CapacitySweep(tuple(widths), np.array([f.train_accuracy for f in fits]),
                         np.array([f.val_accuracy for f in fits]), n_train)


@dataclasses.dataclass(frozen=True)
class LearningCurve:
    """Train and validation accuracy ``(len(sizes),)`` against the training-set size."""

    sizes: tuple
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    width: int

    @property
    def gap(self):
        return 100.0 * (self.train_accuracy - self.val_accuracy)


def run_learning_curve(sizes=(20, 40, 80, 160, 320, 640), *, width=256, depth=2, noise=0.35,
                       epochs=300, seed=0):
    """The same (large) model trained on more and more data: the gap narrows."""
    train_acc, val_acc = [], []
    for n in sizes:
        fit = run_fit(make_small_moons(n, noise=noise, seed=seed), depth=depth, width=width,
                      epochs=epochs, seed=seed)
        train_acc.append(fit.train_accuracy)
        val_acc.append(fit.val_accuracy)
    return LearningCurve(tuple(sizes), np.array(train_acc), np.array(val_acc), width)


def run_random_labels(*, fraction=1.0, width=512, epochs=150, learning_rate=0.003, batch_size=128,
                      seed=0, callbacks=(), stop=None):
    """Zhang et al. (2017) on digits: an MLP fits labels that carry no information at all.

    A ``fraction`` of the 1347 training labels is replaced by random labels (1.0: all of them);
    the validation labels stay true. Returns a :class:`FitResult`; ``params["chance"]`` is the
    accuracy of guessing (0.1).
    """
    data = _data.load_digits(seed=seed)
    y = add_label_noise(data.y_train, fraction, n_classes=10, seed=seed)
    model = build_mlp(64, 10, depth=1, width=width, seed=seed)
    result = train(model, data.X_train, y, epochs=epochs, learning_rate=learning_rate,
                   batch_size=batch_size, validation_data=(data.X_test, data.y_test),
                   callbacks=callbacks, seed=seed, stop=stop)
    hist = {k: list(v) for k, v in result.history.history.items()}
    best = int(np.argmin(hist["val_loss"])) + 1 if hist else 0
    params = dict(width=width, epochs=epochs, label_noise=fraction, seed=seed, chance=0.1)
    return FitResult(f"{fraction:.0%} random labels", hist, _accuracy(model, data.X_train, y),
                     _accuracy(model, data.X_test, data.y_test), best, result.stop_reason,
                     result.message, params, model, data, y)


@dataclasses.dataclass(frozen=True)
class Toolbox:
    """The baseline and each remedy, by name -> :class:`FitResult`."""

    fits: dict

    @property
    def gaps(self):
        return {name: fit.gap for name, fit in self.fits.items()}


TOOLBOX = {
    "baseline": {},
    "L2 weight decay": {"l2": 3e-3},
    "dropout": {"dropout": 0.7},       # 0.5 narrowed the gap by -0.4 to 22 points over seeds and machines
    "early stopping": {"early_stopping": True},
    "augmentation": {"augmentation": True},
}


def run_toolbox(*, n_train=60, noise=0.35, depth=2, width=256, epochs=300, seed=0):
    """Train the overfitting model once plainly and once with each remedy (same data, seed)."""
    data = make_small_moons(n_train, noise=noise, seed=seed)
    return Toolbox({name: run_fit(data, depth=depth, width=width, epochs=epochs, seed=seed,
                                  label=name, **kw) for name, kw in TOOLBOX.items()})


@dataclasses.dataclass(frozen=True)
class DoubleDescent:
    """Test error ``(len(n_features),)`` of minimum-norm random-feature regression on digits."""

    n_features: tuple
    test_error: np.ndarray
    train_error: np.ndarray
    n_train: int

    @property
    def peak(self):
        return self.n_features[int(np.argmax(self.test_error))]


def run_double_descent(n_features=(50, 100, 200, 400, 800, 1100, 1250, 1347, 1450, 1600, 2000, 3000, 4000),
                       *, scale=3.0, seed=0):
    """Belkin et al. (2019): test error against model size rises near the interpolation threshold.

    Features ``cos(x @ W + b)`` with random ``W ~ N(0, (scale / 8)^2)``, ``b ~ U(0, 2 pi)``; the
    weights on top are the minimum-norm least-squares fit to one-hot labels
    (``numpy.linalg.lstsq``). With ``p`` features and ``n = 1347`` training images the fit
    interpolates once ``p >= n``; the test error peaks at ``p = n`` and falls again beyond.

    The solves use one BLAS thread: on 2 idle cores that is 7 s instead of 5 s, but when the
    cores are busy (a grading server, a shared Binder CPU) two OpenBLAS threads took 29-82 s
    against 7-14 s for one (measured on the project's 2-core machine with two busy processes).
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - comes with scikit-learn

    with threadpool_limits(limits=1, user_api="blas"):
        return _double_descent(n_features, scale, seed)


def _double_descent(n_features, scale, seed):
    d = _data.load_digits(seed=seed)
    X, Xt = d.X_train.astype(float), d.X_test.astype(float)
    Y = np.eye(10)[d.y_train]
    rng = np.random.default_rng(seed)
    p_max = max(n_features)
    W_all = jitter(rng.normal(scale=scale / 8.0, size=(64, p_max)), seed)
    b_all = rng.uniform(0, 2 * np.pi, p_max)
    test_err, train_err = [], []
    for p in n_features:
        p = check_int("n_features", p, low=1)
        F, Ft = np.cos(X @ W_all[:, :p] + b_all[:p]), np.cos(Xt @ W_all[:, :p] + b_all[:p])
        beta = np.linalg.lstsq(F, Y, rcond=None)[0]
        train_err.append(float((np.argmax(F @ beta, 1) != d.y_train).mean()))
        test_err.append(float((np.argmax(Ft @ beta, 1) != d.y_test).mean()))
    return DoubleDescent(tuple(n_features), np.array(test_err), np.array(train_err), len(X))


@dataclasses.dataclass(frozen=True)
class CrossValidation:
    """Validation accuracy of many single random splits against a k-fold estimate."""

    single_split: np.ndarray     # (n_splits,) one validation score per random 80/20 split
    kfold: np.ndarray            # (k,) one score per fold
    reference: float             # accuracy on a large independent test set: the "truth"

    @property
    def kfold_mean(self):
        return float(self.kfold.mean())


def run_cross_validation(*, n_samples=200, n_splits=20, k=5, epochs=150, seed=0):
    """How far one 80/20 split can be from the truth, and what k-fold averaging buys.

    Uses a small digits subset (``n_samples`` images); all models train at once with
    :func:`dltutor.training.train_many` (``train_masks``).
    """
    from sklearn.model_selection import KFold, ShuffleSplit  # noqa: PLC0415

    d = _data.load_digits(n_train=n_samples, seed=seed)
    X, y = d.X_train, d.y_train
    split_masks = np.zeros((n_splits, len(X)), bool)
    for i, (tr, _) in enumerate(ShuffleSplit(n_splits, test_size=0.2, random_state=seed).split(X)):
        split_masks[i, tr] = True
    fold_masks = np.zeros((k, len(X)), bool)
    for i, (tr, _) in enumerate(KFold(k, shuffle=True, random_state=seed).split(X)):
        fold_masks[i, tr] = True
    masks = np.concatenate([split_masks, fold_masks])
    many = train_many(X, y, seeds=[seed] * len(masks), learning_rates=0.01, hidden=(64,),
                      epochs=epochs, train_masks=masks)
    scores = many.final("val_accuracy")
    # the reference: the same recipe on all n_samples, scored on the 450 held-out images
    ref = train_many(X, y, seeds=[seed], hidden=(64,), epochs=epochs, learning_rates=0.01,
                     validation_data=(d.X_test, d.y_test))
    return CrossValidation(scores[:n_splits], scores[n_splits:], float(ref.final("val_accuracy")[0]))


