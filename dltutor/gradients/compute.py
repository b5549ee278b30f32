"""Lesson 02 · compute: pure, seeded experiments that return frozen results.

* :func:`measure_gradients`: each layer's gradient norm and activations at initialization;
* :func:`run_depth_comparison`: deep networks trained side by side (sigmoid stalls, ReLU + He,
  batch norm or residual connections learn), with per-layer gradient norms per epoch;
* :func:`run_exploding`: a too-large initialization blows the loss up to NaN; clipping fixes it.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from dltutor import data as _data
from dltutor._backend import keras, tf
from dltutor._checks import check_choice, check_float, check_int
from dltutor.models import ACTIVATIONS, _initializer, build_mlp
from dltutor.training import train

CONFIGS = {
    "sigmoid + Glorot": dict(activation="sigmoid", initializer="glorot_uniform"),
    "tanh + Glorot": dict(activation="tanh", initializer="glorot_uniform"),
    "ReLU + He": dict(activation="relu", initializer="he_normal"),
    "sigmoid + batch norm": dict(activation="sigmoid", initializer="glorot_uniform", batch_norm=True),
    "sigmoid + residual": dict(activation="sigmoid", initializer="glorot_uniform", residual=True),
}


# The activations the explorer offers (SwitchableMLP switches between them with a variable).
ACTIVATIONS_USED = ("sigmoid", "tanh", "relu", "gelu", "selu")
_ACTIVATION_FNS = tuple(keras.activations.get(name) for name in ACTIVATIONS_USED)


class SwitchableMLP(keras.Model):
    """One deep MLP for every setting of the explorer: a loop over stacked layer weights.

    Every new Keras model needs its training step traced, and TensorFlow keeps tens of MB of
    each trace of a deep network for good: an explorer that built one model per setting grew
    by ~30 MB per new depth. This model holds ``max_depth`` hidden layers (all ``width`` wide)
    and its forward pass is a ``tf.while_loop`` over the first ``depth`` of them; depth,
    activation, batch norm, residual connections and clipping are variables. So one trace
    serves every setting, memory stays flat, and a layer that is not in use costs nothing.

    The weights of hidden layers 2 to ``max_depth`` live in stacks (one variable of shape
    ``(max_depth - 1, width, width)`` for their kernels, one row per layer for biases and batch
    norm), so a training step updates a handful of variables, not 200 (that halved the step
    time and the trace). :meth:`optimizer` clips each layer's slice on its own, as ``clipnorm``
    clips each Keras layer's variables, and :func:`dltutor.training.train` reports a stacked
    kernel's gradient norm per layer. :meth:`configure` draws the initial weights ``build_mlp``
    draws for the same settings and seed: runs agree with ``build_mlp``'s to float precision
    (tests/gradients).
    """

    def __init__(self, n_features=64, n_classes=10, *, width=64, max_depth=50, name="switchable_mlp"):
        super().__init__(name=name)
        self.n_features, self.n_classes = n_features, n_classes
        self.width, self.max_depth = width, check_int("max_depth", max_depth, low=2)

        def weight(shape, name, init="zeros", **kw):
            return self.add_weight(shape=shape, initializer=init, name=name, **kw)

        # creation order is the order of trainable_variables: kernels input side first
        self.first_kernel = weight((n_features, width), "hidden_1_kernel")
        self.kernel_stack = weight((max_depth - 1, width, width), "hidden_2_to_last_kernel")
        self.head_kernel = weight((width, n_classes), "logits_kernel")
        self.biases = weight((max_depth, width), "hidden_biases")      # row i: hidden layer i + 1
        self.gammas = weight((max_depth, width), "bn_gammas", "ones")
        self.betas = weight((max_depth, width), "bn_betas")
        self.head_bias = weight((n_classes,), "logits_bias")
        # batch norm's moving statistics, one row per layer (updated by row inside the loop)
        self.moving_mean = weight((max_depth, width), "moving_mean", trainable=False)
        self.moving_var = weight((max_depth, width), "moving_var", "ones", trainable=False)
        self.depth = weight((), "depth", "ones", dtype="int32", trainable=False)
        self.activation_index = weight((), "activation", dtype="int32", trainable=False)
        self.batch_norm = weight((), "batch_norm", trainable=False)
        self.residual = weight((), "residual", trainable=False)
        self.clipnorm = weight((), "clipnorm", trainable=False)     # 0: no clipping
        self.built = True

    @property
    def input_shape(self):
        return (None, self.n_features)

    @property
    def output_shape(self):
        return (None, self.n_classes)

    def configure(self, *, depth, activation, initializer, init_std, batch_norm, residual, seed,
                  clipnorm=None):
        """Switch to these settings and draw the initial weights of ``build_mlp(..., seed=seed)``.

        ``clipnorm`` is the clipping of :meth:`optimizer` (None: none).
        """
        depth = check_int("depth", depth, low=1, high=self.max_depth)
        check_choice("activation", activation, ACTIVATIONS_USED)
        self.depth.assign(depth)
        self.activation_index.assign(ACTIVATIONS_USED.index(activation))
        self.batch_norm.assign(float(bool(batch_norm)))
        self.residual.assign(float(bool(residual)))
        self.clipnorm.assign(0.0 if clipnorm is None else check_float("clipnorm", clipnorm, low=0.0,
                                                                      low_open=True))

        # the kernel build_mlp gives layer i is drawn with seed + i; the output layer is i = depth
        def draw(var_shape, i):
            return _initializer(initializer, std=init_std, seed=seed + i)(var_shape, dtype="float32")

        self.first_kernel.assign(draw((self.n_features, self.width), 0))
        square = (self.width, self.width)
        drawn = [draw(square, i) for i in range(1, depth)]
        unused = [tf.zeros((self.max_depth - depth, *square))] if depth < self.max_depth else []
        self.kernel_stack.assign(tf.concat([tf.stack(drawn)] * bool(drawn) + unused, axis=0))
        self.head_kernel.assign(draw((self.width, self.n_classes), depth))
        for var in (self.biases, self.betas, self.head_bias, self.moving_mean):
            var.assign(keras.ops.zeros_like(var))
        for var in (self.gammas, self.moving_var):
            var.assign(keras.ops.ones_like(var))
        return self

    def optimizer(self, learning_rate=0.01):
        """Plain SGD that clips each layer's gradients as ``SGD(clipnorm=...)`` clips each Keras
        layer's: by this model's ``clipnorm`` (set by :meth:`configure`; 0 clips nothing)."""
        return _LayerwiseClipSGD(self, learning_rate=learning_rate)

    def _activation(self, i, z, params, training):
        """Layer ``i``'s batch norm (when on, as keras.layers.BatchNormalization) and activation."""
        _, _, gamma, beta = params

        def normalize():
            if training:
                mean, var = tf.nn.moments(z, axes=[0])
                for moving, batch in ((self.moving_mean, mean), (self.moving_var, var)):
                    moving.assign(tf.tensor_scatter_nd_update(
                        moving, [[i]], [moving[i] * BN_MOMENTUM + batch * (1.0 - BN_MOMENTUM)]))
            else:
                mean, var = self.moving_mean[i], self.moving_var[i]
            return tf.nn.batch_normalization(z, mean, var, beta, gamma, BN_EPSILON)

        z = tf.cond(self.batch_norm > 0, normalize, lambda: z)
        return tf.switch_case(tf.convert_to_tensor(self.activation_index.value),
                              [lambda f=f: f(z) for f in _ACTIVATION_FNS])

    def _params(self, i):
        """Layer ``i``'s kernel, bias, gamma and beta (``i`` is 0-based, and may be a tensor)."""
        kernel = self.first_kernel if isinstance(i, int) and i == 0 else tf.gather(self.kernel_stack, i - 1)
        return (kernel, *(tf.gather(stack, i) for stack in (self.biases, self.gammas, self.betas)))

    def _layer(self, i, h, params, training):
        """Hidden layer ``i >= 1``: its output and its activation (before the skip connection)."""
        kernel, bias = params[:2]
        a = self._activation(i, tf.matmul(h, kernel) + bias, params, training)
        return a + self.residual * h, a

    def call(self, x, training=False):
        first = self._params(0)
        h = self._activation(0, tf.matmul(x, first[0]) + first[1], first, training)
        # the loop reads its layer's rows from TensorArrays, not by tf.gather on the stacks: a
        # gather's gradient is a sparse slice per step that the loop accumulates and densifies,
        # a TensorArray's is written in place (the same numbers, bit for bit; train() for 20
        # epochs took about half the time at depths 10 and 30, 37% less with batch norm)
        stacks = [tf.TensorArray(tf.float32, size=v.shape[0]).unstack(v)
                  for v in (self.kernel_stack, self.biases, self.gammas, self.betas)]

        def body(i, h):
            kernel, *rows = stacks
            params = (kernel.read(i - 1), *(row.read(i) for row in rows))
            return i + 1, self._layer(i, h, params, training)[0]

        _, h = tf.while_loop(lambda i, h: i < self.depth, body, (tf.constant(1), h),
                             maximum_iterations=self.max_depth - 1)
        return tf.matmul(h, self.head_kernel) + self.head_bias

    def forward_with_activations(self, x, training=False):
        """Eagerly: each hidden layer's activation in use (input side first), and the logits."""
        first = self._params(0)
        h = self._activation(0, tf.matmul(x, first[0]) + first[1], first, training)
        acts = [h]
        for i in range(1, int(self.depth.numpy())):
            h, a = self._layer(i, h, self._params(i), training)
            acts.append(a)
        return acts, tf.matmul(h, self.head_kernel) + self.head_bias

    def hidden_kernels(self):
        """The kernel variables that hold the hidden layers (the first, then the stack)."""
        return [self.first_kernel, self.kernel_stack]

    def per_layer(self, values):
        """``hidden_kernels()``'s values or gradients as one ``(fan_in, width)`` array per layer
        in use, input side first."""
        first, stack = (tf.convert_to_tensor(v) for v in values)    # a gather's gradient is sparse
        return [first, *tf.unstack(stack[:int(self.depth.numpy()) - 1])]


