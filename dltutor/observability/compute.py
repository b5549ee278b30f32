"""Lesson 09 · compute: testing a model, calibration, a monitored stream, error analysis, OOD (pure, seeded).

* the models: :func:`train_ensemble` trains five digits MLPs per seed in one batched run
  (:func:`dltutor.training.train_many`); member 0 is "the model", the five together are the
  ensemble of the out-of-distribution section. :func:`train_calibration` trains a network long on
  1,000 MNIST-1D examples (a harder task, where it becomes overconfident) and keeps every epoch;
* behavioural tests (CheckList, Ribeiro et al. 2020, for images): the transforms :func:`shift`,
  :func:`brighten`, :func:`thicken`, :func:`add_noise` and :func:`flip_rate`; :func:`run_checks`
  runs plain ``assert`` tests and reports each;
* calibration written out: :func:`ece` (with a bin count), :func:`fit_temperature` (one number,
  fitted on validation *logits*), :func:`calibration_at`; the diagram's points come from
  ``sklearn.calibration.calibration_curve``;
* a production stream: :func:`simulate_stream` (days of images whose strokes thicken, noise
  rises or one class grows), :func:`monitor` (prediction histogram, mean confidence, ink,
  accuracy on labels that arrive :data:`LABEL_DELAY` days late, and the drift detector: a
  two-sample KS test per pixel against the validation images, ``scipy.stats.ks_2samp``, with a
  Bonferroni correction), :func:`first_alert`, :func:`false_alarm_rate`, :func:`write_logs`
  (CSV and TensorBoard event files);
* :func:`error_analysis` (confusion pairs, the highest-loss images, accuracy per slice:
  :func:`slice_accuracy`);
* :func:`run_ood`: letters, noise and rotated digits; max-softmax confidence against the
  ensemble's disagreement (mutual information), each as an OOD detector (AUROC).

The numbers the notebook states are asserted over seeds 0-9 on stand-ins for other machines in
``tests/observability/``.
"""
from __future__ import annotations

import csv
import dataclasses
import os
import pathlib
import tempfile
import threading

import numpy as np

from dltutor import data as _data
from dltutor._cache import bounded_cache
from dltutor._checks import check_choice, check_float, check_int
from dltutor.env import perturbation
from dltutor.training import train_many

__all__ = ["MEMBERS", "EPOCHS", "DAYS", "START", "PER_DAY", "RAMP", "LABEL_DELAY", "DRIFTS", "ALPHA", "SLICES",
           "CAL_EPOCHS", "OOD_SETS", "softmax", "Ensemble", "train_ensemble", "train_ensembles", "digits_split",
           "shift", "brighten", "thicken", "add_noise", "quantize", "flip_rate", "Check", "run_checks",
           "ece", "reliability", "nll", "fit_temperature", "CalibrationModel", "train_calibration", "train_calibrations", "Calibration",
           "calibration_at", "ece_curve", "Stream", "simulate_stream", "drift_pvalues", "Monitoring", "monitor", "first_alert",
           "false_alarm_rate", "CLEAN_STREAMS", "alert_days", "bonferroni", "SCALINGS", "DRIFT_LABELS", "LETTERS", "Logs", "write_logs", "slice_masks", "slice_accuracy", "ErrorAnalysis",
           "error_analysis", "letters", "ood_sets", "mutual_information", "auroc", "OOD", "run_ood"]

MEMBERS = 5                  # ensemble members per seed (member 0 is the model)
EPOCHS, HIDDEN, LEARNING_RATE, BATCH_SIZE = 60, (64,), 3e-3, 64
CAL_EPOCHS, CAL_HIDDEN, CAL_N = 200, (128,), 1000      # the calibration network: trained long on 1,000 MNIST-1D
DAYS, START, PER_DAY, RAMP = 30, 10, 200, 20           # the stream: drift from day START, full after RAMP days
LABEL_DELAY = 3              # labels of day d arrive on day d + 3
DRIFTS = ("none", "thicker", "noise", "class")
DRIFT_LABELS = {"none": "no drift", "thicker": "strokes get thicker", "noise": "noise rises",
                "class": "more and more 3s"}
GROWING_CLASS = 3
NOISE = 0.3                  # the noise drift's standard deviation at full strength
ALPHA = 1e-4                 # the detector's default threshold on the Bonferroni-corrected p-value
N_PIXELS = 64
SIDE = 8
_LOCK = threading.RLock()


def _member_seeds(seed):
    return [seed + 1000 * k for k in range(MEMBERS)]


def softmax(logits, temperature=1.0):
    """Row-wise softmax of ``logits / temperature`` (numerically stable)."""
    z = np.asarray(logits, np.float64) / temperature
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


# --- the data and the models -------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Split:
    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


_SPLITS = {}


def digits_split():
    """The 8x8 digits: 1,000 images to fit, 347 to validate (the detector's reference, the
    temperature's fit), 450 to test (the stream is drawn from these)."""
    if "digits" not in _SPLITS:
        from sklearn.model_selection import train_test_split  # noqa: PLC0415

        d = _data.load_digits(seed=0)
        Xf, Xv, yf, yv = train_test_split(d.X_train, d.y_train, test_size=347, random_state=0, stratify=d.y_train)
        _SPLITS["digits"] = Split(Xf, yf, Xv, yv, d.X_test, d.y_test)
    return _SPLITS["digits"]


