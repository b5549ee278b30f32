"""A compiled training loop for tiny data, and many small networks trained at once.

On a few thousand examples, ``model.fit`` spends most of its time in per-step Python and
``tf.data`` overhead. :func:`train` compiles one whole epoch (every batch step and the
validation pass) into a single ``tf.function`` and calls it once per epoch, so per-epoch
callbacks (live plots, gradient logging, early stopping) still run in Python between epochs.

:func:`train_many` trains ``n`` independent MLPs as one batched model (weights stacked along a
leading axis, ``tf.einsum``), for seed and learning-rate grids.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np

from dltutor._backend import keras, tf
from dltutor._checks import check_choice, check_float, check_int
from dltutor.env import jitter

__all__ = ["History", "TrainResult", "StopTraining", "train", "reset_optimizers", "ManyResult",
           "train_many", "initial_weights"]

OPTIMIZERS = ("adam", "sgd", "rmsprop")
LR_DECAYS = ("cosine",)


class StopTraining(Exception):
    """Raise from a callback to end training cleanly; the history so far is kept."""


class History:
    """Per-epoch metrics with Keras' names: ``history.history["val_accuracy"]``, ``history.epoch``."""

    def __init__(self):
        self.history = {}
        self.epoch = []

    def append(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        return f"History({len(self)} epochs: {', '.join(self.history)})"


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    model : keras.Model
        The trained model (trained in place).
    history : History
        ``history.history`` maps ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy``) to
        one float per completed epoch.
    stop_reason : str or None
        ``None`` (ran all epochs), ``"stopped"`` (stop requested), ``"early_stopping"`` (a
        callback set ``model.stop_training``) or ``"diverged"`` (the loss, the outputs, a
        gradient or a weight became NaN or infinite, or the loss jumped by orders of magnitude).
    seconds : float
        Wall time, first trace included.
    grad_norms : numpy.ndarray or None
        With ``log_gradients=True``: ``(epochs_run, n_layers)`` gradient L2 norm of each Dense
        kernel, measured on the epoch's first batch.
    """

    model: object
    history: History
    stop_reason: str | None
    seconds: float
    grad_norms: np.ndarray | None = None
    divergence: str | None = None    # what diverged, in words ("the loss became NaN or infinite")

    @property
    def epochs_run(self):
        return len(self.history)

    @property
    def diverged(self):
        return self.stop_reason == "diverged"

    def final(self, key):
        """Last value of a metric, e.g. ``result.final("val_accuracy")``."""
        return self.history.history[key][-1]

    @property
    def message(self):
        """A one-line, student-facing account of how training ended."""
        n = self.epochs_run
        if self.stop_reason == "diverged":
            return (f"Training diverged at epoch {n}: {self.divergence}. Lower the learning "
                    "rate, use a smaller initialization, or clip gradients (clipnorm=1.0).")
        if self.stop_reason == "stopped":
            return f"Stopped after {n} epoch{'s' if n != 1 else ''}; the history so far is kept."
        if self.stop_reason == "early_stopping":
            return f"Early stopping ended training after {n} epochs."
        return f"Trained {n} epochs in {self.seconds:.1f} s."


def _as_arrays(X, y, n_features=None, n_classes=None, *, what="X"):
    """Features as float32 and labels as int32, or a ValueError that says what is wrong."""
    try:
        X = np.asarray(X, dtype="float32")
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an array of numbers (n_samples, n_features).") from None
    y = np.asarray(y)
    label = "y" if what == "X" else f"the labels of {what}"
    if X.ndim != 2:
        raise ValueError(f"{what} must be 2-D (n_samples, n_features), got shape {X.shape}.")
    if len(X) == 0:
        raise ValueError(f"{what} is empty: training needs at least one example.")
    if y.shape != (len(X),):
        raise ValueError(f"{label} must have one label per row of {what}: {what} has {len(X)} rows, "
                         f"the labels have shape {y.shape}.")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{what} has {X.shape[1]} features but the model expects {n_features}.")
    if not np.isfinite(X).all():
        raise ValueError(f"{what} contains NaN or infinite values; clean or impute them first.")
    if y.dtype.kind not in "iub":
        whole = y.dtype.kind == "f" and np.isfinite(y).all() and (y == np.round(y)).all()
        if not whole:
            example = y.ravel()[0] if y.size else y
            raise ValueError(f"{label} must be whole-number class labels 0, 1, 2, ...; got "
                             f"{y.dtype} values such as {example!r}. Map them to integers first "
                             "(sklearn.preprocessing.LabelEncoder does it).")
    y = y.astype("int64")
    if (y < 0).any() or (n_classes is not None and (y >= n_classes).any()):
        bad = int(y[(y < 0) | (y >= (n_classes or np.inf))][0])
        top = f"0 to {n_classes - 1}" if n_classes else "0 or more"
        raise ValueError(f"{label} contains the label {bad}, but the model has "
                         f"{n_classes} outputs, so labels must be {top}. Give the last layer one unit "
                         "per class, or map the labels to that range." if n_classes else
                         f"{label} contains the label {bad}; class labels must be {top}.")
    return X, y.astype("int32")


def _as_pair(validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ValueError("validation_data must be a pair (X_val, y_val), e.g. "
                         "validation_data=(data.X_test, data.y_test).")
    return validation_data


def _make_optimizer(optimizer, learning_rate, clipnorm):
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    check_choice("optimizer", optimizer, OPTIMIZERS)
    learning_rate = check_float("learning_rate", learning_rate, low=0.0, high=100.0, low_open=True)
    kwargs = {"learning_rate": learning_rate}
    if clipnorm is not None:
        kwargs["clipnorm"] = check_float("clipnorm", clipnorm, low=0.0, low_open=True)
    return {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
            "rmsprop": keras.optimizers.RMSprop}[optimizer](**kwargs)


def _wrap_callbacks(callbacks):
    wrapped = []
    for cb in callbacks or ():
        if isinstance(cb, keras.callbacks.Callback):
            wrapped.append(cb)
        elif callable(cb):
            wrapped.append(keras.callbacks.LambdaCallback(on_epoch_end=cb))
        else:
            raise TypeError(f"callbacks must be keras callbacks or functions f(epoch, logs), got {cb!r}.")
    return wrapped


def _all_finite(tensors):
    """One boolean: every value of every tensor is finite (no NaN, no inf)."""
    return tf.reduce_all(tf.stack([tf.reduce_all(tf.math.is_finite(x)) for x in tensors]))


# With only function callbacks, train() runs several epochs per compiled call: as many as take
# about CHUNK_SECONDS (at most MAX_CHUNK), so live plots still update a few times a second while
# the per-call overhead (most of an epoch's time on tiny data) is paid once per chunk. The numbers
# are the same as one epoch per call (tested).
CHUNK_SECONDS = 0.08
MAX_CHUNK = 64

# A loss this many times its best so far, and above LOSS_JUMP_FLOOR, counts as diverged even
# while it is still a finite number (a cross-entropy of 100 is far beyond any guess: ln(10) = 2.3).
LOSS_JUMP = 1e4
LOSS_JUMP_FLOOR = 100.0


def _build_epoch_fn(model, optimizer, loss_fn, *, batch_size, has_val, log_gradients, weighted,
                    lr_decay=None):
    """One compiled epoch: shuffle, every batch step, then the validation pass.

    With ``lr_decay="cosine"`` each epoch first sets the optimizer's rate to
    ``lr * (1 + cos(pi * epoch / epochs)) / 2`` (``lr, epochs = schedule``), so the rate falls
    from ``lr`` towards 0 over the run; the trace does not depend on ``lr`` or ``epochs``.

    Traced once per model and settings: the data's size is not baked in (``batch_size=None``
    means one full batch, whatever the size), so new data of another size reuses the trace.
    """
    kernels = [v for v in model.trainable_variables if "kernel" in v.path] if log_gradients else []
    # a 3-D kernel is a stack of layers' kernels (gradients.SwitchableMLP): one norm per layer
    n_norms = sum(v.shape[0] if len(v.shape) == 3 else 1 for v in kernels)
    trainable = model.trainable_variables

    def kernel_norms(grads):
        grads = [tf.convert_to_tensor(g) for g in grads]    # a gather's gradient may be sparse
        return tf.concat([tf.sqrt(tf.reduce_sum(tf.square(g), axis=(1, 2))) if len(g.shape) == 3
                          else tf.reshape(tf.norm(g), [1])
                          for g, v in zip(grads, trainable) if "kernel" in v.path], axis=0)

    n_features = model.input_shape[-1]

    def step(xb, yb, cw):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            # class weights as Keras applies them: each row's loss times its class's weight,
            # summed and divided by the batch size
            loss = loss_fn(yb, logits, sample_weight=tf.gather(cw, yb)) if weighted else loss_fn(yb, logits)
            if model.losses:
                loss = loss + tf.add_n(model.losses)
        grads = tape.gradient(loss, trainable)
        # checked before the step: a NaN logit can come out of argmax or the loss as a plain
        # number inside a compiled function, so the loss alone cannot be trusted to show it
        finite = tf.logical_and(_all_finite(grads), tf.reduce_all(tf.math.is_finite(logits)))
        optimizer.apply(grads, trainable)
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), yb), tf.float32))
        norms = kernel_norms(grads) if kernels else tf.zeros([0])
        return loss, correct, norms, finite

    matrix = tf.TensorSpec([None, n_features], tf.float32)
    labels = tf.TensorSpec([None], tf.int32)

    def run_epoch(X, y, Xv, yv, seed, cw):
        n = tf.shape(X)[0]
        if batch_size is None:                      # one full-batch step: nothing to shuffle
            loss, correct, norms, finite = step(X, y, cw)
            total_loss, total_correct = loss * tf.cast(n, tf.float32), correct
        else:
            perm = tf.argsort(tf.random.stateless_uniform([n], seed=seed))
            steps = (n + batch_size - 1) // batch_size
            total_loss = tf.constant(0.0)
            total_correct = tf.constant(0.0)
            norms = tf.zeros([n_norms])
            finite = tf.constant(True)
            for i in tf.range(steps):
                idx = perm[i * batch_size: tf.minimum((i + 1) * batch_size, n)]
                loss, correct, step_norms, step_finite = step(tf.gather(X, idx), tf.gather(y, idx), cw)
                norms = tf.cond(tf.equal(i, 0), lambda: step_norms, lambda: norms)  # noqa: B023 - first batch
                total_loss += loss * tf.cast(tf.shape(idx)[0], tf.float32)
                total_correct += correct
                finite = tf.logical_and(finite, step_finite)
        logs = {"loss": total_loss / tf.cast(n, tf.float32), "accuracy": total_correct / tf.cast(n, tf.float32)}
        if has_val:
            logits = model(Xv, training=False)
            logs["val_loss"] = loss_fn(yv, logits)
            logs["val_accuracy"] = tf.reduce_mean(
                tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), yv), tf.float32))
            finite = tf.logical_and(finite, tf.reduce_all(tf.math.is_finite(logits)))
        finite = tf.logical_and(finite, _all_finite(model.trainable_variables))
        return logs, norms, finite

    scalar = tf.TensorSpec([], tf.int64)

    @tf.function(input_signature=[matrix, labels, matrix, labels, scalar, scalar, tf.TensorSpec([], tf.int32),
                                  tf.TensorSpec([None], tf.float32), tf.TensorSpec([2], tf.float32)])
    def run_epochs(X, y, Xv, yv, seed, first_epoch, k, cw, schedule):
        """``k`` epochs in one call: per-epoch logs, first-batch gradient norms, finite flags."""
        keys = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if has_val else [])
        logs_out = tf.TensorArray(tf.float32, size=k, element_shape=[len(keys)])
        norms_out = tf.TensorArray(tf.float32, size=k, element_shape=[n_norms])
        finite_out = tf.TensorArray(tf.bool, size=k)
        for i in tf.range(k):
            if lr_decay == "cosine":
                done = tf.cast(first_epoch + tf.cast(i, tf.int64), tf.float32) / schedule[1]
                optimizer.learning_rate.assign(schedule[0] * 0.5 * (1.0 + tf.cos(np.pi * done)))
            logs, norms, finite = run_epoch(X, y, Xv, yv, tf.stack([seed, first_epoch + tf.cast(i, tf.int64)]), cw)
            logs_out = logs_out.write(i, tf.stack([logs[key] for key in keys]))
            norms_out = norms_out.write(i, norms)
            finite_out = finite_out.write(i, finite)
        logs = logs_out.stack()
        return {key: logs[:, j] for j, key in enumerate(keys)}, norms_out.stack(), finite_out.stack()

    return run_epochs


# Training the same model again with the same settings reuses its optimizer and compiled epoch
# (and so continues from the optimizer's state, as model.fit does) instead of tracing again.
# The cache lives on the model itself (not in a module-level table that would keep every model
# alive: the compiled function refers to its model), so it goes away with the model.
_CACHE_ATTR = "_dltutor_compiled"


def _compiled_epoch(model, optimizer, learning_rate, clipnorm, loss=None, **shape):
    given = isinstance(optimizer, keras.optimizers.Optimizer)
    key = (id(optimizer) if given else optimizer, clipnorm, loss, tuple(sorted(shape.items())))
    per_model = model.__dict__.get(_CACHE_ATTR)
    if per_model is None:
        per_model = {}
        object.__setattr__(model, _CACHE_ATTR, per_model)  # bypass Keras' attribute tracking
    if key in per_model:
        opt, fn = per_model[key]
        if not given:
            opt.learning_rate = check_float("learning_rate", learning_rate, low=0.0, high=100.0,
                                            low_open=True)
        return fn
    opt = _make_optimizer(optimizer, learning_rate, clipnorm)
    if not opt.built:
        opt.build(model.trainable_variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True) if loss is None else loss
    fn = _build_epoch_fn(model, opt, loss_fn, **shape)
    per_model[key] = (opt, fn)
    return fn


def reset_optimizers(model):
    """Zero the state (step count, moments) of every optimizer cached for ``model``.

    Training a re-initialized model then starts exactly as with a fresh optimizer, while the
    compiled epoch is reused (see :class:`dltutor.models.ModelPool`).
    """
    for opt, _ in model.__dict__.get(_CACHE_ATTR, {}).values():
        for var in opt.variables:
            if "learning_rate" not in var.path:     # train() sets the rate on every call
                var.assign(tf.zeros_like(var))


def train(model, X, y, *, epochs=20, batch_size=None, learning_rate=0.01, optimizer="adam",
          validation_data=None, callbacks=(), clipnorm=None, seed=0, stop=None,
          log_gradients=False, class_weight=None, loss=None, lr_decay=None):
    """Train a Keras classifier (logits out) with a compiled epoch loop.

    Parameters
    ----------
    model : keras.Model
        Maps ``(batch, n_features)`` to logits ``(batch, n_classes)``; trained in place.
    X : array ``(n_samples, n_features)``
    y : array ``(n_samples,)`` of integer class labels
    epochs : int, default 20
        0 returns at once with an empty history.
    batch_size : int, optional
        Default: the whole training set in one batch (tiny data trains fastest that way).
    learning_rate : float, default 0.01
    optimizer : {"adam", "sgd", "rmsprop"} or keras.optimizers.Optimizer
    validation_data : tuple ``(X_val, y_val)``, optional
    callbacks : list
        Keras callbacks (``keras.callbacks.EarlyStopping(restore_best_weights=True)`` works) or
        functions ``f(epoch, logs)``, called after every epoch. Raise :class:`StopTraining` to
        end training early and keep the history.
    clipnorm : float, optional
        Clip each gradient to this L2 norm (the fix for exploding gradients).
    seed : int, default 0
        Seeds the per-epoch shuffling. Seed the model's initial weights when building it
        (``build_mlp(seed=...)`` or :func:`dltutor.env.seed_everything`).
    stop : threading.Event, optional
        Set it (from a Stop button) to end training after the current epoch. Stopping (also by
        raising :class:`StopTraining`) keeps the history up to that epoch; when several epochs
        run per compiled call (function callbacks only), the model's weights may be those of the
        end of that call, at most ``CHUNK_SECONDS`` later.
    log_gradients : bool
        Record each Dense kernel's gradient norm per epoch in ``result.grad_norms``; callbacks
        also get them as ``logs["grad_norms"]`` (an array, input layer first).
    class_weight : dict, optional
        ``{class: weight}`` as in ``model.fit``: each training row's loss is multiplied by its
        class's weight (classes not named weigh 1). The validation loss is not weighted.
    loss : callable, optional
        ``loss(y_true, logits)`` for a batch, a scalar; default sparse categorical cross-entropy
        from logits. With ``class_weight`` it must take ``sample_weight=`` (Keras losses do).
        Pass the same object each time: a new one traces the training step again.
    lr_decay : {None, "cosine"}
        ``"cosine"``: the learning rate falls from ``learning_rate`` towards 0 over the
        ``epochs``, as ``keras.optimizers.schedules.CosineDecay`` does (set once per epoch).
        Adam at a near-zero loss takes large steps that can knock the training accuracy down
        for a few epochs; a decayed rate ends the run settled. Not with an optimizer object.

    Returns
    -------
    TrainResult
        Divergence does not raise: a NaN or infinite loss, output, gradient or weight (checked
        on every step, not just the loss), or a loss that jumps ``LOSS_JUMP`` times above its
        best and above ``LOSS_JUMP_FLOOR``, stops training; ``result.diverged`` is True and
        ``result.message`` says what happened and what to do.

    Examples
    --------
    >>> from dltutor.data import load_digits
    >>> from dltutor.models import build_mlp
    >>> data = load_digits()
    >>> result = train(build_mlp(64, 10), data.X_train, data.y_train, epochs=5,
    ...                validation_data=(data.X_test, data.y_test))
    >>> sorted(result.history.history)
    ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    """
    start = time.perf_counter()
    epochs = check_int("epochs", epochs, low=0, high=1_000_000)
    seed = check_int("seed", seed, low=0)
    n_classes = model.output_shape[-1]
    X, y = _as_arrays(X, y, model.input_shape[-1], n_classes)
    n = len(X)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, low=1)
        batch_size = None if batch_size >= n else batch_size   # one batch: the full-batch path
    has_val = validation_data is not None
    if has_val:
        Xv, yv = _as_arrays(*_as_pair(validation_data), model.input_shape[-1], n_classes,
                            what="X_val")
    else:
        Xv, yv = X[:1], y[:1]
    cw = _class_weight_vector(class_weight, n_classes)
    if loss is not None and not callable(loss):
        raise TypeError(f"loss must be a function loss(y_true, logits) or a Keras loss, got {loss!r}.")
    if lr_decay is not None:
        check_choice("lr_decay", lr_decay, LR_DECAYS)
        if isinstance(optimizer, keras.optimizers.Optimizer):
            raise ValueError("lr_decay works with optimizer='adam', 'sgd' or 'rmsprop'; give your optimizer "
                             "object a keras.optimizers.schedules learning rate instead.")
    run_epochs = _compiled_epoch(model, optimizer, learning_rate, clipnorm, loss=loss, batch_size=batch_size,
                                 has_val=has_val, log_gradients=log_gradients,
                                 weighted=class_weight is not None, lr_decay=lr_decay)
    schedule = tf.constant([learning_rate if lr_decay else 0.0, max(epochs, 1)], tf.float32)
    # Keras callbacks (EarlyStopping restoring the best weights) need the model as it is after
    # every epoch; plain functions only read the logs, so several epochs can run per call
    per_epoch = any(isinstance(cb, keras.callbacks.Callback) for cb in callbacks or ())
    callbacks = _wrap_callbacks(callbacks)
    history = History()
    norms = []
    for cb in callbacks:
        cb.set_model(model)
    model.stop_training = False
    for cb in callbacks:
        cb.on_train_begin()
    Xt, yt, Xvt, yvt = (tf.constant(a) for a in (X, y, Xv, yv))
    reason = detail = None
    best_loss = np.inf
    epoch, chunk = 0, 1
    while epoch < epochs and reason is None:
        if stop is not None and stop.is_set():
            reason = "stopped"
            break
        k = min(chunk, epochs - epoch)
        tick = time.perf_counter()
        logs_k, norms_k, finite_k = run_epochs(Xt, yt, Xvt, yvt, tf.constant(seed, tf.int64),
                                               tf.constant(epoch, tf.int64), tf.constant(k, tf.int32), cw, schedule)
        logs_k = {key: value.numpy() for key, value in logs_k.items()}
        norms_k, finite_k = norms_k.numpy(), finite_k.numpy()
        if not per_epoch:   # next: as many epochs as fit in CHUNK_SECONDS (the first call traced)
            per = (time.perf_counter() - tick) / k
            chunk = 2 if epoch == 0 else int(min(MAX_CHUNK, max(1, CHUNK_SECONDS / max(per, 1e-6))))
        for j in range(k):
            logs = {key: float(values[j]) for key, values in logs_k.items()}
            history.append(epoch + j, logs)
            if log_gradients:
                norms.append(norms_k[j])
            why = _divergence(logs, bool(finite_k[j]), best_loss)
            if why:
                reason, detail = "diverged", why
                break
            best_loss = min(best_loss, logs["loss"])
            cb_logs = dict(logs)
            if log_gradients:
                cb_logs["grad_norms"] = norms[-1]  # for live plots; not part of the history
            try:
                for cb in callbacks:
                    cb.on_epoch_end(epoch + j, dict(cb_logs))
            except StopTraining:
                reason = "stopped"
                break
            if model.stop_training:
                reason = "early_stopping"
                break
            if stop is not None and stop.is_set() and epoch + j + 1 < epochs:
                reason = "stopped"
                break
        epoch += k
    for cb in callbacks:
        cb.on_train_end()
    return TrainResult(model, history, reason, time.perf_counter() - start,
                       np.array(norms) if log_gradients else None, detail)


def _class_weight_vector(class_weight, n_classes):
    """``{class: weight}`` as a float32 tensor ``(n_classes,)``, or a ValueError in Keras' terms."""
    weights = np.ones(n_classes, "float32")
    if class_weight is None:
        return tf.constant(weights)
    if not isinstance(class_weight, dict):
        raise TypeError("class_weight must be a dict {class: weight}, e.g. {0: 1.0, 1: 30.0}, "
                        f"got {class_weight!r}.")
    for label, weight in class_weight.items():
        label = check_int("a class_weight key", label.item() if isinstance(label, np.generic) else label,
                          low=0, high=n_classes - 1)
        weights[label] = check_float(f"class_weight[{label}]", float(weight), low=0.0, high=1e6)
    return tf.constant(weights)


