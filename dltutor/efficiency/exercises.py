"""Lesson 08 · exercises: checkers (tested to fail on wrong answers), hints and solutions.

Checkers that need a trained model call the compute layer as the notebook does (remembered per
seed and per :func:`dltutor.env.perturbation`), so a second check is free.
"""
from __future__ import annotations

import functools
import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "08"

Q3_SPARSITY = 0.8        # q3: every kernel at least this sparse ...
Q3_TOLERANCE = 0.01      # ... and held-out accuracy within 1 point of the dense model
Q5_SLACK = 1.25          # q5: a batch size within 25% of the fastest measured time passes (timings vary)


def _ec():
    from dltutor.efficiency import compute  # noqa: PLC0415

    return compute


# --- q1: a Dense layer's FLOPs ---------------------------------------------------------------------

def _check_flops(my_dense_flops):
    if not callable(my_dense_flops):
        raise Incorrect("`my_dense_flops` should be a function my_dense_flops(n_in, n_out) that returns a number.")
    for n_in, n_out in ((64, 256), (256, 256), (256, 10), (3, 7)):
        got = my_dense_flops(n_in, n_out)
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise Incorrect(f"my_dense_flops({n_in}, {n_out}) returned {got!r}; it should return a number.")
        right = 2 * n_in * n_out
        if got == n_in * n_out:
            raise Incorrect(f"my_dense_flops({n_in}, {n_out}) = {got:,} counts the multiply-adds; each is two FLOPs "
                            "(a multiplication and an addition).")
        if got in (right + n_out, right + 2 * n_out):
            raise Incorrect(f"my_dense_flops({n_in}, {n_out}) = {got:,} counts the bias too; leave it out, as "
                            "count_flops does (it is n_out additions, small beside the product).")
        if got != right:
            raise Incorrect(f"my_dense_flops({n_in}, {n_out}) = {got!r}, not the FLOPs of one example through a "
                            f"Dense layer with {n_in} inputs and {n_out} units. Each output is a sum over the inputs.")
    return "right: 2 × n_in × n_out. The reference MLP 64-256-256-10 costs 168,960 FLOPs per image, forward."


# --- q2: the magnitude mask -------------------------------------------------------------------------

def _check_mask(my_magnitude_mask):
    import numpy as np  # noqa: PLC0415

    if not callable(my_magnitude_mask):
        raise Incorrect("`my_magnitude_mask` should be a function my_magnitude_mask(kernel, sparsity) that returns "
                        "a mask of 0s and 1s.")
    rng = np.random.default_rng(3)
    for shape in ((64, 256), (3, 3, 1, 16)):
        for sparsity in (0.0, 0.5, 0.8, 0.95):
            w = rng.normal(0, 0.1, shape).astype(np.float32)
            m = np.asarray(my_magnitude_mask(w.copy(), sparsity))
            if m.shape != w.shape:
                raise Incorrect(f"For a kernel of shape {shape} your mask has shape {m.shape}: it should have the "
                                "kernel's shape.")
            if not np.isin(m, (0, 1)).all():
                raise Incorrect("Your mask holds values other than 0 and 1: return the mask (1 = keep), not the "
                                "pruned weights.")
            removed = int((m == 0).sum())
            if abs(removed - sparsity * w.size) > 1:
                raise Incorrect(f"At sparsity {sparsity} your mask removes {removed} of {w.size} weights; it should "
                                f"remove {sparsity:.0%} of them ({sparsity * w.size:.0f}).")
            if removed and 0 < removed < w.size:
                kept, gone = np.abs(w[m == 1]), np.abs(w[m == 0])
                if kept.min() < gone.max():
                    signed = w[m == 1].min() >= w[m == 0].max()
                    raise Incorrect("Your mask removes some weights that are larger in magnitude than some it keeps"
                                    + (": it ranks by the signed value, so large negative weights go; rank by |w|."
                                       if signed else ": keep the largest |w|, remove the smallest."))
    return "right: the smallest |w| go, whatever their sign, and exactly the share you asked for."


# --- q3: prune to 80% and keep the accuracy ---------------------------------------------------------

