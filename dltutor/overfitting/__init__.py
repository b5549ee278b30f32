"""Lesson 01 · overfitting and generalization (``from dltutor import overfitting as of``).

* ``compute``: :func:`run_fit`, :func:`run_capacity_sweep`, :func:`run_learning_curve`,
  :func:`run_random_labels` (Zhang et al. 2017), :func:`run_toolbox`, :func:`run_double_descent`
  (Belkin et al. 2019), :func:`run_cross_validation`: pure, seeded, frozen results;
* ``display``: :class:`SweepDisplay`, :class:`ToolboxDisplay`, :class:`DoubleDescentDisplay`,
  :class:`CrossValidationDisplay`;
* ``explorer``: :class:`OverfittingExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("01")``.
"""
from dltutor.overfitting.compute import (
    L2S, TOOLBOX, CapacitySweep, CrossValidation, DoubleDescent, FitResult, LearningCurve, Toolbox,
    add_label_noise, augment, make_small_moons, run_capacity_sweep, run_cross_validation,
    run_double_descent, run_fit, run_learning_curve, run_random_labels, run_toolbox)
from dltutor.overfitting.display import (CrossValidationDisplay, DoubleDescentDisplay, SweepDisplay,
                                         ToolboxDisplay)
from dltutor.overfitting.explorer import SIZES, WIDTHS, OverfittingExplorer
from dltutor.plots import TrainingCurvesDisplay

__all__ = ["make_small_moons", "add_label_noise", "augment", "FitResult", "run_fit",
           "CapacitySweep", "run_capacity_sweep", "LearningCurve", "run_learning_curve",
           "run_random_labels", "Toolbox", "run_toolbox", "DoubleDescent", "run_double_descent",
           "CrossValidation", "run_cross_validation", "SweepDisplay", "DoubleDescentDisplay",
           "CrossValidationDisplay", "ToolboxDisplay", "TrainingCurvesDisplay",
           "OverfittingExplorer", "TOOLBOX", "L2S", "WIDTHS", "SIZES"]