def _divergence(logs, finite, best_loss):
    """Why this epoch counts as diverged ('' if it does not), in a student's words."""
    loss = logs["loss"]
    if not np.isfinite(loss) or not np.isfinite(logs.get("val_loss", 0.0)):
        return "the loss became NaN or infinite"
    if not finite:
        return "the weights, outputs or gradients became NaN or infinite"
    if loss > LOSS_JUMP_FLOOR and loss > LOSS_JUMP * best_loss:
        return f"the loss jumped from {best_loss:.3g} to {loss:.3g}"
    return ""


# --- many small MLPs at once -----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ManyResult:
    """What :func:`train_many` returns: one row per model.

    ``history[key]`` is an array ``(n_models, epochs)`` for ``loss``, ``accuracy`` and, with
    validation data, ``val_loss`` and ``val_accuracy``.
    """

    seeds: np.ndarray
    learning_rates: np.ndarray
    history: dict
    seconds: float
    diverged_at: np.ndarray | None = None   # (n_models,) first epoch with NaN/inf, -1 if none
    weights: tuple = ()                      # final [W1, b1, W2, b2, ...], each (n_models, ...)
    activation: str = "relu"
    params: np.ndarray | None = None         # (n_models, epochs + 1, n_params) with record_params

    @property
    def n_models(self):
        return len(self.seeds)

    @property
    def diverged(self):
        """``(n_models,)`` bool: the model's loss or weights became NaN or infinite."""
        return self.diverged_at >= 0

    @property
    def message(self):
        """One line for a student: how many models diverged, and what to do."""
        k = int(self.diverged.sum())
        if not k:
            return f"Trained {self.n_models} models in {self.seconds:.1f} s."
        return (f"{k} of {self.n_models} models diverged (their loss jumped by orders of "
                "magnitude, or it or their weights became NaN or infinite); see diverged_at. "
                "Lower their learning rate.")

    def final(self, key):
        """``(n_models,)`` last-epoch values of a metric."""
        return self.history[key][:, -1]

    def predict(self, X):
        """Logits of every model: array ``(n_models, n_samples, n_classes)``."""
        h = np.asarray(X, dtype="float32")[None]
        act = {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh,
               "sigmoid": lambda a: 1 / (1 + np.exp(-a))}[self.activation]
        for i in range(0, len(self.weights), 2):
            h = h @ self.weights[i] + self.weights[i + 1]
            if i < len(self.weights) - 2:
                h = act(h)
        return h


