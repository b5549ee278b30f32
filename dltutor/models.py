"""The Keras models the lessons train.

The lesson notebooks show ``keras.Sequential`` code in full where the model *is* the lesson; these
builders are the one-line version for widgets and sweeps.
"""
from __future__ import annotations

from dltutor._backend import keras
from dltutor._checks import check_choice, check_float, check_int

__all__ = ["build_mlp", "ACTIVATIONS", "INITIALIZERS"]

ACTIVATIONS = ("relu", "sigmoid", "tanh", "gelu", "selu", "elu", "linear")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
                "random_normal")


def _initializer(name, *, std, seed):
    check_choice("initializer", name, INITIALIZERS)
    if name == "random_normal":
        return keras.initializers.RandomNormal(stddev=std, seed=seed)
    return keras.initializers.get({"class_name": name, "config": {"seed": seed}})


def build_mlp(input_dim, n_classes, *, depth=1, width=64, activation="relu",
              initializer="glorot_uniform", init_std=0.05, batch_norm=False, dropout=0.0,
              l2=0.0, residual=False, bn_momentum=0.9, seed=0, name=None):
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

    inputs = keras.Input((input_dim,))
    x = inputs
    for i in range(depth):
        dense = keras.layers.Dense(width, kernel_initializer=_initializer(initializer, std=init_std, seed=seed + i),
                                   kernel_regularizer=regularizer, name=f"hidden_{i + 1}")
        h = dense(x)
        if batch_norm:
            h = keras.layers.BatchNormalization(momentum=bn_momentum, name=f"bn_{i + 1}")(h)
        h = keras.layers.Activation(activation, name=f"act_{i + 1}")(h)
        if dropout > 0:
            h = keras.layers.Dropout(dropout, seed=seed + 1000 + i, name=f"dropout_{i + 1}")(h)
        x = keras.layers.Add(name=f"skip_{i + 1}")([x, h]) if residual and i > 0 else h
    outputs = keras.layers.Dense(n_classes, kernel_initializer=_initializer(initializer, std=init_std, seed=seed + depth),
                                 kernel_regularizer=regularizer, name="logits")(x)
    return keras.Model(inputs, outputs, name=name or f"mlp_{depth}x{width}_{activation}")
