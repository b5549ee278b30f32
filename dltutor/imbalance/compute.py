"""Lesson 03 · compute: pure, seeded experiments on imbalanced data that return frozen results.

* :func:`make_data` is the lesson's tabular set (``make_classification``, 3% positives);
* :func:`fit_method` trains the 32-32 network with one fix from :data:`METHODS` and scores the
  validation set; :func:`imbalance_metrics` is every number the lesson shows, from
  ``sklearn.metrics``;
* :func:`run_ratio_sweep` is the accuracy paradox, :func:`run_comparison` every fix side by
  side, :func:`run_initial_bias` the ``b0 = log(pos/neg)`` trick, :func:`run_rare_digit` one
  digit made rare.

The samplers are imbalanced-learn's, the class weights Keras' ``class_weight`` semantics, the
focal loss Keras' ``BinaryFocalCrossentropy``; what is written here is only the lesson.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from dltutor import data as _data
from dltutor._backend import keras, tf
from dltutor._checks import check_choice, check_float, check_int
from dltutor.models import ModelPool
from dltutor.training import train

# method -> what the menu shows
METHODS = {
    "none": "no fix",
    "class_weight": "class weights",
    "random_over": "random oversampling",
    "smote": "SMOTE",
    "adasyn": "ADASYN",
    "random_under": "random undersampling",
    "tomek": "Tomek links",
    "nearmiss": "NearMiss-1",
    "balanced_batches": "balanced batches",
    "focal": "focal loss",
    "threshold": "threshold moving",
}
RESAMPLERS = ("random_over", "smote", "adasyn", "random_under", "tomek", "nearmiss")
K_NEIGHBORS = 5          # SMOTE's k_neighbors and ADASYN's n_neighbors (imbalanced-learn's default)
EPOCHS, BATCH_SIZE, LEARNING_RATE, WIDTH, N_SAMPLES = 15, 128, 1e-3, 32, 10_000

# one model (and compiled training step) serves every run: re-initialized per seed
_POOL = ModelPool(tunable=False, max_models=3)


def check_method(method):
    """``method`` if it is one of :data:`METHODS`, else a ValueError naming the closest one."""
    return check_choice("method", method, tuple(METHODS))


def make_data(ratio=0.03, *, n_samples=N_SAMPLES, n_features=4, separation=2.2, flip_y=0.01, seed=0):
    """The lesson's set: two overlapping Gaussian clouds, the minority (label 1) a ``ratio`` share.

    The majority is standard normal in ``n_features`` dimensions; the minority is the same cloud
    shifted by ``separation`` standard deviations along a random direction; then a ``flip_y``
    share of all labels is redrawn at random (label noise, as in ``make_classification``).
    The geometry is the same for every seed (only the draw changes), so a lesson's numbers
    hold for all of them. Half the rows train, half validate (stratified).
    """
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    ratio = check_float("ratio", ratio, low=0.0, high=0.5, low_open=True)
    n_samples = check_int("n_samples", n_samples, low=20, high=1_000_000)
    n_features = check_int("n_features", n_features, low=1, high=100)
    separation = check_float("separation", separation, low=0.0, high=100.0)
    flip_y = check_float("flip_y", flip_y, low=0.0, high=1.0)
    n_minority = round(ratio * n_samples)
    if n_minority < 4:
        raise ValueError(f"a minority share of {ratio:.1%} of {n_samples} samples is {n_minority} "
                         "minority samples, fewer than the 2 the training half and the 2 the "
                         "validation half each need: raise the number of samples or the share.")
    rng = np.random.default_rng([seed, 3])
    y = np.zeros(n_samples, "int32")
    y[rng.permutation(n_samples)[:n_minority]] = 1
    direction = rng.normal(size=n_features)
    X = rng.normal(size=(n_samples, n_features))
    X[y == 1] += separation * direction / np.linalg.norm(direction)
    flip = rng.random(n_samples) < flip_y
    y[flip] = rng.integers(0, 2, int(flip.sum()))
    X_tr, X_te, y_tr, y_te = train_test_split(X.astype("float32"), y, test_size=0.5, stratify=y,
                                              random_state=seed)
    return _data.Dataset("imbalanced", X_tr, y_tr, X_te, y_te, 2,
                         f"two Gaussian clouds, minority share {ratio:.1%}")


def imbalance_metrics(y_true, scores, threshold=0.5):
    """Every number the lesson shows, from ``sklearn.metrics``, for positive-class ``scores``.

    ``pr_auc`` is the *average precision* (``average_precision_score``: precision averaged over
    the recall steps, no interpolation), not the trapezoid area under the PR curve.
    """
    from sklearn import metrics as M  # noqa: PLC0415

    threshold = check_float("threshold", threshold, low=0.0, high=1.0)
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    _check_two_classes(y_true, "y_true")
    pred = (scores >= threshold).astype(int)
    return {
        "accuracy": M.accuracy_score(y_true, pred),
        "precision": M.precision_score(y_true, pred, zero_division=0.0),
        "recall": M.recall_score(y_true, pred),
        "f1": M.f1_score(y_true, pred, zero_division=0.0),
        "balanced_accuracy": M.balanced_accuracy_score(y_true, pred),
        "roc_auc": M.roc_auc_score(y_true, scores),
        "pr_auc": M.average_precision_score(y_true, scores),
    }


def _check_two_classes(y, what):
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"{what} holds only class {classes[0] if len(classes) else '(none)'}: "
                         "imbalance needs both classes (0 = majority, 1 = minority). Raise the "
                         "ratio or the number of samples.")


def make_sampler(method, *, seed=0):
    """The imbalanced-learn sampler behind a resampling method."""
    from imblearn import over_sampling as over  # noqa: PLC0415
    from imblearn import under_sampling as under  # noqa: PLC0415

    return {"random_over": lambda: over.RandomOverSampler(random_state=seed),
            "smote": lambda: over.SMOTE(k_neighbors=K_NEIGHBORS, random_state=seed),
            "adasyn": lambda: over.ADASYN(n_neighbors=K_NEIGHBORS, random_state=seed),
            "random_under": lambda: under.RandomUnderSampler(random_state=seed),
            "tomek": under.TomekLinks,
            "nearmiss": lambda: under.NearMiss(version=1)}[method]()


def check_minority(method, n_minority):
    """A ValueError in the student's terms when SMOTE/ADASYN have too few minority neighbours."""
    if method in ("smote", "adasyn") and n_minority <= K_NEIGHBORS:
        raise ValueError(f"{METHODS[method]} draws each new point between a minority sample and one of "
                         f"its {K_NEIGHBORS} nearest minority neighbours, so it needs at least "
                         f"{K_NEIGHBORS + 1} minority training samples; these settings leave "
                         f"{n_minority}. Raise the minority share or the number of samples, or "
                         "pick random oversampling.")


