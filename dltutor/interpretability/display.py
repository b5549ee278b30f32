"""Lesson 07 · display: saliency maps side by side, the sanity check's curves, IG's completeness
against the number of steps, the Clever Hans model, and the tabular importances.

Displays keep their artists (``images_``, ``lines_``, ``bars_``) so that tests read the data drawn.
"""
from __future__ import annotations

import numpy as np

from dltutor.interpretability.compute import LABELS, LAYERS, METHODS, SIDE, WATERMARK
from dltutor.plots import DisplayMixin, _get_ax, new_figure, palette

__all__ = ["SaliencyDisplay", "RandomizationDisplay", "CompletenessDisplay", "CleverHansDisplay",
           "WatermarkSweepDisplay", "ImportanceDisplay"]

STAGES = ("trained", *(f"+{name}" for name in LAYERS))


def _map(ax, values, title, *, cmap="RdBu_r"):
    ax.clear()
    v = np.asarray(values, float).reshape(SIDE, SIDE)
    lim = max(float(np.abs(v).max()), 1e-9)
    img = ax.imshow(v, cmap=cmap, vmin=-lim, vmax=lim, interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    return img


class SaliencyDisplay(DisplayMixin):
    """The image and its four maps (red: raises the predicted digit's logit; blue: lowers it).

    Attributes (after ``plot``): ``images_`` (dict by "input" and method), ``figure_``.
    """

    def __init__(self, saliency):
        self.s = saliency

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(5, width=2.0, height=2.3)
        s = self.s
        self.figure_ = axes[0].figure
        self.images_ = {"input": _map(axes[0], s.image, f"image {s.index}: label {s.label}\n"
                                      f"predicted {s.prediction} ({s.confidence:.0%})", cmap="gray_r")}
        self.images_["input"].set_clim(0, 1)
        where = "trained model" if not s.stage else f"top {s.stage} layer{'s' * (s.stage > 1)} random"
        for ax, m in zip(axes[1:], METHODS):
            extra = ""
            if m == "integrated_gradients":
                extra = f"\nsum {s.ig_sum:.2f} vs f(x)-f(x') {s.ig_gap:.2f}"
            elif m == "occlusion":
                extra = f"\n{s.patch}x{s.patch} patches"
            self.images_[m] = _map(ax, s.maps[m], f"{LABELS[m]}{extra}" + ("" if extra else f"\n{where}"))
        return self


class RandomizationDisplay(DisplayMixin):
    """Each method's median rank correlation (or SSIM) with the trained model's map as the layers
    are randomized from the top down, the middle half of the images shaded; the random-label
    model as a marker at the right; ``stage`` marked by a vertical line.

    Attributes (after ``plot``): ``lines_`` (dict by method), ``ax_``, ``figure_``.
    """

    def __init__(self, randomization, *, what="spearman"):
        self.r, self.what = randomization, what

    def plot(self, ax=None, *, stage=None):
        ax = self.ax_ = _get_ax(ax, width=4.6, height=3.4)
        self.figure_ = ax.figure
        ax.clear()
        data = getattr(self.r, self.what)
        rl = getattr(self.r, f"random_labels_{self.what}")
        x = np.arange(len(STAGES))
        self.lines_ = {}
        for m, colour in zip(METHODS, palette(len(METHODS))):
            v = data[m]
            (self.lines_[m],) = ax.plot(x, np.median(v, 1), "o-", color=colour, label=LABELS[m], lw=1.5, ms=3)
            ax.fill_between(x, *np.percentile(v, [25, 75], axis=1), color=colour, alpha=0.15, lw=0)
            if m in rl:
                ax.plot([len(STAGES)], [np.median(rl[m])], "D", color=colour, ms=5)
        ticks = [*STAGES, "random\nlabels"] if rl else list(STAGES)
        ax.set_xticks(np.arange(len(ticks)), ticks, fontsize=7)
        if stage is not None:
            ax.axvline(stage, color="0.5", lw=1, ls="--")
        ax.set_ylim(-0.1, 1.05)
        ax.set_ylabel("Spearman |map| vs trained" if self.what == "spearman" else "SSIM vs trained", fontsize=8)
        ax.set_title("sanity check (median, IQR)", fontsize=9)
        ax.legend(fontsize=7, loc="lower left")
        return self


class CompletenessDisplay(DisplayMixin):
    """IG's completeness residual (median and worst image) against the number of steps."""

    def __init__(self, steps, median, worst):
        self.steps, self.median, self.worst = np.asarray(steps), np.asarray(median), np.asarray(worst)

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.2, height=3.2)
        self.figure_ = ax.figure
        ax.clear()
        self.lines_ = {"median": ax.loglog(self.steps, self.median, "o-", label="median image")[0],
                       "worst": ax.loglog(self.steps, self.worst, "s--", label="worst image")[0]}
        ax.axhline(0.01, color="0.5", lw=1, ls=":")
        ax.set_xlabel("IG steps (trapezoid rule)")
        ax.set_ylabel("|sum(IG) - (f(x) - f(x'))| / |f(x) - f(x')|", fontsize=7)
        ax.set_title("completeness: how many steps are enough?", fontsize=9)
        ax.legend(fontsize=7)
        return self


