"""Lesson 06 · exercises: checkers (tested to fail on wrong answers), hints and solutions.

The checkers that need a trained result (q2's out-of-fold probabilities, q3's learning curve)
compute it with the same call as the notebook and keep it, per :func:`dltutor.env.perturbation`,
in :data:`_CACHE`: a second check costs nothing, and a check inside ``perturbed(...)`` (the
tests' stand-in for another machine) gets its own.
"""
from __future__ import annotations

import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "06"

NOISE_RATE = 0.2             # q1: the share of each class's labels to move
MIN_PRECISION = 0.8          # q2: the flags' precision the chosen filter must keep
N_TRAIN = 1347               # q3: the learning curve's largest training set (quantity.MAX_TRAIN)
TOLERANCE = 0.003            # q3: 0.3 points either side of the power law's prediction
_SAME = 0.0005               # q3: an answer this close to a known wrong number is that number
MIN_RECALL = 0.85            # q4: share of the leaked test images to find
MAX_FALSE_ALARMS = 0.5       # q4: share of the test images without a near-duplicate flagged

_CACHE = {}


def _cached(name, make):
    """``make()``, computed once per name and per machine stand-in (:func:`dltutor.env.perturbation`)."""
    from dltutor.env import perturbation  # noqa: PLC0415

    key = (name, perturbation())
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


# --- q1: label noise by hand --------------------------------------------------------------------

def _clean_labels():
    from dltutor.data_quality import compute as dq  # noqa: PLC0415

    return dq.load_noisy_digits(0.0).y_true


def _check_noise(y_noisy):
    import numpy as np  # noqa: PLC0415

    y = _clean_labels()
    try:
        given = np.asarray(y_noisy)
    except Exception:  # noqa: BLE001 - anything that is not an array is a wrong answer
        given = np.asarray(None)
    if given.shape != y.shape:
        raise Incorrect(f"`y_noisy` should be an array of {len(y)} labels, one per entry of `y`; yours has "
                        f"shape {given.shape}. Start from y_noisy = y.copy() and change some entries.")
    if given.dtype.kind not in "iu":
        raise Incorrect(f"`y_noisy` holds {given.dtype} values; labels are whole numbers 0-9 like `y` "
                        "(start from y_noisy = y.copy(), and draw new labels with rng.integers).")
    if given.min() < 0 or given.max() > 9:
        raise Incorrect(f"`y_noisy` holds labels from {given.min()} to {given.max()}; the digits have the "
                        "classes 0-9: wrap the new label round with % 10.")
    changed = given != y
    if not changed.any():
        raise Incorrect("no label of `y_noisy` differs from `y`: move round(0.2 * n_c) labels of each "
                        "class c to another class.")
    wrong = []
    for c in range(10):
        n_c = int((y == c).sum())
        want, got = round(NOISE_RATE * n_c), int(changed[y == c].sum())
        if abs(got - want) > 1:
            wrong.append((c, got, want, n_c))
    if wrong:
        listed = "; ".join(f"class {c}: {got} of {n_c} changed, {want} should be" for c, got, want, n_c in wrong[:4])
        total = int(changed.sum())
        if all(got < want for _, got, want, _ in wrong):
            why = (" Too few changed: if you drew the new label from all ten classes, some draws gave back "
                   "the old one and changed nothing. Draw from the nine *other* classes.")
        elif all(got > want for _, got, want, _ in wrong):
            why = " Too many changed: take 20% of each class, not more."
        else:
            why = (f" Overall you changed {total} labels: 20% of all labels drawn at random is not 20% "
                   "of each class. Pick round(0.2 * n_c) rows inside each class c.")
        raise Incorrect(f"every class should have round(0.2 * n_c) labels moved; {listed}.{why}")
    targets = given[changed]
    for c in range(10):
        mine = given[changed & (y == c)]
        if len(mine) >= 6 and len(np.unique(mine)) < 3:
            goes = " or ".join(str(t) for t in np.unique(mine))
            raise Incorrect(f"all {len(mine)} changed labels of class {c} became {goes}: that is a fixed "
                            "mapping (like c -> c + 1), an annotator who always confuses the same pair, not "
                            "symmetric noise. Draw each new label at random among the nine other classes.")
    if len(np.unique(targets)) < 5:
        raise Incorrect(f"your changed labels only go to the classes {sorted(np.unique(targets).tolist())}; "
                        "symmetric noise spreads them over every other class: draw each at random.")
    moved = [int(changed[y == c].sum()) for c in range(10)]
    arrivals = np.bincount(targets, minlength=10)
    per_class = f"{min(moved)}" if min(moved) == max(moved) else f"{min(moved)}-{max(moved)}"
    return (f"{int(changed.sum())} labels ({changed.mean():.0%}) moved, {per_class} per class, "
            f"spread over the other classes ({arrivals.min()}-{arrivals.max()} arrivals per class): the "
            "symmetric noise of dq.flip_labels(y, 0.2), which the lesson's networks then memorize.")


