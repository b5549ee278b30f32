"""Lesson 06 · explorer: a noise rate and type, a training budget, and (ticked) cleanlab's k-fold
search for the flipped labels with a retrain on the cleaned set."""
from __future__ import annotations

import html

import ipywidgets as W

from dltutor.data_quality import compute as dq
from dltutor.data_quality.display import CleaningDisplay, MemorizationDisplay, PerClassDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

__all__ = ["LabelNoiseExplorer"]


class LabelNoiseExplorer(Explorer):
    """Noisy labels: memorized with a long budget, saved by early stopping, found by cleanlab."""

    title = "Wrong labels: memorized, stopped early, found and cleaned"
    cheap = {"epochs": 20}
    streams = False      # the curves are scored from the saved weights when training ends

    def __init__(self, *, rate=0.3, kind="symmetric", epochs=dq.EPOCHS, clean=False, k=5, seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "rate": W.FloatSlider(value=rate, min=0.0, max=0.5, step=0.05, description="wrong labels",
                                  readout_format=".0%", **sl),
            "kind": W.Dropdown(options=[("symmetric (any other digit)", "symmetric"),
                                        ("systematic (1↔7, 3↔8, 4↔9)", "systematic")],
                               value=kind, description="noise", style=style, layout=box),
            "epochs": W.IntSlider(value=epochs, min=10, max=dq.MAX_EPOCHS, step=10, description="epochs", **sl),
            "clean": W.Checkbox(value=clean, description="find and clean with cleanlab", indent=False,
                                layout=W.Layout(width="240px")),
            "k": W.IntSlider(value=k, min=2, max=10, description="k folds", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style,
                                     layout=box),
        }
        fig, self.axes = new_figure(3, width=4.0, height=3.3)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True     # the panels never change size: lay out once
        self._placeholder()

    def check(self, params):
        dq.load_noisy_digits(params["rate"], kind=params["kind"], seed=params["seed"])   # refuses what cannot be

    def _placeholder(self):
        ax = self.axes[2]
        ax.clear()       # the same frame as the cleaning bars, so the fixed layout fits both
        ax.set_ylim(0, 1.08)
        ax.set_ylabel("test accuracy")
        ax.set_xticks([0.5], ["(not run)"], fontsize=7)
        ax.set_title("what cleaning buys", fontsize=9)
        ax.text(0.5, 0.5, "Tick 'find and clean with cleanlab'\nto search for the wrong labels\n"
                "(k-fold out-of-fold probabilities)\nand train again without them.",
                ha="center", va="center", fontsize=9, transform=ax.transAxes)

    def run(self, params, stop, report):
        p = dict(params)
        epochs = p["epochs"]
        total = epochs + (dq.OOF_EPOCHS + 1 if p["clean"] else 0)    # then the k folds, then cleaning
        report(0, total, "Training on the noisy labels…")

        def progress(offset):
            def on_epoch(epoch, logs):
                if stop.is_set():
                    raise StopTraining
                report(offset + epoch + 1, total)
            return on_epoch

        m = dq.run_memorization(p["rate"], kind=p["kind"], epochs=epochs, seed=p["seed"], stop=stop,
                                callbacks=[progress(0)], cache=not self.fresh)
        MemorizationDisplay(m).plot(self.axes[0])
        PerClassDisplay(m).plot(self.axes[1])
        text = (f"{m.flipped_share:.0%} of the training labels wrong ({html.escape(m.kind)}): after "
                f"{m.epochs} epochs the network fits <b>{m.final_train:.0%}</b> of the given labels and "
                f"scores <b>{m.final_test:.0%}</b> on the test set (true labels: {m.reference_test:.0%}). "
                f"Early stopping on the clean validation set (epoch {m.best_epoch}) keeps "
                f"<b>{m.early_stopping_test:.0%}</b>.")
        if m.epochs == 0:
            self.show_message(f"Stopped after 0 of {epochs} epochs, before the first one ended: the figure "
                              "shows the untrained network. Press Train to train it.", kind="info")
            report(0, total, "Stopped before the first epoch ended.")
            return m
        if m.epochs < epochs:
            self.show_message(f"Stopped after {m.epochs} of {epochs} epochs; the figure shows them.", kind="info")
            report(m.epochs, total, text)
            return m
        if not p["clean"]:
            self._placeholder()
            report(total, total, text)
            return m
        report(epochs, total, text + " Finding the wrong labels…")
        issues = dq.run_find_label_issues(p["rate"], kind=p["kind"], k=p["k"], seed=p["seed"], stop=stop,
                                          callbacks=[progress(epochs)])
        cleaning = None if stop.is_set() else dq.run_cleaning(
            p["rate"], kind=p["kind"], epochs=epochs, k=p["k"], seed=p["seed"], issues=issues, stop=stop)
        if stop.is_set():     # half-trained folds flag the wrong labels wrongly: show no numbers from them
            self._placeholder()
            self.show_message("Stopped while finding and cleaning the wrong labels: the first two panels "
                              "show the training on the noisy labels. Press Train to run it all.", kind="info")
            report(epochs, total, text)
            return m
        CleaningDisplay(cleaning).plot(self.axes[2])
        text += (f" cleanlab flags {issues.n_flags} labels: precision <b>{issues.precision:.0%}</b>, recall "
                 f"<b>{issues.recall:.0%}</b> (top loss, as many flags: {issues.baseline_precision:.0%} / "
                 f"{issues.baseline_recall:.0%}). Trained without them: "
                 f"<b>{cleaning.test_accuracy['removed']:.0%}</b>.")
        report(total, total, text)
        return cleaning
