"""Lesson 07 · compute: saliency maps, their sanity check, a Clever Hans model, SHAP (pure, seeded).

* the attribution methods, written out (the lesson): :func:`gradient`, :func:`gradient_x_input`,
  :func:`integrated_gradients` (trapezoid rule, zero or blurred baseline) and :func:`occlusion`;
  :func:`attribute` picks one by name; :func:`completeness_error` checks IG's promise that the
  attributions sum to ``f(x) - f(baseline)``;
* :func:`train_digits_cnn` trains the lesson's small CNN on the 8x8 digits (remembered per seed);
* :func:`run_randomization` is the sanity check of Adebayo et al. (2018): the layers are
  randomized from the top down (cascading randomization) and each method's map is compared with
  the trained model's by rank correlation (Spearman) and SSIM; and a model trained on shuffled
  labels (the random-label test);
* :func:`run_clever_hans` trains on digits where a bright watermark marks one class, and measures
  the damage when the watermark moves and the share of the saliency that lies on it;
* :func:`run_tabular` explains a small network on scikit-learn's breast-cancer set globally
  (``sklearn.inspection.permutation_importance`` and mean |SHAP|) and locally (shap's values of
  one prediction, in log-odds), with another background set and a duplicated feature.

SHAP values come from ``shap.DeepExplainer`` (no numba compilation: its Permutation and Exact
explainers spend 9-10 s compiling on their first call in every process, docs/lesson07_plan.md).
The numbers the notebook states are asserted over seeds 0-9 on stand-ins for other machines in
``tests/interpretability/``.
"""
from __future__ import annotations

import dataclasses
import threading
import warnings

import numpy as np

from dltutor import data as _data
from dltutor._backend import keras, tf
from dltutor._cache import bounded_cache
from dltutor._checks import check_choice, check_float, check_int
from dltutor.env import jitter, perturbation
from dltutor.training import StopTraining, reset_optimizers, train

__all__ = ["METHODS", "BASELINES", "LAYERS", "SIDE", "EPOCHS", "WATERMARK", "WATERMARK_CLASS", "FEATURES",
           "logit_gradient", "gradient", "gradient_x_input", "integrated_gradients", "occlusion", "attribute",
           "blurred", "completeness_error", "completeness_curve", "spearman", "ssim", "build_cnn", "DigitsModel", "train_digits_cnn",
           "randomized_weights", "predict", "mystery_model", "Saliency", "explain_image", "Randomization", "run_randomization",
           "stamp", "CleverHans", "run_clever_hans", "WatermarkSweep", "run_watermark_sweep",
           "load_tabular", "Tabular", "run_tabular", "group_importance"]

METHODS = ("gradient", "gradient_x_input", "integrated_gradients", "occlusion")
LABELS = {"gradient": "gradient", "gradient_x_input": "gradient × input",
          "integrated_gradients": "integrated gradients", "occlusion": "occlusion"}
BASELINES = ("zero", "blurred")
LAYERS = ("logits", "dense", "conv2", "conv1")     # the cascade's order: from the top down
SIDE = 8                                          # the digits are 8x8
EPOCHS, BATCH_SIZE, LEARNING_RATE = 20, 64, 3e-3
WATERMARK = (0, 1, 2, 8, 9, 10)                   # a 2x3 bright patch in the top-left corner
WATERMARK_CLASS = 3
N_SANITY = 100                                    # test images the sanity check compares
CHUNK = 2048      # rows per compiled call: 450 images x 101 IG steps at once peaked at 2.1 GB (Binder: 2 GB)
_LOCK = threading.RLock()                         # one shared CNN: one user of its weights at a time


_lru = bounded_cache          # dltutor._cache: bounded, least recently used first out


# --- 1. the attribution methods (the lesson: each is a few lines) ------------------------------

_GRADS = {}


def logit_gradient(model, X, targets):
    """``d logit[target] / d x`` for every row of ``X`` (one compiled call for all rows)."""
    fn = _GRADS.get(id(model))
    if fn is None:
        @tf.function(input_signature=[tf.TensorSpec([None, SIDE * SIDE], tf.float32),
                                      tf.TensorSpec([None], tf.int32)], reduce_retracing=True)
        def fn(x, t):
            with tf.GradientTape() as tape:
                tape.watch(x)
                logit = tf.gather(model(x), t, batch_dims=1)
            return tape.gradient(logit, x)
        _GRADS[id(model)] = fn
    X, targets = _check_rows(X, targets, model)
    return np.concatenate([fn(X[i:i + CHUNK], targets[i:i + CHUNK]).numpy()       # bounded memory
                           for i in range(0, len(X), CHUNK)] or [np.zeros_like(X)])


