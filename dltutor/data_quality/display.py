"""Lesson 06 · display: wrong labels being memorized, per-class damage, cleanlab's flags against
the labels we flipped, the noise matrix it estimates, a gallery of flags, and what cleaning buys.

Displays keep their artists (``lines_``, ``bars_``...) so that tests read the data drawn.
"""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, _get_ax, new_figure, palette

__all__ = ["MemorizationDisplay", "PerClassDisplay", "FlagsDisplay", "NoiseMatrixDisplay",
           "FlagGalleryDisplay", "CleaningDisplay"]


def _bar_labels(ax, bars, values, fmt="{:.0%}"):
    for bar, v in zip(bars, values):
        ax.annotate(fmt.format(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    textcoords="offset points", xytext=(0, 2), ha="center", fontsize=7)


class MemorizationDisplay(DisplayMixin):
    """Accuracy against the epoch for a network trained on noisy labels: on the training examples
    whose label is right, on the flipped ones *against the wrong label given* (rising = memorizing),
    on the clean validation set (what early stopping watches, its best epoch marked), and on the
    test set, beside the same network trained on the true labels.

    Attributes (after ``plot``): ``ax_``, ``figure_``, ``lines_`` (dict of Line2D by key:
    ``clean``, ``flipped``, ``val``, ``test``, ``reference``), ``stop_line_``.
    """

    def __init__(self, memorization):
        self.m = memorization

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.6, height=3.4)
        self.figure_ = ax.figure
        ax.clear()
        m = self.m
        e = m.epoch
        c = palette(5)
        series = [("clean", m.train_accuracy_clean, c[0], "-", "train, right labels")]
        if m.flipped_share > 0:
            series.append(("flipped", m.train_accuracy_flipped, c[3], "--", "train, flipped (vs wrong label)"))
        series += [("val", m.val_accuracy, c[2], "-.", "clean validation"),
                   ("test", m.test_accuracy, c[1], "-", "test (true labels)"),
                   ("reference", m.reference_test_accuracy, "#777777", ":", "test, trained on true labels")]
        self.lines_ = {key: ax.plot(e, y, color=col, ls=ls, lw=2 if key != "reference" else 1.5,
                                    label=label)[0] for key, y, col, ls, label in series}
        best = m.best_epoch
        self.stop_line_ = ax.axvline(best, color=c[2], lw=1, alpha=0.7)
        ax.annotate(f"early stopping\n(epoch {best}): {m.early_stopping_test:.0%}", (best, 0.05),
                    textcoords="offset points", xytext=(3, 0), fontsize=7, color=c[2])
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, max(int(e[-1]), 1))
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        kind = "" if m.flipped_share == 0 else f"{m.kind} "
        ax.set_title(f"{m.flipped_share:.0%} {kind}wrong labels: final test {m.final_test:.0%}, "
                     f"true labels {m.reference_test:.0%}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6.5, frameon=False, loc="center right")
        return self


class PerClassDisplay(DisplayMixin):
    """Test accuracy per digit: the network trained on the true labels and the one trained on the
    noisy labels; the classes whose labels were swapped (systematic noise) are hatched."""

    def __init__(self, memorization):
        self.m = memorization

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.2, height=3.4)
        self.figure_ = ax.figure
        ax.clear()
        m = self.m
        x = np.arange(len(m.per_class_test))
        c = palette(4)
        confused = set(m.confused_classes) if m.kind == "systematic" else set()
        self.reference_bars_ = ax.bar(x - 0.2, m.reference_per_class_test, 0.4, color="#bbbbbb",
                                      edgecolor="black", linewidth=0.4, label="true labels")
        self.bars_ = ax.bar(x + 0.2, m.per_class_test, 0.4, color=c[1], edgecolor="black", linewidth=0.4,
                            label="noisy labels")
        for k, bar in zip(x, self.bars_):
            if k in confused:
                bar.set_hatch("///")
                bar.set_facecolor(c[3])
        ax.set_xticks(x, [f"{k}*" if k in confused else str(k) for k in x])
        ax.set_ylim(0, 1.25)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_xlabel("digit" + ("  (* labels swapped by the annotator)" if confused else ""))
        ax.set_ylabel("test accuracy")
        ax.set_title("per class, after the full budget", fontsize=9)
        ax.legend(fontsize=7, frameon=False, loc="upper center", ncol=2)
        ax.grid(axis="y", alpha=0.3)
        return self


