"""Lesson 08 · display: the cost table, batch size against time and accuracy, pruning curves,
the size/accuracy/latency tables of compressed models, mixed precision, transfer and forgetting.

Displays keep their artists (``lines_``, ``bars_``) so that tests read the data drawn; the tables
are HTML (``table(...)``), shown as a cell's value.
"""
from __future__ import annotations

import html

import numpy as np

from dltutor.efficiency.compute import MODES, TARGET, TRANSFER_MODES
from dltutor.plots import DisplayMixin, _get_ax, new_figure, palette

__all__ = ["Table", "table", "cost_table", "quantization_table", "litert_table", "distillation_table",
           "precision_table", "CostDisplay", "BatchSizeDisplay", "PruningDisplay", "PrecisionDisplay",
           "TransferDisplay", "ForgettingDisplay"]


class Table:
    """An HTML table (the value of a cell shows it) that also prints as plain text."""

    def __init__(self, headers, rows, caption=""):
        self.headers, self.rows, self.caption = list(headers), [list(r) for r in rows], caption

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in self.headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in self.rows)
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __str__(self):
        cells = [self.headers, *self.rows]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.headers))]
        lines = ["  ".join(str(c).rjust(w) for c, w in zip(r, widths)) for r in cells]
        return "\n".join(([self.caption] if self.caption else []) + lines)

    __repr__ = __str__


def table(headers, rows, caption=""):
    return Table(headers, rows, caption)


def _rate(x):
    return f"{x / 1000:,.1f}k" if x >= 1000 else f"{x:,.0f}"


def _kb(n):
    return f"{n / 1000:,.1f} kB"


def cost_table(rows):
    """Parameters, FLOPs per example and measured training examples/s for each row of the cost table."""
    modes = list(rows[0].examples_per_s) if rows else list(MODES)
    out = []
    for r in rows:
        speed = r.examples_per_s
        ratio = speed.get("tf.function", np.nan) / speed["eager"] if "eager" in speed else np.nan
        out.append([r.device, f"64-{'-'.join([str(r.width)] * r.depth)}-10", f"{r.params:,}", f"{r.flops:,}",
                    *(_rate(speed[m]) for m in modes), f"{ratio:.0f}x"])
    return Table(["device", "network", "parameters", "FLOPs per example", *(f"{m} ex/s" for m in modes),
                  "tf.function / eager"], out, f"training throughput at batch {rows[0].batch_size}" if rows else "")


def quantization_table(q):
    return Table(["model", "bytes of weights", "held-out accuracy", "agreement with float32", "ms per 1,000 images"],
                 [["float32", f"{q.float_bytes:,}", f"{q.float_accuracy:.3f}", "", f"{q.float_ms:.2f}"],
                  ['int8 (model.quantize("int8"))', f"{q.int8_bytes:,} ({q.ratio:.2f}x)", f"{q.int8_accuracy:.3f}",
                   f"{q.agreement:.1%}", f"{q.int8_ms:.2f}"]], "measured on this machine")


def litert_table(lite):
    if not lite.available:
        return Table(["LiteRT"], [[lite.message]])
    return Table(["LiteRT model", "file bytes", "held-out accuracy", "agreement with Keras", "ms per 1,000 images"],
                 [[name, f"{lite.file_bytes[name]:,}", f"{lite.accuracy[name]:.3f}", f"{lite.agreement[name]:.1%}",
                   f"{lite.ms[name]:.2f}"] for name in lite.file_bytes], f"interpreter: {lite.interpreter}")


def distillation_table(dist):
    rows = [[s, f"{t:.3f}", f"{a:.3f}", f"{b:.3f}", f"{b - a:+.3f}"]
            for s, t, a, b in zip(dist.seeds, dist.teacher, dist.labels, dist.distilled)]
    g = dist.gain
    rows.append(["all", "", f"{dist.labels.mean():.3f}", f"{dist.distilled.mean():.3f}",
                 f"{g.mean():+.3f} (from {g.min():+.3f} to {g.max():+.3f})"])
    return Table(["seed", f"teacher ({dist.teacher_params:,} weights)",
                  f"student on labels ({dist.student_params:,} weights)",
                  f"student distilled (T = {dist.temperature:g})", "distilled − labels"], rows,
                 "held-out accuracy")


def precision_table(rows):
    base = {r.device: r.examples_per_s for r in rows if r.policy == "float32"}
    return Table(["device", "policy", "remapping", "examples/s", "vs float32"],
                 [[r.device, r.policy, "on" if r.remapping else "off", _rate(r.examples_per_s),
                   f"{r.examples_per_s / base[r.device]:.2f}x" if r.device in base else ""] for r in rows],
                 "model.fit throughput")


