"""Lesson 02 · recurrent display: the gradient through time, accuracy against length, exploding."""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, new_figure, palette

__all__ = ["TimeGradientsDisplay", "LengthSweepDisplay", "RecurrentExplodingDisplay"]

_STYLES = {"SimpleRNN": "-", "LSTM": "--", "GRU": ":"}
_MARKERS = {"SimpleRNN": "o", "LSTM": "s", "GRU": "^"}


class TimeGradientsDisplay(DisplayMixin):
    """Heatmap: time step t (x, 1 = first input) x epoch (y, 0 = initialization, at the bottom),
    colour = log10 ‖∂loss/∂x_t‖. Dark on the left: the gradient vanished before reaching t = 1."""

    def __init__(self, input_grads, *, title="‖∂loss/∂x_t‖ while training"):
        self.input_grads, self.title = np.asarray(input_grads, float), title

    def plot(self, ax=None, *, vmin=None, vmax=None):
        """Draw; the colour scale spans 8 decades up to the largest value (at least up to 1),
        unless ``vmin`` / ``vmax`` (log10) fix it."""
        from matplotlib.colors import Normalize  # noqa: PLC0415

        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        self._fixed = (vmin, vmax)
        self.image_ = ax.imshow(self._data(), origin="lower", aspect="auto", cmap="cividis",
                                norm=Normalize(*self._limits()), interpolation="nearest",
                                extent=self._extent())
        if not hasattr(self, "colorbar_"):
            self.colorbar_ = self.figure_.colorbar(self.image_, ax=ax, label="log10 ‖∂loss/∂x_t‖")
        ax.set_xlabel("time step t (1 = the symbol to remember)")
        ax.set_ylabel("epoch (0 = initialization)")
        ax.set_title(self.title, fontsize=9)
        return self

    def _limits(self):
        vmin, vmax = self._fixed
        data = self._data()
        top = np.nanmax(data) if np.isfinite(data).any() else 0.0
        vmax = max(0.0, float(np.ceil(top))) if vmax is None else vmax
        return (vmax - 8 if vmin is None else vmin), vmax

    def _data(self):
        g = self.input_grads
        return np.log10(np.maximum(g, 1e-30)) if g.size else np.full((1, 1), np.nan)

    def _extent(self):
        g = self.input_grads
        return (0.5, g.shape[1] + 0.5, -0.5, g.shape[0] - 0.5) if g.size else None

    def update(self, input_grads):
        """New rows (a live plot while training): redraws the image in place."""
        self.input_grads = np.asarray(input_grads, float)
        self.image_.set_data(self._data())
        self.image_.set_clim(*self._limits())
        if self.input_grads.size:
            self.image_.set_extent(self._extent())
        return self


class LengthSweepDisplay(DisplayMixin):
    """Final validation accuracy against sequence length, one line (style and marker) per cell."""

    def __init__(self, sweep):
        self.sweep = sweep

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        s = self.sweep
        self.lines_ = []
        for (cell, acc), colour in zip(s.accuracy.items(), palette(len(s.accuracy))):
            line, = ax.plot(s.lengths, acc, _STYLES.get(cell, "-"), marker=_MARKERS.get(cell, "o"),
                            color=colour, lw=2, label=cell)
            self.lines_.append(line)
        ax.axhline(s.chance, color="0.4", lw=1, ls="-.", label=f"chance ({s.chance:.0%})")
        ax.set(xlabel="sequence length T", ylabel="validation accuracy", ylim=(0, 1.05),
               title=f"remember the first symbol ({s.epochs} epochs)")
        ax.legend(fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        return self


class RecurrentExplodingDisplay(DisplayMixin):
    """Left: ‖∂loss/∂x_t‖ over t at initialization, one line per recurrent gain (log scale).
    Right: the largest loss of one batch in each epoch at the training gain, without and with
    ``clipnorm=1``."""

    def __init__(self, result):
        self.result = result

    def plot(self, axes=None):
        if axes is None:
            _, axes = new_figure(2, width=3.6)
        self.axes_, self.figure_ = axes, axes[0].figure
        r = self.result
        colours = palette(max(len(r.gains), 2))
        self.lines_ = []
        t = np.arange(1, r.length + 1)
        for k, (gain, colour) in enumerate(zip(r.gains, colours)):
            line, = axes[0].semilogy(t, r.input_grads[gain], ("-", "--", ":", "-.")[k % 4], color=colour, lw=2,
                                     label=f"gain {gain:g}")
            self.lines_.append(line)
        axes[0].set(xlabel="time step t", ylabel="‖∂loss/∂x_t‖ at initialization",
                    title="SimpleRNN, recurrent kernel = gain × orthogonal")
        axes[0].legend(fontsize=8, frameon=False)
        self.loss_lines_ = []
        for (name, loss), style, colour in zip(r.batch_loss_max.items(), ("-", "--"), colours):
            line, = axes[1].plot(np.arange(1, len(loss) + 1), loss, style, marker="o", color=colour, lw=2,
                                 label=f"{name} (largest gradient {r.max_grad_norm[name]:.0f})")
            self.loss_lines_.append(line)
        axes[1].axhline(np.log(4), color="0.4", lw=1, ls="-.", label="a guess: ln 4")
        axes[1].set(xlabel="epoch", ylabel="largest loss of a batch", title=f"gain {r.train_gain:g}, SGD")
        axes[1].legend(fontsize=7, frameon=False, loc="best")
        for ax in axes:
            ax.title.set_fontsize(9)
            ax.grid(alpha=0.3)
        return self
