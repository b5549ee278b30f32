"""Lesson 04 · compute: attacks at test time (evasion) and at training time (poisoning).

Everything here is plain TensorFlow on a small Keras MLP and the bundled 8x8 digits (pixels in
[0, 1]). The attacks are the reference implementations the notebook's own short versions and
the exercises are compared with:

* :func:`random_noise`: every pixel moved by +-epsilon at random (the control);
* :func:`fgsm`: one step of size epsilon along the sign of the input gradient (Goodfellow et al. 2015);
* :func:`pgd`: many small signed steps, each projected back into the epsilon-ball and the valid
  pixel range (Madry et al. 2018); with ``target`` it walks towards a chosen class.

Untargeted attacks use the model's own predictions as labels (no label leaking: Kurakin et al.
2017); accuracy is then measured against the true labels. Poisoning: :func:`flip_labels` and a
BadNets trigger (:func:`add_trigger`, :func:`poison_backdoor`; Gu et al. 2017).
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np

from dltutor._backend import keras, tf
from dltutor._checks import check_choice, check_float, check_int
from dltutor.data import load_digits
from dltutor.env import perturbation
from dltutor.models import ModelPool
from dltutor.training import StopTraining, train

EPOCHS, BATCH_SIZE, LEARNING_RATE, WIDTH, DEPTH = 30, 64, 1e-3, 128, 2
PGD_STEPS = 20             # the attack's steps; adversarial training uses PGD_TRAIN_STEPS
PGD_TRAIN_STEPS = 7
ADV_EPOCHS = 50
EPSILONS = (0.0, 0.02, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3)
ATTACKS = {"noise": "random ±ε noise", "fgsm": "FGSM (one signed-gradient step)",
           "pgd": f"PGD ({PGD_STEPS} small steps)"}
POISONS = {"backdoor": "backdoor trigger (BadNets)", "label_flip": "label flipping"}

_POOL = ModelPool(tunable=False, max_models=4)     # one model per role: bounded memory
_TRAINED = collections.OrderedDict()               # (role, settings) -> trained weights, LRU
_MAX_TRAINED = 24                                  # about 0.1 MB each


# --- data and checks ----------------------------------------------------------------------------

def make_data(seed=0):
    """The 8x8 digits, pixels in [0, 1]: 1347 training and 450 test images (split by ``seed``)."""
    return load_digits(seed=check_int("seed", seed, low=0))


def check_epsilon(epsilon):
    """ε as a float, or a ValueError that says what it measures."""
    return check_float("epsilon (ε, the largest change of any pixel; pixels lie in [0, 1])", epsilon,
                       low=0.0, high=1.0)


def check_attack(name):
    return check_choice("attack", name, tuple(ATTACKS))


def check_rate(rate, what="poison rate"):
    return check_float(f"{what} (the share of training images poisoned)", rate, low=0.0, high=1.0)


def check_target(target, true_label=None):
    target = check_int("target class", target, low=0, high=9)
    if true_label is not None and target == int(true_label):
        raise ValueError(f"The target class {target} is this image's true class: a targeted attack "
                         f"must send it somewhere else. Pick another target (0-9, not {target}).")
    return target


# --- the attacks -------------------------------------------------------------------------------

def _xent(logits, y):
    return keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)


def _input_gradient(model, x, y):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = _xent(model(x, training=False), y)
    return tape.gradient(loss, x)


def _pgd_core(model, x, y, epsilon, step_size, steps, direction):
    """``steps`` signed steps (``direction`` +1: away from y, -1: towards y), projected each time."""
    x_adv = x
    for _ in tf.range(steps):
        g = _input_gradient(model, x_adv, y)
        x_adv = x_adv + direction * step_size * tf.sign(g)
        x_adv = tf.clip_by_value(x_adv, x - epsilon, x + epsilon)   # stay in the ε-ball ...
        x_adv = tf.clip_by_value(x_adv, 0.0, 1.0)                   # ... and in the pixel range
    return x_adv


_COMPILED = {}     # id(model) -> (model ref, dict of compiled attacks); bounded by the pool


def _compiled(model):
    entry = _COMPILED.get(id(model))
    if entry is not None and entry[0]() is model:
        return entry[1]
    import weakref  # noqa: PLC0415

    spec = [tf.TensorSpec([None, model.input_shape[-1]], tf.float32), tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([], tf.float32)]

    @tf.function(input_signature=spec, reduce_retracing=True)
    def fgsm_fn(x, y, epsilon):
        return tf.clip_by_value(x + epsilon * tf.sign(_input_gradient(model, x, y)), 0.0, 1.0)

    @tf.function(input_signature=[*spec, tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32),
                                  tf.TensorSpec([], tf.float32)], reduce_retracing=True)
    def pgd_fn(x, y, epsilon, step_size, steps, direction):
        return _pgd_core(model, x, y, epsilon, step_size, steps, direction)

    fns = {"fgsm": fgsm_fn, "pgd": pgd_fn}
    for key in [k for k, (ref, _) in _COMPILED.items() if ref() is None]:
        del _COMPILED[key]
    _COMPILED[id(model)] = (weakref.ref(model), fns)
    return fns


def _as_images(x):
    x = np.asarray(x, dtype="float32")
    if x.ndim != 2 or x.shape[1] != 64 or not len(x):
        raise ValueError(f"Images must be an array (n_images, 64): 8x8 digits, one flattened image per row "
                         f"(X[:1] for one image), got shape {x.shape}.")
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1 or not np.isfinite(x).all()):
        raise ValueError("Pixels must lie in [0, 1] (divide 0-16 digits by 16).")
    return x


def predict(model, x):
    """The model's predicted class for each image ``(n,)``."""
    return np.asarray(model(_as_images(x), training=False)).argmax(1).astype("int32")


