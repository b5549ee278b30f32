"""Lesson 03 · explorer: one widget for the minority share, every fix, and the threshold."""
from __future__ import annotations

import html

import ipywidgets as W

from dltutor.imbalance.compute import EPOCHS, METHODS, check_minority, fit_method, make_data
from dltutor.imbalance.display import MetricsDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

RATIOS = (0.5, 0.2, 0.1, 0.05, 0.03, 0.02, 0.01)
SAMPLES = (500, 1000, 2000, 5000, 10_000)


class ImbalanceExplorer(Explorer):
    """The accuracy paradox and its fixes: confusion matrix, PR and ROC with the operating point."""

    title = "Class imbalance: what accuracy hides, and what each fix changes"
    light = ("threshold",)

    def __init__(self, *, ratio=0.03, n_samples=10_000, method="none", threshold=0.5, epochs=EPOCHS,
                 seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "method": W.Dropdown(options=[(label, key) for key, label in METHODS.items()], value=method,
                                 description="fix", style=style, layout=box),
            "threshold": W.FloatSlider(value=threshold, min=0.0, max=1.0, step=0.01,
                                       description="threshold", readout_format=".2f", **sl),
            "epochs": W.IntSlider(value=epochs, min=5, max=200, step=5, description="epochs", **sl),
            "ratio": W.SelectionSlider(options=[(f"{r:.0%} (1:{(1 - r) / r:.0f})", r) for r in RATIOS],
                                       value=ratio, description="minority share", **sl),
            "n_samples": W.SelectionSlider(options=SAMPLES, value=n_samples, description="samples", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style,
                                     layout=box),
        }
        fig, self.axes = new_figure(3, width=3.3, height=3.2)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True    # the panels never change size: lay out once (a third of a redraw)
        self._display = None

    def check(self, params):
        # SMOTE/ADASYN first: their limit is the one a student meets (half the rows train)
        check_minority(params["method"], round(params["n_samples"] * params["ratio"]) // 2)
        make_data(params["ratio"], n_samples=params["n_samples"], seed=params["seed"])

    def redraw(self, params):
        if self.result is not None and self._display is not None:
            self._display.set_threshold(params["threshold"])
            self._summarize(self.result, params["threshold"])
        self.live.draw(force=True)

    def _summarize(self, run, threshold):
        m = run.at(threshold)
        self.summary.value = (
            f"<b>{html.escape(run.label)}</b> at threshold {threshold:.2f}: accuracy "
            f"<b>{m['accuracy']:.1%}</b> (always 'majority': {run.majority_accuracy:.1%}) · "
            f"minority recall <b>{m['recall']:.0%}</b> · precision {m['precision']:.0%} · "
            f"F1 {m['f1']:.2f} · balanced accuracy {m['balanced_accuracy']:.2f} · "
            f"ROC AUC {m['roc_auc']:.3f} · PR AUC (average precision) {m['pr_auc']:.3f} "
            f"(chance {1 - run.majority_accuracy:.3f}). Trained on {run.trained_on[0]} majority / "
            f"{run.trained_on[1]} minority rows.")

    def run(self, params, stop, report):
        epochs = params["epochs"]
        data = make_data(params["ratio"], n_samples=params["n_samples"], seed=params["seed"])
        report(0, epochs, "Training…")

        def on_epoch(epoch, logs):
            if stop.is_set():
                raise StopTraining
            report(epoch + 1, epochs)

        threshold = None if params["method"] == "threshold" else params["threshold"]
        run = fit_method(data, params["method"], seed=params["seed"], epochs=epochs,
                         threshold=threshold, callbacks=[on_epoch], stop=stop)
        if params["method"] == "threshold":      # threshold moving: the slider goes to the base rate
            self._holding = True
            try:
                self.controls["threshold"].value = round(run.threshold, 2)
            finally:
                self._holding = False
        t = self.controls["threshold"].value
        self._display = MetricsDisplay(run, threshold=t).plot(self.axes)
        self._summarize(run, t)
        report(len(run.history.get("loss", [])), epochs)
        if run.stop_reason in ("diverged", "stopped"):
            self.show_message(run.message)
        return run
