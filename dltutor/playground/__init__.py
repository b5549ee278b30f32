"""Lesson 00 · the mini TensorFlow Playground: a tiny network learns a 2-D toy set, live.

Three layers, one file each:

* ``compute``: :func:`run_playground` -> :class:`PlaygroundResult` (pure, seeded);
* ``display``: :class:`PlaygroundDisplay` (decision regions + loss curves);
* ``explorer``: :class:`PlaygroundExplorer` (sliders, Train/Stop, live redraw);
* ``exercises``: the warm-up exercise (``dltutor.exercises.lesson("00")``).
"""
from dltutor.playground.compute import LEARNING_RATES, TOY_SETS, PlaygroundResult, run_playground
from dltutor.playground.display import PlaygroundDisplay
from dltutor.playground.explorer import PlaygroundExplorer

__all__ = ["TOY_SETS", "LEARNING_RATES", "run_playground", "PlaygroundResult", "PlaygroundDisplay",
           "PlaygroundExplorer"]