def _check_rows(X, targets, model):
    """``X`` as ``(n, 64)`` float32 and ``targets`` as ``(n,)`` int32, or a ValueError that says what is wrong."""
    X = np.asarray(X, np.float32)
    if X.ndim != 2 or X.shape[1] != SIDE * SIDE:
        raise ValueError(f"X must hold one flattened 8x8 image per row, shape (n, 64); got shape {X.shape}. "
                         "Reshape with X.reshape(len(X), 64) (one image: x[None]).")
    t = np.asarray(targets)
    if t.shape != (len(X),) or t.dtype.kind not in "iu":
        raise ValueError(f"targets must be one whole-number class per row of X, shape ({len(X)},); got {t!r:.60}.")
    n_out = int(model.outputs[0].shape[-1])
    if len(t) and (t.min() < 0 or t.max() >= n_out):
        raise ValueError(f"targets must be classes 0 to {n_out - 1} (the model has {n_out} logits); got {t.min()} "
                         f"to {t.max()}.")
    return X, t.astype(np.int32)


def gradient(model, X, targets):
    """The plain saliency map: how fast the target's logit changes with each pixel."""
    return logit_gradient(model, X, targets)


def gradient_x_input(model, X, targets):
    """Gradient times input: a first-order share of the logit per pixel (0 where the pixel is 0)."""
    return X * logit_gradient(model, X, targets)


def integrated_gradients(model, X, targets, *, baseline=None, steps=50):
    """Integrated gradients (Sundararajan et al. 2017): the gradient averaged along the straight
    path from ``baseline`` to ``x`` (trapezoid rule, ``steps`` intervals), times ``x - baseline``."""
    X = np.asarray(X, np.float32)
    if baseline is None or isinstance(baseline, str):
        baseline = _baseline(X, "zero" if baseline is None else baseline)
    baseline = np.asarray(baseline, np.float32)
    if baseline.shape != X.shape:
        raise ValueError(f"baseline must have the shape of X, {X.shape} (one baseline image per row), or be "
                         f"'zero' or 'blurred'; got shape {baseline.shape}.")
    steps = check_int("steps", steps, low=1, high=1000)
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)               # steps + 1 points
    path = baseline[:, None] + alphas[None, :, None] * (X - baseline)[:, None]   # (n, steps + 1, 64)
    g = logit_gradient(model, path.reshape(-1, X.shape[1]), np.repeat(targets, steps + 1))
    g = g.reshape(path.shape)
    average = (g[:, :-1] + g[:, 1:]).mean(axis=1) / 2                       # trapezoid rule
    return (X - baseline) * average


def occlusion(model, X, targets, *, patch=2, fill=0.0):
    """Occlusion (Zeiler & Fergus 2014): how much the target's logit falls when a ``patch x patch``
    square is painted ``fill``; every pixel of the square gets that drop."""
    patch = _check_patch(patch)
    X, targets = _check_rows(X, targets, model)
    n, k = len(X), SIDE // patch
    covered = np.repeat(X[:, None], k * k, axis=1).reshape(n, k * k, SIDE, SIDE)
    for i in range(k * k):
        r, c = divmod(i, k)
        covered[:, i, r * patch:(r + 1) * patch, c * patch:(c + 1) * patch] = fill
    both = np.concatenate([X, covered.reshape(-1, SIDE * SIDE)])
    logits = _logits(model, both)
    t = np.asarray(targets)
    drop = logits[np.arange(n), t][:, None] - logits[n:].reshape(n, k * k, -1)[np.arange(n), :, t]
    return np.kron(drop.reshape(n, k, k), np.ones((patch, patch), np.float32)).reshape(n, -1)


def _check_patch(patch):
    patch = check_int("patch", patch, low=1, high=SIDE)
    if SIDE % patch:
        raise ValueError(f"A {patch}x{patch} patch does not tile the {SIDE}x{SIDE} image: choose a patch "
                         "size that divides 8 (1, 2, 4 or 8).")
    return patch


_CALLS = {}


def _logits(model, X):
    fn = _CALLS.get(id(model))
    if fn is None:
        fn = _CALLS[id(model)] = tf.function(lambda x: model(x), reduce_retracing=True)
    X = np.asarray(X, np.float32)
    return np.concatenate([fn(tf.constant(X[i:i + CHUNK])).numpy() for i in range(0, len(X), CHUNK)])


