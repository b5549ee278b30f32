"""Lesson 08 · explorers: batch size against time and accuracy; pruning without retraining (and
fine-tuned on demand); transfer learning and forgetting."""
from __future__ import annotations

import dataclasses

import ipywidgets as W
import numpy as np

from dltutor.efficiency import compute as ec
from dltutor.efficiency.display import BatchSizeDisplay, ForgettingDisplay, PruningDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

__all__ = ["BatchSizeExplorer", "PruningExplorer", "ReuseExplorer"]

_STYLE = {"description_width": "120px"}
_BOX = W.Layout(width="320px")


def _seed_box(seed):
    return W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=_STYLE, layout=_BOX)


class BatchSizeExplorer(Explorer):
    """Train the MLP 64-64-10 for 20 epochs at one batch size and learning rate: accuracy per epoch,
    per measured second, and the time to 95% against the batch sizes tried before (same seed and rate).

    There is no epochs control: 20 epochs is the lesson's budget (and Q5's), and a run takes
    0.1-1.5 s, too short for a Stop button to matter."""

    title = "Batch size: examples per second against accuracy per epoch"
    cheap = {}
    epochs = 20

    def __init__(self, *, batch_size=64, learning_rate=ec.BATCH_LEARNING_RATE, seed=0):
        n = len(ec._digits().X_train)
        controls = {
            "batch_size": W.SelectionSlider(options=list(ec.BATCH_SIZES), value=batch_size, description="batch size",
                                            continuous_update=False, style=_STYLE, layout=_BOX),
            "learning_rate": W.FloatLogSlider(value=learning_rate, base=10, min=-4, max=-1.5, step=0.25,
                                              description="learning rate", readout_format=".1e",
                                              continuous_update=False, style=_STYLE, layout=_BOX),
            "seed": _seed_box(seed),
        }
        self._n = n
        fig, self.axes = new_figure(3, width=3.3, height=2.9)
        super().__init__(controls, figure=fig)

    def check(self, params):
        if params["batch_size"] > self._n:
            raise ValueError(f"batch size {params['batch_size']} is larger than the training set ({self._n} images).")

    def run(self, params, stop, report):
        epochs = self.epochs
        report(0, epochs, f"Training at batch {params['batch_size']}…")

        def on_epoch(epoch, logs):
            report(epoch + 1, epochs)

        lr = float(params["learning_rate"])
        run = ec.run_batch_size(params["batch_size"], epochs=epochs, seed=params["seed"], learning_rate=lr,
                                stop=stop, callbacks=[on_epoch], cache=not self.fresh)
        if run.stop_reason == "diverged":
            self.show_message(f"{run.message} The curves show the epochs before it.")
            if not len(run.accuracy):
                return self.result
        elif run.epochs_run < epochs:
            when = " (before the first one ended)" if run.epochs_run == 0 else ""
            self.show_message(f"Stopped after {run.epochs_run} of {epochs} epochs{when}; press Train to train "
                              "again.", kind="info")
            if run.epochs_run == 0:
                return self.result
        run_lr = lr
        others = [r for (b, e, s, lr, p), r in ec._BATCH_RUNS.store.items()
                  if e == epochs and lr == run_lr and s == params["seed"] and p == ec.perturbation() and b != run.batch_size]
        BatchSizeDisplay([*others, run], run).plot(self.axes)
        t = run.time_to()
        reached = (f"reached {ec.TARGET:.0%} after <b>{run.epochs_to()}</b> epochs, <b>{t:.2f} s</b> of training"
                   if t is not None else f"did not reach {ec.TARGET:.0%} in {run.epochs_run} epochs")
        report(epochs, epochs, f"Batch {run.batch_size}: {run.steps_per_epoch} steps an epoch, "
                               f"<b>{run.examples_per_s:,.0f}</b> examples/s measured here; held-out accuracy "
                               f"{run.accuracy[-1]:.1%} after {run.epochs_run} epochs; {reached}. "
                               f"Try other batch sizes: their curves at this learning rate ({run_lr:.1e}) stay on the figure; a "
                               "larger batch often wants a larger rate.")
        return run


