"""Dense associative memories against the per-neuron reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assocmem
from assocmem.errors import ArgumentError, ArgumentTypeError
import reference as ref


def _same(res, want, exact_energy=True):
    np.testing.assert_array_equal(res.state, want.state)
    assert (res.sweeps, res.flips, res.converged, res.cycle) == (want.sweeps, want.flips, want.converged, want.cycle)
    if exact_energy:
        np.testing.assert_array_equal(res.energies, want.energies)
    else:
        np.testing.assert_allclose(res.energies, want.energies, rtol=1e-9)


@pytest.mark.parametrize("mode", ["async", "sync"])
@pytest.mark.parametrize("kw", [{"degree": 2}, {"degree": 3}, {"degree": 4}, {"degree": 7}, {"beta": 0.05},
                                {"beta": 0.5}])
def test_dense_matches_reference(rng, mode, kw):
    n, p = 90, 25
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x, rule="dense", **kw)
    for k in range(3):
        probe = ref.flip(rng, x[k], 0.3)
        res = net.recall(probe, mode=mode, seed=k)
        want = ref.dense_recall(x, probe, mode=mode, seed=k, **kw)
        _same(res, want, exact_energy="degree" in kw)
        assert net.energy(res.state) == res.energies[-1]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), p=st.integers(1, 12), d=st.integers(2, 6), seed=st.integers(0, 2**31),
       order=st.sampled_from(["random", "sequential"]))
def test_dense_polynomial_property(n, p, d, seed, order):
    rng = np.random.default_rng(seed)
    x = ref.random_patterns(rng, p, n)
    probe = ref.random_patterns(rng, 1, n)[0]
    net = assocmem.Hopfield(n)
    net.store(x, rule="dense", degree=d)
    _same(net.recall(probe, seed=seed, order=order), ref.dense_recall(x, probe, degree=d, seed=seed, order=order))


def test_degree_two_is_the_hebbian_network(rng):
    n, p = 150, 12
    x = ref.random_patterns(rng, p, n)
    hebb, dense = assocmem.Hopfield(n), assocmem.Hopfield(n)
    hebb.store(x)
    dense.store(x, rule="dense", degree=2)
    for k in range(6):
        probe = ref.flip(rng, x[k % p], 0.35)
        for mode in ("async", "sync"):
            a, b = hebb.recall(probe, mode=mode, seed=k), dense.recall(probe, mode=mode, seed=k)
            np.testing.assert_array_equal(a.state, b.state)
            assert (a.sweeps, a.flips, a.cycle) == (b.sweeps, b.flips, b.cycle)
            np.testing.assert_array_equal(a.overlaps, b.overlaps)


def test_dense_holds_many_correlated_patterns_where_hebb_fails():
    """p = 2n random patterns: far beyond the Hebbian capacity (0.138 n), but
    degree 4 and exp recall from 10 % noise."""
    rng = np.random.default_rng(3)
    n, p = 100, 200
    x = ref.random_patterns(rng, p, n)
    exact = {}
    for name, kw in (("hebbian", None), ("degree 4", {"degree": 4}), ("exp", {"beta": 0.3})):
        net = assocmem.Hopfield(n)
        net.store(x) if kw is None else net.store(x, rule="dense", **kw)
        exact[name] = sum(np.array_equal(net.recall(ref.flip(rng, x[k], 0.1), seed=k).state, x[k])
                          for k in range(20))
    assert exact["degree 4"] >= 19 and exact["exp"] >= 19
    assert exact["hebbian"] <= 5


def test_odd_degree_has_no_inverted_attractors(rng):
    """s -> -s symmetry: even degrees keep every pattern's negative as a
    fixed point, odd degrees do not."""
    n, p = 120, 8
    x = ref.random_patterns(rng, p, n)
    for d, inverted_stable in ((4, True), (3, False)):
        net = assocmem.Hopfield(n)
        net.store(x, rule="dense", degree=d)
        res = net.recall(-x[0], seed=1)
        assert (res.flips == 0) == inverted_stable
        if not inverted_stable:
            assert not (res.inverted and res.exact)


def test_dense_save_load_forget_round_trip(tmp_path, rng):
    x = ref.random_patterns(rng, 6, 40)
    for kw in ({"degree": 3}, {"beta": 0.2}):
        net = assocmem.Hopfield(40)
        net.store(x, rule="dense", **kw)
        net.save(tmp_path / "d.npz")
        back = assocmem.Hopfield.load(tmp_path / "d.npz")
        assert back.rule == "dense" and back.interaction == kw
        probe = ref.flip(rng, x[1], 0.2)
        np.testing.assert_array_equal(back.recall(probe, seed=2).state, net.recall(probe, seed=2).state)


@pytest.mark.parametrize(
    "kw,exc,match",
    [
        ({}, ArgumentError, "exactly one of degree"),
        ({"degree": 3, "beta": 0.1}, ArgumentError, "exactly one of degree"),
        ({"degree": 1}, ArgumentError, r"degree: expected an integer >= 2; got 1"),
        ({"degree": 2.5}, ArgumentTypeError, r"degree: expected an integer >= 2; got 2.5"),
        ({"degree": True}, ArgumentTypeError, "degree"),
        ({"beta": 0}, ArgumentError, r"beta: expected a positive finite number; got 0"),
        ({"beta": -1.0}, ArgumentError, "beta: expected a positive"),
        ({"beta": float("nan")}, ArgumentError, "beta: expected a positive"),
        ({"beta": float("inf")}, ArgumentError, "beta: expected a positive"),
        ({"beta": "0.1"}, ArgumentTypeError, "beta"),
        ({"beta": 20.0}, ArgumentError, r"beta: beta \* n must be at most 690"),
        ({"degree": 12}, ArgumentError, "exceed exact 64-bit arithmetic"),
    ],
)
def test_dense_bad_parameters(kw, exc, match):
    net = assocmem.Hopfield(50)
    with pytest.raises(exc, match=match):
        net.store(np.ones((2, 50)), rule="dense", **kw)
    assert net.n_patterns == 0


def test_dense_refuses_thresholds_mixing_and_weights(rng):
    with pytest.raises(ArgumentError, match="thresholds: a dense memory has no thresholds"):
        assocmem.Hopfield(10, thresholds=0.1).store(np.ones(10), rule="dense", degree=3)
    net = assocmem.Hopfield(10)
    net.store(np.ones(10), rule="dense", degree=3)
    with pytest.raises(ArgumentError, match=r"this memory uses \{'degree': 3\}; got \{'degree': 4\}"):
        net.store(-np.ones(10), rule="dense", degree=4)
    net.store(-np.ones(10), rule="dense")  # later stores may omit the parameters
    assert net.n_patterns == 2
    with pytest.raises(ArgumentError, match="mixing rules"):
        net.store(np.ones(10))
    with pytest.raises(ArgumentError, match="weights: a dense memory has no pairwise weights"):
        net.weights
    with pytest.raises(ArgumentError, match="degree/beta: only the dense rule takes them"):
        assocmem.Hopfield(10).store(np.ones(10), degree=3)


@pytest.mark.parametrize("rule", ["hebbian", "dense"])
def test_forget_equals_never_storing(rng, rule):
    n = 70
    x = ref.random_patterns(rng, 9, n)
    kw = {"rule": "dense", "degree": 3} if rule == "dense" else {}
    net = assocmem.Hopfield(n)
    net.store(x, **kw)
    if rule == "hebbian":
        net.counts  # materialised: forget subtracts from it
    net.forget(x[[2, 5]])
    net.forget(x[7])
    keep = np.delete(x, [2, 5, 7], axis=0)
    fresh = assocmem.Hopfield(n)
    fresh.store(keep, **kw)
    np.testing.assert_array_equal(net.patterns, fresh.patterns)
    if rule == "hebbian":
        np.testing.assert_array_equal(net.counts, fresh.counts)
        assert net.counts.dtype == fresh.counts.dtype
        np.testing.assert_array_equal(net.weights, fresh.weights)
    for k in range(4):
        probe = ref.flip(rng, keep[k], 0.2)
        a, b = net.recall(probe, seed=k), fresh.recall(probe, seed=k)
        np.testing.assert_array_equal(a.state, b.state)
        np.testing.assert_array_equal(a.energies, b.energies)
        np.testing.assert_array_equal(a.overlaps, b.overlaps)


def test_forget_refuses_unknown_patterns_and_other_rules(rng):
    x = ref.random_patterns(rng, 3, 20)
    net = assocmem.Hopfield(20)
    net.store(x)
    before = net.counts.copy()
    with pytest.raises(ArgumentError, match=r"patterns\[1\]: not stored"):
        net.forget(np.stack([x[0], -x[0]]))
    np.testing.assert_array_equal(net.counts, before)
    assert net.n_patterns == 3
    net.forget(x[0])
    with pytest.raises(ArgumentError, match=r"patterns\[0\]: not stored .*already forgotten"):
        net.forget(x[0])
    s = assocmem.Hopfield(20)
    s.store(x, rule="storkey")
    with pytest.raises(ArgumentError, match="forget: supported for the Hebbian and dense rules"):
        s.forget(x[0])


def test_capacity_curve_accepts_dense_rules_beyond_load_one():
    from assocmem import capacity

    rows = capacity.curve(200, "dense", (0.5, 2.0), trials=2, probes_per_trial=4, seed=3, degree=4)
    assert [r["p"] for r in rows] == [100.0, 400.0]
    assert all(r["perfect"] == 1.0 for r in rows)
    hebb = capacity.curve(200, "hebbian", (2.0,), trials=1, probes_per_trial=4, seed=3)[0]
    assert hebb["p"] == 400.0 and hebb["perfect"] == 0.0  # far beyond Hebb's capacity
    with pytest.raises(ArgumentError, match="degree/beta: only the dense rule"):
        capacity.curve(200, "hebbian", (0.1,), degree=3)


def test_capacity_curve_on_a_dask_cluster_equals_local():
    """Two worker processes on loopback; identical rows to the local run."""
    distributed = pytest.importorskip("distributed", reason="Dask runs need pip install 'assocmem[dask]'")
    from assocmem import capacity

    kwargs = dict(loads=(0.1, 0.2), noise=0.15, trials=3, probes_per_trial=3, seed=11)
    local = capacity.curve(300, "hebbian", **kwargs)
    dense_local = capacity.curve(300, "dense", (1.0,), trials=2, seed=2, beta=0.05)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = capacity.curve(300, "hebbian", client=client, **kwargs)
        dense_remote = capacity.curve(300, "dense", (1.0,), trials=2, seed=2, beta=0.05, client=client)
    assert remote == local
    assert dense_remote == dense_local


def test_demo_all_photos_hebbian_vs_dense(tmp_path):
    """The 23 usable scikit-image photos (overlaps up to 0.6): the dense
    memory recalls at least 44 of 46 probes exactly, Hebb's rule far fewer."""
    import json

    from assocmem import cli

    assert cli.main(["demo", "--all-photos", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "compare.json").read_text())
    assert len(summary["patterns"]) == 23 and summary["max_overlap"] > 0.5
    assert summary["exact"]["dense"]["recalled"] >= 44
    assert summary["exact"]["hebbian"]["recalled"] <= 15
    assert len(summary["probes"]) == 23 * 2 * 2
    # every dense row says what it recalled, checked against the library
    net = assocmem.Hopfield(4800)
    from assocmem import images

    x = np.stack([images.load(img) for _, img in images.sample_photos(images.ALL_PHOTOS)])
    net.store(x, rule="dense", beta=0.05)
    row = next(r for r in summary["probes"] if r["rule"] == "dense" and r["kind"] == "noise")
    k = summary["patterns"].index(row["image"])
    res = net.recall(images.add_noise(x[k], 0.2, seed=1000 * k + 1), seed=1000 * k + 1)
    assert res.sweeps == row["sweeps"] and res.flips == row["flips"]
    with pytest.raises(SystemExit):
        cli.main(["demo", "--all-photos", "--noise"])
    assert cli.main(["demo", "x.png", "--all-photos", "--out", str(tmp_path)]) == 2