class FlagsDisplay(DisplayMixin):
    """Precision and recall of cleanlab's flags and of the loss-ranking baseline (the same number
    of flags), measured against the labels we know we flipped."""

    def __init__(self, issues):
        self.issues = issues

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.0, height=3.4)
        self.figure_ = ax.figure
        ax.clear()
        r = self.issues
        c = palette(2)
        x = np.arange(2)
        ours = [r.precision, r.recall]
        base = [r.baseline_precision, r.baseline_recall]
        self.bars_ = {"cleanlab": ax.bar(x - 0.2, ours, 0.4, color=c[0], edgecolor="black", linewidth=0.4,
                                         label="cleanlab find_label_issues"),
                      "loss": ax.bar(x + 0.2, base, 0.4, color=c[1], edgecolor="black", linewidth=0.4,
                                     hatch="//", label="top loss (same number)")}
        _bar_labels(ax, self.bars_["cleanlab"], ours)
        _bar_labels(ax, self.bars_["loss"], base)
        ax.set_xticks(x, ["precision\n(flags that were flipped)", "recall\n(flipped that are flagged)"],
                      fontsize=7)
        ax.set_ylim(0, 1.3)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_title(f"{r.n_flags} flags of {len(r.y_given)} labels ({int(r.flipped.sum())} flipped)",
                     fontsize=9)
        ax.legend(fontsize=7, frameon=False, loc="upper center", ncol=1)
        return self


class NoiseMatrixDisplay(DisplayMixin):
    """The noise matrix P(given = i | true = j) we made beside the one cleanlab estimates from the
    out-of-fold probabilities alone (it never sees the true labels)."""

    vmax = 0.4     # the colour scale stops at 0.4: the diagonal (0.7-1) saturates, the noise shows

    def __init__(self, issues):
        self.issues = issues

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(2, width=3.2, height=3.0)
        self.axes_, self.figure_ = axes, axes[0].figure
        r = self.issues
        self.images_ = []
        for ax, matrix, title in ((axes[0], r.true_noise_matrix, "true: where each class's labels went"),
                                  (axes[1], r.noise_matrix, "cleanlab's estimate (colour ≤ 0.4)")):
            ax.clear()
            self.images_.append(ax.imshow(matrix, cmap="cividis", vmin=0, vmax=self.vmax))
            ax.set_xticks(range(10))
            ax.set_yticks(range(10))
            ax.tick_params(labelsize=6)
            ax.set_xlabel("true label j", fontsize=8)
            ax.set_ylabel("given label i", fontsize=8)
            ax.set_title(title, fontsize=8)
        return self


class FlagGalleryDisplay(DisplayMixin):
    """The images cleanlab is least sure of: given label, suggested label, and whether we flipped
    it (a flag on a label we did not touch is an ambiguous digit, an original error, or a wrong
    flag: a flag is a reason to look, not a proof)."""

    def __init__(self, issues, *, n=12, which="all"):
        self.rows = issues.gallery(n, which=which)

    def plot(self, fig=None, *, columns=6):
        from matplotlib.figure import Figure  # noqa: PLC0415

        n = max(len(self.rows), 1)
        rows = -(-n // columns)
        fig = self.figure_ = fig or Figure(figsize=(1.25 * columns, 1.45 * rows), dpi=80,
                                           layout="constrained")
        fig.clear()
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        c = palette(4)
        self.axes_ = list(axes)
        for ax in axes:
            ax.axis("off")
        for ax, row in zip(axes, self.rows):
            ax.imshow(row["image"], cmap="gray_r", vmin=0, vmax=1)
            ours = "we flipped it" if row["flipped"] else "not flipped"
            ax.set_title(f"given {row['given']} → {row['suggested']}?\n{ours}", fontsize=7,
                         color=c[0] if row["flipped"] else c[3])
        if not self.rows:
            axes[0].text(0.5, 0.5, "no flags", ha="center", va="center")
        return self


class CleaningDisplay(DisplayMixin):
    """Test accuracy after the same long budget on four training sets: the noisy labels, the flags
    removed, the flags relabelled to cleanlab's suggestion, and the true labels (the ceiling)."""

    LABELS = {"noisy": "noisy labels", "removed": "flags removed", "relabelled": "flags relabelled",
              "clean": "true labels\n(ceiling)"}

    def __init__(self, cleaning):
        self.cleaning = cleaning

    def plot(self, ax=None):
        ax = self.ax_ = _get_ax(ax, width=4.2, height=3.4)
        self.figure_ = ax.figure
        ax.clear()
        acc = self.cleaning.test_accuracy
        keys = [k for k in self.LABELS if k in acc]
        c = palette(4)
        colours = {"noisy": c[3], "removed": c[0], "relabelled": c[2], "clean": "#bbbbbb"}
        hatches = {"noisy": "xx", "removed": None, "relabelled": "..", "clean": None}
        self.bars_ = ax.bar(range(len(keys)), [acc[k] for k in keys], color=[colours[k] for k in keys],
                            edgecolor="black", linewidth=0.5)
        for bar, k in zip(self.bars_, keys):
            bar.set_hatch(hatches[k])
        _bar_labels(ax, self.bars_, [acc[k] for k in keys], "{:.1%}")
        ax.set_xticks(range(len(keys)), [self.LABELS[k] for k in keys], fontsize=7)
        ax.set_ylim(0, 1.08)
        ax.set_ylabel("test accuracy")
        cl = self.cleaning
        ax.set_title(f"{cl.n_removed} of {cl.n_train} training labels flagged; test set untouched",
                     fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        return self
