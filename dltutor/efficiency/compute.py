"""Lesson 08 · compute: what a model costs, how to make it smaller, and reuse (pure, seeded).

* cost: :func:`count_flops` counts a model's FLOPs per example from its layers;
  :func:`run_cost_table` measures training throughput for a few widths with eager execution,
  ``tf.function`` and XLA (``jit_compile=True``), on each device;
* batch size: :func:`run_batch_size` trains one network at one batch size and records accuracy
  per epoch and the measured time per epoch (time to a target accuracy);
* smaller: :func:`magnitude_mask` and :func:`prune` (masks written out), :func:`finetune_pruned`
  (the mask applied again after every optimizer step), :func:`run_pruning` (a sweep);
  :func:`run_quantization` (Keras' ``model.quantize("int8")``: real bytes, accuracy, agreement
  and latency); :func:`run_litert` (``model.export(format="litert")`` and the LiteRT
  interpreter); :func:`run_distillation` (a small student on a teacher's soft targets);
* precision: :func:`dtype_policy` (a Keras policy that is always put back) and
  :func:`run_mixed_precision` (float32, ``mixed_float16``, ``mixed_bfloat16``; the CPU float16
  trap and Grappler's ``remapping``);
* reuse: :func:`pretrain` (digits 0-4), :func:`run_transfer` (digits 5-9 from k labels per class:
  frozen body, fine-tuning, scratch) and :func:`run_forgetting` (catastrophic forgetting and
  rehearsal).

Times are measured live on the student's machine and never asserted by a test; the accuracies
and sizes are asserted over seeds 0-9 on stand-ins for other machines in ``tests/efficiency/``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import gzip
import logging
import os
import tempfile
import threading
import time
import warnings

import numpy as np

from dltutor import data as _data
from dltutor._backend import keras, quiet_native_stderr, tf
from dltutor._cache import bounded_cache
from dltutor._checks import check_choice, check_float, check_int
from dltutor.env import perturbation
from dltutor.models import build_mlp, reinitialize
from dltutor.training import StopTraining, reset_optimizers, train

__all__ = ["MODES", "POLICIES", "BATCH_SIZES", "SPARSITIES", "REF_WIDTH", "TARGET", "dense_flops",
           "count_flops", "count_params", "CostRow", "measure_throughput", "run_cost_table", "BatchRun",
           "run_batch_size", "Reference", "train_reference", "magnitude_mask", "prune", "sparsity_of",
           "gzip_bytes", "weight_bytes", "evaluate", "finetune_pruned", "PruningSweep", "run_pruning",
           "Quantization", "run_quantization", "litert_interpreter", "LiteRT", "run_litert", "Distillation",
           "run_distillation", "dtype_policy", "remapping", "PrecisionRow", "run_mixed_precision", "pretrain",
           "Transfer", "run_transfer", "transfer_model", "TRANSFER_MODES", "Forgetting", "run_forgetting", "devices"]

MODES = ("eager", "tf.function", "XLA")
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1347)   # 1347: the whole training split, one step an epoch
SPARSITIES = (0.5, 0.8, 0.9, 0.95)
REF_WIDTH, REF_EPOCHS, REF_BATCH = 256, 20, 64        # the reference MLP 64-256-256-10
TARGET = 0.95                                         # the batch-size section's target accuracy
BATCH_LEARNING_RATE = 3e-3
TASK_A, TASK_B = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
_LOCK = threading.RLock()          # shared models: one user of their weights at a time


_lru = bounded_cache          # dltutor._cache: bounded, least recently used first out


_DIGITS = {}


def _digits():
    if "d" not in _DIGITS:
        _DIGITS["d"] = _data.load_digits(seed=0)
    return _DIGITS["d"]


_MODELS = {}


def _shared(name, make):
    """One model per architecture and process: re-initialized for each run, so its compiled
    training step is traced once (a new model costs a trace, 0.3-1 s)."""
    with _LOCK:
        if name not in _MODELS:
            _MODELS[name] = make()
        return _MODELS[name]


_CALLS = {}


def _logits(model, X):
    """The model's logits for every row of ``X`` in one compiled call."""
    fn = _CALLS.get(id(model))
    if fn is None:
        fn = _CALLS[id(model)] = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    return fn(tf.constant(np.asarray(X, np.float32))).numpy()


def _accuracy(model, X, y):
    return float((_logits(model, X).argmax(1) == y).mean())


# --- 1. what a model costs ----------------------------------------------------------------------------

def dense_flops(n_in, n_out):
    """FLOPs of a Dense layer for one example: ``n_in * n_out`` multiply-adds, two FLOPs each
    (the bias and the activation are ignored, as is usual)."""
    return 2 * check_int("n_in", n_in, low=1) * check_int("n_out", n_out, low=1)


