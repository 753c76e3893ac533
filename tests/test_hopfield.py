"""Hopfield core against the NumPy reference (tests/reference.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assocmem
from assocmem import _hopfield
import reference as ref


def assert_same(res, want):
    np.testing.assert_array_equal(res.state, want.state)
    assert res.sweeps == want.sweeps
    assert res.flips == want.flips
    assert res.converged == want.converged
    assert res.cycle == want.cycle
    # identical, not merely close: exact integer bookkeeping
    np.testing.assert_array_equal(res.energies, want.energies)


# ----------------------------------------------------------------- counts
@pytest.mark.parametrize("p", [1, 2, 5, 24, 25, 64, 65, 127, 128, 300])
@pytest.mark.parametrize("method", ["rows", "popcount"])
def test_counts_match_reference(rng, p, method):
    n = 97
    x = ref.random_patterns(rng, p, n)
    c = _hopfield.hebb_counts(x, method=method)
    np.testing.assert_array_equal(c, ref.counts(x))
    assert c.dtype == (np.int8 if p <= 127 else np.int16)


def test_counts_dtype_widths():
    assert _hopfield.count_dtype(127) == np.int8
    assert _hopfield.count_dtype(128) == np.int16
    assert _hopfield.count_dtype(32768) == np.int32


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32])
@pytest.mark.parametrize("rows", [(0, 41), (0, 1), (5, 17), (39, 41), (40, 41), (12, 12)])
def test_upper_pairs_match_numpy(rng, dtype, rows):
    """The synapse list the graph mirror COPYs: pairs i < j of rows [lo, hi),
    row-major, with c = C_ij and w = c / n bit for bit."""
    n, (lo, hi) = 41, rows
    info = np.iinfo(dtype)
    counts = rng.integers(info.min, info.max, (n, n), endpoint=True).astype(dtype)
    src, dst, c, w = _hopfield.upper_pairs(counts, lo, hi, 1000)
    i, j = np.triu_indices(n, 1)
    keep = (i >= lo) & (i < hi)
    i, j = i[keep], j[keep]
    np.testing.assert_array_equal(src, i + 1000)
    np.testing.assert_array_equal(dst, j + 1000)
    np.testing.assert_array_equal(c, counts[i, j])
    assert c.dtype == dtype and src.dtype == dst.dtype == np.int64
    assert w.tobytes() == (counts[i, j] / n).tobytes()


def test_upper_pairs_rejects_bad_input():
    with pytest.raises(assocmem.ShapeError, match="square"):
        _hopfield.upper_pairs(np.zeros((3, 4), np.int8), 0, 3, 0)
    with pytest.raises(assocmem.ShapeError, match="lo <= hi"):
        _hopfield.upper_pairs(np.zeros((3, 3), np.int8), 2, 1, 0)
    with pytest.raises(assocmem.ShapeError, match="lo <= hi"):
        _hopfield.upper_pairs(np.zeros((3, 3), np.int8), 0, 4, 0)
    with pytest.raises(assocmem.ArgumentTypeError, match="int8, int16 or int32"):
        _hopfield.upper_pairs(np.zeros((3, 3), np.float64), 0, 3, 0)
    with pytest.raises(ValueError):  # a strided view is not a C-contiguous buffer
        _hopfield.upper_pairs(np.zeros((6, 6), np.int8)[::2, ::2], 0, 3, 0)


@pytest.mark.parametrize("split", [(3, 4), (100, 27), (120, 20), (1, 1, 1)])
def test_incremental_store_equals_batch(rng, split):
    n = 61
    x = ref.random_patterns(rng, sum(split), n)
    net = assocmem.Hopfield(n)
    start = 0
    for k in split:
        net.store(x[start:start + k])
        net.counts  # materialise so the next store accumulates in place
        start += k
    np.testing.assert_array_equal(net.counts, ref.counts(x))
    np.testing.assert_array_equal(net.patterns, x)
    batch = assocmem.Hopfield(n)
    batch.store(x)
    np.testing.assert_array_equal(net.weights, batch.weights)


def test_weights_and_properties(rng):
    n, p = 40, 6
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    w = net.weights
    assert w.dtype == np.float64 and w.shape == (n, n)
    np.testing.assert_array_equal(w, ref.counts(x) / n)
    assert np.all(np.diag(w) == 0) and np.array_equal(w, w.T)
    assert (net.n_neurons, net.n_patterns) == (n, p)
    for arr in (net.weights, net.patterns, net.counts, net.thresholds):
        assert not arr.flags.writeable
    pat = net.patterns
    assert pat.dtype == np.int8
    with pytest.raises(ValueError):
        pat[0, 0] = 1


def test_single_pattern_1d(rng):
    x = ref.random_patterns(rng, 1, 30)[0]
    net = assocmem.Hopfield(30)
    net.store(x.astype(float))
    np.testing.assert_array_equal(net.patterns, x[None, :])


# ----------------------------------------------------------------- recall
GRID = list(
    itertools.product(
        [1, 2, 7, 50],  # n
        [1, 2, 4, 9],  # p (even p gives exact ties at theta = 0)
        ["async", "sync"],
        ["patterns", "dense"],
        [False, True],  # thresholds
    )
)


@pytest.mark.parametrize("n,p,mode,representation,thresholds", GRID)
def test_recall_matches_reference(n, p, mode, representation, thresholds):
    rng = np.random.default_rng(n * 1000 + p)
    x = ref.random_patterns(rng, p, n)
    # thresholds on the grid k / n give exact ties H_i = n theta_i
    theta = rng.integers(-2, 3, size=n) / n if thresholds else None
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    for trial in range(3):
        probe = ref.flip(rng, x[trial % p], 0.3)
        for order in (["random", "sequential"] if mode == "async" else ["random"]):
            res = net.recall(probe, mode=mode, seed=trial, order=order, representation=representation)
            assert_same(res, ref.recall(x, probe, theta, mode=mode, seed=trial, order=order))


def test_recall_explicit_permutation(rng):
    n, p = 80, 6
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    perm = rng.permutation(n)
    probe = ref.flip(rng, x[2], 0.35)
    for rep in ("patterns", "dense"):
        res = net.recall(probe, order=perm, representation=rep)
        assert_same(res, ref.recall(x, probe, order=perm))


def test_random_order_is_numpy_permutation_per_sweep(rng):
    """order='random' uses the k-th rng.permutation(n) for sweep k."""
    n, p = 60, 8
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    probe = ref.flip(rng, x[0], 0.45)
    res = net.recall(probe, seed=7)
    assert res.sweeps >= 2
    gen = np.random.default_rng(7)
    s = probe.astype(np.int64)
    c = ref.counts(x)
    for _ in range(res.sweeps):
        for i in gen.permutation(n):
            s[i] = 1 if c[i] @ s >= 0 else -1
    np.testing.assert_array_equal(res.state, s)


def test_max_sweeps_stops_early(rng):
    n, p = 200, 30  # heavy load: needs several sweeps
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    probe = ref.flip(rng, x[0], 0.4)
    full = net.recall(probe, seed=3)
    assert full.sweeps >= 2
    cut = net.recall(probe, seed=3, max_sweeps=1)
    assert cut.sweeps == 1 and not cut.converged and len(cut.energies) == 2
    assert_same(cut, ref.recall(x, probe, seed=3, max_sweeps=1))


def test_sync_two_cycle():
    # Two neurons with a positive coupling started anti-aligned oscillate.
    net = assocmem.Hopfield(2)
    net.store([1, 1])
    res = net.recall([1, -1], mode="sync")
    assert res.cycle and not res.converged
    assert res.sweeps == 2 and res.flips == 4
    np.testing.assert_array_equal(res.state, [1, -1])
    assert_same(res, ref.recall([[1, 1]], [1, -1], mode="sync"))


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    p=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
    mode=st.sampled_from(["async", "sync"]),
    order=st.sampled_from(["random", "sequential"]),
    thresholds=st.booleans(),
    representation=st.sampled_from(["patterns", "dense", "auto"]),
    noise=st.floats(0.0, 1.0),
)
def test_recall_property(n, p, seed, mode, order, thresholds, representation, noise):
    rng = np.random.default_rng(seed)
    x = ref.random_patterns(rng, p, n)
    theta = rng.normal(0, 0.3, size=n) if thresholds else None
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    probe = ref.flip(rng, x[0], noise)
    res = net.recall(probe, mode=mode, seed=seed, order=order, representation=representation, max_sweeps=20)
    assert_same(res, ref.recall(x, probe, theta, mode=mode, seed=seed, order=order, max_sweeps=20))
    assert res.energies[-1] == pytest.approx(net.energy(res.state), abs=0, rel=0)
    if mode == "async":
        assert np.all(np.diff(res.energies) <= 1e-12)


@pytest.mark.parametrize("thresholds", [False, True])
def test_async_energy_non_increasing(rng, thresholds):
    n, p = 300, 25
    x = ref.random_patterns(rng, p, n)
    theta = rng.normal(0, 0.2, size=n) if thresholds else None
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    for k in range(5):
        res = net.recall(ref.flip(rng, x[k], 0.4), seed=k)
        assert res.converged
        assert np.all(np.diff(res.energies) <= 1e-9)
        assert res.energies[-1] < res.energies[0]


def test_stored_patterns_are_fixed_points_and_inverse_has_equal_energy(rng):
    n, p = 500, 10  # load 0.02, far below 0.138
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    for mu in range(p):
        for target in (x[mu], -x[mu]):
            res = net.recall(target, seed=mu)
            assert res.converged and res.sweeps == 1 and res.flips == 0
            np.testing.assert_array_equal(res.state, target)
        assert net.energy(x[mu]) == net.energy(-x[mu])
        assert net.energy(x[mu]) == ref.energy(ref.counts(x), np.zeros(n), x[mu])


def test_recall_reports_inverted_pattern(rng):
    n, p = 400, 3
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    probe = ref.flip(rng, -x[1], 0.1)  # closer to the inverse of pattern 1
    res = net.recall(probe, seed=0)
    np.testing.assert_array_equal(res.state, -x[1])
    assert res.best == 1 and res.inverted and res.exact and not res.spurious
    assert res.overlaps[1] == -1.0
    ok = net.recall(ref.flip(rng, x[2], 0.1), seed=0)
    assert ok.best == 2 and not ok.inverted and ok.exact


def test_energy_and_overlaps_formulas(rng):
    n, p = 64, 5
    x = ref.random_patterns(rng, p, n)
    theta = rng.normal(size=n)
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    s = ref.random_patterns(rng, 1, n)[0]
    w = ref.counts(x) / n
    direct = -0.5 * s @ w @ s + theta @ s
    assert net.energy(s) == pytest.approx(direct, rel=1e-12)
    assert net.energy(s) == ref.energy(ref.counts(x), theta, s)
    np.testing.assert_array_equal(net.overlaps(s), (x.astype(np.int64) @ s) / n)


def test_integer_thresholds_exact():
    from assocmem.thresholds import integer_thresholds as _integer_thresholds

    theta = np.array([0.1, -0.1, 1 / 3, 0.5, 1e-300, -1e-300, 1e300, 2.0])
    got = _integer_thresholds(theta, 10)
    # 0.1 as a double is slightly above 1/10, so ceil(10 * 0.1) = 2
    assert got.tolist() == [2, -1, 4, 5, 1, 0, 2**62, 20]


def test_save_load_roundtrip(tmp_path, rng):
    n, p = 123, 7
    x = ref.random_patterns(rng, p, n)
    theta = rng.normal(size=n)
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    path = tmp_path / "mem.npz"
    net.save(path)
    back = assocmem.Hopfield.load(path)
    np.testing.assert_array_equal(back.patterns, net.patterns)
    np.testing.assert_array_equal(back.weights, net.weights)
    np.testing.assert_array_equal(back.thresholds, net.thresholds)
    probe = ref.flip(rng, x[0], 0.2)
    assert_same(back.recall(probe, seed=5), net.recall(probe, seed=5))
    # overwriting leaves no temporary files behind
    net.save(path)
    assert [f.name for f in tmp_path.iterdir()] == ["mem.npz"]
    # empty network round-trips too
    empty = assocmem.Hopfield(5)
    empty.save(tmp_path / "e.bin")
    assert assocmem.Hopfield.load(tmp_path / "e.bin").n_patterns == 0
