"""The pattern-space kernels accumulate in int16 / int32 lanes where that is
exact (|m| <= n < 2^15, n p < 2^31) and in int64 otherwise; every path and
every block boundary (256 pattern columns) against NumPy int64 arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem import _hopfield
import reference as ref


@pytest.mark.parametrize("n,p", [(1, 1), (7, 1), (300, 255), (300, 256), (300, 257), (200, 600),
                                 (32767, 3), (32768, 3), (40000, 2)])
def test_overlaps_and_energy_exact(n, p):
    rng = np.random.default_rng(n * 1000 + p)
    x = ref.random_patterns(rng, p, n)
    xt = np.ascontiguousarray(x.T)
    for s in (np.ones(n, dtype=np.int8), -np.ones(n, dtype=np.int8), ref.flip(rng, x[0], 0.3)):
        want_m = x.astype(np.int64) @ s.astype(np.int64)
        np.testing.assert_array_equal(_hopfield.overlaps(xt, s), want_m)
        # the fields, through the exact energy -Q/(2n): Q = s.(X^T m - p s)
        h = x.T.astype(np.int64) @ want_m - p * s.astype(np.int64)
        q = int(s.astype(np.int64) @ h)
        thr = np.zeros(n, dtype=np.int64)
        theta = np.zeros(n)
        assert _hopfield.energy(xt, None, thr, theta, s) == -q / (2.0 * n)


@pytest.mark.parametrize("n,p", [(50, 300), (600, 257)])
def test_sync_recall_equals_reference_across_blocks(n, p):
    rng = np.random.default_rng(p)
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    for k in range(3):
        probe = ref.flip(rng, x[k], 0.2)
        got = net.recall(probe, mode="sync", representation="patterns")
        want = ref.recall(x, probe, mode="sync")
        np.testing.assert_array_equal(got.state, want.state)
        assert (got.sweeps, got.flips, got.converged, got.cycle) == (want.sweeps, want.flips, want.converged,
                                                                     want.cycle)
        np.testing.assert_array_equal(got.energies, want.energies)


def test_every_compiled_sweep_checks_its_visit_order():
    """Release builds of the C sweeps do not range-check visit orders
    (csrc/am_internal.h): the bindings check every order once, and a bad one
    raises ArgumentError naming it, with the state untouched."""
    from assocmem import _hopfield
    from assocmem.errors import ArgumentError

    rng = np.random.default_rng(0)
    n, p = 12, 3
    xt = np.ascontiguousarray(rng.choice([-1, 1], size=(n, p)).astype(np.int8))
    s = np.ascontiguousarray(rng.choice([-1, 1], size=n).astype(np.int8))
    bad = np.arange(n, dtype=np.int64)
    bad[5] = n  # one past the end
    calls = {
        "hebb": lambda o, s: _hopfield.HebbEngine(xt, None, np.zeros(n, dtype=np.int64), np.zeros(n), s).sweep(o),
        "dense_f64": lambda o, s: _hopfield.sweep_dense_f64(np.zeros((n, n)), np.zeros(n), o, s, np.zeros(n)),
        "patterns_f64": lambda o, s: _hopfield.sweep_patterns_f64(np.zeros((n, p)), np.zeros(n), xt, np.zeros(n), o,
                                                                  s, np.zeros(p, dtype=np.int64)),
        "binary": lambda o, s: _hopfield.sweep_binary(np.ascontiguousarray((xt > 0).astype(np.int8)), 0.5,
                                                      np.zeros(n), np.zeros(n), o, s, np.zeros(p, dtype=np.int64), 0),
        "dense_memory": lambda o, s: _hopfield.dense_async_sweep(xt, 2, 0.0, o, s, xt.T.astype(np.int64) @ s),
    }
    for name, call in calls.items():
        for order in (bad, -bad):
            state = s.copy()
            with pytest.raises(ArgumentError, match=r"order: expected neuron indices in \[0, 12\)"):
                call(order, state)
            np.testing.assert_array_equal(state, s, err_msg=name)
        call(rng.permutation(n).astype(np.int64), s.copy())  # a valid order runs