def _mnist1d_split():
    if "mnist1d" not in _SPLITS:
        from sklearn.model_selection import train_test_split  # noqa: PLC0415

        d = _data.load_mnist1d()
        Xf, Xv, yf, yv = train_test_split(d.X_train, d.y_train, train_size=CAL_N, test_size=1000, random_state=0,
                                          stratify=d.y_train)
        _SPLITS["mnist1d"] = Split(Xf, yf, Xv, yv, d.X_test, d.y_test)
    return _SPLITS["mnist1d"]


def _forward(weights, X):
    """Logits ``(n_models, n, 10)`` of ReLU MLPs whose weights are stacked along axis 0."""
    h = np.asarray(X, np.float32)[None]
    for i in range(0, len(weights), 2):
        h = h @ weights[i] + weights[i + 1]
        if i < len(weights) - 2:
            h = np.maximum(h, 0)
    return h


@dataclasses.dataclass
class Ensemble:
    """Five digits MLPs (64-64-10) of one seed; member 0 is the model."""

    seed: int
    weights: list                # [W1, b1, W2, b2], each (MEMBERS, ...)
    test_accuracy: float         # member 0's
    epochs_run: int

    def logits(self, X):
        """Member 0's logits ``(n, 10)``."""
        return _forward([w[:1] for w in self.weights], _rows(X))[0]

    def probs(self, X):
        """Every member's probabilities ``(MEMBERS, n, 10)``."""
        return softmax(_forward(self.weights, _rows(X)))

    def predict(self, X):
        """Member 0's predicted digit for each row of ``X``."""
        return self.logits(X).argmax(1)


def _rows(X):
    X = np.asarray(X, np.float32)
    if X.ndim == 1 and X.size == N_PIXELS:
        X = X[None]
    if X.ndim != 2 or X.shape[1] != N_PIXELS:
        raise ValueError(f"X must hold one flattened 8x8 image per row, shape (n, 64); got shape {X.shape}. "
                         "Reshape with X.reshape(len(X), 64).")
    return X


def _remembered(store, seeds, train, *, epochs, cache):
    """The results of ``seeds``, each remembered in ``store`` (a bounded cache) per seed and
    machine; ``train(todo)`` trains the missing ones in one batched run. A stopped run (fewer
    than ``epochs``) is returned but never remembered."""
    seeds = [check_int("seed", s, low=0) for s in seeds]
    key = lambda s: (s, perturbation())  # noqa: E731
    todo = [s for s in dict.fromkeys(seeds) if not cache or key(s) not in store.store]
    got = {s: store.store[key(s)] for s in seeds if s not in todo}
    for s, result in zip(todo, train(todo) if todo else ()):
        got[s] = result
        if result.epochs_run == epochs:
            store.store.pop(key(s), None)
            store(key(s), lambda result=result: result)
    return [got[s] for s in seeds]


_ENSEMBLES = bounded_cache(12)


def train_ensembles(seeds, *, stop=None, callbacks=(), cache=True):
    """:func:`train_ensemble` for several seeds in one batched run (remembered per seed and machine)."""
    def train(todo):
        sp = digits_split()
        with _LOCK:
            r = train_many(sp.X_fit, sp.y_fit, seeds=[m for s in todo for m in _member_seeds(s)],
                           learning_rates=LEARNING_RATE, hidden=HIDDEN, epochs=EPOCHS, batch_size=BATCH_SIZE,
                           stop=stop, callbacks=callbacks)
        out = []
        for i, s in enumerate(todo):
            w = [np.array(x[i * MEMBERS:(i + 1) * MEMBERS]) for x in r.weights]
            acc = float((_forward([x[:1] for x in w], sp.X_test)[0].argmax(1) == sp.y_test).mean())
            out.append(Ensemble(s, w, acc, r.history["loss"].shape[1]))
        return out
    return _remembered(_ENSEMBLES, seeds, train, epochs=EPOCHS, cache=cache)


def train_ensemble(seed=0, *, stop=None, callbacks=(), cache=True):
    """Five 64-64-10 MLPs trained on the digits (Adam 3e-3, batch 64, 60 epochs), member ``k`` from
    seed ``seed + 1000 k``; remembered per seed and :func:`dltutor.env.perturbation`. ``cache=False``
    trains again. A run stopped early is returned (``epochs_run < EPOCHS``) but not remembered."""
    return train_ensembles([seed], stop=stop, callbacks=callbacks, cache=cache)[0]


# --- 1. behavioural tests -------------------------------------------------------------------------

def _images(X):
    return _rows(X).reshape(-1, SIDE, SIDE)


def quantize(X):
    """Round to the 17 grey levels (0, 1/16, ..., 1) of the digits' scanner."""
    return (np.round(np.clip(np.asarray(X, np.float32), 0, 1) * 16) / 16).astype(np.float32)


