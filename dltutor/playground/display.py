"""Lesson 00 · display: decision regions and loss curves of a playground run."""
from __future__ import annotations

import numpy as np

from dltutor.plots import BoundaryDisplay, TrainingCurvesDisplay, new_figure

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


