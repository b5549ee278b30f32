"""The fractal boundary of trainability, as the notebook shows it (64 x 64, 100 steps), seeds 0-9."""
import pytest

from dltutor import butterfly as bf


@pytest.mark.parametrize("seed", range(10))
def test_both_outcomes_and_a_ragged_boundary_at_two_zoom_levels(seed):
    overview = bf.run_fractal(seed=seed)
    assert overview.both_outcomes
    x, y = bf.boundary_point(overview)
    zoomed = bf.run_fractal(seed=seed, center=(x, y), zoom=4)
    assert zoomed.both_outcomes
    print(f"seed {seed}: dimension {overview.dimension:.3f} at zoom 1, {zoomed.dimension:.3f} at zoom 4")
    assert overview.dimension > 1.1 and zoomed.dimension > 1.1


def test_the_same_seed_gives_the_same_map():
    a = bf.run_fractal(seed=3, resolution=24)
    b = bf.run_fractal(seed=3, resolution=24)
    assert (a.converged == b.converged).all() and (a.speed == b.speed).all()
