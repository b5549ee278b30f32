"""The live widget kit: a flicker-free live figure and the Explorer base class.

Only core ipywidgets are used (``Image``, ``HTML``, sliders, buttons), so everything works in
JupyterLab, Colab (ipywidgets 7.7), VS Code and Binder without extensions.

An Explorer has three parts, so it can be tested without a browser:

* ``controls``: a dict of labelled widgets; changing one re-runs the explorer;
* ``update(**params)``: sets controls and runs synchronously (what tests and cells call);
* ``run(params, stop, report)``: the subclass's work, returns a result and draws into ``figure``.

Training runs in a background thread when started from the page (a slider or the Train
button), so the Stop button is heard while it trains; ``update`` waits for it. Each explorer
keeps one worker thread for all its runs, rather than a new thread per run; it ends when the
explorer is garbage-collected.
"""
from __future__ import annotations

import html
import json
import numbers
import queue
import threading
import time
import traceback
import weakref

import ipywidgets as W
import numpy as np

from dltutor._checks import check_choice, check_int
from dltutor.plots import figure_to_png

__all__ = ["LiveFigure", "Explorer", "error_html", "control_value", "random_move"]


class _Run:
    """One run queued on an explorer's worker thread; joined like a thread."""

    def __init__(self, target, args):
        self.target, self.args = target, args
        self._done = threading.Event()

    def is_alive(self):
        return not self._done.is_set()

    def join(self, timeout=None):
        self._done.wait(timeout)


def _work(runs):
    """An explorer's worker: run what is queued, in order, until the explorer is gone (None)."""
    while True:
        run = runs.get()
        if run is None:
            return
        try:
            run.target(*run.args)
        except Exception:  # noqa: BLE001 - run errors are shown in the widget; the worker lives on
            traceback.print_exc()
        finally:
            run.target = run.args = None     # hold no reference to the explorer between runs
            run._done.set()
            run = None


class LiveFigure:
    """A matplotlib figure shown through an ``ipywidgets.Image``, redrawn at a bounded rate.

    ``draw()`` renders to PNG and swaps the image bytes, so the page never blanks (no flicker)
    and redraws are limited to ``max_fps`` a second; ``draw(force=True)`` always renders.
    Streaming draws reuse the last layout (solving a constrained layout costs about as much as
    rendering); forced draws, such as the final frame, lay the figure out afresh.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    max_fps : float, default 3
    fixed_layout : bool, default False
        Lay the figure out on the first forced draw only, then keep that layout (for figures
        whose panels never change size, where a redraw must be quick).
    """

    def __init__(self, fig, *, max_fps=3.0, fixed_layout=False):
        self.fig = fig
        self.max_fps = max_fps
        self.fixed_layout = fixed_layout
        self._laid_out = False
        self._engine = fig.get_layout_engine()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.n_draws = 0
        self._last = 0.0
        self._lock = threading.Lock()

    def draw(self, *, force=False):
        """Render now if forced or if the last render is older than ``1 / max_fps`` seconds.

        Returns True if it rendered.
        """
        now = time.perf_counter()
        if not force and now - self._last < 1.0 / self.max_fps:
            return False
        with self._lock:
            relayout = not self.n_draws or (force and not (self.fixed_layout and self._laid_out))
            self.fig.set_layout_engine(self._engine if relayout else "none")
            png = figure_to_png(self.fig)
            self._laid_out = self._laid_out or force
            self.image.value = png
            self.n_draws += 1
            self._last = time.perf_counter()
        return True

    def new_run(self):
        """A new run starts: its first frame is drawn at once, however soon after the last run's
        final frame (the rate limit held it back for up to ``1 / max_fps``: the first redraw
        after a move came 0.4-0.5 s late). Holding it 0.15 s instead, so that runs shorter than
        that draw only their final frame, was measured too: the first redraw then took 0.2-0.44 s
        and the final frame came no sooner than with the extra frame (benchmarks/README)."""
        self._last = 0.0

    @property
    def png(self):
        return bytes(self.image.value)