def count_flops(model):
    """Forward-pass FLOPs per example, counted from the model's Dense and Conv2D layers
    (a training step costs about three times as much: the forward pass and two for the backward)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            total += dense_flops(int(layer.kernel.shape[0]), int(layer.kernel.shape[1]))
        elif isinstance(layer, keras.layers.Conv2D):
            kh, kw, c_in, c_out = (int(s) for s in layer.kernel.shape)
            h, w = (int(s) for s in layer.output.shape[1:3])
            total += 2 * kh * kw * c_in * c_out * h * w
    return total


def count_params(model, *, trainable_only=False):
    """Number of weights (all, or the trainable ones)."""
    weights = model.trainable_weights if trainable_only else model.weights
    return int(sum(int(np.prod(w.shape)) for w in weights))


def devices():
    """The devices TensorFlow can train on here, e.g. ``("CPU:0",)`` or ``("CPU:0", "GPU:0")``."""
    return tuple(f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}" for d in tf.config.list_logical_devices()
                 if d.device_type in ("CPU", "GPU"))


@dataclasses.dataclass(frozen=True)
class CostRow:
    """One line of the cost table: a network, its size, and measured training examples per second."""

    device: str
    width: int
    depth: int
    batch_size: int
    params: int
    flops: int
    examples_per_s: dict          # {mode: examples per second}


def _train_step(model, mode):
    opt = keras.optimizers.SGD(0.01)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    variables = model.trainable_variables

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    if mode == "eager":
        return step
    return tf.function(step, jit_compile=(mode == "XLA"))


def measure_throughput(model, mode, *, batch_size=64, seconds=0.25, device=None):
    """Training examples per second of ``model`` on the digits with ``mode`` (eager, tf.function or
    XLA): warm up (the trace and compile are not counted), then run steps for ``seconds``."""
    check_choice("mode", mode, MODES)
    d = _digits()
    n = check_int("batch_size", batch_size, low=1, high=len(d.X_train))
    x = tf.constant(d.X_train[:n].astype(np.float32))
    y = tf.constant(d.y_train[:n])
    with tf.device(device or devices()[0]):
        step = _train_step(model, mode)
        with quiet_native_stderr():             # XLA logs "Compiled cluster using XLA!" natively
            step(x, y).numpy()                  # trace (and compile) once, outside the clock
        steps, start = 0, time.perf_counter()
        while True:
            loss = step(x, y)
            steps += 1
            if steps % 5 == 0 and time.perf_counter() - start >= seconds:
                break
        loss.numpy()
        elapsed = time.perf_counter() - start
    return steps * n / elapsed


def run_cost_table(*, widths=(32, 512), depth=2, modes=MODES, batch_size=64, seconds=0.25, device=None):
    """Parameters, FLOPs and measured training throughput (examples/s) per width and mode."""
    rows = []
    for width in widths:
        width = check_int("width", width, low=1, high=8192)
        model = build_mlp(64, 10, depth=depth, width=width, seed=0)
        speed = {m: measure_throughput(model, m, batch_size=batch_size, seconds=seconds, device=device)
                 for m in modes}
        rows.append(CostRow(device or devices()[0], width, depth, batch_size, count_params(model),
                            count_flops(model), speed))
    return rows


# --- 2. batch size, time and accuracy ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BatchRun:
    """One training run at one batch size: held-out accuracy after each epoch and the measured
    seconds per epoch (the median, without the first epoch, which also traces the step)."""

    batch_size: int
    seed: int
    accuracy: np.ndarray          # after each epoch
    epoch_seconds: float
    examples_per_s: float
    epochs_run: int
    stop_reason: str | None = None    # None, "stopped" or "diverged" (as :class:`~dltutor.training.TrainResult`)
    message: str = ""                 # what happened and what to do, for a diverged run

    @property
    def steps_per_epoch(self):
        return -(-len(_digits().X_train) // self.batch_size)

    def epochs_to(self, target=TARGET):
        """The first epoch (1-based) at which the accuracy reached ``target``, or None."""
        hit = np.flatnonzero(self.accuracy >= target)
        return int(hit[0]) + 1 if len(hit) else None

    def time_to(self, target=TARGET):
        """Seconds of training to reach ``target`` (epochs times the measured epoch time), or None."""
        e = self.epochs_to(target)
        return None if e is None else e * self.epoch_seconds


_BATCH_RUNS = _lru(48)
_WARM = set()


def run_batch_size(batch_size=64, *, epochs=20, seed=0, learning_rate=BATCH_LEARNING_RATE, stop=None, callbacks=(), cache=True):
    """Train the MLP 64-64-10 on the digits at ``batch_size`` (remembered per setting; ``cache=False``
    trains again and remembers the new run; a stopped run is not remembered)."""
    d = _digits()
    batch_size = check_int("batch_size", batch_size, low=1)
    if batch_size > len(d.X_train):
        raise ValueError(f"batch_size {batch_size} is larger than the training set ({len(d.X_train)} images): "
                         f"choose at most {len(d.X_train)} (one step an epoch).")
    epochs = check_int("epochs", epochs, low=1, high=200)
    seed = check_int("seed", seed, low=0)
    key = (batch_size, epochs, seed, learning_rate, perturbation())

    def make():
        def check_stop(epoch, logs):
            if stop is not None and stop.is_set():
                raise StopTraining

        with _LOCK:
            model = _shared("batch", lambda: build_mlp(64, 10, depth=1, width=64, seed=0))
            if batch_size not in _WARM:      # trace this batch size's step once, outside the clock
                train(model, d.X_train, d.y_train, epochs=1, batch_size=batch_size, learning_rate=learning_rate,
                      validation_data=(d.X_test, d.y_test))
                _WARM.add(batch_size)
            reinitialize(model, seed=seed)
            reset_optimizers(model)
            result = train(model, d.X_train, d.y_train, epochs=epochs, batch_size=batch_size,
                           learning_rate=learning_rate, seed=seed, validation_data=(d.X_test, d.y_test),
                           callbacks=[check_stop, *callbacks], stop=stop)
        per_epoch = result.seconds / max(result.epochs_run, 1)
        acc = np.asarray(result.history.history.get("val_accuracy", []), float)
        return BatchRun(batch_size, seed, acc, per_epoch, len(d.X_train) / per_epoch, result.epochs_run,
                        result.stop_reason if result.stop_reason in ("stopped", "diverged") else None,
                        result.message if result.diverged else "")

    if not cache:
        _BATCH_RUNS.store.pop(key, None)
    out = _BATCH_RUNS(key, make)
    if out.epochs_run < epochs and out.stop_reason != "diverged":      # a stopped run is not remembered
        _BATCH_RUNS.store.pop(key, None)
    return out


# --- 3. make it smaller: pruning ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False)
class Reference:
    """The trained reference MLP 64-256-256-10: its weights and held-out accuracy."""

    weights: list
    test_accuracy: float
    seed: int


def _ref_model():
    return _shared("ref", lambda: build_mlp(64, 10, depth=2, width=REF_WIDTH, seed=0, name="reference"))


_REFS = _lru(6)


def train_reference(seed=0, *, stop=None, callbacks=(), cache=True):
    """Train the reference MLP 64-256-256-10 (20 epochs, batch 64; remembered per seed and machine;
    ``cache=False`` trains again). A stopped run raises :class:`~dltutor.training.StopTraining`."""
    seed = check_int("seed", seed, low=0)
    key = (seed, perturbation())

    def make():
        d = _digits()
        with _LOCK:
            model = _ref_model()
            reinitialize(model, seed=seed)
            reset_optimizers(model)
            r = train(model, d.X_train, d.y_train, epochs=REF_EPOCHS, batch_size=REF_BATCH, learning_rate=1e-3,
                      seed=seed, stop=stop, callbacks=list(callbacks))
            if r.epochs_run < REF_EPOCHS:
                raise StopTraining
            return Reference([w.copy() for w in model.get_weights()], _accuracy(model, d.X_test, d.y_test), seed)

    if not cache:
        _REFS.store.pop(key, None)
    return _REFS(key, make)


def magnitude_mask(kernel, sparsity):
    """1 for the weights of ``kernel`` whose magnitude is among the largest ``1 - sparsity``, 0 for the rest."""
    sparsity = _check_sparsity(sparsity)
    kernel = np.asarray(kernel)
    k = int(round(sparsity * kernel.size))           # how many weights go
    mask = np.ones(kernel.size, kernel.dtype)
    mask[np.argsort(np.abs(kernel), axis=None)[:k]] = 0
    return mask.reshape(kernel.shape)


def _check_sparsity(sparsity):
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float, np.number)) or not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must be at least 0 and below 1 (0.9 removes 90% of each layer's weights; "
                         f"1 would remove them all); got {sparsity!r}.")
    return float(sparsity)


def prune(weights, sparsity):
    """``weights`` (a Keras ``get_weights()`` list) with each kernel's smallest ``sparsity`` zeroed
    (per layer; biases kept), and the masks."""
    masks = [magnitude_mask(w, sparsity) if w.ndim > 1 else None for w in weights]
    return [w * m if m is not None else w.copy() for w, m in zip(weights, masks)], masks


def sparsity_of(weights):
    """The share of zeros among the kernels' weights."""
    kernels = [np.asarray(w) for w in weights if np.ndim(w) > 1]
    return float(sum((k == 0).sum() for k in kernels) / sum(k.size for k in kernels))


