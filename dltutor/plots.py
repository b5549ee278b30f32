"""Display objects: compute once, draw with ``.plot(ax=None)``, keep the artists for tests.

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so the library never opens
windows, never calls ``plt.show()`` and never changes rcParams. Colours come from seaborn's
colour-blind-safe palette, and curves differ by line style and direct labels too.
"""
from __future__ import annotations

import io

import numpy as np

__all__ = ["palette", "new_figure", "figure_to_png", "as_image", "DisplayMixin",
           "TrainingCurvesDisplay", "BoundaryDisplay"]

# seaborn's "colorblind" palette (seaborn.color_palette("colorblind").as_hex()), inlined so that
# drawing a plot does not import seaborn.
_COLORBLIND = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4",
               "#949494", "#ece133", "#56b4e9")


def palette(n=None):
    """The colour-blind-safe palette as hex strings (first ``n`` colours)."""
    return list(_COLORBLIND[:n] if n else _COLORBLIND)


def new_figure(ncols=1, *, width=4.2, height=3.4, dpi=80):
    """A pyplot-free figure and its axes: ``fig, axes = new_figure(2)``."""
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(width * ncols, height), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, (axes[0] if ncols == 1 else list(axes))


def figure_to_png(fig, *, dpi=None):
    """Render a figure to PNG bytes (what a live ``ipywidgets.Image`` shows)."""
    buf = io.BytesIO()
    if dpi is not None and dpi != fig.dpi:
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

    # the canvas's own PNG: the same pixels as savefig at the figure's dpi, in half the time
    # (savefig switches canvases and sets up its print context on every call)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.print_png(buf)
    return buf.getvalue()


def as_image(fig):
    """An ``IPython.display.Image`` of the figure: the last line of a cell shows it."""
    from IPython.display import Image  # noqa: PLC0415

    return Image(data=figure_to_png(fig), format="png")


class DisplayMixin:
    """Displays show their figure as the value of a notebook cell (``Display(...).plot()``)."""

    def _repr_png_(self):
        fig = getattr(self, "figure_", None)
        return figure_to_png(fig) if fig is not None else None


def _get_ax(ax, **figure_kwargs):
    """``ax``, or the axes of a new figure (``new_figure(**figure_kwargs)``) when it is None."""
    if ax is None:
        _, ax = new_figure(**figure_kwargs)
    return ax


