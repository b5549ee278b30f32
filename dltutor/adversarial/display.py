"""Lesson 04 · display: images and their perturbations, accuracy against ε, poisoning results.

Image grids are drawn as one mosaic per panel (one ``imshow`` and a few labels, not an axes per
image), so a slider redraws them in a fraction of a second.
"""
from __future__ import annotations

import numpy as np

from dltutor.adversarial.compute import ATTACKS, POISONS, attack
from dltutor.plots import DisplayMixin, _get_ax, palette

_GAP = 2   # pixels between tiles


def mosaic(images, ncols):
    """Tile 8x8 images ``(n, 64)`` into one array, ``ncols`` per row, NaN gaps between tiles."""
    images = np.asarray(images).reshape(-1, 8, 8)
    nrows = int(np.ceil(len(images) / ncols))
    out = np.full((nrows * (8 + _GAP) - _GAP, ncols * (8 + _GAP) - _GAP), np.nan)
    for k, img in enumerate(images):
        r, c = divmod(k, ncols)
        out[r * 10:r * 10 + 8, c * 10:c * 10 + 8] = img
    return out


def _two_panels(display, axes, *, height):
    """``axes`` (two of them), or a new two-panel figure; sets ``display.figure_`` and ``axes_``."""
    if axes is None:
        from dltutor.plots import new_figure  # noqa: PLC0415

        display.figure_, axes = new_figure(2, width=3.8, height=height)
    else:
        display.figure_ = axes[0].figure
    display.axes_ = axes
    return axes


def _tile_center(r, c):
    return c * (8 + _GAP) + 3.5, r * (8 + _GAP) + 3.5


