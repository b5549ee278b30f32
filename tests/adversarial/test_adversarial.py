"""Lesson 04's claims, asserted on the compute layer for every seed 0-9, and its widgets' behaviour."""
import numpy as np
import pytest

from dltutor import adversarial as adv
from machines import on_every_machine


@pytest.fixture(scope="module")
def seeds():
    """Per machine and seed: robustness of a standard and a PGD-trained model, a backdoor, label flipping."""
    return on_every_machine(lambda seed: dict(
        defence=adv.run_adversarial_training(epsilon=0.1, seed=seed, epsilons=(0.0, 0.02, 0.05, 0.1, 0.2),
                                             attacks=tuple(adv.ATTACKS)),
        backdoor=adv.run_poisoning("backdoor", 0.05, seed=seed),
        flips=[adv.run_poisoning("label_flip", r, seed=seed).clean_accuracy for r in (0.2, 0.4)]))


def test_fgsm_breaks_the_model_and_random_noise_does_not(seeds):
    for (machine, seed), s in seeds.items():
        r = s["defence"].standard
        assert r.clean_accuracy >= 0.96, (machine, seed, r.clean_accuracy)
        assert r.clean_accuracy - r.at("noise", 0.1) <= 0.03, (machine, seed, r.accuracy["noise"])
        # the notebook: "97-99% ... FGSM leaves 45-55% at ε = 0.1 and under 5% at ε = 0.2"
        assert 0.4 <= r.at("fgsm", 0.1) < 0.6 and r.at("fgsm", 0.2) < 0.05, (machine, seed, r.accuracy["fgsm"])


def test_pgd_is_never_weaker_than_fgsm(seeds):
    for (machine, seed), s in seeds.items():
        r = s["defence"].standard
        assert (r.accuracy["pgd"] <= r.accuracy["fgsm"]).all(), (machine, seed, r.accuracy)
        assert r.at("pgd", 0.1) < r.at("fgsm", 0.1), (machine, seed)      # and stronger where it matters


def test_adversarial_training_buys_robustness_for_little_clean_accuracy(seeds):
    for (machine, seed), s in seeds.items():
        d = s["defence"]
        assert d.gain("pgd") >= 30, (machine, seed, d.gain("pgd"))
        assert d.robust.at("pgd", 0.1) >= 0.8, (machine, seed, d.robust.accuracy["pgd"])   # the notebook's "over 80%"
        assert d.clean_cost <= 2.0, (machine, seed, d.clean_cost)                          # "at most 2 points"
        assert d.robust.at("pgd", 0.2) < d.robust.at("pgd", 0.1), (machine, seed)            # beyond its ε it breaks


def test_a_5_percent_backdoor_works_and_hides(seeds):
    for (machine, seed), s in seeds.items():
        b = s["backdoor"]
        assert b.attack_success >= 0.97, (machine, seed, b.attack_success)        # notebook: "at least 97%"
        assert abs(b.accuracy_cost) <= 2.0, (machine, seed, b.accuracy_cost)
        assert len(b.poisoned) == round(0.05 * len(b.X_train)) and (b.y_train[b.poisoned] == 0).all()


def test_label_flipping_costs_a_few_points(seeds):
    for (machine, seed), s in seeds.items():
        base = s["backdoor"].baseline_accuracy
        at20, at40 = s["flips"]
        assert base > at20 > at40 or base > at40, (machine, seed, base, s["flips"])
        assert 0.015 <= base - at40 <= 0.095, (machine, seed, base - at40)          # notebook: "2-9 points"