class _LayerwiseClipSGD(keras.optimizers.SGD):
    """SGD that clips a stacked variable's gradient slice by slice (see SwitchableMLP.optimizer)."""

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        # a function, not the variable itself: an optimizer takes a variable attribute for its own
        # (and reset_optimizers would zero it)
        self._clipnorm = lambda: model.clipnorm
        stacks = {id(model.kernel_stack): (1, 2), **{id(v): (1,) for v in
                                                    (model.biases, model.gammas, model.betas)}}
        self._axes = [stacks.get(id(v)) for v in model.trainable_variables]

    def _clip_gradients(self, grads):
        c = tf.convert_to_tensor(self._clipnorm().value)

        def clip(g, axes):      # Keras' _clip_by_norm, per slice: g * c / max(||g||, c)
            g = tf.convert_to_tensor(g)
            l2sum = tf.reduce_sum(tf.square(g), axes, keepdims=True)
            pred = l2sum > 0
            l2norm = tf.where(pred, tf.sqrt(tf.where(pred, l2sum, tf.ones_like(l2sum))), l2sum)
            return tf.where(c > 0, (g * c) / tf.maximum(l2norm, c), g)

        return [clip(g, axes) for g, axes in zip(grads, self._axes)]


BN_MOMENTUM, BN_EPSILON = 0.9, 1e-3   # build_mlp's batch normalization


