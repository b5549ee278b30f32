"""Lesson 06 · quantity display: the learning curve and its power law, what small data gains from
augmentation and pseudo-labels, a leaked split against a group split, an under-represented slice.

Every display shows the spread over seeds (one dot a seed, the line their mean), because these are
statistical phenomena: a single run can land anywhere inside the band.
"""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, _get_ax, palette

__all__ = ["LearningCurveDisplay", "SmallDataDisplay", "LeakageDisplay", "SlicesDisplay"]


def _seed_dots(ax, x, values, *, color, marker="o", jitter=0.0, label=None):
    """One dot per seed at ``x`` (``values`` has one entry per seed)."""
    values = np.asarray(values, float)
    xs = np.full(values.shape, float(x)) + jitter * np.linspace(-1, 1, len(values))
    return ax.plot(xs, values, marker, color=color, ms=3.5, alpha=0.6, ls="none", label=label)[0]


class LearningCurveDisplay(DisplayMixin):
    """Test accuracy against training-set size (log axis): the mean over seeds, their band (min to
    max), one dot per run, and the fitted power law ``error = a * n**-b`` extended to twice the data.

    Attributes (after ``plot``): ``ax_``, ``figure_``, ``mean_line_`` (Line2D), ``band_``,
    ``fit_line_`` (the power law's accuracy, ``1 - a n^-b``).
    """

    def __init__(self, curve):
        self.curve = curve

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=5.2, height=3.6)
        self.figure_ = ax.figure
        c = self.curve
        sizes = np.asarray(c.sizes, float)
        acc = np.asarray(c.accuracy, float)           # (sizes, seeds)
        col = palette(4)
        self.band_ = ax.fill_between(sizes, acc.min(1), acc.max(1), color=col[0], alpha=0.18, lw=0,
                                     label="min to max over seeds")
        for i, n in enumerate(sizes):
            _seed_dots(ax, n, acc[i], color=col[0])
        self.mean_line_ = ax.plot(sizes, acc.mean(1), "o-", color=col[0], lw=2, label="mean test accuracy")[0]
        grid = np.geomspace(sizes[0], 2 * sizes[-1], 60)
        self.fit_line_ = ax.plot(grid, c.predicted_accuracy(grid), "--", color=col[3], lw=1.5,
                                 label=f"power law: error = {c.a:.2g}·n^-{c.b:.2f}")[0]
        n2 = 2 * sizes[-1]
        ax.plot([n2], [c.predicted_accuracy(n2)], "D", color=col[3], ms=6)
        ax.annotate(f"2× data: {c.predicted_accuracy(n2):.1%}?", (n2, c.predicted_accuracy(n2)),
                    textcoords="offset points", xytext=(-60, -28), fontsize=8, color=col[3])
        ax.set_xscale("log")
        ax.set_xlabel("training images (log scale)")
        ax.set_ylabel("test accuracy")
        ax.set_title("learning curve: accuracy against the amount of data", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        return self


class SmallDataDisplay(DisplayMixin):
    """At a small labelled set: test accuracy of the labelled images only, with augmentation and
    with pseudo-labels, one dot per seed and the mean as a bar."""

    def __init__(self, small):
        self.small = small

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.6, height=3.4)
        self.figure_ = ax.figure
        s = self.small
        from dltutor.data_quality.quantity import SMALL_METHODS  # noqa: PLC0415

        methods = [m for m in SMALL_METHODS if m in s.accuracy]
        col = palette(len(methods))
        means = [float(np.mean(s.accuracy[m])) for m in methods]
        self.bars_ = ax.bar(range(len(methods)), means, color=col, alpha=0.55,
                            hatch=None, edgecolor="black", linewidth=0.6)
        for i, m in enumerate(methods):
            _seed_dots(ax, i, s.accuracy[m], color="black", jitter=0.18)
            ax.annotate(f"mean {means[i]:.1%}", (i, float(np.max(s.accuracy[m]))), textcoords="offset points",
                        xytext=(0, 5), ha="center", fontsize=8)
        short = {"none": "labelled\nonly", "augment": "augmented\n(shifts + noise)", "pseudo": "pseudo-labels\n(self-training)"}
        ax.set_xticks(range(len(methods)), [short.get(m, SMALL_METHODS[m]) for m in methods], fontsize=7)
        low = min(float(np.min(s.accuracy[m])) for m in methods)
        ax.set_ylim(max(0.0, low - 0.1), 1.02)
        ax.set_ylabel("test accuracy (dots: one seed each)")
        ax.set_title(f"{s.n_labelled} labelled images", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        return self


class LeakageDisplay(DisplayMixin):
    """The same network scored on a random split (near-duplicates of test images in training)
    and on a group split (every original's copies on one side): one dot per seed."""

    def __init__(self, leakage):
        self.leakage = leakage

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.2, height=3.4)
        self.figure_ = ax.figure
        lk = self.leakage
        col = palette(2)
        rows = [("random split\n(leaks duplicates)", lk.leaked_accuracy, col[1]),
                ("GroupShuffleSplit\n(honest)", lk.group_accuracy, col[0])]
        self.bars_ = []
        for i, (label, acc, c) in enumerate(rows):
            mean = float(np.mean(acc))
            self.bars_.append(ax.bar([i], [mean], color=c, alpha=0.55, edgecolor="black", linewidth=0.6,
                                     hatch="//" if i == 0 else None)[0])
            _seed_dots(ax, i, acc, color="black", jitter=0.18)
            ax.annotate(f"mean {mean:.1%}", (i, float(np.max(acc))), textcoords="offset points", xytext=(0, 5),
                        ha="center", fontsize=8)
        ax.set_xticks([0, 1], [r[0] for r in rows], fontsize=8)
        low = float(min(np.min(lk.leaked_accuracy), np.min(lk.group_accuracy)))
        ax.set_ylim(max(0.0, low - 0.1), 1.03)
        ax.set_ylabel("test accuracy (dots: one seed each)")
        ax.set_title("the same model, two ways to split", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        return self


class SlicesDisplay(DisplayMixin):
    """Accuracy on the under-represented slice and on the rest against the slice's share of the
    training set (mean over seeds, band min to max)."""

    def __init__(self, slices):
        self.slices = slices

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.8, height=3.4)
        self.figure_ = ax.figure
        sl = self.slices
        shares = np.asarray(sl.shares, float)
        col = palette(4)
        self.lines_ = {}
        for key, acc, c, ls, label in (("rest", sl.rest_accuracy, col[0], "-", "the rest"),
                                       ("slice", sl.slice_accuracy, col[3], "--", "the slice"),
                                       ("overall", sl.overall_accuracy, col[2], ":", "overall")):
            acc = np.asarray(acc, float)
            ax.fill_between(shares, acc.min(1), acc.max(1), color=c, alpha=0.15, lw=0)
            self.lines_[key] = ax.plot(shares, acc.mean(1), marker="o" if key != "overall" else None,
                                       ls=ls, color=c, lw=2, label=label)[0]
        ax.set_xscale("log")
        ax.set_xticks(shares, [f"{s:.0%}" for s in shares], fontsize=8)
        ax.minorticks_off()
        ax.set_xlabel("share of the slice in the training set")
        ax.set_ylabel("test accuracy")
        import textwrap  # noqa: PLC0415

        ax.set_title(textwrap.fill(f"slice: {sl.slice}", 48), fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        return self