def weight_bytes(weights):
    """Bytes the weights take in memory (float32: 4 per weight)."""
    return int(sum(np.asarray(w).nbytes for w in weights))


def gzip_bytes(weights):
    """Bytes of the weights once gzip-compressed: zeros compress, so this is what pruning saves on disk."""
    return len(gzip.compress(b"".join(np.ascontiguousarray(w).tobytes() for w in weights), compresslevel=6))


def evaluate(weights):
    """Held-out accuracy of the reference MLP with ``weights`` set."""
    d = _digits()
    with _LOCK:
        model = _ref_model()
        model.set_weights(weights)
        return _accuracy(model, d.X_test, d.y_test)


_FINETUNE_STEP = {}


def _zero_state(opt):
    """Zero an optimizer's step count and moments (its learning rate kept), as
    :func:`dltutor.training.reset_optimizers` does for the optimizers ``train`` caches."""
    for var in opt.variables:
        if "learning_rate" not in var.path:
            var.assign(tf.zeros_like(var))


def _masked_step(model, batch_size=REF_BATCH):
    """One epoch of Adam steps (one compiled call); after every step each kernel is multiplied by
    its mask, so the pruned weights stay 0."""
    if id(model) not in _FINETUNE_STEP:
        kernels = [v for v in model.trainable_variables if len(v.shape) > 1]
        masks = [tf.Variable(tf.ones(v.shape), trainable=False) for v in kernels]
        opt = keras.optimizers.Adam(1e-3)
        opt.build(model.trainable_variables)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        @tf.function
        def epoch(X, y, order):
            for i in tf.range(0, tf.shape(order)[0], batch_size):
                idx = order[i:i + batch_size]
                with tf.GradientTape() as tape:
                    loss = loss_fn(tf.gather(y, idx), model(tf.gather(X, idx), training=True))
                grads = tape.gradient(loss, model.trainable_variables)
                opt.apply_gradients(zip(grads, model.trainable_variables))
                for v, m in zip(kernels, masks):
                    v.assign(v * m)             # the mask, applied again after every step
        _FINETUNE_STEP[id(model)] = (epoch, masks, opt)
    return _FINETUNE_STEP[id(model)]


