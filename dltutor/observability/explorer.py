"""Lesson 09 · explorers: a monitored production stream scrubbed day by day; calibration of a
network as it trains longer, with and without temperature scaling."""
from __future__ import annotations

import dataclasses
import html

import ipywidgets as W
import numpy as np

from dltutor._checks import check_int
from dltutor.observability import compute as oc
from dltutor.observability.display import CalibrationDisplay, StreamDisplay
from dltutor.plots import new_figure
from dltutor.training import StopTraining
from dltutor.widgets import Explorer, error_html

__all__ = ["StreamExplorer", "CalibrationExplorer"]

_STYLE = {"description_width": "110px"}
_BOX = W.Layout(width="310px")
STREAM_SLICES = ("all", *oc.SLICES)


def _seed_box(seed):
    return W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", style=_STYLE, layout=_BOX)


def _stopper(stop, report, total):
    def on_epoch(epoch, logs):
        if stop.is_set():
            raise StopTraining
        report(epoch + 1, total)
    return on_epoch


@dataclasses.dataclass
class StreamView:
    """What the stream explorer shows (numbers for tests; ``alert_day`` -1 when none has fired)."""

    seed: int
    drift: str
    start: int
    day: int
    alpha: float
    alert_day: int
    confidence_alert_day: int
    accuracy_today: float
    baseline: float
    mean_confidence_today: float
    slice_accuracy_today: float      # NaN when the slice holds no image that day (the widget says so)


