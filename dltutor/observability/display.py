"""Lesson 09 · display: the behavioural tests' table, reliability diagrams, the monitoring
dashboard (one timeline: drift, accuracy on delayed labels, confidence, ink, the detector),
error analysis and out-of-distribution scores.

Displays keep their artists (``lines_``, ``bars_``) so that tests read the data drawn.
"""
from __future__ import annotations

import html

import numpy as np

from dltutor.observability.compute import DRIFT_LABELS, LABEL_DELAY, OOD_SETS
from dltutor.plots import DisplayMixin, new_figure, palette

__all__ = ["checks_table", "CalibrationDisplay", "StreamDisplay", "ErrorDisplay", "OODDisplay", "ood_table"]


class _HTML:
    def __init__(self, body, text):
        self.body, self.text = body, text

    def _repr_html_(self):
        return self.body

    def __str__(self):
        return self.text

    __repr__ = __str__


def checks_table(checks):
    """The behavioural tests as a table: each test, PASS or FAIL, and the failing assert's message."""
    rows, lines = [], []
    for c in checks:
        mark = "&#10004; PASS" if c.passed else "&#10008; FAIL"
        colour = "#029e73" if c.passed else "#d55e00"
        rows.append(f"<tr><td><code>{html.escape(c.name)}</code></td><td style='color:{colour}'>{mark}</td>"
                    f"<td>{html.escape(c.message)}</td></tr>")
        lines.append(f"{'PASS' if c.passed else 'FAIL'}  {c.name}  {c.message}")
    failed = sum(not c.passed for c in checks)
    summary = f"{failed} failed, {len(checks) - failed} passed"
    body = (f"<table><caption>{summary}</caption><thead><tr><th>test</th><th>result</th><th>message</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")
    return _HTML(body, "\n".join([summary, *lines]))


class CalibrationDisplay(DisplayMixin):
    """Reliability diagram (accuracy against confidence per bin) before and after scaling, and
    the histogram of confidences."""

    def __init__(self, calibration):
        self.c = calibration

    def plot(self, axes=None):
        from dltutor.observability.compute import reliability  # noqa: PLC0415

        if axes is None:
            _, axes = new_figure(2, width=3.6, height=3.2)
        ax, hx = axes
        self.figure_ = ax.figure
        c = self.c
        colours = palette(3)
        ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="perfect")
        self.lines_ = {}
        conf_b, acc_b, _ = reliability(c.confidence_before, c.correct, c.bins)
        self.lines_["before"], = ax.plot(conf_b, acc_b, "o-", color=colours[1], ms=4,
                                         label=f"as trained: ECE {c.ece_before:.1%}")
        if c.scaling != "none":
            conf_a, acc_a, _ = reliability(c.confidence, c.correct, c.bins)
            what = "T on logits" if c.scaling == "logits" else "T on probabilities (wrong)"
            self.lines_["after"], = ax.plot(conf_a, acc_a, "s-", color=colours[0], ms=4,
                                            label=f"{what} = {c.temperature:.2f}: ECE {c.ece_after:.1%}")
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence (max softmax)", ylabel="accuracy in the bin",
               title=f"Reliability, {c.bins} bins, epoch {c.epoch}")
        ax.legend(fontsize=7, loc="upper left")
        edges = np.linspace(0, 1, c.bins + 1)
        hx.hist(c.confidence_before, bins=edges, color=colours[1], alpha=0.6, label="as trained")
        if c.scaling != "none":
            hx.hist(c.confidence, bins=edges, color=colours[0], alpha=0.6, label="scaled")
        hx.axvline(c.accuracy, color="k", lw=1, ls=":", label=f"accuracy {c.accuracy:.0%}")
        hx.set(xlabel="confidence", ylabel="test examples", title="How sure it is")
        hx.legend(fontsize=7, loc="upper left")
        return self


