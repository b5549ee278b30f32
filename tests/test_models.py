import numpy as np
import pytest

from dltutor.models import build_mlp


def test_shapes_and_depth():
    model = build_mlp(64, 10, depth=3, width=16)
    assert model.output_shape == (None, 10)
    assert sum("hidden" in layer.name for layer in model.layers) == 3
    assert build_mlp(2, 2, depth=0).count_params() == 2 * 2 + 2   # linear model


def test_same_seed_same_initial_weights():
    a = build_mlp(8, 3, depth=2, seed=5).get_weights()
    b = build_mlp(8, 3, depth=2, seed=5).get_weights()
    c = build_mlp(8, 3, depth=2, seed=6).get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_options_build_the_layers_they_name():
    model = build_mlp(8, 3, depth=3, width=8, batch_norm=True, dropout=0.2, l2=1e-3, residual=True)
    names = [layer.name for layer in model.layers]
    assert any(n.startswith("bn_") for n in names)
    assert any(n.startswith("dropout_") for n in names)
    assert sum(n.startswith("skip_") for n in names) == 2
    model(np.zeros((1, 8), "float32"))
    assert len(model.losses) == 4          # one L2 penalty per kernel


def test_random_normal_std_sets_the_spread():
    w = build_mlp(100, 2, depth=1, width=400, initializer="random_normal", init_std=2.0).get_weights()[0]
    assert w.std() == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="sigmod"), "Unknown activation 'sigmod'.*Did you mean 'sigmoid'"),
    (dict(width=0), "width must be between 1"),
    (dict(depth=-1), "depth must be between 0"),
    (dict(initializer="he"), "Unknown initializer"),
    (dict(dropout=1.0), "dropout must be between"),
])
def test_bad_arguments_are_explained(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_mlp(4, 2, **kwargs)


def test_model_pool_reuses_one_model_per_architecture_with_fresh_weights():
    from dltutor.data import make_moons
    from dltutor.models import ModelPool
    from dltutor.training import train

    d = make_moons(120, seed=0)

    def final_loss(model):
        return train(model, d.X_train, d.y_train, epochs=30, validation_data=(d.X_test, d.y_test)).history["val_loss"][-1]

    pool = ModelPool()
    fresh = final_loss(build_mlp(2, 2, depth=2, width=16, seed=3))
    first = pool.get(2, 2, depth=2, width=16, seed=3)
    assert final_loss(first) == fresh                       # same numbers as a fresh model
    with_dropout = pool.get(2, 2, depth=2, width=16, seed=3, dropout=0.5)
    assert with_dropout is first and final_loss(with_dropout) != fresh
    with_l2 = pool.get(2, 2, depth=2, width=16, seed=3, l2=0.01)
    assert final_loss(with_l2) != fresh
    assert final_loss(pool.get(2, 2, depth=2, width=16, seed=3)) == fresh   # back to the start
    pool.get(2, 2, depth=2, width=32, seed=3)
    assert len(pool) == 2
    other_seed = pool.get(2, 2, depth=2, width=16, seed=7)              # a new seed: no new model
    assert other_seed is first and len(pool) == 2
    assert final_loss(other_seed) == final_loss(build_mlp(2, 2, depth=2, width=16, seed=7))


def test_model_pool_is_bounded_and_reinitializes_like_build_mlp():
    from dltutor.models import ModelPool, reinitialize

    pool = ModelPool(tunable=False, max_models=3)
    for width in (2, 3, 4, 5, 6):
        pool.get(2, 2, depth=1, width=width)
    assert len(pool) == 3                                           # the least recently used went
    for kw in (dict(batch_norm=True, activation="sigmoid"), dict(initializer="random_normal", init_std=0.7),
               dict(dropout=0.3, residual=True, depth=3)):
        model = pool.get(4, 3, seed=5, **{"depth": 2, "width": 8, **kw})
        fresh = build_mlp(4, 3, seed=5, **{"depth": 2, "width": 8, **kw})
        for a, b in zip(model.get_weights(), fresh.get_weights()):
            np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="models made by build_mlp"):
        import keras as k
        reinitialize(k.Sequential([k.Input((2,)), k.layers.Dense(2)]))


def test_dropout_runs_from_the_pool_are_reproducible():
    from dltutor.data import make_moons
    from dltutor.models import ModelPool
    from dltutor.training import train

    d = make_moons(120, seed=0)
    pool = ModelPool()
    losses = [train(pool.get(2, 2, depth=2, width=16, seed=1, dropout=0.5), d.X_train, d.y_train,
                    epochs=20).history["loss"] for _ in range(3)]
    assert losses[0] == losses[1] == losses[2]


def test_a_padded_pool_model_acts_as_the_narrow_model():
    import numpy as np

    from dltutor.models import ModelPool, build_mlp
    from dltutor.training import train

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2)).astype("float32")
    y = (X[:, 0] * X[:, 1] > 0).astype("int32")
    pool = ModelPool(tunable=False, pad_width=32)
    for depth, width in ((1, 3), (2, 8), (3, 32), (0, 5)):
        narrow = build_mlp(2, 2, depth=depth, width=width, activation="tanh", seed=4)
        padded = pool.get(2, 2, depth=depth, width=width, activation="tanh", seed=4)
        np.testing.assert_allclose(padded(X), narrow(X), rtol=1e-5, atol=1e-6)
        a = train(narrow, X, y, epochs=30, learning_rate=0.05, seed=1).history.history["loss"]
        b = train(padded, X, y, epochs=30, learning_rate=0.05, seed=1).history.history["loss"]
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
    assert len(pool) == 4
    assert pool.get(2, 2, depth=2, width=17, activation="tanh") is pool.get(2, 2, depth=2, width=8,
                                                                          activation="tanh", seed=1)
    with pytest.raises(ValueError, match="width must be between 1 and 32"):
        pool.get(2, 2, depth=1, width=33)
