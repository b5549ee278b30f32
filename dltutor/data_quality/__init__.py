"""Lesson 06 · data quality and quantity (``from dltutor import data_quality as dq``).

* ``compute``: :func:`flip_labels` (the noise, by hand), :func:`load_noisy_digits`,
  :func:`run_memorization` (wrong labels memorized, early stopping), :func:`predict_out_of_fold`
  (k-fold, the k networks at once), :func:`run_find_label_issues` (cleanlab against the loss
  ranking, scored on the labels we flipped), :func:`run_cleaning` (remove or relabel, retrain);
* ``quantity``: :func:`run_learning_curve` and :func:`power_law_fit`, :func:`run_small_data`
  (augmentation, pseudo-labels), :func:`run_leakage` (near-duplicates, ``GroupShuffleSplit``),
  :func:`run_slices` (an under-represented "second scanner");
* ``display`` / ``quantity_display``: :class:`MemorizationDisplay`, :class:`PerClassDisplay`,
  :class:`FlagsDisplay`, :class:`NoiseMatrixDisplay`, :class:`FlagGalleryDisplay`,
  :class:`CleaningDisplay`, :class:`LearningCurveDisplay`, :class:`SmallDataDisplay`,
  :class:`LeakageDisplay`, :class:`SlicesDisplay`;
* explorers: :class:`LabelNoiseExplorer`, :class:`SmallDataExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("06")``.
"""
from dltutor.data_quality.compute import (CONFUSED_PAIRS, EPOCHS, FILTERS, HIDDEN, KINDS, LEARNING_RATE,
                                          N_TRAIN, N_VAL, OOF_EPOCHS, Cleaning, LabelIssues, Memorization,
                                          NoisyDigits, flip_labels, load_noisy_digits, predict_out_of_fold,
                                          run_cleaning, run_find_label_issues, run_memorization)
from dltutor.data_quality.display import (CleaningDisplay, FlagGalleryDisplay, FlagsDisplay,
                                          MemorizationDisplay, NoiseMatrixDisplay, PerClassDisplay)
from dltutor.data_quality.explorer import LabelNoiseExplorer
from dltutor.data_quality.quantity import (MAX_TRAIN, SLICE, SMALL_METHODS, Leakage, LearningCurve, Slices,
                                           SmallData, augment, make_near_duplicates, power_law_fit,
                                           run_leakage, run_learning_curve, run_slices, run_small_data,
                                           scanner_b, shift_images)
from dltutor.data_quality.quantity_display import (LeakageDisplay, LearningCurveDisplay, SlicesDisplay,
                                                   SmallDataDisplay)
from dltutor.data_quality.quantity_explorer import SmallDataExplorer

__all__ = ["CONFUSED_PAIRS", "EPOCHS", "FILTERS", "HIDDEN", "KINDS", "LEARNING_RATE", "N_TRAIN", "N_VAL",
           "OOF_EPOCHS", "flip_labels", "NoisyDigits", "load_noisy_digits", "Memorization", "run_memorization",
           "predict_out_of_fold", "LabelIssues", "run_find_label_issues", "Cleaning", "run_cleaning",
           "MemorizationDisplay", "PerClassDisplay", "FlagsDisplay", "NoiseMatrixDisplay",
           "FlagGalleryDisplay", "CleaningDisplay", "LabelNoiseExplorer",
           "MAX_TRAIN", "SLICE", "SMALL_METHODS", "shift_images", "augment", "scanner_b", "power_law_fit",
           "make_near_duplicates", "LearningCurve", "run_learning_curve", "SmallData", "run_small_data",
           "Leakage", "run_leakage", "Slices", "run_slices", "LearningCurveDisplay", "SmallDataDisplay",
           "LeakageDisplay", "SlicesDisplay", "SmallDataExplorer"]
