"""Recall at a temperature (Glauber dynamics) for every rule."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem.errors import ArgumentError, ArgumentTypeError
import reference as ref


@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize("order", ["random", "sequential"])
def test_hebbian_glauber_matches_reference(rng, mode, order):
    n = 80
    x = ref.random_patterns(rng, 4, n)
    theta = rng.normal(0, 0.02, n)
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    probe = ref.flip(rng, x[1], 0.3)
    for temperature in (0.05, 0.3, 2.0):
        res = net.recall(probe, mode=mode, order=order, seed=4, temperature=temperature, max_sweeps=4)
        want = ref.glauber_hebbian(x, probe, theta, temperature, mode=mode, sweeps=4, seed=4, order=order)
        np.testing.assert_array_equal(res.state, want)
        assert res.sweeps == 4 and not res.converged and res.energies.shape == (5,)
        assert res.energies[-1] == net.energy(res.state)


@pytest.mark.parametrize("rule,kw", [("hebbian", {}), ("storkey", {}), ("pseudoinverse", {}),
                                     ("dense", {"degree": 3}), ("dense", {"beta": 0.1})])
def test_a_seed_reproduces_a_run_and_recall_many_agrees(rng, rule, kw):
    n = 60
    x = ref.random_patterns(rng, 5, n)
    net = assocmem.Hopfield(n)
    net.store(x, rule=rule, **kw)
    probes = np.stack([ref.flip(rng, x[k], 0.3) for k in range(3)])
    a = [net.recall(p, seed=9 + k, temperature=0.4, max_sweeps=3) for k, p in enumerate(probes)]
    b = net.recall_many(probes, seed=9, temperature=0.4, max_sweeps=3)
    for r, q in zip(a, b):
        np.testing.assert_array_equal(r.state, q.state)
        np.testing.assert_array_equal(r.energies, q.energies)
        assert r.flips == q.flips


def test_zero_temperature_limit_is_the_deterministic_recall(rng):
    """n even and p odd: no field is ever exactly at threshold, so at a tiny
    T every draw decides as the deterministic rule does."""
    n, p = 120, 5
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    probe = ref.flip(rng, x[2], 0.35)
    det = net.recall(probe, seed=5)
    hot = net.recall(probe, seed=5, temperature=1e-12, max_sweeps=det.sweeps)
    np.testing.assert_array_equal(hot.state, det.state)
    assert hot.flips == det.flips
    np.testing.assert_array_equal(hot.energies, det.energies)
    cold = net.recall(probe, seed=5, temperature=0)  # T = 0 is the kernel, bit for bit
    np.testing.assert_array_equal(cold.energies, det.energies)
    assert cold.converged


def test_degree_two_at_a_temperature_is_hebbian_at_that_temperature(rng):
    n = 64
    x = ref.random_patterns(rng, 3, n)
    hebb, dense = assocmem.Hopfield(n), assocmem.Hopfield(n)
    hebb.store(x)
    dense.store(x, rule="dense", degree=2)
    probe = ref.flip(rng, x[0], 0.25)
    for mode in ("async", "sync"):
        a = hebb.recall(probe, mode=mode, seed=2, temperature=0.2, max_sweeps=3)
        b = dense.recall(probe, mode=mode, seed=2, temperature=0.2, max_sweeps=3)
        np.testing.assert_array_equal(a.state, b.state)


def test_high_temperature_forgets_and_covariance_uses_zero_one(rng):
    n = 200
    x = ref.random_patterns(rng, 3, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    res = net.recall(x[0], seed=1, temperature=100.0, max_sweeps=3)
    assert abs(res.overlaps[0]) < 0.2  # a hot network does not stay in its memory
    sparse = assocmem.Hopfield(n, thresholds=0.0)
    pats = (rng.random((4, n)) < 0.1).astype(np.int8)
    sparse.store(pats, rule="covariance")
    r = sparse.recall(pats[0], seed=3, temperature=0.01, max_sweeps=3)
    assert set(np.unique(r.state)) <= {0, 1}


@pytest.mark.parametrize("bad,exc", [(-0.1, ArgumentError), (float("nan"), ArgumentError),
                                     (float("inf"), ArgumentError), ("1", ArgumentTypeError), (True, ArgumentTypeError)])
def test_bad_temperature(rng, bad, exc):
    net = assocmem.Hopfield(10)
    net.store(np.ones(10))
    with pytest.raises(exc, match="temperature"):
        net.recall(np.ones(10), temperature=bad)
    with pytest.raises(exc, match="temperature"):
        net.recall_many(np.ones((2, 10)), temperature=bad)
