"""Lesson 02 · recurrent: vanishing and exploding gradients *through time*.

* :func:`make_first_symbol`: "remember the first symbol", a sequence task whose answer is its
  first input, followed by noise;
* :func:`run_recurrent`: ``keras.layers.SimpleRNN``, ``LSTM`` and ``GRU`` trained on it side by
  side, with ``‖∂loss/∂x_t‖`` (the gradient reaching each time step's input) at snapshots
  across training, validation accuracy per epoch and gradient norms;
* :func:`run_length_sweep`: accuracy against sequence length, for each cell;
* :func:`run_recurrent_exploding`: a SimpleRNN whose recurrent kernel is scaled by a gain:
  the gradient norm grows with the gain, and ``clipnorm`` keeps training finite.

Many small runs (seeds, cells) train at once: each cell's weights are stacked over the runs
(``(m, ...)``, one row per seed) and a step of all of them is one compiled call (``tf.einsum``).
The stacked cells compute exactly what ``keras.layers.SimpleRNN`` / ``LSTM`` / ``GRU`` compute
with the same weights (Keras' gate order and ``reset_after=True`` GRU; tested in
tests/gradients/test_recurrent.py), and their initial weights are drawn by the Keras
initializers the layers use (Glorot-uniform input kernels, orthogonal recurrent kernels, the
LSTM's forget bias), then passed through :func:`dltutor.env.jitter`, so
:func:`dltutor.env.perturbed` reaches them.
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np

from dltutor._backend import keras, tf
from dltutor._checks import check_choice, check_float, check_int
from dltutor.env import jitter, perturbation

__all__ = ["CELLS", "make_first_symbol", "RecurrentRun", "run_recurrent", "LengthSweep",
           "run_length_sweep", "RecurrentExploding", "run_recurrent_exploding", "initial_cell_weights"]

CELLS = ("SimpleRNN", "LSTM", "GRU")
_GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
MAX_LENGTH = 60
VAL_SIZE = 500        # validation sequences per run (accuracy and the gradients through time)


# --- data ----------------------------------------------------------------------------------------

def make_first_symbol(n_sequences=2000, *, length=30, n_symbols=4, noise=1.0, seed=0):
    """"Remember the first symbol": ``length`` steps, the first a one-hot symbol, then noise.

    Parameters
    ----------
    n_sequences : int, default 2000
    length : int, default 30
        Sequence length ``T`` (time steps), 2 to ``MAX_LENGTH``.
    n_symbols : int, default 4
        Alphabet size: the label is one of ``n_symbols`` classes (chance ``1 / n_symbols``).
    noise : float, default 1.0
        Standard deviation of the Gaussian noise at steps 2 to ``T`` (the distractors).
    seed : int, default 0
        ``numpy.random.default_rng(seed)`` draws symbols and noise.

    Returns
    -------
    X : float32 array ``(n_sequences, length, n_symbols)``
    y : int32 array ``(n_sequences,)``, the first step's symbol

    Examples
    --------
    >>> X, y = make_first_symbol(100, length=20)
    >>> X.shape, y.shape, bool((X[:, 0].argmax(-1) == y).all())
    ((100, 20, 4), (100,), True)
    """
    n_sequences = check_int("n_sequences", n_sequences, low=1, high=1_000_000)
    length = check_int("length", length, low=2, high=MAX_LENGTH)
    n_symbols = check_int("n_symbols", n_symbols, low=2, high=64)
    noise = check_float("noise", noise, low=0.0, high=10.0)
    seed = check_int("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_symbols, size=n_sequences).astype("int32")
    X = np.empty((n_sequences, length, n_symbols), dtype="float32")
    X[:, 0] = np.eye(n_symbols, dtype="float32")[y]
    X[:, 1:] = noise * rng.standard_normal((n_sequences, length - 1, n_symbols))
    return X, y


# --- weights ------------------------------------------------------------------------------------

def initial_cell_weights(cell, *, n_inputs, width, n_classes, seed=0, gain=1.0, gate_bias=0.0):
    """The initial weights ``keras.layers.<cell>(width)`` + ``Dense(n_classes)`` draw for ``seed``.

    ``gain`` scales the orthogonal recurrent kernel (``keras.initializers.Orthogonal(gain=...)``);
    ``gate_bias`` is added to the bias of the gate that keeps the memory (the LSTM's forget
    gate, on top of Keras' ``unit_forget_bias=True`` 1.0; the GRU's update gate ``z``);
    0 for both gives Keras' defaults.

    Returns
    -------
    dict of float32 arrays: ``kernel (n_inputs, g*width)``, ``recurrent (width, g*width)``,
    ``bias`` (``(g*width,)``; GRU ``(2, 3*width)`` as Keras' ``reset_after``), ``head_kernel
    (width, n_classes)``, ``head_bias (n_classes,)`` (g = 1, 4, 3 for SimpleRNN, LSTM, GRU).
    """
    check_choice("cell", cell, CELLS)
    g = _GATES[cell]

    def draw(init, shape, offset):
        return jitter(keras.ops.convert_to_numpy(init(shape, dtype="float32")), seed, offset)

    kernel = draw(keras.initializers.GlorotUniform(seed=seed), (n_inputs, g * width), 0)
    recurrent = draw(keras.initializers.Orthogonal(gain=gain, seed=seed + 1), (width, g * width), 1)
    if cell == "GRU":
        bias = np.zeros((2, g * width), "float32")
        bias[0, :width] = gate_bias                       # update gate z: h = z h + (1 - z) h~
    else:
        bias = np.zeros((g * width,), "float32")
        if cell == "LSTM":
            bias[width:2 * width] = 1.0 + gate_bias       # unit_forget_bias=True, plus ours
    head = draw(keras.initializers.GlorotUniform(seed=seed + 2), (width, n_classes), 2)
    return {"kernel": kernel, "recurrent": recurrent, "bias": bias, "head_kernel": head,
            "head_bias": np.zeros((n_classes,), "float32")}


def keras_model(cell, weights, *, length):
    """A ``keras.Sequential`` with ``keras.layers.<cell>`` and a Dense head holding ``weights``
    (one run's, from :func:`initial_cell_weights`): what the stacked cells compute."""
    check_choice("cell", cell, CELLS)
    width = weights["recurrent"].shape[0]
    n_inputs, n_classes = weights["kernel"].shape[0], weights["head_kernel"].shape[1]
    layer = getattr(keras.layers, cell)(width)
    model = keras.Sequential([keras.Input((length, n_inputs)), layer, keras.layers.Dense(n_classes)])
    layer.set_weights([weights["kernel"], weights["recurrent"], weights["bias"]])
    model.layers[-1].set_weights([weights["head_kernel"], weights["head_bias"]])
    return model


# --- the stacked cells --------------------------------------------------------------------------

def _step(cell, xw, state, w):
    """One time step for m runs at once: ``xw`` the input's projection ``x @ kernel + bias``
    ``(m, b, g*width)`` (computed for every step at once), state ``(m, b, width)`` (LSTM: (h, c))."""
    hu = tf.einsum("mbi,mij->mbj", state[0] if cell == "LSTM" else state, w["recurrent"])
    if cell == "SimpleRNN":
        h = tf.tanh(xw + hu)
        return h, h
    if cell == "LSTM":
        _, c = state
        i, f, cc, o = tf.split(xw + hu, 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(cc)
        h = tf.sigmoid(o) * tf.tanh(c)
        return h, (h, c)
    h = state                                             # GRU, reset_after=True (Keras' default)
    hz = hu + w["bias"][:, 1][:, None]
    x_z, x_r, x_h = tf.split(xw, 3, axis=-1)
    h_z, h_r, h_h = tf.split(hz, 3, axis=-1)
    z = tf.sigmoid(x_z + h_z)
    r = tf.sigmoid(x_r + h_r)
    candidate = tf.tanh(x_h + r * h_h)
    h = z * h + (1.0 - z) * candidate
    return h, h


def _logits(cell, X, w):
    """X ``(m, b, T, k)`` -> logits ``(m, b, n_classes)``; a loop over the T steps (one trace for every T)."""
    shape = tf.shape(X)
    bias = w["bias"][:, 0] if cell == "GRU" else w["bias"]
    xw = tf.einsum("mbtk,mkj->tmbj", X, w["kernel"]) + bias[None, :, None]     # every step's input at once
    zeros = tf.zeros(tf.stack([shape[0], shape[1], tf.shape(w["recurrent"])[1]]))
    state = (zeros, zeros) if cell == "LSTM" else zeros
    h = zeros
    steps = tf.TensorArray(tf.float32, size=shape[2]).unstack(xw)   # read per step: a cheap gradient
    for t in tf.range(shape[2]):
        h, state = _step(cell, steps.read(t), state, w)
    return tf.einsum("mbi,mij->mbj", h, w["head_kernel"]) + w["head_bias"][:, None]


def _losses(logits, y):
    """Per-example cross-entropy ``(m, b)``."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)


_FUNCTIONS = {}      # (cell, optimizer) -> compiled functions, for every T, width and clipnorm


def _compiled(cell, optimizer="adam"):
    key = (cell, optimizer)
    if key in _FUNCTIONS:
        return _FUNCTIONS[key]

    names = ("bias", "head_bias", "head_kernel", "kernel", "recurrent")
    ranks = {"bias": 3 if cell == "GRU" else 2, "head_bias": 2, "head_kernel": 3, "kernel": 3, "recurrent": 3}
    wspec = {k: tf.TensorSpec([None] * ranks[k], tf.float32) for k in names}
    seqs, labels = tf.TensorSpec([None, None, None, None], tf.float32), tf.TensorSpec([None, None], tf.int32)
    scalar = tf.TensorSpec([], tf.float32)

    @tf.function(input_signature=[seqs, labels, wspec])
    def evaluate(X, y, w):
        """On validation data: ``‖∂loss_i/∂x_t‖`` averaged over the examples ``(m, T)``, each run's
        gradient norm ``‖∂loss/∂weights‖`` (mean loss, all weights) ``(m,)``, accuracy and mean loss
        ``(m,)``. One function (one trace) for all four."""
        with tf.GradientTape() as tape:
            tape.watch(X)
            tape.watch([w[k] for k in names])
            logits = _logits(cell, X, w)
            losses = _losses(logits, y)
            total = tf.reduce_sum(losses)
        grad, *wgrads = tape.gradient(total, [X] + [w[k] for k in names])   # row i: its own loss
        n = tf.cast(tf.shape(X)[1], tf.float32)
        sq = tf.add_n([tf.reduce_sum(tf.reshape(g, [tf.shape(g)[0], -1]) ** 2, axis=1) for g in wgrads])
        correct = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y), tf.float32)
        return (tf.reduce_mean(tf.norm(grad, axis=-1), axis=1), tf.sqrt(sq) / n, tf.reduce_mean(correct, axis=1),
                tf.reduce_mean(losses, axis=1))

    @tf.function(input_signature=[seqs, labels, wspec, {k: (wspec[k], wspec[k]) for k in names}, scalar,
                                  labels, scalar, scalar, tf.TensorSpec([], tf.int32)])
    def train_epoch(X, y, w, opt, step, perm, lr, clipnorm, batch_size):
        """One epoch of Adam (Keras' defaults) for every run: per-run losses over the epoch."""
        n = tf.shape(X)[1]
        steps = n // batch_size
        grad_max = tf.zeros(tf.shape(X)[:1])
        finite = tf.ones(tf.shape(X)[:1], tf.bool)
        loss_sum = tf.zeros(tf.shape(X)[:1])
        loss_top = tf.zeros(tf.shape(X)[:1])
        for i in tf.range(steps):
            idx = perm[:, i * batch_size:(i + 1) * batch_size]
            xb = tf.gather(X, idx, batch_dims=1)
            yb = tf.gather(y, idx, batch_dims=1)
            with tf.GradientTape() as tape:
                tape.watch([w[k] for k in names])
                per_run = tf.reduce_mean(_losses(_logits(cell, xb, w), yb), axis=1)    # (m,)
                total = tf.reduce_sum(per_run)             # runs are independent: each its own gradient
            grads = dict(zip(names, tape.gradient(total, [w[k] for k in names])))
            sq = {k: tf.reduce_sum(tf.reshape(grads[k], [tf.shape(grads[k])[0], -1]) ** 2, axis=1)
                  for k in names}                          # (m,) per variable
            norm = tf.sqrt(tf.add_n(list(sq.values())))     # each run's global gradient norm
            grad_max = tf.maximum(grad_max, tf.where(tf.math.is_finite(norm), norm, np.inf))
            finite = finite & tf.math.is_finite(per_run) & tf.math.is_finite(norm)
            loss_sum += per_run
            loss_top = tf.maximum(loss_top, tf.where(tf.math.is_finite(per_run), per_run, np.inf))
            step = step + 1.0
            new_w, new_opt = {}, {}
            for k in names:
                g = grads[k]
                # Keras' clipnorm, each variable on its own; clipnorm = inf (no clipping) scales by 1
                vnorm = tf.sqrt(sq[k])
                scale = tf.minimum(1.0, clipnorm / tf.maximum(vnorm, 1e-30))
                g = g * tf.reshape(scale, [-1] + [1] * (len(g.shape) - 1))
                if optimizer == "sgd":
                    new_w[k], new_opt[k] = w[k] - lr * g, opt[k]
                    continue
                m1 = 0.9 * opt[k][0] + 0.1 * g
                m2 = 0.999 * opt[k][1] + 0.001 * g * g
                alpha = lr * tf.sqrt(1.0 - 0.999 ** step) / (1.0 - 0.9 ** step)
                new_w[k] = w[k] - alpha * m1 / (tf.sqrt(m2) + 1e-7)
                new_opt[k] = (m1, m2)
            w, opt = new_w, new_opt
        return w, opt, step, loss_sum / tf.cast(steps, tf.float32), loss_top, grad_max, finite

    _FUNCTIONS[key] = (evaluate, train_epoch)
    return _FUNCTIONS[key]


_RESULTS = collections.OrderedDict()   # finished trainings, keyed by every setting and the nudge
_MAX_RESULTS = 32


def _train_stack(cell, seeds, *, stop=None, on_epoch=None, cache=True, **settings):
    """Train one run per seed of ``cell`` at once. Returns a dict of per-run arrays.

    A finished training is kept (the last ``_MAX_RESULTS``, keyed by every setting and by
    :func:`dltutor.env.perturbation`), so the same settings again (a length sweep that includes the
    length trained just before, an explorer going back to a setting) cost nothing.
    """
    key = (cell, tuple(seeds), tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v)
                                            for k, v in settings.items())), perturbation())
    if cache and key in _RESULTS:
        _RESULTS.move_to_end(key)
        return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in _RESULTS[key].items()}
    out = _train(cell, seeds, stop=stop, on_epoch=on_epoch, **settings)
    if out["val_accuracy"].shape[1] == settings["epochs"]:      # complete (not stopped): keep it
        _RESULTS[key] = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in out.items()}
        while len(_RESULTS) > _MAX_RESULTS:
            _RESULTS.popitem(last=False)
    return out


