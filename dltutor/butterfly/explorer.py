"""Lesson 05 · explorers: many seeds at once, one tiny change, and the fractal boundary (zoom with sliders)."""
from __future__ import annotations

import html

import ipywidgets as W
import numpy as np

from dltutor.butterfly import compute as C
from dltutor.butterfly.display import FractalDisplay, NudgeDisplay, SeedSpreadDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

ZOOMS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
_STYLE = {"description_width": "105px"}
_BOX = W.Layout(width="300px")
_SL = dict(continuous_update=False, style=_STYLE, layout=_BOX)


def _seed_box(seed):
    return W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=_STYLE, layout=_BOX)


def _epoch_progress(stop, report, total):
    def on_epoch(epoch, logs):
        if stop.is_set():
            raise StopTraining
        report(epoch + 1, total)
    return on_epoch


class SeedsExplorer(Explorer):
    """One recipe, many seeds, trained at once: the spread of accuracy and who disagrees with whom."""

    title = "Same recipe (Adam, 20 epochs), different seed"
    streams = False   # the figure changes once, at the end
    cheap = {"n_seeds": 5}

    def __init__(self, *, n_seeds=20, learning_rate=C.SEED_LR, batch_size=C.SEED_BATCH, seed=0):
        controls = {
            "n_seeds": W.IntSlider(value=n_seeds, min=5, max=60, step=5, description="seeds", **_SL),
            "learning_rate": W.SelectionSlider(options=(0.001, 0.003, 0.01, 0.03), value=learning_rate,
                                               description="learning rate", **_SL),
            "batch_size": W.SelectionSlider(options=(16, 32, 64, 128, 256), value=batch_size,
                                            description="batch size", **_SL),
            "seed": _seed_box(seed),
        }
        fig, self.axes = new_figure(2, width=3.9, height=3.2)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True

    def run(self, params, stop, report):
        report(0, C.SEED_EPOCHS, f"Training {params['n_seeds']} networks at once…")
        spread = C.run_seed_spread(params["n_seeds"], seed=params["seed"], learning_rate=params["learning_rate"],
                                   batch_size=params["batch_size"], stop=stop,
                                   callbacks=[_epoch_progress(stop, report, C.SEED_EPOCHS)])
        if stop.is_set():
            self.show_message("Stopped: the figure still shows the previous run. Press Train to run "
                              "this one to the end.", kind="info")
            return self.result
        SeedSpreadDisplay(spread).plot(self.axes)
        s0, s1 = int(spread.seeds[0]), int(spread.seeds[-1])
        self.summary.value = (
            f"Seeds {s0}–{s1}: test accuracy {100 * spread.accuracy.min():.1f}% to "
            f"{100 * spread.accuracy.max():.1f}% (SD <b>{spread.sd:.2f}</b> points, range "
            f"<b>{spread.spread:.2f}</b>); two seeds disagree on <b>{100 * spread.mean_disagreement:.1f}%</b> "
            f"of the {spread.predictions.shape[1]} test images on average. {spread.seconds:.1f} s "
            "for all of them. Run it again: the same numbers, to the last bit.")
        return spread


class NudgeExplorer(Explorer):
    """Train twice with one tiny change; the loss curves agree, the weights do not."""

    title = "A tiny change, a different model"
    streams = False   # the figure changes once, at the end

    def __init__(self, *, change="learning_rate", learning_rate=C.NUDGE_LR, seed=0):
        controls = {
            "change": W.Dropdown(options=[(label, key) for key, label in C.NUDGES.items()], value=change,
                                 description="change", style=_STYLE, layout=_BOX),
            "learning_rate": W.SelectionSlider(options=(0.1, 0.3, 1.0, 2.0), value=learning_rate,
                                               description="learning rate", **_SL),
            "seed": _seed_box(seed),
        }
        fig, self.axes = new_figure(2, width=3.9, height=3.2)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True

    def run(self, params, stop, report):
        total = C.NUDGE_EPOCHS
        report(0, total, "Training both networks…")
        nudge = C.run_nudge(params["change"], seed=params["seed"], learning_rate=params["learning_rate"],
                            stop=stop, callbacks=[_epoch_progress(stop, report, total)])
        if stop.is_set():
            self.show_message("Stopped: the figure still shows the previous run.", kind="info")
            return self.result
        NudgeDisplay(nudge).plot(self.axes)
        acc = 100 * nudge.val_accuracy
        self.summary.value = (
            f"Changed: <b>{html.escape(C.NUDGES[nudge.change])}</b>. The two runs start "
            f"{nudge.first:.1e} apart and end {nudge.distance[-1]:.1e} apart (×<b>{nudge.growth:,.0f}</b>). "
            f"Test accuracy {acc[0]:.1f}% and {acc[1]:.1f}%: "
            + ("two different models, equally good. " if abs(acc[0] - acc[1]) <= 2 and acc.min() >= 80 else
               "two different models. ")
            + ("At learning rate 2 the training is unstable: the runs may end far apart." if
               params["learning_rate"] >= 2 else ""))
        return nudge