_FINETUNED = _lru(24)


def finetune_pruned(reference, sparsity, *, epochs=5, stop=None):
    """Prune ``reference`` to ``sparsity`` and train it ``epochs`` more epochs with the mask kept;
    returns the fine-tuned weights (remembered per setting)."""
    sparsity = _check_sparsity(sparsity)
    epochs = check_int("epochs", epochs, low=0, high=100)
    key = (id(reference), reference.seed, sparsity, epochs, perturbation())

    def make():
        d = _digits()
        pruned, masks = prune(reference.weights, sparsity)
        with _LOCK:
            model = _ref_model()
            epoch, mask_vars, opt = _masked_step(model)
            model.set_weights(pruned)
            for var, m in zip(mask_vars, [m for m in masks if m is not None]):
                var.assign(m)
            _zero_state(opt)
            rng = np.random.default_rng([reference.seed, 8])
            X, y = tf.constant(d.X_train.astype(np.float32)), tf.constant(d.y_train.astype(np.int32))
            for _ in range(epochs):
                if stop is not None and stop.is_set():
                    raise StopTraining
                epoch(X, y, tf.constant(rng.permutation(len(d.X_train)).astype(np.int32)))
            return [w.copy() for w in model.get_weights()]

    return _FINETUNED(key, make)


@dataclasses.dataclass(frozen=True)
class PruningSweep:
    """Held-out accuracy against sparsity, pruned once (one-shot) and fine-tuned, with gzip sizes."""

    seed: int
    dense_accuracy: float
    dense_gzip: int
    sparsities: tuple
    one_shot: np.ndarray
    fine_tuned: np.ndarray        # NaN where not fine-tuned
    gzip: np.ndarray


def run_pruning(seed=0, *, sparsities=SPARSITIES, fine_tune=True, epochs=5, fine_tune_from=0.0):
    """One-shot and fine-tuned accuracy and the gzip size of the weights at each sparsity (fine-tuned
    only from ``fine_tune_from`` up: NaN below it)."""
    ref = train_reference(seed)
    sparsities = tuple(_check_sparsity(s) for s in sparsities)
    one, fine, size = [], [], []
    for s in sparsities:
        pruned, _ = prune(ref.weights, s)
        one.append(evaluate(pruned))
        size.append(gzip_bytes(pruned))
        fine.append(evaluate(finetune_pruned(ref, s, epochs=epochs)) if fine_tune and s >= fine_tune_from else np.nan)
    return PruningSweep(seed, ref.test_accuracy, gzip_bytes(ref.weights), sparsities, np.array(one),
                        np.array(fine), np.array(size))


