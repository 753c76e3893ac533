"""The graph-mirror suite, run on embedded LadybugDB and a FalkorDB server
always and on Neo4j when ASSOCMEM_NEO4J_URI is set (tests/test_graph.py,
tests/test_falkordb.py and tests/test_neo4j.py)."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem.graph import cypher
from assocmem.errors import (
    ArgumentError,
    GraphConnectionError,
    GraphError,
    NetworkExistsError,
    NetworkNotFoundError,
    ShapeError,
)
import reference as ref


def small_net(n=30, p=4, seed=0, thresholds=True):
    rng = np.random.default_rng(seed)
    x = ref.random_patterns(rng, p, n)
    theta = rng.integers(-2, 3, size=n) / n if thresholds else None
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    return net, x, rng


def same_links(got, want):
    """Two SearchNet.links() dicts hold the same links, weights to 1e-12."""
    assert got.keys() == want.keys()
    for part in want:
        assert got[part].keys() == want[part].keys()
        np.testing.assert_allclose([got[part][k] for k in want[part]], list(want[part].values()), rtol=0, atol=1e-12)


def neurons_consistent(store, name):
    """The "neurons" layout's stored arrays of net ``name``: each hidden node
    holds each link once, weights aligned with ids; the ports name exactly
    the hidden nodes naming them, each once; and each port's position for a
    hidden node (SnPort.pos) is its index in that node's ins (a word) or outs
    (a url).  The number of links checked."""
    hidden = {h["id"]: h for h in store.query(
        "MATCH (h:SnHidden) WHERE h.net = $net RETURN h.id AS id, h.ins AS ins, h.inw AS inw, h.outs AS outs, "
        "h.outw AS outw", net=name)}
    named = set()
    for h in hidden.values():
        assert len(set(h["ins"])) == len(h["ins"]) == len(h["inw"])
        assert len(set(h["outs"])) == len(h["outs"]) == len(h["outw"])
        named |= {(p, h["id"]) for p in h["ins"] + h["outs"]}
    ports = store.query("MATCH (n:SnPort) WHERE n.net = $net RETURN n.id AS id, n.kind AS kind, n.hidden AS hidden, "
                        "n.pos AS pos", net=name)
    for p in ports:
        assert len(set(p["hidden"])) == len(p["hidden"]) == len(p["pos"]), p
        side = "ins" if p["kind"] == "word" else "outs"
        assert [hidden[h][side][k] for h, k in zip(p["hidden"], p["pos"])] == [p["id"]] * len(p["hidden"])
    assert {(p["id"], h) for p in ports for h in p["hidden"]} == named
    return len(named)


def same_result(got, want):
    np.testing.assert_array_equal(got.state, want.state)
    assert (got.sweeps, got.flips, got.converged) == (want.sweeps, want.flips, want.converged)
    np.testing.assert_array_equal(got.energies, want.energies)
    np.testing.assert_array_equal(got.overlaps, want.overlaps)


class GraphSuite:
    """Subclasses provide a ``store`` fixture and ``methods`` (load paths)."""

    methods: tuple[str, ...] = ("unwind",)

    @pytest.mark.parametrize("layout", ["synapses", "dendrites"])
    def test_save_load_bit_identical(self, store, layout):
        net, x, _ = small_net()
        for method in self.methods:
            name = f"t-{layout}-{method}"
            store.save_network(net, name, layout=layout, method=method, progress=False, batch_size=50)
            back = store.load_network(name, verify=True)
            np.testing.assert_array_equal(back.patterns, x)
            np.testing.assert_array_equal(back.weights, net.weights)  # bit-identical floats
            np.testing.assert_array_equal(back.thresholds, net.thresholds)
            assert back.weights.tobytes() == net.weights.tobytes()

    def test_synapses_in_the_graph(self, store):
        net, _, _ = small_net(n=12, p=3)
        store.save_network(net, "g", progress=False)
        rel = store.synapse_type("g")
        dialect = store.backend.dialect  # float_out: exact floats even where the server rounds them (FalkorDB)
        rows = store.query(
            f"MATCH (a:Neuron)-[s:{rel}]->(b:Neuron) RETURN a.idx AS i, b.idx AS j, s.c AS c, "
            f"{dialect.float_out('s.w', 'w')}", network="g"
        )
        assert len(rows) == 12 * 11 // 2
        for r in rows:
            assert r["i"] < r["j"]
            assert r["c"] == int(net.counts[r["i"], r["j"]])
            assert dialect.float_in(r, "w") == net.weights[r["i"], r["j"]]
        assert store.degree_check("g") == {"n": 12, "expected": 11, "min": 11, "max": 11, "ok": True, "bad": []}

    def test_networks_coexist(self, store):
        a, xa, _ = small_net(n=10, p=2, seed=1)
        b, xb, _ = small_net(n=17, p=3, seed=2)
        store.save_network(a, "a", progress=False)
        store.save_network(b, "b", layout="dendrites", progress=False)
        names = {r["name"]: r for r in store.networks()}
        assert names["a"]["n"] == 10 and names["b"]["n"] == 17 and names["b"]["layout"] == "dendrites"
        np.testing.assert_array_equal(store.load_network("a", verify=True).patterns, xa)
        np.testing.assert_array_equal(store.load_network("b", verify=True).patterns, xb)
        store.delete_network("a")
        assert [r["name"] for r in store.networks()] == ["b"]
        np.testing.assert_array_equal(store.load_network("b", verify=True).patterns, xb)

    def test_overwrite(self, store):
        a, _, _ = small_net(n=10, p=2, seed=1)
        b, xb, _ = small_net(n=14, p=5, seed=2)
        store.save_network(a, "x", progress=False)
        with pytest.raises(NetworkExistsError, match="overwrite=True"):
            store.save_network(b, "x", progress=False)
        store.save_network(b, "x", progress=False, overwrite=True)
        back = store.load_network("x", verify=True)
        np.testing.assert_array_equal(back.patterns, xb)
        assert len(store.networks()) == 1
        # nothing of the old network is left behind
        assert store.query("MATCH (x:Neuron) RETURN count(x) AS k", network="x")[0]["k"] == 14
        assert len(store.backend.synapse_types()) == 1

    @staticmethod
    def _interrupt_overwrite(store, monkeypatch, where, old_key):
        """Make the next overwriting save stop at ``where``: Ctrl-C right
        after the transaction that swaps the networks committed, Ctrl-C or
        a lost server while the old network's data is removed after it, or
        the swap refused (rolled back)."""
        swap = store.backend.run_tx

        def run_tx(statements):
            swapping = any(q == cypher.COMPLETE_NETWORK for q, _ in statements)
            if swapping and where == "swap refused":
                raise GraphError("refused")
            if swapping and where == "swap: connection lost":  # it may or may not have run: here it did not
                raise GraphConnectionError("connection lost")
            swap(statements)
            if swapping and where == "after the swap":
                raise KeyboardInterrupt

        delete = store._delete_key

        def delete_key(key, n):
            if key == old_key and where.startswith("removing the old"):
                raise KeyboardInterrupt if where.endswith("Ctrl-C") else GraphError("connection lost")
            delete(key, n)

        monkeypatch.setattr(store.backend, "run_tx", run_tx)
        monkeypatch.setattr(store, "_delete_key", delete_key)

    @pytest.mark.parametrize("where", ["after the swap", "removing the old network: Ctrl-C",
                                       "removing the old network: lost", "swap refused", "swap: connection lost"])
    def test_overwrite_stopped_keeps_one_whole_network(self, store, monkeypatch, where):
        """An overwriting save that stops anywhere leaves the old network or
        the new one, whole, never neither: once the swap committed, the new
        one stays (an error or Ctrl-C while the old one's data is removed
        leaves that data to the next save's clean-up)."""
        a, xa, _ = small_net(n=10, p=2, seed=1)
        b, xb, _ = small_net(n=14, p=5, seed=2)
        store.save_network(a, "x", progress=False)
        old_key = store.networks()[0]["key"]
        self._interrupt_overwrite(store, monkeypatch, where, old_key)
        expected = KeyboardInterrupt if "Ctrl-C" in where or where == "after the swap" else GraphError
        if where == "removing the old network: lost":
            store.save_network(b, "x", progress=False, overwrite=True)  # stored: the clean-up's failure is moot
        else:
            with pytest.raises(expected):
                store.save_network(b, "x", progress=False, overwrite=True)
        monkeypatch.undo()
        want = xa if where.startswith("swap") else xb
        assert [r["name"] for r in store.networks()] == ["x"]
        np.testing.assert_array_equal(store.load_network("x", verify=True).patterns, want)
        # the clean-up that opening a store (or the next save of the name) runs removes what the stopped save
        # left: an incomplete network, or the data of a key whose network node is gone
        store._vacuum(None)
        assert {r["key"] for r in store.backend.run(cypher.REGISTERED_KEYS)} == {r["key"] for r in store.networks()}
        np.testing.assert_array_equal(store.load_network("x", verify=True).patterns, want)
        for r in store.networks():
            assert store.query("MATCH (x:Neuron) WHERE x.net = $key RETURN count(x) AS k", network=r["name"],
                               key=r["key"]) == [{"k": r["n"]}]
        assert store.networks()[0]["n"] == len(want[0])

    def test_delete_stopped_midway_leaves_no_half_network(self, store, monkeypatch):
        """Ctrl-C while a network's data is deleted (after its synapses went,
        before its neurons): the network is already invisible, never
        visible with half its data; the clean-up finishes the deletion."""
        a, xa, _ = small_net(n=10, p=2, seed=1)
        b, xb, _ = small_net(n=12, p=3, seed=2)
        store.save_network(a, "x", progress=False)
        store.save_network(b, "keep", progress=False)

        real = store.backend.delete_network_data

        def delete_network_data(key, n):
            monkeypatch.setattr(store.backend, "delete_network_data", real)  # (FalkorDB's drop calls it)
            store.backend.drop_synapse_type(key)
            raise KeyboardInterrupt

        monkeypatch.setattr(store.backend, "delete_network_data", delete_network_data)
        with pytest.raises(KeyboardInterrupt):
            store.delete_network("x")
        monkeypatch.undo()
        assert [r["name"] for r in store.networks()] == ["keep"]
        with pytest.raises(NetworkNotFoundError):
            store.load_network("x")
        store._vacuum(None)  # what opening the store runs
        assert {r["key"] for r in store.backend.run(cypher.REGISTERED_KEYS)} == {r["key"] for r in store.networks()}
        np.testing.assert_array_equal(store.load_network("keep", verify=True).patterns, xb)
        store.save_network(a, "x", progress=False)  # the name is free again
        np.testing.assert_array_equal(store.load_network("x", verify=True).patterns, xa)

    def test_cypher_store_gives_kernel_weights(self, store):
        net, x, _ = small_net(n=16, p=5)
        store.cypher_store("cy", x, thresholds=net.thresholds)
        back = store.load_network("cy", verify=True)  # verify: synapses equal the kernel's
        np.testing.assert_array_equal(back.weights, net.weights)

    @pytest.mark.parametrize("layout", ["synapses", "dendrites", "cypher"])
    def test_cypher_recall_identical_to_kernel(self, store, layout):
        net, x, rng = small_net(n=24, p=4)
        if layout == "cypher":
            store.cypher_store("r", x, thresholds=net.thresholds)
        else:
            store.save_network(net, "r", layout=layout, progress=False)
        for k, order in enumerate(["random", "sequential", rng.permutation(24)]):
            probe = ref.flip(rng, x[k % 4], 0.3)
            got = store.cypher_recall("r", probe, seed=k, order=order)
            want = net.recall(probe, seed=k, order=order)
            same_result(got, want)
            np.testing.assert_array_equal(store.get_state("r"), want.state)  # the state lives in the db

    def test_cypher_recall_max_sweeps(self, store):
        net, x, rng = small_net(n=40, p=8, thresholds=False)
        store.save_network(net, "m", progress=False)
        probe = ref.flip(rng, x[0], 0.45)
        same_result(store.cypher_recall("m", probe, seed=1, max_sweeps=1), net.recall(probe, seed=1, max_sweeps=1))

    def test_explainability(self, store):
        net, x, _ = small_net(n=20, p=3, thresholds=False)
        store.save_network(net, "e", progress=False)
        partners = store.anti_correlated("e", 4, limit=100)
        want = sorted((int(c), j) for j, c in enumerate(net.counts[4]) if c < 0 and j != 4)
        assert [(r["count"], r["neuron"]) for r in partners] == want
        assert all(r["weight"] == r["count"] / 20 for r in partners)
        state = x[0].copy()
        state[:5] *= -1
        pairs = store.out_of_sync("e", state, limit=1000)
        c = net.counts
        want_pairs = {(i, j) for i in range(20) for j in range(i + 1, 20) if c[i, j] * state[i] * state[j] < 0}
        assert {(r["i"], r["j"]) for r in pairs} == want_pairs
        strengths = [abs(r["count"]) for r in pairs]
        assert strengths == sorted(strengths, reverse=True)

    def test_query_returns_plain_dicts(self, store):
        net, _, _ = small_net(n=8, p=2)
        store.save_network(net, "q", progress=False)
        rows = store.query("MATCH (x:Neuron) WHERE x.idx < $k RETURN x.idx AS idx ORDER BY idx", k=3, network="q")
        assert rows == [{"idx": 0}, {"idx": 1}, {"idx": 2}]

    def test_bad_input(self, store):
        net, x, _ = small_net(n=8, p=2)
        with pytest.raises(NetworkNotFoundError, match="no complete network named 'nope'"):
            store.load_network("nope")
        for bad in ["x') DETACH DELETE n //", "a b", "", "1abc", "a:b", None, 3]:
            with pytest.raises(ArgumentError, match="name: expected"):
                store.save_network(net, bad, progress=False)
        store.save_network(net, "ok", progress=False)
        with pytest.raises(ShapeError, match="probe: expected length 8"):
            store.cypher_recall("ok", [1, -1, 1])
        with pytest.raises(ArgumentError, match="layout"):
            store.save_network(net, "ok2", layout="matrix", progress=False)
        with pytest.raises(ArgumentError, match="net: expected an assocmem.Hopfield"):
            store.save_network(x, "ok3", progress=False)
        with pytest.raises(ArgumentError, match="neuron: expected an index in 0..7"):
            store.anti_correlated("ok", 8)
        # nothing half-written by the refused calls
        assert [r["name"] for r in store.networks()] == ["ok"]

    @pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
    @pytest.mark.parametrize("layout", ["links", "neurons"])
    def test_search_net_equals_memory(self, store, layout, rules):
        """A search net trained in batches and click by click, scored cold
        and warm by new handles, with an output removed: the in-memory net's
        scores and links (to 1e-12), arrays and ports' positions consistent
        (layout "neurons").  Its nodes are deleted afterwards (a server
        keeps them between runs)."""
        import uuid

        rng = np.random.default_rng(13)
        urls = [f"u{k}" for k in range(40)]
        sessions = []
        for _ in range(36):
            w = [int(v) for v in rng.choice(25, size=rng.integers(1, 4), replace=False)]
            u = [str(v) for v in rng.choice(urls, size=5, replace=False)]
            sessions.append((w, u, u[int(rng.integers(5))]))
        name = f"suite-{uuid.uuid4().hex[:10]}"
        mem, g = assocmem.SearchNet(rules=rules), assocmem.SearchNet(store, name=name, rules=rules, layout=layout)
        try:
            mem.train_many(sessions[:24])
            g.train_many(sessions[:24])
            for s in sessions[24:]:
                mem.train(*s)
                g.train(*s)
            for url in ("u7", "u21"):
                mem.remove_output(url)
                g.remove_output(url)
            cold = assocmem.SearchNet(store, name=name, cache_size=0)
            warm = assocmem.SearchNet(store, name=name)
            for w, u, _ in sessions[::3]:
                want = mem.scores(w + [99], u + ["no-such-url"])
                for net in (cold, warm, warm):
                    np.testing.assert_allclose(net.scores(w + [99], u + ["no-such-url"]), want, rtol=0, atol=1e-12)
            same_links(warm.links(), mem.links())
            if layout == "neurons":
                assert neurons_consistent(store, name) == sum(map(len, mem.links().values()))
        finally:
            for label in ("SnNode", "SnHidden", "SnPort"):
                store.query(f"MATCH (n:{label}) WHERE n.net = $net DETACH DELETE n", net=name)
            store.query("MATCH (n:SnNet) WHERE n.name = $net DELETE n", net=name)