def _check_pruned(pruned_weights):
    import numpy as np  # noqa: PLC0415

    ec = _ec()
    ref = ec.train_reference(0)
    if not isinstance(pruned_weights, (list, tuple)) or len(pruned_weights) != len(ref.weights):
        raise Incorrect(f"`pruned_weights` should be a list of {len(ref.weights)} arrays, as "
                        "ref.weights or model.get_weights() (kernels and biases, layer by layer).")
    weights = [np.asarray(w, np.float32) for w in pruned_weights]
    for i, (w, r) in enumerate(zip(weights, ref.weights)):
        if w.shape != r.shape:
            raise Incorrect(f"Array {i} has shape {w.shape}; the reference's has {r.shape}.")
        if not np.isfinite(w).all():
            raise Incorrect(f"Array {i} holds NaN or infinite values.")
    kernels = [w for w in weights if w.ndim > 1]
    sparsities = [float((k == 0).mean()) for k in kernels]
    if min(sparsities) < Q3_SPARSITY - 1e-3:
        raise Incorrect("Each kernel must be at least 80% zeros; yours are "
                        + ", ".join(f"{s:.0%}" for s in sparsities) + ".")
    acc = ec.evaluate(weights)
    if acc < ref.test_accuracy - Q3_TOLERANCE:
        raise Incorrect(f"Held-out accuracy {acc:.1%}, against {ref.test_accuracy:.1%} for the dense model: more than "
                        "1 point lost. Pruning once removes weights the network relied on; train it a few epochs "
                        "with the mask kept, so the weights that remain take over.")
    return (f"right: {min(sparsities):.0%} sparse or more in every layer, and {acc:.1%} held-out accuracy against "
            f"{ref.test_accuracy:.1%} dense.")


# --- q4: freeze the right layers ----------------------------------------------------------------------

def _check_frozen(model):
    keras = _ec().keras
    if not isinstance(model, keras.Model):
        raise Incorrect(f"`model` should be the Keras model from eff.transfer_model(0); got {type(model).__name__}.")
    names = {layer.name for layer in model.layers}
    if not {"hidden_1", "hidden_2", "logits"} <= names:
        raise Incorrect("`model` should be the network from eff.transfer_model(0) (layers hidden_1, hidden_2, logits).")
    trainable = {layer.name for layer in model.layers if layer.trainable and layer.weights}
    if not trainable:
        raise Incorrect("Nothing in your model can train: the new head must learn the new task.")
    if "logits" not in trainable:
        raise Incorrect("You froze the new head: it starts at random and must train. Freeze the pretrained body.")
    if trainable != {"logits"}:
        raise Incorrect(f"{sorted(trainable - {'logits'})} still train: that is fine-tuning, not a frozen body. "
                        "Set trainable = False on the pretrained hidden layers.")
    n = sum(int(w.numpy().size) for w in model.trainable_weights)
    return f"right: only the new head trains, {n:,} weights against {sum(int(w.numpy().size) for w in model.weights):,}."


# --- q5: the fastest batch size to 95% --------------------------------------------------------------

def _check_batch(fastest_batch_size):
    ec = _ec()
    if isinstance(fastest_batch_size, bool) or not isinstance(fastest_batch_size, numbers.Integral):
        raise Incorrect(f"`fastest_batch_size` should be one of the batch sizes {ec.BATCH_SIZES}; got "
                        f"{fastest_batch_size!r}.")
    if int(fastest_batch_size) not in ec.BATCH_SIZES:
        raise Incorrect(f"`fastest_batch_size` should be one of {ec.BATCH_SIZES}; got {fastest_batch_size}.")
    runs = {b: ec.run_batch_size(b, seed=0) for b in ec.BATCH_SIZES}     # remembered: the numbers you saw
    times = {b: r.time_to() for b, r in runs.items() if r.time_to() is not None}
    best = min(times, key=times.get)
    got = runs[int(fastest_batch_size)]
    if got.time_to() is None:
        raise Incorrect(f"Batch {fastest_batch_size} does not reach {ec.TARGET:.0%} in {got.epochs_run} epochs "
                        f"(it ends at {got.accuracy[-1]:.1%}): its steps are fast but too few.")
    if times[int(fastest_batch_size)] > Q5_SLACK * times[best]:
        raise Incorrect(f"Batch {fastest_batch_size} takes {times[int(fastest_batch_size)]:.3f} s to {ec.TARGET:.0%}; "
                        f"another batch size gets there in {times[best]:.3f} s. Compare the time, not the epochs.")
    return (f"right: batch {fastest_batch_size} reaches {ec.TARGET:.0%} in {times[int(fastest_batch_size)]:.3f} s "
            f"here (fastest: batch {best}, {times[best]:.3f} s). Small batches need fewer epochs, large ones "
            "run faster per epoch: the sweet spot is in between, and it moves with the machine.")


