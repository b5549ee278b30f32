"""Lesson 03 · class imbalance (``from dltutor import imbalance as im``).

* ``compute``: :func:`make_data`, :func:`fit_method` (one fix from :data:`METHODS`),
  :func:`imbalance_metrics` (sklearn), :func:`run_ratio_sweep` (the accuracy paradox),
  :func:`run_comparison` (every fix), :func:`run_initial_bias`, :func:`run_rare_digit`;
* ``display``: :class:`MetricsDisplay`, :class:`RatioSweepDisplay`,
  :class:`OperatingPointsDisplay`, :class:`RecallBarsDisplay`;
* ``explorer``: :class:`ImbalanceExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("03")``.
"""
from dltutor.imbalance.compute import (METHODS, RESAMPLERS, Comparison, ImbalanceRun, InitialBias,
                                       RareDigit, RatioSweep, class_weights, fit_method,
                                       focal_loss, imbalance_metrics, make_data, make_sampler,
                                       positive_scores, run_comparison, run_initial_bias,
                                       run_ratio_sweep, run_rare_digit)
from dltutor.imbalance.display import (MetricsDisplay, OperatingPointsDisplay, RatioSweepDisplay,
                                       RecallBarsDisplay, confusion_heatmap)
from dltutor.imbalance.explorer import RATIOS, SAMPLES, ImbalanceExplorer

__all__ = ["METHODS", "RESAMPLERS", "make_data", "make_sampler", "class_weights", "focal_loss",
           "positive_scores", "imbalance_metrics", "ImbalanceRun", "fit_method", "RatioSweep",
           "run_ratio_sweep", "Comparison", "run_comparison", "InitialBias", "run_initial_bias",
           "RareDigit", "run_rare_digit", "MetricsDisplay", "RatioSweepDisplay",
           "OperatingPointsDisplay", "RecallBarsDisplay", "confusion_heatmap",
           "ImbalanceExplorer", "RATIOS", "SAMPLES"]