class StreamExplorer(Explorer):
    """Thirty days of a deployed digits model: drag the day to see what the dashboards showed
    that morning (labels arrive three days late), and when the drift detector fired."""

    title = "A deployed model, day by day: drift, the alert, and the accuracy it hid"
    light = ("day", "alpha", "slice")
    cheap = {}
    streams = False      # one model per seed (3 s the first time), then every move is a redraw or a new stream

    def __init__(self, *, day=oc.START + 4, drift="thicker", start=oc.START, alpha=oc.ALPHA, slice="all", seed=0):
        sl = dict(continuous_update=False, style=_STYLE, layout=_BOX)
        controls = {
            "day": W.IntSlider(value=day, min=0, max=oc.DAYS - 1, description="day", **sl),
            "drift": W.Dropdown(options=[(oc.DRIFT_LABELS[d], d) for d in oc.DRIFTS], value=drift,
                                description="drift", style=_STYLE, layout=_BOX),
            "start": W.IntSlider(value=start, min=1, max=oc.DAYS - 1, description="drift starts", **sl),
            "alpha": W.FloatLogSlider(value=alpha, base=10, min=-12, max=-1, step=0.5, readout_format=".0e",
                                      description="alert below", **sl),
            "slice": W.Dropdown(options=list(STREAM_SLICES), value=slice, description="slice", style=_STYLE,
                                layout=_BOX),
            "seed": _seed_box(seed),
        }
        fig, self.axes = new_figure(4, width=2.9, height=2.9)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True      # the panels never change size: a day's redraw skips the layout
        self.log_folder = W.Text(value="", description="log folder", placeholder="empty: a new temporary folder",
                                 style=_STYLE, layout=W.Layout(width="420px"))
        self.log_button = W.Button(description="Write logs", icon="save", tooltip="CSV and TensorBoard files")
        self.log_status = W.HTML(value="")
        self.log_button.on_click(lambda _: self.write_logs())
        self.widget.children = (*self.widget.children, W.HBox([self.log_folder, self.log_button]), self.log_status)
        self.monitoring = None
        self.logs = None
        self._slices = {}
        self._display, self._shape = None, None

    def check(self, params):
        oc._check_alpha(params["alpha"])
        check_int("day", params["day"], low=0, high=oc.DAYS - 1)

    def run(self, params, stop, report):
        report(0, oc.EPOCHS, "Training the model (and four more for the ensemble)…")
        e = oc.train_ensemble(params["seed"], stop=stop, callbacks=[_stopper(stop, report, oc.EPOCHS)],
                              cache=not self.fresh)
        if e.epochs_run < oc.EPOCHS:
            when = " (before the first one ended)" if e.epochs_run == 0 else ""
            self.show_message(f"Stopped after {e.epochs_run} of {oc.EPOCHS} epochs{when}: a half-trained model is "
                              "not worth watching. The figure still shows the last complete run; press Train to "
                              "train it.", kind="info")
            return self.result
        stream = oc.simulate_stream(params["seed"], params["drift"], start=params["start"])
        self.monitoring = oc.monitor(e, stream)
        self.test_accuracy = e.test_accuracy
        view = self._draw(params)
        report(oc.EPOCHS, oc.EPOCHS, self._text(view))
        return view

    def redraw(self, params):
        if self.monitoring is None:
            return
        view = self._draw(params)
        self.result = view
        self.summary.value = self._text(view)
        self.live.draw(force=True)
        self.share_box.value = self.settings()

    def _slice_curve(self, m, name):
        if name == "all":
            return None, None
        key = (id(m), name)
        if key not in self._slices:
            self._slices = {key: self._slice_accuracy(m, name)}      # one remembered: the stream's own
        return self._slices[key]

    @staticmethod
    def _slice_accuracy(m, name):
        acc = np.full(m.days, np.nan)
        empty = []
        for d in range(m.days):
            mask = oc.slice_masks(m.stream.X[d], m.stream.y[d])[name]
            if mask.any():
                acc[d] = float(m.correct[d][mask].mean())
            else:
                empty.append(d)
        return acc, empty

    def _draw(self, params):
        m = self.monitoring
        day, alpha = m.check_day(params["day"]), oc._check_alpha(params["alpha"])
        curve, empty = self._slice_curve(m, params["slice"])
        shape = (id(m), alpha, params["slice"])
        if self._display is not None and self._shape == shape:
            self._display.show_day(day)            # the day slider: the same artists, other data
        else:
            for ax in self.axes:
                ax.clear()
            self._display = StreamDisplay(m, day=day, alpha=alpha, slice_name=params["slice"],
                                          slice_accuracy=curve).plot(self.axes)
            self._shape = shape
        self.status.value = ""
        if empty and day in empty:
            self.show_message(f"The slice '{params['slice']}' holds no image on day {day} (none on days "
                              f"{_days(empty)}), so it has no accuracy there: pick another day or a wider slice.",
                              kind="info")
        a = m.alert_day(alpha)
        c = m.alert_day(alpha, detector="confidence")
        today = curve[day] if curve is not None else m.accuracy[day]
        return StreamView(m.seed, m.stream.drift, m.stream.start, day, alpha, -1 if a is None else a,
                          -1 if c is None else c, float(m.accuracy[day]), m.baseline, float(m.confidence[day]),
                          float(today))

    def _text(self, v):
        m = self.monitoring
        known = v.day - oc.LABEL_DELAY
        lab = (f"labels are in up to day {known}: accuracy then <b>{m.accuracy[known]:.1%}</b> (before the drift "
               f"{v.baseline:.1%})" if known >= 0 else "no labels have arrived yet")
        if v.alert_day < 0:
            alarm = f"the detector has not fired (alert below p = {v.alpha:.0e})"
        elif v.alert_day > v.day:
            alarm = f"no alert yet (it fires on day {v.alert_day})"
        else:
            fall = m.fall_by(v.alert_day)
            alarm = (f"the pixel detector fired on <b>day {v.alert_day}</b>, when accuracy had moved "
                     f"{-fall:+.1%} from before the drift")
            if v.alert_day < m.stream.start:
                alarm += " — a <b>false alarm</b>: the drift had not started"
        conf = (f"; on confidence alone, day {v.confidence_alert_day}" if 0 <= v.confidence_alert_day <= v.day
                else "")
        return (f"Seed {v.seed} (test accuracy {self.test_accuracy:.1%}), {html.escape(oc.DRIFT_LABELS[v.drift])} "
                f"from day {v.start}. Day {v.day}: mean confidence {v.mean_confidence_today:.3f}; {lab}; {alarm}"
                f"{conf}.")

    def write_logs(self, folder=None):
        """Write the stream's metrics (CSV and TensorBoard) to ``folder`` (default: the box's folder,
        or a new temporary one); a folder that cannot be written is said here, the rows kept in memory."""
        if self.monitoring is None:
            self.log_status.value = error_html(ValueError("Nothing to log yet: wait for the first run."))
            return None
        folder = self.log_folder.value if folder is None else folder
        try:
            self.logs = oc.write_logs(self.monitoring, folder or None, alpha=float(self.controls["alpha"].value))
        except Exception as exc:  # noqa: BLE001 - shown in the widget
            self.log_status.value = error_html(exc)
            return None
        kind = "info" if self.logs.folder is not None else "warning"
        colour = {"warning": "#d55e00", "info": "#0173b2"}[kind]
        self.log_status.value = (f"<div role='status' style='border-left:4px solid {colour};padding:6px 10px'>"
                                 f"{html.escape(self.logs.message)}</div>")
        return self.logs


