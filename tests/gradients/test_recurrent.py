"""Lesson 02 · through time: the recurrent section's claims, asserted for seeds 0-9 on three machines.

Each claim of the notebook's section 6 is asserted here with the numbers the text states (the
measured ranges are printed, ``pytest -s``). Seeds are trained at once (stacked weights), one
call per machine, so the whole file stays within a few minutes on one core.
"""
import numpy as np
import pytest

from dltutor import gradients as g
from dltutor.gradients import recurrent as R
from machines import MACHINES, SEEDS

CELLS = ("SimpleRNN", "LSTM", "GRU")


def _span(values):
    values = np.asarray(list(values), float)
    return f"{values.min():.3g}-{values.max():.3g}"


@pytest.fixture(scope="module")
def at_40():
    """run_recurrent at T = 40 (the lesson's setup) for seeds 0-9 on every machine."""
    out = {}
    for machine in MACHINES:
        with machine:
            for run in g.run_recurrent(CELLS, length=40, epochs=10, seeds=SEEDS):
                out[machine, run.seed] = run
    return out


def test_stacked_cells_compute_what_the_keras_layers_compute():
    X, _ = g.make_first_symbol(8, length=7, seed=1)
    for cell in CELLS:
        w = g.initial_cell_weights(cell, n_inputs=4, width=6, n_classes=4, seed=2, gain=1.5, gate_bias=2.0)
        ours = R._logits(cell, R.tf.constant(X[None]), {k: R.tf.constant(v[None]) for k, v in w.items()})
        keras_logits = R.keras_model(cell, w, length=7)(X)
        np.testing.assert_allclose(np.asarray(ours)[0], np.asarray(keras_logits), rtol=1e-4, atol=1e-5,
                                   err_msg=cell)
    lstm = g.initial_cell_weights("LSTM", n_inputs=4, width=6, n_classes=4, gate_bias=0.0)
    assert (lstm["bias"][6:12] == 1).all() and (lstm["bias"][:6] == 0).all()     # Keras' unit_forget_bias


def test_first_symbol_data_is_seeded_and_its_label_is_the_first_step():
    X, y = g.make_first_symbol(300, length=12, seed=5)
    X2, y2 = g.make_first_symbol(300, length=12, seed=5)
    assert X.shape == (300, 12, 4) and X.dtype == np.float32 and y.dtype == np.int32
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert (X[:, 0].argmax(-1) == y).all() and (X[:, 0].sum(-1) == 1).all()
    assert 0.9 < X[:, 1:].std() < 1.1 and set(np.unique(y)) == {0, 1, 2, 3}
    assert not np.array_equal(g.make_first_symbol(300, length=12, seed=6)[1], y)


def test_gradient_vanishes_through_time_in_the_simple_rnn_and_survives_in_gated_cells(at_40):
    ratios = {cell: [r.ratio(cell) for r in at_40.values()] for cell in CELLS}
    print("first/last step gradient at initialization, T=40:", {c: _span(v) for c, v in ratios.items()})
    for (machine, seed), run in at_40.items():
        # notebook: "below 1e-3 (1e-5 to 1e-4) for the SimpleRNN; above 0.05 for GRU, about 1 for LSTM"
        assert run.ratio("SimpleRNN") < 1e-3, (machine, seed, run.ratio("SimpleRNN"))
        assert run.ratio("GRU") > 0.05 and run.ratio("LSTM") > 0.5, (machine, seed, run.ratio("GRU"), run.ratio("LSTM"))
        assert run.input_grads["SimpleRNN"].shape == (11, 40)


def test_simple_rnn_stays_at_chance_at_length_40_while_lstm_and_gru_learn(at_40):
    acc = {cell: [r.final_accuracy(cell) for r in at_40.values()] for cell in CELLS}
    print("final validation accuracy, T=40:", {c: _span(v) for c, v in acc.items()})
    for (machine, seed), run in at_40.items():
        # notebook: "the SimpleRNN stays at chance (at most 30%), LSTM and GRU reach 90% or more (93-100% measured)"
        assert run.final_accuracy("SimpleRNN") <= 0.30, (machine, seed, run.val_accuracy["SimpleRNN"])
        assert run.final_accuracy("LSTM") >= 0.90, (machine, seed, run.val_accuracy["LSTM"])
        assert run.final_accuracy("GRU") >= 0.90, (machine, seed, run.val_accuracy["GRU"])
        for cell in CELLS:
            assert np.isfinite(run.loss[cell]).all(), (machine, seed, cell)


def test_simple_rnn_learns_short_sequences():
    acc = {}
    for machine in MACHINES:
        with machine:
            for sweep in g.run_length_sweep((5, 10), ("SimpleRNN",), seeds=SEEDS):
                acc[machine, sweep.seed] = sweep.accuracy["SimpleRNN"]
    print("SimpleRNN at T=5, 10:", _span(a[0] for a in acc.values()), _span(a[1] for a in acc.values()))
    for (machine, seed), a in acc.items():
        assert (a >= 0.95).all(), (machine, seed, a)     # notebook: "95% or more at T = 5 and 10"


