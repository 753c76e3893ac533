"""Large graph-backed search nets, by hand (too slow for CI): the numbers in
benchmarks/README.md marked "by script".

    python benchmarks/searchnet_big.py build 500000 [--checkpoint-mb 128] [--layout neurons]
    python benchmarks/searchnet_big.py night 500000 --batch 1000 --rounds 4 [--memory] [--layout neurons]
    python benchmarks/searchnet_big.py cold 500000 [--layout neurons]

``build``: a net of N urls and N/10 hidden neurons (the memory benchmark's
synthetic word combinations, rules "hypergraphdb"), in batches of 2,000
hidden neurons; prints the total and the slowest batch.  ``night``: copies
that net (built once into --cache) and trains batches of clicks on stored
word combinations (5 of their urls and 5 random ones), printing each
batch's time and its five costliest statements; ``--memory`` trains the
same batches in memory too.  ``cold``: a new handle with no cache answers
20 queries (the memory benchmark's: a stored word combination, 5 of its
urls and 5 random ones), three passes, each query's mean time against a
``RETURN 1`` round trip run the same way (the first pass also reads the
file into the OS cache).  ``--layout``: the net's layout (default
"links"), each built once into --cache.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
import tempfile
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [_HERE, os.path.join(os.path.dirname(_HERE), "tests")]  # as pytest's rootdir conftest does

from test_bench_searchnet import _generate, _timed, synthetic  # noqa: E402

from assocmem import SearchNet, graph  # noqa: E402
from assocmem.graph import backends  # noqa: E402


def _statement_times() -> collections.defaultdict:
    """Seconds per statement (its first 40 characters and row count)."""
    spent: collections.defaultdict = collections.defaultdict(float)
    run = backends.LadybugBackend._execute

    def timed(self, query, params=None):
        t = time.perf_counter()
        try:
            return run(self, query, params)
        finally:
            rows = params.get("data").num_rows if params and "data" in params else len((params or {}).get("ids", ()))
            spent[f"{query[:40]}[{rows}]"] += time.perf_counter() - t

    backends.LadybugBackend._execute = timed
    return spent


def build(path: str, combos: list, checkpoint_mb: int | None, layout: str) -> None:
    threshold = None if checkpoint_mb is None else checkpoint_mb * 2**20
    with graph.open(path, checkpoint_threshold=threshold) as store:
        net = SearchNet(store, name="m", rules="hypergraphdb", layout=layout)
        t = time.perf_counter()
        seconds = _generate(net, combos, 2000)
        print(f"built {len(combos):,} hidden neurons in {time.perf_counter() - t:.1f} s "
              f"(slowest batch {max(seconds):.2f} s) -> {path}")


def night(path: str, combos: list, n_urls: int, batch: int, rounds: int, memory: bool) -> None:
    def batches():
        rng = np.random.default_rng(11)
        for _ in range(rounds):
            sessions = []
            for _ in range(batch):
                w, u = combos[int(rng.integers(len(combos)))]
                urls = list(dict.fromkeys(list(u[:5]) + [int(x) for x in rng.choice(n_urls, 5)]))
                sessions.append((list(w), urls, urls[int(rng.integers(len(urls)))]))
            yield sessions

    work = os.path.join(tempfile.mkdtemp(), "night.lbdb")
    shutil.copy(path, work)
    spent = _statement_times()
    with graph.open(work) as store:
        net = SearchNet(store, name="m")
        for k, sessions in enumerate(batches()):
            spent.clear()
            t = time.perf_counter()
            net.train_many(sessions)
            top = sorted(spent.items(), key=lambda kv: -kv[1])[:5]
            print(f"batch {k}: {time.perf_counter() - t:.2f} s; " + ", ".join(f"{q} {s * 1e3:.0f} ms" for q, s in top))
    shutil.rmtree(os.path.dirname(work))
    if memory:
        mem = SearchNet(rules="hypergraphdb")
        for w, u in combos:
            mem.generate_hidden(list(w), u)
        for k, sessions in enumerate(batches()):
            t = time.perf_counter()
            mem.train_many(sessions)
            print(f"memory batch {k}: {time.perf_counter() - t:.3f} s")


def cold(path: str, combos: list, n_urls: int) -> None:
    rng = np.random.default_rng(5)
    queries = [(list(w), list(u[:5]) + [int(x) for x in rng.choice(n_urls, 5)]) for w, u in combos[:20]]
    work = os.path.join(tempfile.mkdtemp(), "cold.lbdb")
    shutil.copy(path, work)
    with graph.open(work) as store:
        net = SearchNet(store, name="m", cache_size=0)
        trip = min(_timed(lambda: store.backend.run_small("RETURN 1 AS one")) for _ in range(20))
        for k in range(3):
            t = time.perf_counter()
            for w, u in queries:
                net.scores(w, u)
            each = (time.perf_counter() - t) / len(queries)
            print(f"{net._links.layout} pass {k}: cold query {each * 1e3:.2f} ms = {each / trip:.1f} x RETURN 1 "
                  f"({trip * 1e3:.2f} ms)")
    shutil.rmtree(os.path.dirname(work))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("what", choices=["build", "night", "cold"])
    p.add_argument("urls", type=int)
    p.add_argument("--checkpoint-mb", type=int, default=None)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--memory", action="store_true")
    p.add_argument("--layout", choices=["links", "neurons"], default="links")
    p.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "assocmem-bench"))
    args = p.parse_args()
    combos = list(synthetic(seed=3, n_urls=args.urls, n_hidden=args.urls // 10).items())
    if args.what == "build":
        build(os.path.join(tempfile.mkdtemp(), "build.lbdb"), combos, args.checkpoint_mb, args.layout)
        return
    suffix = "" if args.layout == "links" else f"_{args.layout}"  # the links net keeps its older name
    path = os.path.join(args.cache, f"night_{args.urls}{suffix}.lbdb")
    if not os.path.exists(path):
        os.makedirs(args.cache, exist_ok=True)
        build(path, combos, args.checkpoint_mb, args.layout)
    if args.what == "cold":
        cold(path, combos, args.urls)
    else:
        night(path, combos, args.urls, args.batch, args.rounds, args.memory)


if __name__ == "__main__":
    main()
