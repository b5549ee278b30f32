"""The Keras models the lessons train.

The lesson notebooks show ``keras.Sequential`` code in full where the model *is* the lesson; these
builders are the one-line version for widgets and sweeps.
"""
from __future__ import annotations

from dltutor._backend import keras
from dltutor._checks import check_choice, check_float, check_int
from dltutor.env import jitter, perturbation

__all__ = ["build_mlp", "reinitialize", "ModelPool", "RateDropout", "TunableL2", "UnitMask", "ACTIVATIONS",
           "INITIALIZERS"]

ACTIVATIONS = ("relu", "sigmoid", "tanh", "gelu", "selu", "elu", "linear")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
                "random_normal")


def _initializer(name, *, std, seed):
    check_choice("initializer", name, INITIALIZERS)
    if name == "random_normal":
        init = keras.initializers.RandomNormal(stddev=std, seed=seed)
    else:
        init = keras.initializers.get({"class_name": name, "config": {"seed": seed}})
    return _Perturbed(init, seed) if perturbation() is not None else init


class _Perturbed(keras.initializers.Initializer):
    """An initializer whose draws are nudged as :func:`dltutor.env.perturbed` says (only inside it)."""

    def __init__(self, base, seed):
        self.base, self.seed = base, seed

    def __call__(self, shape, dtype=None):
        values = keras.ops.convert_to_numpy(self.base(shape, dtype=dtype))
        return keras.ops.convert_to_tensor(jitter(values, self.seed), dtype=dtype)


