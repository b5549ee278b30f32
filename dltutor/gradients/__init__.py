"""Lesson 02 · vanishing and exploding gradients (``from dltutor import gradients as g``).

* ``compute``: :func:`measure_gradients` (each layer's gradient at initialization),
  :func:`run_depth_comparison` (who learns), :func:`run_exploding` (NaN, and clipping);
* ``display``: :class:`LayerGradientsDisplay`, :class:`GradientHeatmapDisplay`,
  :class:`ActivationsDisplay`;
* ``explorer``: :class:`GradientsExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("02")``.
"""
from dltutor.gradients.compute import (CONFIGS, DepthComparison, LayerGradients, SwitchableMLP,
                                       measure_gradients, run_depth_comparison, run_exploding)
from dltutor.gradients.display import ActivationsDisplay, GradientHeatmapDisplay, LayerGradientsDisplay
from dltutor.gradients.explorer import LEARNING_RATES, GradientsExplorer, GradientsRun

__all__ = ["CONFIGS", "LayerGradients", "measure_gradients", "DepthComparison",
           "run_depth_comparison", "run_exploding", "LayerGradientsDisplay",
           "GradientHeatmapDisplay", "ActivationsDisplay", "GradientsExplorer", "GradientsRun",
           "LEARNING_RATES", "SwitchableMLP"]
