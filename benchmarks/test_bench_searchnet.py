"""SearchNet against a faithful port of the book's SQLite searchnet, in the
same run, at 100,000 urls and 10,000 hidden neurons.

Timed: python -m pytest benchmarks/test_bench_searchnet.py --benchmark-enable -s
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from assocmem import SearchNet, graph
from assocmem.searchnet import NEW_URL_WEIGHT, NEW_WORD_WEIGHT
from pci_dictnet import dictnet as DictNet
from pci_searchnet import searchnet as BookNet

N_URLS, N_HIDDEN, N_WORDS = 100_000, 10_000, 2_000
_t: dict[str, float] = {}


def synthetic(seed=0, n_urls=N_URLS, n_hidden=N_HIDDEN):
    """10,000 hidden neurons for 1-3 word combinations, each linked to 10 urls."""
    rng = np.random.default_rng(seed)
    combos = {}
    while len(combos) < n_hidden:
        words = tuple(sorted(int(w) for w in rng.choice(N_WORDS, size=rng.integers(1, 4), replace=False)))
        combos[words] = [int(u) for u in rng.choice(n_urls, size=10, replace=False)]
    return combos


@pytest.fixture(scope="module")
def nets():
    combos = synthetic()
    ours = SearchNet()
    links = ours._mem
    for words, urls in combos.items():
        h, _ = links.hidden(words)
        for w in words:
            links.set_wh(links.word(w), h, NEW_WORD_WEIGHT / len(words))
        for u in urls:
            links.set_hu(h, links.url(u), NEW_URL_WEIGHT)
    book = BookNet()
    book.maketables()
    for h, (words, urls) in enumerate(combos.items(), start=1):
        book.con.execute("insert into hiddennode (rowid, create_key) values (?, ?)", (h, "_".join(map(str, words))))
        book.con.executemany("insert into wordhidden values (?,?,?)", [(w, h, NEW_WORD_WEIGHT / len(words)) for w in words])
        book.con.executemany("insert into hiddenurl values (?,?,?)", [(h, u, NEW_URL_WEIGHT) for u in urls])
    book.con.commit()
    rng = np.random.default_rng(1)
    items = list(combos.items())
    queries = []
    for k in rng.choice(len(items), size=200, replace=False):
        words, urls = items[k]
        extra = [int(u) for u in rng.choice(N_URLS, size=10, replace=False) if u not in urls]
        queries.append((list(words), urls[:5] + extra[:5]))
    return ours, book, queries


@pytest.mark.benchmark(group="searchnet-score")
def test_score_book_port(benchmark, nets):
    ours, book, queries = nets

    def run():
        return [book.getresult(w, u) for w, u in queries]

    got = benchmark.pedantic(run, rounds=3, iterations=1)
    for (w, u), ref in zip(queries, got):
        np.testing.assert_allclose(ours.scores(w, u), ref, rtol=0, atol=1e-12)
    _t["book"] = None if benchmark.disabled else benchmark.stats.stats.min / len(queries)


@pytest.mark.benchmark(group="searchnet-score")
def test_score_kernel(benchmark, nets):
    ours, book, queries = nets
    ours.scores(*queries[0])  # the first call allocates the scratch memory: outside the timing

    def run():
        return [ours.scores(w, u) for w, u in queries]

    got = benchmark(run)
    for (w, u), scores in zip(queries[:20], got):
        np.testing.assert_allclose(scores, book.getresult(w, u), rtol=0, atol=1e-12)
    if not benchmark.disabled:
        per = benchmark.stats.stats.min / len(queries)
        print(f"\nscoring: {per * 1e6:.1f} us per query")
        assert per < 100e-6
        if _t.get("book"):
            print(f"scoring speed-up over the book's SQLite searchnet: {_t['book'] / per:,.0f}x")
            assert _t["book"] / per >= 100


@pytest.mark.benchmark(group="searchnet-score")
def test_score_kernel_batch(benchmark, nets):
    ours, _, queries = nets
    got = benchmark(ours.scores_many, queries)
    np.testing.assert_allclose(got[0], ours.scores(*queries[0]), rtol=0, atol=1e-15)


@pytest.mark.benchmark(group="searchnet-train")
@pytest.mark.parametrize("impl", ["book", "dict", "assocmem"])
def test_training_clicks_per_second(benchmark, impl):
    """300 clicks on a fresh net: the book's SQLite port, the same algorithm
    on plain dicts (tests/pci_dictnet.py), and assocmem; the final scores of
    each are asserted equal to the dict port's (1e-12).  Issue #12's goals:
    >= 100x the book and >= 20x the dict port (asserted when timed)."""
    rng = np.random.default_rng(4)
    sessions = []
    for _ in range(300):
        words = [int(w) for w in rng.choice(200, size=rng.integers(1, 4), replace=False)]
        urls = [int(u) for u in rng.choice(2000, size=10, replace=False)]
        sessions.append((words, urls, urls[int(rng.integers(10))]))

    def run():
        if impl in ("book", "dict"):
            net = BookNet() if impl == "book" else DictNet()
            net.maketables()
            for s in sessions:
                net.trainquery(*s)
            return net.getresult(*sessions[0][:2])
        net = SearchNet()
        net.train_many(sessions)
        return net.scores(*sessions[0][:2])

    result = benchmark.pedantic(run, rounds=5 if impl == "assocmem" else 1, iterations=1)
    ref = DictNet()  # equal to the book's: the "book" case checks it
    for sess in sessions:
        ref.trainquery(*sess)
    np.testing.assert_allclose(result, ref.getresult(*sessions[0][:2]), rtol=0, atol=1e-12)
    if not benchmark.disabled:
        _t[f"clicks-{impl}"] = len(sessions) / benchmark.stats.stats.min
        print(f"\n{impl}: {_t[f'clicks-{impl}']:,.0f} clicks/s")
        if impl == "assocmem" and "clicks-book" in _t and "clicks-dict" in _t:
            print(f"assocmem / book {_t['clicks-assocmem'] / _t['clicks-book']:.1f}x, "
                  f"/ dict port {_t['clicks-assocmem'] / _t['clicks-dict']:.2f}x")
            assert _t["clicks-assocmem"] >= 100 * _t["clicks-book"]
            assert _t["clicks-assocmem"] >= 20 * _t["clicks-dict"]


def _issue_log(n=6000, seed=0):
    """The search-net issue's log: 2,000 words, 20,000 urls, 1-3 words and
    10 urls a click."""
    rng = np.random.default_rng(seed)
    log = []
    for _ in range(n):
        words = [int(w) for w in rng.choice(2000, size=rng.integers(1, 4), replace=False)]
        urls = [int(u) for u in rng.choice(20000, size=10, replace=False)]
        log.append((words, urls, urls[int(rng.integers(10))]))
    return log


# Before the early-vs-late test: its timed "pci" run frees a 4.9 GB net, after
# which glibc's malloc, sorting millions of freed chunks a few thousand per
# call, made every malloc of the next tests slow (Python's dict resizes as much
# as the kernel's rows; measured: the 200,000-neuron "pci" case at 3.7x the
# 20,000 one after it, 1.4x before it).
@pytest.mark.benchmark(group="searchnet-train-flat")
@pytest.mark.parametrize("rules", ["hypergraphdb", "pci"])
@pytest.mark.parametrize("size", [20_000, 200_000])
def test_training_cost_independent_of_net_size(benchmark, rules, size):
    """The same 300-click log trained into nets that already hold 20,000 or
    200,000 other hidden neurons (other words, other urls; 2M links): the
    same operations per click, whatever the size; only cache misses in the
    larger key maps and rows grow (measured 1.25-1.50x).  Asserted <= 2x;
    an O(net) step per click would make it 10x.  Scores equal those of the
    log trained alone (1e-12)."""
    rng = np.random.default_rng(11)
    others = []
    for k in range(size):
        words = [f"o{int(w)}" for w in rng.choice(20_000, size=rng.integers(1, 4), replace=False)]
        others.append((words, [f"p{int(u)}" for u in rng.choice(200_000, size=10, replace=False)]))
    log = [([f"w{w}" for w in ws], [f"u{u}" for u in us], f"u{c}") for ws, us, c in _issue_log(n=300, seed=12)]

    def setup():
        net = SearchNet(rules=rules)
        net._edit([(w, u, None) for w, u in others])
        return (net,), {}

    nets = _train_rounds(benchmark, setup, log, rounds=3)
    alone = SearchNet(rules=rules)
    alone.train_many(log)
    for w, u, _ in log[-20:]:
        np.testing.assert_allclose(nets[-1].scores(w, u), alone.scores(w, u), rtol=0, atol=1e-12)
    if not benchmark.disabled:
        _t[f"size-{rules}-{size}"] = benchmark.stats.stats.min / len(log)
        print(f"\n{rules}, net of {size:,} other hidden neurons: {_t[f'size-{rules}-{size}'] * 1e6:.1f} us per click")
        small = _t.get(f"size-{rules}-20000")
        if size == 200_000 and small:
            print(f"{rules}: 200,000 / 20,000: {_t[f'size-{rules}-{size}'] / small:.2f}x")
            assert _t[f"size-{rules}-{size}"] <= 2 * small


@pytest.mark.slow
@pytest.mark.benchmark(group="searchnet-train-flat")
@pytest.mark.parametrize("rules", ["hypergraphdb", "pci"])
def test_per_click_cost_early_vs_late(benchmark, rules):
    """The issue's log of 6,000 clicks (2,000 words, 20,000 urls), in
    memory: clicks 5,401-6,000 against clicks 1-600.  A click costs its
    sub-network (the weights of its hidden layer).  Under "hypergraphdb"
    that is the neurons linked to both a query word and a query url (the
    only ones a click can change): 1.1x late against early (13x when every
    neuron linked to a query url took part).  Under the book's rules about
    400x (a url joins every hidden neuron of every query it is shown in: the
    book's semantics, the dict port's too).  Asserted: the time per
    sub-network weight stays flat (<= 1.5x), so no step costs more than the
    click's own sub-network, and under "hypergraphdb" the time per click
    stays under 2x (issue #12's goal, <= 1.5x: measured 1.19-1.49x; 2.46x
    before the smaller hidden layer).  Each block's time is its fastest of
    three rounds under "hypergraphdb" (one round of the book's rules takes
    minutes).
    Scores are checked against the dict port (pci) or a second net trained
    click by click."""
    import time

    # the book's rules make the net dense (5,280 hidden neurons x 20,000
    # urls, 4 GB, after 6,000 clicks): untimed runs (CI) stop at 1,800
    n = 6000 if not benchmark.disabled or rules == "hypergraphdb" else 1800
    log = _issue_log(n)
    # each block's fastest time over the rounds: a "hypergraphdb" block takes
    # about 10 ms, which one hiccup of a shared machine can double
    rounds = 3 if rules == "hypergraphdb" else 1
    blocks = [(np.inf, 0)] * (n // 600)

    def run():
        net = SearchNet(rules=rules)
        table = net._mem.table
        for b in range(n // 600):
            t, work = time.perf_counter(), table.weights_trained
            net.train_many(log[600 * b:600 * (b + 1)])
            blocks[b] = (min(blocks[b][0], time.perf_counter() - t), table.weights_trained - work)
        return net

    net = benchmark.pedantic(run, rounds=rounds, iterations=1)
    words, urls, _ = log[-1]
    if rules == "pci":
        ref = DictNet()
        for s in log[:1200]:  # the dict port takes minutes for the whole log: compare a prefix
            ref.trainquery(*s)
        prefix = SearchNet(rules=rules)
        prefix.train_many(log[:1200])
        w, u, _ = log[1199]
        np.testing.assert_allclose(prefix.scores(w, u), ref.getresult(w, u), rtol=0, atol=1e-12)
    else:
        one = SearchNet(rules=rules)
        for s in log:
            one.train(*s)
        np.testing.assert_allclose(net.scores(words, urls), one.scores(words, urls), rtol=0, atol=1e-12)
    (t0, w0), (t1, w1) = blocks[0], blocks[-1]
    per_click, per_weight = t1 / t0, (t1 / w1) / (t0 / w0)
    print(f"\n{rules}: clicks/s by block of 600: {', '.join(f'{600 / t:,.0f}' for t, _ in blocks)}; "
          f"last/first block per click {per_click:.2f}x, sub-network weights {w1 / w0:.1f}x, "
          f"per weight {per_weight:.2f}x")
    if not benchmark.disabled:
        assert per_weight <= 1.5
        if rules == "hypergraphdb":  # the goal is <= 1.5x: measured 1.19-1.49x (2.46x before the smaller layer)
            assert per_click <= 2.0


def _train_rounds(benchmark, setup, sessions, rounds):
    """Time ``net.train_many(sessions)`` on a net from ``setup()`` in each
    round; the nets trained, in order."""
    nets = []

    def train(net):
        nets.append(net)
        net.train_many(sessions)

    benchmark.pedantic(train, setup=setup, rounds=rounds, iterations=1)
    return nets


def _generate(net, combos, step):
    """The hidden neurons of these (words, urls) combinations with their
    links (generate_hidden), `step` to a transaction; seconds each took."""
    import time

    seconds = []
    for k in range(0, len(combos), step):
        t = time.perf_counter()
        net._edit([(list(w), u, None) for w, u in combos[k:k + step]])
        seconds.append(time.perf_counter() - t)
    return seconds


def _timed(f):
    import time

    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def _statement_seconds(backend):
    """A one-element list that sums the seconds of every statement the
    backend runs from now on (measured around LadybugBackend._execute)."""
    import time

    spent, real = [0.0], backend._execute

    def execute(query, params=None):
        t = time.perf_counter()
        try:
            return real(query, params)
        finally:
            spent[0] += time.perf_counter() - t

    backend._execute = execute
    return spent


def _graph_log(seed=6, n=200):
    rng = np.random.default_rng(seed)
    sessions = []
    for _ in range(n):
        words = [f"w{int(w)}" for w in rng.choice(300, size=rng.integers(1, 4), replace=False)]
        urls = [f"u{int(u)}" for u in rng.choice(3000, size=10, replace=False)]
        sessions.append((words, urls, urls[int(rng.integers(10))]))
    return sessions


@pytest.fixture(scope="module")
def graph_net(tmp_path_factory):
    """The same 200-click log trained into an embedded LadybugDB store and in
    memory; the queries are the log's own (words, urls)."""
    sessions = _graph_log()
    store = graph.open(tmp_path_factory.mktemp("sn") / "sn.lbdb")
    for layout in ("links", "neurons"):  # the same net in both layouts
        SearchNet(store, name=f"bench-{layout}", layout=layout).train_many(sessions)
    mem = SearchNet()
    mem.train_many(sessions)
    yield store, mem, [(w, u) for w, u, _ in sessions[:50]]
    store.close()