class AttackGridDisplay(DisplayMixin):
    """Originals, then for each attack its perturbation (amplified) and the perturbed image.

    Columns: original · noise Δ · noise image · FGSM Δ · FGSM image · PGD Δ · PGD image; rows:
    ``n_images`` test images. Each image is labelled with the model's prediction and confidence
    (red when it changed).
    """

    def __init__(self, model, X, epsilon, *, attacks=tuple(ATTACKS), seed=0):
        from dltutor._backend import tf  # noqa: PLC0415

        self.X = np.asarray(X, "float32")
        self.epsilon = float(epsilon)
        self.attacks = tuple(attacks)
        self.perturbed = {name: attack(model, self.X, epsilon, name, seed=seed) for name in self.attacks}
        probs = [tf.nn.softmax(model(x, training=False)).numpy() for x in (self.X, *self.perturbed.values())]
        self.pred = [p.argmax(1) for p in probs]
        self.conf = [p.max(1) for p in probs]

    def plot(self, ax=None, *, title=None):
        ax = _get_ax(ax)
        self.ax_, self.figure_ = ax, ax.figure
        n = len(self.X)
        cols = [self.X]
        for name in self.attacks:
            delta = self.perturbed[name] - self.X
            scale = max(self.epsilon, 1e-6)
            cols += [0.5 + 0.5 * delta / scale, self.perturbed[name]]   # Δ amplified to fill [0, 1]
        ncols = len(cols)
        tiles = np.stack(cols, 1).reshape(n * ncols, 64)
        ax.imshow(mosaic(tiles, ncols), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([_tile_center(0, c)[0] for c in range(ncols)])
        heads = ["original"]
        for name in self.attacks:
            short = {"noise": "noise", "fgsm": "FGSM", "pgd": "PGD"}[name]
            heads += [f"{short} Δ", f"{short}"]
        ax.set_xticklabels(heads, fontsize=8)
        ax.xaxis.tick_top()
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        for r in range(n):
            for k in range(len(self.attacks) + 1):
                c = 0 if k == 0 else 2 * k
                x, y = _tile_center(r, c)
                changed = k > 0 and self.pred[k][r] != self.pred[0][r]
                ax.text(x, y + 5.6, f"{self.pred[k][r]} ({self.conf[k][r]:.0%})", ha="center", va="center",
                        fontsize=7, color="#d55e00" if changed else "#333", weight="bold" if changed else None)
        ax.set_title(title or f"ε = {self.epsilon:g}: prediction (confidence) under each perturbation; "
                              "Δ amplified to be visible", fontsize=9)
        return self


class RobustnessDisplay(DisplayMixin):
    """Accuracy against ε, one line per attack; several results (standard, robust) overlaid."""

    def __init__(self, *results, epsilon=None):
        self.results = results
        self.epsilon = epsilon

    def plot(self, ax=None, *, title=None):
        ax = _get_ax(ax)
        self.ax_, self.figure_ = ax, ax.figure
        colours = dict(zip(ATTACKS, palette(3)))
        for k, res in enumerate(self.results):
            style = ("-", "--", ":")[k % 3]
            for name, acc in res.accuracy.items():
                label = ATTACKS[name] if len(self.results) == 1 else f"{ATTACKS[name].split(' (')[0]}, {res.label}"
                ax.plot(res.epsilons, 100 * acc, style, marker="o", ms=3, color=colours[name], label=label)
        if self.epsilon is not None:
            self.marker_ = ax.axvline(self.epsilon, color="#666", lw=1)
        ax.axhline(10, color="#999", lw=0.8, ls=":")
        ax.text(0.995, 10.5, "chance", transform=ax.get_yaxis_transform(), ha="right", fontsize=7, color="#777")
        ax.set(xlabel="ε (largest change of any pixel)", ylabel="test accuracy (%)", ylim=(0, 101))
        ax.legend(fontsize=7, loc="lower left")
        ax.set_title(title or "Accuracy against the attack's size", fontsize=9)
        return self

    def set_epsilon(self, epsilon):
        self.epsilon = epsilon
        self.marker_.set_xdata([epsilon, epsilon])


class TargetedWalkDisplay(DisplayMixin):
    """A targeted PGD walk: the image at a few steps, and the true and target class' probability."""

    def __init__(self, walk, *, n_frames=6):
        self.walk = walk
        self.frames = np.unique(np.linspace(0, len(walk.images) - 1, n_frames).round().astype(int))

    def plot(self, axes=None):
        axes = _two_panels(self, axes, height=2.8)
        w = self.walk
        ax = axes[0]
        ax.imshow(mosaic(w.images[self.frames], len(self.frames)), cmap="gray_r", vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_xticks([_tile_center(0, c)[0] for c in range(len(self.frames))])
        ax.set_xticklabels([f"step {s}" for s in self.frames], fontsize=7)
        ax.xaxis.tick_top()
        ax.set_yticks([])
        for c, s in enumerate(self.frames):
            p = w.probs[s]
            x, y = _tile_center(0, c)
            hit = p.argmax() == w.target
            ax.text(x, y + 5.8, f"{p.argmax()} ({p.max():.0%})", ha="center", fontsize=7,
                    color="#d55e00" if hit else "#333")
        ax.set_title(f"A {w.true_label} walked towards {w.target} (ε = {w.epsilon:g})", fontsize=9)
        ax = axes[1]
        steps = np.arange(len(w.probs))
        c = palette(2)
        ax.plot(steps, w.probs[:, w.true_label], color=c[0], label=f"P(true class {w.true_label})")
        ax.plot(steps, w.probs[:, w.target], color=c[1], label=f"P(target {w.target})")
        if w.success_step is not None:
            ax.axvline(w.success_step, color="#999", ls=":", lw=1)
        ax.set(xlabel="PGD step", ylabel="probability", ylim=(-0.02, 1.02))
        ax.legend(fontsize=7)
        ax.set_title("fooled at step " + (str(w.success_step) if w.success_step is not None else "— (not yet)"),
                     fontsize=9)
        return self


class PoisonDisplay(DisplayMixin):
    """Some poisoned training images with their labels, and what the poison did to the model."""

    def __init__(self, run, *, n_images=8, trigger_size=2):
        self.run = run
        self.n_images = n_images
        self.trigger_size = trigger_size

    def plot(self, axes=None):
        axes = _two_panels(self, axes, height=3.0)
        run = self.run
        ax = axes[0]
        idx = run.poisoned[: self.n_images]
        ncols = 4
        if len(idx):
            ax.imshow(mosaic(run.X_train[idx], ncols), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            for k, i in enumerate(idx):
                x, y = _tile_center(*divmod(k, ncols))
                ax.text(x, y + 5.8, f"label {run.y_train[i]}", ha="center", fontsize=7, color="#d55e00")
        else:
            ax.text(0.5, 0.5, "no poisoned images", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{len(run.poisoned)} of {len(run.X_train)} training images poisoned\n"
                     f"({POISONS[run.kind]}), with their new labels", fontsize=9)
        ax = axes[1]
        names = ["clean data:\nclean accuracy", "poisoned data:\nclean accuracy"]
        values = [run.baseline_accuracy, run.clean_accuracy]
        colours = list(palette(2))
        if run.attack_success is not None:
            names.append(f"poisoned data:\ntrigger → {run.target}")
            values.append(run.attack_success)
            colours.append("#d55e00")
        bars = ax.bar(range(len(values)), 100 * np.array(values), color=colours)
        for bar, v in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, 100 * v + 1, f"{v:.1%}", ha="center", fontsize=8)
        ax.set_xticks(range(len(values)), names, fontsize=7)
        ax.set(ylim=(0, 110), ylabel="% of test images")
        ax.set_title("What the poison did (test images)", fontsize=9)
        return self


class PoisonSweepDisplay(DisplayMixin):
    """Clean accuracy (and backdoor success) against the poison rate, one panel."""

    def __init__(self, *sweeps):
        self.sweeps = sweeps

    def plot(self, ax=None, *, title=None):
        ax = _get_ax(ax)
        self.ax_, self.figure_ = ax, ax.figure
        c = palette(3)
        for k, s in enumerate(self.sweeps):
            rates = 100 * np.array(s.rates)
            ax.plot(rates, 100 * s.clean_accuracy, "o-", ms=3, color=c[k],
                    label=f"clean accuracy, {POISONS[s.kind]}")
            if s.attack_success is not None:
                ax.plot(rates, 100 * s.attack_success, "s--", ms=3, color="#d55e00", label="backdoor success")
        ax.set(xlabel="poisoned training images (%)", ylabel="% of test images", ylim=(0, 101))
        ax.legend(fontsize=7, loc="center right")
        ax.set_title(title or "Poisoning against its rate", fontsize=9)
        return self


__all__ = ["mosaic", "AttackGridDisplay", "RobustnessDisplay", "TargetedWalkDisplay", "PoisonDisplay",
           "PoisonSweepDisplay"]
