"""Lesson 00 · explorer: the mini TensorFlow Playground widget."""
from __future__ import annotations

import ipywidgets as W

from dltutor import data as _data
from dltutor.models import ModelPool
from dltutor.playground.compute import LEARNING_RATES, TOY_SETS, PlaygroundResult
from dltutor.playground.display import PlaygroundDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining, train
from dltutor.widgets import Explorer

class PlaygroundExplorer(Explorer):
    """Sliders for the data and the network; Train/Stop; the boundary and loss redraw live.

    Examples
    --------
    >>> pg = PlaygroundExplorer()
    >>> pg.update(dataset="moons", hidden_units=4).test_accuracy > 0.8   # doctest: +SKIP
    True
    """

    title = "Playground: watch a small network learn to separate two classes"

    def __init__(self, *, dataset="circles", hidden_layers=1, hidden_units=8, activation="tanh",
                 learning_rate=0.03, optimizer="adam", epochs=200, noise=0.1, seed=0):
        style = {"description_width": "105px"}
        box = W.Layout(width="300px")
        slider = dict(continuous_update=False, style=style, layout=box)
        controls = {
            "dataset": W.Dropdown(options=TOY_SETS, value=dataset, description="data set", style=style,
                                  layout=box),
            "noise": W.FloatSlider(value=noise, min=0.0, max=0.5, step=0.05, description="noise", **slider),
            "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=style,
                                     layout=box),
            "hidden_layers": W.IntSlider(value=hidden_layers, min=0, max=4, description="hidden layers", **slider),
            "hidden_units": W.IntSlider(value=hidden_units, min=1, max=32, description="units per layer", **slider),
            "activation": W.Dropdown(options=("tanh", "relu", "sigmoid", "linear"), value=activation,
                                     description="activation", style=style, layout=box),
            "learning_rate": W.SelectionSlider(options=LEARNING_RATES, value=learning_rate,
                                               description="learning rate", **slider),
            "optimizer": W.Dropdown(options=("adam", "sgd"), value=optimizer, description="optimizer",
                                    style=style, layout=box),
            "epochs": W.IntSlider(value=epochs, min=10, max=1000, step=10, description="epochs", **slider),
        }
        fig, axes = new_figure(2, width=3.6, height=3.2)
        super().__init__(controls, figure=fig)
        self.axes = axes
        self.display = None
        self._pool = ModelPool(tunable=False, pad_width=32, max_models=24)   # every depth x activation

    def run(self, params, stop, report):
        for ax in self.axes:
            ax.clear()
        data = _data.load_dataset(params["dataset"], n_samples=300, noise=params["noise"], seed=params["seed"])
        epochs = params["epochs"]
        holder = {}

        def on_epoch(epoch, logs):
            hist = holder.setdefault("history", {})
            for k, v in logs.items():
                hist.setdefault(k, []).append(v)
            disp = holder.get("display")
            if disp is not None and (epoch % 5 == 0 or epoch == epochs - 1):
                disp.refresh(holder["model"], hist)
                report(epoch + 1, epochs, _summary(epoch + 1, hist))
            if stop.is_set():
                raise StopTraining

        # build the model and the first frame before training, so the student sees the start
        model = self._pool.get(2, 2, depth=params["hidden_layers"], width=params["hidden_units"],
                               activation=params["activation"], seed=params["seed"])
        holder["model"] = model
        holder["display"] = PlaygroundDisplay(model, data, {"loss": [], "val_loss": []}).plot(self.axes)
        report(0, epochs, "Training…")
        result = train(model, data.X_train, data.y_train, epochs=epochs,
                       learning_rate=params["learning_rate"], optimizer=params["optimizer"],
                       validation_data=(data.X_test, data.y_test),
                       callbacks=[on_epoch], seed=params["seed"], stop=stop)
        hist = {k: list(v) for k, v in result.history.history.items()}
        self.display = holder["display"].refresh(model, hist)
        acc = hist["accuracy"][-1] if hist else float("nan")
        val = hist["val_accuracy"][-1] if hist else float("nan")
        report(result.epochs_run, epochs, _summary(result.epochs_run, hist))
        if result.diverged:    # the advice names this widget's own controls
            self.show_message(f"Training diverged at epoch {result.epochs_run}: {result.divergence}. "
                              "Lower the learning rate, or switch the optimizer to adam.")
        elif result.stop_reason == "stopped":
            self.show_message(result.message)
        return PlaygroundResult(params["dataset"], params["hidden_layers"], params["hidden_units"],
                                params["activation"], params["learning_rate"], hist, acc, val,
                                result.stop_reason, result.message, model, data)


def _summary(epochs_done, hist):
    if not hist or not hist.get("loss"):
        return "Training…"
    return (f"Epoch {epochs_done}: train loss {hist['loss'][-1]:.3f}, test loss "
            f"{hist['val_loss'][-1]:.3f}, test accuracy {hist['val_accuracy'][-1]:.0%}.")