def test_perturbations_stay_in_the_pixel_range_and_the_eps_ball():
    data = adv.make_data(0)
    model, _ = adv.train_classifier(data.X_train, data.y_train, seed=0)
    x = data.X_test[:100]
    for name in adv.ATTACKS:
        for eps in (0.0, 0.05, 0.3, 1.0):
            x_adv = adv.attack(model, x, eps, name)
            assert x_adv.shape == x.shape and x_adv.min() >= 0 and x_adv.max() <= 1, (name, eps)
            assert np.abs(x_adv - x).max() <= eps + 1e-6, (name, eps)
    walk = adv.run_targeted(model, x[0], 3, true_label=data.y_test[0], epsilon=0.2, steps=30)
    assert np.abs(walk.images - x[0]).max() <= 0.2 + 1e-6 and walk.images.min() >= 0
    assert walk.success_step is not None and walk.probs[-1].argmax() == 3


def test_attacks_use_the_models_predictions_by_default():
    data = adv.make_data(0)
    model, _ = adv.train_classifier(data.X_train, data.y_train, seed=0)
    x = data.X_test[:50]
    own = adv.predict(model, x)
    assert np.array_equal(adv.fgsm(model, x, 0.1), adv.fgsm(model, x, 0.1, y=own))
    assert np.array_equal(adv.pgd(model, x, 0.1), adv.pgd(model, x, 0.1, y=own))


def test_targeted_walks_succeed_for_other_targets():
    data = adv.make_data(0)
    model, _ = adv.train_classifier(data.X_train, data.y_train, seed=0)
    successes = [adv.run_targeted(model, data.X_test[i], t, true_label=data.y_test[i], epsilon=0.2).success_step
                 is not None for i in range(5) for t in range(10) if t != data.y_test[i]]
    assert np.mean(successes) >= 0.8, np.mean(successes)


def test_results_are_reproducible():
    adv.compute.clear_cache()
    a = adv.run_poisoning("backdoor", 0.02, seed=4)
    adv.compute.clear_cache()
    b = adv.run_poisoning("backdoor", 0.02, seed=4)
    assert a.clean_accuracy == b.clean_accuracy and a.attack_success == b.attack_success
    assert np.array_equal(a.poisoned, b.poisoned)
    data = adv.make_data(4)
    model, _ = adv.train_classifier(data.X_train, data.y_train, seed=4)
    assert np.array_equal(adv.random_noise(data.X_test, 0.1, seed=1), adv.random_noise(data.X_test, 0.1, seed=1))
    assert np.array_equal(adv.pgd(model, data.X_test, 0.1), adv.pgd(model, data.X_test, 0.1))


def test_bad_input_is_explained():
    data = adv.make_data(0)
    model, _ = adv.train_classifier(data.X_train, data.y_train, seed=0)
    x = data.X_test[:5]
    with pytest.raises(ValueError, match=r"epsilon .*pixels lie in \[0, 1\].*between 0(\.0)? and 1"):
        adv.fgsm(model, x, -0.1)
    with pytest.raises(ValueError, match=r"between 0(\.0)? and 1"):
        adv.pgd(model, x, 1.5)
    with pytest.raises(ValueError, match="Unknown attack 'deepfool'"):
        adv.attack(model, x, 0.1, "deepfool")
    with pytest.raises(ValueError, match="The target class 2 is this image's true class"):
        adv.run_targeted(model, x[0], 2, true_label=2)
    with pytest.raises(ValueError, match=r"poison rate .*between 0(\.0)? and 1"):
        adv.run_poisoning("backdoor", 1.5)
    with pytest.raises(ValueError, match=r"Unknown poisoning 'zebra'"):
        adv.run_poisoning("zebra", 0.1)
    with pytest.raises(ValueError, match=r"Pixels must lie in \[0, 1\]"):
        adv.fgsm(model, x * 16, 0.1)


def test_evasion_explorer_eps_is_light_and_bad_values_are_explained():
    ex = adv.EvasionExplorer()
    first = ex.update()
    assert ex.error is None and first.at("fgsm", 0.1) < 0.6
    runs = ex.runs
    ex.update(epsilon=0.2)
    assert ex.runs == runs, "ε only re-attacks the trained model"
    assert "At ε = 0.2:" in ex.summary.value and "FGSM" in ex.summary.value
    assert ex.update(epsilon=-0.1) is None and "epsilon must be between 0 and 0.3" in ex.status.value
    assert ex.update(epsilon=2) is None and ex.controls["epsilon"].value == 0.2
    assert ex.update(defence="distillation") is None and "defence" in ex.status.value


