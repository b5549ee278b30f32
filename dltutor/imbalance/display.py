"""Lesson 03 · display: confusion matrix, PR and ROC curves with the operating point, the ratio
sweep, every method's operating point, per-class recall bars.

The curves are scikit-learn's ``PrecisionRecallDisplay`` and ``RocCurveDisplay`` (chance level
drawn), the confusion matrix a seaborn heatmap; displays keep their artists (``point_roc_``...).
"""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, new_figure, palette

CLASS_NAMES = ("majority (0)", "minority (1)")


def confusion_heatmap(ax, y_true, pred, *, title=None):
    """A seaborn heatmap of ``sklearn.metrics.confusion_matrix`` (rows: true class)."""
    import seaborn as sns  # noqa: PLC0415
    from sklearn.metrics import confusion_matrix  # noqa: PLC0415

    cm = confusion_matrix(y_true, pred, labels=[0, 1])
    ax.clear()
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, square=True,
                xticklabels=CLASS_NAMES, yticklabels=CLASS_NAMES, annot_kws={"fontsize": 11})
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.tick_params(labelsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return cm


class MetricsDisplay(DisplayMixin):
    """Confusion matrix, PR curve (chance = positive rate) and ROC curve, operating point marked.

    ``set_threshold(t)`` moves the operating point and redraws the confusion matrix only.
    """

    def __init__(self, run, *, threshold=None):
        self.run = run
        self.threshold = run.threshold if threshold is None else threshold

    def plot(self, axes=None):
        from sklearn.metrics import PrecisionRecallDisplay, RocCurveDisplay  # noqa: PLC0415

        if axes is None:
            _, axes = new_figure(3, width=3.3, height=3.2)
        self.axes_, self.figure_ = axes, axes[0].figure
        r = self.run
        for ax in axes[1:]:
            ax.clear()
        self.pr_ = PrecisionRecallDisplay.from_predictions(r.y_true, r.scores, ax=axes[1], name=r.label,
                                                           plot_chance_level=True)
        self.roc_ = RocCurveDisplay.from_predictions(r.y_true, r.scores, ax=axes[2], name=r.label,
                                                     plot_chance_level=True)
        for ax, title in ((axes[1], "precision-recall (chance = positive rate)"),
                          (axes[2], "ROC (chance = diagonal)")):
            ax.set_title(title, fontsize=9)
            ax.legend(fontsize=7, frameon=False, loc="lower left" if ax is axes[1] else "lower right")
        c = palette(4)[3]
        self.point_pr_ = axes[1].plot([], [], "o", color=c, ms=8, mec="black", zorder=5)[0]
        self.point_roc_ = axes[2].plot([], [], "o", color=c, ms=8, mec="black", zorder=5)[0]
        self.set_threshold(self.threshold)
        return self

    def set_threshold(self, threshold):
        r = self.run
        self.threshold = threshold
        fpr, tpr, precision = r.operating_point(threshold)
        self.point_pr_.set_data([tpr], [precision])
        self.point_roc_.set_data([fpr], [tpr])
        self.point_pr_.set_label(f"threshold {threshold:.2f}")
        self.cm_ = confusion_heatmap(self.axes_[0], r.y_true, (r.scores >= threshold).astype(int),
                                     title=f"confusion matrix at threshold {threshold:.2f}")
        return self


class RatioSweepDisplay(DisplayMixin):
    """The accuracy paradox: accuracy beside 'always majority', minority recall falling."""

    def __init__(self, sweep):
        self.sweep = sweep

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=5.0)
        self.ax_, self.figure_ = ax, ax.figure
        s = self.sweep
        x = np.arange(len(s.ratios))
        c = palette(4)
        self.lines_ = [
            ax.plot(x, s.accuracy, "-o", color=c[0], label="accuracy (network)")[0],
            ax.plot(x, s.majority_accuracy, "--", color=c[1], label="accuracy (always 'majority')")[0],
            ax.plot(x, s.recall, "-s", color=c[3], label="minority recall")[0],
            ax.plot(x, s.pr_auc, ":^", color=c[2], label="PR AUC (average precision)")[0],
        ]
        ax.set_xticks(x, [f"{r:.0%}\n(1:{(1 - r) / r:.0f})" for r in s.ratios])
        ax.set_xlabel("minority share (minority : majority)")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, frameon=False, loc="lower left")
        ax.set_title("accuracy stays high while the minority is missed", fontsize=9)
        return self


class OperatingPointsDisplay(DisplayMixin):
    """Several methods' ROC curves (or PR curves) with the point each one decides at."""

    def __init__(self, runs, *, kind="roc"):
        self.runs, self.kind = list(runs), kind

    def plot(self, ax=None):
        from sklearn.metrics import precision_recall_curve, roc_curve  # noqa: PLC0415

        if ax is None:
            _, ax = new_figure(width=4.6, height=3.8)
        self.ax_, self.figure_ = ax, ax.figure
        colours = palette()
        markers = "os^Dv<>pPX*h"
        self.points_ = []
        for i, run in enumerate(self.runs):
            c = colours[i % len(colours)]
            fpr, tpr, precision = run.operating_point()
            if self.kind == "roc":
                x, y, _ = roc_curve(run.y_true, run.scores)
                px, py = fpr, tpr
            else:
                y, x, _ = precision_recall_curve(run.y_true, run.scores)
                px, py = tpr, precision
            ax.plot(x, y, color=c, lw=1, alpha=0.7)
            self.points_.append(ax.plot([px], [py], markers[i % len(markers)], color=c, ms=8, mec="black",
                                        label=f"{run.label} (t={run.threshold:.2f})")[0])
        if self.kind == "roc":
            ax.plot([0, 1], [0, 1], "k:", lw=1)
            ax.set_xlabel("false positive rate")
            ax.set_ylabel("true positive rate (minority recall)")
        else:
            rate = float(np.mean(self.runs[0].y_true))
            ax.axhline(rate, color="k", ls=":", lw=1)
            ax.set_xlabel("recall")
            ax.set_ylabel("precision")
        ax.legend(fontsize=7, frameon=False, loc="lower right" if self.kind == "roc" else "upper right")
        ax.grid(alpha=0.3)
        return self


class RecallBarsDisplay(DisplayMixin):
    """Per-class recall before and after the fix; the rare class highlighted."""

    def __init__(self, rare):
        self.rare = rare

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=6.0, height=3.0)
        self.ax_, self.figure_ = ax, ax.figure
        r = self.rare
        x = np.arange(10)
        c = palette(4)
        self.before_ = ax.bar(x - 0.2, r.recall_before, 0.4, color="#949494", label="no fix")
        self.after_ = ax.bar(x + 0.2, r.recall_after, 0.4, color=c[0], label=r.method.replace("_", " "))
        ax.axvspan(r.digit - 0.5, r.digit + 0.5, color=c[1], alpha=0.15, lw=0)
        ax.set_xticks(x)
        ax.set_xlabel(f"digit ({r.digit}: only {r.kept} training images)")
        ax.set_ylabel("recall on validation")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, frameon=False, loc="lower left")
        return self
