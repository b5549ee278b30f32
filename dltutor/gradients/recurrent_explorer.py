"""Lesson 02 · recurrent explorer: one cell, a sequence length, a recurrent gain, clipping."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from dltutor.gradients.recurrent import CELLS, GATE_BIAS, run_recurrent
from dltutor.gradients.recurrent_display import TimeGradientsDisplay
from dltutor.plots import new_figure
from dltutor.widgets import Explorer

__all__ = ["RecurrentExplorer"]


class RecurrentExplorer(Explorer):
    """A SimpleRNN, LSTM or GRU on "remember the first symbol": ‖∂loss/∂x_t‖ over time and epochs."""

    title = "Vanishing and exploding gradients through time"
    cheap = {"length": 10}

    def __init__(self, *, cell="SimpleRNN", length=20, gain=1.0, open_gates=False, clipnorm=True, epochs=10,
                 seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "cell": W.Dropdown(options=CELLS, value=cell, description="cell", style=style, layout=box),
            "length": W.IntSlider(value=length, min=5, max=50, step=5, description="sequence length T", **sl),
            "gain": W.FloatSlider(value=gain, min=0.5, max=4.0, step=0.25, description="recurrent gain",
                                  readout_format=".2f", **sl),
            "open_gates": W.Checkbox(value=open_gates, description=f"open gates (bias +{GATE_BIAS:g})",
                                     indent=False, layout=W.Layout(width="200px")),
            "clipnorm": W.Checkbox(value=clipnorm, description="clip gradients (clipnorm=1)", indent=False,
                                   layout=W.Layout(width="230px")),
            "epochs": W.IntSlider(value=epochs, min=2, max=20, description="epochs", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style, layout=box),
        }
        fig, self.axes = new_figure(2, width=3.8, height=3.2)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True     # the panels never change size: lay out once
        self._heatmap = TimeGradientsDisplay(np.full((1, length), np.nan)).plot(self.axes[0])

    def check(self, params):
        if params["open_gates"] and params["cell"] == "SimpleRNN":
            raise ValueError("A SimpleRNN has no gates to open: untick 'open gates', or choose LSTM or GRU.")

    def run(self, params, stop, report):
        p = dict(params)
        epochs, cell = p["epochs"], p["cell"]
        ax = self.axes[1]
        ax.clear()
        ax.axhline(0.25, color="0.4", lw=1, ls="-.", label="chance (25%)")
        line, = ax.plot([], [], "-o", lw=2, label="validation accuracy")
        ax.set(xlim=(0.5, epochs + 0.5), ylim=(0, 1.05), xlabel="epoch", ylabel="validation accuracy",
               title=f"{cell}, T = {p['length']}")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        ax.grid(alpha=0.3)
        self._heatmap.update(np.full((1, p["length"]), np.nan))
        self._heatmap.ax_.set_title(f"{cell}: ‖∂loss/∂x_t‖ while training", fontsize=9)
        report(0, epochs, "Training…")

        def on_epoch(_, epoch, grads, acc):
            self._heatmap.update(grads)
            line.set_data(np.arange(1, len(acc) + 1), acc)
            report(epoch, epochs)

        run = run_recurrent((cell,), length=p["length"], epochs=epochs, gain=p["gain"],
                            gate_bias=GATE_BIAS if p["open_gates"] else 0.0,
                            clipnorm=1.0 if p["clipnorm"] else None, seed=p["seed"], stop=stop,
                            on_epoch=on_epoch, cache=not self.fresh)
        self._heatmap.update(run.input_grads[cell])
        line.set_data(np.arange(1, run.epochs + 1), run.val_accuracy[cell])
        text = (f"{cell}, T = {p['length']}: at initialization step 1 gets {run.ratio(cell):.1e} × the "
                f"gradient of step T. ")
        if run.epochs:
            text += (f"After {run.epochs} epochs validation accuracy is <b>{run.final_accuracy(cell):.0%}</b> "
                     "(chance: 25%).")
        if run.epochs == 0:
            self.show_message(f"Stopped after 0 of {epochs} epochs, before the first one ended: the figure "
                              "shows the untrained network. Press Train to train it.", kind="info")
        elif run.epochs < epochs:
            self.show_message(f"Stopped after {run.epochs} of {epochs} epochs; the figure shows them.", kind="info")
        report(run.epochs, epochs, text)
        return run
