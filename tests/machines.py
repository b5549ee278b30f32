"""Claims that hold on any machine: run a lesson's claim for every seed *and* on stand-ins for
other machines.

Another CPU, BLAS or GPU rounds differently; a training run near a tipping point turns a 1e-7
difference into another outcome. ``dltutor.env.perturbed(scale, seed)`` nudges every initial
weight the kit draws by ``1 + scale * N(0, 1)``; :data:`MACHINES` is this machine plus two such
nudges, and a claim passes only if it holds on each of them for every seed.

A claim test uses it like this (tests/ is on sys.path)::

    from machines import MACHINES, SEEDS, on_every_machine

    def test_the_claim():
        runs = on_every_machine(lambda seed: lesson.run_something(seed=seed))
        for (machine, seed), r in runs.items():
            assert r.accuracy >= 0.9, (machine, seed, r.accuracy)

or, where one call already batches the seeds (``train_many``), ``for machine in MACHINES: with
machine: ...``. The failure message names the machine (``"this machine"``, ``"nudged 1e-06 #1"``)
and the seed, so ``with perturbed(1e-6, seed=1): run(seed=2)`` reproduces it.
"""
from __future__ import annotations

import contextlib

from dltutor.env import perturbed

SEEDS = range(10)
SCALE = 1e-6            # a few float32 roundings of every initial weight
NUDGES = (1, 2)         # two stand-ins for other machines


class Machine(contextlib.AbstractContextManager):
    """This machine (``scale=None``) or a nudged stand-in for another one; a context manager."""

    def __init__(self, scale=None, seed=0):
        self.scale, self.seed = scale, seed
        self._cm = None

    def __enter__(self):
        self._cm = contextlib.nullcontext() if self.scale is None else perturbed(self.scale, seed=self.seed)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

    def __repr__(self):
        return "this machine" if self.scale is None else f"nudged {self.scale:g} #{self.seed}"


MACHINES = (Machine(), *(Machine(SCALE, n) for n in NUDGES))


def on_every_machine(run, seeds=SEEDS, machines=MACHINES):
    """``{(machine, seed): run(seed)}`` for every machine of ``machines`` and every seed."""
    out = {}
    for machine in machines:
        with machine:
            for seed in seeds:
                out[machine, seed] = run(seed)
    return out