class CostDisplay(DisplayMixin):
    """Measured training examples/s per network and mode (log scale), FLOPs per example beside it."""

    def __init__(self, rows):
        self.rows = rows

    def plot(self, ax=None):
        ax = _get_ax(ax, width=5.5, height=3.2)
        self.figure_ = ax.figure
        modes = list(self.rows[0].examples_per_s)
        colours = palette(len(modes))
        x = np.arange(len(self.rows))
        w = 0.8 / len(modes)
        self.bars_ = {}
        for i, m in enumerate(modes):
            self.bars_[m] = ax.bar(x + (i - (len(modes) - 1) / 2) * w, [r.examples_per_s[m] for r in self.rows],
                                   w, color=colours[i], label=m)
        ax.set_yscale("log")
        ax.set_xticks(x, [f"width {r.width}\n{r.flops:,} FLOPs/ex" for r in self.rows], fontsize=8)
        ax.set_ylabel("training examples / s")
        ax.set_title(f"{self.rows[0].device}: where the time goes", fontsize=9)
        ax.legend(fontsize=8)
        return self


class BatchSizeDisplay(DisplayMixin):
    """Accuracy per epoch and against measured seconds for the batch sizes run so far (the current
    one bold), and the time to reach the target accuracy per batch size."""

    def __init__(self, runs, current, target=TARGET):
        self.runs = sorted(runs, key=lambda r: r.batch_size)
        self.current, self.target = current, target

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(3, width=3.3, height=2.9)
        for ax in axes:
            ax.clear()
        self.figure_ = axes[0].figure
        colours = palette()
        self.lines_ = {}
        for i, r in enumerate(self.runs):
            bold = r.batch_size == self.current.batch_size
            kw = dict(color=colours[i % len(colours)], lw=2.4 if bold else 1.0, alpha=1.0 if bold else 0.6)
            epochs = np.arange(1, len(r.accuracy) + 1)
            self.lines_[r.batch_size] = axes[0].plot(epochs, r.accuracy, label=f"batch {r.batch_size}", **kw)[0]
            axes[1].plot(epochs * r.epoch_seconds, r.accuracy, **kw)
        for ax in axes[:2]:
            ax.axhline(self.target, color="#949494", ls=":", lw=1)
            ax.set_ylim(0, 1.01)
            ax.set_ylabel("held-out accuracy")
        axes[0].set_xlabel("epoch")
        axes[0].set_title("per epoch: small batches learn more", fontsize=9)
        axes[0].legend(fontsize=7, loc="lower right")
        axes[1].set_xlabel("seconds of training (measured here)")
        axes[1].set_xscale("log")
        from matplotlib.ticker import NullFormatter  # noqa: PLC0415
        axes[1].xaxis.set_minor_formatter(NullFormatter())     # a narrow range labels every minor tick
        axes[1].set_title("per second", fontsize=9)
        sizes = [r.batch_size for r in self.runs]
        times = [r.time_to(self.target) for r in self.runs]
        x = np.arange(len(sizes))
        self.bars_ = axes[2].bar(x, [t if t is not None else 0 for t in times],
                                 color=[colours[i % len(colours)] for i in range(len(sizes))])
        for xi, t in zip(x, times):
            if t is None:
                axes[2].text(xi, 0, "not\nreached", ha="center", va="bottom", fontsize=7)
        axes[2].set_xticks(x, [str(s) for s in sizes], fontsize=7)
        axes[2].set_xlabel("batch size")
        axes[2].set_ylabel("seconds")
        axes[2].set_title(f"time to {self.target:.0%}", fontsize=9)
        return self


class PruningDisplay(DisplayMixin):
    """Accuracy against sparsity (one-shot curve, fine-tuned points), gzip size against sparsity,
    and the first layer's weights with the magnitude the mask cuts at."""

    def __init__(self, grid, one_shot, gzip, fine_tuned, sparsity, kernel, dense_accuracy):
        self.grid, self.one_shot, self.gzip = np.asarray(grid), np.asarray(one_shot), np.asarray(gzip)
        self.fine_tuned = dict(fine_tuned)
        self.sparsity, self.kernel, self.dense_accuracy = sparsity, np.asarray(kernel), dense_accuracy

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(3, width=3.3, height=2.9)
        for ax in axes:
            ax.clear()
        self.figure_ = axes[0].figure
        c = palette()
        ax = axes[0]
        self.lines_ = {"one-shot": ax.plot(self.grid, self.one_shot, "-o", ms=3, color=c[0], label="one-shot")[0]}
        if self.fine_tuned:
            s = sorted(self.fine_tuned)
            self.lines_["fine-tuned"] = ax.plot(s, [self.fine_tuned[k] for k in s], "s--", ms=5, color=c[2],
                                                label="fine-tuned 5 epochs")[0]
        ax.axhline(self.dense_accuracy, color="#949494", ls=":", lw=1)
        ax.axvline(self.sparsity, color=c[3], lw=1)
        ax.set_ylim(0, 1.01)
        ax.set_xlabel("sparsity (share of weights removed)")
        ax.set_ylabel("held-out accuracy")
        ax.legend(fontsize=7, loc="lower left")
        ax.set_title("accuracy", fontsize=9)
        axes[1].plot(self.grid, self.gzip / 1000, "-o", ms=3, color=c[1])
        axes[1].axvline(self.sparsity, color=c[3], lw=1)
        axes[1].set_xlabel("sparsity")
        axes[1].set_ylabel("gzip of the weights (kB)")
        axes[1].set_title("size on disk", fontsize=9)
        w = np.abs(self.kernel).ravel()
        cut = np.quantile(w, self.sparsity) if self.sparsity > 0 else 0.0
        axes[2].hist(w, bins=60, color=c[0])
        axes[2].axvline(cut, color=c[3], lw=1.5)
        axes[2].set_xlabel("|weight| of layer 1 (trained, dense)")
        axes[2].set_title(f"cut at {cut:.3f}: {self.sparsity:.0%} go", fontsize=9)
        return self


