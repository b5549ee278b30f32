import threading

import ipywidgets as W
import numpy as np
import pytest

from dltutor.plots import new_figure
from dltutor.widgets import Explorer, LiveFigure


def test_live_figure_redraws_at_a_bounded_rate():
    fig, ax = new_figure()
    live = LiveFigure(fig, max_fps=2)
    assert live.draw() is True
    assert live.draw() is False            # too soon
    assert live.draw(force=True) is True
    assert live.n_draws == 2 and live.png[:4] == b"\x89PNG"


class Squares(Explorer):
    """A minimal explorer: n -> n**2, fails for n == 3 (a deliberately broken setting)."""

    trains = False

    def __init__(self):
        fig, self.ax = new_figure()
        super().__init__({"n": W.IntSlider(value=2, min=0, max=5, description="n")}, figure=fig)

    def run(self, params, stop, report):
        if params["n"] == 3:
            raise RuntimeError("three is broken")
        self.ax.clear()
        self.ax.plot([0, params["n"]], [0, params["n"] ** 2])
        report(1, 1, f"{params['n']} squared is {params['n'] ** 2}")
        return params["n"] ** 2


def test_explorer_driven_through_its_controls():
    ex = Squares()
    ex.controls["n"].value = 4             # as a student would: fires the observer
    assert ex.wait() == 16 and ex.result == 16
    assert "16" in ex.summary.value and ex.error is None
    assert ex.update(n=5) == 25
    assert ex.live.n_draws >= 2


def test_an_error_in_a_callback_is_shown_in_the_widget_and_the_widget_recovers():
    ex = Squares()
    ex.update(n=3)
    assert ex.result is None and "three is broken" in ex.error
    assert "three is broken" in ex.status.value and "role='alert'" in ex.status.value
    assert ex.update(n=1) == 1 and ex.status.value == ""
    with pytest.raises(ValueError, match="Unknown control"):
        ex.update(m=1)


def test_mimebundle_has_widget_text_and_static_png():
    ex = Squares()
    ex.update(n=2)
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "image/png" in bundle and "2 squared is 4" in bundle["text/plain"]


class Settings(Explorer):
    """Every kind of control, and one impossible combination (big and small both on)."""

    trains = False

    def __init__(self):
        fig, self.ax = new_figure()
        super().__init__({
            "width": W.IntSlider(value=8, min=2, max=64, description="width"),
            "epochs": W.IntSlider(value=20, min=5, max=100, step=5, description="epochs"),
            "rate": W.FloatLogSlider(value=0.01, base=10, min=-3, max=0, description="rate"),
            "noise": W.FloatSlider(value=0.1, min=0.0, max=0.5, description="noise"),
            "kind": W.Dropdown(options=("a", "b"), value="a", description="kind"),
            "big": W.Checkbox(value=False, description="big"),
            "small": W.Checkbox(value=False, description="small"),
        }, figure=fig)

    def check(self, params):
        if params["big"] and params["small"]:
            raise ValueError("big and small cannot both be on: untick one.")

    def run(self, params, stop, report):
        return dict(params)


@pytest.mark.parametrize("bad, message", [
    (dict(width=8, epochs="abc"), "epochs must be a whole number, got 'abc'"),
    (dict(width=16, epochs=25.7), "epochs must be a whole number, got 25.7"),
    (dict(epochs="40"), "epochs must be a whole number, got '40'"),
    (dict(epochs=np.int64(7)), "epochs moves in steps of 5 from 5: 7 is not one of them"),
    (dict(width=np.int64(400)), "width must be between 2 and 64, got 400"),
    (dict(rate=np.float32(3.0)), "rate must be between 0.001 and 1, got 3"),
    (dict(noise=float("nan")), "noise must be between 0 and 0.5, got nan"),
    (dict(big=1), "big must be True or False, got 1"),
    (dict(kind="c"), "Unknown kind 'c'"),
    (dict(width=10, big=True, small=True), "big and small cannot both be on"),
])
def test_update_is_all_or_nothing_and_explains_refusals(bad, message):
    ex = Settings()
    first = ex.update()
    assert ex.update(**bad) is None
    assert message in ex.error and "role='alert'" in ex.status.value
    assert ex.params == first and ex.result == first            # no control half-applied