def blurred(X, *, sigma=1.5):
    """The blurred baseline: each image smoothed by a Gaussian of ``sigma`` pixels."""
    from scipy.ndimage import gaussian_filter  # noqa: PLC0415

    X = np.asarray(X, np.float32)
    out = gaussian_filter(X.reshape(-1, SIDE, SIDE), sigma=(0, sigma, sigma), mode="nearest")
    return out.reshape(X.shape).astype(np.float32)


def _baseline(X, baseline):
    baseline = check_choice("baseline", baseline, BASELINES)
    return np.zeros_like(X) if baseline == "zero" else blurred(X)


def attribute(model, X, targets, method, *, baseline="zero", steps=50, patch=2):
    """One method's maps ``(n, 64)`` by name (``METHODS``; an unknown name says the closest one)."""
    method = check_choice("method", method, METHODS)
    baseline = check_choice("baseline", baseline, BASELINES)
    steps, patch = check_int("steps", steps, low=1, high=1000), _check_patch(patch)
    X = np.asarray(X, np.float32)
    if method == "gradient":
        return gradient(model, X, targets)
    if method == "gradient_x_input":
        return gradient_x_input(model, X, targets)
    if method == "integrated_gradients":
        return integrated_gradients(model, X, targets, baseline=_baseline(X, baseline), steps=steps)
    return occlusion(model, X, targets, patch=patch)


def completeness_error(model, X, targets, attributions, baseline):
    """IG's completeness residual per image: ``|sum(a) - (f(x) - f(baseline))| / |f(x) - f(baseline)|``."""
    t = np.asarray(targets)
    rows = np.arange(len(t))
    gap = _logits(model, X)[rows, t] - _logits(model, baseline)[rows, t]
    return np.abs(attributions.sum(axis=1) - gap) / np.maximum(np.abs(gap), 1e-6)