def initial_weights(seeds, sizes):
    """The initial weights :func:`train_many` draws: ``[W1, b1, W2, b2, ...]``.

    ``W`` has shape ``(n_models, fan_in, fan_out)`` (Glorot uniform from ``seeds[m]``), ``b`` is
    ``(n_models, 1, fan_out)`` zeros. ``sizes`` is ``(n_features, *hidden, n_classes)``. Change
    them (flip one bit of one weight, say) and pass them back as ``initial_weights=``. Inside
    :func:`dltutor.env.perturbed` each is nudged (a stand-in for another machine's rounding).
    """
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layer = len(weights)
        weights.append(np.stack([jitter(_glorot(np.random.default_rng([int(s), layer]), fan_in, fan_out), s, layer)
                                 for s in seeds]).astype("float32"))
        weights.append(np.zeros((len(seeds), 1, fan_out), "float32"))
    return weights


_draw_weights = initial_weights     # train_many's own argument has the same name


def _glorot(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


# train_many's compiled epochs, by (models, layer sizes, activation, optimizer, batch size, rows,
# masks, validation shape): a new grid of seeds or learning rates with the same shapes reuses the
# trace (half a second saved per call) and the variables, which are overwritten on every call.
_MANY_CACHE = {}
_MANY_CACHE_SIZE = 8


def _build_many(key, act, start_weights):
    """``(run_epoch, weights, state)`` for :func:`train_many`: the compiled epoch and its variables."""
    m, sizes, _, optimizer, batch_size, masked, val_shape, held_out = key
    has_val = val_shape is not None
    d = sizes[0]
    weights = [tf.Variable(w) for w in start_weights]
    slots = [(tf.Variable(tf.zeros_like(v)), tf.Variable(tf.zeros_like(v))) for v in weights]
    lr = tf.Variable(tf.zeros([m, 1, 1]))
    mom = tf.Variable(tf.zeros([m, 1, 1]))
    t = tf.Variable(0.0)
    seeds = tf.Variable(tf.zeros([m], tf.int64))

    def forward(xb):  # xb (m, b, d) -> logits (m, b, n_classes)
        h = xb
        for i in range(0, len(weights), 2):
            h = tf.einsum("mbi,mio->mbo", h, weights[i]) + weights[i + 1]
            if i < len(weights) - 2:
                h = act(h)
        return h

    def per_model_loss(logits, yb, w):  # -> (m,): weighted mean over each model's rows
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=logits)
        return tf.reduce_sum(ce * w, axis=1) / tf.maximum(tf.reduce_sum(w, axis=1), 1.0)

    def accuracy(logits, yb, w):
        hit = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), yb), tf.float32)
        return tf.reduce_sum(hit * w, axis=1) / tf.maximum(tf.reduce_sum(w, axis=1), 1.0)

    # the number of rows is a dimension of the trace, not a constant in it: data of another size
    # (a new training-set size, another subset) reuses the compiled epoch instead of tracing again
    rows = [tf.TensorSpec([None, d], tf.float32), tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([m, None], tf.float32)]
    val = [tf.TensorSpec([val_shape[0], d], tf.float32), tf.TensorSpec([val_shape[0]], tf.int32)] \
        if has_val else [tf.TensorSpec([1], tf.int32)] * 2        # unused placeholders

    @tf.function(input_signature=[*rows, *val, tf.TensorSpec([], tf.int64)])
    def run_epoch(Xt, yt, Wt, Xv, yv, epoch):
        n = tf.shape(Xt)[0]
        steps = (n + batch_size - 1) // batch_size
        perms = tf.stack([tf.random.experimental.stateless_shuffle(
            tf.range(n), seed=tf.stack([seeds[j], epoch])) for j in range(m)])
        total_loss = tf.zeros([m])
        total_acc = tf.zeros([m])
        for i in tf.range(steps):
            idx = perms[:, i * batch_size: tf.minimum((i + 1) * batch_size, n)]  # (m, b)
            xb, yb = tf.gather(Xt, idx), tf.gather(yt, idx)
            wb = tf.gather(Wt, idx, batch_dims=1)  # (m, b): 1 where model m trains on the row
            with tf.GradientTape() as tape:
                logits = forward(xb)
                losses = per_model_loss(logits, yb, wb)
                total = tf.reduce_sum(losses)  # models are independent: d total / d w_m = d loss_m / d w_m
            grads = tape.gradient(total, weights)
            t.assign_add(1.0)
            for v, g, (m1, m2) in zip(weights, grads, slots):
                if optimizer == "sgd":     # Keras' SGD: velocity = momentum * velocity - lr * g
                    m1.assign(mom * m1 - lr * g)
                    v.assign_add(m1)
                    continue
                rate = lr
                m1.assign(0.9 * m1 + 0.1 * g)
                m2.assign(0.999 * m2 + 0.001 * tf.square(g))
                mhat = m1 / (1.0 - tf.pow(0.9, t))
                vhat = m2 / (1.0 - tf.pow(0.999, t))
                v.assign_sub(rate * mhat / (tf.sqrt(vhat) + 1e-7))
            b = tf.reduce_sum(wb, axis=1)
            total_loss += losses * b
            total_acc += accuracy(logits, yb, wb) * b
        n_rows = tf.reduce_sum(Wt, axis=1)
        out = {"loss": total_loss / n_rows, "accuracy": total_acc / n_rows}
        finite = tf.math.is_finite(out["loss"])     # (m,): each model on its own
        for v in weights:
            finite = tf.logical_and(finite, tf.reduce_all(tf.math.is_finite(v), axis=[1, 2]))
        if has_val:
            logits = forward(tf.broadcast_to(Xv, [m, *Xv.shape]))
            yvm = tf.broadcast_to(yv, [m, yv.shape[0]])
            wv = tf.ones_like(yvm, tf.float32)
        elif masked and held_out:
            logits = forward(tf.broadcast_to(Xt, [m, n, d]))
            yvm = tf.broadcast_to(yt, [m, n])
            wv = 1.0 - Wt
        if has_val or (masked and held_out):
            out["val_loss"] = per_model_loss(logits, yvm, wv)
            out["val_accuracy"] = accuracy(logits, yvm, wv)
            finite = tf.logical_and(finite, tf.math.is_finite(out["val_loss"]))
        return out, finite

    state = {"slots": [v for pair in slots for v in pair], "t": t, "lr": lr, "mom": mom, "seeds": seeds}
    return run_epoch, weights, state