def class_weights(y):
    """Keras ``class_weight`` that makes both classes weigh the same in the loss
    (``sklearn.utils.class_weight.compute_class_weight("balanced")``)."""
    from sklearn.utils.class_weight import compute_class_weight  # noqa: PLC0415

    classes = np.unique(y)
    return dict(zip(classes.tolist(), compute_class_weight("balanced", classes=classes, y=y).tolist()))


def focal_loss(y_true, logits):
    """Keras' binary focal loss (γ = 2) on the two-logit network: its logit is ``l1 - l0``."""
    z = logits[:, 1:] - logits[:, :1]
    y = tf.cast(tf.reshape(y_true, [-1, 1]), z.dtype)
    return _FOCAL(y, z)


_FOCAL = keras.losses.BinaryFocalCrossentropy(gamma=2.0, from_logits=True)


def positive_scores(model, X):
    """P(class 1) for each row: the softmax of the network's two logits."""
    return np.asarray(tf.nn.softmax(model(X, training=False))[:, 1], dtype=float)


@dataclasses.dataclass(frozen=True)
class ImbalanceRun:
    """One trained network and its scores on the validation set.

    ``metrics`` are at ``threshold`` (0.5, or the positive rate for threshold moving);
    :meth:`at` gives them at any other threshold without retraining.
    """

    method: str
    seed: int
    y_true: np.ndarray           # validation labels
    scores: np.ndarray           # P(minority) per validation row
    threshold: float
    trained_on: tuple            # (majority, minority) rows the network trained on
    history: dict
    stop_reason: str
    message: str
    positive_rate: float         # minority share of the training set

    @property
    def label(self):
        return METHODS[self.method]

    def at(self, threshold):
        return imbalance_metrics(self.y_true, self.scores, threshold)

    @property
    def metrics(self):
        return self.at(self.threshold)

    @property
    def majority_accuracy(self):
        """Accuracy of always predicting the majority class (``DummyClassifier``)."""
        return float((self.y_true == 0).mean())

    def operating_point(self, threshold=None):
        """``(fpr, tpr, precision)`` at a threshold: where the model sits on the ROC and PR curves."""
        t = self.threshold if threshold is None else threshold
        pred = self.scores >= t
        pos = self.y_true == 1
        tpr = float(pred[pos].mean())
        fpr = float(pred[~pos].mean())
        precision = float(pos[pred].mean()) if pred.any() else 1.0
        return fpr, tpr, precision


