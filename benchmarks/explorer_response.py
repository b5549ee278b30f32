"""Every explorer control, moved as a student moves it: time to the first redraw and to the final figure.

    .venv/bin/python benchmarks/explorer_response.py                 # this tree
    .venv/bin/python benchmarks/explorer_response.py --before REV    # REV and this tree, in one run

Each explorer is built with its defaults and run once (its first run, traces included), then each
retraining control is set to three other values in turn, as the page sets it (a background run),
and the time is taken from the change to the first redraw of the live figure (seen by an observer
on its image, not by polling) and to the final figure. A light control (one that only redraws,
``Explorer.light``: a day slider, a threshold) is timed around the page's own call, which redraws
before it returns.
Controls keep the value of their last move: the moves of one control run at the other
controls' last values (a depth of 37 makes every later Gradients move slower). Values are drawn
from a fixed seed: the same moves on every run and for every revision. With ``--before REV`` the same moves run on a checkout of REV
(``git worktree``, removed afterwards), then on this tree, each in its own process, one after the
other. PlaygroundExplorer is the reference (TensorFlow Playground's answer to a control is what a
student expects): the last column is each control's median to the final figure over the
playground's median in the same process. Run it on an otherwise idle machine; compare ratios.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MOVES = 3


def _moves(explorer, name, rng):
    from profile_explorers import _new_value  # noqa: PLC0415 - the same value rule as the profile

    values = []
    control = explorer.controls[name]
    current = control.value
    for _ in range(10 * MOVES):
        if len(values) == MOVES:
            break
        control_value = _new_value(control, rng)
        if control_value is None:
            break
        if control_value not in values and control_value != current:
            values.append(control_value)
    return values


def _respond(explorer, name, value):
    """(first redraw s, final figure s), or None when the page refuses the value (no run)."""
    before, old = explorer._thread, explorer.controls[name].value
    drawn = []

    def on_image(_):     # runs in the thread that sets the image: no polling, which would take
        if not drawn:    # the GIL from the worker hundreds of times a second (a kernel waits idle)
            drawn.append(time.perf_counter())

    explorer.live.image.observe(on_image, "value")
    try:
        start = time.perf_counter()
        explorer.controls[name].value = value          # fires the observer, as the page does
        if explorer._thread is before:                 # refused (an impossible combination): undo
            explorer._holding = True
            explorer.controls[name].value = old
            explorer._holding = False
            return None
        explorer.wait()
        end = time.perf_counter()
    finally:
        explorer.live.image.unobserve(on_image, "value")
    first = (drawn[0] if drawn else end) - start
    return None if explorer.error else (first, end - start)


def _redraw(explorer, name, value):
    """A light control (no run: the figure is redrawn in the page's own call): (s, s), or None."""
    start = time.perf_counter()
    explorer.controls[name].value = value              # _on_change redraws before this returns
    end = time.perf_counter()
    return None if explorer.error else (end - start, end - start)


def worker(only=()):
    """Measure every explorer (or those whose names start with one in ``only``) of the dltutor on
    sys.path; one JSON line per control."""
    import warnings  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from dltutor.widgets import explorer_classes  # noqa: PLC0415

    warnings.filterwarnings("ignore")
    for cls in explorer_classes():
        # each explorer draws its own moves: the same ones whichever explorers exist besides it
        rng = np.random.default_rng([0, zlib.crc32(cls.__name__.encode())])
        if only and not cls.__name__.startswith(tuple(only)) and cls.__name__ != "PlaygroundExplorer":
            continue
        explorer = cls()
        start = time.perf_counter()
        explorer.update()
        print(json.dumps({"explorer": cls.__name__, "control": "(first run)",
                          "first": [time.perf_counter() - start], "final": [time.perf_counter() - start]}),
              flush=True)
        for name in explorer.controls:
            firsts, finals = [], []
            respond = _redraw if name in explorer.light else _respond
            for value in _moves(explorer, name, rng):
                timing = respond(explorer, name, value)
                if timing is not None:
                    firsts.append(timing[0])
                    finals.append(timing[1])
            if finals:
                print(json.dumps({"explorer": cls.__name__, "control": name, "first": firsts,
                                  "final": finals}), flush=True)
        explorer.stop()
        explorer.wait()


def _run(root, only=()):
    """Rows measured by a worker process on the dltutor in ``root``."""
    code = (f"import sys; sys.path[:0] = [{str(root)!r}, {str(ROOT / 'benchmarks')!r}]; "
            f"import explorer_response; explorer_response.worker({tuple(only)!r})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode and not rows:
        raise SystemExit(out.stderr[-3000:])
    return {(r["explorer"], r["control"]): r for r in rows}


def _cell(r):
    if r is None:
        return "—", "—"
    med = statistics.median
    return (f"{med(r['first']):.2f} ({max(r['first']):.2f})", f"{med(r['final']):.2f} ({max(r['final']):.2f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a git revision to measure first, in the same run")
    parser.add_argument("--only", default="", help="explorer class name prefixes, comma-separated "
                        "(the playground always runs: it is the reference)")
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    runs = {}
    if args.before:
        with tempfile.TemporaryDirectory() as tmp:
            tree = pathlib.Path(tmp) / "before"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.before], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                runs["before"] = _run(tree, only)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    runs["after"] = _run(ROOT, only)
    after = runs["after"]
    playground = statistics.median([t for (e, c), r in after.items() if e == "PlaygroundExplorer"
                                    and c != "(first run)" for t in r["final"]])
    labels = list(runs)
    head = " | ".join(f"{k}: first redraw, median (max) s | {k}: final figure, median (max) s" for k in labels)
    print(f"| explorer | control | {head} | final / playground |")
    print("| --- | --- | " + " | ".join("---: | ---:" for _ in labels) + " | ---: |")
    keys = list(dict.fromkeys([*runs.get("before", {}), *after]))
    for key in keys:
        cells = " | ".join(" | ".join(_cell(runs[k].get(key))) for k in labels)
        ratio = (f"{statistics.median(after[key]['final']) / playground:.1f}"
                 if key in after and key[1] != "(first run)" else "")
        print(f"| {key[0]} | {key[1]} | {cells} | {ratio} |")
    print(f"\nPlaygroundExplorer median to the final figure (the reference): {playground:.2f} s")


if __name__ == "__main__":
    main()