def shift(X, dx=1, dy=0):
    """Every image moved ``dx`` pixels right and ``dy`` down (the edge that comes in is blank)."""
    dx, dy = check_int("dx", dx, low=-7, high=7), check_int("dy", dy, low=-7, high=7)
    img = _images(X)
    out = np.zeros_like(img)
    out[:, max(dy, 0):SIDE + min(dy, 0), max(dx, 0):SIDE + min(dx, 0)] = \
        img[:, max(-dy, 0):SIDE + min(-dy, 0), max(-dx, 0):SIDE + min(-dx, 0)]
    return out.reshape(len(img), N_PIXELS)


def brighten(X, factor=0.8):
    """Every pixel times ``factor`` (0.8: a fainter pen), clipped to [0, 1]."""
    factor = check_float("factor", factor, low=0.0, high=10.0)
    return np.clip(_rows(X) * factor, 0, 1).astype(np.float32)


def thicken(X, strength=1.0):
    """Strokes thickened: each image moved ``strength`` of the way to its 2x2 grey dilation, then
    rounded to the scanner's 17 grey levels."""
    from scipy import ndimage  # noqa: PLC0415

    strength = check_float("strength", strength, low=0.0, high=1.0)
    img = _images(X)
    wide = ndimage.grey_dilation(img, size=(1, 2, 2))
    return quantize(((1 - strength) * img + strength * wide).reshape(len(img), N_PIXELS))


def add_noise(X, sigma=0.3, seed=0):
    """Gaussian noise of standard deviation ``sigma`` on every pixel, clipped and rounded to 17 levels."""
    sigma = check_float("sigma", sigma, low=0.0, high=10.0)
    X = _rows(X)
    rng = np.random.default_rng([check_int("seed", seed, low=0), 5])
    return quantize(X + rng.normal(0, sigma, X.shape))


def flip_rate(predict, X, transform):
    """The share of images whose predicted label changes when ``transform`` is applied:
    ``mean(predict(transform(X)) != predict(X))``. ``predict`` maps images to labels."""
    before, after = np.asarray(predict(X)), np.asarray(predict(transform(X)))
    if before.shape != after.shape:
        raise ValueError(f"transform changed the number of images ({before.shape} -> {after.shape}); it must "
                         "return one image per image it is given.")
    return float(np.mean(before != after))


@dataclasses.dataclass
class Check:
    """One behavioural test's outcome."""

    name: str
    passed: bool
    message: str


def run_checks(*tests):
    """Run plain-``assert`` test functions (each takes no argument) as pytest would, and say
    which pass; a failing ``assert``'s message is kept. Returns a list of :class:`Check`."""
    out = []
    for test in tests:
        if not callable(test):
            raise TypeError(f"run_checks takes test functions (def test_...(): assert ...), got {test!r:.60}.")
        name = getattr(test, "__name__", repr(test))
        try:
            test()
        except AssertionError as exc:
            out.append(Check(name, False, str(exc) or "assert failed"))
        else:
            out.append(Check(name, True, ""))
    return out


# --- 2. calibration ---------------------------------------------------------------------------------

def _conf_correct(confidence, correct):
    conf = np.asarray(confidence, np.float64).ravel()
    corr = np.asarray(correct).ravel().astype(np.float64)
    if conf.shape != corr.shape or not len(conf):
        raise ValueError(f"confidence and correct must be two arrays of the same length (one per prediction); "
                         f"got {conf.shape} and {corr.shape}.")
    if np.any((conf < 0) | (conf > 1)) or not np.all(np.isfinite(conf)):
        raise ValueError("confidence must be probabilities between 0 and 1 (the max softmax of each row).")
    return conf, corr


def ece(confidence, correct, bins=15):
    """Expected calibration error: over equal-width confidence bins, the share of predictions in
    the bin times |accuracy - mean confidence| in it (Guo et al. 2017). Empty bins count 0."""
    conf, corr = _conf_correct(confidence, correct)
    bins = check_int("bins", bins, low=1, high=1000)
    which = np.minimum((conf * bins).astype(int), bins - 1)      # confidence 1.0 goes in the top bin
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(corr[inside].mean() - conf[inside].mean())
    return float(total)


def reliability(confidence, correct, bins=15):
    """The reliability diagram's points: ``(mean confidence, accuracy, count)`` of each non-empty
    bin, from ``sklearn.calibration.calibration_curve`` (uniform bins)."""
    from sklearn.calibration import calibration_curve  # noqa: PLC0415

    conf, corr = _conf_correct(confidence, correct)
    bins = check_int("bins", bins, low=1, high=1000)
    accuracy, mean_conf = calibration_curve(corr, conf, n_bins=bins, strategy="uniform")
    which = np.minimum((conf * bins).astype(int), bins - 1)
    counts = np.bincount(which, minlength=bins)
    return mean_conf, accuracy, counts[counts > 0]


def nll(logits, y, temperature=1.0):
    """Mean negative log-likelihood of the labels under ``softmax(logits / temperature)``."""
    p = softmax(logits, temperature)
    return float(-np.mean(np.log(p[np.arange(len(y)), np.asarray(y)] + 1e-12)))


