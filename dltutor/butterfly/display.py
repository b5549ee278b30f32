"""Lesson 05 · display: the seed histogram and disagreement, two diverging runs, the learning-rate x
batch-size heatmap, the fractal map, grid vs random search and the validation trap.

Each display takes a result of :mod:`dltutor.butterfly.compute`, draws on the axes it is given
(or a new figure), and keeps its artists; seaborn draws the distributions and heatmaps.
"""
from __future__ import annotations

import numpy as np

from dltutor.plots import DisplayMixin, new_figure, palette


def _axes(axes, n, **kw):
    if axes is None:
        _, axes = new_figure(n, **kw)
    return axes if n > 1 else (axes[0] if isinstance(axes, (list, tuple, np.ndarray)) else axes)


class SeedSpreadDisplay(DisplayMixin):
    """Histogram of test accuracy over seeds (seaborn) and the pairwise disagreement heatmap."""

    def __init__(self, spread):
        self.spread = spread

    def plot(self, axes=None):
        import seaborn as sns  # noqa: PLC0415

        axes = _axes(axes, 2, width=3.9, height=3.2)
        self.axes_, self.figure_ = axes, axes[0].figure
        s = self.spread
        for ax in axes:
            ax.clear()
        sns.histplot(100 * s.accuracy, bins=min(12, len(s.accuracy)), ax=axes[0], color=palette(1)[0])
        axes[0].axvline(100 * s.accuracy.mean(), color="k", lw=1, ls="--")
        axes[0].set_xlabel("test accuracy (%)")
        axes[0].set_ylabel("seeds")
        axes[0].set_title(f"{len(s.seeds)} seeds, one recipe: SD {s.sd:.2f}, range {s.spread:.2f} points",
                          fontsize=9)
        off = s.disagreement[~np.eye(len(s.seeds), dtype=bool)]
        sns.heatmap(100 * s.disagreement, ax=axes[1], cmap="mako_r", cbar=False, square=True,
                    xticklabels=False, yticklabels=False)
        axes[1].set_title(f"test images two seeds label differently\n(darker: more; mean "
                          f"{100 * s.mean_disagreement:.1f}%, max {100 * off.max():.1f}%)", fontsize=9)
        axes[1].set_xlabel("seed")
        axes[1].set_ylabel("seed")
        return self


class NudgeDisplay(DisplayMixin):
    """Both runs' training loss, and the distance between their parameters on a log scale."""

    def __init__(self, nudge):
        self.nudge = nudge

    def plot(self, axes=None):
        axes = _axes(axes, 2, width=3.9, height=3.2)
        self.axes_, self.figure_ = axes, axes[0].figure
        n = self.nudge
        c = palette(3)
        for ax in axes:
            ax.clear()
        epochs = np.arange(1, n.loss.shape[1] + 1)
        axes[0].plot(epochs, n.loss[0], color=c[0], lw=1.6, label="original")
        axes[0].plot(epochs, n.loss[1], color=c[1], lw=1.0, ls="--", label="changed")
        axes[0].set_yscale("log")
        axes[0].set_xlabel("step (full-batch gradient descent)")
        axes[0].set_ylabel("training loss")
        axes[0].legend(fontsize=8, frameon=False)
        axes[0].set_title("the loss curves look the same…", fontsize=9)
        d = n.distance
        steps = np.arange(len(d))
        positive = d > 0
        axes[1].plot(steps[positive], d[positive], color=c[2], lw=1.6)
        axes[1].set_yscale("log")
        axes[1].set_xlabel("step")
        axes[1].set_ylabel("distance between the two runs' weights")
        axes[1].set_title(f"…the weights drift apart: ×{n.growth:,.0f}", fontsize=9)
        self.line_ = axes[1].lines[0]
        return self


class LrBatchDisplay(DisplayMixin):
    """Test accuracy for every (batch size, learning rate): seaborn heatmap, diverged runs marked."""

    def __init__(self, result, *, seed_index=0):
        self.result, self.seed_index = result, seed_index

    def plot(self, ax=None):
        import seaborn as sns  # noqa: PLC0415

        ax = _axes(ax, 1, width=5.6, height=2.8)
        self.ax_, self.figure_ = ax, ax.figure
        r = self.result
        acc = 100 * r.accuracy[self.seed_index]
        ax.clear()
        labels = np.where(np.isnan(acc), "NaN", np.char.mod("%.0f", np.nan_to_num(acc)))
        sns.heatmap(np.nan_to_num(acc, nan=0.0), ax=ax, annot=labels, fmt="", cmap="viridis", vmin=0,
                    vmax=100, cbar=False, annot_kws={"fontsize": 8},
                    xticklabels=[f"{lr:g}" for lr in r.learning_rates], yticklabels=list(r.batch_sizes))
        ax.set_xlabel("learning rate (SGD)")
        ax.set_ylabel("batch size")
        ax.set_title("test accuracy (%): the best learning rate moves with the batch size; the cliff "
                     "does not", fontsize=9)
        return self