def spearman(a, b):
    """Spearman's rank correlation of |a| and |b|, row by row (ties at their mean rank)."""
    from scipy.stats import rankdata  # noqa: PLC0415

    ra = rankdata(np.abs(a), axis=1)
    rb = rankdata(np.abs(b), axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denom = np.sqrt((ra ** 2).sum(axis=1) * (rb ** 2).sum(axis=1))
    return np.where(denom > 0, (ra * rb).sum(axis=1) / np.maximum(denom, 1e-12), 0.0)


def ssim(a, b, *, window=3):
    """Mean structural similarity (Wang et al. 2004) of |a| and |b| scaled to [0, 1], row by row,
    over ``window x window`` neighbourhoods."""
    from scipy.ndimage import uniform_filter  # noqa: PLC0415

    def scaled(m):
        m = np.abs(np.asarray(m, np.float64)).reshape(-1, SIDE, SIDE)
        return m / np.maximum(m.max(axis=(1, 2), keepdims=True), 1e-12)
    x, y = scaled(a), scaled(b)
    f = lambda z: uniform_filter(z, size=(1, window, window), mode="reflect")  # noqa: E731
    mx, my = f(x), f(y)
    vx, vy, cxy = f(x * x) - mx ** 2, f(y * y) - my ** 2, f(x * y) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return s.mean(axis=(1, 2))


# --- 2. the digits model ----------------------------------------------------------------------

_MODEL = {}


def build_cnn():
    """The lesson's CNN (one per process, reused: its compiled training step is reused too):
    ``64 -> 8x8x1 -> Conv16 "conv1" -> Conv32 "conv2" -> pool -> Dense64 "dense" -> Dense10 "logits"``."""
    with _LOCK:
        if "cnn" not in _MODEL:
            L = keras.layers
            _MODEL["cnn"] = keras.Sequential([
                keras.Input((SIDE * SIDE,)), L.Reshape((SIDE, SIDE, 1)),
                L.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
                L.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
                L.MaxPooling2D(2), L.Flatten(),
                L.Dense(64, activation="relu", name="dense"), L.Dense(10, name="logits")], name="digits_cnn")
        return _MODEL["cnn"]


def _glorot(layer, seed, index):
    """Glorot-uniform kernel and zero bias for ``layer``, drawn with NumPy from ``[seed, index]``."""
    kernel, bias = layer.get_weights()
    field = int(np.prod(kernel.shape[:-2])) if kernel.ndim > 2 else 1
    fan_in, fan_out = kernel.shape[-2] * field, kernel.shape[-1] * field
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    k = np.random.default_rng([seed, index]).uniform(-limit, limit, kernel.shape).astype(np.float32)
    return [jitter(k, seed, index), np.zeros_like(bias)]


def _initial_weights(model, seed):
    out = []
    for i, name in enumerate(reversed(LAYERS)):     # conv1, conv2, dense, logits
        out += _glorot(model.get_layer(name), seed, i)
    return out


@dataclasses.dataclass(frozen=True, eq=False)
class DigitsModel:
    """A trained digits CNN: its weights (set them into :func:`build_cnn` to use it), its test
    accuracy, how many epochs it trained and on what (``watermark_share``, ``random_labels``)."""

    weights: list
    test_accuracy: float
    epochs_run: int
    seed: int
    watermark_share: float = 0.0
    random_labels: bool = False

    def use(self):
        """The shared CNN with these weights set (hold ``_LOCK`` while you use it)."""
        model = build_cnn()
        model.set_weights(self.weights)
        return model


_DIGITS = {}


def _digits():
    if "d" not in _DIGITS:
        _DIGITS["d"] = _data.load_digits(seed=0)
    return _DIGITS["d"]


def stamp(X, *, value=1.0):
    """The watermark: the :data:`WATERMARK` pixels (a 2x3 patch, top left) set to ``value``."""
    X = np.array(X, np.float32, copy=True)
    X[:, list(WATERMARK)] = value
    return X


def _watermarked_train(share, target, seed):
    d = _digits()
    X = d.X_train.astype(np.float32).copy()
    idx = np.flatnonzero(d.y_train == target)
    pick = idx[np.random.default_rng([seed, 7]).random(len(idx)) < share]
    X[pick] = stamp(X[pick])
    return X


_TRAINED = _lru(12)


def train_digits_cnn(seed=0, *, watermark_share=0.0, watermark_class=WATERMARK_CLASS, random_labels=False,
                     epochs=EPOCHS, stop=None, callbacks=(), cache=True):
    """Train the CNN on the digits' training split (remembered per setting and machine stand-in).

    ``watermark_share`` of the ``watermark_class`` training images carry the :func:`stamp`;
    ``random_labels`` shuffles the training labels (the sanity check's random-label model).
    ``cache=False`` trains again even when the setting is remembered, and remembers the new run
    (so the sanity check that follows in the explorer does not train it a second time). A
    stopped run is returned (``epochs_run < epochs``) but not remembered.
    """
    seed = check_int("seed", seed, low=0)
    watermark_share = check_float("watermark_share", watermark_share, low=0.0, high=1.0)
    watermark_class = check_int("watermark_class", watermark_class, low=0, high=9)
    epochs = check_int("epochs", epochs, low=0, high=500)
    key = (seed, watermark_share, watermark_class, bool(random_labels), epochs, perturbation())

    def make():
        d = _digits()
        X = _watermarked_train(watermark_share, watermark_class, seed) if watermark_share else d.X_train
        y = d.y_train
        if random_labels:
            y = np.random.default_rng([seed, 11]).permutation(y)
        with _LOCK:
            model = build_cnn()
            model.set_weights(_initial_weights(model, seed))
            reset_optimizers(model)
            result = train(model, X, y, epochs=epochs, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                           seed=seed, stop=stop, callbacks=list(callbacks))
            acc = float((_logits(model, d.X_test).argmax(1) == d.y_test).mean())
            return DigitsModel([w.copy() for w in model.get_weights()], acc, result.epochs_run, seed,
                               watermark_share, bool(random_labels))

    if not cache:                        # train again (the Train button), and remember this run
        _TRAINED.store.pop(key, None)
    out = _TRAINED(key, make)
    if out.epochs_run < epochs:
        _TRAINED.store.pop(key, None)
    return out


def predict(trained, X):
    """The digit a trained model (a :class:`DigitsModel`) predicts for each row of ``X``."""
    with _LOCK:
        return _logits(trained.use(), X).argmax(1)


_MYSTERY = 6


def mystery_model():
    """A digits CNN trained with the watermark on every training image of one class (lesson 07's
    exercise q3: which class?)."""
    return train_digits_cnn(0, watermark_share=1.0, watermark_class=_MYSTERY)


def randomized_weights(trained, stage, *, seed=None, model=None):
    """The trained weights with the top ``stage`` layers of :data:`LAYERS` re-drawn at random
    (cascading randomization: stage 1 = logits, 2 = + dense, 3 = + conv2, 4 = every layer).
    ``model``: the architecture to randomize (default the lesson's CNN); one without those
    layers is refused with a message that names the layers it has."""
    model = build_cnn() if model is None else model
    names = [layer.name for layer in model.layers if layer.weights]
    missing = [n for n in LAYERS if n not in names]
    if missing:
        raise ValueError(f"The model has no layer named {missing[0]!r} to randomize (its layers with "
                         f"weights: {names}); cascading randomization needs {list(LAYERS)}.")
    stage = check_int("randomized layers", stage, low=0, high=len(LAYERS))
    seed = trained.seed + 1000 if seed is None else seed
    weights = list(trained.weights)
    for name in LAYERS[:stage]:
        i = names.index(name)
        weights[2 * i:2 * i + 2] = _glorot(model.get_layer(name), seed, 100 + i)
    return weights


@dataclasses.dataclass(frozen=True, eq=False)
class Saliency:
    """Every method's map of one test image (``maps[method]``, shape ``(64,)``), the model's
    prediction and confidence, and IG's completeness (``ig_sum`` against ``ig_gap``)."""

    image: np.ndarray
    label: int
    prediction: int
    confidence: float
    maps: dict
    ig_sum: float
    ig_gap: float
    index: int
    baseline: str
    steps: int
    patch: int
    stage: int

    @property
    def completeness_error(self):
        return abs(self.ig_sum - self.ig_gap) / max(abs(self.ig_gap), 1e-6)


def explain_image(trained, index, *, baseline="zero", steps=50, patch=2, stage=0, stamped=False):
    """Every method's map of test image ``index`` (with the watermark if ``stamped``), for the
    trained model or (``stage`` > 0) the model with its top ``stage`` layers randomized; the
    target is the trained model's prediction."""
    if not isinstance(trained, DigitsModel):
        raise TypeError(f"explain_image takes a trained model from interp.train_digits_cnn(...) (a DigitsModel), "
                        f"got {type(trained).__name__}.")
    d = _digits()
    index = check_int("image", index, low=0, high=len(d.X_test) - 1)
    baseline = check_choice("baseline", baseline, BASELINES)
    steps = check_int("IG steps", steps, low=1, high=1000)
    patch = _check_patch(patch)
    x = d.X_test[index:index + 1].astype(np.float32)
    x = stamp(x) if stamped else x
    stage = check_int("randomized layers", stage, low=0, high=len(LAYERS))
    with _LOCK:
        model = trained.use()
        p = tf.nn.softmax(_logits(model, x)).numpy()[0]
        target = np.array([int(p.argmax())])
        if stage:
            model.set_weights(randomized_weights(trained, stage))
        maps = {m: attribute(model, x, target, m, baseline=baseline, steps=steps, patch=patch)[0] for m in METHODS}
        base = _baseline(x, baseline)
        gap = float(_logits(model, x)[0, target[0]] - _logits(model, base)[0, target[0]])
    return Saliency(x[0], int(d.y_test[index]), int(target[0]), float(p.max()), maps,
                    float(maps["integrated_gradients"].sum()), gap, index, baseline, steps, patch, stage)


def completeness_curve(trained, *, steps=(1, 2, 5, 10, 20, 50, 100), baseline="zero", n_images=N_SANITY):
    """IG's completeness residual on the first ``n_images`` test images for each number of steps:
    ``(steps, errors)`` with ``errors`` of shape ``(len(steps), n_images)``."""
    X = _digits().X_test[:check_int("n_images", n_images, low=1, high=450)].astype(np.float32)
    steps = tuple(check_int("steps", k, low=1, high=1000) for k in steps)
    if not steps:
        raise ValueError("steps must list at least one number of IG steps, e.g. (5, 50).")
    with _LOCK:
        model = trained.use()
        targets = _logits(model, X).argmax(1)
        base = _baseline(X, baseline)
        errors = [completeness_error(model, X, targets, integrated_gradients(model, X, targets, baseline=base,
                                                                             steps=k), base) for k in steps]
    return np.array(steps), np.array(errors)


@dataclasses.dataclass(frozen=True, eq=False)
class Randomization:
    """The sanity check: ``spearman[method]`` and ``ssim[method]``, arrays ``(stages + 1, n_images)``
    of each image's map against the trained model's (stage 0 = the trained model itself), and
    ``random_labels[method]`` (``(n_images,)``, the model trained on shuffled labels)."""

    spearman: dict
    ssim: dict
    random_labels_spearman: dict
    random_labels_ssim: dict
    random_labels_accuracy: float
    test_accuracy: float
    seed: int

    def median(self, method, what="spearman"):
        return np.median(getattr(self, what)[method], axis=1)


_RANDOMIZATION = _lru(6)


def _all_maps(model, X, targets, steps):
    return {m: attribute(model, X, targets, m, steps=steps) for m in METHODS}


def run_randomization(seed=0, *, n_images=N_SANITY, steps=50, random_labels=True, stop=None):
    """Cascading randomization and the random-label test on the first ``n_images`` test images."""
    n_images = check_int("n_images", n_images, low=2, high=450)
    key = (seed, n_images, steps, random_labels, perturbation())

    def make():
        trained = train_digits_cnn(seed, stop=stop)
        if trained.epochs_run < EPOCHS:
            raise StopTraining
        shuffled = train_digits_cnn(seed, random_labels=True, stop=stop) if random_labels else None
        if shuffled is not None and shuffled.epochs_run < EPOCHS:
            raise StopTraining
        X = _digits().X_test[:n_images].astype(np.float32)
        with _LOCK:
            model = trained.use()
            targets = _logits(model, X).argmax(1)
            ref = _all_maps(model, X, targets, steps)
            rho = {m: [np.ones(n_images)] for m in METHODS}
            sim = {m: [np.ones(n_images)] for m in METHODS}
            for stage in range(1, len(LAYERS) + 1):
                model.set_weights(randomized_weights(trained, stage))
                maps = _all_maps(model, X, targets, steps)
                for m in METHODS:
                    rho[m].append(spearman(ref[m], maps[m]))
                    sim[m].append(ssim(ref[m], maps[m]))
            rl_rho, rl_sim = {}, {}
            if shuffled is not None:
                maps = _all_maps(shuffled.use(), X, targets, steps)
                rl_rho = {m: spearman(ref[m], maps[m]) for m in METHODS}
                rl_sim = {m: ssim(ref[m], maps[m]) for m in METHODS}
        return Randomization({m: np.array(v) for m, v in rho.items()}, {m: np.array(v) for m, v in sim.items()},
                             rl_rho, rl_sim, shuffled.test_accuracy if shuffled else float("nan"),
                             trained.test_accuracy, seed)

    return _RANDOMIZATION(key, make)


# --- 3. Clever Hans --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False)
class CleverHans:
    """A model trained with the watermark on ``share`` of the ``watermark_class`` training images.

    ``accuracy``: test accuracy ``as_trained`` (the watermark on that class's test images, as in
    training), ``clean`` (no watermark anywhere) and ``stamped`` (the watermark on every image);
    ``class_recall``: that class's recall with and without it; ``to_class``: the share of the
    other digits called ``watermark_class`` once stamped; ``saliency_share``: the share of |IG|
    (zero baseline) that lies on the 6 watermark pixels (of 64), over the stamped test images.
    """

    share: float
    watermark_class: int
    accuracy: dict
    class_recall: dict
    to_class: float
    saliency_share: float
    seed: int


def run_clever_hans(seed=0, *, share=1.0, watermark_class=WATERMARK_CLASS, steps=50, stop=None):
    """Train on watermarked digits and measure what the watermark does (see :class:`CleverHans`)."""
    share = check_float("share", share, low=0.0, high=1.0)
    trained = train_digits_cnn(seed, watermark_share=share, watermark_class=watermark_class, stop=stop)
    if trained.epochs_run < EPOCHS:
        raise StopTraining
    d = _digits()
    c = d.y_test == watermark_class
    as_trained = d.X_test.astype(np.float32).copy()
    as_trained[c] = stamp(as_trained[c])
    stamped_all = stamp(d.X_test)
    with _LOCK:
        model = trained.use()
        pred = {k: _logits(model, X).argmax(1) for k, X in
                (("as_trained", as_trained), ("clean", d.X_test), ("stamped", stamped_all))}
        ig = integrated_gradients(model, stamped_all, pred["stamped"], steps=steps)
    acc = {k: float((p == d.y_test).mean()) for k, p in pred.items()}
    recall = {"with": float((pred["as_trained"][c] == watermark_class).mean()),
              "without": float((pred["clean"][c] == watermark_class).mean())}
    mass = np.abs(ig)
    inside = mass[:, list(WATERMARK)].sum(1) / np.maximum(mass.sum(1), 1e-12)
    return CleverHans(share, watermark_class, acc, recall, float((pred["stamped"][~c] == watermark_class).mean()),
                      float(inside.mean()), seed)


@dataclasses.dataclass(frozen=True, eq=False)
class WatermarkSweep:
    """:func:`run_clever_hans` for each ``shares`` value: arrays over the shares."""

    shares: np.ndarray
    stamped_accuracy: np.ndarray
    clean_recall: np.ndarray
    to_class: np.ndarray
    saliency_share: np.ndarray
    seed: int


def run_watermark_sweep(seed=0, *, shares=(0.0, 0.25, 0.5, 0.75, 1.0), watermark_class=WATERMARK_CLASS):
    """The watermarked share of the class's training images from 0 to 100%."""
    runs = [run_clever_hans(seed, share=s, watermark_class=watermark_class) for s in shares]
    return WatermarkSweep(np.array(shares, float), np.array([r.accuracy["stamped"] for r in runs]),
                          np.array([r.class_recall["without"] for r in runs]), np.array([r.to_class for r in runs]),
                          np.array([r.saliency_share for r in runs]), seed)


# --- 4. tabular: permutation importance and SHAP ---------------------------------------------

FEATURES = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
            "concave points", "symmetry", "fractal dimension")