def _all_scores(net, queries):
    return [net.scores(w, u) for w, u in queries]


@pytest.mark.benchmark(group="searchnet-graph-warm")
@pytest.mark.parametrize("where", ["memory", "graph-links", "graph-neurons"])
def test_warm_query_graph_vs_memory(benchmark, graph_net, where):
    """50 queries, graph-backed with every row cached (either layout: the
    cache holds rows), against the same queries on the in-memory net.  Goal:
    graph <= 2x memory."""
    store, mem, queries = graph_net
    net = mem if where == "memory" else SearchNet(store, name=f"bench-{where[6:]}", layout=where[6:])
    _all_scores(net, queries)  # warm
    got = benchmark(_all_scores, net, queries)
    for a, b in zip(got, _all_scores(mem, queries)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    if not benchmark.disabled:
        _t[f"warm-{where}"] = benchmark.stats.stats.min / len(queries)
        if where != "memory" and "warm-memory" in _t:
            ratio = _t[f"warm-{where}"] / _t["warm-memory"]
            print(f"\nwarm query: {where} {_t[f'warm-{where}'] * 1e6:.1f} us, memory {_t['warm-memory'] * 1e6:.1f} us,"
                  f" ratio {ratio:.2f}")
            assert ratio <= 2.0


@pytest.mark.benchmark(group="searchnet-graph-cold")
@pytest.mark.parametrize("what", ["return-1", "cold-links", "cold-neurons"])
def test_cold_query_vs_round_trip(benchmark, graph_net, what):
    """A query with nothing cached (one statement reading its words' and
    urls' rows, in either layout) against one `RETURN 1` round trip on the
    same store, run the way the query's read is (Backend.run_small: on the
    calling thread, 0.1 ms faster than a statement handed to a helper
    thread so that Ctrl-C can interrupt it)."""
    store, mem, queries = graph_net
    if what == "return-1":
        benchmark(store.backend.run_small, "RETURN 1 AS one")
        if not benchmark.disabled:
            _t["return-1"] = benchmark.stats.stats.min
        return
    layout = what[5:]
    cold = SearchNet(store, name=f"bench-{layout}", cache_size=0, layout=layout)  # every query is cold
    w, u = queries[5]
    got = benchmark(cold.scores, w, u)
    np.testing.assert_allclose(got, mem.scores(w, u), rtol=0, atol=1e-12)
    if not benchmark.disabled and "return-1" in _t:
        ratio = benchmark.stats.stats.min / _t["return-1"]
        print(f"\ncold query ({layout}) {benchmark.stats.stats.min * 1e3:.2f} ms = {ratio:.1f} x RETURN 1 "
              f"({_t['return-1'] * 1e3:.2f} ms)")
        # measured 8-11x in either layout while RETURN 1 took 0.25-0.3 ms (neurons: 21-27x before its ports
        # held their positions in the hidden nodes' arrays); on 2026-12-02's later machine RETURN 1 took
        # 0.045 ms and the query 0.6-0.9 ms (its statement 0.33, Python 0.33): 12-18x; after the fifteenth
        # session's cuts of the Python part 0.46-0.56 ms, 10.3-12.2x (benchmarks/README.md)
        assert ratio <= 20


_NEW_PROCESS = """
import json, sys, time
from assocmem import SearchNet, graph
path, layout, words, urls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
t0 = time.perf_counter()
with graph.open(path) as store:
    b = store.backend
    net = SearchNet(store, name="bench-" + layout, cache_size=0)
    t = [time.perf_counter()]
    b.run_small("RETURN 1 AS x"); t.append(time.perf_counter())
    b.run_small("RETURN 1 AS x"); t.append(time.perf_counter())
    got = net.scores(words, urls); t.append(time.perf_counter())
    net.scores(words, urls); t.append(time.perf_counter())
print(json.dumps({"open": t[0] - t0, "return1_first": t[1] - t[0], "return1": t[2] - t[1],
                  "cold_first": t[3] - t[2], "cold": t[4] - t[3], "scores": got}))
"""


@pytest.mark.benchmark(group="searchnet-graph-cold-process")
@pytest.mark.parametrize("layout", ["links", "neurons"])
def test_cold_query_in_a_new_process(benchmark, tmp_path, layout):
    """The goal's cold query taken literally: a new process opens the store
    and asks one query, nothing cached.  Measured inside the process: the
    open (graph.open and SearchNet(), which imports pyarrow and compiles
    the cold query's statement, GraphLinks._warm), its first RETURN 1 and
    its first query, and a second of each (as test_cold_query_vs_round_trip
    measures).  Before _warm the first query took 25 ms ("links") and 43 ms
    ("neurons"): 29x and 50x the first RETURN 1; now 3.6 and 5.7 ms (4x,
    6x).  The scores are the in-memory net's.  The benchmark's own time is
    the whole process (imports, open)."""
    import json
    import subprocess
    import sys

    sessions = _graph_log()
    path = tmp_path / "cold.lbdb"
    with graph.open(path) as store:
        SearchNet(store, name=f"bench-{layout}", layout=layout).train_many(sessions)
    mem = SearchNet()
    mem.train_many(sessions)
    words, urls, _ = sessions[5]
    runs = []

    def run():
        out = subprocess.run([sys.executable, "-c", _NEW_PROCESS, str(path), layout, json.dumps(words),
                              json.dumps(urls)], check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout))

    benchmark.pedantic(run, rounds=3, iterations=1)
    for r in runs:
        np.testing.assert_allclose(r["scores"], mem.scores(words, urls), rtol=0, atol=1e-12)
    if not benchmark.disabled:
        best = {k: min(r[k] for r in runs) for k in ("open", "return1_first", "return1", "cold_first", "cold")}
        print(f"\nnew process, {layout}: open and SearchNet() {best['open'] * 1e3:.1f} ms; "
              f"first RETURN 1 {best['return1_first'] * 1e3:.2f} ms, then "
              f"{best['return1'] * 1e3:.2f} ms; first query {best['cold_first'] * 1e3:.2f} ms "
              f"({best['cold_first'] / best['return1_first']:.1f}x the first RETURN 1), then "
              f"{best['cold'] * 1e3:.2f} ms ({best['cold'] / best['return1']:.1f}x)")


