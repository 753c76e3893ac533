"""Saving networks into a FalkorDB server: GRAPH.BULK against the UNWIND
path, side by side on the same server in the same run.

Timed:  python -m pytest benchmarks/test_bench_falkordb.py --benchmark-enable -s
The full-size saves (n = 4800, 11,517,600 synapses) are marked slow; CI runs
each once with --benchmark-disable and still checks every result.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import assocmem
from assocmem import graph
from falkordb_server import Server
from test_bench_graph import SYNAPSE_CHECKSUMS, _upper_checksums
import reference as ref

pytestmark = pytest.mark.falkordb


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("falkordb-bench")).start()
    yield s
    s.stop()


@pytest.fixture
def store(server):
    with graph.open(f"{server.uri}?graph=bench") as s:
        yield s
        for row in s.networks():
            s.delete_network(row["name"])


def _net(n: int, seed: int = 7) -> assocmem.Hopfield:
    net = assocmem.Hopfield(n)
    net.store(ref.random_patterns(np.random.default_rng(seed), 5, n))
    net.counts
    return net


def _check(store, name: str, net: assocmem.Hopfield) -> None:
    n = net.n_neurons
    got = store.query(SYNAPSE_CHECKSUMS.format(rel=store.synapse_type(name)), network=name, n=n, nf=float(n))[0]
    want = _upper_checksums(net.counts)
    assert {k: int(got[k]) for k in want} == want
    assert got["bad_w"] == 0  # every w is c / n to the bit


def _save_rate(store, net, name, method) -> float:
    t = time.perf_counter()
    store.save_network(net, name, method=method, progress=False)
    rate = net.n_neurons * (net.n_neurons - 1) / 2 / (time.perf_counter() - t)
    _check(store, name, net)
    return rate


@pytest.mark.benchmark(group="falkordb-save")
def test_bulk_vs_unwind_and_flat_rate(benchmark, store):
    """Rates in one run: UNWIND (index look-ups per synapse) at n = 600,
    GRAPH.BULK at n = 600 and n = 2400 (16x the synapses): the bulk path's
    rate must not fall with the size (no per-synapse cost growing with n).
    Every save is checked; the rates only in timed runs."""
    small, large = _net(600), _net(2400)
    unwind = _save_rate(store, small, "u600", "unwind")
    bulk_small = _save_rate(store, small, "b600", "bulk")
    benchmark.pedantic(store.save_network, args=(large, "b2400"), kwargs={"progress": False, "overwrite": True},
                       rounds=1, iterations=1, warmup_rounds=0)
    _check(store, "b2400", large)
    if not benchmark.disabled:
        bulk_large = 2400 * 2399 / 2 / benchmark.stats.stats.min
        print(f"\nFalkorDB save: UNWIND {unwind:,.0f} synapses/s (n=600); GRAPH.BULK {bulk_small:,.0f}/s (n=600), "
              f"{bulk_large:,.0f}/s (n=2400); bulk/unwind {bulk_small / unwind:.1f}x")
        assert bulk_small > 3 * unwind
        assert bulk_large > 0.5 * bulk_small


@pytest.mark.slow
@pytest.mark.benchmark(group="falkordb-save-n4800")
def test_save_full_network_bulk(benchmark, store):
    net = _net(4800)

    def save():
        store.save_network(net, "full", overwrite=True, progress=False)

    benchmark.pedantic(save, rounds=1, iterations=1, warmup_rounds=0)
    _check(store, "full", net)
    if not benchmark.disabled:
        rate = 4800 * 4799 / 2 / benchmark.stats.stats.min
        print(f"\nfull network (11,517,600 synapses) bulk-saved at {rate:,.0f} synapses/s (goal 150,000)")
        assert rate >= 150_000


@pytest.mark.slow
@pytest.mark.benchmark(group="falkordb-save-n4800")
def test_save_full_network_dendrites_bulk(benchmark, store):
    net = _net(4800)

    def save():
        store.save_network(net, "full-d", layout="dendrites", overwrite=True, progress=False)

    benchmark.pedantic(save, rounds=1, iterations=1, warmup_rounds=0)
    back = store.load_network("full-d", verify=True)
    assert back.weights.tobytes() == net.weights.tobytes()
    if not benchmark.disabled:
        print(f"\ndendrites layout (n=4800) bulk-saved in {benchmark.stats.stats.min:.2f} s (goal < 5 s)")
        assert benchmark.stats.stats.min < 5.0