class RateDropout(keras.layers.Layer):
    """Dropout whose rate is a variable: changing it does not change (or retrace) the model."""

    def __init__(self, rate=0.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.rate = self.add_weight(shape=(), initializer=keras.initializers.Constant(rate),
                                    trainable=False, name="rate")
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training:
            return x
        keep = keras.random.uniform(keras.ops.shape(x), seed=self.seed_generator) >= self.rate
        return keras.ops.where(keep, x / (1.0 - self.rate), keras.ops.zeros_like(x))


class UnitMask(keras.layers.Layer):
    """Multiplies each unit by a fixed 0/1 mask: a wide layer that acts as a narrower one.

    A masked unit outputs 0, so neither its incoming nor its outgoing weights get a gradient:
    with the padding weights at 0 (see :func:`reinitialize`'s ``width``) the layer computes
    exactly what a layer of ``mask.sum()`` units would.
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.mask = self.add_weight(shape=(units,), initializer="ones", trainable=False, name="mask")

    def call(self, x):
        return x * self.mask


class TunableL2(keras.regularizers.Regularizer):
    """L2 weight decay whose factor is a shared variable (``factor.assign(1e-3)``)."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, x):
        return self.factor * keras.ops.sum(keras.ops.square(x))


def build_mlp(input_dim, n_classes, *, depth=1, width=64, activation="relu",
              initializer="glorot_uniform", init_std=0.05, batch_norm=False, dropout=0.0,
              l2=0.0, residual=False, bn_momentum=0.9, seed=0, name=None, tunable=False, masked=False):
    """A multilayer perceptron that outputs logits (no softmax).

    Parameters
    ----------
    input_dim : int
        Number of input features (64 for digits, 2 for the toy sets).
    n_classes : int
        Number of output logits.
    depth : int, default 1
        Number of hidden layers, 0 for a linear model.
    width : int, default 64
        Units per hidden layer.
    activation : {"relu", "sigmoid", "tanh", "gelu", "selu", "elu", "linear"}
    initializer : {"glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "random_normal"}
    init_std : float, default 0.05
        Standard deviation for ``initializer="random_normal"``.
    batch_norm : bool
        Batch normalization before each hidden activation.
    bn_momentum : float, default 0.9
        Momentum of batch normalization's moving statistics. Keras' default, 0.99, lags
        behind on runs as short as a lesson's (a few hundred steps), so evaluation would use
        stale statistics.
    dropout : float in [0, 1)
        Dropout rate after each hidden layer.
    l2 : float
        L2 weight-decay factor on every kernel.
    residual : bool
        Add a skip connection around each hidden layer after the first (same width).
    seed : int
        Seeds the initializers, so the same seed gives the same initial weights.
    tunable : bool
        Build dropout and L2 with variables (:class:`RateDropout`, :class:`TunableL2`) so that
        :class:`ModelPool` can change them without building (and tracing) a new model.
    masked : bool
        Add a :class:`UnitMask` after each hidden activation, so that :func:`reinitialize`
        (``width=``) can make the model act as a narrower one (``ModelPool(pad_width=...)``).

    Returns
    -------
    keras.Model
        Input ``(batch, input_dim)``, output logits ``(batch, n_classes)``.

    Examples
    --------
    >>> model = build_mlp(64, 10, depth=2, width=32)
    >>> model.output_shape
    (None, 10)
    """
    input_dim = check_int("input_dim", input_dim, low=1)
    n_classes = check_int("n_classes", n_classes, low=2)
    depth = check_int("depth", depth, low=0, high=200)
    width = check_int("width", width, low=1, high=100_000)
    check_choice("activation", activation, ACTIVATIONS)
    dropout = check_float("dropout", dropout, low=0.0, high=0.95)
    l2 = check_float("l2", l2, low=0.0, high=10.0)
    init_std = check_float("init_std", init_std, low=0.0, high=100.0, low_open=True)
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    if tunable:
        l2_factor = keras.Variable(l2, trainable=False, name="l2_factor")
        regularizer = TunableL2(l2_factor)

    inputs = keras.Input((input_dim,))
    x = inputs
    for i in range(depth):
        dense = keras.layers.Dense(width, kernel_initializer=_initializer(initializer, std=init_std, seed=seed + i),
                                   kernel_regularizer=regularizer, name=f"hidden_{i + 1}")
        dense._dltutor_offset = i      # its initializer's seed is seed + i (see reinitialize)
        h = dense(x)
        if batch_norm:
            h = keras.layers.BatchNormalization(momentum=bn_momentum, name=f"bn_{i + 1}")(h)
        h = keras.layers.Activation(activation, name=f"act_{i + 1}")(h)
        if masked:
            h = UnitMask(width, name=f"mask_{i + 1}")(h)
        drop = None
        if tunable:
            drop = RateDropout(dropout, seed=seed + 1000 + i, name=f"dropout_{i + 1}")
        elif dropout > 0:
            drop = keras.layers.Dropout(dropout, seed=seed + 1000 + i, name=f"dropout_{i + 1}")
        if drop is not None:
            drop._dltutor_offset = 1000 + i
            h = drop(h)
        x = keras.layers.Add(name=f"skip_{i + 1}")([x, h]) if residual and i > 0 else h
    head = keras.layers.Dense(n_classes, kernel_initializer=_initializer(initializer, std=init_std, seed=seed + depth),
                              kernel_regularizer=regularizer, name="logits")
    head._dltutor_offset = depth
    outputs = head(x)
    model = keras.Model(inputs, outputs, name=name or f"mlp_{depth}x{width}_{activation}")
    object.__setattr__(model, "_dltutor_init", {"initializer": initializer, "init_std": init_std})
    if tunable:
        object.__setattr__(model, "_dltutor_l2", l2_factor)
    return model


def reinitialize(model, *, seed=0, initializer=None, init_std=None, width=None):
    """Give a model built by :func:`build_mlp` the initial weights of ``build_mlp(..., seed=seed)``.

    Kernels are drawn again from their initializer (``initializer`` and ``init_std`` may name
    another one), biases and batch normalization start afresh, and every dropout layer's random
    stream restarts from its seed, so a training run after this is the same run as with a new
    model, without building one (and tracing its training step) again.

    ``width`` (models built with ``masked=True``): use only the first ``width`` units of each
    hidden layer; the active weights are drawn as for ``build_mlp(..., width=width)``, the rest
    are 0 and masked.
    """
    spec = model.__dict__.get("_dltutor_init")
    if spec is None:
        raise ValueError("reinitialize() takes models made by build_mlp (or ModelPool).")
    seed = check_int("seed", seed, low=0)
    name = spec["initializer"] if initializer is None else initializer
    std = spec["init_std"] if init_std is None else check_float("init_std", init_std, low=0.0,
                                                                  high=100.0, low_open=True)
    masks = [layer for layer in model.layers if isinstance(layer, UnitMask)]
    if width is not None:
        if not masks:
            raise ValueError("reinitialize(width=...) takes models built with masked=True.")
        width = check_int("width", width, low=1, high=int(masks[0].mask.shape[0]))
    for layer in masks:
        layer.mask.assign(keras.ops.cast(keras.ops.arange(layer.mask.shape[0]) < (width or layer.mask.shape[0]),
                                         layer.mask.dtype))
    n_hidden = len(masks)
    for layer in model.layers:
        offset = getattr(layer, "_dltutor_offset", None)
        if isinstance(layer, keras.layers.Dense) and offset is not None:
            init = _initializer(name, std=std, seed=seed + offset)
            shape = tuple(layer.kernel.shape)
            if width is None:
                layer.kernel.assign(init(shape, dtype=layer.kernel.dtype))
            else:          # the narrow network's weights in the corner, zeros around them
                active = (shape[0] if offset == 0 else width, width if offset < n_hidden else shape[1])
                kernel = keras.ops.pad(init(active, dtype=layer.kernel.dtype),
                                       [[0, shape[0] - active[0]], [0, shape[1] - active[1]]])
                layer.kernel.assign(kernel)
            layer.bias.assign(keras.ops.zeros_like(layer.bias))
        elif isinstance(layer, keras.layers.BatchNormalization):
            for var, value in ((layer.gamma, 1.0), (layer.beta, 0.0), (layer.moving_mean, 0.0),
                               (layer.moving_variance, 1.0)):
                var.assign(keras.ops.full_like(var, value))
        generator = getattr(layer, "seed_generator", None)
        if generator is not None and offset is not None:
            generator.state.assign(keras.ops.convert_to_tensor([seed + offset, 0],
                                                                dtype=generator.state.dtype))
    return model


class ModelPool:
    """Hands out MLPs re-initialized to their seed's weights, reusing one model per architecture.

    Every new Keras model needs a new compiled training step, and each trace costs time (a
    few tenths of a second) and memory that TensorFlow does not give back (about 2 MB). A widget
    that rebuilt its model on every slider move would grow without bound. The pool keeps one
    model per architecture (sizes, activation, batch norm, residual), and at most ``max_models``
    of them (the least recently used goes first); a new seed or initializer only draws new
    weights (:func:`reinitialize`). With ``tunable=True`` dropout and L2 are variables
    (``build_mlp(tunable=True)``), so changing them needs no other model either; a widget
    without those controls uses ``tunable=False`` and skips their per-step cost. With
    ``pad_width=W`` every width up to W is served by one model W units wide whose extra units are
    masked (:class:`UnitMask`): a widget with a free width slider then traces one training step
    per depth and activation, not per width (TensorFlow keeps part of every trace, about 1.5 MB,
    after its model is gone).

    Examples
    --------
    >>> pool = ModelPool()
    >>> a = pool.get(2, 2, depth=2, width=8, dropout=0.2, seed=0)
    >>> b = pool.get(2, 2, depth=2, width=8, dropout=0.5, seed=1)   # the same model, fresh weights
    >>> a is b
    True
    """

    def __init__(self, *, tunable=True, max_models=6, pad_width=None):
        self.tunable = tunable
        self.max_models = check_int("max_models", max_models, low=1)
        self.pad_width = None if pad_width is None else check_int("pad_width", pad_width, low=1)
        self._models = {}

    def __len__(self):
        return len(self._models)

    def get(self, input_dim, n_classes, *, dropout=0.0, l2=0.0, seed=0, initializer="glorot_uniform",
            init_std=0.05, **architecture):
        """A model as ``build_mlp(input_dim, n_classes, ...)`` would build it, weights re-initialized."""
        from dltutor.training import reset_optimizers  # noqa: PLC0415

        dropout = check_float("dropout", dropout, low=0.0, high=0.95)
        l2 = check_float("l2", l2, low=0.0, high=10.0)
        check_choice("initializer", initializer, INITIALIZERS)
        if not self.tunable:
            architecture.update(dropout=dropout, l2=l2)
        if architecture.get("depth", 1) == 0:      # a linear model: no hidden layer to shape
            for name in ("activation", "batch_norm", "residual", "width"):
                architecture.pop(name, None)
        width = None
        if self.pad_width is not None and architecture.get("depth", 1) > 0:      # every width is one padded model: no new trace
            width = check_int("width", architecture.pop("width", 64), low=1, high=self.pad_width)
            architecture.update(width=self.pad_width, masked=True)
        key = (input_dim, n_classes, tuple(sorted(architecture.items())))
        model = self._models.pop(key, None)        # popped and put back: the most recent is last
        if model is None:
            while len(self._models) >= self.max_models:
                self._models.pop(next(iter(self._models)))
            model = build_mlp(input_dim, n_classes, tunable=self.tunable, seed=seed,
                              initializer=initializer, init_std=init_std, **architecture)
        self._models[key] = model
        reinitialize(model, seed=seed, initializer=initializer, init_std=init_std, width=width)
        if self.tunable:
            model._dltutor_l2.assign(l2)
            for layer in model.layers:
                if isinstance(layer, RateDropout):
                    layer.rate.assign(dropout)
        reset_optimizers(model)
        return model
