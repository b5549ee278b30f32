"""Lesson 05 · the butterfly effect of hyperparameters and seeds (``from dltutor import butterfly as bf``).

* ``compute``: :func:`run_seed_spread`, :func:`determinism_cost`, :func:`run_nudge`
  (:func:`flip_lowest_bit`), :func:`run_lr_batch`, :func:`run_fractal` (:func:`boundary_dimension`,
  :func:`boundary_point`), :func:`run_search`, :func:`run_validation_trap`;
* ``display``: :class:`SeedSpreadDisplay`, :class:`NudgeDisplay`, :class:`LrBatchDisplay`,
  :class:`FractalDisplay`, :class:`SearchDisplay`, :class:`ValidationTrapDisplay`;
* ``explorer``: :class:`SeedsExplorer`, :class:`NudgeExplorer`, :class:`FractalExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("05")``.
"""
from dltutor.butterfly.compute import (BATCH_SIZES, FRACTAL_CENTER, FRACTAL_STEPS, LEARNING_RATES, NUDGES,
                                       Fractal, LrBatch, Nudge, Search, SeedSpread, ValidationTrap,
                                       boundary_dimension, boundary_point, determinism_cost, flip_lowest_bit,
                                       fractal_problem, make_data, run_fractal, run_lr_batch, run_nudge,
                                       run_search, run_seed_spread, run_validation_trap)
from dltutor.butterfly.display import (FractalDisplay, LrBatchDisplay, NudgeDisplay, SearchDisplay,
                                       SeedSpreadDisplay, ValidationTrapDisplay)
from dltutor.butterfly.explorer import ZOOMS, FractalExplorer, NudgeExplorer, SeedsExplorer

__all__ = ["BATCH_SIZES", "FRACTAL_CENTER", "FRACTAL_STEPS", "LEARNING_RATES", "NUDGES", "ZOOMS", "make_data",
           "SeedSpread", "run_seed_spread", "determinism_cost", "flip_lowest_bit", "Nudge", "run_nudge",
           "LrBatch", "run_lr_batch", "Fractal", "fractal_problem", "run_fractal", "boundary_dimension",
           "boundary_point", "Search", "run_search", "ValidationTrap", "run_validation_trap",
           "SeedSpreadDisplay", "NudgeDisplay", "LrBatchDisplay", "FractalDisplay", "SearchDisplay",
           "ValidationTrapDisplay", "SeedsExplorer", "NudgeExplorer", "FractalExplorer"]