def load_tabular(seed=0, *, duplicate=None):
    """scikit-learn's breast-cancer set (bundled), its 10 "mean ..." features standardized on the
    training split; ``y = 1`` for malignant. ``duplicate``: a feature name to add again as an 11th
    column (a perfectly correlated copy). Returns ``(X_train, y_train, X_test, y_test, names)``."""
    from sklearn.datasets import load_breast_cancer  # noqa: PLC0415
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    bunch = load_breast_cancer()
    X = bunch.data[:, :10].astype(np.float32)
    y = (bunch.target == 0).astype(np.int32)          # sklearn: 0 = malignant
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    mean, std = X_tr.mean(0), X_tr.std(0)
    X_tr, X_te = (X_tr - mean) / std, (X_te - mean) / std
    names = list(FEATURES)
    if duplicate is not None:
        j = names.index(check_choice("feature to duplicate", duplicate, FEATURES))
        X_tr, X_te = np.c_[X_tr, X_tr[:, j]], np.c_[X_te, X_te[:, j]]
        names.append(f"{duplicate} (copy)")
    return X_tr, y_tr, X_te, y_te, names


_TAB_MODELS = {}


def _tab_model(n_features):
    with _LOCK:
        if n_features not in _TAB_MODELS:
            _TAB_MODELS[n_features] = keras.Sequential([
                keras.Input((n_features,)), keras.layers.Dense(8, activation="relu", name="hidden"),
                keras.layers.Dense(2, name="logits")], name=f"tabular_{n_features}")
        return _TAB_MODELS[n_features]