def train_many(X, y, *, seeds=(0, 1, 2, 3), learning_rates=0.01, hidden=(64,),
               activation="relu", epochs=20, batch_size=None, optimizer="adam",
               validation_data=None, train_masks=None, momentum=0.0, initial_weights=None,
               record_params=False, stop=None, callbacks=(), held_out=True):
    """Train one independent MLP per (seed, learning rate) pair as a single batched model.

    Model ``m`` has its own initial weights and its own shuffling, both drawn from ``seeds[m]``,
    and its own learning rate; its numbers do not depend on which other models share the batch.

    Parameters
    ----------
    X : array ``(n_samples, n_features)``
    y : array ``(n_samples,)``
    seeds : sequence of int
        One per model.
    learning_rates : float or sequence of float
        One for all models, or one per model (same length as ``seeds``).
    hidden : tuple of int, default (64,)
        Hidden layer widths.
    activation : {"relu", "tanh", "sigmoid"}
    epochs, batch_size : int
    optimizer : {"adam", "sgd"}
    momentum : float or sequence of float, default 0
        With ``optimizer="sgd"``: heavy-ball momentum as in ``keras.optimizers.SGD(momentum=)``,
        one for all models or one per model.
    initial_weights : list of arrays, optional
        ``[W1, b1, ...]`` as :func:`initial_weights` returns them (default: drawn from ``seeds``).
    record_params : bool, default False
        Keep every model's flattened parameters after each epoch (``result.params``, with the
        initial ones first): for parameter distances between runs.
    stop : threading.Event, optional
        Set it to end training after the current epoch (the history so far is kept).
    callbacks : sequence of callables
        ``f(epoch, logs)`` after every epoch, ``logs`` holding ``(n_models,)`` arrays; raise
        :class:`StopTraining` to end early.
    validation_data : tuple ``(X_val, y_val)``, optional
    train_masks : bool array ``(n_models, n_samples)``, optional
        Row ``m`` marks the samples model ``m`` trains on; the others are its validation set
        (``val_*`` in the history). One batched run then gives k-fold cross-validation or many
        random splits. Not combined with ``validation_data``.
    held_out : bool, default True
        With ``train_masks``: score each model on the rows it does not train on after every epoch
        (``val_*``). False skips that pass (a forward pass of every model over every row, about a
        quarter of an epoch's work) when the masks only say who trains on what.

    Returns
    -------
    ManyResult
        ``result.history["val_accuracy"]`` has shape ``(n_models, epochs)``. A model whose loss
        or weights become NaN or infinite is flagged (``result.diverged``, ``diverged_at``)
        without disturbing the others; if all of them diverge, training ends early.
    """
    start = time.perf_counter()
    X, y = _as_arrays(X, y)
    if isinstance(seeds, (str, bytes)) or not np.iterable(seeds):
        raise TypeError(f"seeds must be a list of whole numbers, one per model (e.g. range(5)), "
                        f"got {seeds!r}.")
    seeds = np.asarray([check_int("seed", s, low=0) for s in seeds], dtype=np.int64)
    if isinstance(hidden, (str, bytes)) or not np.iterable(hidden):
        raise TypeError(f"hidden must be a tuple of layer widths, e.g. (64,) or (32, 32), got {hidden!r}.")
    hidden = tuple(check_int("hidden layer width", h, low=1, high=4096) for h in hidden)
    m = len(seeds)
    if m == 0:
        raise ValueError("seeds must name at least one model.")
    lrs = np.broadcast_to(np.asarray(learning_rates, dtype="float32"), (m,)).copy() \
        if np.ndim(learning_rates) == 0 or len(learning_rates) == m else None
    if lrs is None:
        raise ValueError(f"learning_rates must be one number or one per seed ({m}), "
                         f"got {len(learning_rates)}.")
    for lr in lrs:
        check_float("learning_rate", float(lr), low=0.0, high=100.0, low_open=True)
    if np.ndim(momentum) != 0 and len(momentum) != m:
        raise ValueError(f"momentum must be one number or one per seed ({m}), got {len(momentum)}.")
    moms = np.broadcast_to(np.asarray(momentum, dtype="float32"), (m,)).copy()
    for mom in moms:
        check_float("momentum", float(mom), low=0.0, high=0.999)
    epochs = check_int("epochs", epochs, low=0, high=1_000_000)
    check_choice("optimizer", optimizer, ("adam", "sgd"))
    if moms.any() and optimizer != "sgd":
        raise ValueError("momentum is a setting of optimizer='sgd' (Adam keeps its own); "
                         "pass optimizer='sgd' or leave momentum at 0.")
    act = {"relu": tf.nn.relu, "tanh": tf.tanh, "sigmoid": tf.sigmoid}[
        check_choice("activation", activation, ("relu", "tanh", "sigmoid"))]
    n, d = X.shape
    n_classes = int(y.max()) + 1
    if train_masks is not None:
        if validation_data is not None:
            raise ValueError("give train_masks or validation_data, not both: with masks, each "
                             "model validates on the rows it does not train on.")
        train_masks = np.asarray(train_masks, dtype=bool)
        if train_masks.shape != (m, n):
            raise ValueError(f"train_masks must have shape (n_models, n_samples) = {(m, n)}, "
                             f"got {train_masks.shape}.")
        if (train_masks.sum(1) == 0).any() or (train_masks.sum(1) == n).any():
            raise ValueError("every row of train_masks needs both training and validation samples.")
    weights_in = np.ones((m, n), "float32") if train_masks is None else train_masks.astype("float32")
    batch_size = n if batch_size is None else min(check_int("batch_size", batch_size, low=1), n)
    sizes = [d, *hidden, n_classes]

    if initial_weights is None:
        start_weights = _draw_weights(seeds, sizes)
    else:
        start_weights = [np.asarray(w, dtype="float32") for w in initial_weights]
        want = [s.shape for s in _draw_weights(seeds[:1], sizes)]
        want = [(m, *shape[1:]) for shape in want]
        got = [w.shape for w in start_weights]
        if got != want:
            raise ValueError(f"initial_weights must be arrays of shapes {want} for these seeds, "
                             f"hidden layers and data, got {got}; start from "
                             "dltutor.training.initial_weights(seeds, sizes).")
    Xv = yv = None
    if validation_data is not None:
        Xv, yv = (tf.constant(a) for a in _as_arrays(*_as_pair(validation_data), d, n_classes,
                                                     what="X_val"))
    masked = train_masks is not None
    key = (m, tuple(sizes), activation, optimizer, batch_size, masked,
           None if Xv is None else tuple(Xv.shape), bool(held_out))
    # taken out of the cache while in use: a run in another thread gets its own (not these
    # variables), and it goes back, most recently used last, when this run is done
    compiled = _MANY_CACHE.pop(key, None) or _build_many(key, act, start_weights)
    run_epoch, weights, state = compiled
    for v, w in zip(weights, start_weights):
        v.assign(w)
    for v in state["slots"]:
        v.assign(tf.zeros_like(v))
    state["t"].assign(0.0)
    state["lr"].assign(lrs.reshape(m, 1, 1))
    state["mom"].assign(moms.reshape(m, 1, 1))
    state["seeds"].assign(seeds)
    Xt, yt, Wt = tf.constant(X), tf.constant(y), tf.constant(weights_in)
    val_args = (Xv, yv) if Xv is not None else (tf.zeros([1], tf.int32),) * 2   # placeholders
    rows = []
    diverged_at = np.full(m, -1)
    best = np.full(m, np.inf)

    def flat():
        return np.concatenate([v.numpy().reshape(m, -1) for v in weights], axis=1)

    params = [flat()] if record_params else None
    for epoch in range(epochs):
        if stop is not None and stop.is_set():
            break
        out, finite = run_epoch(Xt, yt, Wt, *val_args, tf.constant(epoch, tf.int64))
        rows.append({k: v.numpy() for k, v in out.items()})
        if record_params:
            params.append(flat())
        loss = rows[-1]["loss"]
        with np.errstate(invalid="ignore"):
            jumped = (loss > LOSS_JUMP_FLOOR) & (loss > LOSS_JUMP * best)   # as in train()
            best = np.fmin(best, loss)
        diverged_at[(diverged_at < 0) & (~finite.numpy() | jumped)] = epoch
        try:
            for callback in callbacks:
                callback(epoch, rows[-1])
        except StopTraining:
            break
        if (diverged_at >= 0).all():       # nothing left to learn: every model has blown up
            break
    # stopped before the first epoch: the same keys, each with no epochs
    validated = Xv is not None or (masked and held_out)
    keys = rows[0].keys() if rows else ("loss", "accuracy") + (("val_loss", "val_accuracy") if validated else ())
    history = {k: (np.stack([r[k] for r in rows], axis=1) if rows else np.zeros((m, 0)))
               for k in keys}
    result = ManyResult(seeds, lrs, history, time.perf_counter() - start, diverged_at,
                        tuple(v.numpy() for v in weights), activation,
                        None if params is None else np.stack(params, axis=1))
    _MANY_CACHE[key] = compiled
    while len(_MANY_CACHE) > _MANY_CACHE_SIZE:
        _MANY_CACHE.pop(next(iter(_MANY_CACHE)))
    return result