class PrecisionDisplay(DisplayMixin):
    """Training examples/s per dtype policy (and float16 with remapping off)."""

    def __init__(self, rows):
        self.rows = rows

    def plot(self, ax=None):
        ax = _get_ax(ax, width=5.0, height=2.9)
        self.figure_ = ax.figure
        labels = [f"{r.device}\n{r.policy}" + ("" if r.remapping else "\nremapping off") for r in self.rows]
        c = palette()
        self.bars_ = ax.bar(np.arange(len(self.rows)), [r.examples_per_s for r in self.rows],
                            color=[c[i % len(c)] for i in range(len(self.rows))])
        ax.set_xticks(np.arange(len(self.rows)), labels, fontsize=7)
        ax.set_ylabel("training examples / s")
        ax.set_title("model.fit, batch 32", fontsize=9)
        return self


class TransferDisplay(DisplayMixin):
    """Held-out accuracy on digits 5-9 against labels per class for each mode: the median over
    seeds and the range between the lowest and the highest."""

    def __init__(self, results):
        self.results = results           # list of Transfer

    def plot(self, ax=None):
        ax = _get_ax(ax, width=4.0, height=3.0)
        self.figure_ = ax.figure
        ks = sorted({r.k for r in self.results})
        c = palette()
        self.lines_ = {}
        for i, mode in enumerate(TRANSFER_MODES):
            acc = np.array([[r.accuracy[mode] for r in self.results if r.k == k] for k in ks])
            med = np.median(acc, axis=1)
            n = self.results[0].trainable[mode]
            self.lines_[mode] = ax.plot(ks, med, "-o", ms=4, color=c[i], label=f"{mode} ({n:,} trained)")[0]
            ax.fill_between(ks, acc.min(1), acc.max(1), color=c[i], alpha=0.2)
        ax.set_xscale("log")
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_ylim(0, 1.01)
        ax.set_xlabel("labelled images per class (digits 5-9)")
        ax.set_ylabel("held-out accuracy on 5-9")
        ax.legend(fontsize=7, loc="lower right")
        seeds = len({r.seed for r in self.results})
        ax.set_title(f"median and range over {seeds} seeds", fontsize=9)
        return self


class ForgettingDisplay(DisplayMixin):
    """Accuracy on task A (0-4) and task B (5-9) after A, after B alone, after B with rehearsal."""

    def __init__(self, forgetting):
        self.f = forgetting

    def plot(self, ax=None):
        ax = _get_ax(ax, width=4.0, height=3.0)
        self.figure_ = ax.figure
        f = self.f
        stages = ["after A", "then B alone", f"then B + {f.rehearsal}/class of A"]
        values = np.array([f.after_a, f.after_b, f.after_b_rehearsed])
        x = np.arange(3)
        c = palette()
        self.bars_ = {"A": ax.bar(x - 0.2, values[:, 0], 0.4, color=c[0], label="task A: digits 0-4"),
                      "B": ax.bar(x + 0.2, values[:, 1], 0.4, color=c[1], label="task B: digits 5-9")}
        for xi, (a, b) in zip(x, values):
            ax.text(xi - 0.2, a + 0.01, f"{a:.2f}", ha="center", fontsize=7)
            ax.text(xi + 0.2, b + 0.01, f"{b:.2f}", ha="center", fontsize=7)
        ax.set_xticks(x, stages, fontsize=7)
        ax.set_ylim(0, 1.3)
        ax.set_ylabel("held-out accuracy")
        ax.legend(fontsize=7, loc="upper center", ncols=2)
        ax.set_title("catastrophic forgetting, and rehearsal", fontsize=9)
        return self
