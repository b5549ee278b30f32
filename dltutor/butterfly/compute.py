"""Lesson 05 · compute: the butterfly effect of hyperparameters and seeds.

Dozens to thousands of training runs per figure, so nearly everything here goes through
:func:`dltutor.training.train_many` (many small networks trained as one batched model) on the
bundled 8x8 digits. The data split stays fixed (``make_data``); a lesson ``seed`` picks the
initial weights and the order in which examples are shown.

* :func:`run_seed_spread`: same recipe, many seeds: the spread of test accuracy and how often
  two seeds disagree; :func:`determinism_cost`: what ``enable_op_determinism`` costs here;
* :func:`run_nudge`: a 1% learning-rate change or one flipped bit, and how far apart the two
  trajectories drift (:func:`flip_lowest_bit`);
* :func:`run_lr_batch`: learning rate x batch size;
* :func:`run_fractal`: the trainable/untrainable boundary over two per-layer learning rates
  (Sohl-Dickstein 2024), and :func:`boundary_dimension`, a box-counting estimate;
* :func:`run_search` (grid vs random search, Bergstra & Bengio 2012) and
  :func:`run_validation_trap` (the best of many models on a small validation set).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from dltutor._backend import quiet_native_stderr, tf
from dltutor._checks import check_choice, check_float, check_int
from dltutor.data import load_digits
from dltutor.env import jitter
from dltutor.training import StopTraining, initial_weights, train_many

HIDDEN = (64,)
SEED_EPOCHS, SEED_BATCH, SEED_LR = 20, 64, 0.01           # section 1: Adam
NUDGE_EPOCHS, NUDGE_LR = 200, 1.0                         # section 2: full-batch gradient descent
LR_BATCH_EPOCHS = 20                                      # section 3: SGD
LEARNING_RATES = tuple(float(v) for v in np.round(np.logspace(-2, 1, 10), 4))
BATCH_SIZES = (16, 64, 256)
NUDGES = {"learning_rate": "learning rate × 1.01", "bit": "one bit of one initial weight"}

# section 4: a one-hidden-layer tanh network, mean-field parameterisation, full-batch descent
FRACTAL_WIDTH, FRACTAL_STEPS, FRACTAL_CHUNK = 16, 100, 20
FRACTAL_CENTER = (2.0, 2.1)       # log10 of (input-layer, output-layer) learning rate
FRACTAL_SPAN = (4.0, 1.0)         # decades shown at zoom 1, along each axis
FRACTAL_RESOLUTIONS = (32, 48, 64, 96, 128)
FRACTAL_BLOCK = 4096                # networks trained together (about 0.3 GB at 4096)


def make_data(seed=0):
    """The 8x8 digits, pixels in [0, 1]: 1347 training and 450 test images (split by ``seed``)."""
    return load_digits(seed=check_int("seed", seed, low=0))


def _check_seed(seed):
    return check_int("seed", seed, low=0, high=2**31 - 1)


# --- 1. same recipe, different seed ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SeedSpread:
    """Final test accuracy of ``n`` identical recipes that differ only in their seed."""

    seeds: np.ndarray
    accuracy: np.ndarray          # (n,)
    predictions: np.ndarray       # (n, n_test) predicted labels
    history: dict                 # train_many's history, (n, epochs)
    seconds: float

    @property
    def spread(self):
        """Highest minus lowest accuracy, in points."""
        return 100 * float(self.accuracy.max() - self.accuracy.min())

    @property
    def sd(self):
        """Standard deviation of the accuracy across seeds, in points."""
        return 100 * float(self.accuracy.std(ddof=1))

    @property
    def disagreement(self):
        """``(n, n)``: the share of test images two seeds label differently."""
        p = self.predictions
        return (p[:, None, :] != p[None, :, :]).mean(axis=2)

    @property
    def mean_disagreement(self):
        d = self.disagreement
        return float(d[~np.eye(len(d), dtype=bool)].mean())


def run_seed_spread(n_seeds=20, *, seed=0, epochs=SEED_EPOCHS, batch_size=SEED_BATCH,
                    learning_rate=SEED_LR, stop=None, callbacks=()):
    """Train ``n_seeds`` copies of one recipe (seeds ``seed .. seed + n_seeds - 1``) at once."""
    n_seeds = check_int("number of seeds", n_seeds, low=2, high=1000)
    seed = _check_seed(seed)
    data = make_data()
    seeds = list(range(seed, seed + n_seeds))
    many = train_many(data.X_train, data.y_train, seeds=seeds, learning_rates=learning_rate,
                      hidden=HIDDEN, epochs=epochs, batch_size=batch_size,
                      validation_data=(data.X_test, data.y_test), stop=stop, callbacks=callbacks)
    if many.diverged.any():
        raise ValueError(f"{int(many.diverged.sum())} of the {n_seeds} runs diverged: lower the "
                         "learning rate.")
    pred = many.predict(data.X_test).argmax(-1)
    acc = (pred == data.y_test[None]).mean(axis=1)
    return SeedSpread(np.asarray(seeds), acc, pred, many.history, many.seconds)


def determinism_cost(*, n_seeds=20, repeats=2, seed=0):
    """Seconds for :func:`run_seed_spread` without and with ``tf.config.experimental.enable_op_determinism``.

    Returns ``{"default": s, "deterministic": s, "identical": bool}`` (best of ``repeats``), and
    whether both settings gave bit-identical accuracies. Op determinism is switched off again
    afterwards when it was off before.
    """
    from tensorflow.python.framework import config as tf_config  # noqa: PLC0415 - no public "off"

    was_on = tf_config.is_op_determinism_enabled()
    times, results = {}, {}
    try:
        for label, on in (("default", False), ("deterministic", True)):
            (tf_config.enable_op_determinism if on else tf_config.disable_op_determinism)()
            best = np.inf
            for _ in range(check_int("repeats", repeats, low=1, high=10)):
                start = time.perf_counter()
                results[label] = run_seed_spread(n_seeds, seed=seed)
                best = min(best, time.perf_counter() - start)
            times[label] = best
    finally:
        (tf_config.enable_op_determinism if was_on else tf_config.disable_op_determinism)()
    return {**times, "identical": bool(np.array_equal(results["default"].predictions,
                                                      results["deterministic"].predictions))}


# --- 2. a tiny change ---------------------------------------------------------------------------------

def flip_lowest_bit(x):
    """The float32 next to ``x`` that differs from it in the lowest bit of the mantissa."""
    bits = np.asarray(x, dtype=np.float32).reshape(1).view(np.uint32) ^ np.uint32(1)
    return bits.view(np.float32)[0]


@dataclasses.dataclass(frozen=True)
class Nudge:
    """Two runs that differ by one tiny change: their losses and the distance between them."""

    change: str
    loss: np.ndarray              # (2, epochs)
    accuracy: np.ndarray          # (2, epochs) training accuracy
    distance: np.ndarray          # (epochs + 1,) L2 distance between the two parameter vectors
    val_accuracy: np.ndarray      # (2,) final test accuracy

    @property
    def first(self):
        """The first non-zero distance: where the change shows (after step 1 for a learning rate)."""
        return float(self.distance[0] if self.distance[0] > 0 else self.distance[1])

    @property
    def growth(self):
        """How many times the distance grew from :attr:`first` to the end of training."""
        return float(self.distance[-1] / self.first)


def run_nudge(change="learning_rate", *, seed=0, epochs=NUDGE_EPOCHS, learning_rate=NUDGE_LR, stop=None,
              callbacks=()):
    """Train a network twice, the second time with one tiny change, by full-batch gradient descent.

    ``change="learning_rate"`` multiplies the second run's learning rate by 1.01;
    ``change="bit"`` flips the lowest bit of one first-layer weight (a change of about 1e-8).
    """
    check_choice("change", change, tuple(NUDGES))
    seed = _check_seed(seed)
    learning_rate = check_float("learning_rate", learning_rate, low=0.0, high=10.0, low_open=True)
    data = make_data()
    start = initial_weights([seed, seed], (64, *HIDDEN, 10))
    lrs = [learning_rate, learning_rate]
    if change == "learning_rate":
        lrs[1] *= 1.01
    else:
        start[0][1, 10, 5] = flip_lowest_bit(start[0][1, 10, 5])
    many = train_many(data.X_train, data.y_train, seeds=[seed, seed], learning_rates=lrs, hidden=HIDDEN,
                      optimizer="sgd", epochs=epochs, initial_weights=start, record_params=True,
                      validation_data=(data.X_test, data.y_test), stop=stop, callbacks=callbacks)
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.linalg.norm(many.params[0].astype("float64") - many.params[1], axis=1)
    return Nudge(change, many.history["loss"], many.history["accuracy"], distance,
                 many.history["val_accuracy"][:, -1] if many.history["val_accuracy"].shape[1] else np.zeros(2))


# --- 3. learning rate x batch size ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class LrBatch:
    """Test accuracy over a learning-rate x batch-size grid (``accuracy[seed, batch, lr]``)."""

    seeds: tuple
    learning_rates: tuple
    batch_sizes: tuple
    accuracy: np.ndarray          # (n_seeds, n_batch, n_lr); NaN where the run diverged

    def trained(self, level=0.9):
        """Bool ``(n_seeds, n_batch, n_lr)``: the run reached ``level`` test accuracy."""
        return np.nan_to_num(self.accuracy, nan=0.0) >= level

    def smallest_lr(self, level=0.9):
        """``(n_seeds, n_batch)``: the smallest learning rate that reaches ``level`` (NaN: none)."""
        lrs = np.asarray(self.learning_rates)
        ok = self.trained(level)
        return np.where(ok.any(-1), lrs[np.argmax(ok, axis=-1)], np.nan)

    def cliff(self, level=0.2):
        """``(n_seeds, n_batch)``: the smallest learning rate above which every run fails (<= ``level``)."""
        lrs = np.asarray(self.learning_rates)
        works = np.nan_to_num(self.accuracy, nan=0.0) > level
        last = len(lrs) - 1 - np.argmax(works[..., ::-1], axis=-1)       # last lr that still works
        return np.where(works.any(-1), lrs[np.minimum(last + 1, len(lrs) - 1)], lrs[0])


def run_lr_batch(*, seeds=(0,), learning_rates=LEARNING_RATES, batch_sizes=BATCH_SIZES,
                 epochs=LR_BATCH_EPOCHS, stop=None, progress=None):
    """SGD on the digits for every (learning rate, batch size): one batched run per batch size.

    ``progress(done, total)`` is called after each batch size; ``stop`` ends early (raising
    :class:`~dltutor.training.StopTraining`).
    """
    seeds = tuple(_check_seed(s) for s in np.atleast_1d(seeds))
    lrs = tuple(check_float("learning_rate", lr, low=0.0, high=100.0, low_open=True) for lr in learning_rates)
    sizes = tuple(check_int("batch_size", b, low=1, high=4096) for b in batch_sizes)
    data = make_data()
    acc = np.empty((len(seeds), len(sizes), len(lrs)))
    for j, b in enumerate(sizes):
        if stop is not None and stop.is_set():
            raise StopTraining
        many = train_many(data.X_train, data.y_train, seeds=[s for s in seeds for _ in lrs],
                          learning_rates=list(lrs) * len(seeds), hidden=HIDDEN, optimizer="sgd",
                          batch_size=b, epochs=epochs, validation_data=(data.X_test, data.y_test))
        final = np.where(many.diverged, np.nan, many.final("val_accuracy"))
        acc[:, j, :] = final.reshape(len(seeds), len(lrs))
        if progress is not None:
            progress(j + 1, len(sizes))
    return LrBatch(seeds, lrs, sizes, acc)


# --- 4. the fractal boundary of trainability ---------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Fractal:
    """Which (input-layer, output-layer) learning-rate pairs train, on a log-spaced grid.

    ``converged[i, j]`` is for ``lr_out[i]`` and ``lr_in[j]`` (rows: output layer).
    ``speed`` is signed: below 0 converged (more negative: faster), above 0 diverged (larger:
    sooner), for colouring.
    """

    seed: int
    lr_in: np.ndarray
    lr_out: np.ndarray
    converged: np.ndarray
    speed: np.ndarray
    steps: int
    seconds: float
    complete: bool = True

    @property
    def extent(self):
        """``(left, right, bottom, top)`` in log10 units, for ``imshow``."""
        return (np.log10(self.lr_in[0]), np.log10(self.lr_in[-1]),
                np.log10(self.lr_out[0]), np.log10(self.lr_out[-1]))

    @property
    def both_outcomes(self):
        return bool(self.converged.any() and not self.converged.all())

    @property
    def dimension(self):
        return boundary_dimension(self.converged)


def fractal_problem(seed=0, width=FRACTAL_WIDTH):
    """The data and initial weights every grid point starts from (as many points as parameters)."""
    rng = np.random.default_rng([_check_seed(seed), 5])
    n = width * width + width
    X = rng.standard_normal((n, width)).astype("float32")
    y = rng.standard_normal((n, 1)).astype("float32")
    W1 = jitter(rng.standard_normal((width, width)).astype("float32"), seed, 0)
    W2 = jitter(rng.standard_normal((width, 1)).astype("float32"), seed, 1)
    return X, y, W1, W2


@tf.function(jit_compile=True, reduce_retracing=True)
def _descend(W1, W2, lr_in, lr_out, X, y, steps):
    """``steps`` of full-batch gradient descent for every grid point at once.

    ``W1`` ``(G, d, h)``, ``W2`` ``(G, h, 1)``, learning rates ``(G, 1, 1)``; returns the new weights
    and the loss before each step ``(G, steps)``. Mean-field: ``f(x) = W2 . tanh(sqrt(2) W1 x / sqrt(d)) / h``.
    """
    d = tf.cast(tf.shape(X)[1], tf.float32)
    h = tf.cast(tf.shape(W1)[2], tf.float32)
    n = tf.cast(tf.shape(X)[0], tf.float32)
    root2 = np.float32(np.sqrt(2))
    losses = tf.TensorArray(tf.float32, size=steps)
    for i in tf.range(steps):
        hidden = tf.tanh(root2 * tf.einsum("nd,gdh->gnh", X, W1) / tf.sqrt(d))      # (G, n, h)
        err = tf.einsum("gnh,gho->gno", hidden, W2) / h - y                         # (G, n, 1)
        losses = losses.write(i, tf.reduce_mean(tf.square(err), axis=[1, 2]))
        # the gradients of the mean squared error, written out (the chain rule, layer by layer)
        d_out = 2.0 * err / n
        g2 = tf.einsum("gnh,gno->gho", hidden, d_out) / h
        d_pre = tf.einsum("gno,gho->gnh", d_out, W2) / h * root2 * (1.0 - tf.square(hidden))
        g1 = tf.einsum("nd,gnh->gdh", X, d_pre) / tf.sqrt(d)
        W1, W2 = W1 - lr_in * g1, W2 - lr_out * g2
    return W1, W2, tf.transpose(losses.stack())


def fractal_view(center=FRACTAL_CENTER, zoom=1.0):
    """``(x0, x1, y0, y1)``: the log10 learning-rate window shown at ``zoom`` around ``center``."""
    cx = check_float("centre (log10 input-layer learning rate)", center[0], low=-6.0, high=8.0)
    cy = check_float("centre (log10 output-layer learning rate)", center[1], low=-6.0, high=8.0)
    zoom = check_float("zoom", zoom, low=1.0, high=1e6)
    hx, hy = FRACTAL_SPAN[0] / 2 / zoom, FRACTAL_SPAN[1] / 2 / zoom
    return cx - hx, cx + hx, cy - hy, cy + hy


def run_fractal(*, seed=0, center=FRACTAL_CENTER, zoom=1.0, resolution=64, steps=FRACTAL_STEPS,
                stop=None, progress=None):
    """Train a ``resolution`` x ``resolution`` grid of networks, one per learning-rate pair.

    Every network starts from the same weights (:func:`fractal_problem`) and does ``steps`` of
    full-batch gradient descent with its own input-layer and output-layer learning rates. A run
    *converged* when the mean of its last 20 losses is below its first loss (as in
    Sohl-Dickstein 2024). ``progress(done, total)`` is called after every chunk of steps; when
    ``stop`` is set the grid returned is marked ``complete=False``.

    float32 limits useful zooms to about 10^3-10^4: beyond that, neighbouring learning rates
    round to the same number.
    """
    resolution = check_int("resolution", resolution, low=8, high=512)
    steps = check_int("steps", steps, low=FRACTAL_CHUNK, high=5000)
    if steps % FRACTAL_CHUNK:
        raise ValueError(f"steps must be a multiple of {FRACTAL_CHUNK}, got {steps}.")
    x0, x1, y0, y1 = fractal_view(center, zoom)
    seed = _check_seed(seed)
    start = time.perf_counter()
    X, y, W1, W2 = fractal_problem(seed)
    lr_in, lr_out = np.logspace(x0, x1, resolution), np.logspace(y0, y1, resolution)
    grid_in, grid_out = np.meshgrid(lr_in, lr_out)
    g = resolution * resolution
    # at most FRACTAL_BLOCK networks at a time: memory stays bounded whatever the resolution
    n_blocks = -(-g // FRACTAL_BLOCK)
    size = -(-g // n_blocks)
    Xc, yc, k = tf.constant(X), tf.constant(y), tf.constant(FRACTAL_CHUNK)
    blocks, complete = [], True
    for i, lo in enumerate(range(0, g, size)):
        hi = min(lo + size, g)
        a = tf.constant(grid_in.reshape(g, 1, 1)[lo:hi].astype("float32"))
        b = tf.constant(grid_out.reshape(g, 1, 1)[lo:hi].astype("float32"))
        w1 = tf.constant(np.broadcast_to(W1, (hi - lo, *W1.shape)))
        w2 = tf.constant(np.broadcast_to(W2, (hi - lo, *W2.shape)))
        chunks = []
        for done in range(0, steps, FRACTAL_CHUNK):
            if stop is not None and stop.is_set():
                complete = False
                break
            with quiet_native_stderr():      # XLA's one-time start-up log lines are not for students
                w1, w2, loss = _descend(w1, w2, a, b, Xc, yc, k)
            chunks.append(loss.numpy())
            if progress is not None:
                progress(i * steps + done + FRACTAL_CHUNK, n_blocks * steps)
        if not complete:
            break
        blocks.append(np.concatenate(chunks, axis=1))
    loss = np.concatenate(blocks) if complete else np.ones((g, 1), "float32")
    converged, speed = _classify(loss)
    shape = (resolution, resolution)
    return Fractal(seed, lr_in, lr_out, converged.reshape(shape), speed.reshape(shape), loss.shape[1],
                   time.perf_counter() - start, complete)


def _classify(loss, cap=1e6):
    """Converged when the mean of the last 20 losses (relative to the first) is below 1."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        v = np.where(np.isfinite(loss), loss, cap * loss[:, :1]) / loss[:, :1]
        v = np.minimum(v, cap)
        converged = v[:, -20:].mean(axis=1) < 1
        # converged: -1 + mean relative loss (lower: faster); diverged: 1 - mean of 1/v (higher: sooner)
        speed = np.where(converged, -1 + v.mean(axis=1), 1 - (1 / v).mean(axis=1) + 1e-3)
    return converged, speed