def fit_temperature(logits, y):
    """The temperature T > 0 that minimizes the validation NLL of ``softmax(logits / T)``
    (one number; Guo et al. 2017). Dividing logits by T never changes an argmax."""
    from scipy.optimize import minimize_scalar  # noqa: PLC0415

    logits = np.asarray(logits, np.float64)
    y = np.asarray(y)
    if logits.ndim != 2 or len(logits) != len(y) or not len(y):
        raise ValueError(f"logits must be (n, classes) with one label per row; got {logits.shape} and {y.shape}.")
    res = minimize_scalar(lambda log_t: nll(logits, y, np.exp(log_t)), bounds=(-4, 5), method="bounded",
                          options={"xatol": 1e-5})
    return float(np.exp(res.x))


@dataclasses.dataclass
class CalibrationModel:
    """A 40-128-10 MLP trained 200 epochs on 1,000 MNIST-1D examples; its parameters after every epoch."""

    seed: int
    params: np.ndarray           # (CAL_EPOCHS + 1, n_params), epoch 0 first
    epochs_run: int

    def weights(self, epoch):
        flat = self.params[epoch]
        sizes = (40, *CAL_HIDDEN, 10)
        out, i = [], 0
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            out.append(flat[i:i + fan_in * fan_out].reshape(1, fan_in, fan_out))
            i += fan_in * fan_out
            out.append(flat[i:i + fan_out].reshape(1, 1, fan_out))
            i += fan_out
        return out

    def logits(self, X, epoch):
        return _forward(self.weights(epoch), X)[0]


_CALIBRATION = bounded_cache(12)      # 5 MB each


def train_calibrations(seeds, *, stop=None, callbacks=(), cache=True):
    """:func:`train_calibration` for several seeds in one batched run (remembered per seed and machine)."""
    def train(todo):
        sp = _mnist1d_split()
        with _LOCK:
            r = train_many(sp.X_fit, sp.y_fit, seeds=todo, learning_rates=LEARNING_RATE, hidden=CAL_HIDDEN,
                           epochs=CAL_EPOCHS, batch_size=BATCH_SIZE, record_params=True, stop=stop,
                           callbacks=callbacks)
        return [CalibrationModel(s, np.array(r.params[i]), r.history["loss"].shape[1]) for i, s in enumerate(todo)]
    return _remembered(_CALIBRATION, seeds, train, epochs=CAL_EPOCHS, cache=cache)


def train_calibration(seed=0, *, stop=None, callbacks=(), cache=True):
    """The overconfident network of the calibration section: 40-128-10, Adam 3e-3, batch 64, 200
    epochs on 1,000 MNIST-1D examples, its parameters kept after every epoch; remembered per seed
    and :func:`dltutor.env.perturbation` (``cache=False`` trains again; a stopped run is returned
    but not remembered)."""
    return train_calibrations([seed], stop=stop, callbacks=callbacks, cache=cache)[0]


SCALINGS = ("none", "logits", "probabilities")


@dataclasses.dataclass
class Calibration:
    """Calibration of :class:`CalibrationModel` after ``epoch`` epochs, on the 1,000 test examples."""

    seed: int
    epoch: int
    bins: int
    scaling: str                 # "none", "logits" (temperature scaling) or "probabilities" (the mistake)
    temperature: float           # fitted on the validation set (1.0 with scaling "none")
    accuracy: float
    ece_before: float
    ece_after: float
    nll_before: float
    nll_after: float
    argmax_unchanged: bool
    confidence: np.ndarray       # after scaling
    correct: np.ndarray
    confidence_before: np.ndarray

    @property
    def ece(self):
        return self.ece_after


def calibration_at(model, epoch=CAL_EPOCHS, *, bins=15, scaling="logits"):
    """ECE before and after scaling, fitted on the validation logits (``scaling="logits"``, as it
    should be) or on the probabilities (``"probabilities"``: softmax(p / T), a common mistake)."""
    epoch = check_int("epoch", epoch, low=0, high=model.epochs_run)
    bins = check_int("bins", bins, low=1, high=1000)
    check_choice("scaling", scaling, SCALINGS)
    sp = _mnist1d_split()
    z_val, z_test = model.logits(sp.X_val, epoch), model.logits(sp.X_test, epoch)
    p = softmax(z_test)
    correct = p.argmax(1) == sp.y_test
    if scaling == "none":
        t, q = 1.0, p
    elif scaling == "logits":
        t = fit_temperature(z_val, sp.y_val)
        q = softmax(z_test, t)
    else:                         # the mistake: log-probabilities would be right, probabilities are not logits
        t = fit_temperature(softmax(z_val), sp.y_val)
        q = softmax(p, t)
    return Calibration(model.seed, epoch, bins, scaling, t, float(correct.mean()), ece(p.max(1), correct, bins),
                       ece(q.max(1), correct, bins), nll(z_test, sp.y_test), float(-np.mean(np.log(
                           q[np.arange(len(q)), sp.y_test] + 1e-12))), bool(np.all(q.argmax(1) == p.argmax(1))),
                       q.max(1), correct, p.max(1))


