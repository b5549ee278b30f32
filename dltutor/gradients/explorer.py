"""Lesson 02 · explorer: depth, activation, initialization, batch norm, residuals, clipping."""
from __future__ import annotations

import dataclasses

import ipywidgets as W
import numpy as np

from dltutor import data as _data
from dltutor.gradients.compute import ACTIVATIONS_USED, LayerGradients, SwitchableMLP, measure_gradients
from dltutor.gradients.display import GradientHeatmapDisplay, LayerGradientsDisplay
from dltutor.plots import TrainingCurvesDisplay, new_figure
from dltutor.training import StopTraining, reset_optimizers, train
from dltutor.widgets import Explorer

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3)
BATCH_SIZE = 128   # the lesson's budget (run_depth_comparison): batch norm needs batches this size


class GradientsExplorer(Explorer):
    """Depth, activation, initialization, batch norm, residuals, clipping: gradients per layer."""

    title = "Vanishing and exploding gradients, layer by layer"

    def __init__(self, *, depth=10, activation="sigmoid", initializer="glorot_uniform", init_std=0.05,
                 batch_norm=False, residual=False, clipnorm=False, learning_rate=0.05, epochs=20, seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "depth": W.IntSlider(value=depth, min=2, max=50, description="hidden layers", **sl),
            "activation": W.Dropdown(options=ACTIVATIONS_USED, value=activation,
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
        self.live.fixed_layout = True    # the three panels never change size: lay out once
        self._heatmap = GradientHeatmapDisplay(np.full((1, depth + 1), np.nan)).plot(self.axes[1])
        self._model = None    # one SwitchableMLP for every setting: one trace, flat memory

    def run(self, params, stop, report):
        p = dict(params)
        epochs = p.pop("epochs")
        learning_rate = p.pop("learning_rate")
        clip = 1.0 if p.pop("clipnorm") else None
        for ax in (self.axes[0], self.axes[2]):
            ax.clear()
        if self._model is None:
            self._model = SwitchableMLP(64, 10, width=64, max_depth=self.controls["depth"].max)
            self._optimizer = self._model.optimizer()
        model = self._model.configure(depth=p["depth"], activation=p["activation"],
                                      initializer=p["initializer"], init_std=p["init_std"],
                                      batch_norm=p["batch_norm"], residual=p["residual"], seed=p["seed"],
                                      clipnorm=clip)
        reset_optimizers(model)
        self._optimizer.learning_rate = learning_rate
        used = [*range(p["depth"]), -1]      # the kernels in use: hidden layers, then the output
        at_init = measure_gradients(model=model, **{k: v for k, v in p.items()})
        LayerGradientsDisplay(at_init).plot(self.axes[0])
        self._heatmap.update(np.full((1, p["depth"] + 1), np.nan))
        curves = TrainingCurvesDisplay({"loss": [], "val_loss": []}).plot(
            self.axes[2], title="loss: train (solid), validation (dashed)")
        report(0, epochs, "Training…")
        rows = []
        hist = {}

        def on_epoch(epoch, logs):
            rows.append(logs["grad_norms"][used])
            for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
                hist.setdefault(key, []).append(logs[key])
            self._heatmap.update(np.array(rows))
            curves.update(hist)
            report(epoch + 1, epochs)
            if stop.is_set():
                raise StopTraining

        d = _data.load_digits(seed=p["seed"])
        result = train(model, d.X_train, d.y_train, epochs=epochs, batch_size=BATCH_SIZE,
                       optimizer=self._optimizer, validation_data=(d.X_test, d.y_test), callbacks=[on_epoch], seed=p["seed"],
                       stop=stop, log_gradients=True)
        if len(result.grad_norms):
            self._heatmap.update(result.grad_norms[:, used])
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