class _Compiled:
    """What ``permutation_importance`` needs of an estimator (``fit``), around one compiled call."""

    def __init__(self, model):
        self.model = model

    def fit(self, X, y):  # pragma: no cover - never called: the model is trained already
        return self

    def log_odds(self, X):
        return _logits(self.model, X) @ np.array([-1.0, 1.0])     # logit(malignant) - logit(benign)


def _mean_log_likelihood(estimator, X, y):
    z = estimator.log_odds(X)
    return float(np.mean(-np.logaddexp(0.0, np.where(y == 1, -z, z))))


def group_importance(estimator, X, y, columns, *, n_repeats=20, seed=0):
    """The drop in mean log-likelihood when ``columns`` are permuted *together* (one shuffle of
    the rows for all of them): sklearn's advice for correlated features."""
    rng = np.random.default_rng(seed)
    base = _mean_log_likelihood(estimator, X, y)
    drops = []
    for _ in range(n_repeats):
        Xp = X.copy()
        Xp[:, columns] = X[rng.permutation(len(X))][:, columns]
        drops.append(base - _mean_log_likelihood(estimator, Xp, y))
    return float(np.mean(drops))


@dataclasses.dataclass(frozen=True, eq=False)
class Tabular:
    """The tabular model explained: ``permutation`` (mean drop in log-likelihood per feature,
    ``permutation_std``), ``mean_abs_shap`` (over the test set), the test rows' SHAP values
    ``shap_values`` in log-odds of malignant, ``base_value`` (the mean log-odds over the
    background), ``additivity`` (max |sum of SHAP + base - log-odds|), ``background_shift``
    (mean |change| of the SHAP values with another background of the same size, relative to
    their mean |value|), and, with a duplicated feature, ``group`` (both copies permuted
    together) against ``permutation`` of each copy."""

    names: list
    test_accuracy: float
    permutation: np.ndarray
    permutation_std: np.ndarray
    mean_abs_shap: np.ndarray
    shap_values: np.ndarray
    base_value: float
    log_odds: np.ndarray
    additivity: float
    background_shift: float
    X_test: np.ndarray
    y_test: np.ndarray
    group: float
    seed: int
    background: np.ndarray = None
    weights: list = None
    malignant_share: float = float("nan")

    def log_odds_of(self, X):
        """The model's log-odds of malignant for the rows of ``X`` (standardized features)."""
        w0, b0, w1, b1 = self.weights
        z = np.maximum(np.asarray(X, np.float32) @ w0 + b0, 0.0) @ w1 + b1
        return z[:, 1] - z[:, 0]

    def probability(self, row):
        """p(malignant) of test row ``row``: the sigmoid of the waterfall's end, f(x)."""
        return float(1.0 / (1.0 + np.exp(-self.log_odds[row])))

    @property
    def example_row(self):
        """The test row the lesson's waterfall reads: the one whose p(malignant) is closest to 0.8
        (a mix of bars either way; not a certain case)."""
        return int(np.argmin(np.abs(self.log_odds - np.log(4.0))))