def ece_curve(model, *, every=10, bins=15):
    """``(epochs, ECE as trained, ECE after temperature scaling on logits)`` every ``every`` epochs."""
    epochs = np.r_[1, np.arange(every, model.epochs_run + 1, every)]
    cals = [calibration_at(model, int(e), bins=bins, scaling="logits") for e in epochs]
    return epochs, np.array([c.ece_before for c in cals]), np.array([c.ece_after for c in cals])


# --- 3. a production stream, watched ----------------------------------------------------------------

@dataclasses.dataclass
class Stream:
    """``days`` of ``per_day`` images (``X`` (days, per_day, 64), labels ``y``), drifting from ``start``."""

    seed: int
    drift: str
    start: int
    X: np.ndarray
    y: np.ndarray
    strength: np.ndarray         # (days,): 0 before the drift, 1 at full strength

    @property
    def days(self):
        return len(self.X)


def _strength(day, start):
    return 0.0 if day < start else min(1.0, (day - start + 1) / RAMP)


def simulate_stream(seed=0, drift="thicker", *, start=START, days=DAYS, per_day=PER_DAY):
    """A simulated production stream: each day ``per_day`` test images drawn at random (with
    replacement), changed from day ``start`` by ``drift`` whose strength grows by 1/RAMP a day:

    * ``"thicker"``: strokes thicken (:func:`thicken`);
    * ``"noise"``: Gaussian noise rises to sigma 0.3 (:func:`add_noise`);
    * ``"class"``: the 3s become more frequent (up to ten times the others' rate);
    * ``"none"``: the clean stream.
    """
    seed = check_int("seed", seed, low=0)
    check_choice("drift", drift, DRIFTS)
    days = check_int("days", days, low=2, high=365)
    start = check_int("start", start, low=1, high=days - 1)
    per_day = check_int("per_day", per_day, low=10, high=5000)
    sp = digits_split()
    rng = np.random.default_rng([seed, 9])
    Xs, ys, strength = [], [], []
    for day in range(days):
        s = _strength(day, start)
        w = np.ones(10)
        if drift == "class":
            w[GROWING_CLASS] += 9 * s
        pw = w[sp.y_test] / w[sp.y_test].sum()
        i = rng.choice(len(sp.X_test), per_day, p=pw)
        X = sp.X_test[i]
        if drift == "thicker" and s:
            X = thicken(X, s)
        elif drift == "noise" and s:
            X = quantize(X + rng.normal(0, NOISE * s, X.shape))
        Xs.append(X)
        ys.append(sp.y_test[i])
        strength.append(s)
    return Stream(seed, drift, start, np.stack(Xs).astype(np.float32), np.stack(ys), np.asarray(strength))


_PVALUES = bounded_cache(64)


def drift_pvalues(stream):
    """``(days, 64)`` p-values of a two-sample KS test per pixel: each day's images against the
    validation images (``scipy.stats.ks_2samp``). A pixel that is the same in both gets 1."""
    from scipy import stats  # noqa: PLC0415

    key = (stream.seed, stream.drift, stream.start, stream.X.shape)

    def make():
        ref = digits_split().X_val
        with np.errstate(invalid="ignore", divide="ignore"):
            p = stats.ks_2samp(ref[None], stream.X, axis=1).pvalue
        return np.nan_to_num(np.asarray(p, np.float64), nan=1.0)
    return _PVALUES(key, make)


def _check_alpha(alpha):
    """An alert threshold strictly between 0 and 1, or a ValueError that says so."""
    alpha = check_float("alert threshold (alpha)", alpha, low=0.0, high=1.0, low_open=True)
    if alpha >= 1.0:
        raise ValueError("The alert threshold (alpha) must be below 1: at 1 every day raises an alert. Use a small "
                         "number such as 0.001 (a false-alarm chance of at most 0.1% a day).")
    return alpha


def bonferroni(pvalues):
    """The family's corrected p-value per day: ``min(1, n_tests * min p)`` (Bonferroni). An
    alert at ``corrected < alpha`` has a false-alarm chance of at most alpha per day."""
    p = np.asarray(pvalues)
    return np.minimum(1.0, p.shape[-1] * p.min(-1))


def first_alert(corrected, alpha=ALPHA, *, after=0):
    """The first day (from ``after`` on) whose corrected p-value is below ``alpha``, or None."""
    alpha = _check_alpha(alpha)
    days = np.flatnonzero(np.asarray(corrected)[after:] < alpha)
    return int(days[0]) + after if len(days) else None


