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