def test_numpy_numbers_are_taken_as_the_numbers_they_are():
    ex = Settings()
    result = ex.update(width=np.int64(40), noise=np.float32(0.25), rate=np.float64(0.1), big=np.bool_(True))
    assert result["width"] == 40 and type(result["width"]) is int
    assert result["noise"] == pytest.approx(0.25) and result["big"] is True and ex.error is None


def test_an_impossible_combination_set_on_the_page_is_explained_not_run():
    ex = Settings()
    ex.update(big=True)
    runs = ex.runs
    ex.controls["small"].value = True          # as a click would
    ex.wait()
    assert ex.runs == runs and "cannot both be on" in ex.status.value


def test_every_explorers_settings_are_one_line_that_round_trips():
    import json

    from dltutor.widgets import explorer_classes

    for cls in explorer_classes():
        ex = cls()
        line = ex.settings()
        assert "\n" not in line
        values = json.loads(line)
        assert values.pop("explorer") == cls.__name__ and values == ex.params, cls.__name__


def test_pasted_settings_reproduce_the_figure_and_bad_lines_are_explained():
    from dltutor.butterfly import NudgeExplorer, SeedsExplorer

    teacher = SeedsExplorer(n_seeds=5)
    teacher.update(seed=7, learning_rate=0.003)
    line = teacher.share_box.value
    assert line == teacher.settings() and '"seed": 7' in line
    student = SeedsExplorer()
    student.share_box.value = line            # pasted into the widget's box, Enter
    student.wait()
    assert student.params == teacher.params
    np.testing.assert_array_equal(student.result.accuracy, teacher.result.accuracy)
    assert student.apply("seed=7") is None and "not a line copied from an explorer" in student.status.value
    assert student.apply(NudgeExplorer().settings()) is None and "for NudgeExplorer" in student.status.value
    bad = line.replace('"seed": 7', '"seed": -1')
    assert student.apply(bad) is None and "seed" in student.error
    assert student.params["seed"] == 7         # all or nothing


def _training_explorers():
    from dltutor.widgets import explorer_classes

    return [cls for cls in explorer_classes() if cls.trains]


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in _training_explorers()])
def test_stop_pressed_before_the_first_epoch_ends_is_said_not_an_error(cls):
    """A student who runs the explorer, presses Train, then Stop at once: the new run ends before
    its first epoch. The widget says it stopped; nothing fails on the empty history (a browser run
    once showed 'attempt to get argmax of an empty sequence'), and Train trains again even where
    the first run's result is remembered (a cached result once came back at once, with no Stop)."""
    ex = cls()
    assert ex.update(**cls.cheap) is not None, ex.error      # the first run: its result is cached
    stop = threading.Event()
    stop.set()
    ex.fresh = True                      # as the Train button sets it
    ex._guarded(ex.params, stop)
    assert ex.error is None, ex.error
    assert "Stopped" in ex.status.value and "role='status'" in ex.status.value, ex.status.value
    assert "partly trained" not in ex.status.value          # nothing was trained


class Counting(Explorer):
    """Counts to n, one epoch at a time; stopped, it keeps the last complete count (as the lesson
    explorers that keep their previous figure do)."""

    def __init__(self):
        fig, self.ax = new_figure()
        super().__init__({"n": W.IntSlider(value=3, min=1, max=9, description="n")}, figure=fig)

    def run(self, params, stop, report):
        report(0, params["n"], "Counting…")
        for i in range(params["n"]):
            if stop.is_set():
                self.show_message("Stopped: the figure still shows the previous count.", kind="info")
                return self.result
            report(i + 1, params["n"])
        report(params["n"], params["n"], f"counted to {params['n']}")
        return params["n"]


def test_a_stop_that_keeps_the_last_figure_keeps_its_text_and_settings_line():
    ex = Counting()
    assert ex.update(n=4) == 4
    summary, line = ex.summary.value, ex.share_box.value
    assert '"n": 4' in line and ex.progress.value == ex.progress.max
    stop = threading.Event()
    stop.set()
    ex._guarded(dict(ex.params, n=7), stop)           # Train with n = 7, stopped at once
    assert ex.result == 4 and "Stopped" in ex.status.value
    assert ex.summary.value == summary and ex.share_box.value == line    # not "Counting…", not n = 7
    ex.progress.value = 0
    assert ex.update(n=4) == 4 and ex.progress.value == ex.progress.max   # a remembered result too