def _train(cell, seeds, *, length, width, n_symbols, noise, n_sequences, epochs, learning_rate,
           batch_size, clipnorm=None, optimizer="adam", gain=1.0, gate_bias=0.0, snapshots=(), stop=None,
           on_epoch=None):
    data = [make_first_symbol(n_sequences, length=length, n_symbols=n_symbols, noise=noise, seed=s)
            for s in seeds]
    val = [make_first_symbol(VAL_SIZE, length=length, n_symbols=n_symbols, noise=noise, seed=s + 10_000)
           for s in seeds]
    X = tf.constant(np.stack([d[0] for d in data]))
    y = tf.constant(np.stack([d[1] for d in data]))
    Xv = tf.constant(np.stack([v[0] for v in val]))
    yv = tf.constant(np.stack([v[1] for v in val]))
    inits = [initial_cell_weights(cell, n_inputs=n_symbols, width=width, n_classes=n_symbols, seed=s,
                                  gain=gain, gate_bias=gate_bias) for s in seeds]
    w = {k: tf.constant(np.stack([i[k] for i in inits])) for k in inits[0]}
    opt = {k: (tf.zeros_like(v), tf.zeros_like(v)) for k, v in w.items()}
    evaluate, train_epoch = _compiled(cell, optimizer)     # clipping on or off: the same trace
    step = tf.constant(0.0)
    m = len(seeds)
    snaps, snap_epochs, weight_grads = [], [], []
    acc, val_loss, loss, batch_max, grad_max, finite = [], [], [], [], [], []
    ok = np.ones(m, bool)

    def snapshot(epoch):
        gx, gw, a, vl = evaluate(Xv, yv, w)
        snaps.append(gx.numpy())
        weight_grads.append(gw.numpy())
        snap_epochs.append(epoch)
        return a, vl

    if 0 in snapshots:
        snapshot(0)
    for epoch in range(1, epochs + 1):
        if stop is not None and stop.is_set():
            break
        order = np.stack([np.random.default_rng([s, epoch]).permutation(n_sequences) for s in seeds])
        w, opt, step, epoch_loss, top, gmax, fin = train_epoch(
            X, y, w, opt, step, tf.constant(order, tf.int32), tf.constant(learning_rate, tf.float32),
            tf.constant(np.inf if clipnorm is None else clipnorm, tf.float32), tf.constant(batch_size, tf.int32))
        if epoch in snapshots:
            a, vl = snapshot(epoch)
        else:
            _, _, a, vl = evaluate(Xv, yv, w)
        ok &= fin.numpy()
        loss.append(epoch_loss.numpy())
        batch_max.append(top.numpy())
        grad_max.append(gmax.numpy())
        acc.append(np.where(ok, a.numpy(), np.nan))
        val_loss.append(np.where(ok, vl.numpy(), np.nan))
        finite.append(ok.copy())
        if on_epoch is not None:
            on_epoch(epoch, np.stack(snaps, axis=1), np.stack(acc, axis=1))
    empty = np.zeros((0, m))
    return {
        "input_grads": np.stack(snaps, axis=1) if snaps else np.zeros((m, 0, length)),   # (m, S, T)
        "snapshot_epochs": tuple(snap_epochs),
        "weight_grads": np.stack(weight_grads, axis=1) if weight_grads else np.zeros((m, 0)),   # (m, S)
        "val_accuracy": np.stack(acc, axis=1) if acc else empty.T,                     # (m, epochs)
        "val_loss": np.stack(val_loss, axis=1) if val_loss else empty.T,
        "loss": np.stack(loss, axis=1) if loss else empty.T,
        "batch_loss_max": np.stack(batch_max, axis=1) if batch_max else empty.T,       # the worst batch
        "grad_norm": np.stack(grad_max, axis=1) if grad_max else empty.T,               # largest per epoch
        "finite": np.stack(finite, axis=1) if finite else empty.T.astype(bool),
    }