class FractalDisplay(DisplayMixin):
    """Converged (blue: darker trained faster) vs diverged (red: darker blew up sooner)."""

    def __init__(self, fractal):
        self.fractal = fractal

    @staticmethod
    def colours(fractal):
        """An RGB image ``(res, res, 3)``: blues where training converged, reds where it diverged."""
        from matplotlib import colormaps  # noqa: PLC0415

        s = fractal.speed
        conv = fractal.converged
        img = np.empty((*s.shape, 4))
        good = np.clip(-s, 0, 1)            # 1 - mean relative loss: higher is faster
        bad = np.clip(s, 0, 1)
        img[conv] = colormaps["Blues"](0.35 + 0.65 * good[conv])
        img[~conv] = colormaps["Reds"](0.35 + 0.65 * bad[~conv])
        return img[..., :3]

    def plot(self, ax=None, *, title=None):
        ax = _axes(ax, 1, width=4.6, height=4.0)
        self.ax_, self.figure_ = ax, ax.figure
        f = self.fractal
        ax.clear()
        self.image_ = ax.imshow(self.colours(f), origin="lower", extent=f.extent, aspect="auto",
                                interpolation="nearest")
        ax.set_xlabel("log10 learning rate, input layer")
        ax.set_ylabel("log10 learning rate, output layer")
        dim = f.dimension
        dim_text = f"boundary dimension ≈ {dim:.2f}" if np.isfinite(dim) else "no boundary in view"
        ax.set_title(title or f"blue: trains · red: diverges · {dim_text}", fontsize=9)
        return self


class SearchDisplay(DisplayMixin):
    """Grid vs random trials in the plane, and projected on the learning rate with the true curve."""

    def __init__(self, search):
        self.search = search

    def plot(self, axes=None):
        axes = _axes(axes, 2, width=3.9, height=3.2)
        self.axes_, self.figure_ = axes, axes[0].figure
        s = self.search
        c = palette(3)
        for ax in axes:
            ax.clear()
        axes[0].scatter(s.grid[:, 0], s.grid[:, 1], marker="s", s=45, color=c[0], label="grid")
        axes[0].scatter(s.random[:, 0], s.random[:, 1], marker="o", s=35, color=c[1], label="random")
        axes[0].set_xlabel("log10 learning rate (matters)")
        axes[0].set_ylabel("momentum (matters little)")
        axes[0].legend(fontsize=8, frameon=False, loc="upper left")
        axes[0].set_title(f"{len(s.grid)} trials each", fontsize=9)
        axes[1].plot(s.curve_lr, 100 * s.curve_accuracy, color="0.6", lw=1.2, label="fine sweep")
        axes[1].scatter(s.grid[:, 0], 100 * s.grid_accuracy, marker="s", s=45, color=c[0],
                        label=f"grid: {s.distinct_lr[0]} learning rates")
        axes[1].scatter(s.random[:, 0], 100 * s.random_accuracy, marker="o", s=35, color=c[1],
                        label=f"random: {s.distinct_lr[1]} learning rates")
        axes[1].set_xlabel("log10 learning rate")
        axes[1].set_ylabel("validation accuracy (%)")
        axes[1].legend(fontsize=7, frameon=False, loc="lower right")
        g, r = s.best
        axes[1].set_title(f"best: grid {g:.1%}, random {r:.1%}", fontsize=9)
        return self


class ValidationTrapDisplay(DisplayMixin):
    """The best validation accuracy among the first K models, against the truth (50%)."""

    def __init__(self, traps):
        self.traps = list(traps)

    def plot(self, ax=None):
        ax = _axes(ax, 1, width=4.6, height=3.2)
        self.ax_, self.figure_ = ax, ax.figure
        ax.clear()
        for trap, colour in zip(self.traps, palette(len(self.traps))):
            k = np.arange(1, trap.k + 1)
            ax.plot(k, 100 * trap.best_so_far, color=colour, lw=1.5,
                    label=f"validation n = {trap.n_val}: picked {trap.best_val:.0%}, test {trap.best_test:.1%}")
        ax.axhline(50, color="k", lw=1, ls="--", label="every model's true accuracy (50%)")
        ax.set_xscale("log")
        ax.set_xlabel("models tried (K)")
        ax.set_ylabel("best validation accuracy (%)")
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.set_title("coin-flip models: the more you try, the better the best looks", fontsize=9)
        return self
