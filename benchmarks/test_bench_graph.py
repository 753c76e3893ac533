"""Graph mirror on embedded LadybugDB, against its peers in the same run.

Timed:  python -m pytest benchmarks/test_bench_graph.py --benchmark-enable -s
The full-size saves (n = 4800, 11,517,600 synapses) and the pure-Cypher
recall (n = 1200) are marked slow; CI runs each once with --benchmark-disable
and still checks every result.
"""

from __future__ import annotations

import time

import ladybug
import numpy as np
import pandas as pd
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


def _upper_checksums(counts: np.ndarray) -> dict[str, int]:
    """NumPy reference for the synapse checksums queried below: the count,
    sum of c, and sum of c weighted by the pair's position (i * n + j)."""
    n = counts.shape[0]
    i, j = np.triu_indices(n, 1)
    c = counts[i, j].astype(np.int64)
    return {"k": int(i.size), "sc": int(c.sum()), "pos": int((c * (i * n + j)).sum())}


SYNAPSE_CHECKSUMS = (
    "MATCH (a:Neuron)-[s:{rel}]->(b:Neuron) "
    "RETURN count(s) AS k, sum(s.c) AS sc, sum(s.c * (a.idx * $n + b.idx)) AS pos, "
    "sum(CASE WHEN s.w = s.c / $nf THEN 0 ELSE 1 END) AS bad_w"
)


@pytest.fixture(scope="module")
def bare_copy_rate(full, tmp_path_factory):
    """The peer: LadybugDB's own COPY of the same rows (from, to, c INT8,
    w DOUBLE) into a bare schema, timed in this run.  The end-to-end save is
    that COPY plus our own work; the benchmark asserts how close it comes."""
    net = full[0]
    i, j = np.triu_indices(N, 1)
    c = net.counts[i, j]
    frame = pd.DataFrame({"from": i.astype(np.int64), "to": j.astype(np.int64), "c": c, "w": c / N}, copy=False)
    db = ladybug.Database(str(tmp_path_factory.mktemp("bare") / "bare.lbdb"))
    conn = ladybug.Connection(db)
    try:
        conn.execute("CREATE NODE TABLE N(id INT64, PRIMARY KEY(id))")
        conn.execute("CREATE REL TABLE S(FROM N TO N, c INT8, w DOUBLE)")
        conn.execute("COPY N FROM $d", {"d": pd.DataFrame({"id": np.arange(N, dtype=np.int64)})})
        t = time.perf_counter()
        conn.execute("COPY S FROM $d", {"d": frame})
        rate = M / (time.perf_counter() - t)
        assert conn.execute("MATCH ()-[s:S]->() RETURN count(s)").get_next()[0] == M
    finally:
        conn.close()
        db.close()
    return rate


@pytest.mark.slow
@pytest.mark.benchmark(group="graph-save-n4800")
def test_save_full_network_copy(benchmark, store, full, request):
    net, _, _ = full

    def save():
        store.save_network(net, "full", overwrite=True, progress=False)

    benchmark.pedantic(save, rounds=1, iterations=1, warmup_rounds=0)
    rel = store.synapse_type("full")
    got = store.query(SYNAPSE_CHECKSUMS.format(rel=rel), n=N, nf=float(N))[0]
    want = _upper_checksums(net.counts)
    assert {k: got[k] for k in want} == want
    assert got["bad_w"] == 0  # every w is c / n to the bit
    if not benchmark.disabled:
        rate = M / benchmark.stats.stats.min
        bare = request.getfixturevalue("bare_copy_rate")
        print(f"\nfull network saved at {rate:,.0f} synapses/s end to end (goal 800,000); "
              f"bare LadybugDB COPY of the same rows: {bare:,.0f}/s ({rate / bare:.2f}x)")
        # The save is the database's COPY plus ~0.1 s of row building; the
        # ratio is robust to this shared machine's speed, the absolute rate is not.
        assert rate >= 0.9 * bare


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


#: Synapses per transaction of the batched pure-Cypher Hebbian rule here:
#: small enough that n = 200 and n = 400 take 2 and 8 transactions.
HEBB_BATCH = 10_000


@pytest.mark.benchmark(group="cypher-hebb")
@pytest.mark.parametrize("n", [200, 400])
def test_cypher_hebb_batched_vs_one_statement(benchmark, tmp_path, n):
    """The pure-Cypher Hebbian rule in bounded row blocks (one transaction
    each, as Neo4j needs) against the peer: the whole p n^2 product in one
    statement, timed in the same run.  Batching may cost at most 1.5x, and
    the cost per synapse stays flat from n = 200 to n = 400."""
    rng = np.random.default_rng(n)
    x = ref.random_patterns(rng, 5, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    m = n * (n - 1) // 2
    stores = []

    def fresh():  # each run in a database of its own (LadybugDB scans every Neuron node per statement)
        stores.append(graph.open(tmp_path / f"hebb{len(stores)}.lbdb"))
        return (stores[-1],), {}

    try:
        one = []
        for _ in range(3):
            (store,), _ = fresh()
            t = time.perf_counter()
            store.cypher_store("h", x, batch_size=m)
            one.append(time.perf_counter() - t)
        benchmark.pedantic(lambda store: store.cypher_store("h", x, batch_size=HEBB_BATCH), setup=fresh, rounds=3,
                           iterations=1)
        for store in stores[::3]:  # a one-statement and a batched network
            assert store.load_network("h", verify=True).weights.tobytes() == net.weights.tobytes()
    finally:
        for store in stores:
            store.close()
    if not benchmark.disabled:
        batched, one = benchmark.stats.stats.min, min(one)
        _t[f"hebb{n}"] = batched / m
        print(f"\ncypher hebb n={n}: batched {batched:.3f} s ({-(-m // HEBB_BATCH)}+ transactions), "
              f"one statement {one:.3f} s, ratio {batched / one:.2f}; {batched / m * 1e6:.1f} us/synapse")
        assert batched <= 1.5 * one
        if "hebb200" in _t and n == 400:
            assert _t["hebb400"] <= 1.5 * _t["hebb200"]


@pytest.mark.benchmark(group="graph-arrow-small")
@pytest.mark.parametrize("rows", [3, 1000])
def test_small_arrow_reads_sized_to_the_result(benchmark, store, rows):
    """Backend.columns on LadybugDB reads a result as Arrow in one chunk of
    its own size; the peer: LadybugDB's get_as_arrow() with its default
    chunk (10 million values whatever the result).  Same table asserted;
    when timed, ours <= 0.5x the peer (measured 0.05x at 3 rows, 0.22x at
    1,000, the statement included)."""
    query = "UNWIND range(1, $n) AS x RETURN x AS x, [x, 2 * x] AS xs"
    b = store.backend
    got = benchmark(lambda: b.columns(query, {"n": rows}))
    peer = b._execute(query, {"n": rows}).get_as_arrow()
    assert got.equals(peer.combine_chunks()) and got.num_rows == rows
    if not benchmark.disabled:
        from test_bench_searchnet import _timed

        t = min(_timed(lambda: b._execute(query, {"n": rows}).get_as_arrow()) for _ in range(20))
        ours = benchmark.stats.stats.min
        print(f"\n{rows} rows as Arrow: {ours * 1e3:.2f} ms sized to the result, {t * 1e3:.2f} ms by default "
              f"({ours / t:.2f}x)")
        assert ours <= 0.5 * t