class TrainingCurvesDisplay(DisplayMixin):
    """Train and validation curves of one metric against the epoch.

    Parameters
    ----------
    history : dict or History
        ``{"loss": [...], "val_loss": [...]}`` or a :class:`dltutor.training.History`.
    metric : str, default "loss"

    Attributes (after ``plot``)
    ---------------------------
    ax_, figure_ : the matplotlib axes and figure
    lines_ : dict ``{"train": Line2D, "validation": Line2D}``

    Examples
    --------
    >>> disp = TrainingCurvesDisplay({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}).plot()
    >>> list(disp.lines_["train"].get_ydata())
    [1.0, 0.5]
    """

    def __init__(self, history, *, metric="loss", labels=("train", "validation")):
        self.history = getattr(history, "history", history)
        self.metric = metric
        self.labels = labels

    def _series(self):
        train = list(self.history.get(self.metric, []))
        val = list(self.history.get(f"val_{self.metric}", []))
        return train, val

    def plot(self, ax=None, *, log_y=False, title=None):
        self.ax_ = ax = _get_ax(ax)
        self.figure_ = ax.figure
        train, val = self._series()
        c = palette(2)
        self.lines_ = {"train": ax.plot(np.arange(1, len(train) + 1), train, color=c[0], lw=2,
                                        ls="-", label=self.labels[0])[0]}
        if val or f"val_{self.metric}" in self.history:
            self.lines_["validation"] = ax.plot(np.arange(1, len(val) + 1), val, color=c[1], lw=2,
                                                ls="--", label=self.labels[1])[0]
        ax.set_xlabel("epoch")
        ax.set_ylabel(self.metric)
        if log_y:
            ax.set_yscale("log")
        ax.set_title(title or f"{self.metric}: {self.labels[0]} (solid) vs {self.labels[1]} (dashed)",
                     fontsize=9)
        ax.legend(loc="best", fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        return self

    def update(self, history):
        """Replace the data in place (cheap: no new artists) and rescale the axes."""
        self.history = getattr(history, "history", history)
        train, val = self._series()
        self.lines_["train"].set_data(np.arange(1, len(train) + 1), train)
        if "validation" in self.lines_:
            self.lines_["validation"].set_data(np.arange(1, len(val) + 1), val)
        finite = [v for v in train + val if np.isfinite(v)]
        if finite:
            self.ax_.relim()
            self.ax_.autoscale_view()
        return self

    def summary(self):
        """One line of text saying what the figure shows."""
        train, val = self._series()
        if not train:
            return f"No {self.metric} recorded yet."
        text = f"After {len(train)} epochs: train {self.metric} {train[-1]:.3g}"
        if val:
            text += f", validation {self.metric} {val[-1]:.3g}"
        return text + "."


class BoundaryDisplay(DisplayMixin):
    """A 2-D classifier's decision regions with the data points on top.

    Build it with :meth:`from_model` (evaluates the model on a grid) and ``.plot(ax)``.
    Class 0 points are circles, class 1 points are triangles, so shape tells them apart too.

    Attributes (after ``plot``)
    ---------------------------
    ax_, figure_, image_ (the probability map), scatters_ (one per class)
    """

    def __init__(self, xx, yy, proba, X, y):
        self.xx, self.yy, self.proba, self.X, self.y = xx, yy, proba, np.asarray(X), np.asarray(y)

    @staticmethod
    def grid(X, resolution=60, margin=0.5):
        """The ``(resolution, resolution)`` mesh covering ``X (n, 2)`` and its flattened points."""
        lo, hi = X.min(0) - margin, X.max(0) + margin
        xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
        return xx, yy, np.c_[xx.ravel(), yy.ravel()].astype("float32")

    @classmethod
    def from_model(cls, model, X, y, *, resolution=60, grid=None):
        """Evaluate ``model`` (logits out) on a grid around ``X (n, 2)``."""
        xx, yy, points = grid if grid is not None else cls.grid(np.asarray(X), resolution)
        logits = np.asarray(model(points, training=False), dtype="float64")
        with np.errstate(all="ignore"):     # a diverged model: NaN/inf logits draw as blank
            z = logits - logits.max(1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        return cls(xx, yy, p[:, 1].reshape(xx.shape), X, y)

    def plot(self, ax=None, *, title=None):
        self.ax_ = ax = _get_ax(ax)
        self.figure_ = ax.figure
        self.image_ = self.draw_regions(ax, self.xx, self.yy, self.proba)
        c = palette(2)
        markers = ("o", "^")
        self.scatters_ = [ax.scatter(*self.X[self.y == k].T, s=14, c=c[k], marker=markers[k],
                                     edgecolors="white", linewidths=0.4, label=f"class {k}")
                          for k in (0, 1)]
        ax.set_xlim(self.xx.min(), self.xx.max())
        ax.set_ylim(self.yy.min(), self.yy.max())
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title or "decision regions (colour = P(class 1))", fontsize=9)
        ax.legend(loc="upper right", fontsize=7, frameon=True)
        return self

    @staticmethod
    def draw_regions(ax, xx, yy, proba):
        """Filled contours from class 0's colour (P=0) through white to class 1's (P=1)."""
        from matplotlib.colors import LinearSegmentedColormap  # noqa: PLC0415

        c = palette(2)
        cmap = LinearSegmentedColormap.from_list("classes", [c[0], "#ffffff", c[1]])
        return ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.45,
                           vmin=0, vmax=1, zorder=0)

    def accuracy_on_points(self, model):
        pred = np.asarray(model(self.X.astype("float32"), training=False)).argmax(1)
        return float((pred == self.y).mean())