# --- 3b. int8 quantization, LiteRT, distillation -----------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Quantization:
    """The reference MLP in float32 and after ``model.quantize("int8")``: real bytes of its weights,
    held-out accuracy, how often the two agree, and milliseconds per 1,000 images here."""

    float_bytes: int
    int8_bytes: int
    float_accuracy: float
    int8_accuracy: float
    agreement: float
    float_ms: float
    int8_ms: float

    @property
    def ratio(self):
        return self.int8_bytes / self.float_bytes


def _ms_per_1000(fn, X, repeats=5):
    """Milliseconds per 1,000 images: the best of ``repeats`` calls (warm: the first call traces)."""
    x = tf.constant(np.asarray(X, np.float32))
    fn(x)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.asarray(fn(x))
        best = min(best, time.perf_counter() - start)
    return best * 1000 / len(X) * 1000


@contextlib.contextmanager
def _quiet_keras():
    """Keras warns 'Layer InputLayer does not have a `quantize` method' for layers that have no weights;
    the LiteRT converter and interpreter log from C++ (hidden unless TF_CPP_MIN_LOG_LEVEL is set)."""
    loggers = [logging.getLogger("absl"), tf.get_logger()]     # and "INFO: Assets written to ..."
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), quiet_native_stderr():    # the converter's and interpreter's C++ logs
            warnings.filterwarnings("ignore", message=".*does not have a `quantize` method.*")
            warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _fresh_reference(ref):
    model = build_mlp(64, 10, depth=2, width=REF_WIDTH, seed=0, name="reference_copy")
    model.set_weights(ref.weights)
    return model


def run_quantization(seed=0):
    """``model.quantize("int8")`` on a copy of the reference MLP: sizes, accuracy, agreement, latency."""
    d = _digits()
    ref = train_reference(seed)
    fp = _fresh_reference(ref)
    q = _fresh_reference(ref)
    with _quiet_keras():
        q.quantize("int8")
    f_fn = tf.function(lambda x: fp(x, training=False))
    q_fn = tf.function(lambda x: q(x, training=False))
    X = tf.constant(d.X_test.astype(np.float32))
    pf, pq = f_fn(X).numpy().argmax(1), q_fn(X).numpy().argmax(1)
    X1000 = np.resize(d.X_test, (1000, 64)).astype(np.float32)
    return Quantization(weight_bytes([w.numpy() for w in fp.weights]), weight_bytes([w.numpy() for w in q.weights]),
                        float((pf == d.y_test).mean()), float((pq == d.y_test).mean()), float((pf == pq).mean()),
                        _ms_per_1000(f_fn, X1000), _ms_per_1000(q_fn, X1000))


def litert_interpreter():
    """The LiteRT interpreter class: ``ai_edge_litert``'s (a dependency of dltutor wherever it has
    wheels), else TensorFlow's older, deprecated ``tf.lite.Interpreter``; None where neither exists."""
    try:
        from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415
        return Interpreter
    except ImportError:
        pass
    return getattr(getattr(tf, "lite", None), "Interpreter", None)


@dataclasses.dataclass(frozen=True)
class LiteRT:
    """The reference MLP exported to LiteRT (float32 and dynamic-range int8): file bytes, held-out
    accuracy, agreement with the Keras model and milliseconds per 1,000 images in the interpreter."""

    available: bool
    message: str
    interpreter: str = ""
    file_bytes: dict = dataclasses.field(default_factory=dict)
    accuracy: dict = dataclasses.field(default_factory=dict)
    agreement: dict = dataclasses.field(default_factory=dict)
    ms: dict = dataclasses.field(default_factory=dict)


def _run_tflite(Interpreter, path, X):
    interp = Interpreter(model_path=path)
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    interp.resize_tensor_input(inp["index"], list(X.shape))
    interp.allocate_tensors()

    def call(x):
        interp.set_tensor(inp["index"], np.asarray(x, np.float32))
        interp.invoke()
        return interp.get_tensor(out["index"])
    return call


def run_litert(seed=0, *, folder=None):
    """Export the reference MLP with ``model.export(path, format="litert")`` (float32, and with
    ``optimizations=[tf.lite.Optimize.DEFAULT]``: int8 weights) and run it in the LiteRT interpreter.

    Where no interpreter is installed, returns ``LiteRT(available=False, message=...)`` saying what
    to install: the rest of the lesson does not need it.
    """
    Interpreter = litert_interpreter()
    if Interpreter is None:
        return LiteRT(False, "No LiteRT interpreter here: pip install ai-edge-litert (it has wheels for Python "
                             "3.10-3.13 on Linux, Windows and Apple-silicon Macs), then restart the kernel. The "
                             "rest of the lesson does not need it.")
    d = _digits()
    ref = train_reference(seed)
    model = _fresh_reference(ref)
    keras_pred = model(d.X_test.astype(np.float32), training=False).numpy().argmax(1)
    out = LiteRT(True, "", f"{Interpreter.__module__}.{Interpreter.__name__}")
    with tempfile.TemporaryDirectory() if folder is None else contextlib.nullcontext(folder) as where:
        for name, kwargs in (("float32", {}), ("int8 weights", {"optimizations": [tf.lite.Optimize.DEFAULT]})):
            path = os.path.join(where, f"reference_{name.split()[0]}.tflite")
            with _quiet_keras(), contextlib.redirect_stdout(None):
                model.export(path, format="litert", verbose=False, **kwargs)
            out.file_bytes[name] = os.path.getsize(path)
            with _quiet_keras():
                call = _run_tflite(Interpreter, path, d.X_test)
                pred = call(d.X_test).argmax(1)
                out.accuracy[name] = float((pred == d.y_test).mean())
                out.agreement[name] = float((pred == keras_pred).mean())
                X1000 = np.resize(d.X_test, (1000, 64)).astype(np.float32)
                call1000 = _run_tflite(Interpreter, path, X1000)
                out.ms[name] = _ms_per_1000(lambda x: call1000(x.numpy()), X1000)
    return out


