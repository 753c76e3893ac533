"""``assocmem graph ...``: the graph mirror from the command line."""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np

from ..cli import _fraction  # shared with the file-based commands
from ..imagememory import ImageMemory

DEFAULT_DB = "assocmem.lbdb"


def _target_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--db", help=f"embedded LadybugDB file (default: {DEFAULT_DB})")
    g.add_argument("--uri", help="a server: Neo4j (bolt://host:7687, neo4j://host) or FalkorDB "
                                 "(falkordb://host:6379[?graph=NAME]); credentials from --user/--password or "
                                 "ASSOCMEM_NEO4J_USER / _PASSWORD, ASSOCMEM_FALKORDB_USER / _PASSWORD")
    p.add_argument("--user", help="server user")
    p.add_argument("--password", help="server password")
    p.add_argument("--database", help="Neo4j database name, or FalkorDB main graph name")


def add_graph_parser(sub: Any) -> None:
    graph = sub.add_parser("graph", help="mirror networks into a graph database (LadybugDB, FalkorDB or Neo4j)",
                           description="Save, load, recall and inspect Hopfield networks in a graph database.")
    gsub = graph.add_subparsers(dest="graph_command", required=True, parser_class=type(graph))

    p = gsub.add_parser("save", help="save a memory file into the database")
    p.add_argument("--memory", required=True, help="memory file (assocmem store / Hopfield.save)")
    p.add_argument("--name", required=True, help="network name")
    p.add_argument("--layout", choices=["synapses", "dendrites"], default="synapses")
    p.add_argument("--batch-size", type=int, default=10_000, help="rows per UNWIND batch (Neo4j)")
    p.add_argument("--overwrite", action="store_true", help="replace a network of the same name")
    _target_options(p)

    p = gsub.add_parser("load", help="write a stored network to a memory file")
    p.add_argument("--name", required=True)
    p.add_argument("--memory", required=True, help="memory file to write")
    p.add_argument("--verify", action="store_true", help="check every synapse against the patterns")
    _target_options(p)

    p = gsub.add_parser("list", help="list the stored networks")
    _target_options(p)

    p = gsub.add_parser("recall", help="recall an image with a stored network")
    p.add_argument("image")
    p.add_argument("--name", required=True)
    p.add_argument("--out", required=True, help="PNG of the recalled state")
    p.add_argument("--noise", type=_fraction, default=0.0, help="flip this fraction of the probe first")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cypher", action="store_true", help="run the pure-Cypher update loop in the database "
                                                          "instead of the compiled kernel")
    _target_options(p)

    p = gsub.add_parser("query", help="run a Cypher query, print rows as JSON lines")
    p.add_argument("cypher")
    p.add_argument("--param", action="append", default=[], metavar="NAME=JSON",
                   help="a query parameter; the value is read as JSON (plain text if not JSON)")
    _target_options(p)

    p = gsub.add_parser("bench", help="kernel vs pure-Cypher recall, and load rates, side by side")
    p.add_argument("--neurons", type=int, default=300, help="neurons n (default 300)")
    p.add_argument("--patterns", type=int, default=5)
    p.add_argument("--noise", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    _target_options(p)


def open_target(args: argparse.Namespace, *, create: bool = True):
    """The store named by --db / --uri (with --user, --password, --database).
    ``create=False`` (commands that only read): a --db path where no
    database exists is an error, not a new empty database."""
    from .._optional import require
    from .._validate import positive_int
    from ..errors import ArgumentError
    from . import open as open_store

    checkpoint_mb = getattr(args, "checkpoint_mb", None)  # searchnet train's
    threshold = None
    if checkpoint_mb is not None:  # checked here to name the option
        threshold = positive_int("--checkpoint-mb", checkpoint_mb, maximum=2**40) * 2**20
    if args.uri:
        auth = (args.user or "", args.password or "") if args.user or args.password else None
        return open_store(args.uri, auth=auth, database=args.database, checkpoint_threshold=threshold)
    path = args.db or DEFAULT_DB
    require("ladybug", "graph")  # a missing extra is named first
    if not create and not os.path.exists(path):
        raise ArgumentError(f"--db: no database at {path!r} (graph save and searchnet train create one)")
    return open_store(path, checkpoint_threshold=threshold)


def _params(items: list[str]) -> dict[str, Any]:
    from ..errors import ArgumentError

    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.isidentifier():
            raise ArgumentError(f"--param: expected NAME=VALUE; got {item!r}")
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError:
            out[name] = raw
    return out


def run_graph(args: argparse.Namespace) -> int:
    from ..hopfield import Hopfield

    cmd = args.graph_command
    with open_target(args, create=cmd in ("save", "query", "bench")) as store:
        if cmd == "save":
            net = Hopfield.load(args.memory)
            t = time.perf_counter()
            store.save_network(net, args.name, layout=args.layout, batch_size=args.batch_size,
                               overwrite=args.overwrite, progress=True)
            dt = time.perf_counter() - t
            m = net.n_neurons * (net.n_neurons - 1) // 2
            rate = f", {m / dt:,.0f} synapses/s" if args.layout == "synapses" else ""
            print(f"saved {args.name!r}: {net.n_neurons} neurons, {net.n_patterns} patterns, layout {args.layout} "
                  f"in {dt:.2f} s{rate} -> {store.backend.target}")
        elif cmd == "load":
            net = store.load_network(args.name, verify=args.verify)
            net.save(args.memory)
            print(f"loaded {args.name!r}: {net.n_neurons} neurons, {net.n_patterns} patterns -> {args.memory}")
        elif cmd == "list":
            for row in store.networks():
                print(json.dumps(row))
        elif cmd == "recall":
            memory = ImageMemory.from_graph(store, args.name)
            probe = memory.probe(args.image, noise=args.noise, seed=args.seed)
            t = time.perf_counter()
            if args.cypher:
                res = store.cypher_recall(args.name, probe, seed=args.seed, progress=True)
            else:
                res = memory.net.recall(probe, seed=args.seed)
            dt = time.perf_counter() - t
            memory.to_image(res.state).save(args.out, format="PNG")
            how = "pure Cypher" if args.cypher else "kernel"
            print(f"{how}: {memory.describe(res)}) in {dt:.3f} s -> {args.out}")
        elif cmd == "query":
            for row in store.query(args.cypher, **_params(args.param)):
                print(json.dumps(row, default=str))
        elif cmd == "bench":
            print(bench_table(store, args.neurons, args.patterns, args.noise, args.seed))
    return 0


def bench_table(store, n: int, p: int, noise: float, seed: int) -> str:
    """Time kernel and pure-Cypher recall on one network and probe, and the
    load methods; assert identical results; return a printable table."""
    from .. import _validate
    from ..errors import GraphError
    from ..hopfield import Hopfield

    n = _validate.positive_int("--neurons", n, minimum=2)
    p = _validate.positive_int("--patterns", p)
    noise = _validate.fraction("--noise", noise)
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
    net = Hopfield(n)
    net.store(x)
    probe = x[0].copy()
    probe[rng.choice(n, int(round(noise * n)), replace=False)] *= -1
    name = f"bench-{n}-{p}"
    rows = []
    m = n * (n - 1) // 2
    methods = ["copy", "unwind"] if store.backend.supports_copy else ["unwind"]
    for method in methods:
        t = time.perf_counter()
        store.save_network(net, name, method=method, overwrite=True, progress=False)
        dt = time.perf_counter() - t
        rows.append((f"save synapses ({method})", f"{dt:.3f} s", f"{m / dt:,.0f} synapses/s"))
    t = time.perf_counter()
    store.save_network(net, name + "-d", layout="dendrites", overwrite=True, progress=False)
    rows.append(("save dendrites", f"{time.perf_counter() - t:.3f} s", f"{n} neurons"))
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        kernel = net.recall(probe, seed=seed)
    tk = (time.perf_counter() - t) / reps
    t = time.perf_counter()
    cy = store.cypher_recall(name, probe, seed=seed)
    tc = time.perf_counter() - t
    same = (np.array_equal(kernel.state, cy.state) and kernel.sweeps == cy.sweeps and kernel.flips == cy.flips
            and np.array_equal(kernel.energies, cy.energies))
    if not same:
        raise GraphError("bench: pure-Cypher recall differs from the kernel")
    rows.append(("recall, kernel", f"{tk * 1e3:.3f} ms", f"{tk / kernel.sweeps * 1e6:.1f} us/sweep"))
    rows.append(("recall, pure Cypher", f"{tc:.2f} s", f"{tc / cy.sweeps:.2f} s/sweep, {tc / (cy.sweeps * n) * 1e3:.2f} ms/neuron"))
    rows.append(("kernel speed-up per sweep", f"{(tc / cy.sweeps) / (tk / kernel.sweeps):,.0f}x", "identical state, sweeps, flips, energies"))
    store.delete_network(name)
    store.delete_network(name + "-d")
    width = max(len(r[0]) for r in rows)
    head = f"{store.dialect} ({store.backend.target}), n = {n}, p = {p}, noise {noise:.0%}"
    return "\n".join([head, "-" * len(head)] + [f"{a:<{width}}  {b:>12}  {c}" for a, b, c in rows])
