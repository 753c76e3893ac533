"""Parallel batch recall and the real-valued rules.

Timed: python -m pytest benchmarks/test_bench_rules.py --benchmark-enable -s
"""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
import reference as ref

N, P, K = 4800, 200, 32
_t: dict[int, float] = {}


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(3)
    x = ref.random_patterns(rng, P, N)
    net = assocmem.Hopfield(N)
    net.store(x)
    probes = np.stack([ref.flip(rng, x[k % P], 0.2) for k in range(K)])
    return net, x, probes, [net.recall(probes[k], seed=k) for k in range(K)]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.benchmark(group="recall-many-n4800-p200")
def test_recall_many_threads(benchmark, batch, workers):
    net, x, probes, want = batch
    got = benchmark.pedantic(net.recall_many, args=(probes,), kwargs={"seed": 0, "workers": workers}, rounds=3)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.state, w.state)
        np.testing.assert_array_equal(g.energies, w.energies)
    if not benchmark.disabled:
        _t[workers] = benchmark.stats.stats.min
        print(f"\n{workers} thread(s): {K / _t[workers]:.0f} recalls/s")
        if 1 in _t and 2 in _t:
            print(f"scaling 1 -> 2 threads: {_t[1] / _t[2]:.2f}x")
            assert _t[1] / _t[2] >= 1.3


@pytest.mark.parametrize("rule", ["storkey", "pseudoinverse"])
@pytest.mark.benchmark(group="store-n1000-p100")
def test_store_real_rules(benchmark, rule):
    rng = np.random.default_rng(9)
    x = ref.random_patterns(rng, 100, 1000)

    def store():
        net = assocmem.Hopfield(1000)
        net.store(x, rule=rule)
        return net

    net = benchmark.pedantic(store, rounds=2)
    assert net.recall(x[0], seed=0).flips == 0


@pytest.mark.benchmark(group="store-sparse-n4800-a5-p50")
def test_store_covariance_sparse(benchmark):
    import scipy.sparse as sp

    rng = np.random.default_rng(2)
    x = (rng.random((50, N)) < 0.05).astype(np.int8)
    xs = sp.csr_matrix(x)

    def store():
        net = assocmem.Hopfield(N)
        net.store(xs, rule="covariance", activity=0.05)
        return net

    net = benchmark(store)
    assert net.n_patterns == 50 and net.activity == 0.05
    _t["sparse"] = None if benchmark.disabled else benchmark.stats.stats.min


@pytest.mark.benchmark(group="store-sparse-n4800-a5-p50")
def test_store_covariance_dense_accumulation(benchmark):
    rng = np.random.default_rng(2)
    x = (rng.random((50, N)) < 0.05).astype(np.int8)

    def dense():
        z = x.astype(np.float64) - 0.05
        w = z.T @ z
        w /= N
        np.fill_diagonal(w, 0.0)
        return w

    w = benchmark.pedantic(dense, rounds=3)
    net = assocmem.Hopfield(N)
    net.store(x, rule="covariance", activity=0.05)
    np.testing.assert_allclose(net.weights[:50, :50], w[:50, :50], rtol=0, atol=1e-12)
    if not benchmark.disabled and _t.get("sparse"):
        ratio = benchmark.stats.stats.min / _t["sparse"]
        print(f"\ncovariance store, sparse vs dense accumulation: {ratio:,.0f}x faster")
        assert ratio >= 10