def _class_array(name, values, n, n_classes=10):
    """``values`` (one class, or one per image) as an int32 array ``(n,)``, or a clear ValueError."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu" or arr.ndim > 1 or (arr.ndim == 1 and len(arr) != n):
        raise ValueError(f"{name} must be one class or one class per image (integers 0-{n_classes - 1}, "
                         f"{n} of them), got {values!r}"[:300] + ".")
    if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} must be classes 0-{n_classes - 1}, got {values!r}"[:300] + ".")
    return np.broadcast_to(arr.astype("int32"), (n,)).copy()


def _labels(model, x, y):
    return predict(model, x) if y is None else _class_array("y", y, len(x), model.output_shape[-1])


def fgsm(model, x, epsilon, *, y=None):
    """Fast gradient sign method: ``clip(x + ε · sign(∇x loss(model(x), y)), 0, 1)``.

    ``y`` defaults to the model's own predictions (no label leaking).
    """
    x = _as_images(x)
    epsilon = check_epsilon(epsilon)
    return _compiled(model)["fgsm"](x, _labels(model, x, y), np.float32(epsilon)).numpy()


def pgd(model, x, epsilon, *, y=None, steps=PGD_STEPS, step_size=None, target=None):
    """Projected gradient descent in the L∞ ball of radius ε (Madry et al. 2018).

    ``steps`` signed steps of ``step_size`` (default ``2.5 ε / steps``), each followed by a clip
    to ``[x - ε, x + ε]`` and to ``[0, 1]``. Untargeted (default): climb the loss of ``y`` (the
    model's predictions unless given). With ``target`` (a class, or one per image): descend the
    loss of the target class instead, walking the images towards it.
    """
    x = _as_images(x)
    epsilon = check_epsilon(epsilon)
    steps = check_int("steps", steps, low=1, high=10_000)
    step_size = 2.5 * epsilon / steps if step_size is None else check_float("step_size", step_size, low=0.0)
    if target is None:
        labels, direction = _labels(model, x, y), 1.0
    else:
        labels, direction = _class_array("target", target, len(x), model.output_shape[-1]), -1.0
    fn = _compiled(model)["pgd"]
    return fn(x, labels, np.float32(epsilon), np.float32(step_size), np.int32(steps),
              np.float32(direction)).numpy()


def random_noise(x, epsilon, *, seed=0):
    """Each pixel moved by +ε or -ε at random (then clipped to [0, 1]): noise of FGSM's size."""
    x = _as_images(x)
    epsilon = check_epsilon(epsilon)
    signs = np.random.default_rng([check_int("seed", seed, low=0), 4]).choice((-1.0, 1.0), size=x.shape)
    return np.clip(x + epsilon * signs, 0.0, 1.0).astype("float32")


def attack(model, x, epsilon, name="fgsm", *, seed=0, y=None):
    """One of :data:`ATTACKS` by name: perturbed copies of ``x``."""
    name = check_attack(name)
    if name == "noise":
        return random_noise(x, epsilon, seed=seed)
    return (fgsm if name == "fgsm" else pgd)(model, x, epsilon, y=y)


def accuracy(model, x, y):
    return float((predict(model, x) == np.asarray(y)).mean())


# --- training ----------------------------------------------------------------------------------

def _remember(key, model):
    key = (*key, perturbation())       # a run inside dltutor.env.perturbed() is another run
    _TRAINED[key] = [w.copy() for w in model.get_weights()]
    while len(_TRAINED) > _MAX_TRAINED:
        _TRAINED.popitem(last=False)


def _recall(key, model):
    key = (*key, perturbation())
    weights = _TRAINED.get(key)
    if weights is None:
        return False
    _TRAINED.move_to_end(key)
    model.set_weights(weights)
    return True


def _model(role, seed):
    return _POOL.get(64, 10, depth=DEPTH, width=WIDTH, seed=seed, name=f"digits_{role}")


def train_classifier(X, y, *, seed=0, epochs=EPOCHS, role="standard", callbacks=(), stop=None, cache=True):
    """The lesson's MLP (64-128-128-10, ReLU, Adam 1e-3, batch 64) trained on ``X, y``.

    Models come from a bounded pool, one per ``role`` (a second trained model with another role
    does not replace the first), and trained weights are remembered by role, seed and a
    fingerprint of the data, so moving a slider back costs nothing. ``cache=False`` trains again
    even where weights are remembered (an explorer's Train button, so that Stop has a training to stop).
    """
    X, y = _as_images(X), np.asarray(y)
    epochs = check_int("epochs", epochs, low=1, high=1000)
    key = (role, seed, epochs, X.shape, hash(X.tobytes()), hash(y.tobytes()))
    model = _model(role, seed)
    if cache and _recall(key, model):
        return model, None
    result = train(model, X, y, epochs=epochs, batch_size=BATCH_SIZE, learning_rate=LEARNING_RATE,
                   seed=seed, callbacks=callbacks, stop=stop)
    if result.stop_reason is None:
        _remember(key, model)
    return model, result


def adversarial_train(X, y, *, epsilon=0.1, seed=0, epochs=ADV_EPOCHS, steps=PGD_TRAIN_STEPS, callbacks=(),
                      stop=None, role="robust", cache=True):
    """PGD adversarial training (Madry et al. 2018): every step trains on PGD-``steps`` images.

    The attack uses the true labels and starts from the clean image; the step size is
    ``2.5 ε / steps``. ``callbacks`` are called ``f(epoch, logs)`` after each epoch (raise
    :class:`StopTraining` or set ``stop`` to end early). Returns ``(model, history)``.
    ``cache=False`` trains again even where weights are remembered (see :func:`train_classifier`).
    """
    X, y = _as_images(X), np.asarray(y, "int32")
    epsilon = check_epsilon(epsilon)
    epochs = check_int("epochs", epochs, low=1, high=1000)
    steps = check_int("steps", steps, low=1, high=100)
    key = ("adv", role, seed, epochs, steps, round(epsilon, 6), X.shape, hash(X.tobytes()))
    model = _model(role, seed)
    if cache and _recall(key, model):
        return model, None
    step_fn, optimizer = _adversarial_step(model)
    for var in optimizer.variables:
        if "learning_rate" not in var.path:
            var.assign(tf.zeros_like(var))
    rng = np.random.default_rng([seed, 41])
    eps, alpha = np.float32(epsilon), np.float32(2.5 * epsilon / steps)
    history = {"loss": []}
    completed = True
    for epoch in range(epochs):
        if stop is not None and stop.is_set():
            completed = False
            break
        order = rng.permutation(len(X))
        losses = [float(step_fn(X[idx], y[idx], eps, alpha, np.int32(steps)))
                  for idx in np.array_split(order, max(1, len(X) // BATCH_SIZE))]
        history["loss"].append(float(np.mean(losses)))
        try:
            for cb in callbacks:
                cb(epoch, {"loss": history["loss"][-1]})
        except StopTraining:
            completed = False
            break
    if completed:
        _remember(key, model)
    return model, history


_ADV_STEPS = {}


def _adversarial_step(model):
    entry = _ADV_STEPS.get(id(model))
    if entry is not None and entry[0] is model:
        return entry[1], entry[2]
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    optimizer.build(model.trainable_variables)

    @tf.function(input_signature=[tf.TensorSpec([None, 64], tf.float32), tf.TensorSpec([None], tf.int32),
                                  tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.float32),
                                  tf.TensorSpec([], tf.int32)])
    def step(xb, yb, epsilon, step_size, steps):
        x_adv = tf.stop_gradient(_pgd_core(model, xb, yb, epsilon, step_size, steps, 1.0))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(_xent(model(x_adv, training=True), yb))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        return loss

    _ADV_STEPS[id(model)] = (model, step, optimizer)
    return step, optimizer


# --- evasion experiments ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Robustness:
    """Test accuracy against ε for each attack: ``accuracy[name]`` is ``(len(epsilons),)``."""

    epsilons: tuple
    accuracy: dict
    clean_accuracy: float
    label: str = "standard model"

    def at(self, name, epsilon):
        return float(self.accuracy[name][list(self.epsilons).index(epsilon)])


def run_robustness(model=None, data=None, *, epsilons=EPSILONS, attacks=tuple(ATTACKS), seed=0,
                   label="standard model"):
    """Accuracy on the test images under each attack at each ε (default: a freshly trained model)."""
    data = make_data(seed) if data is None else data
    if model is None:
        model, _ = train_classifier(data.X_train, data.y_train, seed=seed)
    epsilons = tuple(check_epsilon(e) for e in epsilons)
    acc = {name: np.array([accuracy(model, attack(model, data.X_test, e, name, seed=seed), data.y_test)
                           for e in epsilons]) for name in (check_attack(a) for a in attacks)}
    return Robustness(epsilons, acc, accuracy(model, data.X_test, data.y_test), label)


@dataclasses.dataclass(frozen=True)
class TargetedWalk:
    """A targeted PGD walk of one image: ``images (steps + 1, 64)``, ``probs (steps + 1, 10)``."""

    images: np.ndarray
    probs: np.ndarray
    true_label: int
    target: int
    epsilon: float

    @property
    def success_step(self):
        """The first step at which the model predicts the target, or None."""
        hits = np.flatnonzero(self.probs.argmax(1) == self.target)
        return int(hits[0]) if len(hits) else None


def run_targeted(model, image, target, *, true_label=None, epsilon=0.2, steps=30):
    """Walk one image towards ``target`` with targeted PGD, recording every step."""
    image = np.asarray(image, dtype="float32")
    if image.size != 64:
        raise ValueError(f"run_targeted walks one image: 64 pixels (an 8x8 digit), got shape {image.shape}.")
    image = _as_images(image.reshape(1, 64))
    true_label = predict(model, image)[0] if true_label is None else check_int("true_label", true_label,
                                                                               low=0, high=9)
    target = check_target(target, true_label)
    epsilon = check_epsilon(epsilon)
    steps = check_int("steps", steps, low=1, high=500)
    alpha = 2.5 * epsilon / steps
    images = [image[0]]
    x = image
    for _ in range(steps):
        x = pgd(model, x, epsilon, steps=1, step_size=alpha, target=target)
        x = np.clip(x, image - epsilon, image + epsilon)      # one-step calls: keep the original's ball
        images.append(x[0])
    images = np.array(images, "float32")
    probs = tf.nn.softmax(model(images, training=False)).numpy()
    return TargetedWalk(images, probs, int(true_label), target, epsilon)


@dataclasses.dataclass(frozen=True)
class AdversarialTraining:
    """A standard and a PGD-trained model on the same data, and their robustness curves."""

    standard: Robustness
    robust: Robustness
    epsilon: float
    history: dict
    model: object = dataclasses.field(repr=False, default=None)

    def gain(self, attack="pgd"):
        """Accuracy points gained under ``attack`` at the training ε."""
        return 100 * (self.robust.at(attack, self.epsilon) - self.standard.at(attack, self.epsilon))

    @property
    def clean_cost(self):
        """Clean accuracy points lost by adversarial training (negative: gained)."""
        return 100 * (self.standard.clean_accuracy - self.robust.clean_accuracy)


def run_adversarial_training(*, epsilon=0.1, seed=0, epochs=ADV_EPOCHS, epsilons=EPSILONS,
                             attacks=("fgsm", "pgd"), callbacks=(), stop=None):
    """Train a standard and an adversarially trained model, and attack both at every ε."""
    epsilon = check_epsilon(epsilon)
    data = make_data(seed)
    standard, _ = train_classifier(data.X_train, data.y_train, seed=seed)
    std = run_robustness(standard, data, epsilons=epsilons, attacks=attacks, seed=seed)
    robust, history = adversarial_train(data.X_train, data.y_train, epsilon=epsilon, seed=seed,
                                        epochs=epochs, callbacks=callbacks, stop=stop)
    rob = run_robustness(robust, data, epsilons=epsilons, attacks=attacks, seed=seed,
                         label=f"adversarially trained (PGD-{PGD_TRAIN_STEPS}, ε = {epsilon:g})")
    return AdversarialTraining(std, rob, epsilon, history or {}, robust)


# --- poisoning ---------------------------------------------------------------------------------------

def add_trigger(X, *, size=2, value=1.0):
    """BadNets' trigger: a ``size`` x ``size`` bright square in the bottom-right corner of each image."""
    X = np.array(_as_images(X), copy=True)
    size = check_int("trigger size", size, low=1, high=4)
    images = X.reshape(len(X), 8, 8)
    images[:, 8 - size:, 8 - size:] = value
    return images.reshape(len(X), 64)


def poison_backdoor(X, y, rate, *, target=0, size=2, seed=0):
    """Add the trigger to a ``rate`` share of the training images (of other classes) and relabel
    them ``target``. Returns ``(X_poisoned, y_poisoned, poisoned_indices)``."""
    rate = check_rate(rate)
    target = check_target(target)
    X, y = np.array(_as_images(X), copy=True), np.array(y, copy=True)
    candidates = np.flatnonzero(y != target)
    n = min(int(round(rate * len(X))), len(candidates))
    idx = np.sort(np.random.default_rng([seed, 13]).choice(candidates, n, replace=False))
    if len(idx):       # a rate of 0 poisons nothing
        X[idx] = add_trigger(X[idx], size=size)
    y[idx] = target
    return X, y, idx


def flip_labels(y, rate, *, n_classes=10, seed=0):
    """Give a ``rate`` share of the labels another class, chosen at random. Returns ``(y, indices)``."""
    rate = check_rate(rate)
    y = np.array(y, copy=True)
    rng = np.random.default_rng([seed, 17])
    idx = np.sort(rng.choice(len(y), int(round(rate * len(y))), replace=False))
    y[idx] = (y[idx] + rng.integers(1, n_classes, len(idx))) % n_classes
    return y, idx


@dataclasses.dataclass(frozen=True)
class PoisonRun:
    """A model trained on poisoned data, measured on clean test images (and triggered ones)."""

    kind: str
    rate: float
    clean_accuracy: float
    baseline_accuracy: float
    attack_success: float | None        # backdoor: triggered test images sent to the target
    target: int | None
    poisoned: np.ndarray                # indices of the poisoned training images
    X_train: np.ndarray = dataclasses.field(repr=False)
    y_train: np.ndarray = dataclasses.field(repr=False)
    model: object = dataclasses.field(repr=False, default=None)
    stop_reason: str | None = None
    epochs_run: int | None = None       # remembered weights count as trained to the end

    @property
    def accuracy_cost(self):
        """Clean accuracy points lost to the poison."""
        return 100 * (self.baseline_accuracy - self.clean_accuracy)


def backdoor_success(model, X, y, *, target, size=2):
    """Share of test images of other classes that the trigger sends to ``target``."""
    others = np.asarray(y) != target
    return float((predict(model, add_trigger(X[others], size=size)) == target).mean())


def run_poisoning(kind="backdoor", rate=0.05, *, target=0, trigger_size=2, seed=0, epochs=EPOCHS,
                  callbacks=(), stop=None, cache=True):
    """Train on poisoned digits; compare with the same model trained on clean data.

    ``cache=False`` trains the poisoned model again even where its weights are remembered."""
    kind = check_choice("poisoning", kind, tuple(POISONS))
    rate = check_rate(rate)
    target = check_target(target)
    data = make_data(seed)
    clean, _ = train_classifier(data.X_train, data.y_train, seed=seed, epochs=epochs)
    baseline = accuracy(clean, data.X_test, data.y_test)
    if kind == "backdoor":
        X, y, idx = poison_backdoor(data.X_train, data.y_train, rate, target=target, size=trigger_size,
                                    seed=seed)
    else:
        X = data.X_train
        y, idx = flip_labels(data.y_train, rate, seed=seed)
    model, result = train_classifier(X, y, seed=seed, epochs=epochs, role="poisoned", callbacks=callbacks,
                                     stop=stop, cache=cache)
    success = backdoor_success(model, data.X_test, data.y_test, target=target, size=trigger_size) \
        if kind == "backdoor" else None
    return PoisonRun(kind, rate, accuracy(model, data.X_test, data.y_test), baseline, success,
                     target if kind == "backdoor" else None, idx, X, y, model,
                     None if result is None else result.stop_reason,
                     epochs if result is None else result.epochs_run)


@dataclasses.dataclass(frozen=True)
class PoisonSweep:
    """Clean accuracy (and backdoor success) against the poison rate."""

    kind: str
    rates: tuple
    clean_accuracy: np.ndarray
    attack_success: np.ndarray | None


def run_poison_sweep(kind="backdoor", rates=(0.0, 0.005, 0.01, 0.02, 0.05, 0.1), *, target=0, seed=0):
    runs = [run_poisoning(kind, r, target=target, seed=seed) for r in rates]
    success = np.array([r.attack_success for r in runs]) if kind == "backdoor" else None
    return PoisonSweep(kind, tuple(rates), np.array([r.clean_accuracy for r in runs]), success)


def clear_cache():
    """Forget remembered trained weights (tests use it to time training)."""
    _TRAINED.clear()