def test_gradient_explodes_with_the_recurrent_gain_and_clipping_keeps_the_loss_down():
    runs = {}
    for machine in MACHINES:
        with machine:
            for r in g.run_recurrent_exploding((1.0, 2.0, 4.0), seeds=SEEDS):
                runs[machine, r.seed] = r
    print("grad norm at init by gain:", {gain: _span(r.grad_norm[gain] for r in runs.values()) for gain in (1.0, 2.0, 4.0)},
          "step-1/step-T:", {gain: _span(r.ratio(gain) for r in runs.values()) for gain in (1.0, 2.0, 4.0)},
          "largest batch loss:", {k: _span(r.batch_loss_max[k].max() for r in runs.values())
                                  for k in ("no clipping", "clipnorm=1")})
    for (machine, seed), r in runs.items():
        n = r.grad_norm
        # notebook: "below 1 at gain 1, above 2 at gain 2, above 200 at gain 4"
        assert n[1.0] < 1 and n[2.0] > 2 and n[4.0] > 200, (machine, seed, n)
        assert r.ratio(1.0) < 0.05 and r.ratio(4.0) > 1000, (machine, seed, r.ratio(1.0), r.ratio(4.0))
        # notebook: "with clipnorm=1 no batch's loss went above 5 in any run" (measured 1.8-3.6 over
        # seeds 0-9 on seven machines: a clipped step is at most the learning rate long)
        tamed = r.batch_loss_max["clipnorm=1"]
        assert np.isfinite(r.loss["no clipping"]).all() and np.isfinite(r.loss["clipnorm=1"]).all(), (machine, seed)
        assert tamed.max() < 5, (machine, seed, tamed)
    for machine in MACHINES:
        # notebook: "without clipping the worst batch is higher in most runs and about 3 times the
        # clipped one on average; from run to run 1.2 to 5 times" (statistical: measured per machine
        # a mean of 2.8-3.6 times, and above 1.5 times in 9 or 10 of the 10 seeds)
        ratio = np.array([runs[machine, s].batch_loss_max["no clipping"].max()
                          / runs[machine, s].batch_loss_max["clipnorm=1"].max() for s in SEEDS])
        print(machine, "worst batch without / with clipping:", np.round(ratio, 2))
        assert ratio.mean() > 2 and (ratio > 1).sum() >= 8, (machine, np.round(ratio, 2))


def test_same_seed_same_numbers_and_bad_arguments_are_explained():
    a = g.run_recurrent(("SimpleRNN", "GRU"), length=8, epochs=2, seed=3)
    b = g.run_recurrent(("SimpleRNN", "GRU"), length=8, epochs=2, seed=3)
    for cell in ("SimpleRNN", "GRU"):
        np.testing.assert_array_equal(a.input_grads[cell], b.input_grads[cell])
        np.testing.assert_array_equal(a.val_accuracy[cell], b.val_accuracy[cell])
    c = g.run_recurrent(("SimpleRNN",), length=8, epochs=2, seed=4)
    assert not np.array_equal(a.input_grads["SimpleRNN"], c.input_grads["SimpleRNN"])
    with pytest.raises(ValueError, match="Did you mean 'GRU'"):
        g.run_recurrent(("GRUU",))
    with pytest.raises(ValueError, match="length must be between 2 and 60"):
        g.run_recurrent(length=1)
    with pytest.raises(ValueError, match="gain must be between 0.0 and 10.0"):
        g.run_recurrent(gain=0)
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        g.run_recurrent(seeds=())
    with pytest.raises(TypeError, match="epochs must be a whole number"):
        g.run_recurrent(epochs=2.5)
    with pytest.raises(ValueError, match="noise must be between"):
        g.make_first_symbol(10, noise=-1)
    with pytest.raises(ValueError, match="lengths must hold"):
        g.run_length_sweep(())


def test_displays_hold_their_data():
    run = g.run_recurrent(("SimpleRNN",), length=6, epochs=2)
    disp = g.TimeGradientsDisplay(run.input_grads["SimpleRNN"]).plot()
    assert disp.image_.get_array().shape == (3, 6)
    sweep = R.LengthSweep((5, 10), {"SimpleRNN": np.array([1.0, 0.5])}, 10, 0, 0.25)
    lines = g.LengthSweepDisplay(sweep).plot().lines_
    np.testing.assert_array_equal(lines[0].get_ydata(), [1.0, 0.5])
    boom = R.RecurrentExploding((1.0, 2.0), 5, 0, {1.0: 0.5, 2.0: 3.0}, {1.0: np.ones(5), 2.0: np.full(5, 2.0)}, 2.0,
                                {"no clipping": np.ones(3), "clipnorm=1": np.ones(3)},
                                {"no clipping": np.full(3, 5.0), "clipnorm=1": np.full(3, 2.0)},
                                {"no clipping": 10.0, "clipnorm=1": 5.0})
    disp = g.RecurrentExplodingDisplay(boom).plot()
    np.testing.assert_array_equal(disp.lines_[1].get_ydata(), np.full(5, 2.0))
    np.testing.assert_array_equal(disp.loss_lines_[0].get_ydata(), np.full(3, 5.0))   # the worst batch per epoch


def test_explorer_trains_explains_impossible_settings_and_stops():
    ex = g.RecurrentExplorer(length=10, epochs=3)
    run = ex.update()
    assert run is not None and ex.error is None and run.input_grads["SimpleRNN"].shape == (4, 10)
    assert ex._heatmap.input_grads.shape == (4, 10) and "chance: 25%" in ex.describe()
    assert ex.update(open_gates=True) is None and "has no gates" in ex.error and "role='alert'" in ex.status.value
    run = ex.update(cell="GRU", open_gates=True)
    assert run is not None and ex.error is None and set(run.input_grads) == {"GRU"}
    assert ex.update(length=3) is None and "length must be between 5 and 50" in ex.error
    ex.stop()      # a stop before a run does not leak into the next one
    assert ex.update(epochs=2).epochs == 2
