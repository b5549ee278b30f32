"""Lesson 02: vanishing and exploding gradients.

Compute (pure, seeded, frozen results) -> Display (``.plot(ax)``) -> Explorer (widgets):

* :func:`measure_gradients`: each layer's gradient norm and activations at initialization;
* :func:`run_depth_comparison`: deep networks trained side by side (sigmoid stalls, ReLU + He,
  batch norm or residual connections learn), with per-layer gradient norms per epoch;
* :func:`run_exploding`: a too-large initialization blows the loss up to NaN; clipping fixes it.
"""
from __future__ import annotations

import dataclasses

import ipywidgets as W
import numpy as np

from dltutor import data as _data
from dltutor._backend import keras, tf
from dltutor._checks import check_choice, check_int
from dltutor.models import ACTIVATIONS, INITIALIZERS, ModelPool, build_mlp
from dltutor.plots import DisplayMixin, TrainingCurvesDisplay, new_figure, palette
from dltutor.training import StopTraining, train
from dltutor.widgets import Explorer

__all__ = ["CONFIGS", "LayerGradients", "measure_gradients", "DepthComparison",
           "run_depth_comparison", "run_exploding", "LayerGradientsDisplay",
           "GradientHeatmapDisplay", "ActivationsDisplay", "GradientsExplorer", "GradientsRun"]

# The configurations the lesson compares; keyword arguments of build_mlp.
CONFIGS = {
    "sigmoid + Glorot": dict(activation="sigmoid", initializer="glorot_uniform"),
    "tanh + Glorot": dict(activation="tanh", initializer="glorot_uniform"),
    "ReLU + He": dict(activation="relu", initializer="he_normal"),
    "sigmoid + batch norm": dict(activation="sigmoid", initializer="glorot_uniform", batch_norm=True),
    "sigmoid + residual": dict(activation="sigmoid", initializer="glorot_uniform", residual=True),
}


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
        Measure this model instead of building one.

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
    acts = [layer.output for layer in model.layers if layer.name.startswith("act_")]
    probe = keras.Model(model.inputs, [*acts, model.outputs[0]])
    kernels = [v for v in model.trainable_variables if v.path.split("/")[0].startswith("hidden_")
               and "kernel" in v.path]
    with tf.GradientTape() as tape:
        *hidden, logits = probe(X, training=True)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
    grads = tape.gradient(loss, kernels)
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
    chance: float = 0.1


def run_depth_comparison(names=("sigmoid + Glorot", "ReLU + He", "sigmoid + batch norm"), *,
                         depth=10, width=64, epochs=20, batch_size=32, learning_rate=0.03, seed=0):
    """Train each configuration of :data:`CONFIGS` on digits with the same SGD budget."""
    d = _data.load_digits(seed=seed)
    histories, norms, val, reasons = {}, {}, {}, {}
    for name in names:
        check_choice("configuration", name, tuple(CONFIGS))
        model = build_mlp(64, 10, depth=depth, width=width, seed=seed, **CONFIGS[name])
        r = train(model, d.X_train, d.y_train, epochs=epochs, batch_size=batch_size,
                  optimizer="sgd", learning_rate=learning_rate,
                  validation_data=(d.X_test, d.y_test), seed=seed, log_gradients=True)
        histories[name] = {k: list(v) for k, v in r.history.history.items()}
        norms[name] = r.grad_norms
        val[name] = r.final("val_accuracy") if r.epochs_run else float("nan")
        reasons[name] = r.stop_reason
    return DepthComparison(histories, norms, val, reasons)


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


# --- displays -----------------------------------------------------------------------------------