# --- q2: which cleanlab filter -----------------------------------------------------------------------

def _filter_table():
    """``{filter_by: (n_flags, n_flipped_among_them)}`` for every cleanlab filter, on the exercise's run."""
    def make():
        import cleanlab  # noqa: PLC0415

        from dltutor.data_quality import compute as dq  # noqa: PLC0415

        issues = dq.run_find_label_issues(0.3, seed=0)
        table = {}
        for f in dq.FILTERS:
            flags = cleanlab.filter.find_label_issues(issues.y_given, issues.pred_probs, filter_by=f, n_jobs=1)
            table[f] = (int(flags.sum()), int((flags & issues.flipped).sum()))
        return table

    return _cached("filters", make)


def _precision(n_flags, found):
    return found / n_flags if n_flags else 1.0


def _accepted(table):
    """The filters whose count of true flags is the best among those with precision >= 0.8."""
    good = {f: found for f, (n, found) in table.items() if _precision(n, found) >= MIN_PRECISION}
    if not good:
        return set()
    best = max(good.values())
    return {f for f, found in good.items() if found == best}


def _check_filter(filter_by):
    from dltutor._checks import check_choice  # noqa: PLC0415
    from dltutor.data_quality import compute as dq  # noqa: PLC0415

    if not isinstance(filter_by, str):
        raise Incorrect(f"`filter_by` should be the name of a cleanlab filter, a string from dq.FILTERS "
                        f"such as {dq.FILTERS[0]!r}; got {filter_by!r}.")
    try:
        check_choice("filter_by", filter_by, dq.FILTERS)
    except ValueError as exc:
        raise Incorrect(str(exc)) from None
    table = _filter_table()
    n, found = table[filter_by]
    precision = _precision(n, found)
    accepted = _accepted(table)
    if filter_by in accepted:
        return (f"{filter_by!r} flags {n} labels, {found} of them really flipped (precision {precision:.2f}): "
                "the most true flags among the filters that keep precision >= 0.8. A filter that flags "
                "more finds more wrong labels but also throws away more right ones.")
    if precision < MIN_PRECISION:
        raise Incorrect(f"{filter_by!r} finds {found} flipped labels, but among its {n} flags only "
                        f"{precision:.2f} are flipped, below 0.8: it would throw away too many right labels. "
                        "Look for the best filter whose precision stays at 0.8 or more.")
    best = table[next(iter(accepted))][1] if accepted else found
    raise Incorrect(f"{filter_by!r} keeps precision {precision:.2f} (>= 0.8), but finds only {found} flipped "
                    f"labels in its {n} flags; another filter with precision >= 0.8 finds {best}. "
                    "Compare every name in dq.FILTERS.")


# --- q3: read the learning curve ------------------------------------------------------------------------

def _curve():
    """``(a, b, mean test accuracy at the largest size, sizes)`` of ``dq.run_learning_curve()``."""
    def make():
        from dltutor.data_quality import quantity as q  # noqa: PLC0415

        curve = q.run_learning_curve()
        return float(curve.a), float(curve.b), float(curve.mean[-1]), curve.sizes.tolist()

    return _cached("curve", make)