@dataclasses.dataclass(frozen=True)
class LayerGradients:
    """Gradient norms and activations of every hidden layer at initialization (input first).

    Attributes
    ----------
    norms : ``(depth,)`` L2 norm of the loss gradient w.r.t. each hidden layer's kernel
    activations : list of ``(n_samples * width,)`` arrays, each hidden layer's outputs
    bound : ``(depth,)`` for sigmoid networks, the largest norm each layer's gradient can have
        given the last layer's: every sigmoid layer passed on the way back multiplies by at
        most ``max sigmoid' = 1/4`` times the spectral norm of the weights; None otherwise
    """

    config: dict
    norms: np.ndarray
    activations: list = dataclasses.field(repr=False)
    bound: np.ndarray | None = None

    @property
    def ratio(self):
        """First hidden layer's gradient norm over the last's: ~1 is healthy, tiny is vanishing."""
        with np.errstate(all="ignore"):
            return float(self.norms[0] / self.norms[-1])

    @property
    def finite(self):
        """False when the forward pass already overflows at initialization (inf/NaN gradients)."""
        return bool(np.isfinite(self.norms).all())


def measure_gradients(*, depth=10, width=64, activation="sigmoid", initializer="glorot_uniform",
                      init_std=0.05, batch_norm=False, residual=False, n_samples=256, seed=0,
                      model=None):
    """Backpropagate one batch of digits through a fresh network and read each layer's gradient.

    Parameters
    ----------
    depth : int
        Hidden layers (2 to 60).
    width : int
    activation, initializer, init_std, batch_norm, residual
        As in :func:`dltutor.models.build_mlp`.
    n_samples : int
        Batch size of the measurement.
    seed : int
    model : keras.Model, optional
        Measure this model (made by ``build_mlp``, or a :class:`SwitchableMLP`) instead of
        building one.

    Returns
    -------
    LayerGradients
    """
    depth = check_int("depth", depth, low=1, high=60)
    check_choice("activation", activation, ACTIVATIONS)
    d = _data.load_digits(seed=seed)
    X = tf.constant(d.X_train[:n_samples])
    y = tf.constant(d.y_train[:n_samples])
    model = model or build_mlp(64, 10, depth=depth, width=width, activation=activation,
                               initializer=initializer, init_std=init_std, batch_norm=batch_norm,
                               residual=residual, seed=seed)
    per_layer = list
    if isinstance(model, SwitchableMLP):
        kernels = model.hidden_kernels()
        forward = model.forward_with_activations
        per_layer = model.per_layer
    else:
        acts = [layer.output for layer in model.layers if layer.name.startswith("act_")]
        probe = keras.Model(model.inputs, [*acts, model.outputs[0]])
        kernels = [v for v in model.trainable_variables
                   if v.path.split("/")[0].startswith("hidden_") and "kernel" in v.path]

        def forward(X, training):
            *hidden, logits = probe(X, training=training)
            return hidden, logits
    with tf.GradientTape() as tape:
        hidden, logits = forward(X, training=True)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
    grads = per_layer(tape.gradient(loss, kernels))
    kernels = per_layer([k.value for k in kernels])
    norms = np.array([float(tf.norm(g)) for g in grads])
    bound = None
    if activation == "sigmoid" and not batch_norm and not residual:
        # walking back from the last layer, each layer multiplies by <= ||W||_2 / 4
        spectral = [np.linalg.norm(np.asarray(k), 2) for k in kernels]
        factors = np.array([0.25 * s for s in spectral[1:]] + [1.0])
        bound = norms[-1] * np.cumprod(factors[::-1])[::-1]
    config = dict(depth=depth, width=width, activation=activation, initializer=initializer,
                  init_std=init_std, batch_norm=batch_norm, residual=residual, seed=seed)
    return LayerGradients(config, norms, [np.asarray(h).ravel() for h in hidden], bound)


