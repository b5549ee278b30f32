"""Lesson 01 · explorer: the overfitting widget (capacity, data, noise, remedies)."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from dltutor.models import ModelPool
from dltutor.overfitting.compute import L2S, make_small_moons, run_fit
from dltutor.plots import BoundaryDisplay, TrainingCurvesDisplay, new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

WIDTHS = (2, 4, 8, 16, 32, 64, 128, 256, 512)
SIZES = (20, 40, 60, 80, 160, 320, 640)


class OverfittingExplorer(Explorer):
    """Capacity, data size, label noise and the four remedies, with the gap named in numbers."""

    title = "Overfitting: train vs validation as the model grows and the data shrinks"
    light = ("metric",)

    def __init__(self, *, width=256, depth=2, n_train=60, noise=0.35, label_noise=0.0, l2=0.0,
                 dropout=0.0, early_stopping=False, augmentation=False, epochs=300, seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "width": W.SelectionSlider(options=WIDTHS, value=width, description="units per layer", **sl),
            "depth": W.IntSlider(value=depth, min=1, max=3, description="hidden layers", **sl),
            "n_train": W.SelectionSlider(options=SIZES, value=n_train, description="training points", **sl),
            "noise": W.FloatSlider(value=noise, min=0.0, max=0.5, step=0.05, description="data noise", **sl),
            "label_noise": W.FloatSlider(value=label_noise, min=0.0, max=1.0, step=0.1,
                                         description="label noise", **sl),
            "l2": W.SelectionSlider(options=L2S, value=l2, description="L2 penalty", **sl),
            "dropout": W.FloatSlider(value=dropout, min=0.0, max=0.7, step=0.1, description="dropout", **sl),
            "early_stopping": W.Checkbox(value=early_stopping, description="early stopping", indent=False,
                                         layout=W.Layout(width="150px")),
            "augmentation": W.Checkbox(value=augmentation, description="augmentation", indent=False,
                                       layout=W.Layout(width="150px")),
            "epochs": W.IntSlider(value=epochs, min=20, max=1000, step=20, description="epochs", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style, layout=box),
            "metric": W.ToggleButtons(options=("loss", "accuracy"), value="loss", description="curves",
                                      style={"description_width": "50px", "button_width": "80px"}),
        }
        fig, self.axes = new_figure(2, width=3.8, height=3.3)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True    # the two panels never change size: lay out once
        self._curves = None
        self._pool = ModelPool()

    def _draw_curves(self, history, metric):
        ax = self.axes[1]
        ax.clear()
        self._curves = TrainingCurvesDisplay(history, metric=metric).plot(
            ax, log_y=metric == "loss",
            title=f"{metric}: train (solid) vs validation (dashed)")

    def redraw(self, params):
        if self.result is not None:
            self._draw_curves(self.result.history, params["metric"])
        self.live.draw(force=True)

    def run(self, params, stop, report):
        p = {k: v for k, v in params.items() if k not in ("metric", "n_train", "noise")}
        data = make_small_moons(params["n_train"], noise=params["noise"], seed=params["seed"])
        epochs = params["epochs"]
        for ax in self.axes:
            ax.clear()
        grid = BoundaryDisplay.grid(np.r_[data.X_train, data.X_test[:200]], resolution=45)
        live = {"history": {}}
        self._draw_curves(live["history"], params["metric"])
        report(0, epochs, "Training…")

        def on_epoch(epoch, logs):
            for key, value in logs.items():
                live["history"].setdefault(key, []).append(value)
            if stop.is_set():
                raise StopTraining
            if epoch % 10 == 0 or epoch == epochs - 1:
                self._curves.update(live["history"])
                report(epoch + 1, epochs, f"Epoch {epoch + 1}: train loss {logs['loss']:.3f}, "
                                          f"validation loss {logs['val_loss']:.3f}")

        fit = run_fit(data, callbacks=[on_epoch], stop=stop, pool=self._pool, **p)
        self.axes[0].clear()
        BoundaryDisplay.from_model(fit.model, data.X_train, fit.y_train, grid=grid).plot(
            self.axes[0], title=f"{len(data.X_train)} training points and the learned regions")
        self._draw_curves(fit.history, params["metric"])
        text = (f"Train accuracy {fit.train_accuracy:.0%}, validation {fit.val_accuracy:.0%}: "
                f"a generalization gap of <b>{fit.gap:.0f} points</b>.")
        if fit.params["early_stopping"] and fit.stop_reason == "early_stopping":
            text += f" Early stopping restored epoch {fit.best_epoch}."
        report(len(fit.history.get("loss", [])), epochs, text)
        if fit.stop_reason in ("diverged", "stopped"):
            self.show_message(fit.message)
        return fit
