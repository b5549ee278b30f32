"""Lesson 04 · explorers: evasion (ε, attacks, adversarial training), a targeted walk, poisoning."""
from __future__ import annotations

import html

import ipywidgets as W

from dltutor.adversarial import compute as C
from dltutor.adversarial.display import (AttackGridDisplay, PoisonDisplay, RobustnessDisplay,
                                         TargetedWalkDisplay)
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

RATES = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4)
DEFENCES = {"none": "standard training", "adversarial": f"adversarial training (PGD-{C.PGD_TRAIN_STEPS}, ε = 0.1)"}
_STYLE = {"description_width": "105px"}
_BOX = W.Layout(width="300px")


def _figure(width_ratios, height=3.4, width=9.6):
    from matplotlib.figure import Figure  # noqa: PLC0415

    fig = Figure(figsize=(width, height), dpi=80, layout="constrained")
    return fig, list(fig.subplots(1, len(width_ratios), gridspec_kw={"width_ratios": width_ratios}))


def _progress(stop, report, total, what):
    def on_epoch(epoch, logs):
        if stop.is_set():
            raise StopTraining
        report(epoch + 1, total, f"{what}: epoch {epoch + 1} of {total}, loss {logs['loss']:.3f}")
    return on_epoch


class EvasionExplorer(Explorer):
    """Random noise, FGSM and PGD at the ε of a slider, on a standard or an adversarially trained MLP."""

    title = "Evasion: how far must a pixel move to fool the network?"
    light = ("epsilon", "first_image")

    def __init__(self, *, epsilon=0.1, defence="none", first_image=0, seed=0, n_images=4):
        sl = dict(continuous_update=False, style=_STYLE, layout=_BOX)
        controls = {
            "epsilon": W.FloatSlider(value=epsilon, min=0.0, max=0.3, step=0.01, description="ε (epsilon)",
                                     readout_format=".2f", **sl),
            "first_image": W.IntSlider(value=first_image, min=0, max=440, step=4, description="test images",
                                       **sl),
            "defence": W.Dropdown(options=[(label, key) for key, label in DEFENCES.items()], value=defence,
                                  description="model", style=_STYLE, layout=_BOX),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=_STYLE,
                                     layout=_BOX),
        }
        self.n_images = n_images
        fig, self.axes = _figure([1.45, 1])
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True
        self._model = self._data = self._curves = self._robustness = None

    def run(self, params, stop, report):
        seed = params["seed"]
        data = C.make_data(seed)
        if params["defence"] == "adversarial":
            report(0, C.ADV_EPOCHS, "Adversarial training: every step trains on PGD images…")
            model, _ = C.adversarial_train(data.X_train, data.y_train, epsilon=0.1, seed=seed, stop=stop,
                                           callbacks=[_progress(stop, report, C.ADV_EPOCHS, "Adversarial training")],
                                           cache=not self.fresh)
        else:
            report(0, C.EPOCHS, "Training…")
            model, _ = C.train_classifier(data.X_train, data.y_train, seed=seed, stop=stop,
                                          callbacks=[_progress(stop, report, C.EPOCHS, "Training")],
                                          cache=not self.fresh)
        if stop.is_set():     # keep the last complete figure and its numbers
            self.show_message("Stopped before the end of training: the figure still shows the previous "
                              "model. Press Train to train this one to the end.", kind="info")
            return self.result
        self._model, self._data = model, data
        self._robustness = C.run_robustness(model, data, seed=seed, label=DEFENCES[params["defence"]])
        for ax in self.axes:
            ax.clear()
        self._curves = RobustnessDisplay(self._robustness, epsilon=params["epsilon"]).plot(self.axes[1])
        self._draw_grid(params)
        return self._robustness

    def _draw_grid(self, params):
        eps = params["epsilon"]
        start = params["first_image"]
        ax = self.axes[0]
        ax.clear()
        X = self._data.X_test[start:start + self.n_images]
        AttackGridDisplay(self._model, X, eps, seed=params["seed"]).plot(ax)
        self._curves.set_epsilon(eps)
        y = self._data.y_test
        acc = {name: C.accuracy(self._model, C.attack(self._model, self._data.X_test, eps, name,
                                                      seed=params["seed"]), y)
               for name in C.ATTACKS}
        res = self._robustness
        self.summary.value = (
            f"<b>{html.escape(res.label)}</b>, clean test accuracy <b>{res.clean_accuracy:.1%}</b>. "
            f"At ε = {eps:.3g}: random noise {acc['noise']:.1%} · FGSM <b>{acc['fgsm']:.1%}</b> · "
            f"PGD-{C.PGD_STEPS} <b>{acc['pgd']:.1%}</b> (chance 10%). No pixel moved by more than "
            f"{eps:.3g} of its range.")

    def redraw(self, params):
        if self._model is not None:
            self._draw_grid(params)
        self.live.draw(force=True)