@dataclasses.dataclass(frozen=True)
class Distillation:
    """The same small student trained on the labels and on a teacher's soft targets, per seed."""

    seeds: tuple
    teacher: np.ndarray           # held-out accuracy per seed
    labels: np.ndarray
    distilled: np.ndarray
    student_params: int
    teacher_params: int
    temperature: float

    @property
    def gain(self):
        return self.distilled - self.labels


def _soft_loss(temperature, alpha):
    T = float(temperature)

    def loss(targets, logits):
        # targets: the one-hot label (first 10 columns) and the teacher's logits (last 10)
        onehot, teacher = targets[:, :10], targets[:, 10:]
        hard = keras.losses.categorical_crossentropy(onehot, logits, from_logits=True)
        soft = keras.losses.categorical_crossentropy(tf.nn.softmax(teacher / T), logits / T, from_logits=True)
        return tf.reduce_mean(alpha * hard + (1 - alpha) * T * T * soft)
    return loss


_STUDENT_STEP = {}


def _student_fit(targets, seed, loss_key, loss, epochs, batch_size=64):
    d = _digits()
    with _LOCK:
        model = _shared("student", lambda: build_mlp(64, 10, depth=1, width=8, seed=0, name="student"))
        reinitialize(model, seed=seed)
        key = (id(model), loss_key)
        if key not in _STUDENT_STEP:
            opt = keras.optimizers.Adam(3e-3)
            opt.build(model.trainable_variables)

            @tf.function
            def epoch(X, T, order):              # one compiled call per epoch: the batches in a graph loop
                n = tf.shape(order)[0]
                for i in tf.range(0, n, batch_size):
                    idx = order[i:i + batch_size]
                    with tf.GradientTape() as tape:
                        value = loss(tf.gather(T, idx), model(tf.gather(X, idx), training=True))
                    grads = tape.gradient(value, model.trainable_variables)
                    opt.apply_gradients(zip(grads, model.trainable_variables))
            _STUDENT_STEP[key] = (epoch, opt)
        epoch, opt = _STUDENT_STEP[key]
        _zero_state(opt)
        rng = np.random.default_rng([seed, 9])
        X, T = tf.constant(d.X_train.astype(np.float32)), tf.constant(targets)
        for _ in range(epochs):
            epoch(X, T, tf.constant(rng.permutation(len(d.X_train)).astype(np.int32)))
        return _accuracy(model, d.X_test, d.y_test), count_params(model)


_DISTILLED = _lru(32)


def run_distillation(seeds=(0, 1, 2), *, temperature=4.0, alpha=0.0, epochs=40):
    """Student 64-8-10 trained on the labels, and on the reference MLP's soft targets at ``temperature``
    (``alpha`` weighs the labels' loss in), for each seed."""
    temperature = check_float("temperature", temperature, low=0.0, high=100.0, low_open=True)
    alpha = check_float("alpha", alpha, low=0.0, high=1.0)
    d = _digits()
    teacher, plain, distilled = [], [], []
    params = 0
    for seed in seeds:
        seed = check_int("seed", seed, low=0)

        def make(seed=seed):
            ref = train_reference(seed)
            onehot = np.eye(10, dtype=np.float32)[d.y_train]
            with _LOCK:
                model = _ref_model()
                model.set_weights(ref.weights)
                logits = _logits(model, d.X_train)
            hard = np.concatenate([onehot, np.zeros_like(onehot)], axis=1)
            soft = np.concatenate([onehot, logits], axis=1).astype(np.float32)
            a, n = _student_fit(hard, seed, ("labels",), _soft_loss(1.0, 1.0), epochs)
            b, _ = _student_fit(soft, seed, ("soft", temperature, alpha), _soft_loss(temperature, alpha), epochs)
            return ref.test_accuracy, a, b, n

        t, a, b, params = _DISTILLED((seed, temperature, alpha, epochs, perturbation()), make)
        teacher.append(t)
        plain.append(a)
        distilled.append(b)
    with _LOCK:
        teacher_params = count_params(_ref_model())
    return Distillation(tuple(seeds), np.array(teacher), np.array(plain), np.array(distilled), params,
                        teacher_params, temperature)