def _check_accuracy_at_2n(accuracy_at_2n):
    import numpy as np  # noqa: PLC0415

    value = accuracy_at_2n
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(())[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise Incorrect(f"`accuracy_at_2n` should be one number, an accuracy like 0.95; got {accuracy_at_2n!r}.")
    value = float(value)
    a, b, measured, sizes = _curve()
    n = sizes[-1]
    want = 1.0 - a * (2 * n) ** -b
    if not np.isfinite(value):
        raise Incorrect(f"{value} is not an accuracy: it should be a fraction between 0 and 1.")
    if 1.0 < value <= 100.0:
        raise Incorrect(f"{value:g} looks like a percentage: give the accuracy as a fraction between 0 and 1 "
                        f"(97.9% is 0.979), as curve.accuracy holds it.")
    if not 0.0 <= value <= 1.0:
        raise Incorrect(f"{value:g} is not an accuracy: accuracies are fractions between 0 and 1.")
    at_n = 1.0 - a * n ** -b
    if abs(value - want) <= TOLERANCE:
        return (f"{value:.4f}: the power law puts the error at {a:.2f} * {2 * n} ** -{b:.2f} = {1 - want:.4f}, "
                f"{2 ** -b:.2f} times its {1 - at_n:.4f} at {n} images: twice the data buys about "
                f"{100 * (want - at_n):.1f} points. A power law has no floor, so trust it for a doubling or "
                "two, not for 100 times the data.")
    if abs(value - (1.0 - want)) <= TOLERANCE:
        raise Incorrect(f"{value:.4f} is the predicted *error*; the question asks for the accuracy, 1 - error.")
    if abs(value - measured) <= _SAME:
        raise Incorrect(f"{value:.4f} is the measured accuracy at {n} images; the question is what the fitted "
                        f"power law predicts with twice the data, n = 2 * {n}.")
    if abs(value - at_n) <= _SAME:
        raise Incorrect(f"{value:.4f} is the fitted accuracy at {n} images, the data we have; put twice as "
                        f"many, n = 2 * {n}, into the power law.")
    side = "above" if value > want else "below"
    raise Incorrect(f"{value:.4f} is {100 * abs(value - want):.1f} points {side} what the fitted power law "
                    f"predicts at n = 2 * {n}. The error follows a * n ** -b (curve.a, curve.b): it neither "
                    "falls in a straight line with n nor halves with each doubling. Accuracy = 1 - error.")


# --- q4: find the leak ---------------------------------------------------------------------------------

def _leak_truth():
    """True for the test images of the exercise's split whose original is also in the training set."""
    import numpy as np  # noqa: PLC0415
    from sklearn.model_selection import train_test_split  # noqa: PLC0415

    from dltutor.data_quality import quantity as q  # noqa: PLC0415

    X, y, groups = q.make_near_duplicates(seed=0)
    *_, g_train, g_test = train_test_split(X, y, groups, test_size=0.5, random_state=0)
    return np.isin(g_test, g_train)


def _check_leaked(leaked):
    import numpy as np  # noqa: PLC0415

    truth = _leak_truth()
    try:
        given = np.asarray(leaked)
    except Exception:  # noqa: BLE001
        given = np.asarray(None)
    n = len(truth)
    if given.ndim == 2 and given.shape[0] == n and given.shape[1] == 1:
        raise Incorrect(f"`leaked` has shape {given.shape}: kneighbors returns one column per neighbour; "
                        f"take the first, distance[:, 0], for an array of shape ({n},).")
    if given.dtype.kind in "iu" and given.shape != (n,):
        raise Incorrect(f"`leaked` looks like a list of indices; give one True/False per test image, an "
                        f"array of shape ({n},), e.g. distance[:, 0] < threshold.")
    if given.shape != (n,):
        extra = " (that is every image of X: give one per image of X_test)" if given.shape == (2 * n,) else ""
        raise Incorrect(f"`leaked` should be a bool array with one entry per test image, shape ({n},); yours has "
                        f"shape {given.shape}{extra}.")
    if given.dtype != bool:
        raise Incorrect(f"`leaked` holds {given.dtype} values; make it True/False per test image, e.g. "
                        "distance[:, 0] < threshold.")
    if given.all():
        raise Incorrect(f"every test image is flagged. {truth.sum()} of the {n} really have a near-duplicate in "
                        f"the training set, so 'all of them' looks good on precision ({truth.mean():.2f}) while "
                        "finding nothing: choose a threshold that leaves the far-away images out.")
    if not given.any():
        raise Incorrect("no test image is flagged. Near-duplicates are not exact copies (moved a quarter of a "
                        "pixel, with noise), so compare distances to the nearest training image with a "
                        "threshold, not equality.")
    found = int((given & truth).sum())
    recall = found / truth.sum()
    clean = ~truth
    alarms = int((given & clean).sum())
    if recall < MIN_RECALL:
        raise Incorrect(f"you flag {found} of the {truth.sum()} test images that have a near-duplicate in the "
                        f"training set (recall {recall:.2f}, at least {MIN_RECALL} needed): raise the distance "
                        "threshold, or check that you flag the *near* ones (distance below the threshold).")
    if alarms > MAX_FALSE_ALARMS * clean.sum():
        raise Incorrect(f"you also flag {alarms} of the {clean.sum()} test images with no near-duplicate in "
                        f"the training set (at most {int(MAX_FALSE_ALARMS * clean.sum())} allowed): lower "
                        "the threshold, towards the gap between rescans and different drawings.")
    precision = found / given.sum()
    return (f"{given.sum()} test images flagged: {found} of the {truth.sum()} leaked ones (recall {recall:.2f}, "
            f"precision {precision:.2f}), and {alarms} of the {clean.sum()} without a near-duplicate. "
            "Scored on them, a network is largely tested on what it trained on; a group split "
            "(GroupShuffleSplit) keeps every version of a digit on one side.")


# --- q5: which set never to clean --------------------------------------------------------------------------

def _check_never_clean(which, reason):
    from dltutor._checks import check_choice  # noqa: PLC0415

    sets = ("train", "validation", "test")
    if not isinstance(which, str):
        raise Incorrect(f"`which` should be one of the strings {', '.join(map(repr, sets))}.")
    try:
        which = check_choice("set", which.strip().lower(), sets)
    except ValueError as exc:
        raise Incorrect(str(exc)) from None
    if which == "train":
        raise Incorrect("cleaning the *training* set is what cleanlab's flags are for: the network then "
                        "stops memorizing wrong labels. Which set's score would a cleaning make meaningless?")
    if which == "validation":
        raise Incorrect("the validation set picks epochs and settings; cleaning it by the model's flags "
                        "is questionable too, but the set you must never clean that way is the one whose "
                        "score you report.")
    if not isinstance(reason, str) or reason.strip().lower() not in ("a", "b", "c"):
        raise Incorrect("`reason` should be 'a', 'b' or 'c'.")
    reason = reason.strip().lower()
    if reason == "a":
        raise Incorrect("losing a few examples is a cost, not the danger: think about *who* decided which "
                        "examples go, and what the test score then measures.")
    if reason == "c":
        raise Incorrect("early stopping does not need noise; it needs a clean validation set. Think about "
                        "who decided which test examples go.")
    return ("the flags are the model's own disagreements: a test set cleaned of them agrees with the "
            "model by construction, and its score rises without the model getting any better. Label "
            "errors in a test set are fixed by people, with the flags as a to-do list (cleanlab's "
            "maintainers say the same).")


def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("06")`` returns)."""
    return ExerciseSet("Lesson 06 — data quality and quantity", [
        Exercise(
            "q1",
            "Inject 20% symmetric label noise by hand into `y`, the clean training labels "
            "(`y = dq.load_noisy_digits(0.0).y_true`): in a copy `y_noisy`, move round(0.2·n_c) "
            "labels of each class c (n_c labels) to another class drawn at random, with "
            "`np.random.default_rng(0)`.",
            names=("y_noisy",), checker=_check_noise,
            points=1,
            hint="Start from y_noisy = y.copy(). For each class c, pick round(0.2 * n_c) of its rows at random "
                 "without replacement (rng.choice(np.flatnonzero(y == c), size=..., replace=False)). The new "
                 "label must not be c: adding 1 to 9 (rng.integers(1, 10)) and taking % 10 lands on any of "
                 "the nine other classes.",
            solution="from dltutor import data_quality as dq\n"
                     "y = dq.load_noisy_digits(0.0).y_true   # as in the notebook\n"
                     "rng = np.random.default_rng(0)\n"
                     "y_noisy = y.copy()\n"
                     "for c in range(10):\n"
                     "    rows = rng.choice(np.flatnonzero(y == c), size=round(0.2 * (y == c).sum()), replace=False)\n"
                     "    y_noisy[rows] = (c + rng.integers(1, 10, size=len(rows))) % 10   # any class but c"),
        Exercise(
            "q2",
            "`found = dq.run_find_label_issues(0.3, seed=0)` holds out-of-fold probabilities "
            "(`found.pred_probs`) and the given labels (`found.y_given`). Set `filter_by` to the "
            "cleanlab `filter_by` (a name from `dq.FILTERS`) whose "
            "`cleanlab.filter.find_label_issues(found.y_given, found.pred_probs, filter_by=filter_by, n_jobs=1)` "
            "flags the most labels we really flipped (`found.flipped`) while keeping precision (the "
            "share of its flags that are flipped) at 0.8 or more.",
            names=("filter_by",), checker=_check_filter,
            points=2,
            hint="Loop over dq.FILTERS: flags = find_label_issues(..., filter_by=f, n_jobs=1) is a bool array; "
                 "(flags & found.flipped).sum() counts the true flags, and that divided by flags.sum() is "
                 "the precision. Among the filters with precision >= 0.8, take the one with most true flags.",
            graded_hint="Try every name in dq.FILTERS. For each, count cleanlab's flags and how many of them "
                        "we really flipped; their ratio is the precision. Keep the filters at 0.8 or more, "
                        "then the one that finds the most flipped labels.",
            solution="import cleanlab\n"
                     "from dltutor import data_quality as dq\n"
                     "found = dq.run_find_label_issues(0.3, seed=0)   # as in the notebook\n"
                     "best = {}\n"
                     "for f in dq.FILTERS:\n"
                     "    flags = cleanlab.filter.find_label_issues(found.y_given, found.pred_probs,\n"
                     "                                              filter_by=f, n_jobs=1)\n"
                     "    flipped = (flags & found.flipped).sum()\n"
                     "    print(f\"{f:20s} {flags.sum()} flags, {flipped} flipped, precision {flipped / flags.sum():.2f}\")\n"
                     "    if flipped / flags.sum() >= 0.8:\n"
                     "        best[f] = flipped\n"
                     "filter_by = max(best, key=best.get)"),
        Exercise(
            "q3",
            "`curve = dq.run_learning_curve()`. From the fitted power law (error = a·n^-b, `curve.a`, "
            "`curve.b`) set `accuracy_at_2n` to the test accuracy it predicts with twice the data "
            "(2 × 1347 images), as a fraction like 0.95.",
            names=("accuracy_at_2n",), checker=_check_accuracy_at_2n,
            points=1,
            hint="Put n = 2 * 1347 into error = curve.a * n ** -curve.b; the accuracy is 1 - error.",
            solution="from dltutor import data_quality as dq\n"
                     "curve = dq.run_learning_curve()   # as in the notebook\n"
                     "accuracy_at_2n = 1 - curve.a * (2 * 1347) ** -curve.b"),
        Exercise(
            "q4",
            "`X, y, groups = dq.make_near_duplicates(seed=0)`; `X_train, X_test, y_train, y_test, g_train, "
            "g_test = train_test_split(X, y, groups, test_size=0.5, random_state=0)`. Without looking at "
            "`groups`, find the test images that have a near-duplicate in the training set: `leaked`, a "
            "bool array over X_test (nearest-neighbour distance, e.g. "
            "`sklearn.neighbors.NearestNeighbors`). Find at least 85% of them, flagging at most half "
            "of the test images that have none.",
            names=("leaked",), checker=_check_leaked,
            points=2,
            hint="NearestNeighbors(n_neighbors=1).fit(X_train).kneighbors(X_test) returns each test image's "
                 "distance to its closest training image (and which one). Draw a histogram of distance[:, 0]: "
                 "a rescan of the same drawing lies closer than any other drawing. Flag the test images "
                 "below a threshold at the end of the bulk of small distances.",
            graded_hint="For each test image, find the distance to its closest training image (scikit-learn's "
                        "NearestNeighbors does it in two lines). A near-copy lies much closer than any other "
                        "drawing of the same digit: flag the test images whose distance is below a threshold "
                        "at the end of the bulk of small distances.",
            solution="from sklearn.model_selection import train_test_split\n"
                     "from sklearn.neighbors import NearestNeighbors\n"
                     "from dltutor import data_quality as dq\n"
                     "X, y, groups = dq.make_near_duplicates(seed=0)   # as in the notebook\n"
                     "X_train, X_test, y_train, y_test, g_train, g_test = train_test_split(\n"
                     "    X, y, groups, test_size=0.5, random_state=0)\n"
                     "distance, _ = NearestNeighbors(n_neighbors=1).fit(X_train).kneighbors(X_test)\n"
                     "leaked = distance[:, 0] < 1.1   # rescans mostly 0.4-1.0 away, other drawings 1.0-1.5"),
        Exercise(
            "q5",
            "Which set must you never clean with cleanlab's flags: 'train', 'validation' or 'test'? "
            "Set `which`, and `reason` to the letter of why: (a) it would lose examples; (b) the flags "
            "come from the model's own opinion, so a cleaned test set agrees with the model by "
            "construction and its score rises without the model getting better; (c) early stopping "
            "needs the noise.",
            names=("which", "reason"), checker=_check_never_clean,
            points=1,
            hint="Who decides what is flagged? What would the score measure on a set from which every "
                 "example the model disagrees with was removed?",
            solution="which = \"test\"\nreason = \"b\""),
    ], written=[
        Written(
            "w1", after="**Predict:** train the same network for",
            prompt="Before you run it: with 30% wrong labels and a long budget, what will the training "
                   "accuracy and the test accuracy do? After: why does early stopping on a clean "
                   "validation set help?",
            answer="1 point: a prediction for both with a reason. 1 point: the explanation. The network "
                   "first learns the pattern shared by the right labels, then memorizes the wrong ones "
                   "one by one: training accuracy (on the noisy labels) climbs to ~100% while test "
                   "accuracy falls from its peak. The clean validation accuracy peaks before the "
                   "memorization sets in, and early stopping keeps those weights."),
    ])
