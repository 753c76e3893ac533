"""Graph mirror on embedded LadybugDB, against its peers in the same run.

Timed:  python -m pytest benchmarks/test_bench_graph.py --benchmark-enable -s
The full-size saves (n = 4800, 11,517,600 synapses) and the pure-Cypher
recall (n = 1200) are marked slow; CI runs each once with --benchmark-disable
and still checks every result.
"""

from __future__ import annotations


import numpy as np
import pytest

import assocmem
from assocmem import graph
import reference as ref

N = 4800
M = N * (N - 1) // 2
_t: dict[str, float] = {}


@pytest.fixture(scope="module")
def full():
    rng = np.random.default_rng(7)
    x = ref.random_patterns(rng, 5, N)
    net = assocmem.Hopfield(N)
    net.store(x)
    net.counts
    probe = ref.flip(rng, x[0], 0.2)
    return net, x, probe


@pytest.fixture
def store(tmp_path):
    """A fresh database per case: cases do not slow each other down (a
    dendrites network in the Neuron table makes every later SET ~2x slower)."""
    with graph.open(tmp_path / "bench.lbdb") as s:
        yield s


N_CYPHER = 1200  # pure Cypher costs ~2-6 ms per neuron visit: seconds per sweep here


@pytest.fixture(scope="module")
def medium():
    rng = np.random.default_rng(8)
    x = ref.random_patterns(rng, 5, N_CYPHER)
    net = assocmem.Hopfield(N_CYPHER)
    net.store(x)
    return net, x, ref.flip(rng, x[0], 0.2)


@pytest.mark.slow
@pytest.mark.benchmark(group="graph-save-n4800")
def test_save_full_network_copy(benchmark, store, full):
    net, _, _ = full

    def save():
        store.save_network(net, "full", overwrite=True, progress=False)

    benchmark.pedantic(save, rounds=1, iterations=1, warmup_rounds=0)
    rel = store.synapse_type("full")
    assert store.query(f"MATCH ()-[s:{rel}]->() RETURN count(s) AS k")[0]["k"] == M
    if not benchmark.disabled:
        rate = M / benchmark.stats.stats.min
        # Goal 800k/s; a bare LadybugDB COPY of (from, to, c, w) peaks at
        # 810-840k/s here, so end to end we measure 570-790k/s (README).
        print(f"\nfull network saved at {rate:,.0f} synapses/s end to end (goal 800,000)")
        assert rate >= 500_000


@pytest.mark.slow
@pytest.mark.benchmark(group="graph-save-n4800")
def test_save_full_network_dendrites(benchmark, store, full):
    net, _, _ = full

    def save():
        store.save_network(net, "full-d", layout="dendrites", overwrite=True, progress=False)

    benchmark.pedantic(save, rounds=1, iterations=1, warmup_rounds=0)
    back = store.load_network("full-d", verify=True)
    assert back.weights.tobytes() == net.weights.tobytes()
    if not benchmark.disabled:
        assert benchmark.stats.stats.min < 3.0


@pytest.mark.slow
@pytest.mark.benchmark(group="graph-recall-n1200")
def test_recall_pure_cypher(benchmark, store, medium):
    net, _, probe = medium
    store.save_network(net, "medium", progress=False)
    res = benchmark.pedantic(store.cypher_recall, args=("medium", probe), kwargs={"seed": 3}, rounds=1, iterations=1)
    want = net.recall(probe, seed=3)
    np.testing.assert_array_equal(res.state, want.state)
    assert (res.sweeps, res.flips) == (want.sweeps, want.flips)
    np.testing.assert_array_equal(res.energies, want.energies)
    if not benchmark.disabled:
        _t["cypher-sweep"] = benchmark.stats.stats.min / res.sweeps


@pytest.mark.benchmark(group="graph-recall-n1200")
def test_recall_kernel_same_network(benchmark, medium):
    net, _, probe = medium
    res = benchmark(net.recall, probe, seed=3)
    assert res.exact and res.best == 0
    if not benchmark.disabled and "cypher-sweep" in _t:
        ratio = _t["cypher-sweep"] / (benchmark.stats.stats.min / res.sweeps)
        print(f"\nkernel vs pure Cypher, per sweep: {ratio:,.0f}x")
        assert ratio >= 10_000


@pytest.mark.parametrize("batch_size", [1_000, 10_000, 50_000])
@pytest.mark.benchmark(group="graph-unwind-batches")
def test_unwind_rows_per_second(benchmark, tmp_path, batch_size):
    """The Neo4j loading Cypher (UNWIND $rows batches), run on LadybugDB."""
    n = 500
    rng = np.random.default_rng(1)
    net = assocmem.Hopfield(n)
    net.store(ref.random_patterns(rng, 3, n))
    with graph.open(tmp_path / f"u{batch_size}.lbdb") as s:
        def save():
            s.save_network(net, "u", method="unwind", batch_size=batch_size, overwrite=True, progress=False)

        benchmark.pedantic(save, rounds=1, iterations=1)
        assert s.load_network("u", verify=True).n_patterns == 3
        if not benchmark.disabled:
            print(f"\nUNWIND batch {batch_size}: {n * (n - 1) // 2 / benchmark.stats.stats.min:,.0f} synapses/s")