@dataclasses.dataclass
class Monitoring:
    """What a dashboard shows for every day of a stream (arrays of length ``days``)."""

    stream: Stream
    seed: int
    accuracy: np.ndarray         # on the day's images (known LABEL_DELAY days later)
    confidence: np.ndarray       # mean max-softmax
    ink: np.ndarray              # mean pixel value
    histogram: np.ndarray        # (days, 10): share of each predicted digit
    pixel_p: np.ndarray          # Bonferroni-corrected p of the per-pixel KS tests
    confidence_p: np.ndarray     # p of one KS test on the confidence
    reference_histogram: np.ndarray
    reference_confidence: float
    reference_ink: float
    correct: np.ndarray          # (days, per_day)
    predictions: np.ndarray      # (days, per_day)

    @property
    def days(self):
        return self.stream.days

    @property
    def baseline(self):
        """Mean accuracy over the days before the drift."""
        return float(self.accuracy[:self.stream.start].mean())

    def alert_day(self, alpha=ALPHA, *, detector="pixels"):
        """The first day the detector fires at ``alpha`` (``"pixels"`` or ``"confidence"``), or None."""
        check_choice("detector", detector, ("pixels", "confidence"))
        p = self.pixel_p if detector == "pixels" else self.confidence_p
        return first_alert(p, alpha)

    def known_accuracy(self, day):
        """Accuracy of the days whose labels have arrived by ``day`` (NaN for the others)."""
        day = self.check_day(day)
        out = np.full(self.days, np.nan)
        k = max(day - LABEL_DELAY + 1, 0)
        out[:k] = self.accuracy[:k]
        return out

    def check_day(self, day):
        return check_int("day", day, low=0, high=self.days - 1)

    def fall_by(self, day):
        """How far accuracy on ``day`` is below the pre-drift mean (positive: fallen)."""
        return self.baseline - float(self.accuracy[self.check_day(day)])


def monitor(ensemble, stream):
    """Watch member 0 of ``ensemble`` on ``stream``: the dashboards' numbers and both detectors."""
    from scipy import stats  # noqa: PLC0415

    sp = digits_split()
    flat = stream.X.reshape(-1, N_PIXELS)
    p = softmax(ensemble.logits(flat)).reshape(stream.days, -1, 10)
    pred = p.argmax(-1)
    correct = pred == stream.y
    conf = p.max(-1)
    p_ref = softmax(ensemble.logits(sp.X_val))
    ref_conf = p_ref.max(1)
    conf_p = np.asarray([stats.ks_2samp(ref_conf, c).pvalue for c in conf])
    hist = np.stack([np.bincount(d, minlength=10) / len(d) for d in pred])
    return Monitoring(stream, ensemble.seed, correct.mean(1), conf.mean(1), stream.X.mean((1, 2)), hist,
                      bonferroni(drift_pvalues(stream)), conf_p,
                      np.bincount(p_ref.argmax(1), minlength=10) / len(p_ref), float(ref_conf.mean()),
                      float(sp.X_val.mean()), correct, pred)


def alert_days(alpha=ALPHA, drift="noise", *, seeds=range(10), start=START):
    """``{seed: first day the pixel detector fires}`` (None: never) on each seed's stream. The
    detector looks at the inputs only, so no model is needed."""
    alpha = _check_alpha(alpha)
    return {int(s): first_alert(bonferroni(drift_pvalues(simulate_stream(s, drift, start=start))), alpha)
            for s in seeds}


CLEAN_STREAMS = 15       # false_alarm_rate's clean streams: 450 days without drift


def false_alarm_rate(alpha=ALPHA, *, streams=CLEAN_STREAMS, first_seed=1000):
    """The share of clean days (drift "none") on which the pixel detector fires at ``alpha``,
    over ``streams`` clean streams of :data:`DAYS` days (seeds from ``first_seed``)."""
    alpha = _check_alpha(alpha)
    streams = check_int("streams", streams, low=1, high=1000)
    p = np.concatenate([bonferroni(drift_pvalues(simulate_stream(first_seed + i, "none")))
                        for i in range(streams)])
    return float(np.mean(p < alpha))


@dataclasses.dataclass
class Logs:
    """Where the stream's metrics were written (``folder`` None: kept in memory only, see ``message``)."""

    folder: pathlib.Path | None
    csv_path: pathlib.Path | None
    tensorboard_dir: pathlib.Path | None
    rows: list
    message: str


def _rows_of(m, alpha):
    rows = []
    for day in range(m.days):
        rows.append({"day": day, "accuracy": round(float(m.accuracy[day]), 4),
                     "mean_confidence": round(float(m.confidence[day]), 4), "ink": round(float(m.ink[day]), 4),
                     "pixel_p": float(m.pixel_p[day]), "confidence_p": float(m.confidence_p[day]),
                     "alert": int(m.pixel_p[day] < alpha),
                     **{f"share_{k}": round(float(m.histogram[day, k]), 4) for k in range(10)}})
    return rows


def write_logs(monitoring, folder=None, *, alpha=ALPHA):
    """Write the stream's metrics as a CSV file and TensorBoard event files (``tf.summary``, what
    Keras' TensorBoard callback writes with) in ``folder`` (default: a new temporary folder).

    A folder that cannot be written is not an error: the rows stay in memory (``logs.rows``) and
    ``logs.message`` says what went wrong and what to do.
    """
    alpha = _check_alpha(alpha)
    rows = _rows_of(monitoring, alpha)
    try:
        if folder is None or str(folder).strip() == "":
            path = pathlib.Path(tempfile.mkdtemp(prefix="dltutor-09-logs-"))
        else:
            path = pathlib.Path(os.path.expanduser(str(folder).strip()))
            path.mkdir(parents=True, exist_ok=True)
        csv_path = path / f"stream_seed{monitoring.seed}_{monitoring.stream.drift}.csv"
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        tb = path / "tensorboard" / f"seed{monitoring.seed}_{monitoring.stream.drift}"
        _write_tensorboard(tb, monitoring, rows)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Logs(None, None, None, rows, f"Could not write the logs to {folder!s}: {reason}. They are kept in "
                    "memory (logs.rows); choose a folder you can write to (your home folder, or leave it empty "
                    "for a temporary one) and write them again.")
    return Logs(path, csv_path, tb, rows, f"Wrote {len(rows)} days to {csv_path} and TensorBoard event files to "
                f"{tb} (open them with: tensorboard --logdir {path / 'tensorboard'}).")


