"""Lesson 08's checkers fail on typical wrong answers (and say why), pass the solutions, and pass
on every stand-in machine."""
import numpy as np

import dltutor
from dltutor import efficiency as eff
from dltutor.exercises import lesson
from helpers import assert_wrong_answers_fail
from machines import MACHINES


def _signed_mask(kernel, sparsity):                  # ranks by the signed value
    k = int(round(sparsity * kernel.size))
    mask = np.ones(kernel.size)
    mask[np.argsort(kernel, axis=None)[:k]] = 0
    return mask.reshape(kernel.shape)


def _keeps_smallest(kernel, sparsity):
    return 1 - eff.magnitude_mask(kernel, 1 - sparsity) if sparsity > 0 else np.ones_like(kernel)


def _flat(kernel, sparsity):                         # loses the shape
    return eff.magnitude_mask(kernel, sparsity).ravel()


def _pruned(kernel, sparsity):                       # the pruned weights, not the mask
    return kernel * eff.magnitude_mask(kernel, sparsity)


def _half(kernel, sparsity):                         # the wrong share
    return eff.magnitude_mask(kernel, sparsity / 2)


def _frozen(*names):
    model = eff.transfer_model(0)
    for name in names:
        model.get_layer(name).trainable = False
    return model


def test_wrong_answers_fail_with_a_reason():
    ref = eff.train_reference(0)
    runs = {b: eff.run_batch_size(b, seed=0) for b in eff.BATCH_SIZES}
    never = next(b for b, r in runs.items() if r.time_to() is None)
    assert_wrong_answers_fail("08", {
        "q1": [lambda i, o: i * o, lambda i, o: 2 * i * o + o, lambda i, o: i + o, lambda i, o: "many", 168960],
        "q2": [_signed_mask, _keeps_smallest, _flat, _pruned, _half, "mask"],
        "q3": [ref.weights, eff.prune(ref.weights, 0.8)[0], eff.finetune_pruned(ref, 0.5),
               eff.prune(ref.weights, 0.8)[0][:4], [np.full_like(w, np.nan) for w in ref.weights], None],
        "q4": [eff.transfer_model(0), _frozen("hidden_1"), _frozen("logits"), _frozen("hidden_1", "hidden_2", "logits"),
               "model", None],
        "q5": [never, 100, True, "64", 64.0],
    })


def test_messages_say_what_is_wrong():
    ex = lesson("08")
    ref = eff.train_reference(0)
    assert "two FLOPs" in ex.q1.check(lambda i, o: i * o).message
    assert "bias" in ex.q1.check(lambda i, o: 2 * i * o + o).message
    assert "signed value" in ex.q2.check(_signed_mask).message
    assert "not the pruned weights" in ex.q2.check(_pruned).message
    assert "kernel's shape" in ex.q2.check(_flat).message
    assert "mask kept" in ex.q3.check(eff.prune(ref.weights, 0.8)[0]).message
    assert "at least 80% zeros" in ex.q3.check(ref.weights).message
    assert "fine-tuning, not a frozen body" in ex.q4.check(_frozen("hidden_1")).message
    assert "froze the new head" in ex.q4.check(_frozen("logits")).message
    assert "does not reach 95%" in ex.q5.check(1347).message


def test_solutions_pass_on_every_machine():
    ex = lesson("08")
    for machine in MACHINES:
        with machine:
            for exercise in ex:
                namespace = {"np": np, "eff": eff, "dltutor": dltutor}
                exec(exercise._solution, namespace)  # noqa: S102 - our own solution text
                result = exercise.check(**{n: namespace[n] for n in exercise.names})
                assert result.passed, (machine, exercise.name, result.message)
    assert [w.name for w in ex.written] == ["w1"] and sum(e.points for e in ex) == 7
    assert ex.q5.check(np.int64(min((b for b in eff.BATCH_SIZES if eff.run_batch_size(b).time_to()),
                                    key=lambda b: eff.run_batch_size(b).time_to()))).passed