def boundary_dimension(converged, sizes=(1, 2, 4, 8)):
    """Box-counting estimate of the dimension of the converge/diverge boundary in a grid.

    A pixel is on the boundary when a neighbour (right, below, diagonal) has the other outcome;
    ``N(s)`` counts the ``s`` x ``s`` boxes holding a boundary pixel, and the estimate is the
    slope of ``log N`` against ``log 1/s``: 1 for a smooth curve, up to 2 for one that fills
    the plane. NaN when there is no boundary.
    """
    c = np.asarray(converged, dtype=bool)
    edge = (c[1:, 1:] != c[:-1, 1:]) | (c[1:, 1:] != c[1:, :-1]) | (c[1:, 1:] != c[:-1, :-1])
    counts = []
    for s in sizes:
        m = (min(edge.shape) // s) * s
        counts.append(edge[:m, :m].reshape(m // s, s, m // s, s).any(axis=(1, 3)).sum())
    counts = np.asarray(counts, dtype=float)
    if (counts == 0).any():
        return float("nan")
    return float(-np.polyfit(np.log(sizes), np.log(counts), 1)[0])


def boundary_point(fractal):
    """The log10 ``(lr_in, lr_out)`` of the boundary pixel nearest the grid's centre (for zooming)."""
    c = fractal.converged
    edge = np.zeros_like(c)
    edge[1:, :] |= c[1:, :] != c[:-1, :]
    edge[:, 1:] |= c[:, 1:] != c[:, :-1]
    rows, cols = np.nonzero(edge)
    if not len(rows):
        raise ValueError("this view has no boundary: every run converged, or every run diverged. "
                         "Zoom out or move the centre.")
    n = c.shape[0]
    k = np.argmin((rows - n / 2) ** 2 + (cols - n / 2) ** 2)
    return float(np.log10(fractal.lr_in[cols[k]])), float(np.log10(fractal.lr_out[rows[k]]))


# --- 5. search, and the validation trap ------------------------------------------------------------

SEARCH_LR = (-3.0, 0.5)            # log10 learning-rate range searched
SEARCH_MOMENTUM = (0.0, 0.5)
SEARCH_EPOCHS, SEARCH_BATCH = 10, 64


@dataclasses.dataclass(frozen=True)
class Search:
    """Grid vs random search over (learning rate, momentum) with the same number of trials."""

    grid: np.ndarray              # (n, 2) log10 lr, momentum
    random: np.ndarray            # (n, 2)
    grid_accuracy: np.ndarray     # (n,)
    random_accuracy: np.ndarray   # (n,)
    curve_lr: np.ndarray          # log10 lr of a fine sweep at momentum 0.25 (the truth)
    curve_accuracy: np.ndarray

    @property
    def distinct_lr(self):
        """How many different learning rates each search tried: ``(grid, random)``."""
        return len(np.unique(self.grid[:, 0])), len(np.unique(self.random[:, 0]))

    @property
    def best(self):
        """Best validation accuracy found: ``(grid, random)``."""
        return float(np.nanmax(self.grid_accuracy)), float(np.nanmax(self.random_accuracy))


def run_search(*, seed=0, n_trials=9, n_curve=24, stop=None):
    """Grid and random search, ``n_trials`` each, trained with the fine sweep in one batched run."""
    seed = _check_seed(seed)
    n_trials = check_int("n_trials", n_trials, low=1, high=400)
    side = int(round(np.sqrt(n_trials)))
    if side * side != n_trials:
        raise ValueError(f"a grid needs a square number of trials (4, 9, 16, ...), got {n_trials}.")
    rng = np.random.default_rng([seed, 55])
    lr_axis = np.linspace(*SEARCH_LR, side + 2)[1:-1]          # a grid avoids the edges
    mom_axis = np.linspace(*SEARCH_MOMENTUM, side + 2)[1:-1]
    grid = np.array([(lr, mom) for lr in lr_axis for mom in mom_axis])
    random = np.column_stack([rng.uniform(*SEARCH_LR, n_trials), rng.uniform(*SEARCH_MOMENTUM, n_trials)])
    curve_lr = np.linspace(*SEARCH_LR, n_curve)
    trials = np.vstack([grid, random, np.column_stack([curve_lr, np.full(n_curve, 0.25)])])
    data = make_data()
    many = train_many(data.X_train, data.y_train, seeds=[seed] * len(trials),
                      learning_rates=10.0 ** trials[:, 0], momentum=trials[:, 1], optimizer="sgd",
                      hidden=HIDDEN, batch_size=SEARCH_BATCH, epochs=SEARCH_EPOCHS,
                      validation_data=(data.X_test, data.y_test), stop=stop)
    acc = np.where(many.diverged, 0.0, many.final("val_accuracy"))
    return Search(grid, random, acc[:n_trials], acc[n_trials:2 * n_trials], curve_lr, acc[2 * n_trials:])


@dataclasses.dataclass(frozen=True)
class ValidationTrap:
    """The best of ``k`` coin-flip predictors, chosen on a validation set of ``n_val`` labels."""

    n_val: int
    k: int
    best_val: float               # its validation accuracy
    best_test: float              # its accuracy on the untouched test set
    best_so_far: np.ndarray       # (k,) best validation accuracy among the first j + 1 models

    @property
    def optimism(self):
        return self.best_val - self.best_test


def run_validation_trap(*, n_val=100, k=1000, n_test=10_000, seed=0):
    """Pick the best of ``k`` random predictors (each label a coin flip) on ``n_val`` labels.

    The task has no signal: every predictor's true accuracy is 50%. Its validation score is the
    best of ``k`` noisy measurements; the test set, never used to choose, tells the truth.
    """
    n_val = check_int("validation size", n_val, low=1, high=1_000_000)
    k = check_int("number of models", k, low=1, high=100_000)
    n_test = check_int("test size", n_test, low=1, high=1_000_000)
    rng = np.random.default_rng([_check_seed(seed), 66])
    y_val, y_test = rng.integers(0, 2, n_val), rng.integers(0, 2, n_test)
    val_acc = np.empty(k)
    for start in range(0, k, 256):                  # chunks keep memory small for big n_val
        stop = min(start + 256, k)
        val_acc[start:stop] = (rng.integers(0, 2, (stop - start, n_val)) == y_val).mean(axis=1)
    best = int(np.argmax(val_acc))
    # the chosen model's predictions on the test set: a fresh coin flip per image, as for any model
    test_rng = np.random.default_rng([_check_seed(seed), 67, best])
    best_test = float((test_rng.integers(0, 2, n_test) == y_test).mean())
    return ValidationTrap(n_val, k, float(val_acc[best]), best_test, np.maximum.accumulate(val_acc))