def error_html(exc):
    """The message a student sees in the widget when something went wrong."""
    if isinstance(exc, (ValueError, TypeError)):
        body = html.escape(str(exc))
        detail = ""
    else:
        body = html.escape(f"{type(exc).__name__}: {exc}")
        tb = html.escape("".join(traceback.format_exception(exc))[-3000:])
        detail = f"<details><summary>details</summary><pre style='font-size:11px'>{tb}</pre></details>"
    return ("<div role='alert' style='border-left:4px solid #d55e00;background:#fff4ec;"
            "padding:6px 10px;color:#222'>"
            f"<b>&#9888; {body}</b><br><span style='font-size:12px'>Your notebook and its variables "
            "are fine; change the setting and try again.</span>" + detail + "</div>")


class Explorer:
    """Base class of every lesson widget.

    Subclasses call ``super().__init__(controls, figure=fig)`` with a dict of labelled widgets,
    and implement ``run(params, stop, report)``. ``report(epoch, total, text)`` moves the
    progress bar and redraws the live figure at a bounded rate; ``stop`` is a
    ``threading.Event`` set by the Stop button.

    Attributes
    ----------
    controls : dict of widgets, by parameter name
    result : whatever ``run`` returned last (None before the first run or after an error)
    error : the text of the last error, or None
    widget : the ``ipywidgets.VBox`` shown in the notebook
    """

    title = ""
    trains = True  # show Train / Stop buttons and a progress bar
    light = ()     # names of controls that only redraw (``redraw(params)``), never retrain
    cheap = {}     # control values that make a run short (tests and benchmarks start from them)
    streams = True  # redraw the figure while training; False: only the progress bar moves

    def __init__(self, controls, *, figure, max_fps=3.0, summary=""):
        self.controls = dict(controls)
        self.live = LiveFigure(figure, max_fps=max_fps)
        self.figure = figure
        self.result = None
        self.error = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread = None        # the current run (a _Run), joined like a thread
        self.fresh = False         # True while a run started by the Train button runs
        self._runs = None          # the worker's queue, made at the first run
        self._holding = False
        self._handle = None
        self.status = W.HTML(value="")
        self.summary = W.HTML(value=summary)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress",
                                      layout=W.Layout(width="260px"))
        self.share_box = W.Text(value="", description="settings", continuous_update=False,
                                placeholder="after a run: every setting in one line; copy it to share the figure, paste one and press Enter",
                                style={"description_width": "60px"}, layout=W.Layout(width="98%"))
        self.share_box.observe(self._on_share, names="value")
        self.train_button = W.Button(description="Train", icon="play", button_style="success",
                                     tooltip="Train again with the current settings")
        self.stop_button = W.Button(description="Stop", icon="stop", button_style="warning",
                                    tooltip="Stop after the current epoch; keeps the curves so far",
                                    disabled=True)
        self.train_button.on_click(lambda _: self._start(wait=False, fresh=True))
        self.stop_button.on_click(lambda _: self.stop())
        for name, ctrl in self.controls.items():
            ctrl.observe(lambda change, name=name: self._on_change(name), names="value")
        buttons = [self.train_button, self.stop_button, self.progress] if self.trains else []
        rows = [W.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        rows += [W.HBox(list(self.controls.values())[i:i + 3]) for i in range(0, len(self.controls), 3)]
        rows += [W.HBox(buttons), self.status, self.live.image, self.summary, self.share_box]
        self.widget = W.VBox(rows)

    # --- what subclasses implement ------------------------------------------------------------
    def run(self, params, stop, report):  # pragma: no cover - abstract
        raise NotImplementedError

    def redraw(self, params):
        """Redraw the last result for a light control (no training). Subclasses override."""
        self.live.draw(force=True)

    def check(self, params):
        """Raise a ValueError for a combination of settings that cannot work (subclasses override).

        Called with every control's value before anything is applied, from code and from the page.
        """

    def _merged(self, values):
        return {**self.params, **values}

    # --- public API -----------------------------------------------------------------------------
    @property
    def params(self):
        """The current control values, by name."""
        return {name: ctrl.value for name, ctrl in self.controls.items()}

    def update(self, **params):
        """Set controls (by name) and run synchronously; returns ``self.result``.

        Unknown control names raise a ValueError. A value a control cannot take (a width of 0,
        a training-set size larger than the data) is explained inside the widget, as an error
        from the page would be, nothing runs, and ``update`` returns None.
        """
        unknown = set(params) - set(self.controls)
        if unknown:
            raise ValueError(f"Unknown control(s) {sorted(unknown)}; this explorer has "
                             f"{sorted(self.controls)}.")
        try:   # all or nothing: every value is checked before any control changes
            values = {name: control_value(name, self.controls[name], value)
                      for name, value in params.items()}
            self.check(self._merged(values))
        except (ValueError, TypeError) as exc:
            self.error = str(exc)
            self.status.value = error_html(exc)
            return None
        before = self.params
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        except Exception as exc:  # noqa: BLE001 - a control refused it after all: undo, explain
            for name, value in before.items():
                self.controls[name].value = value
            self.error = str(exc)
            self.status.value = error_html(exc)
            return None
        finally:
            self._holding = False
        if set(params) and set(params) <= set(self.light) and self.result is not None:
            self.error, self.status.value = None, ""      # a valid move: an older refusal is over
            self.redraw(self.params)
            return self.result
        self._start(wait=True)
        return self.result

    def settings(self):
        """Every control's value (seed included) as one line of JSON: paste it into :meth:`apply`,
        or into the widget's *settings* box, to reproduce the figure (as TensorFlow Playground's URL)."""
        return json.dumps({"explorer": type(self).__name__, **self.params}, ensure_ascii=False)

    def apply(self, line):
        """Set every control from a line that :meth:`settings` gave, then run; returns the result.

        All or nothing: a line for another explorer, or a value a control cannot take, changes
        nothing and is explained inside the widget (``apply`` then returns None).
        """
        try:
            values = json.loads(line)
            if not isinstance(values, dict):
                raise ValueError
        except (ValueError, TypeError):
            exc = ValueError("These settings are not a line copied from an explorer: copy the whole line, "
                             'from {"explorer": ... to the closing }.')
            self.error, self.status.value = str(exc), error_html(exc)
            return None
        name = values.pop("explorer", type(self).__name__)
        unknown = sorted(set(values) - set(self.controls))
        if name != type(self).__name__ or unknown:
            exc = ValueError(f"These settings are for {name}" + (f" (controls {unknown})" if unknown else "")
                             + f"; this is {type(self).__name__}: paste them into that explorer.")
            self.error, self.status.value = str(exc), error_html(exc)
            return None
        return self.update(**values)

    def _on_share(self, change):
        if self._holding or change["new"] == self.settings():
            return
        self.apply(change["new"])

    def stop(self):
        """Ask a running training to stop after its current epoch (the Stop button)."""
        self._stop.set()

    def wait(self, timeout=None):
        """Block until a background run (from a click or slider) has finished."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.result

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def show(self):
        """Display the widget, run once, and leave a static copy of the figure for viewers.

        The output carries both the live widget and a PNG of the final figure: JupyterLab,
        Colab and VS Code show the widget, static viewers (GitHub, nbviewer) show the PNG.
        """
        from IPython.display import display  # noqa: PLC0415

        self._handle = display(self._mimebundle(), raw=True, display_id=True)
        self.update()
        if self._handle is not None:
            self._handle.update(self._mimebundle(), raw=True)
        return self

    def _mimebundle(self):
        bundle = self.widget._repr_mimebundle_() if hasattr(self.widget, "_repr_mimebundle_") else {}
        if not bundle:  # ipywidgets 7 has _ipython_display_ instead
            bundle = {"application/vnd.jupyter.widget-view+json": {
                "version_major": 2, "version_minor": 0, "model_id": self.widget.model_id}}
        bundle = dict(bundle)
        bundle["text/plain"] = self.describe()
        if self.live.n_draws:
            import base64  # noqa: PLC0415

            bundle["image/png"] = base64.b64encode(self.live.png).decode()
        return bundle

    def describe(self):
        """One line of text: what the figure shows now (also the accessible summary)."""
        text = html.unescape(self.summary.value)
        return f"{type(self).__name__}: {_strip_tags(text) or 'not run yet'}"

    def _repr_mimebundle_(self, **kwargs):
        return self._mimebundle()

    # --- machinery --------------------------------------------------------------------------------
    def _on_change(self, name):
        if self._holding:
            return
        if name in self.light:
            self.error, self.status.value = None, ""
            try:
                self.redraw(self.params)
            except Exception as exc:  # noqa: BLE001 - shown in the widget
                self.status.value = error_html(exc)
            return
        try:
            self.check(self.params)
        except (ValueError, TypeError) as exc:   # an impossible combination, set on the page
            self.error = str(exc)
            self.status.value = error_html(exc)
            return
        self._start(wait=False)

    def _start(self, *, wait, fresh=False):
        if self.running:
            self._stop.set()
            self._thread.join()
        self.fresh = fresh         # the Train button: train again even where a result is cached
        self._stop = threading.Event()
        params = self.params
        self._thread = _Run(self._guarded, (params, self._stop))
        self.status.value = ""      # at once, not when the worker picks the run up: whoever watches
        self.progress.value = 0     # the progress bar sees this run's, never the last one's
        self.train_button.disabled = True
        self.stop_button.disabled = False
        if self._runs is None:
            self._runs = queue.SimpleQueue()
            threading.Thread(target=_work, args=(self._runs,), name=f"{type(self).__name__}-runs",
                             daemon=True).start()
            weakref.finalize(self, self._runs.put, None)    # the worker ends with the explorer
        self._runs.put(self._thread)
        if wait:
            self._thread.join()

    def _guarded(self, params, stop):

        def report(epoch, total, text=None):
            self.progress.max = max(int(total), 1)
            self.progress.value = min(int(epoch), self.progress.max)
            if text is not None:
                self.summary.value = text
            if epoch < total and self.streams:   # the last frame is drawn (forced) when run() returns
                self.live.draw()

        previous, shown = self.result, self.summary.value
        self.live.new_run()
        try:
            self.result = self.run(params, stop, report)
            self.error = None
            self.runs += 1
            if stop.is_set() and self.result is previous:
                # stopped, and the figure still shows the last complete run: so do its text and
                # its settings line (they would describe a run that never finished)
                self.summary.value = shown
            else:
                self._holding = True
                try:
                    self.share_box.value = self.settings()
                finally:
                    self._holding = False
            if not stop.is_set():
                self.progress.value = self.progress.max      # also when a remembered result came back
        except Exception as exc:  # noqa: BLE001 - every error is shown in the widget
            self.result = None
            self.error = str(exc)
            self.status.value = error_html(exc)
        finally:
            self.live.draw(force=True)
            self.train_button.disabled = False
            self.stop_button.disabled = True

    def show_message(self, text, *, kind="warning"):
        """A message inside the widget (e.g. 'training diverged'), without an exception."""
        colour = {"warning": "#d55e00", "info": "#0173b2"}[kind]
        self.status.value = (f"<div role='status' style='border-left:4px solid {colour};"
                             f"padding:6px 10px'>{html.escape(text)}</div>")


def explorer_classes():
    """Every lesson's explorer classes, found in ``dltutor/<lesson>/explorer.py`` and
    ``dltutor/<lesson>/*_explorer.py`` (a lesson's further sections; no lesson is named here)."""
    import importlib  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415
    import inspect  # noqa: PLC0415
    import pkgutil  # noqa: PLC0415

    import dltutor  # noqa: PLC0415

    found = []
    for info in pkgutil.iter_modules(dltutor.__path__):
        if not info.ispkg:
            continue
        lesson = importlib.import_module(f"dltutor.{info.name}")
        for part in pkgutil.iter_modules(lesson.__path__):
            if part.name != "explorer" and not part.name.endswith("_explorer"):
                continue
            module = importlib.import_module(f"dltutor.{info.name}.{part.name}")
            found += [cls for _, cls in inspect.getmembers(module, inspect.isclass)
                      if issubclass(cls, Explorer) and cls is not Explorer and cls.__module__ == module.__name__]
    return found


def control_value(name, ctrl, value):
    """``value`` as control ``ctrl`` stores it, or a ValueError/TypeError that says what it accepts.

    NumPy scalars are taken as the numbers they are; nothing is silently rounded, clamped or
    parsed from a string: 25.7 epochs, ``"40"`` or an out-of-range number are refused.
    """
    options = getattr(ctrl, "options", None)
    if options is not None:
        labels = tuple(o[1] if isinstance(o, tuple) else o for o in options)
        check_choice(name, value, labels)
        return next(label for label in labels if label == value)   # the option's own type
    if isinstance(ctrl, W.Checkbox) or isinstance(getattr(ctrl, "value", None), bool):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}.")
        return bool(value)
    integral = isinstance(getattr(ctrl, "value", None), int)
    if integral:
        value = check_int(name, value)
    else:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a number, got {value!r}.")
        value = float(value)
    low, high = getattr(ctrl, "min", None), getattr(ctrl, "max", None)
    if isinstance(ctrl, W.FloatLogSlider):  # min and max are exponents of base
        low, high = ctrl.base ** low, ctrl.base ** high
    if not np.isfinite(value) or (low is not None and value < low * (1 - 1e-9)) \
            or (high is not None and value > high * (1 + 1e-9)):
        raise ValueError(f"{name} must be between {low:g} and {high:g}, got {value:g}.")
    step = getattr(ctrl, "step", None)
    if integral and step and step > 1 and low is not None and (value - low) % step:
        raise ValueError(f"{name} moves in steps of {step} from {low}: {value} is not one of them.")
    return value


def random_move(explorer, rng, *, n_controls=(1, 2), skip=(), extremes=0.3):
    """Random valid values for one or two of ``explorer``'s controls: ``{name: value}``.

    For soak tests and benchmarks that play a restless student: options and checkboxes at
    random, numbers on their slider's grid, the ends of a range with probability ``extremes``,
    and seeds anywhere in their box (so new seeds keep coming). ``rng`` is a
    ``random.Random``; ``skip`` names controls to leave alone.
    """
    names = [n for n in explorer.controls if n not in skip]
    move = {}
    for name in rng.sample(names, min(len(names), rng.randint(*n_controls))):
        ctrl = explorer.controls[name]
        options = getattr(ctrl, "options", None)
        if options is not None:
            labels = [o[1] if isinstance(o, tuple) else o for o in options]
            move[name] = rng.choice(labels)
        elif isinstance(ctrl, W.Checkbox):
            move[name] = rng.random() < 0.5
        elif isinstance(ctrl, W.FloatLogSlider):
            exponent = rng.choice((ctrl.min, ctrl.max)) if rng.random() < extremes \
                else rng.uniform(ctrl.min, ctrl.max)
            move[name] = float(ctrl.base ** exponent)
        elif isinstance(ctrl.value, int):
            step = max(int(getattr(ctrl, "step", 1) or 1), 1)
            values = range(ctrl.min, ctrl.max + 1, step)
            move[name] = rng.choice((values[0], values[-1])) if rng.random() < extremes \
                else rng.choice(values)
        else:
            step = getattr(ctrl, "step", 0.1) or 0.1
            n = int(round((ctrl.max - ctrl.min) / step))
            k = rng.choice((0, n)) if rng.random() < extremes else rng.randint(0, n)
            move[name] = round(min(ctrl.min + k * step, ctrl.max), 10)
    return move


def _strip_tags(text):
    import re  # noqa: PLC0415

    return re.sub(r"<[^>]+>", "", text).strip()