class PruningExplorer(Explorer):
    """Magnitude pruning of the reference MLP 64-256-256-10: move the sparsity and see the accuracy
    of the pruned weights at once (no retraining); tick fine-tune to train 5 epochs with the mask."""

    title = "Pruning: remove the smallest weights"
    cheap = {}

    def __init__(self, *, sparsity=0.8, fine_tune=False, seed=0):
        controls = {
            "sparsity": W.FloatSlider(value=sparsity, min=0.0, max=0.95, step=0.05, description="sparsity",
                                      readout_format=".0%", continuous_update=False, style=_STYLE, layout=_BOX),
            "fine_tune": W.Checkbox(value=fine_tune, description="fine-tune 5 epochs", style=_STYLE, layout=_BOX),
            "seed": _seed_box(seed),
        }
        fig, self.axes = new_figure(3, width=3.3, height=2.9)
        super().__init__(controls, figure=fig)
        self._curves = {}

    def check(self, params):
        ec._check_sparsity(params["sparsity"])

    def _curve(self, ref):
        key = (ref.seed, ec.perturbation(), id(ref))
        if key not in self._curves:
            grid = np.round(np.arange(0.0, 0.951, 0.05), 2)
            pruned = [ec.prune(ref.weights, s)[0] for s in grid]
            self._curves.clear()             # one seed's curve at a time: memory stays flat
            self._curves[key] = (grid, np.array([ec.evaluate(w) for w in pruned]),
                                 np.array([ec.gzip_bytes(w) for w in pruned]))
        return self._curves[key]

    def run(self, params, stop, report):
        s = round(float(params["sparsity"]), 2)
        report(0, 2, "Training the reference MLP (once per seed)…")
        try:
            ref = ec.train_reference(params["seed"], stop=stop, cache=not self.fresh)
        except StopTraining:
            self.show_message("Stopped after 0 of 20 epochs (before the reference finished training); press "
                              "Train to train it.", kind="info")
            return self.result
        grid, one_shot, size = self._curve(ref)
        done = {k[2]: v for k, v in ec._FINETUNED.store.items() if k[0] == id(ref) and k[3] == 5 and k[4] == ec.perturbation()}
        fine = {k: ec.evaluate(w) for k, w in done.items()}
        if params["fine_tune"]:
            report(1, 2, f"Fine-tuning at {s:.0%} sparsity…")
            try:
                fine[s] = ec.evaluate(ec.finetune_pruned(ref, s, stop=stop))
            except StopTraining:
                self.show_message("Stopped: fine-tuning did not finish; the figure shows the one-shot accuracy.",
                                  kind="info")
        pruned, _ = ec.prune(ref.weights, s)
        acc = ec.evaluate(pruned)
        PruningDisplay(grid, one_shot, size, fine, s, ref.weights[0], ref.test_accuracy).plot(self.axes)
        text = (f"Seed {params['seed']}: dense accuracy {ref.test_accuracy:.1%}, gzip {ec.gzip_bytes(ref.weights) / 1000:.0f} kB. "
                f"At <b>{s:.0%}</b> sparsity ({ec.sparsity_of(pruned):.1%} of the kernels' weights are 0) the "
                f"pruned network scores <b>{acc:.1%}</b> without retraining; gzip {ec.gzip_bytes(pruned) / 1000:.0f} kB.")
        if s in fine:
            text += f" Fine-tuned 5 epochs with the mask kept: <b>{fine[s]:.1%}</b>."
        else:
            text += " Tick fine-tune to train the pruned network 5 epochs with its mask (about 1 s)."
        report(2, 2, text)
        return ec.PruningSweep(ref.seed, ref.test_accuracy, ec.gzip_bytes(ref.weights), (s,), np.array([acc]),
                               np.array([fine[s] if params["fine_tune"] and s in fine else np.nan]),
                               np.array([ec.gzip_bytes(pruned)]))


class ReuseExplorer(Explorer):
    """Transfer learning (digits 0-4 to 5-9, k labels per class) and forgetting (rehearsal)."""

    title = "Reuse: transfer learning, forgetting and rehearsal"
    cheap = {}

    def __init__(self, *, labels_per_class=10, rehearsal=20, seed=0):
        controls = {
            "labels_per_class": W.IntSlider(value=labels_per_class, min=1, max=100, description="labels per class",
                                            continuous_update=False, style=_STYLE, layout=_BOX),
            "rehearsal": W.IntSlider(value=rehearsal, min=0, max=100, description="rehearsal per class",
                                     continuous_update=False, style=_STYLE, layout=_BOX),
            "seed": _seed_box(seed),
        }
        fig, self.axes = new_figure(2, width=4.2, height=3.0)
        super().__init__(controls, figure=fig)

    def run(self, params, stop, report):
        report(0, 3, "Pretraining on digits 0-4 (once per seed)…")
        ec.pretrain(params["seed"])
        if stop.is_set():
            self.show_message("Stopped after 0 of 3 steps; press Train to run again.", kind="info")
            return self.result
        report(1, 3, "Transfer to digits 5-9…")
        t = ec.run_transfer(params["seed"], k=params["labels_per_class"])
        report(2, 3, "Training on digits 5-9 (with and without rehearsal)…")
        f = ec.run_forgetting(params["seed"], rehearsal=params["rehearsal"])
        ax = self.axes[0]
        ax.clear()
        modes = ec.TRANSFER_MODES
        bars = ax.bar(range(3), [t.accuracy[m] for m in modes], color=["#0173b2", "#029e73", "#de8f05"])
        for b, m in zip(bars, modes):
            ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.01, f"{t.accuracy[m]:.2f}", ha="center",
                    fontsize=8)
        ax.set_xticks(range(3), [f"{m}\n{t.trainable[m]:,} trained" for m in modes], fontsize=7)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("held-out accuracy on 5-9")
        ax.set_title(f"transfer: {t.k} labels per class", fontsize=9)
        self.axes[1].clear()
        ForgettingDisplay(f).plot(self.axes[1])
        best = max(modes, key=t.accuracy.get)
        report(3, 3, f"Seed {params['seed']}, {t.k} labelled images per class of 5-9: frozen body "
                     f"<b>{t.accuracy['frozen body']:.1%}</b> ({t.trainable['frozen body']:,} weights trained), "
                     f"fine-tuned <b>{t.accuracy['fine-tuned']:.1%}</b>, scratch <b>{t.accuracy['scratch']:.1%}</b> "
                     f"({t.trainable['scratch']:,}): best here is {best}. Trained on 5-9 alone the network keeps "
                     f"<b>{f.after_b[0]:.1%}</b> on 0-4 (it had {f.after_a[0]:.1%}); with {f.rehearsal} old images "
                     f"per class mixed in, <b>{f.after_b_rehearsed[0]:.1%}</b>.")
        return _ReuseResult(t.accuracy["frozen body"], t.accuracy["fine-tuned"], t.accuracy["scratch"],
                            f.after_b[0], f.after_b_rehearsed[0])



@dataclasses.dataclass(frozen=True)
class _ReuseResult:
    frozen: float
    fine_tuned: float
    scratch: float
    forgotten: float
    rehearsed: float