class CleverHansDisplay(DisplayMixin):
    """Accuracy as trained (the class's test images watermarked), clean, and with the watermark
    on every image; beside them the share of IG on the watermark's pixels."""

    def __init__(self, clever_hans):
        self.c = clever_hans

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.4, height=3.2)
        self.figure_ = ax.figure
        ax.clear()
        c = self.c
        names = ["as trained", "clean", "watermark\neverywhere", f"{c.watermark_class}s recall\nclean",
                 "IG share on\nwatermark"]
        values = [c.accuracy["as_trained"], c.accuracy["clean"], c.accuracy["stamped"], c.class_recall["without"],
                  c.saliency_share]
        colours = ["#0173b2"] * 3 + ["#de8f05", "#029e73"]
        self.bars_ = ax.bar(np.arange(5), values, color=colours)
        for bar, v in zip(self.bars_, values):
            ax.annotate(f"{v:.0%}", (bar.get_x() + bar.get_width() / 2, v), textcoords="offset points",
                        xytext=(0, 2), ha="center", fontsize=7)
        ax.axhline(len(WATERMARK) / SIDE ** 2, xmin=0.8, color="#029e73", ls=":", lw=1)
        ax.set_xticks(np.arange(5), names, fontsize=7)
        ax.set_ylim(0, 1.1)
        ax.set_title(f"watermark on {c.share:.0%} of the training {c.watermark_class}s", fontsize=9)
        return self


class WatermarkSweepDisplay(DisplayMixin):
    """Against the share of the class's training images watermarked: accuracy with the watermark
    everywhere, the class's clean recall, the other digits called that class, IG's share on it."""

    def __init__(self, sweep):
        self.s = sweep

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.6, height=3.4)
        self.figure_ = ax.figure
        ax.clear()
        s = self.s
        self.lines_ = {}
        for key, label in (("stamped_accuracy", "accuracy, watermark everywhere"),
                           ("clean_recall", "the class's recall, clean"),
                           ("to_class", "other digits called the class"),
                           ("saliency_share", "IG share on the watermark")):
            (self.lines_[key],) = ax.plot(s.shares, getattr(s, key), "o-", label=label)
        ax.set_xlabel("share of the class's training images watermarked")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, loc="center left")
        ax.set_title("the shortcut against the correlation", fontsize=9)
        return self


class ImportanceDisplay(DisplayMixin):
    """Permutation importance (drop in log-likelihood) beside mean |SHAP| (log-odds), each scaled
    to its largest feature, sorted by permutation importance."""

    def __init__(self, tabular):
        self.t = tabular

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.8, height=3.6)
        self.figure_ = ax.figure
        ax.clear()
        t = self.t
        order = np.argsort(t.permutation)
        y = np.arange(len(order))
        perm = t.permutation / max(t.permutation.max(), 1e-12)
        shap_ = t.mean_abs_shap / max(t.mean_abs_shap.max(), 1e-12)
        self.bars_ = {"permutation": ax.barh(y + 0.2, perm[order], height=0.4, label="permutation importance"),
                      "shap": ax.barh(y - 0.2, shap_[order], height=0.4, label="mean |SHAP|")}
        ax.set_yticks(y, [t.names[i] for i in order], fontsize=7)
        ax.set_xlabel("importance (largest = 1)")
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title(f"global importance (test accuracy {t.test_accuracy:.0%})", fontsize=9)
        return self
