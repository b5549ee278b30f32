"""Lesson 01 · display: the figures of the overfitting lesson (``.plot(ax=None)`` returns self)."""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, new_figure, palette

class SweepDisplay(DisplayMixin):
    """Train (solid) and validation (dashed) accuracy against a size (width or data), log x."""

    def __init__(self, x, train_accuracy, val_accuracy, *, xlabel):
        self.x, self.train_accuracy, self.val_accuracy, self.xlabel = x, train_accuracy, val_accuracy, xlabel

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        c = palette(2)
        self.lines_ = {
            "train": ax.plot(self.x, 100 * np.asarray(self.train_accuracy), "o-", color=c[0], label="train")[0],
            "validation": ax.plot(self.x, 100 * np.asarray(self.val_accuracy), "s--", color=c[1], label="validation")[0],
        }
        ax.fill_between(self.x, 100 * np.asarray(self.val_accuracy), 100 * np.asarray(self.train_accuracy),
                        color=c[1], alpha=0.12, label="gap")
        ax.set_xscale("log")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel("accuracy (%)")
        ax.legend(fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        return self


class ToolboxDisplay(DisplayMixin):
    """The generalization gap of the baseline and of each remedy, as horizontal bars."""

    def __init__(self, toolbox):
        self.toolbox = toolbox

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=5.5, height=2.6)
        self.ax_, self.figure_ = ax, ax.figure
        names = list(self.toolbox.fits)
        gaps = [self.toolbox.fits[n].gap for n in names]
        c = palette(len(names))
        hatches = ["", "//", "..", "xx", "\\\\"]
        self.bars_ = ax.barh(names[::-1], gaps[::-1], color=c[::-1], hatch=hatches[:len(names)][::-1],
                             edgecolor="white")
        for y, (name, gap) in enumerate(zip(names[::-1], gaps[::-1])):
            val = self.toolbox.fits[name].val_accuracy
            ax.text(max(gap, 0) + 0.3, y, f"{gap:.0f} pts (val {val:.0%})", va="center", fontsize=8)
        ax.set_xlabel("generalization gap: train - validation accuracy (points)")
        ax.set_xlim(min(0, min(gaps)) - 1, max(gaps) * 1.45 + 1)
        ax.set_title("each remedy against the same overfitting model", fontsize=9)
        return self


class DoubleDescentDisplay(DisplayMixin):
    """Test error against the number of random features, the interpolation threshold marked."""

    def __init__(self, result):
        self.result = result

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=5.5)
        self.ax_, self.figure_ = ax, ax.figure
        r = self.result
        c = palette(3)
        self.line_ = ax.plot(r.n_features, 100 * r.test_error, "o-", color=c[0], label="test error")[0]
        ax.plot(r.n_features, 100 * r.train_error, "s:", color=c[2], label="train error")
        self.threshold_ = ax.axvline(r.n_train, color=c[1], ls="--",
                                     label=f"interpolation threshold (p = n = {r.n_train})")
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=1)
        ax.set_xlabel("number of random features p (model size)")
        ax.set_ylabel("error (%)")
        ax.set_title("double descent: min-norm random cosine features on digits", fontsize=9)
        ax.legend(fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        return self


class CrossValidationDisplay(DisplayMixin):
    """Single-split scores as a strip, the k-fold mean and the reference line."""

    def __init__(self, result):
        self.result = result

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=5.5, height=2.6)
        self.ax_, self.figure_ = ax, ax.figure
        r = self.result
        c = palette(3)
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(r.single_split))
        self.single_ = ax.scatter(100 * r.single_split, 1 + jitter, color=c[0], marker="o",
                                  label=f"{len(r.single_split)} single 80/20 splits")
        self.kfold_ = ax.scatter(100 * r.kfold, np.zeros(len(r.kfold)) + jitter[:len(r.kfold)],
                                 color=c[1], marker="^", label=f"{len(r.kfold)} folds")
        ax.errorbar(100 * r.kfold_mean, 0, xerr=100 * r.kfold.std(), color="black", marker="D",
                    capsize=4, label="k-fold mean ± std")
        ax.axvline(100 * r.reference, color=c[2], ls="--", label="large test set (truth)")
        ax.set_yticks([0, 1], ["k-fold", "single split"])
        ax.set_ylim(-0.6, 1.6)
        ax.set_xlabel("validation accuracy (%)")
        ax.legend(fontsize=7, frameon=False, loc="lower left", ncols=2)
        return self