@pytest.mark.benchmark(group="searchnet-graph-train")
@pytest.mark.parametrize("rules, clicks", [("pci", 300), ("hypergraphdb", 300), ("hypergraphdb", 1000),
                                           ("hypergraphdb", 3000)])
@pytest.mark.parametrize("phase", ["fresh", "late"])
@pytest.mark.parametrize("where", ["memory", "graph-links", "graph-neurons"])
def test_train_many_graph_vs_memory(benchmark, tmp_path, where, phase, rules, clicks):
    """A log of `clicks` clicks trained as one batch ("at night"), in memory
    and into an embedded LadybugDB store (one checkout, one transaction),
    into a fresh net or ("late") a net that already learned as many other
    clicks, so that much of the batch's work is weight updates.  Goal (issue #12):
    graph throughput >= 0.2x memory; not met under the book's rules
    (rules="pci", 300 clicks): the fresh batch creates
    216,000 links (the book's rules), the late one 624,000 and updates
    145,000, and LadybugDB takes about 7 us per new link by LOAD FROM (a
    COPY took 0.3-0.7 s for the fresh batch, but batches no longer COPY: a
    rolled-back COPY corrupts LadybugDB's heap) and 25 us per updated
    relationship, while the in-memory net trains the batch in 16-18 ms
    (50-65 ms late).  Asserted, as guards against regressions: links >=
    0.01x fresh (measured 0.02x; 0.06-0.07x by COPY) and >= 0.005x late
    (0.01x), neurons >= 0.01x (measured 0.02-0.03x).  Under
    rules="hypergraphdb" the same log makes 3,600 links: measured
    0.06-0.15x in both layouts.  The database's cost per transaction
    (checkout, BEGIN, COMMIT: about 30 ms) weighs less in a larger batch: a
    batch of 1,000 clicks (the `assocmem searchnet train` default) measured
    0.16-0.23x, one of 3,000 clicks 0.27-0.43x, until the in-memory net's
    smaller hidden layer under "hypergraphdb" (fourteenth session) made
    memory 1.5-2.7x faster on these batches and the ratios 0.04-0.15x,
    0.09-0.15x and 0.13-0.22x (two runs): the graph side did not change.
    Asserted, as guards against regressions: >= 0.03x, 0.06x and 0.08x.
    Each graph run also prints the time its database statements took and
    the ratio they alone would allow: 0.01-0.04x under the book's rules,
    and under "hypergraphdb" now 0.07-0.23x (300 clicks), 0.14-0.29x
    (1,000) and 0.20-0.48x (3,000): out of reach for small batches on
    LadybugDB 0.22; for 3,000 clicks the work outside the statements
    (80-170 ms, of which the training 40-55) decides (benchmarks/README.md,
    fourteenth session).
    The book's rules write 700 links a click (a batch of 1,000 clicks:
    0.08x / 0.02x), so they are measured at 300 only."""
    before = _graph_log(seed=8, n=clicks) if phase == "late" else []
    sessions = _graph_log(seed=7, n=clicks)
    runs = iter(range(100))
    stores = []  # closed at the end: each open LadybugDB database reserves terabytes of address space
    in_db = []  # per round: seconds spent in the database's statements (from the caller's side)

    def fresh():
        if where == "memory":
            net = SearchNet(rules=rules)
        else:
            stores.append(graph.open(tmp_path / f"t{next(runs)}.lbdb"))
            net = SearchNet(stores[-1], rules=rules, name="t", layout=where[6:])
        if before:
            net.train_many(before)
        if where != "memory":
            in_db.append(_statement_seconds(stores[-1].backend))
        return (net,), {}

    try:
        nets = _train_rounds(benchmark, fresh, sessions, rounds=2 if before else 3)
        mem = SearchNet(rules=rules)
        for batch in (before, sessions):
            mem.train_many(batch)
        w, u, _ = sessions[-1]
        for net in nets:
            np.testing.assert_allclose(net.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
    finally:
        for store in stores:
            store.close()
    if not benchmark.disabled:
        rate = len(sessions) / benchmark.stats.stats.min
        key = f"train-{rules}-{clicks}-{phase}"
        _t[f"{key}-{where}"] = rate
        print(f"\ntrain_many {rules} {clicks} clicks {phase} {where}: {rate:,.0f} clicks/s")
        if where != "memory" and f"{key}-memory" in _t:
            ratio = rate / _t[f"{key}-memory"]
            print(f"{rules} {clicks} clicks {phase}: {where} / memory {ratio:.2f}")
            # the database's statements alone, in the fastest round: the
            # ratio no work outside them could pass (issue #12's goal >= 0.2x)
            rounds = benchmark.stats.stats.data
            fastest = min(range(len(rounds)), key=rounds.__getitem__)
            db, total, mem_s = in_db[fastest][0], rounds[fastest], len(sessions) / _t[f"{key}-memory"]
            print(f"  database statements {db * 1e3:.1f} of {total * 1e3:.1f} ms; outside them "
                  f"{(total - db) * 1e3:.1f} ms (memory trains the batch in {mem_s * 1e3:.1f} ms); "
                  f"with nothing outside them the ratio would be {mem_s / db:.2f}")
            if rules == "hypergraphdb":
                assert ratio >= {300: 0.03, 1000: 0.06}.get(clicks, 0.08)
            elif where == "graph-links":
                assert ratio >= (0.01 if phase == "fresh" else 0.005)
            else:
                assert ratio >= 0.01


@pytest.mark.benchmark(group="searchnet-graph-train-flat")
@pytest.mark.parametrize("layout", ["links", "neurons"])
@pytest.mark.parametrize("others", [2_000, int(os.environ.get("ASSOCMEM_BENCH_SN_OTHERS", 20_000))])
def test_graph_training_cost_independent_of_net_size(benchmark, tmp_path, layout, others):
    """A 300-click batch trained into a graph-backed net (rules
    "hypergraphdb") that already learned another 300 clicks (so the batch
    updates weights and creates links) and holds 2,000 or 20,000 other
    hidden neurons (other words and urls: 24,000 or 240,000 more links):
    the same statements over the same rows, so the same cost whatever the
    size.  Asserted when timed: the larger net's batch <= 1.5x the
    smaller's.  A statement joining the batch with every stored link (how
    LadybugDB 0.22 planned the weight updates before they went by key
    look-ups) made it 2.1x here, and cost 370 ms for 100 updates at
    500,000 urls.  The peer: the same nets in memory (ratio printed);
    scores equal theirs.
    ASSOCMEM_BENCH_SN_OTHERS sets the larger size (50,000 by hand: 600,000
    more links, see benchmarks/README.md)."""
    before, sessions = _graph_log(seed=8, n=300), _graph_log(seed=7, n=300)
    rng = np.random.default_rng(13)
    other = {}  # other words and urls than the log's
    while len(other) < others:
        words = tuple(f"o{int(w)}" for w in rng.choice(20_000, size=rng.integers(1, 4), replace=False))
        other[words] = [f"p{int(u)}" for u in rng.choice(200_000, size=10, replace=False)]
    combos = list(other.items())
    runs = iter(range(100))
    stores = []

    def build(net):
        _generate(net, combos, 10_000)
        net.train_many(before)

    def fresh():
        stores.append(graph.open(tmp_path / f"f{next(runs)}.lbdb"))
        net = SearchNet(stores[-1], rules="hypergraphdb", name="t", layout=layout)
        build(net)
        return (net,), {}

    try:
        nets = _train_rounds(benchmark, fresh, sessions, rounds=2)
        mem = SearchNet(rules="hypergraphdb")
        build(mem)
        memory = _timed(lambda: mem.train_many(sessions))
        for w, u, _ in sessions[-20:]:
            np.testing.assert_allclose(nets[-1].scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
    finally:
        for store in stores:
            store.close()
    if not benchmark.disabled:
        key = f"graph-size-{layout}"
        t = _t[f"{key}-{others}"] = benchmark.stats.stats.min
        print(f"\ngraph {layout}, {others:,} other hidden neurons: batch {t * 1e3:.0f} ms, memory {memory * 1e3:.0f} ms "
              f"({memory / t:.2f}x)")
        if others > 2_000 and f"{key}-2000" in _t:
            print(f"{layout}: {others:,} / 2,000 other hidden neurons: {t / _t[f'{key}-2000']:.2f}x")
            assert t <= 1.5 * _t[f"{key}-2000"]


@pytest.mark.benchmark(group="searchnet-graph-memory")
def test_graph_net_memory_and_flat_batches(benchmark, tmp_path):
    """A 100,000-url net (10,000 hidden neurons, 122k links) built in the
    graph in five batches of 2,000 hidden neurons: the cost per batch stays
    flat (last <= 1.5x second; the first starts from empty tables).  Then a new handle answers 100 queries (1% of
    the urls): the memory it holds (the Python heap by tracemalloc, plus
    the C link tables of its cache, which tracemalloc does not see) must be
    <= 5% of loading the whole net (``links()``).  Cold queries on this net
    (nothing cached) against a ``RETURN 1`` round trip: <= 30x when timed.  ASSOCMEM_BENCH_SN_URLS
    sets the number of urls (default 100,000; the issue's 500,000 once by
    hand, see benchmarks/README.md), ASSOCMEM_BENCH_SN_HIDDEN the number of
    hidden neurons (default a tenth of the urls)."""
    import gc
    import tracemalloc

    n_urls = int(os.environ.get("ASSOCMEM_BENCH_SN_URLS", N_URLS))
    n_hidden = int(os.environ.get("ASSOCMEM_BENCH_SN_HIDDEN", n_urls // 10))
    combos = list(synthetic(seed=3, n_urls=n_urls, n_hidden=n_hidden).items())
    with graph.open(tmp_path / "mem.lbdb") as store:
        net = SearchNet(store, name="m", rules="hypergraphdb")
        per_batch = _generate(net, combos, 2000)
        rng = np.random.default_rng(5)
        queries = [(list(w), u[:5] + [int(x) for x in rng.choice(n_urls, 5)]) for w, u in combos[:n_urls // 1000]]
        gc.collect()
        tracemalloc.start()
        g = SearchNet(store, name="m", rules="hypergraphdb")
        got = benchmark.pedantic(lambda: [g.scores(w, u) for w, u in queries], rounds=1, iterations=1)
        heap, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        table = g._links.nbytes
        queried = heap + table
        # cold queries on this net (nothing cached) against a RETURN 1 round trip
        cold = SearchNet(store, name="m", cache_size=0)
        trip = min(_timed(lambda: store.backend.run_small("RETURN 1 AS one")) for _ in range(20))
        cold_s = min(_timed(lambda: [cold.scores(w, u) for w, u in queries[:20]]) for _ in range(3)) / 20
        gc.collect()
        tracemalloc.start()
        whole = g.links()
        loaded, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        gc.collect()
        tracemalloc.start()
        mem = SearchNet(rules="hypergraphdb")  # the peer: the same net in memory, same scores
        for w, u in combos:
            mem.generate_hidden(list(w), u)
        resident = tracemalloc.get_traced_memory()[0] + mem._links.links.table.nbytes  # the whole net, same form
        tracemalloc.stop()
        for (w, u), s in zip(queries, got):
            np.testing.assert_allclose(s, mem.scores(w, u), rtol=0, atol=1e-12)
        assert sum(len(v) for v in whole.values()) == sum(len(v) for v in mem.links().values())
    print(f"\nbatches of 2,000 hidden neurons: {', '.join(f'{t:.2f}' for t in per_batch)} s; "
          f"1% queried: {queried / 1e6:.2f} MB (Python {heap / 1e6:.2f}, C table {table / 1e6:.2f}) vs whole net "
          f"{loaded / 1e6:.1f} MB ({queried / loaded:.1%}), vs the whole net held the same way (in memory: Python "
          f"maps and the C table) {resident / 1e6:.1f} MB ({queried / resident:.1%}); {len(combos):,} hidden neurons, "
          f"{n_urls:,} urls; cold query {cold_s * 1e3:.2f} ms = {cold_s / trip:.1f} x RETURN 1 ({trip * 1e3:.2f} ms)")
    assert queried <= 0.05 * loaded
    if not benchmark.disabled:
        assert per_batch[-1] <= 1.5 * per_batch[1]  # the first batch starts from empty tables
        # measured 12x at 100,000 urls and 14x at 500,000; a statement testing every node would take 40x here
        assert cold_s / trip <= 30