@dataclasses.dataclass(frozen=True)
class DepthComparison:
    """Several configurations trained with the same budget. Dicts are keyed by config name."""

    histories: dict
    grad_norms: dict      # name -> (epochs, depth + 1) kernel gradient norms, input layer first
    val_accuracy: dict
    stop_reasons: dict
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 0.05
    chance: float = 0.1


def sgd_schedule(learning_rate, *, epochs, batch_size, n_train):
    """Plain SGD whose rate decays from ``learning_rate`` to 0 along a cosine over ``epochs``.

    In Keras: ``keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(learning_rate, steps))``
    with ``steps`` the number of batches in the whole run.
    """
    learning_rate = check_float("learning_rate", learning_rate, low=0.0, high=100.0, low_open=True)
    steps = epochs * -(-n_train // batch_size)
    return keras.optimizers.SGD(keras.optimizers.schedules.CosineDecay(learning_rate, steps))


def run_depth_comparison(names=("sigmoid + Glorot", "ReLU + He", "sigmoid + batch norm"), *,
                         depth=10, width=64, epochs=20, batch_size=128, learning_rate=0.05, seed=0):
    """Train each configuration of :data:`CONFIGS` on digits with the same plain-SGD budget.

    Plain SGD (no momentum) with batches of 128; its learning rate starts at ``learning_rate``
    and decays to 0 along a cosine over the ``epochs`` (:func:`sgd_schedule`). The default budget
    (20 epochs, 0.05) is where the lesson's contrast holds for every seed 0-9, also on other
    machines (tests/gradients, with nudged initial weights): the sigmoid network stays at
    chance, ReLU + He ends at 90-95% and sigmoid + batch norm at 94-96% validation accuracy.

    At a constant rate of 0.05 the deep ReLU network's validation accuracy spikes down now and
    then (from 94% to 31% between two epochs): where a run stops decides what it shows, and a
    rounding difference of 1e-7 moved one seed from 48% to 92%. The decay ends every run calm.
    Smaller batches make batch norm's statistics noisy (its validation accuracy, in inference
    mode, then varies from 40% to 90% between seeds).
    """
    depth = check_int("depth", depth, low=1, high=60)
    epochs = check_int("epochs", epochs, low=1, high=10_000)
    d = _data.load_digits(seed=seed)
    histories, norms, val, reasons = {}, {}, {}, {}
    for name in names:
        check_choice("configuration", name, tuple(CONFIGS))
    for name in names:
        model = build_mlp(64, 10, depth=depth, width=width, seed=seed, **CONFIGS[name])
        optimizer = sgd_schedule(learning_rate, epochs=epochs, batch_size=batch_size, n_train=len(d.X_train))
        r = train(model, d.X_train, d.y_train, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                  validation_data=(d.X_test, d.y_test), seed=seed, log_gradients=True)
        histories[name] = {k: list(v) for k, v in r.history.history.items()}
        norms[name] = r.grad_norms
        val[name] = r.final("val_accuracy") if r.epochs_run and not r.diverged else float("nan")
        reasons[name] = r.stop_reason
    return DepthComparison(histories, norms, val, reasons, epochs, batch_size, learning_rate)


def run_exploding(*, init_std=0.5, clipnorm=None, depth=10, width=64, epochs=20, batch_size=64,
                  learning_rate=0.01, optimizer="sgd", seed=0):
    """A ReLU network initialized with ``random_normal(init_std)``: He would be ~0.18 at width 64.

    Activations grow layer by layer, the first gradients are enormous, one SGD step throws the
    weights to infinity, and the loss becomes NaN; ``clipnorm`` caps every gradient's norm.
    ``optimizer`` may be a Keras optimizer instance (then it brings its own rate and clipping).
    Returns the :class:`dltutor.training.TrainResult` (``.diverged``, ``.message``).
    """
    d = _data.load_digits(seed=seed)
    model = build_mlp(64, 10, depth=depth, width=width, activation="relu",
                      initializer="random_normal", init_std=init_std, seed=seed)
    return train(model, d.X_train, d.y_train, epochs=epochs, batch_size=batch_size,
                 optimizer=optimizer, learning_rate=learning_rate, clipnorm=clipnorm,
                 validation_data=(d.X_test, d.y_test), seed=seed)