def _write_tensorboard(folder, m, rows):
    from dltutor._backend import tf  # noqa: PLC0415

    writer = tf.summary.create_file_writer(str(folder))
    try:
        with writer.as_default():
            for day, row in enumerate(rows):
                for name in ("accuracy", "mean_confidence", "ink", "pixel_p", "confidence_p", "alert"):
                    tf.summary.scalar(f"stream/{name}", row[name], step=day)
                tf.summary.histogram("stream/predictions", m.predictions[day].astype(np.float32), step=day,
                                     buckets=10)
        writer.flush()
    finally:
        writer.close()
    if not any(pathlib.Path(folder).glob("events.out.tfevents.*")):
        raise OSError(f"no event file appeared in {folder}")


# --- 4. error analysis --------------------------------------------------------------------------------

SLICES = ("thin strokes", "thick strokes", "off-centre", "centred", *(f"digit {k}" for k in range(10)))


def slice_masks(X, y):
    """Boolean masks of the slices of :data:`SLICES`: stroke thickness (ink below/above the
    test set's thirds), off-centre (the ink's centre of mass over 0.6 pixels from the median
    centre) and each digit."""
    X, y = _rows(X), np.asarray(y)
    img = X.reshape(-1, SIDE, SIDE)
    ink = X.mean(1)
    grid = np.arange(SIDE)
    mass = img.sum((1, 2)) + 1e-9
    cy, cx = (img.sum(2) @ grid) / mass, (img.sum(1) @ grid) / mass
    ref = digits_split().X_test.reshape(-1, SIDE, SIDE)
    rm = ref.sum((1, 2)) + 1e-9
    my, mx = np.median(ref.sum(2) @ grid / rm), np.median(ref.sum(1) @ grid / rm)
    lo, hi = np.quantile(digits_split().X_test.mean(1), [1 / 3, 2 / 3])
    off = np.hypot(cy - my, cx - mx) > 0.6
    masks = {"thin strokes": ink < lo, "thick strokes": ink > hi, "off-centre": off, "centred": ~off}
    masks.update({f"digit {k}": y == k for k in range(10)})
    return masks


def slice_accuracy(predictions, y, masks):
    """``{slice: (accuracy, n)}`` for each boolean mask; an empty slice is refused with a message."""
    predictions, y = np.asarray(predictions), np.asarray(y)
    out = {}
    for name, mask in masks.items():
        mask = np.asarray(mask, bool)
        if mask.shape != y.shape:
            raise ValueError(f"slice {name!r}: its mask has shape {mask.shape}, the labels {y.shape}; give one "
                             "True/False per image.")
        n = int(mask.sum())
        if not n:
            raise ValueError(f"slice {name!r} holds no images, so it has no accuracy: widen it (or drop it), "
                             "e.g. a wider range of ink or another day.")
        out[name] = (float(np.mean(predictions[mask] == y[mask])), n)
    return out


@dataclasses.dataclass
class ErrorAnalysis:
    seed: int
    accuracy: float
    confusion: np.ndarray        # (10, 10): rows true, columns predicted
    pairs: list                  # [(true, predicted, count)], most frequent first
    worst: np.ndarray            # test indices of the highest losses, highest first
    losses: np.ndarray           # their cross-entropy
    predictions: np.ndarray      # member 0's prediction for every test image
    slices: dict                 # {slice: (accuracy, n)}
    X: np.ndarray = None         # the images analysed
    y: np.ndarray = None

    def worst_slice(self, min_size=20):
        """The slice of at least ``min_size`` images with the lowest accuracy."""
        big = {k: v for k, v in self.slices.items() if v[1] >= min_size}
        return min(big, key=lambda k: big[k][0])


def error_analysis(ensemble, X=None, y=None, *, n_worst=12):
    """Confusion pairs, the ``n_worst`` highest-loss images and accuracy per slice of member 0, on
    the test set or on images ``X`` with labels ``y`` (a week of the stream, say)."""
    from sklearn.metrics import confusion_matrix  # noqa: PLC0415

    sp = digits_split()
    if (X is None) != (y is None):
        raise ValueError("Give both X and y (images and their labels), or neither for the test set.")
    X, y = (sp.X_test, sp.y_test) if X is None else (_rows(X), np.asarray(y).ravel())
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} images but y has {len(y)} labels; give one label per image.")
    z = ensemble.logits(X)
    p = softmax(z)
    pred = p.argmax(1)
    cm = confusion_matrix(y, pred, labels=range(10))
    off = [(int(i), int(j), int(cm[i, j])) for i in range(10) for j in range(10) if i != j and cm[i, j]]
    off.sort(key=lambda t: (-t[2], t[0], t[1]))
    loss = -np.log(p[np.arange(len(p)), y] + 1e-12)
    worst = np.argsort(-loss, kind="stable")[:check_int("n_worst", n_worst, low=1, high=len(loss))]
    masks = {k: v for k, v in slice_masks(X, y).items() if v.any()}      # a slice with no image here is left out
    return ErrorAnalysis(ensemble.seed, float((pred == y).mean()), cm, off, worst, loss[worst], pred,
                         slice_accuracy(pred, y, masks), X, y)