def _days(days):
    return ", ".join(map(str, days[:6])) + (" ..." if len(days) > 6 else "")


@dataclasses.dataclass
class CalibrationView:
    seed: int
    epoch: int
    bins: int
    scaling: str
    temperature: float
    accuracy: float
    ece_before: float
    ece_after: float


class CalibrationExplorer(Explorer):
    """A 40-128-10 network on 1,000 MNIST-1D examples: how its calibration changes as it trains
    longer, and what one temperature fitted on the validation logits does."""

    title = "Is 90% confidence 90%? Calibration as training goes on"
    light = ("epoch", "bins", "scaling")
    cheap = {}
    streams = False

    def __init__(self, *, epoch=100, bins=15, scaling="logits", seed=0):
        sl = dict(continuous_update=False, style=_STYLE, layout=_BOX)
        controls = {
            "epoch": W.IntSlider(value=epoch, min=1, max=oc.CAL_EPOCHS, description="after epoch", **sl),
            "bins": W.IntSlider(value=bins, min=2, max=40, description="ECE bins", **sl),
            "scaling": W.Dropdown(options=[("none", "none"), ("temperature on logits", "logits"),
                                           ("temperature on probabilities (wrong)", "probabilities")],
                                  value=scaling, description="scaling", style=_STYLE, layout=_BOX),
            "seed": _seed_box(seed),
        }
        fig, self.axes = new_figure(3, width=3.0, height=3.0)
        super().__init__(controls, figure=fig)
        self.live.fixed_layout = True
        self.model = None
        self._curve = None

    def run(self, params, stop, report):
        report(0, oc.CAL_EPOCHS, "Training the network for 200 epochs…")
        model = oc.train_calibration(params["seed"], stop=stop, callbacks=[_stopper(stop, report, oc.CAL_EPOCHS)],
                                     cache=not self.fresh)
        if model.epochs_run < oc.CAL_EPOCHS:
            when = " (before the first one ended)" if model.epochs_run == 0 else ""
            self.show_message(f"Stopped after {model.epochs_run} of {oc.CAL_EPOCHS} epochs{when}; the figure still "
                              "shows the last complete run: press Train to train it.", kind="info")
            return self.result
        self.model = model
        self._curve = oc.ece_curve(model)
        view = self._draw(params)
        report(oc.CAL_EPOCHS, oc.CAL_EPOCHS, self._text(view))
        return view

    def redraw(self, params):
        if self.model is None:
            return
        self.result = self._draw(params)
        self.summary.value = self._text(self.result)
        self.live.draw(force=True)
        self.share_box.value = self.settings()

    def _draw(self, params):
        c = oc.calibration_at(self.model, params["epoch"], bins=params["bins"], scaling=params["scaling"])
        for ax in self.axes:
            ax.clear()
        CalibrationDisplay(c).plot(self.axes[:2])
        ax = self.axes[2]
        ep, before, after = self._curve
        ax.plot(ep, before, "o-", ms=3, label="ECE as trained")
        ax.plot(ep, after, "s-", ms=3, label="ECE, T on logits")
        ax.axvline(c.epoch, color="k", lw=1)
        ax.set(xlabel="epoch", ylabel="ECE (15 bins)", title="ECE by epoch")
        ax.legend(fontsize=7)
        return CalibrationView(self.model.seed, c.epoch, c.bins, c.scaling, c.temperature, c.accuracy,
                               c.ece_before, c.ece_after)

    def _text(self, v):
        fix = {"none": "no scaling",
               "logits": f"temperature T = {v.temperature:.2f} fitted on the validation logits",
               "probabilities": f"T = {v.temperature:.2f} fitted on probabilities instead of logits (a mistake)"}
        return (f"Seed {v.seed}, after {v.epoch} epochs: test accuracy {v.accuracy:.1%}; ECE over {v.bins} bins "
                f"<b>{v.ece_before:.1%}</b> as trained, <b>{v.ece_after:.1%}</b> with {fix[v.scaling]}. Scaling "
                "by a temperature never changes a prediction, only how sure it is.")