class TargetedExplorer(Explorer):
    """Targeted PGD on one test image: watch it walk, step by step, into the class you choose."""

    title = "A targeted attack: send a digit to the class you choose"
    trains = False

    def __init__(self, *, image=0, target=3, epsilon=0.2, steps=30, seed=0):
        sl = dict(continuous_update=False, style=_STYLE, layout=_BOX)
        controls = {
            "image": W.IntSlider(value=image, min=0, max=99, description="test image", **sl),
            "target": W.Dropdown(options=list(range(10)), value=target, description="target class",
                                 style=_STYLE, layout=_BOX),
            "epsilon": W.FloatSlider(value=epsilon, min=0.02, max=0.5, step=0.02, description="ε (epsilon)",
                                     readout_format=".2f", **sl),
            "steps": W.IntSlider(value=steps, min=5, max=100, step=5, description="PGD steps", **sl),
        }
        self.seed = seed
        fig, self.axes = _figure([1.6, 1], height=2.9)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True

    def check(self, params):
        data = C.make_data(self.seed)
        C.check_target(params["target"], data.y_test[params["image"]])

    def run(self, params, stop, report):
        data = C.make_data(self.seed)
        model, _ = C.train_classifier(data.X_train, data.y_train, seed=self.seed)
        i = params["image"]
        walk = C.run_targeted(model, data.X_test[i], params["target"], true_label=data.y_test[i],
                              epsilon=params["epsilon"], steps=params["steps"])
        for ax in self.axes:
            ax.clear()
        TargetedWalkDisplay(walk).plot(self.axes)
        step = walk.success_step
        self.summary.value = (
            f"Test image {i} (a {walk.true_label}) → target <b>{walk.target}</b>: " +
            (f"the model says {walk.target} from step <b>{step}</b> on, with {walk.probs[-1, walk.target]:.0%} "
             f"confidence at the end." if step is not None else
             f"not fooled in {params['steps']} steps at ε = {params['epsilon']:.2f}: try a larger ε or more steps."))
        return walk


class PoisoningExplorer(Explorer):
    """Label flipping or a backdoor trigger in the training data, and what the trained model does."""

    title = "Poisoning: corrupt a few training images, then test the model"

    def __init__(self, *, kind="backdoor", rate=0.05, target=0, trigger_size=2, seed=0):
        sl = dict(continuous_update=False, style=_STYLE, layout=_BOX)
        controls = {
            "kind": W.Dropdown(options=[(label, key) for key, label in C.POISONS.items()], value=kind,
                               description="poisoning", style=_STYLE, layout=_BOX),
            "rate": W.SelectionSlider(options=[(f"{r:.1%}".replace(".0%", "%"), r) for r in RATES], value=rate,
                                      description="poison rate", **sl),
            "target": W.Dropdown(options=list(range(10)), value=target, description="backdoor target",
                                 style=_STYLE, layout=_BOX),
            "trigger_size": W.IntSlider(value=trigger_size, min=1, max=4, description="trigger (pixels)", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=_STYLE,
                                     layout=_BOX),
        }
        fig, self.axes = _figure([1, 1.1], height=3.2, width=8.4)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True

    def run(self, params, stop, report):
        report(0, C.EPOCHS, "Training on the poisoned data…")
        run = C.run_poisoning(params["kind"], params["rate"], target=params["target"],
                              trigger_size=params["trigger_size"], seed=params["seed"], stop=stop,
                              callbacks=[_progress(stop, report, C.EPOCHS, "Training on poisoned data")],
                              cache=not self.fresh)
        for ax in self.axes:
            ax.clear()
        PoisonDisplay(run, trigger_size=params["trigger_size"]).plot(self.axes)
        text = (f"{len(run.poisoned)} poisoned training images ({run.rate:.1%}). Clean test accuracy "
                f"<b>{run.clean_accuracy:.1%}</b> (trained on clean data: {run.baseline_accuracy:.1%})")
        if run.attack_success is not None:
            text += (f"; with the {params['trigger_size']}×{params['trigger_size']} trigger, "
                     f"<b>{run.attack_success:.0%}</b> of other digits are read as {run.target}.")
        else:
            text += f": {run.accuracy_cost:.1f} points lost; flipped labels carry no trigger."
        self.summary.value = text
        if run.stop_reason == "stopped" and not run.epochs_run:
            self.show_message(f"Stopped after 0 of {C.EPOCHS} epochs, before the first one ended: the numbers "
                              "are for the untrained model. Press Train to train it.", kind="info")
        elif run.stop_reason == "stopped":
            self.show_message(f"Stopped after {run.epochs_run} of {C.EPOCHS} epochs: the numbers are for the "
                              "partly trained model.", kind="info")
        return run


__all__ = ["EvasionExplorer", "TargetedExplorer", "PoisoningExplorer", "RATES", "DEFENCES"]
