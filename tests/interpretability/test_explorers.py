"""Lesson 07's displays draw the compute layer's numbers; its explorer shows them, refuses what
cannot be inside the widget, and keeps what the student had."""
import numpy as np

from dltutor import interpretability as interp


def test_saliency_display_draws_each_methods_map():
    trained = interp.train_digits_cnn(0)
    s = interp.explain_image(trained, 3, patch=4)
    disp = interp.SaliencyDisplay(s).plot()
    for m in interp.METHODS:
        np.testing.assert_allclose(np.asarray(disp.images_[m].get_array()).ravel(), s.maps[m], rtol=1e-6)
    assert len(np.unique(s.maps["occlusion"])) <= 4          # 4x4 patches: four values
    assert s.completeness_error < 0.02


def test_randomization_display_draws_the_medians():
    r = interp.run_randomization(0, n_images=20, random_labels=False)
    disp = interp.RandomizationDisplay(r).plot(stage=2)
    for m in interp.METHODS:
        np.testing.assert_allclose(disp.lines_[m].get_ydata(), r.median(m))


def test_saliency_explorer_moves_without_retraining_and_refuses_impossible_settings():
    ex = interp.SaliencyExplorer()
    first = ex.update()
    assert first is not None and ex.error is None and "completeness residual" in ex.summary.value
    trained = interp.train_digits_cnn(0)
    moved = ex.update(image=17, randomized=4)
    ref = interp.explain_image(trained, 17, stage=4)
    for m in interp.METHODS:
        np.testing.assert_allclose(moved.maps[m], ref.maps[m], rtol=1e-5, atol=1e-6)
    assert "Median rank correlation" in ex.summary.value
    before = ex.summary.value
    for bad, words in ((dict(patch=3), "does not tile"), (dict(steps=0), "between 1 and 200"),
                       (dict(image=450), "between 0 and 449"), (dict(baseline="blured"), "blurred")):
        assert ex.update(**bad) is None, bad
        assert words in ex.error and "role='alert'" in ex.status.value, (bad, ex.error)
    assert ex.summary.value == before and ex.params["patch"] == 2 and ex.params["image"] == 17
    ex.controls["patch"].value = 5                         # as a slider drag would
    ex.wait()
    assert "does not tile" in ex.status.value and ex.result is moved
