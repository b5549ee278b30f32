"""Lesson 02 · vanishing and exploding gradients (``from dltutor import gradients as g``).

* ``compute``: :func:`measure_gradients` (each layer's gradient at initialization),
  :func:`run_depth_comparison` (who learns), :func:`run_exploding` (NaN, and clipping);
* ``display``: :class:`LayerGradientsDisplay`, :class:`GradientHeatmapDisplay`,
  :class:`ActivationsDisplay`;
* ``explorer``: :class:`GradientsExplorer`;
* through time (``recurrent``): :func:`make_first_symbol`, :func:`run_recurrent`,
  :func:`run_length_sweep`, :func:`run_recurrent_exploding`; :class:`TimeGradientsDisplay`,
  :class:`LengthSweepDisplay`, :class:`RecurrentExplodingDisplay`; :class:`RecurrentExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("02")``.
"""
from dltutor.gradients.compute import (CONFIGS, DepthComparison, LayerGradients, SwitchableMLP,
                                       measure_gradients, run_depth_comparison, run_exploding)
from dltutor.gradients.display import ActivationsDisplay, GradientHeatmapDisplay, LayerGradientsDisplay
from dltutor.gradients.explorer import LEARNING_RATES, GradientsExplorer, GradientsRun
from dltutor.gradients.recurrent import (CELLS, LengthSweep, RecurrentExploding, RecurrentRun, initial_cell_weights,
                                         make_first_symbol, run_length_sweep, run_recurrent,
                                         run_recurrent_exploding)
from dltutor.gradients.recurrent_display import LengthSweepDisplay, RecurrentExplodingDisplay, TimeGradientsDisplay
from dltutor.gradients.recurrent_explorer import RecurrentExplorer

__all__ = ["CONFIGS", "LayerGradients", "measure_gradients", "DepthComparison",
           "run_depth_comparison", "run_exploding", "LayerGradientsDisplay",
           "GradientHeatmapDisplay", "ActivationsDisplay", "GradientsExplorer", "GradientsRun",
           "LEARNING_RATES", "SwitchableMLP", "CELLS", "make_first_symbol", "initial_cell_weights",
           "RecurrentRun", "run_recurrent", "LengthSweep", "run_length_sweep", "RecurrentExploding",
           "run_recurrent_exploding", "TimeGradientsDisplay", "LengthSweepDisplay",
           "RecurrentExplodingDisplay", "RecurrentExplorer"]