PREVIEW = 12    # the FractalExplorer's first, coarse map: 12 × 12 networks


class FractalExplorer(Explorer):
    """Which learning-rate pairs train: a grid of networks, zoomed with sliders, boundary dimension."""

    title = "The boundary of trainability is fractal (Sohl-Dickstein 2024)"
    streams = False   # the figure changes once, at the end
    cheap = {"resolution": 32}

    def __init__(self, *, center=C.FRACTAL_CENTER, zoom=1, resolution=64, seed=0):
        controls = {
            "x": W.FloatSlider(value=center[0], min=-1.0, max=5.0, step=0.001, readout_format=".3f",
                               description="centre: log10 lr in", **_SL),
            "y": W.FloatSlider(value=center[1], min=0.5, max=3.5, step=0.001, readout_format=".3f",
                               description="centre: log10 lr out", **_SL),
            "zoom": W.SelectionSlider(options=ZOOMS, value=zoom, description="zoom ×", **_SL),
            "resolution": W.SelectionSlider(options=C.FRACTAL_RESOLUTIONS, value=resolution,
                                            description="grid", **_SL),
            "seed": _seed_box(seed),
        }
        self.zoom_button = W.Button(description="Zoom ×4 on the boundary", icon="search-plus",
                                    tooltip="Centre on the boundary point nearest the middle and zoom in 4×")
        fig, self.ax = new_figure(1, width=5.2, height=4.2)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True
        self.zoom_button.on_click(lambda _: self.zoom_in())
        self.widget.children = (*self.widget.children[:-1], self.zoom_button, self.widget.children[-1])

    def check(self, params):
        C.fractal_view((params["x"], params["y"]), params["zoom"])

    def zoom_in(self, factor=4):
        """Centre on the boundary nearest the middle of the view and zoom in ``factor`` times."""
        if self.result is None:
            self.show_message("Train first: there is no map to zoom into yet.")
            return None
        try:
            x, y = C.boundary_point(self.result)
        except ValueError as exc:
            self.show_message(str(exc))
            return None
        zoom = min((z for z in ZOOMS if z >= self.params["zoom"] * factor), default=ZOOMS[-1])
        return self.update(x=round(x, 3), y=round(y, 3), zoom=zoom)

    def run(self, params, stop, report):
        n = params["resolution"]
        view = dict(seed=params["seed"], center=(params["x"], params["y"]), zoom=params["zoom"])
        # a coarse map first (PREVIEW² networks, about a sixteenth of the work), then the full grid
        preview = C.run_fractal(resolution=PREVIEW, stop=stop, **view) if n > PREVIEW else None
        if preview is not None and preview.complete:
            FractalDisplay(preview).plot(self.ax, title=f"first look: {PREVIEW} × {PREVIEW} networks, "
                                                        f"{n} × {n} on the way")
            self.live.draw(force=True)
        report(0, C.FRACTAL_STEPS, f"Training {n * n:,} networks, {C.FRACTAL_STEPS} steps each…")
        fractal = C.run_fractal(seed=params["seed"], center=(params["x"], params["y"]), zoom=params["zoom"],
                                resolution=n, stop=stop, progress=report)
        if not fractal.complete:
            if self.result is not None:
                FractalDisplay(self.result).plot(self.ax)
            self.show_message("Stopped: the figure still shows the previous map.", kind="info")
            return self.result
        FractalDisplay(fractal).plot(self.ax)
        dim = fractal.dimension
        dim_text = (f"box-counting dimension of the boundary ≈ <b>{dim:.2f}</b> (1 for a smooth curve)"
                    if np.isfinite(dim) else "no boundary in this view: zoom out or move the centre")
        self.summary.value = (
            f"{n * n:,} networks in {fractal.seconds:.1f} s: <b>{fractal.converged.mean():.0%}</b> trained. "
            f"{dim_text}. View ×{params['zoom']}: input-layer rates 10^{fractal.extent[0]:.3f}–"
            f"10^{fractal.extent[1]:.3f}, output-layer 10^{fractal.extent[2]:.3f}–10^{fractal.extent[3]:.3f}.")
        return fractal
