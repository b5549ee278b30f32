"""Lesson 06 · quantity explorer: how many labelled images, and what augmentation and pseudo-labels
of the unlabelled rest buy at that size (five networks a method, one dot each)."""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from dltutor.data_quality import quantity as q
from dltutor.data_quality.quantity_display import SmallDataDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

__all__ = ["SmallDataExplorer"]

LABELLED = (20, 30, 50, 100, 200, 400)
N_SEEDS = 5
EPOCHS = 20     # run_small_data's default


class SmallDataExplorer(Explorer):
    """A few labelled digits: trained alone, with augmented copies, and with pseudo-labels."""

    title = "Little labelled data: what augmentation and pseudo-labels buy"
    streams = False

    def __init__(self, *, n_labelled=50, threshold=0.9, shift=0.5, noise=0.05, seed=0):
        style = {"description_width": "125px"}
        box = W.Layout(width="320px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "n_labelled": W.SelectionSlider(options=LABELLED, value=n_labelled, description="labelled images", **sl),
            "threshold": W.FloatSlider(value=threshold, min=0.5, max=0.99, step=0.01, readout_format=".2f",
                                       description="pseudo-label ≥ p", **sl),
            "shift": W.FloatSlider(value=shift, min=0.25, max=1.0, step=0.25, readout_format=".2f",
                                   description="shift (pixels)", **sl),
            "noise": W.FloatSlider(value=noise, min=0.0, max=0.2, step=0.01, readout_format=".2f",
                                   description="noise (std)", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style, layout=box),
        }
        fig, self.ax = new_figure(1, width=5.4, height=3.4)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True

    def run(self, params, stop, report):
        p = dict(params)
        total = 2 * EPOCHS
        report(0, total, "Training five networks for each of the three ways…")

        def on_epoch(epoch, logs):
            if stop.is_set():
                raise StopTraining
            report(epoch + 1, total)

        small = q.run_small_data(p["n_labelled"], seeds=range(p["seed"], p["seed"] + N_SEEDS),
                                 threshold=p["threshold"], shift=p["shift"], noise=p["noise"], seed=p["seed"],
                                 epochs=EPOCHS, stop=stop, callbacks=[on_epoch])
        if small is None:
            self.show_message("Stopped: the figure still shows the previous run. Move a control or press "
                              "Train to run it again.", kind="info")
            return self.result
        SmallDataDisplay(small).plot(self.ax)
        mean = {m: float(np.mean(a)) for m, a in small.accuracy.items()}
        gains = {m: small.gain(m) for m in ("augment", "pseudo")}
        text = (f"{small.n_labelled} labelled images: alone <b>{mean['none']:.1%}</b> (mean of {N_SEEDS}); "
                f"with augmented copies <b>{mean['augment']:.1%}</b> ({gains['augment'].min() * 100:+.1f} to "
                f"{gains['augment'].max() * 100:+.1f} points a seed); with pseudo-labels "
                f"<b>{mean['pseudo']:.1%}</b> ({gains['pseudo'].min() * 100:+.1f} to {gains['pseudo'].max() * 100:+.1f}), "
                f"from {int(np.mean(small.n_pseudo))} unlabelled images kept at p ≥ {small.threshold:.2f}, "
                f"{np.mean(small.pseudo_precision):.0%} of them right.")
        report(total, total, text)
        return small