# --- the experiments ----------------------------------------------------------------------------

# The lesson's setup, chosen with margin so that its claims hold for every seed (tests): 2,000
# training sequences, 4 symbols (chance 25%), noise of std 1 after the first step, 24 units,
# Adam (learning rate 0.01, batches of 100, clipnorm=1) for 10 epochs, and the gates of LSTM and
# GRU initialized open (GATE_BIAS).
SETUP = dict(width=24, n_symbols=4, noise=1.0, n_sequences=2000, batch_size=100, learning_rate=0.01,
             clipnorm=1.0)
GATE_BIAS = 3.0


def _check_common(cells, length, epochs):
    cells = (cells,) if isinstance(cells, str) else tuple(cells)
    if not cells:
        raise ValueError("cells must name at least one of " + ", ".join(CELLS) + ".")
    for cell in cells:
        check_choice("cell", cell, CELLS)
    return cells, check_int("length", length, low=2, high=MAX_LENGTH), check_int("epochs", epochs, low=0, high=200)


def _seeds(seed, seeds):
    if seeds is None:
        return (check_int("seed", seed, low=0),), True
    seeds = tuple(check_int("seed", s, low=0) for s in seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed.")
    return seeds, False


@dataclasses.dataclass(frozen=True)
class RecurrentRun:
    """Cells trained side by side on "remember the first symbol" (one seed).

    Attributes
    ----------
    length, epochs, seed : int
    input_grads : dict cell -> array ``(epochs + 1, length)``
        ``‖∂loss/∂x_t‖`` (mean over the 500 validation sequences) after epoch 0 (initialization),
        1, ..., ``epochs``; column 0 is the first time step.
    val_accuracy, loss, grad_norm : dict cell -> array ``(epochs,)``
        Validation accuracy after each epoch, mean training loss over each epoch, and the
        largest gradient norm (all weights, before clipping) seen in each epoch.
    chance : float
    """

    length: int
    epochs: int
    seed: int
    input_grads: dict
    val_accuracy: dict
    loss: dict
    grad_norm: dict
    chance: float

    def ratio(self, cell, epoch=0):
        """``‖∂loss/∂x_1‖ / ‖∂loss/∂x_T‖`` after ``epoch``: how much of the gradient reaches step 1."""
        g = self.input_grads[cell][epoch]
        return float(g[0] / g[-1])

    def final_accuracy(self, cell):
        return float(self.val_accuracy[cell][-1]) if self.epochs else float("nan")


def run_recurrent(cells=CELLS, *, length=40, epochs=10, gain=1.0, gate_bias=GATE_BIAS, clipnorm=1.0,
                  seed=0, seeds=None, stop=None, on_epoch=None, cache=True):
    """Train SimpleRNN, LSTM and GRU (24 units, then a Dense head) on the first-symbol task.

    Parameters
    ----------
    cells : sequence of {"SimpleRNN", "LSTM", "GRU"}
    length : int, default 40
        Sequence length T.
    epochs : int, default 10
    gain : float, default 1.0
        Scale of the orthogonal recurrent kernels (1: Keras' default).
    gate_bias : float, default GATE_BIAS (3)
        Added to the bias of the gate that keeps the memory (LSTM forget gate: 1 + 3 = 4; GRU
        update gate: 3), so the gated cells start with their memory open. 0: Keras' defaults.
    clipnorm : float or None, default 1.0
    seed : int, default 0
        Data (``numpy.random.default_rng``) and initial weights (Keras initializers) and shuffling.
    seeds : sequence of int, optional
        Train one run per seed at once (stacked weights) and return a tuple of runs.
    stop : threading.Event, optional
        Set it to end training after the current epoch.
    on_epoch : callable, optional
        ``on_epoch(cell, epoch, input_grads, val_accuracy)`` after every epoch (live plots).
    cache : bool, default True
        False trains again even where the same settings were trained before (an explorer's
        Train button, so that Stop has a training to stop).

    Returns
    -------
    RecurrentRun, or a tuple of them (one per seed) when ``seeds`` is given.

    Examples
    --------
    >>> run = run_recurrent(("SimpleRNN",), length=10, epochs=2)
    >>> run.input_grads["SimpleRNN"].shape
    (3, 10)
    """
    cells, length, epochs = _check_common(cells, length, epochs)
    gain = check_float("gain", gain, low=0.0, high=10.0, low_open=True)
    gate_bias = check_float("gate_bias", gate_bias, low=-10.0, high=10.0)
    clipnorm = None if clipnorm is None else check_float("clipnorm", clipnorm, low=0.0, high=1e6, low_open=True)
    seed_list, single = _seeds(seed, seeds)
    out = {}
    for cell in cells:
        callback = None if on_epoch is None else (lambda e, g, a, cell=cell: on_epoch(cell, e, g[0], a[0]))
        out[cell] = _train_stack(cell, seed_list, length=length, epochs=epochs, gain=gain, gate_bias=gate_bias,
                                 snapshots=tuple(range(epochs + 1)), stop=stop, on_epoch=callback,
                                 cache=cache, **{**SETUP, "clipnorm": clipnorm})
    runs = tuple(RecurrentRun(length, min(len(out[c]["val_accuracy"][0]) for c in cells), s,
                              {c: out[c]["input_grads"][i] for c in cells},
                              {c: out[c]["val_accuracy"][i] for c in cells},
                              {c: out[c]["loss"][i] for c in cells},
                              {c: out[c]["grad_norm"][i] for c in cells}, 1.0 / SETUP["n_symbols"])
                 for i, s in enumerate(seed_list))
    return runs[0] if single else runs


@dataclasses.dataclass(frozen=True)
class LengthSweep:
    """Final validation accuracy against sequence length, per cell (one seed)."""

    lengths: tuple
    accuracy: dict      # cell -> array (len(lengths),)
    epochs: int
    seed: int
    chance: float


def run_length_sweep(lengths=(5, 10, 20, 40), cells=CELLS, *, epochs=10, seed=0, seeds=None):
    """Train each cell at each sequence length (the lesson's setup); final validation accuracy.

    Returns
    -------
    LengthSweep, or a tuple of them (one per seed) when ``seeds`` is given.

    Examples
    --------
    >>> sweep = run_length_sweep((5, 10), ("SimpleRNN",), epochs=2)
    >>> sweep.accuracy["SimpleRNN"].shape
    (2,)
    """
    lengths = tuple(check_int("length", t, low=2, high=MAX_LENGTH) for t in lengths)
    if not lengths:
        raise ValueError("lengths must hold at least one sequence length.")
    seed_list, single = _seeds(seed, seeds)
    acc = {}
    for t in lengths:
        runs = run_recurrent(cells, length=t, epochs=epochs, seeds=seed_list)
        for cell in runs[0].val_accuracy:
            acc.setdefault(cell, []).append([r.final_accuracy(cell) for r in runs])
    sweeps = tuple(LengthSweep(lengths, {c: np.array([row[i] for row in a]) for c, a in acc.items()},
                               epochs, s, 1.0 / SETUP["n_symbols"]) for i, s in enumerate(seed_list))
    return sweeps[0] if single else sweeps


@dataclasses.dataclass(frozen=True)
class RecurrentExploding:
    """A SimpleRNN's gradients at initialization for several recurrent gains, and training at one.

    Attributes
    ----------
    gains : tuple of float
    grad_norm : dict gain -> float
        ‖∂loss/∂weights‖ (all weights; mean loss over the 500 validation sequences) at initialization.
    input_grads : dict gain -> array ``(length,)``
        ``‖∂loss/∂x_t‖`` at initialization.
    train_gain : float
    loss : dict {"no clipping", "clipnorm=1"} -> array ``(epochs,)`` of mean training loss
    batch_loss_max : dict, the same keys -> array ``(epochs,)``: the largest loss of one batch in
        each epoch (a spike shows here before the epoch's mean smooths it)
    max_grad_norm : dict, the same keys -> the largest gradient norm seen while training
    """

    gains: tuple
    length: int
    seed: int
    grad_norm: dict
    input_grads: dict
    train_gain: float
    loss: dict
    batch_loss_max: dict
    max_grad_norm: dict

    def ratio(self, gain):
        g = self.input_grads[gain]
        return float(g[0] / g[-1])


EXPLODING = dict(length=20, epochs=6, optimizer="sgd", learning_rate=1.0)


def run_recurrent_exploding(gains=(1.0, 2.0, 4.0), *, train_gain=2.0, seed=0, seeds=None):
    """A SimpleRNN (T = 20) with its recurrent kernel ``Orthogonal(gain=...)``: the gradient grows
    with the gain; at ``train_gain``, SGD (learning rate 1, 6 epochs) without clipping and with
    ``clipnorm=1``.

    Returns
    -------
    RecurrentExploding, or a tuple of them (one per seed) when ``seeds`` is given.
    """
    gains = tuple(check_float("gain", g_, low=0.0, high=10.0, low_open=True) for g_ in gains)
    train_gain = check_float("train_gain", train_gain, low=0.0, high=10.0, low_open=True)
    seed_list, single = _seeds(seed, seeds)
    length = EXPLODING["length"]
    common = {**SETUP, "length": length, "optimizer": EXPLODING["optimizer"]}
    at_init = {g_: _train_stack("SimpleRNN", seed_list, **{**common, "gain": g_, "epochs": 0, "snapshots": (0,),
                                                            "learning_rate": EXPLODING["learning_rate"]})
               for g_ in gains}
    trained = {name: _train_stack("SimpleRNN", seed_list, **{**common, "gain": train_gain, "clipnorm": clip,
                                                              "epochs": EXPLODING["epochs"],
                                                              "learning_rate": EXPLODING["learning_rate"]})
               for name, clip in (("no clipping", None), ("clipnorm=1", 1.0))}
    out = tuple(RecurrentExploding(gains, length, s,
                                   {g_: float(at_init[g_]["weight_grads"][i, 0]) for g_ in gains},
                                   {g_: at_init[g_]["input_grads"][i, 0] for g_ in gains}, train_gain,
                                   {k: v["loss"][i] for k, v in trained.items()},
                                   {k: v["batch_loss_max"][i] for k, v in trained.items()},
                                   {k: float(np.max(v["grad_norm"][i])) for k, v in trained.items()})
                for i, s in enumerate(seed_list))
    return out[0] if single else out
