"""Notebook 00's mini TensorFlow Playground: a tiny network learns a 2-D toy set, live.

Three layers, as in every lesson:

* compute: :func:`run_playground` -> :class:`PlaygroundResult` (pure, seeded);
* view: :class:`PlaygroundDisplay` (decision regions + loss curves);
* controller: :class:`PlaygroundExplorer` (sliders, Train/Stop, live redraw).
"""
from __future__ import annotations

import dataclasses

import ipywidgets as W
import numpy as np

from dltutor import data as _data
from dltutor._checks import check_choice, check_int
from dltutor.models import ModelPool, build_mlp
from dltutor.plots import BoundaryDisplay, TrainingCurvesDisplay, new_figure
from dltutor.training import StopTraining, train
from dltutor.widgets import Explorer

__all__ = ["TOY_SETS", "run_playground", "PlaygroundResult", "PlaygroundDisplay", "PlaygroundExplorer"]

TOY_SETS = ("moons", "circles", "spirals")
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@dataclasses.dataclass(frozen=True)
class PlaygroundResult:
    """One playground run. ``history`` has Keras' keys; accuracies are fractions."""

    dataset: str
    hidden_layers: int
    hidden_units: int
    activation: str
    learning_rate: float
    history: dict
    train_accuracy: float
    test_accuracy: float
    stop_reason: str | None
    message: str
    model: object = dataclasses.field(repr=False, compare=False)
    data: object = dataclasses.field(repr=False, compare=False)

    @property
    def diverged(self):
        return self.stop_reason == "nan"


def run_playground(dataset="circles", *, hidden_layers=1, hidden_units=8, activation="tanh",
                   learning_rate=0.03, optimizer="adam", epochs=200, noise=0.1, n_samples=300,
                   seed=0, callbacks=(), stop=None):
    """Train a small MLP on a 2-D toy set (full batch, Adam) and return the curves.

    Parameters
    ----------
    dataset : {"moons", "circles", "spirals"}
    hidden_layers : int, 0..4
        0 gives a linear model: it can only draw a straight boundary.
    hidden_units : int, 1..64
    activation : {"tanh", "relu", "sigmoid", "linear"}
    learning_rate : float
    optimizer : {"adam", "sgd"}
        Plain SGD (as in TensorFlow Playground) diverges at large learning rates; Adam rarely does.
    epochs : int
    noise : float
        Noise of the toy set, in the same units as its coordinates.
    n_samples : int
        Half train, half test.
    seed : int
        Seeds the data, the initial weights and the shuffling.

    Returns
    -------
    PlaygroundResult
    """
    check_choice("dataset", dataset, TOY_SETS)
    hidden_layers = check_int("hidden_layers", hidden_layers, low=0, high=4)
    hidden_units = check_int("hidden_units", hidden_units, low=1, high=64)
    data = _data.load_dataset(dataset, n_samples=n_samples, noise=noise, seed=seed)
    model = build_mlp(2, 2, depth=hidden_layers, width=hidden_units, activation=activation,
                      seed=seed)
    result = train(model, data.X_train, data.y_train, epochs=epochs, learning_rate=learning_rate,
                   optimizer=optimizer, validation_data=(data.X_test, data.y_test),
                   callbacks=callbacks, seed=seed, stop=stop)
    hist = {k: list(v) for k, v in result.history.history.items()}
    acc = hist.get("accuracy", [float("nan")])[-1] if hist else float("nan")
    val_acc = hist.get("val_accuracy", [float("nan")])[-1] if hist else float("nan")
    return PlaygroundResult(dataset, hidden_layers, hidden_units, activation, float(learning_rate),
                            hist, acc, val_acc, result.stop_reason, result.message, model, data)


class PlaygroundDisplay:
    """Decision regions (left) and loss curves (right) of a playground run."""

    def __init__(self, model, data, history):
        self.model, self.data, self.history = model, data, history

    @classmethod
    def from_result(cls, result):
        return cls(result.model, result.data, result.history)

    def plot(self, axes=None):
        if axes is None:
            self.figure_, axes = new_figure(2, width=3.6, height=3.2)
        self.axes_ = axes
        self.figure_ = axes[0].figure
        X = np.r_[self.data.X_train, self.data.X_test]
        self._grid = BoundaryDisplay.grid(X, resolution=50)
        self.boundary_ = BoundaryDisplay.from_model(self.model, self.data.X_test, self.data.y_test,
                                                    grid=self._grid).plot(axes[0], title="decision regions on test points")
        self.curves_ = TrainingCurvesDisplay(self.history, labels=("train", "test")).plot(
            axes[1], log_y=True, title="loss (log scale): train (solid), test (dashed)")
        return self

    def refresh(self, model, history):
        """Redraw in place for a new epoch: new probability map, new curve data."""
        self.model, self.history = model, history
        ax = self.axes_[0]
        for coll in getattr(self.boundary_.image_, "collections", [self.boundary_.image_]):
            coll.remove()
        fresh = BoundaryDisplay.from_model(model, self.data.X_test, self.data.y_test, grid=self._grid)
        self.boundary_.proba = fresh.proba
        self.boundary_.image_ = BoundaryDisplay.draw_regions(ax, fresh.xx, fresh.yy, fresh.proba)
        self.curves_.update(history)
        return self


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
        self._pool = ModelPool(tunable=False)

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
        if result.stop_reason in ("nan", "stopped"):
            self.show_message(result.message)
        return PlaygroundResult(params["dataset"], params["hidden_layers"], params["hidden_units"],
                                params["activation"], params["learning_rate"], hist, acc, val,
                                result.stop_reason, result.message, model, data)


def _summary(epochs_done, hist):
    if not hist or not hist.get("loss"):
        return "Training…"
    return (f"Epoch {epochs_done}: train loss {hist['loss'][-1]:.3f}, test loss "
            f"{hist['val_loss'][-1]:.3f}, test accuracy {hist['val_accuracy'][-1]:.0%}.")
