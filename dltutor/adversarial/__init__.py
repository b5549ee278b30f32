"""Lesson 04 · adversarial noise: evasion and poisoning (``from dltutor import adversarial as adv``).

* ``compute``: the attacks :func:`fgsm`, :func:`pgd`, :func:`random_noise` (by name:
  :func:`attack`), :func:`train_classifier`, :func:`adversarial_train`, :func:`run_robustness`,
  :func:`run_targeted`, :func:`run_adversarial_training`; poisoning with :func:`flip_labels`,
  :func:`add_trigger`, :func:`poison_backdoor`, :func:`run_poisoning`, :func:`run_poison_sweep`;
* ``display``: :class:`AttackGridDisplay`, :class:`RobustnessDisplay`,
  :class:`TargetedWalkDisplay`, :class:`PoisonDisplay`, :class:`PoisonSweepDisplay`;
* ``explorer``: :class:`EvasionExplorer`, :class:`TargetedExplorer`, :class:`PoisoningExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("04")``.
"""
from dltutor.adversarial.compute import (ADV_EPOCHS, ATTACKS, EPOCHS, EPSILONS, PGD_STEPS, PGD_TRAIN_STEPS,
                                         POISONS, AdversarialTraining, PoisonRun, PoisonSweep, Robustness,
                                         TargetedWalk, accuracy, add_trigger, adversarial_train, attack,
                                         backdoor_success, fgsm, flip_labels, make_data, pgd,
                                         poison_backdoor, predict, random_noise, run_adversarial_training,
                                         run_poison_sweep, run_poisoning, run_robustness, run_targeted,
                                         train_classifier)
from dltutor.adversarial.display import (AttackGridDisplay, PoisonDisplay, PoisonSweepDisplay,
                                         RobustnessDisplay, TargetedWalkDisplay, mosaic)
from dltutor.adversarial.explorer import DEFENCES, RATES, EvasionExplorer, PoisoningExplorer, TargetedExplorer

__all__ = ["ATTACKS", "POISONS", "EPSILONS", "EPOCHS", "ADV_EPOCHS", "PGD_STEPS", "PGD_TRAIN_STEPS",
           "RATES", "DEFENCES", "make_data", "predict", "accuracy", "fgsm", "pgd", "random_noise", "attack",
           "train_classifier", "adversarial_train", "Robustness", "run_robustness", "TargetedWalk",
           "run_targeted", "AdversarialTraining", "run_adversarial_training", "add_trigger",
           "poison_backdoor", "flip_labels", "backdoor_success", "PoisonRun", "run_poisoning", "PoisonSweep",
           "run_poison_sweep", "mosaic", "AttackGridDisplay", "RobustnessDisplay", "TargetedWalkDisplay",
           "PoisonDisplay", "PoisonSweepDisplay", "EvasionExplorer", "TargetedExplorer", "PoisoningExplorer"]