class LayerGradientsDisplay(DisplayMixin):
    """Bars: each hidden layer's gradient norm at initialization (log scale), bound overlaid."""

    def __init__(self, result, *, label=None):
        self.result, self.label = result, label

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        r = self.result
        layers = np.arange(1, len(r.norms) + 1)
        c = palette(3)
        heights = np.where(np.isfinite(r.norms), r.norms, np.nan)
        self.bars_ = ax.bar(layers, heights, color=c[0], edgecolor="white", label=self.label or "gradient norm")
        self.bound_ = None
        if r.bound is not None:
            self.bound_ = ax.plot(layers, r.bound, "k--", marker="v", ms=4,
                                  label="bound: x (1/4)·||W|| per sigmoid layer")[0]
        ax.set_yscale("log")
        ax.set_xlabel("hidden layer (1 = next to the input)")
        ax.set_ylabel("‖∂loss/∂W‖ at initialization")
        ax.set_title(f"first/last layer: {r.ratio:.1e}" if r.finite else
                     "gradients overflow (inf/NaN) at initialization", fontsize=9)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.grid(alpha=0.3, axis="y")
        return self


class GradientHeatmapDisplay(DisplayMixin):
    """Layers (rows, input at the bottom) x epochs (columns), colour = log10 gradient norm."""

    def __init__(self, grad_norms, *, title="gradient norm per layer while training"):
        self.grad_norms, self.title = np.asarray(grad_norms), title

    def plot(self, ax=None, *, vmin=-8, vmax=1):
        from matplotlib.colors import Normalize  # noqa: PLC0415

        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        g = self.grad_norms
        data = np.log10(np.maximum(g.T, 1e-30)) if g.size else np.zeros((1, 1))
        self.image_ = ax.imshow(data, origin="lower", aspect="auto", cmap="cividis",
                                norm=Normalize(vmin=vmin, vmax=vmax), interpolation="nearest",
                                extent=(0.5, len(g) + 0.5, 0.5, g.shape[1] + 0.5) if g.size else None)
        if not hasattr(self, "colorbar_"):
            self.colorbar_ = self.figure_.colorbar(self.image_, ax=ax, label="log10 ‖∂loss/∂W‖")
        ax.set_xlabel("epoch")
        ax.set_ylabel("layer (1 = input side; top = output)")
        ax.set_title(self.title, fontsize=9)
        return self

    def update(self, grad_norms):
        """New data (any number of epochs and layers); the colour scale stays fixed."""
        self.grad_norms = np.asarray(grad_norms)
        epochs, layers = self.grad_norms.shape
        self.image_.set_data(np.log10(np.maximum(self.grad_norms.T, 1e-30)))
        self.image_.set_extent((0.5, epochs + 0.5, 0.5, layers + 0.5))
        self.ax_.set_xlim(0.5, epochs + 0.5)
        self.ax_.set_ylim(0.5, layers + 0.5)
        return self


class ActivationsDisplay(DisplayMixin):
    """The distribution of each hidden layer's outputs (Glorot & Bengio 2010, figure 2 style)."""

    def __init__(self, result):
        self.result = result

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=5)
        self.ax_, self.figure_ = ax, ax.figure
        acts = self.result.activations
        self.violins_ = ax.violinplot(acts, showextrema=False, showmedians=True)
        for body in self.violins_["bodies"]:
            body.set_facecolor(palette(1)[0])
            body.set_alpha(0.6)
        ax.set_xlabel("hidden layer")
        ax.set_ylabel("activation value")
        ax.set_title(f"activations at initialization ({self.result.config['activation']})", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        return self


# --- the explorer -------------------------------------------------------------------------------

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)


