"""Lesson 03's checkers fail on typical wrong answers (and say why), and pass the solutions."""
import numpy as np

from dltutor import imbalance as im
from dltutor.exercises import lesson
from helpers import assert_wrong_answers_fail


def _bce_not_focal(y_true, logits, gamma=2.0):
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.cast(y_true, tf.float32),
                                                                   logits=logits))


def test_wrong_answers_fail_with_a_reason():
    neg, pos = np.bincount(im.make_data(seed=0).y_train)
    assert_wrong_answers_fail("03", {
        "q1": [0.5, 0.001, 0.9, "0.2", 1.5],
        "q2": [_bce_not_focal, lambda y, z, gamma=2.0: 0.691, "focal"],
        "q3": [{0: 1, 1: 1}, {0: 1.0, 1: pos / neg}, {0: 1.0, 1: 10.0}, [1, 30]],
        "q5": [np.log(neg / pos), 0.0, pos / (pos + neg), "b0"],
    }, {"q4": [("accuracy", "b"), ("pr_auc", "a"), ("pr_auc", "c"), ("roc", "b")]})


def test_solutions_pass():
    import tensorflow as tf  # noqa: F401 - the solutions' namespace
    from sklearn.metrics import precision_recall_curve  # noqa: F401

    ex = lesson("03")
    data = im.make_data(seed=0)
    run = im.fit_method(method="none")
    for q in ex:
        namespace = {"np": np, "tf": tf, "im": im, "data": data, "run": run,
                     "precision_recall_curve": precision_recall_curve}
        exec(q._solution, namespace)
        result = q.check(**{n: namespace[n] for n in q.names})
        assert result.passed, (q.name, result.message)