def _resample(method, X, y, seed):
    if method in RESAMPLERS:
        check_minority(method, int((y == 1).sum()))
        return make_sampler(method, seed=seed).fit_resample(X, y)
    if method == "balanced_batches":
        from imblearn.keras import BalancedBatchGenerator  # noqa: PLC0415

        # the generator undersamples once, then serves shuffled balanced batches; its rows train
        # in the compiled loop below (the same rows, the same batch size)
        gen = BalancedBatchGenerator(X, y, batch_size=BATCH_SIZE, random_state=seed)
        return X[gen.indices_], y[gen.indices_]
    return X, y


def fit_method(data=None, method="none", *, seed=0, epochs=EPOCHS, threshold=None,
               initial_bias=False, callbacks=(), stop=None):
    """Train the 32-32 network on ``data`` with one fix, and score the validation set.

    Parameters
    ----------
    data : Dataset, optional
        Default :func:`make_data` (3% positives) for ``seed``.
    method : one of :data:`METHODS`
        ``"none"`` plain cross-entropy; ``"class_weight"`` Keras ``class_weight`` (balanced);
        a resampler (``"random_over"``, ``"smote"``, ``"adasyn"``, ``"random_under"``,
        ``"tomek"``, ``"nearmiss"``: imbalanced-learn, training set only);
        ``"balanced_batches"`` imbalanced-learn's ``BalancedBatchGenerator``; ``"focal"`` Keras'
        ``BinaryFocalCrossentropy(gamma=2)``; ``"threshold"`` the plain network decided at the
        training set's positive rate instead of 0.5.
    threshold : float in [0, 1], optional
        Where scores become "minority"; default 0.5 (the positive rate for ``"threshold"``).
    initial_bias : bool
        Start the output bias at ``log(pos/neg)`` (the network's first guess is the base rate).
    seed : int
        Seeds the data (when not given), the sampler, the weights and the shuffling.
    """
    method = check_method(method)
    seed = check_int("seed", seed, low=0)
    data = make_data(seed=seed) if data is None else data
    X, y = data.X_train, data.y_train
    _check_two_classes(y, "the training labels")
    prior = float((y == 1).mean())
    X_fit, y_fit = _resample(method, X, y, seed)
    model = _POOL.get(data.n_features, 2, depth=2, width=WIDTH, seed=seed)
    if initial_bias:
        model.layers[-1].bias.assign([0.0, float(np.log(prior / (1 - prior)))])
    result = train(model, X_fit, y_fit, epochs=epochs, batch_size=BATCH_SIZE,
                   learning_rate=LEARNING_RATE, validation_data=(data.X_test, data.y_test),
                   class_weight=class_weights(y) if method == "class_weight" else None,
                   loss=focal_loss if method == "focal" else None,
                   callbacks=callbacks, stop=stop, seed=seed)
    if threshold is None:
        threshold = prior if method == "threshold" else 0.5
    threshold = check_float("threshold", threshold, low=0.0, high=1.0)
    return ImbalanceRun(method, seed, np.asarray(data.y_test), positive_scores(model, data.X_test),
                        threshold, (int((y_fit == 0).sum()), int((y_fit == 1).sum())),
                        {k: list(v) for k, v in result.history.history.items()},
                        result.stop_reason, result.message, prior)


# --- experiments ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RatioSweep:
    """The accuracy paradox: ``(len(ratios),)`` arrays against the minority share."""

    ratios: np.ndarray
    accuracy: np.ndarray
    majority_accuracy: np.ndarray
    recall: np.ndarray
    balanced_accuracy: np.ndarray
    pr_auc: np.ndarray


