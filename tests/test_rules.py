"""Storkey and pseudo-inverse rules, capacity against theory, parallel recall."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem import capacity
from assocmem.errors import ArgumentError
import reference as ref


def test_storkey_weights_match_reference(rng):
    x = ref.random_patterns(rng, 12, 50)
    net = assocmem.Hopfield(50)
    net.store(x[:5], rule="storkey")
    net.store(x[5:], rule="storkey")  # incremental
    np.testing.assert_allclose(net.weights, ref.storkey_weights(x), rtol=0, atol=1e-12)
    assert np.all(np.diag(net.weights) == 0)
    np.testing.assert_array_equal(net.weights, net.weights.T)


def test_pseudoinverse_weights_match_projection(rng):
    x = ref.random_patterns(rng, 20, 60)
    net = assocmem.Hopfield(60)
    net.store(x[:8], rule="pseudoinverse")
    net.store(x[8:], rule="pseudoinverse")
    np.testing.assert_allclose(net.weights, ref.projection_weights(x), rtol=0, atol=1e-10)


@pytest.mark.parametrize("rule", ["storkey", "pseudoinverse"])
@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize("thresholds", [False, True])
def test_real_rules_recall_match_reference(rule, mode, thresholds):
    rng = np.random.default_rng(hash((rule, mode, thresholds)) % 2**32)
    n, p = 80, 12
    x = ref.random_patterns(rng, p, n)
    theta = rng.normal(0, 0.05, size=n) if thresholds else None
    net = assocmem.Hopfield(n, theta)
    net.store(x, rule=rule)
    w = net.weights
    for k in range(4):
        probe = ref.flip(rng, x[k], 0.3)
        for order in (["random", "sequential"] if mode == "async" else ["random"]):
            got = net.recall(probe, mode=mode, seed=k, order=order)
            want = ref.recall_real(w, probe, theta, mode=mode, seed=k, order=order)
            np.testing.assert_array_equal(got.state, want.state)
            assert (got.sweeps, got.flips, got.converged, got.cycle) == (want.sweeps, want.flips, want.converged, want.cycle)
            np.testing.assert_allclose(got.energies, want.energies, rtol=1e-10, atol=1e-9)
            assert got.energies[-1] == pytest.approx(net.energy(got.state), abs=1e-9)
            if mode == "async":
                assert np.all(np.diff(got.energies) <= 1e-9)


def test_rule_errors(rng):
    x = ref.random_patterns(rng, 4, 20)
    net = assocmem.Hopfield(20)
    net.store(x[:2])
    with pytest.raises(ArgumentError, match="rule: this network stores with 'hebbian'; mixing rules"):
        net.store(x[2:], rule="storkey")
    with pytest.raises(ArgumentError, match="rule: expected one of"):
        assocmem.Hopfield(20).store(x, rule="oja")
    pinv = assocmem.Hopfield(20)
    with pytest.raises(ArgumentError, match="linearly independent .* rank 2"):
        pinv.store(np.stack([x[0], x[1], x[0]]), rule="pseudoinverse")
    assert pinv.n_patterns == 0  # nothing stored
    s = assocmem.Hopfield(20)
    s.store(x, rule="storkey")
    with pytest.raises(ArgumentError, match="counts: exact integer counts exist only for the Hebbian rule"):
        s.counts
    with pytest.raises(ArgumentError, match="representation: the 'storkey' rule recalls with 'dense'"):
        s.recall(x[0], representation="patterns")
    from assocmem import graph

    with graph.open() as store, pytest.raises(ArgumentError, match="stores Hebbian networks"):
        store.save_network(s, "s", progress=False)


@pytest.mark.parametrize("rule", ["storkey", "pseudoinverse"])
def test_save_load_keeps_rule(tmp_path, rng, rule):
    x = ref.random_patterns(rng, 6, 40)
    net = assocmem.Hopfield(40)
    net.store(x, rule=rule)
    net.save(tmp_path / "m.npz")
    back = assocmem.Hopfield.load(tmp_path / "m.npz")
    assert back.rule == rule
    np.testing.assert_array_equal(back.weights, net.weights)


# --------------------------------------------------------- capacity theory
def test_hebb_capacity_transition_at_n_1000():
    rows = {r["load"]: r for r in capacity.curve(1000, "hebbian", (0.05, 0.14, 0.2), noise=0.1, trials=3, seed=0)}
    assert rows[0.05]["perfect"] == 1.0 and rows[0.05]["mean_overlap"] == 1.0
    # Near alpha_c = 0.138 the retrieval state has overlap ~0.97 (Amit,
    # Gutfreund & Sompolinsky): recall stops being exact, then collapses.
    assert rows[0.14]["perfect"] < 0.5 and 0.8 < rows[0.14]["mean_overlap"] < 1.0
    assert rows[0.2]["mean_overlap"] < 0.5


def test_storkey_holds_beyond_hebbs_limit():
    storkey = capacity.curve(1000, "storkey", (0.2,), noise=0.1, trials=2, seed=1)[0]
    hebb = capacity.curve(1000, "hebbian", (0.2,), noise=0.1, trials=2, seed=1)[0]
    assert storkey["mean_overlap"] >= 0.99 and hebb["mean_overlap"] < 0.5


def test_pseudoinverse_patterns_are_exact_fixed_points_at_half_load():
    rng = np.random.default_rng(5)
    x = ref.random_patterns(rng, 500, 1000)
    net = assocmem.Hopfield(1000)
    net.store(x, rule="pseudoinverse")
    for k, res in enumerate(net.recall_many(x[:40], seed=0)):
        assert res.flips == 0 and res.sweeps == 1 and res.converged
        np.testing.assert_array_equal(res.state, x[k])
    hebb = assocmem.Hopfield(1000)
    hebb.store(x)
    assert hebb.recall(x[0], seed=0).flips > 0  # Hebb cannot hold them


def test_capacity_plot(tmp_path):
    from PIL import Image

    rows = capacity.curve(200, "hebbian", (0.05, 0.2), trials=1, seed=0)
    capacity.plot({"hebbian": rows}, tmp_path / "c.png")
    with Image.open(tmp_path / "c.png") as img:
        assert img.format == "PNG" and img.size == (800, 450)
    for bad in (0, -0.5, float("nan"), float("inf"), "0.1"):
        with pytest.raises(ArgumentError, match="loads: expected positive numbers"):
            capacity.curve(100, "hebbian", (bad,))
    with pytest.raises(ArgumentError, match="p < n"):
        capacity.curve(100, "pseudoinverse", (1.0,))


# ------------------------------------------------------- parallel recall
@pytest.mark.parametrize("rule", ["hebbian", "storkey", "pseudoinverse"])
@pytest.mark.parametrize("workers", [1, 2])
def test_recall_many_equals_sequential(rng, rule, workers):
    x = ref.random_patterns(rng, 10, 120)
    net = assocmem.Hopfield(120)
    net.store(x, rule=rule)
    probes = np.stack([ref.flip(rng, x[k % 10], 0.25) for k in range(9)])
    many = net.recall_many(probes, seed=7, workers=workers)
    for k, res in enumerate(many):
        one = net.recall(probes[k], seed=7 + k)
        np.testing.assert_array_equal(res.state, one.state)
        assert (res.sweeps, res.flips) == (one.sweeps, one.flips)
        np.testing.assert_array_equal(res.energies, one.energies)


def test_recall_many_bad_input(rng):
    net = assocmem.Hopfield(10)
    net.store(ref.random_patterns(rng, 2, 10))
    with pytest.raises(ValueError, match="probes: expected a 2-D array"):
        net.recall_many(np.ones(10))
    with pytest.raises(ValueError, match="workers"):
        net.recall_many(np.ones((2, 10)), workers=0)
    with pytest.raises(ValueError, match="mode"):
        net.recall_many(np.ones((2, 10)), mode="x")


# ------------------------------------------------ sparse covariance memories
def sparse_patterns(rng, p, n, a):
    return (rng.random((p, n)) < a).astype(np.int8)


def covariance_weights(x, a):
    z = x.astype(np.float64) - a
    w = z.T @ z / x.shape[1]
    np.fill_diagonal(w, 0.0)
    return w


def recall_binary_reference(w, theta, probe, seed, max_sweeps=100):
    n = len(probe)
    s = probe.astype(np.float64).copy()
    rng = np.random.default_rng(seed)
    sweeps = flips = 0
    energies = [-0.5 * s @ w @ s + float(np.cumsum(theta * s)[-1])]
    while sweeps < max_sweeps:
        changed = 0
        for i in rng.permutation(n):
            new = 1.0 if w[i] @ s >= theta[i] else 0.0
            if new != s[i]:
                s[i] = new
                changed += 1
        sweeps += 1
        flips += changed
        energies.append(-0.5 * s @ w @ s + float(np.cumsum(theta * s)[-1]))
        if changed == 0:
            break
    return s.astype(np.int8), sweeps, flips, np.array(energies)


def test_covariance_weights_dense_and_sparse_input(rng):
    import scipy.sparse as sp

    x = sparse_patterns(rng, 30, 200, 0.05)
    a = float(x.mean())
    dense = assocmem.Hopfield(200)
    dense.store(x, rule="covariance")
    assert dense.activity == a and dense.binary
    np.testing.assert_allclose(dense.weights, covariance_weights(x, a), rtol=0, atol=1e-14)
    sparse = assocmem.Hopfield(200)
    sparse.store(sp.csr_matrix(x[:10]), rule="covariance", activity=a)
    sparse.store(sp.csr_matrix(x[10:]), rule="covariance")
    np.testing.assert_allclose(sparse.weights, dense.weights, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(sparse.patterns, x)


def test_covariance_recall_matches_reference_and_recalls(rng):
    n, p, a = 600, 30, 0.05
    x = sparse_patterns(rng, p, n, a)
    theta = np.full(n, 0.02)
    net = assocmem.Hopfield(n, theta)
    net.store(x, rule="covariance", activity=a)
    w = net.weights
    exact = 0
    for k in range(6):
        probe = x[k].copy()
        on, off = np.flatnonzero(probe), np.flatnonzero(probe == 0)
        probe[rng.choice(on, len(on) // 5, replace=False)] = 0
        probe[rng.choice(off, len(on) // 5, replace=False)] = 1
        res = net.recall(probe, seed=k)
        state, sweeps, flips, energies = recall_binary_reference(w, theta, probe, k)
        np.testing.assert_array_equal(res.state, state)
        assert (res.sweeps, res.flips) == (sweeps, flips)
        np.testing.assert_allclose(res.energies, energies, rtol=1e-9, atol=1e-9)
        assert set(np.unique(res.state)) <= {0, 1}
        assert np.all(np.diff(res.energies) <= 1e-9)
        exact += np.array_equal(res.state, x[k])
        assert res.best == k
    assert exact >= 5
    # save/load keeps rule, activity and 0/1 neurons
    import tempfile, os

    with tempfile.TemporaryDirectory() as d:
        net.save(os.path.join(d, "m.npz"))
        back = assocmem.Hopfield.load(os.path.join(d, "m.npz"))
    assert back.binary and back.activity == a
    np.testing.assert_array_equal(back.weights, net.weights)


def test_covariance_errors(rng):
    x = sparse_patterns(rng, 5, 50, 0.1)
    with pytest.raises(ArgumentError, match="activity: expected a value strictly between 0 and 1; got 0.0"):
        assocmem.Hopfield(50).store(np.zeros((3, 50)), rule="covariance")
    with pytest.raises(ArgumentError, match="every neuron is active"):
        assocmem.Hopfield(50).store(np.ones((3, 50)), rule="covariance")
    with pytest.raises(ArgumentError, match="activity"):
        assocmem.Hopfield(50).store(x, rule="covariance", activity=1.0)
    with pytest.raises(ValueError, match=r"patterns: expected only 0/1 values .* got \{-1\}"):
        assocmem.Hopfield(50).store(2 * x - 1, rule="covariance")
    net = assocmem.Hopfield(50)
    net.store(x, rule="covariance")
    with pytest.raises(ValueError, match="probe: expected only 0/1 values"):
        net.recall(2 * x[0] - 1)
    with pytest.raises(ArgumentError, match="mixing rules"):
        net.store(2 * x - 1)
    with pytest.raises(ArgumentError, match="activity: only the covariance rule"):
        assocmem.Hopfield(50).store(2 * x - 1, activity=0.1)