# --- 5. knowing when it does not know ------------------------------------------------------------------

LETTERS = "ACEFHKLMNPRTUVWXYaehkmnrtuwy"      # no O, I, S, Z, B, G, b, g, q, l: they look like digits
OOD_SETS = ("letters", "noise", "rotated digits")


def _glyph(ch, sup=4):
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415
    from matplotlib.textpath import TextPath  # noqa: PLC0415

    tp = TextPath((0, 0), ch, size=10, prop=FontProperties(family="DejaVu Sans", weight="bold"))
    v = tp.vertices
    (x0, y0), (x1, y1) = v.min(0), v.max(0)
    n = SIDE * sup
    scale = (n * 0.85) / max(x1 - x0, y1 - y0)
    g = np.arange(n) + 0.5
    xx, yy = np.meshgrid(g, g)
    pts = np.c_[(xx.ravel() - n / 2) / scale + (x0 + x1) / 2, (n / 2 - yy.ravel()) / scale + (y0 + y1) / 2]
    inside = tp.contains_points(pts).reshape(n, n).astype(np.float32)
    img = inside.reshape(SIDE, sup, SIDE, sup).mean((1, 3))
    return img / max(float(img.max()), 1e-9)


_LETTERS = []


def letters():
    """Letters drawn as 8x8 images like the digits (DejaVu Sans Bold, rendered here, offline):
    each of :data:`LETTERS` as drawn and shifted one pixel each way, rounded to 17 grey levels."""
    if not _LETTERS:
        base = np.stack([_glyph(c).ravel() for c in LETTERS])
        moved = [base] + [shift(base, dx, dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        _LETTERS.append(quantize(np.concatenate(moved)))
    return _LETTERS[0]


def ood_sets(seed=0):
    """The inputs the model was never meant for: letters, noise (sparse random ink) and the test
    digits rotated a quarter turn."""
    rng = np.random.default_rng([check_int("seed", seed, low=0), 21])
    noise = quantize(rng.uniform(0, 1, (200, N_PIXELS)) * (rng.uniform(0, 1, (200, N_PIXELS)) < 0.3))
    rot = np.rot90(digits_split().X_test.reshape(-1, SIDE, SIDE), 1, axes=(1, 2)).reshape(-1, N_PIXELS)
    return {"letters": letters(), "noise": noise, "rotated digits": np.ascontiguousarray(rot)}


def mutual_information(probs):
    """The ensemble's disagreement: entropy of the mean prediction minus the mean entropy of
    the members (0 when all members agree; ``probs`` is ``(members, n, classes)``)."""
    P = np.asarray(probs, np.float64)
    mean = P.mean(0)
    h_mean = -(mean * np.log(mean + 1e-12)).sum(-1)
    h_each = -(P * np.log(P + 1e-12)).sum(-1).mean(0)
    return np.maximum(h_mean - h_each, 0.0)


def auroc(in_scores, out_scores):
    """Area under the ROC curve of a score that should be higher for OOD inputs (0.5: chance)."""
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415

    a, b = np.asarray(in_scores), np.asarray(out_scores)
    return float(roc_auc_score(np.r_[np.zeros(len(a)), np.ones(len(b))], np.r_[a, b]))


@dataclasses.dataclass
class OOD:
    seed: int
    sets: dict                   # {name: X}
    msp_in: np.ndarray           # member 0's max softmax on the test digits
    msp_out: dict
    mi_in: np.ndarray            # the ensemble's mutual information
    mi_out: dict
    auroc_msp: dict              # {name: AUROC of 1 - max softmax}
    auroc_mi: dict               # {name: AUROC of the mutual information}


def run_ood(ensemble):
    """Max-softmax confidence (member 0) against ensemble disagreement as OOD detectors."""
    sp = digits_split()
    sets = ood_sets(ensemble.seed)
    P_in = ensemble.probs(sp.X_test)
    msp_in, mi_in = P_in[0].max(1), mutual_information(P_in)
    msp_out, mi_out, a_msp, a_mi = {}, {}, {}, {}
    for name, X in sets.items():
        P = ensemble.probs(X)
        msp_out[name], mi_out[name] = P[0].max(1), mutual_information(P)
        a_msp[name] = auroc(1 - msp_in, 1 - msp_out[name])
        a_mi[name] = auroc(mi_in, mi_out[name])
    return OOD(ensemble.seed, sets, msp_in, msp_out, mi_in, mi_out, a_msp, a_mi)