class StreamDisplay(DisplayMixin):
    """The monitoring dashboard on day ``day``: what a team sees that morning. Accuracy is drawn
    only for days whose labels have arrived (:data:`LABEL_DELAY` days late).

    :meth:`show_day` moves the same figure to another day by changing its artists' data (no axis
    is cleared or drawn again): the explorer's day slider."""

    def __init__(self, monitoring, *, day, alpha, slice_name="all", slice_accuracy=None):
        self.m, self.day, self.alpha = monitoring, day, alpha
        self.slice_name, self.slice_accuracy = slice_name, slice_accuracy

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(4, width=2.9, height=2.9)
        m = self.m
        self.figure_ = axes[0].figure
        self.axes_ = axes
        colours = palette(6)
        self.lines_, self.cursors_, self.alerts_ = {}, [], []
        empty = ([], [])

        def marks(ax):
            ax.axvspan(m.stream.start - 0.5, m.days - 0.5, color="#fbe3d3", zorder=0, lw=0)
            self.cursors_.append(ax.axvline(0, color="k", lw=1))
            self.alerts_.append(ax.axvline(0, color=colours[3], lw=1.5, ls="--"))
            ax.set_xlim(-0.5, m.days - 0.5)
            ax.set_xlabel("day")

        ax = axes[0]
        self.lines_["accuracy"], = ax.plot(*empty, "o-", ms=3, color=colours[0], label="all images")
        if self.slice_accuracy is not None and self.slice_name != "all":
            self.lines_["slice"], = ax.plot(*empty, ".-", ms=3, lw=1, color=colours[2], label=self.slice_name)
        ax.axhline(m.baseline, color="0.5", lw=1, ls=":")
        marks(ax)
        ax.set(ylim=(0, 1.02), title=f"Accuracy (labels {LABEL_DELAY} days late)")
        ax.legend(fontsize=7, loc="lower left")

        ax = axes[1]
        self.lines_["confidence"], = ax.plot(*empty, "o-", ms=3, color=colours[1], label="mean confidence")
        ax.axhline(m.reference_confidence, color=colours[1], lw=1, ls=":")
        self.lines_["ink"], = ax.plot(*empty, "s-", ms=3, color=colours[4], label="mean ink")
        ax.axhline(m.reference_ink, color=colours[4], lw=1, ls=":")
        marks(ax)
        ax.set(ylim=(0, 1.02), title="Inputs and outputs, no labels")
        ax.legend(fontsize=7, loc="center left")

        ax = axes[2]
        self.lines_["pixel_p"], = ax.plot(*empty, "o-", ms=3, color=colours[3], label="pixels (KS, Bonferroni)")
        self.lines_["confidence_p"], = ax.plot(*empty, ".-", ms=3, lw=1, color=colours[1], label="confidence (KS)")
        ax.set_ylim(1e-30, 2)              # before the log scale: empty lines give no limits of their own
        ax.set_yscale("log")
        ax.axhline(self.alpha, color="k", lw=1, ls="--")
        marks(ax)
        ax.set(ylim=(1e-30, 2), title=f"Drift detector, alert below {self.alpha:.0e}")
        ax.legend(fontsize=7, loc="lower left")

        ax = axes[3]
        x = np.arange(10)
        self.bars_ = ax.bar(x + 0.2, m.histogram[0], width=0.4, color=colours[0], label="that day")
        ax.bar(x - 0.2, m.reference_histogram, width=0.4, color="0.7", label="validation")
        ax.set(xticks=x, xlabel="predicted digit", ylabel="share", ylim=(0, 0.6), title="Predictions")
        ax.legend(fontsize=7, loc="upper right")
        self.title_ = self.figure_.suptitle("", fontsize=9)
        return self.show_day(self.day)

    def show_day(self, day):
        """The dashboard as it was on ``day``: only what was known by then is drawn."""
        m = self.m
        day = m.check_day(day)
        self.day = day
        days = np.arange(m.days)
        seen = days <= day
        alert = m.alert_day(self.alpha)
        alert_c = m.alert_day(self.alpha, detector="confidence")
        self.lines_["accuracy"].set_data(days, m.known_accuracy(day))
        if "slice" in self.lines_:
            self.lines_["slice"].set_data(days, np.where(days <= day - LABEL_DELAY, self.slice_accuracy, np.nan))
        self.lines_["confidence"].set_data(days[seen], m.confidence[seen])
        self.lines_["ink"].set_data(days[seen], m.ink[seen])
        self.lines_["pixel_p"].set_data(days[seen], np.clip(m.pixel_p, 1e-30, 1)[seen])
        self.lines_["confidence_p"].set_data(days[seen], np.clip(m.confidence_p, 1e-30, 1)[seen])
        for line in self.cursors_:
            line.set_xdata([day, day])
        for line in self.alerts_:
            line.set_visible(alert is not None and alert <= day)
            if alert is not None:
                line.set_xdata([alert, alert])
        for bar, h in zip(self.bars_, m.histogram[day]):
            bar.set_height(h)
        fired = "no alert" if alert is None else ("no alert yet" if alert > day else f"alert on day {alert}")
        conf = f"; confidence alone: day {alert_c}" if alert_c is not None and alert_c <= day else ""
        self.title_.set_text(f"Day {day}: {DRIFT_LABELS[m.stream.drift]} from day {m.stream.start} (shaded); "
                             f"{fired}{conf}")
        return self