class GradientsExplorer(Explorer):
    """Depth, activation, initialization, batch norm, residuals, clipping: gradients per layer."""

    title = "Vanishing and exploding gradients, layer by layer"

    def __init__(self, *, depth=10, activation="sigmoid", initializer="glorot_uniform", init_std=0.05,
                 batch_norm=False, residual=False, clipnorm=False, learning_rate=0.03, epochs=20, seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "depth": W.IntSlider(value=depth, min=2, max=50, description="hidden layers", **sl),
            "activation": W.Dropdown(options=("sigmoid", "tanh", "relu", "gelu", "selu"), value=activation,
                                     description="activation", style=style, layout=box),
            "initializer": W.Dropdown(options=("glorot_uniform", "he_normal", "lecun_normal", "random_normal"),
                                      value=initializer, description="initializer", style=style, layout=box),
            "init_std": W.FloatLogSlider(value=init_std, base=10, min=-2, max=0.5, step=0.1,
                                         description="init std", readout_format=".2f", **sl),
            "batch_norm": W.Checkbox(value=batch_norm, description="batch norm", indent=False,
                                     layout=W.Layout(width="130px")),
            "residual": W.Checkbox(value=residual, description="residual", indent=False,
                                   layout=W.Layout(width="130px")),
            "clipnorm": W.Checkbox(value=clipnorm, description="clip gradients (clipnorm=1)", indent=False,
                                   layout=W.Layout(width="230px")),
            "learning_rate": W.SelectionSlider(options=LEARNING_RATES, value=learning_rate,
                                               description="learning rate", **sl),
            "epochs": W.IntSlider(value=epochs, min=5, max=100, step=5, description="epochs", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style, layout=box),
        }
        fig, self.axes = new_figure(3, width=3.5, height=3.2)
        super().__init__(controls, figure=fig)
        self._heatmap = GradientHeatmapDisplay(np.full((1, depth + 1), np.nan)).plot(self.axes[1])
        self._pool = ModelPool(tunable=False)

    def run(self, params, stop, report):
        p = dict(params)
        epochs = p.pop("epochs")
        learning_rate = p.pop("learning_rate")
        clip = 1.0 if p.pop("clipnorm") else None
        for ax in (self.axes[0], self.axes[2]):
            ax.clear()
        model = self._pool.get(64, 10, depth=p["depth"], width=64, activation=p["activation"],
                               initializer=p["initializer"], init_std=p["init_std"],
                               batch_norm=p["batch_norm"], residual=p["residual"], seed=p["seed"])
        at_init = measure_gradients(model=model, **{k: v for k, v in p.items()})
        LayerGradientsDisplay(at_init).plot(self.axes[0])
        self._heatmap.update(np.full((1, p["depth"] + 1), np.nan))
        curves = TrainingCurvesDisplay({"loss": [], "val_loss": []}).plot(
            self.axes[2], title="loss: train (solid), validation (dashed)")
        report(0, epochs, "Training…")
        rows = []
        hist = {}

        def on_epoch(epoch, logs):
            rows.append(logs["grad_norms"])
            for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
                hist.setdefault(key, []).append(logs[key])
            self._heatmap.update(np.array(rows))
            curves.update(hist)
            report(epoch + 1, epochs)
            if stop.is_set():
                raise StopTraining

        d = _data.load_digits(seed=p["seed"])
        result = train(model, d.X_train, d.y_train, epochs=epochs, batch_size=32, optimizer="sgd",
                       learning_rate=learning_rate, clipnorm=clip,
                       validation_data=(d.X_test, d.y_test), callbacks=[on_epoch], seed=p["seed"],
                       stop=stop, log_gradients=True)
        if len(result.grad_norms):
            self._heatmap.update(result.grad_norms)
        text = (f"At initialization the first layer's gradient is {at_init.ratio:.1e} × the last's. ")
        if not at_init.finite:
            text = "The activations overflow already at initialization. "
            self.show_message("The forward pass overflows before any training: the initial weights are "
                              "far too large for this depth, and clipping cannot repair that. Lower "
                              "the std, use fewer layers, or use He initialization.")
        elif result.diverged:
            text += "The loss became NaN: the gradients exploded."
            self.show_message(result.message)
        elif result.epochs_run:
            text += (f"After {result.epochs_run} epochs: validation accuracy "
                     f"<b>{result.final('val_accuracy'):.0%}</b> (chance: 10%).")
        if result.stop_reason == "stopped":
            self.show_message(result.message)
        report(result.epochs_run, epochs, text)
        return GradientsRun(at_init, result)


@dataclasses.dataclass(frozen=True)
class GradientsRun:
    """What the explorer ran: gradients at initialization and the training result."""

    at_init: LayerGradients
    training: object

    @property
    def diverged(self):
        return self.training.diverged

    @property
    def val_accuracy(self):
        return self.training.final("val_accuracy") if self.training.epochs_run else float("nan")
