"""Lesson 07 · explorer: one test image, its four saliency maps, and the sanity check (the top
layers randomized) as a slider, beside each method's rank-correlation curve."""
from __future__ import annotations

import html

import ipywidgets as W

from dltutor._checks import check_choice, check_int
from dltutor.interpretability import compute as ic
from dltutor.interpretability.display import RandomizationDisplay, SaliencyDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer

__all__ = ["SaliencyExplorer"]

N_CURVE = 50      # test images behind the explorer's sanity-check curve (the notebook uses 100)


class SaliencyExplorer(Explorer):
    """Gradient, gradient × input, integrated gradients and occlusion of one digit; randomize the
    model's layers from the top and see which maps change (Adebayo et al. 2018)."""

    title = "Saliency maps, and the sanity check that some of them fail"
    cheap = {}
    streams = False      # the model trains once per seed (1-2 s); the maps are drawn when it is done

    def __init__(self, *, image=0, baseline="zero", steps=50, patch=2, randomized=0, seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        sl = dict(continuous_update=False, style=style, layout=box)
        n_test = len(ic._digits().X_test)
        controls = {
            "image": W.IntSlider(value=image, min=0, max=n_test - 1, description="test image", **sl),
            "baseline": W.Dropdown(options=[("zero (black image)", "zero"), ("blurred image", "blurred")],
                                   value=baseline, description="IG baseline", style=style, layout=box),
            "steps": W.IntSlider(value=steps, min=1, max=200, description="IG steps", **sl),
            "patch": W.IntSlider(value=patch, min=1, max=ic.SIDE, description="occlusion patch", **sl),
            "randomized": W.IntSlider(value=randomized, min=0, max=len(ic.LAYERS),
                                      description="random layers", **sl),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style, layout=box),
        }
        fig, self.axes = new_figure(6, width=2.05, height=2.5)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True

    def check(self, params):
        ic._check_patch(params["patch"])          # 3, 5, 6 or 7 do not tile 8 pixels: said before anything runs
        check_choice("baseline", params["baseline"], ic.BASELINES)
        check_int("IG steps", params["steps"], low=1, high=1000)
        check_int("image", params["image"], low=0, high=len(ic._digits().X_test) - 1)

    def run(self, params, stop, report):
        p = dict(params)
        report(0, ic.EPOCHS, "Training the digits CNN…")

        def on_epoch(epoch, logs):
            if stop.is_set():
                raise StopTraining
            report(epoch + 1, ic.EPOCHS)

        trained = ic.train_digits_cnn(p["seed"], stop=stop, callbacks=[on_epoch], cache=not self.fresh)
        if trained.epochs_run < ic.EPOCHS:
            when = " (before the first one ended)" if trained.epochs_run == 0 else ""
            self.show_message(f"Stopped after {trained.epochs_run} of {ic.EPOCHS} epochs{when}: the maps of a "
                              "half-trained model say little. The figure still shows the last complete run; "
                              "press Train to train it.", kind="info")
            return self.result
        curve = ic.run_randomization(p["seed"], n_images=N_CURVE, random_labels=False)
        s = ic.explain_image(trained, p["image"], baseline=p["baseline"], steps=p["steps"], patch=p["patch"],
                             stage=p["randomized"])
        SaliencyDisplay(s).plot(self.axes[:5])
        RandomizationDisplay(curve).plot(self.axes[5], stage=p["randomized"])
        stage = p["randomized"]
        rho = {m: float(curve.median(m)[stage]) for m in ic.METHODS}
        where = ("the trained model" if not stage else
                 f"the model with its top {stage} layer{'s' * (stage > 1)} ({', '.join(ic.LAYERS[:stage])}) "
                 "re-drawn at random")
        steps = f"{s.steps} step{'s' * (s.steps > 1)}"
        if abs(s.ig_gap) >= 0.5:
            residual = f"(completeness residual <b>{s.completeness_error:.2%}</b>)"
        else:          # a relative residual of a near-zero gap means nothing
            residual = (f"(off by {abs(s.ig_sum - s.ig_gap):.3f}; the gap is close to 0 here, so a relative "
                        "residual would mean little)")
        text = (f"Seed {p['seed']}: test image {s.index} (a {s.label}) is predicted <b>{s.prediction}</b> with "
                f"{s.confidence:.0%} confidence by the trained model (test accuracy {trained.test_accuracy:.1%}). "
                f"Maps of {html.escape(where)}; occlusion with {s.patch}x{s.patch} patches. Integrated gradients "
                f"({steps}, {s.baseline} baseline) sum to {s.ig_sum:.3f}; f(x) − f(baseline) = {s.ig_gap:.3f} "
                f"{residual}.")
        if stage:
            text += (f" Median rank correlation with the trained model's maps over {N_CURVE} images: gradient "
                     f"<b>{rho['gradient']:.2f}</b>, gradient × input <b>{rho['gradient_x_input']:.2f}</b>, "
                     f"IG <b>{rho['integrated_gradients']:.2f}</b>, occlusion <b>{rho['occlusion']:.2f}</b>: "
                     "a map that barely changes when the weights are random shows the input, not the model.")
        report(ic.EPOCHS, ic.EPOCHS, text)
        return s