class ErrorDisplay(DisplayMixin):
    """The most frequent confusion pairs, accuracy per slice, and the highest-loss images."""

    def __init__(self, analysis, *, n_pairs=6):
        self.a, self.n_pairs = analysis, n_pairs

    def plot(self, axes=None):
        a = self.a
        if axes is None:
            fig, axes = new_figure(2, width=3.6, height=3.2)
        ax, sx = axes
        self.figure_ = ax.figure
        pairs = a.pairs[:self.n_pairs]
        labels = [f"{t} as {p}" for t, p, _ in pairs]
        self.bars_ = ax.barh(range(len(pairs))[::-1], [c for *_, c in pairs], color=palette(1)[0])
        ax.set(yticks=range(len(pairs))[::-1], yticklabels=labels, xlabel="images",
               title=f"Confusions ({(1 - a.accuracy):.1%} wrong)")
        names = list(a.slices)
        acc = [a.slices[k][0] for k in names]
        worst = a.worst_slice()
        colours = [palette(4)[3] if k == worst else "0.6" for k in names]
        self.slice_bars_ = sx.barh(range(len(names))[::-1], acc, color=colours)
        sx.set(yticks=range(len(names))[::-1], yticklabels=[f"{k} ({a.slices[k][1]})" for k in names],
               xlim=(max(0.0, min(acc) - 0.1), 1.0), xlabel="accuracy", title="Accuracy per slice (n)")
        sx.tick_params(axis="y", labelsize=7)
        return self

    def gallery(self, axes):
        """The highest-loss images, one per axis: label, prediction and loss above each."""
        a = self.a
        self.figure_ = axes[0].figure
        self.images_ = []
        for g, i, loss in zip(axes, a.worst, a.losses):
            self.images_.append(g.imshow(a.X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1))
            g.set_title(f"label {a.y[i]}, said {a.predictions[i]}\nloss {loss:.1f}", fontsize=7)
            g.set_xticks([])
            g.set_yticks([])
        return self


class OODDisplay(DisplayMixin):
    """Histograms of each score on the test digits and on each OOD set, with their AUROC."""

    def __init__(self, ood):
        self.o = ood

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(2, width=3.6, height=3.0)
        o = self.o
        self.figure_ = axes[0].figure
        colours = palette(4)
        for ax, (score, inside, outside, au, title) in zip(axes, (
                ("msp", 1 - o.msp_in, {k: 1 - v for k, v in o.msp_out.items()}, o.auroc_msp,
                 "1 - max softmax (one model)"),
                ("mi", o.mi_in, o.mi_out, o.auroc_mi, "disagreement (5 models)"))):
            top = max(float(np.max(inside)), *(float(np.max(v)) for v in outside.values()), 1e-6)
            edges = np.linspace(0, top, 25)
            ax.hist(inside, bins=edges, density=True, histtype="stepfilled", color="0.75", label="test digits")
            for c, name in zip(colours, OOD_SETS):
                ax.hist(outside[name], bins=edges, density=True, histtype="step", lw=1.5, color=c,
                        label=f"{name}: AUROC {au[name]:.2f}")
            ax.set(title=title, xlabel="score (higher: more likely OOD)", ylabel="density")
            ax.set_yscale("log")
            ax.legend(fontsize=7)
        return self


def ood_table(ood):
    """AUROC of each score as an OOD detector, per OOD set (0.5 is chance)."""
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{ood.auroc_msp[k]:.3f}</td><td>{ood.auroc_mi[k]:.3f}</td></tr>"
                   for k in OOD_SETS)
    text = "\n".join(f"{k}: max-softmax AUROC {ood.auroc_msp[k]:.3f}, disagreement AUROC {ood.auroc_mi[k]:.3f}"
                     for k in OOD_SETS)
    return _HTML("<table><thead><tr><th>OOD set</th><th>max-softmax AUROC</th><th>disagreement AUROC</th></tr>"
                 f"</thead><tbody>{rows}</tbody></table>", text)


