"""Lesson 07 · interpretability and its traps (``from dltutor import interpretability as interp``).

* ``compute``: the four attribution methods written out (:func:`gradient`,
  :func:`gradient_x_input`, :func:`integrated_gradients`, :func:`occlusion`; :func:`attribute` by
  name) and IG's :func:`completeness_error`; the digits CNN (:func:`train_digits_cnn`); the
  sanity check (:func:`run_randomization`: cascading randomization and the random-label test,
  :func:`spearman`, :func:`ssim`); the Clever Hans model (:func:`stamp`, :func:`run_clever_hans`,
  :func:`run_watermark_sweep`); tabular explanations (:func:`run_tabular`: permutation importance
  and SHAP values, :func:`group_importance`);
* ``display``: :class:`SaliencyDisplay`, :class:`RandomizationDisplay`, :class:`CompletenessDisplay`,
  :class:`CleverHansDisplay`, :class:`WatermarkSweepDisplay`, :class:`ImportanceDisplay`;
* explorer: :class:`SaliencyExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("07")``.
"""
from dltutor.interpretability.compute import (BASELINES, EPOCHS, FEATURES, LABELS, LAYERS, METHODS, SIDE,
                                              WATERMARK, WATERMARK_CLASS, CleverHans, DigitsModel,
                                              Randomization, Saliency, Tabular, WatermarkSweep, attribute,
                                              blurred, build_cnn, completeness_curve, completeness_error,
                                              explain_image, gradient, gradient_x_input, group_importance,
                                              integrated_gradients, load_tabular, logit_gradient, mystery_model,
                                              occlusion, predict, randomized_weights, run_clever_hans,
                                              run_randomization, run_tabular, run_watermark_sweep, spearman,
                                              ssim, stamp, train_digits_cnn)
from dltutor.interpretability.display import (CleverHansDisplay, CompletenessDisplay, ImportanceDisplay,
                                              RandomizationDisplay, SaliencyDisplay, WatermarkSweepDisplay)
from dltutor.interpretability.explorer import SaliencyExplorer

__all__ = ["BASELINES", "EPOCHS", "FEATURES", "LABELS", "LAYERS", "METHODS", "SIDE", "WATERMARK",
           "WATERMARK_CLASS", "logit_gradient", "gradient", "gradient_x_input", "integrated_gradients",
           "occlusion", "attribute", "blurred", "completeness_error", "completeness_curve", "spearman", "ssim",
           "build_cnn", "DigitsModel", "train_digits_cnn", "predict", "mystery_model", "randomized_weights",
           "Saliency", "explain_image", "Randomization", "run_randomization", "stamp", "CleverHans",
           "run_clever_hans", "WatermarkSweep", "run_watermark_sweep", "load_tabular", "Tabular", "run_tabular",
           "group_importance", "SaliencyDisplay", "RandomizationDisplay", "CompletenessDisplay",
           "CleverHansDisplay", "WatermarkSweepDisplay", "ImportanceDisplay", "SaliencyExplorer"]
