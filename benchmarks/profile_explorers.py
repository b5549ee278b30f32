"""Where a retraining control's seconds go, explorer by explorer (a profile, not a target).

    .venv/bin/python benchmarks/profile_explorers.py [ExplorerName ...]

Each explorer is built and run once (the first run includes its traces), then moved by six
random single-control moves (seeded: the same moves on every run). Every move runs in the main
thread under cProfile and is split into TensorFlow executing compiled functions (time inside
``TFE_Py_Execute``/``TFE_Py_FastPathExecute``), rendering the figure to PNG (``figure_to_png``,
the live redraws and the final one) and the rest (Python, matplotlib artists, NumPy). Prints a
Markdown table. Run it on an otherwise idle machine; compare the columns, not absolute seconds.
"""
from __future__ import annotations

import cProfile
import pstats
import sys
import threading
import time
import warnings

import ipywidgets as W
import numpy as np

SLOW = ("GradientsExplorer", "OverfittingExplorer", "SeedsExplorer", "NudgeExplorer", "FractalExplorer",
        "EvasionExplorer")


def _new_value(control, rng):
    """Another value this control can take, or None for controls the profile does not move."""
    if isinstance(control, W.Checkbox):
        return not control.value
    if isinstance(control, (W.Dropdown, W.SelectionSlider, W.ToggleButtons, W.RadioButtons)):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        options = [o for o in options if o != control.value]
        return options[rng.integers(len(options))]
    if isinstance(control, (W.IntSlider, W.BoundedIntText)):
        step = control.step if isinstance(control, W.IntSlider) else 1
        values = [v for v in range(control.min, min(control.max, control.value + 50) + 1, step) if v != control.value]
        return int(values[rng.integers(len(values))])
    return None


def profile(explorer, *, moves=6, seed=0):
    """``(first run s, [(control, value, total s, TF s, PNG s), ...])`` for ``moves`` retraining moves."""
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    explorer.update()
    first = time.perf_counter() - start
    heavy = [name for name in explorer.controls if name not in explorer.light]
    rows = []
    for _ in range(10 * moves):
        if len(rows) == moves:
            break
        name = heavy[rng.integers(len(heavy))]
        value = _new_value(explorer.controls[name], rng)
        if value is None:
            continue
        prof = cProfile.Profile()
        # the move as a slider would make it, but in this thread, so that cProfile sees the run
        explorer._start = lambda *, wait, prof=prof: prof.runcall(explorer._guarded, explorer.params,
                                                                  threading.Event())
        start = time.perf_counter()
        result = explorer.update(**{name: value})
        total = time.perf_counter() - start
        del explorer._start
        if result is None:        # a refused combination: not a retraining move
            continue
        stats = pstats.Stats(prof).stats
        tf_s = sum(s[2] for fn, s in stats.items() if "TFE_Py" in fn[2])
        png_s = sum(s[3] for fn, s in stats.items() if fn[2] == "figure_to_png")
        rows.append((name, value, total, tf_s, png_s))
    return first, rows


def main(names):
    from dltutor.widgets import explorer_classes  # noqa: PLC0415 - loads TensorFlow

    warnings.filterwarnings("ignore")
    classes = {cls.__name__: cls for cls in explorer_classes()}
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise SystemExit(f"Unknown explorer(s) {unknown}; choose from {sorted(classes)}.")
    print("| explorer | first run | median move | max move | TF executing | PNG rendering | rest | moves |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name in names or SLOW:
        first, rows = profile(classes[name]())
        total, tf_s, png_s = (np.array([r[i] for r in rows]) for i in (2, 3, 4))
        moved = ", ".join(f"{c}={v!r} {t:.2f}" for c, v, t, _, _ in rows)
        print(f"| {name} | {first:.2f} s | {np.median(total):.2f} s | {total.max():.2f} s | "
              f"{np.median(tf_s):.2f} s | {np.median(png_s):.2f} s | {np.median(total - tf_s - png_s):.2f} s | "
              f"{moved} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