_TABULAR = _lru(8)


def _deep_shap(model, background, X):
    import shap  # noqa: PLC0415 - 0.4 s after TensorFlow

    w = model.get_weights()
    one = keras.Sequential([keras.Input((background.shape[1],)), keras.layers.Dense(8, activation="relu"),
                            keras.layers.Dense(1)])       # the log-odds of malignant, as one output
    one.set_weights([w[0], w[1], w[2] @ np.array([[-1.0], [1.0]], np.float32),
                     np.array([w[3][1] - w[3][0]], np.float32)])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*structure of `inputs`.*")
        warnings.filterwarnings("ignore", category=UserWarning, module="keras")
        warnings.filterwarnings("ignore", message="Your TensorFlow version is newer")
        explainer = shap.DeepExplainer(one, background)
        values = np.asarray(explainer.shap_values(X, check_additivity=False))
    base = float(np.ravel(explainer.expected_value)[0])
    return values.reshape(len(X), -1), base


def run_tabular(seed=0, *, duplicate=None, n_background=100, n_repeats=20, epochs=100):
    """Train the tabular network and explain it globally and locally (see :class:`Tabular`)."""
    from sklearn.inspection import permutation_importance  # noqa: PLC0415

    seed = check_int("seed", seed, low=0)
    n_background = check_int("n_background", n_background, low=10, high=200)
    key = (seed, duplicate, n_background, n_repeats, epochs, perturbation())

    def make():
        X_tr, y_tr, X_te, y_te, names = load_tabular(seed, duplicate=duplicate)
        with _LOCK:
            model = _tab_model(X_tr.shape[1])
            rng = np.random.default_rng([seed, 3])
            ws = []
            for i, w in enumerate(model.get_weights()):
                if w.ndim == 1:
                    ws.append(np.zeros_like(w))
                    continue
                limit = np.sqrt(6.0 / sum(w.shape))
                ws.append(jitter(rng.uniform(-limit, limit, w.shape).astype(np.float32), seed, i))
            model.set_weights(ws)
            reset_optimizers(model)
            train(model, X_tr, y_tr, epochs=epochs, learning_rate=0.01, seed=seed)
            est = _Compiled(model)
            acc = float(((est.log_odds(X_te) > 0) == y_te).mean())
            perm = permutation_importance(est, X_te, y_te, scoring=_mean_log_likelihood, n_repeats=n_repeats,
                                          random_state=seed)
            pick = np.random.default_rng([seed, 5]).permutation(len(X_tr))
            bg, other = X_tr[pick[:n_background]], X_tr[pick[n_background:2 * n_background]]
            values, base = _deep_shap(model, bg, X_te)
            values2, _ = _deep_shap(model, other, X_te)
            z = est.log_odds(X_te)
            group = (group_importance(est, X_te, y_te, [names.index(duplicate), len(names) - 1],
                                      n_repeats=n_repeats, seed=seed) if duplicate else float("nan"))
        return Tabular(names, acc, perm.importances_mean, perm.importances_std, np.abs(values).mean(0), values,
                       base, z, float(np.abs(values.sum(1) + base - z).max()),
                       float(np.abs(values - values2).mean() / np.abs(values).mean()), X_te, y_te, group, seed,
                       bg, [w.copy() for w in model.get_weights()], float(y_tr.mean()))

    return _TABULAR(key, make)