def test_evasion_explorer_adversarial_model_stops_and_resumes():
    import threading

    ex = adv.EvasionExplorer()
    stop = threading.Event()
    calls = []

    def report(epoch, total, text=None):
        calls.append(epoch)
        if epoch >= 3:
            stop.set()
    adv.compute.clear_cache()
    assert ex.run({**ex.params, "defence": "adversarial"}, stop, report) is None
    assert max(calls) < adv.ADV_EPOCHS
    res = ex.update(defence="adversarial")
    assert res.label.startswith("adversarial training") and res.at("pgd", 0.1) >= 0.8


def test_targeted_explorer_refuses_the_true_class():
    ex = adv.TargetedExplorer()
    walk = ex.update()
    assert walk.success_step is not None
    true = int(adv.make_data(0).y_test[ex.controls["image"].value])
    assert ex.update(target=true) is None
    assert "true class" in ex.status.value and ex.controls["target"].value == walk.target


def test_poisoning_explorer_shows_success_and_cost():
    ex = adv.PoisoningExplorer()
    run = ex.update()
    assert run.attack_success >= 0.9 and "are read as 0" in ex.summary.value
    run = ex.update(kind="label_flip", rate=0.4)
    assert run.attack_success is None and "points lost" in ex.summary.value
    assert ex.update(rate=0.3) is None and "rate" in ex.status.value


def test_evasion_summary_follows_the_model_and_refusals_clear():
    ex = adv.EvasionExplorer()
    for seed in (9999, 0):
        res = ex.update(seed=seed)
        assert f"clean test accuracy <b>{res.clean_accuracy:.1%}</b>" in ex.summary.value, (seed, ex.summary.value)
    assert ex.update(epsilon=float("nan")) is None and ex.error
    assert ex.update(epsilon=np.float32(0.1)) is not None
    assert ex.error is None and ex.status.value == "" and ex.controls["epsilon"].value == pytest.approx(0.1)
    assert ex.update(epsilon=0.005) is not None and "At ε = 0.005:" in ex.summary.value   # the value used


def test_wrong_shapes_and_labels_get_the_packages_own_messages():
    data = adv.make_data(0)
    model, _ = adv.train_classifier(data.X_train, data.y_train, seed=0)
    x = data.X_test[:4]
    for bad in (x[0].reshape(8, 8), x[:, :63], x[0]):
        with pytest.raises(ValueError, match=r"Images must be an array \(n_images, 64\)"):
            adv.fgsm(model, bad, 0.1)
    with pytest.raises(ValueError, match=r"Images must be an array \(n_images, 64\)"):
        adv.random_noise(x[:, :63], 0.1)
    for y in ([1, 2], [11] * 4, [-1, 0, 0, 0], "abcd"):
        with pytest.raises(ValueError, match="y must be"):
            adv.fgsm(model, x, 0.1, y=y)
    for target in (2.7, "3", [1, 2]):
        with pytest.raises(ValueError, match="target must be"):
            adv.pgd(model, x, 0.1, target=target)
    with pytest.raises(ValueError, match="walks one image"):
        adv.run_targeted(model, x[:2], 3)
    with pytest.raises(ValueError, match="true_label must be between 0 and 9"):
        adv.run_targeted(model, x[0], 1, true_label=12)


def test_a_zero_poison_rate_poisons_nothing():
    data = adv.make_data(0)
    X, y, idx = adv.poison_backdoor(data.X_train, data.y_train, 0.0)
    assert len(idx) == 0
    np.testing.assert_array_equal(X, data.X_train)
    np.testing.assert_array_equal(y, data.y_train)