@functools.lru_cache(maxsize=1)
def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("08")`` returns)."""
    return ExerciseSet("Lesson 08 — compute, efficiency and reuse", [
        Exercise(
            "q1",
            "Write `my_dense_flops(n_in, n_out)`: the FLOPs of one example through a Dense layer with `n_in` "
            "inputs and `n_out` units, counting a multiply-add as two FLOPs and leaving the bias out.",
            names=("my_dense_flops",), checker=_check_flops, points=1,
            hint="Each of the n_out outputs is a sum of n_in products.",
            solution="def my_dense_flops(n_in, n_out):\n    return 2 * n_in * n_out"),
        Exercise(
            "q2",
            "Write `my_magnitude_mask(kernel, sparsity)`: an array of the kernel's shape, 0 for the "
            "`sparsity` share of weights with the smallest magnitude and 1 for the rest.",
            names=("my_magnitude_mask",), checker=_check_mask, points=2,
            hint="Sort np.abs(kernel) (flattened); the first round(sparsity * kernel.size) positions of "
                 "np.argsort are the weights to remove.",
            graded_hint="Rank the weights by magnitude and zero the smallest share of them.",
            solution="def my_magnitude_mask(kernel, sparsity):\n"
                     "    k = int(round(sparsity * kernel.size))\n"
                     "    mask = np.ones(kernel.size)\n"
                     "    mask[np.argsort(np.abs(kernel), axis=None)[:k]] = 0\n"
                     "    return mask.reshape(kernel.shape)"),
        Exercise(
            "q3",
            "Prune the reference network of seed 0 (`ref = eff.train_reference(0)`) so that every kernel is at "
            "least 80% zeros, and keep its held-out accuracy within 1 point of the dense model's: set "
            "`pruned_weights` to the list of arrays (as `ref.weights`).",
            names=("pruned_weights",), checker=_check_pruned, points=2,
            hint="eff.prune(ref.weights, 0.8) gives the one-shot weights: check their accuracy with "
                 "eff.evaluate. What does eff.finetune_pruned do that prune does not?",
            graded_hint="Pruning once loses accuracy at 80%; the network needs to adapt to its mask.",
            solution="from dltutor import efficiency as eff\n"
                     "pruned_weights = eff.finetune_pruned(eff.train_reference(0), 0.8, epochs=5)"),
        Exercise(
            "q4",
            "`model = eff.transfer_model(0)` is the body pretrained on digits 0-4 with a new head for 5-9, "
            "every layer trainable. Freeze it so that only the new head trains, and leave it in `model`.",
            names=("model",), checker=_check_frozen, points=1,
            hint="Each Keras layer has a trainable attribute; model.get_layer(name) finds one. Set it before "
                 "the model trains (Keras fixes what trains when it traces the training step).",
            solution="from dltutor import efficiency as eff\n"
                     "model = eff.transfer_model(0)\n"
                     "for name in ('hidden_1', 'hidden_2'):\n"
                     "    model.get_layer(name).trainable = False"),
        Exercise(
            "q5",
            "With the batch-size explorer (or `eff.run_batch_size(b, seed=0)` for each `b` of "
            "`eff.BATCH_SIZES`, 20 epochs), which batch size reaches 95% held-out accuracy in the least time "
            "on this machine? Set `fastest_batch_size`.",
            names=("fastest_batch_size",), checker=_check_batch, points=1,
            hint="run.time_to() gives the seconds to 95% (None if never reached); compare them, not the epochs.",
            solution="from dltutor import efficiency as eff\n"
                     "runs = {b: eff.run_batch_size(b, seed=0) for b in eff.BATCH_SIZES}\n"
                     "reached = {b: r.time_to() for b, r in runs.items() if r.time_to() is not None}\n"
                     "fastest_batch_size = min(reached, key=reached.get)"),
    ], written=[
        Written(
            "w1", after="**Why slower?**",
            prompt="The int8 model is a quarter of the size, yet on this CPU it ran slower than the float32 "
                   "one; on some CPUs float16 training is many times slower than float32. Explain both, and "
                   "say where each would pay off.",
            answer="1 point: int8 in Keras stores int8 kernels with a float scale; on a CPU without fused int8 "
                   "kernels each call dequantizes (or quantizes the activations) and then multiplies, extra "
                   "work on top of a float matmul, so it is slower; it pays off in memory and download size, "
                   "and in speed on hardware or runtimes with int8 kernels (LiteRT on a phone, the "
                   "interpreter's int8-weights model here). 1 point: CPUs have no fast float16 arithmetic; "
                   "Grappler's remapping fuses MatMul + BiasAdd + ReLU into a kernel that in float16 takes a "
                   "slow path (with remapping off it is close to float32); mixed precision pays off on GPUs "
                   "with tensor cores (and bfloat16 on CPUs that support it)."),
    ])
