"""Lesson 02 · display: gradient bars, the layers x epochs heatmap, activation violins."""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, new_figure, palette

class LayerGradientsDisplay(DisplayMixin):
    """Bars: each hidden layer's gradient norm at initialization (log scale), bound overlaid."""

    def __init__(self, result, *, label=None):
        self.result, self.label = result, label

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        r = self.result
        layers = np.arange(1, len(r.norms) + 1)
        c = palette(3)
        heights = np.where(np.isfinite(r.norms), r.norms, np.nan)
        self.bars_ = ax.bar(layers, heights, color=c[0], edgecolor="white", label=self.label or "gradient norm")
        self.bound_ = None
        if r.bound is not None:
            self.bound_ = ax.plot(layers, r.bound, "k--", marker="v", ms=4,
                                  label="bound: x (1/4)·||W|| per sigmoid layer")[0]
        if np.any(np.isfinite(heights) & (heights > 0)):    # all overflowed or zero: no log axis to draw
            ax.set_yscale("log")
        ax.set_xlabel("hidden layer (1 = next to the input)")
        ax.set_ylabel("‖∂loss/∂W‖ at initialization")
        ax.set_title(f"first/last layer: {r.ratio:.1e}" if r.finite else
                     "gradients overflow (inf/NaN) at initialization", fontsize=9)
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.grid(alpha=0.3, axis="y")
        return self


class GradientHeatmapDisplay(DisplayMixin):
    """Layers (rows, input at the bottom) x epochs (columns), colour = log10 gradient norm."""

    def __init__(self, grad_norms, *, title="gradient norm per layer while training"):
        self.grad_norms, self.title = np.asarray(grad_norms), title

    def plot(self, ax=None, *, vmin=-8, vmax=1):
        from matplotlib.colors import Normalize  # noqa: PLC0415

        if ax is None:
            _, ax = new_figure()
        self.ax_, self.figure_ = ax, ax.figure
        g = self.grad_norms
        data = np.log10(np.maximum(g.T, 1e-30)) if g.size else np.zeros((1, 1))
        self.image_ = ax.imshow(data, origin="lower", aspect="auto", cmap="cividis",
                                norm=Normalize(vmin=vmin, vmax=vmax), interpolation="nearest",
                                extent=(0.5, len(g) + 0.5, 0.5, g.shape[1] + 0.5) if g.size else None)
        if not hasattr(self, "colorbar_"):
            self.colorbar_ = self.figure_.colorbar(self.image_, ax=ax, label="log10 ‖∂loss/∂W‖")
        ax.set_xlabel("epoch")
        ax.set_ylabel("layer (1 = input side; top = output)")
        ax.set_title(self.title, fontsize=9)
        return self

    def update(self, grad_norms):
        """New data (any number of epochs and layers); the colour scale stays fixed."""
        self.grad_norms = np.asarray(grad_norms)
        epochs, layers = self.grad_norms.shape
        self.image_.set_data(np.log10(np.maximum(self.grad_norms.T, 1e-30)))
        self.image_.set_extent((0.5, epochs + 0.5, 0.5, layers + 0.5))
        self.ax_.set_xlim(0.5, epochs + 0.5)
        self.ax_.set_ylim(0.5, layers + 0.5)
        return self


class ActivationsDisplay(DisplayMixin):
    """The distribution of each hidden layer's outputs (Glorot & Bengio 2010, figure 2 style)."""

    def __init__(self, result):
        self.result = result

    def plot(self, ax=None):
        if ax is None:
            _, ax = new_figure(width=5)
        self.ax_, self.figure_ = ax, ax.figure
        acts = self.result.activations
        self.violins_ = ax.violinplot(acts, showextrema=False, showmedians=True)
        for body in self.violins_["bodies"]:
            body.set_facecolor(palette(1)[0])
            body.set_alpha(0.6)
        ax.set_xlabel("hidden layer")
        ax.set_ylabel("activation value")
        ax.set_title(f"activations at initialization ({self.result.config['activation']})", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        return self


