import matplotlib
import numpy as np

from dltutor.models import build_mlp
from dltutor.plots import BoundaryDisplay, TrainingCurvesDisplay, figure_to_png, new_figure, palette


def test_curves_hold_the_data_and_update_in_place():
    disp = TrainingCurvesDisplay({"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}).plot()
    assert list(disp.lines_["train"].get_ydata()) == [1.0, 0.5]
    assert list(disp.lines_["validation"].get_ydata()) == [1.2, 0.9]
    assert disp.lines_["train"].get_linestyle() != disp.lines_["validation"].get_linestyle()
    line = disp.lines_["train"]
    disp.update({"loss": [1.0, 0.5, 0.2], "val_loss": [1.2, 0.9, 1.0]})
    assert disp.lines_["train"] is line and list(line.get_ydata()) == [1.0, 0.5, 0.2]
    assert "validation loss 1" in disp.summary()


def test_boundary_display_from_a_model():
    X = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    y = (X[:, 0] > 0).astype(int)
    disp = BoundaryDisplay.from_model(build_mlp(2, 2, depth=1, width=4), X, y, resolution=20).plot()
    assert disp.proba.shape == (20, 20) and ((0 <= disp.proba) & (disp.proba <= 1)).all()
    assert len(disp.scatters_) == 2
    assert disp.scatters_[0].get_offsets().shape == (int((y == 0).sum()), 2)


def test_png_and_palette_and_no_global_state():
    before = dict(matplotlib.rcParams)
    fig, axes = new_figure(2)
    TrainingCurvesDisplay({"loss": [1, 2]}).plot(axes[0])
    png = figure_to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert dict(matplotlib.rcParams) == before
    assert len(palette()) == 10 and palette(2) == ["#0173b2", "#de8f05"]