def run_ratio_sweep(ratios=(0.5, 0.2, 0.1, 0.05, 0.03, 0.01), *, seed=0):
    """The plain network at each minority share: accuracy stays high as minority recall falls."""
    runs = [fit_method(make_data(r, seed=seed), "none", seed=seed) for r in ratios]
    col = lambda key: np.array([r.metrics[key] for r in runs])  # noqa: E731
    return RatioSweep(np.asarray(ratios, float), col("accuracy"),
                      np.array([r.majority_accuracy for r in runs]), col("recall"),
                      col("balanced_accuracy"), col("pr_auc"))


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Every method on the same data and seed: ``runs[method]`` and a table (:meth:`to_frame`)."""

    runs: dict

    def to_frame(self):
        """A ``pandas.DataFrame``: one row per method, the metrics at its operating point."""
        import pandas as pd  # noqa: PLC0415

        rows = []
        for run in self.runs.values():
            fpr, tpr, _ = run.operating_point()
            rows.append({"method": run.label, "trained on (maj/min)": "{}/{}".format(*run.trained_on),
                         "threshold": run.threshold, **run.metrics, "FPR": fpr})
        return pd.DataFrame(rows).set_index("method").round(3)


def run_comparison(methods=tuple(METHODS), *, data=None, seed=0, epochs=EPOCHS):
    """:func:`fit_method` for each method on the same data (default 3% positives) and seed."""
    data = make_data(seed=seed) if data is None else data
    return Comparison({m: fit_method(data, check_method(m), seed=seed, epochs=epochs) for m in methods})


@dataclasses.dataclass(frozen=True)
class InitialBias:
    """The first epochs' training loss with the output bias at 0 and at ``log(pos/neg)``."""

    b0: float
    loss_at_init: tuple      # (bias 0, bias b0): the loss before any step
    first_epoch: tuple       # (bias 0, bias b0): the first epoch's mean training loss
    curves: tuple            # (bias 0, bias b0): training loss per epoch
    base_rate_loss: float    # the loss of always predicting the base rate: its entropy


def run_initial_bias(data=None, *, seed=0, epochs=10):
    """Train the plain network twice, with and without the initial-bias trick (TF tutorial)."""
    data = make_data(seed=seed) if data is None else data
    p = float((data.y_train == 1).mean())
    init, first, curves = [], [], []
    for bias in (False, True):
        model = _POOL.get(data.n_features, 2, depth=2, width=WIDTH, seed=seed)
        if bias:
            model.layers[-1].bias.assign([0.0, float(np.log(p / (1 - p)))])
        logits = model(data.X_train, training=False)
        init.append(float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(data.y_train, logits)))
        result = train(model, data.X_train, data.y_train, epochs=epochs, batch_size=BATCH_SIZE,
                       learning_rate=LEARNING_RATE, seed=seed)
        curves.append(np.asarray(result.history.history["loss"]))
        first.append(float(curves[-1][0]))
    entropy = float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))
    return InitialBias(float(np.log(p / (1 - p))), tuple(init), tuple(first), tuple(curves), entropy)


@dataclasses.dataclass(frozen=True)
class RareDigit:
    """Per-class validation recall ``(10,)`` of a digits network before and after a fix."""

    digit: int
    kept: int                 # training images of the rare digit
    recall_before: np.ndarray
    recall_after: np.ndarray
    method: str


def run_rare_digit(digit=8, *, keep=0.01, method="class_weight", seed=0, epochs=60):
    """Keep only ``keep`` of one digit's training images; per-class recall before/after a fix.

    ``method``: ``"class_weight"`` or ``"random_over"`` (imbalanced-learn, all classes).
    """
    from sklearn.metrics import recall_score  # noqa: PLC0415

    digit = check_int("digit", digit, low=0, high=9)
    keep = check_float("keep", keep, low=0.0, high=1.0, low_open=True)
    if method not in ("class_weight", "random_over"):
        raise ValueError(f"method must be 'class_weight' or 'random_over' here, got {method!r}.")
    d = _data.load_digits(seed=seed)
    rng = np.random.default_rng([seed, digit])
    rare = np.flatnonzero(d.y_train == digit)
    kept = rng.choice(rare, max(1, round(keep * len(rare))), replace=False)
    rows = np.r_[np.flatnonzero(d.y_train != digit), kept]
    X, y = d.X_train[rows], d.y_train[rows]
    recalls = []
    for fix in (None, method):
        Xf, yf = X, y
        if fix == "random_over":
            Xf, yf = make_sampler("random_over", seed=seed).fit_resample(X, y)
        model = _POOL.get(64, 10, depth=1, width=64, seed=seed)
        train(model, Xf, yf, epochs=epochs, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
              class_weight=class_weights(y) if fix == "class_weight" else None, seed=seed)
        pred = np.asarray(model(d.X_test, training=False)).argmax(1)
        recalls.append(recall_score(d.y_test, pred, average=None, labels=range(10), zero_division=0.0))
    return RareDigit(digit, len(kept), recalls[0], recalls[1], method)