# --- 4. mixed precision, and its trap -----------------------------------------------------------------

@contextlib.contextmanager
def dtype_policy(name):
    """Inside the block Keras builds layers with the policy ``name``; the previous one is always put back."""
    check_choice("dtype policy", name, POLICIES)
    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)


@contextlib.contextmanager
def remapping(enabled):
    """Inside the block TensorFlow's graph optimizer fuses (``True``) or does not fuse (``False``)
    MatMul + BiasAdd + activation into one kernel; the previous setting is always put back."""
    before = tf.config.optimizer.get_experimental_options()
    tf.config.optimizer.set_experimental_options({"remapping": bool(enabled)})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"remapping": before.get("remapping", True)})


@dataclasses.dataclass(frozen=True)
class PrecisionRow:
    """Training examples per second under one dtype policy (``model.fit``, the usual way)."""

    device: str
    policy: str
    remapping: bool
    examples_per_s: float
    final_loss: float


def run_mixed_precision(policies=POLICIES, *, n_examples=320, batch_size=32, width=256, remapping_off=True,
                        device=None):
    """``model.fit`` throughput of the MLP 64-width-width-10 under each policy (and float16 with
    remapping off), on ``device``. The global policy and optimizer options are put back after."""
    d = _digits()
    n = check_int("n_examples", n_examples, low=batch_size, high=len(d.X_train))
    runs = [(p, True) for p in policies]
    if remapping_off and "mixed_float16" in policies:
        runs.append(("mixed_float16", False))
    for p, _ in runs:
        check_choice("dtype policy", p, POLICIES)
    X, y = d.X_train[:n].astype(np.float32), d.y_train[:n]
    rows = []
    dev = device or devices()[0]
    for policy, remap in runs:
        with dtype_policy(policy), remapping(remap), tf.device(dev):
            L = keras.layers
            model = keras.Sequential([keras.Input((64,)), L.Dense(width, activation="relu"),
                                      L.Dense(width, activation="relu"), L.Dense(10),
                                      L.Activation("linear", dtype="float32")])     # logits in float32
            opt = keras.optimizers.Adam(1e-3)   # Keras wraps it in a LossScaleOptimizer for mixed_float16
            model.compile(opt, keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(X[:batch_size * 2], y[:batch_size * 2], batch_size=batch_size, epochs=1, verbose=0)   # trace
            start = time.perf_counter()
            h = model.fit(X, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
            rows.append(PrecisionRow(dev, policy, remap, n / (time.perf_counter() - start),
                                     float(h.history["loss"][-1])))
    return rows


# --- 5. reuse: transfer learning and forgetting -----------------------------------------------------

def _task(labels, classes):
    idx = np.flatnonzero(np.isin(labels, classes))
    return idx


_PRETRAINED = _lru(12)


def pretrain(seed=0, *, epochs=30):
    """The MLP 64-64-64-10 trained on task A, digits 0-4 only: its weights and its accuracy on A."""
    seed = check_int("seed", seed, low=0)

    def make():
        d = _digits()
        a = _task(d.y_train, TASK_A)
        with _LOCK:
            model = _shared("ab", lambda: build_mlp(64, 10, depth=2, width=64, seed=0, name="tasks"))
            reinitialize(model, seed=seed)
            reset_optimizers(model)
            train(model, d.X_train[a], d.y_train[a], epochs=epochs, batch_size=64, learning_rate=1e-3, seed=seed)
            return [w.copy() for w in model.get_weights()]

    return _PRETRAINED((seed, epochs, perturbation()), make)


@dataclasses.dataclass(frozen=True)
class Transfer:
    """Task B (digits 5-9) learned from ``k`` labels per class three ways: a new head on the frozen
    body pretrained on digits 0-4, fine-tuning that body, and the same network from scratch."""

    seed: int
    k: int
    accuracy: dict                # {mode: held-out accuracy on digits 5-9}
    trainable: dict               # {mode: trainable parameters}
    seconds: dict                 # {mode: training time here}


TRANSFER_MODES = ("frozen body", "fine-tuned", "scratch")
_TRANSFERS = _lru(64)


def _pick(y, k, seed):
    rng = np.random.default_rng([seed, 5, k])
    return np.concatenate([rng.choice(np.flatnonzero(y == c), k, replace=False) for c in np.unique(y)])


def run_transfer(seed=0, *, k=3, steps=100):
    """Train each mode ``steps`` full-batch Adam steps on ``k`` labelled images per class of digits 5-9."""
    seed = check_int("seed", seed, low=0)
    d = _digits()
    b_train = _task(d.y_train, TASK_B)
    most = int(np.bincount(d.y_train[b_train])[list(TASK_B)].min())
    k = check_int("labels per class", k, low=1, high=most)

    def make():
        body = pretrain(seed)
        idx = b_train[_pick(d.y_train[b_train], k, seed)]
        X, y = d.X_train[idx], d.y_train[idx] - 5
        te = _task(d.y_test, TASK_B)
        Xt, yt = d.X_test[te], d.y_test[te] - 5
        acc, trainable, secs = {}, {}, {}
        with _LOCK:
            # frozen body: the pretrained hidden layers compute features once; only a new head trains
            src = _shared("ab", lambda: build_mlp(64, 10, depth=2, width=64, seed=0, name="tasks"))
            src.set_weights(body)
            features = _shared("features", lambda: keras.Model(src.inputs, src.get_layer("act_2").output))
            F, Ft = _logits(features, X), _logits(features, Xt)
            head = _shared("head", lambda: build_mlp(64, 5, depth=0, seed=0, name="head"))
            reinitialize(head, seed=seed)
            reset_optimizers(head)
            start = time.perf_counter()
            train(head, F, y, epochs=steps, learning_rate=3e-3, seed=seed)
            secs["frozen body"] = time.perf_counter() - start
            acc["frozen body"] = _accuracy(head, Ft, yt)
            trainable["frozen body"] = count_params(head, trainable_only=True)
            net = _shared("b", lambda: build_mlp(64, 5, depth=2, width=64, seed=0, name="task_b"))
            for mode in ("fine-tuned", "scratch"):
                reinitialize(net, seed=seed)          # a new head (and, for scratch, a new body)
                if mode == "fine-tuned":
                    w = net.get_weights()
                    net.set_weights(body[:4] + w[4:])
                reset_optimizers(net)
                start = time.perf_counter()
                train(net, X, y, epochs=steps, learning_rate=3e-3, seed=seed)
                secs[mode] = time.perf_counter() - start
                acc[mode] = _accuracy(net, Xt, yt)
                trainable[mode] = count_params(net, trainable_only=True)
        return Transfer(seed, k, acc, trainable, secs)

    return _TRANSFERS((seed, k, steps, perturbation()), make)


@dataclasses.dataclass(frozen=True)
class Forgetting:
    """Accuracy on task A (digits 0-4) and task B (5-9) after training on A, then after training
    on B alone (catastrophic forgetting), and after training on B with ``rehearsal`` A images per
    class mixed in."""

    seed: int
    rehearsal: int
    after_a: tuple                # (accuracy on A, on B)
    after_b: tuple
    after_b_rehearsed: tuple


_FORGETTING = _lru(64)


def run_forgetting(seed=0, *, rehearsal=20, epochs=30):
    """Task A, then task B alone, then task B with ``rehearsal`` old images per class (same start)."""
    seed = check_int("seed", seed, low=0)
    d = _digits()
    a_train = _task(d.y_train, TASK_A)
    fewest = int(min(np.bincount(d.y_train[a_train])[list(TASK_A)]))
    rehearsal = check_int("rehearsal images per class", rehearsal, low=0, high=fewest)

    def make():
        body = pretrain(seed)
        b = _task(d.y_train, TASK_B)
        ta, tb = _task(d.y_test, TASK_A), _task(d.y_test, TASK_B)

        def both(model):
            return (_accuracy(model, d.X_test[ta], d.y_test[ta]), _accuracy(model, d.X_test[tb], d.y_test[tb]))

        with _LOCK:
            model = _shared("ab", lambda: build_mlp(64, 10, depth=2, width=64, seed=0, name="tasks"))
            model.set_weights(body)
            after_a = both(model)
            out = []
            for extra in (0, rehearsal):
                model.set_weights(body)
                reset_optimizers(model)
                old = a_train[_pick(d.y_train[a_train], extra, seed)] if extra else np.array([], int)
                idx = np.concatenate([b, old])
                train(model, d.X_train[idx], d.y_train[idx], epochs=epochs, batch_size=64, learning_rate=1e-3,
                      seed=seed)
                out.append(both(model))
        return Forgetting(seed, rehearsal, after_a, out[0], out[1])

    return _FORGETTING((seed, rehearsal, epochs, perturbation()), make)


def transfer_model(seed=0):
    """A new network for task B (digits 5-9): the body pretrained on digits 0-4 and a new 5-way head
    (``hidden_1``, ``hidden_2``, ``logits``); every layer trainable. A fresh model on each call."""
    body = pretrain(seed)
    model = build_mlp(64, 5, depth=2, width=64, seed=seed, name="transfer")
    model.set_weights(body[:4] + model.get_weights()[4:])
    return model
