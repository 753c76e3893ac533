"""The Neo4j backend's statements, recorded and run on a real FalkorDB.

No Neo4j server can run here.  These tests open the real ``Neo4jBackend``
(through ``graph.open("neo4j://...")``) over a recording driver
(tests/neo4j_relay.py) that relays each statement to a FalkorDB server the
tests start, and check what the backend sends: bounded relationship types,
a batched pure-Cypher Hebbian rule, bounded delete transactions, the
bookmark manager and the database on every call, the schema listed before
it is created, index-anchored predicates, parameters the driver's own packer
accepts, and results equal to the kernel's.  They are no evidence that Neo4j
runs these statements; tests/test_neo4j.py is, against a real server.
"""

from __future__ import annotations

import re
import uuid

import neo4j
import neo4j.exceptions as nx
import numpy as np
import pytest

import assocmem
from assocmem import SearchNet, graph
from assocmem.errors import GraphError
from assocmem.graph import backends
from assocmem.graph.dialects import NEO4J
from graph_suite import same_result
from neo4j_relay import RelayDriver, packed
import reference as ref

pytestmark = pytest.mark.falkordb

URI = "neo4j://127.0.0.1:7687"


@pytest.fixture
def relay(falkordb_server, monkeypatch):
    """A recording driver over a fresh FalkorDB graph, returned by
    ``neo4j.GraphDatabase.driver`` for the test's duration."""
    import falkordb

    db = falkordb.FalkorDB(host="127.0.0.1", port=falkordb_server.port)
    name = f"neo{uuid.uuid4().hex[:12]}"
    driver = RelayDriver(db.select_graph(name))

    def connect(uri, auth=None, **kwargs):  # each open "connects" anew to the same relayed database
        driver.closed = False
        return driver

    monkeypatch.setattr(neo4j.GraphDatabase, "driver", connect)
    yield driver
    if name.encode() in db.connection.execute_command("GRAPH.LIST") or name in db.connection.execute_command(
            "GRAPH.LIST"):
        db.connection.execute_command("GRAPH.DELETE", name)
    db.close()


@pytest.fixture
def nstore(relay):
    s = graph.open(URI)
    yield s
    s.close()


def exact_net(n=32, p=4, seed=0):
    """A network whose weights and thresholds are exact in 15 digits (n a
    power of two), as FalkorDB sends doubles rounded to 15 digits."""
    rng = np.random.default_rng(seed)
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n, rng.integers(-2, 3, size=n) / n)
    net.store(x)
    return net, x, rng


def forbidden(code="Neo.ClientError.Security.Forbidden", message="not allowed"):
    return nx.Neo4jError._hydrate_neo4j(code=code, message=message)


# --- what every call carries ------------------------------------------------------
def check_calls(relay: RelayDriver) -> None:
    opens = [c for c in relay.calls if c.query == "RETURN 1 AS ok"]  # resolves the home database, once per open
    assert all(c.database is None for c in opens)
    for c in relay.calls:
        if c in opens:
            continue
        assert c.database == "neo4j", c.query  # never resolved again per call
        assert c.bookmark_manager is relay.execute_query_bookmark_manager, c.query  # one causal chain


#: Relationship types named in a pattern: -[:T ...] or -[v:T ...]
_REL_TYPE = re.compile(r"-\[\w*:(\w+)")


def relationship_types(relay: RelayDriver) -> set[str]:
    return {t for c in relay.calls for t in _REL_TYPE.findall(c.query)}


def test_open_resolves_database_and_creates_only_missing_schema(relay):
    s = graph.open(URI)
    s.close()
    ddl = [c.query for c in relay.calls if c.query.startswith("CREATE CONSTRAINT") or c.query.startswith("CREATE INDEX")]
    assert ddl == list(NEO4J.schema)
    vocab = [c for c in relay.calls if c.query == NEO4J.vocabulary]
    assert len(vocab) == 1  # the tokens, created once with the schema
    check_calls(relay)
    # the vocabulary statement leaves nothing behind, and ran on a real database
    assert relay.graph.query("MATCH (x) RETURN count(x) AS k").result_set == [[0]]
    assert "SYNAPSE" in {r[0] for r in relay.graph.query("CALL db.relationshipTypes()").result_set}
    relay.calls.clear()
    graph.open(URI).close()  # the second open lists the schema and creates nothing
    assert [c.query for c in relay.calls] == ["RETURN 1 AS ok", "SHOW INDEXES YIELD name",
                                             "SHOW CONSTRAINTS YIELD name"]


def test_open_without_schema_privileges(relay):
    graph.open(URI).close()  # an administrator prepared the database
    relay.calls.clear()
    relay.fail["SHOW"] = forbidden()  # a role that may not even list the schema
    s = graph.open(URI)
    assert [c.query for c in relay.calls][1:] == ["SHOW INDEXES YIELD name"]  # then creates nothing
    net, x, _ = exact_net(n=16, p=2)
    s.save_network(net, "ed", progress=False)
    np.testing.assert_array_equal(s.load_network("ed").patterns, x)
    s.close()


def test_open_schema_missing_and_forbidden_is_clear_and_leaks_nothing(relay):
    relay.fail["CREATE CONSTRAINT"] = forbidden()
    with pytest.raises(GraphError, match=r"schema is incomplete \(missing: assocmem_network_key.*README"):
        graph.open(URI)
    assert relay.closed  # the failed open closed its driver


def test_open_missing_database_closes_the_driver(relay):
    relay.fail["RETURN 1"] = nx.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Database.DatabaseNotFound", message="Database does not exist. Database name: 'nope'.")
    with pytest.raises(GraphError, match="DatabaseNotFound"):
        graph.open(URI, database="nope")
    assert relay.closed
    assert relay.calls[0].database == "nope"


@pytest.mark.parametrize("layout", ["synapses", "dendrites"])
def test_save_load_verify_through_neo4j_statements(nstore, relay, layout):
    net, x, _ = exact_net()
    nstore.save_network(net, "a", layout=layout, batch_size=100, progress=False)
    back = nstore.load_network("a", verify=True)  # verify reads columns / integer lists through transformers
    np.testing.assert_array_equal(back.patterns, x)
    assert back.weights.tobytes() == net.weights.tobytes()
    np.testing.assert_array_equal(back.thresholds, net.thresholds)
    check_calls(relay)
    unwinds = [c for c in relay.calls if c.query.startswith("UNWIND $rows")]
    assert unwinds and all(len(c.params["rows"]) <= 100 for c in unwinds)


def test_relationship_types_are_bounded(nstore, relay):
    """Five saves, an overwrite and deletes: one relationship type ever,
    whatever the number of networks (Neo4j never frees a type)."""
    for k in range(5):
        net, _, _ = exact_net(n=16, p=2 + k % 3, seed=k)
        nstore.save_network(net, f"n{k}", progress=False)
    net, x, _ = exact_net(n=16, p=3, seed=9)
    nstore.save_network(net, "n0", progress=False, overwrite=True)
    nstore.delete_network("n1")
    nstore.cypher_store("cy", x)
    assert relationship_types(relay) == {"SYNAPSE", "SN_LINK"}  # the fixed vocabulary
    types = {r[0] for r in relay.graph.query("CALL db.relationshipTypes()").result_set}
    assert types == {"SYNAPSE", "SN_LINK"}  # what the database ever created (FalkorDB keeps every type)
    assert nstore.backend.synapse_types() == ["SYNAPSE"]
    assert {r["synapse_type"] for r in nstore.networks()} == {"SYNAPSE"}
    # each network's synapses are its own, read through its neurons
    for r in nstore.networks():
        got = nstore.query("MATCH (a:Neuron)-[s:SYNAPSE]->(b:Neuron) WHERE a.net = $key RETURN count(s) AS k",
                           key=r["key"])
        assert got[0]["k"] == r["n"] * (r["n"] - 1) // 2
    assert nstore.degree_check("n0")["ok"]


def test_cypher_hebb_runs_in_bounded_row_blocks(nstore, relay):
    net, x, _ = exact_net(n=32, p=5)
    relay.calls.clear()
    nstore.cypher_store("cy", x, thresholds=net.thresholds, batch_size=100)
    hebb = [c for c in relay.calls if "sum(q.xi[a.idx + $lb] * q.xi[b.idx + $lb])" in c.query]
    assert len(hebb) > 1 and all(c.kind == "execute_query" for c in hebb)  # a transaction each
    rows = sorted((c.params["lo"], c.params["hi"]) for c in hebb)
    assert rows[0][0] == 0 and rows[-1][1] == 31 and all(a[1] == b[0] for a, b in zip(rows, rows[1:]))
    n = 32
    for lo, hi in rows:  # at most batch_size synapses per transaction, unless one row is longer
        size = sum(n - 1 - r for r in range(lo, hi))
        assert size <= 100 or hi - lo == 1
    back = nstore.load_network("cy", verify=True)
    assert back.weights.tobytes() == net.weights.tobytes()


def test_cypher_recall_identical_to_kernel(nstore, relay):
    net, x, rng = exact_net(n=32, p=4)
    nstore.save_network(net, "r", progress=False)
    for k, order in enumerate(["random", "sequential"]):
        probe = ref.flip(rng, x[k], 0.3)
        same_result(nstore.cypher_recall("r", probe, seed=k, order=order), net.recall(probe, seed=k, order=order))
    check_calls(relay)


def test_delete_runs_in_bounded_transactions(nstore, relay, monkeypatch):
    monkeypatch.setattr(backends, "DELETE_SYNAPSES", 100)
    net, _, _ = exact_net(n=32, p=3)
    nstore.save_network(net, "d", progress=False)
    key = nstore.networks()[0]["key"]
    relay.calls.clear()
    nstore.delete_network("d")
    slices = [c.params for c in relay.calls if c.query.startswith("MATCH (x:Neuron) WHERE x.net = $key AND x.idx >=")]
    assert len(slices) == 11 and all((p["hi"] - p["lo"]) * 31 <= 100 for p in slices)  # 3 neurons per slice
    assert relay.graph.query("MATCH (x:Neuron) WHERE x.net = $k RETURN count(x)", {"k": key}).result_set == [[0]]
    assert relay.graph.query("MATCH ()-[s]->() RETURN count(s)").result_set == [[0]]
    assert nstore.networks() == []


@pytest.mark.parametrize("layout", ["links", "neurons"])
def test_search_net_batches_in_one_chained_transaction(nstore, relay, layout):
    rng = np.random.default_rng(3)
    words, urls = list(range(20)), [f"u{k}" for k in range(30)]
    sessions = []
    for _ in range(30):
        w = [int(v) for v in rng.choice(words, size=rng.integers(1, 4), replace=False)]
        u = [str(v) for v in rng.choice(urls, size=4, replace=False)]
        sessions.append((w, u, u[int(rng.integers(4))]))
    mem, g = SearchNet(), SearchNet(nstore, name="sn", layout=layout)
    mem.train_many(sessions)
    relay.calls.clear()
    g.train_many(sessions)
    txs = relay.of_kind("tx")
    assert txs and {c.query.split(" AS r ")[0] for c in txs} == {"UNWIND $rows"}  # the batch's writes, one tx
    for w, u, _ in sessions[::3]:
        # FalkorDB rounds the weights it sends to 15 digits: equal to far below the ranking's resolution
        np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
    check_calls(relay)


def test_user_query_with_call_in_transactions_runs_auto_commit(nstore, relay):
    net, _, _ = exact_net(n=8, p=2)
    nstore.save_network(net, "q", progress=False)
    relay.calls.clear()
    text = "MATCH (x:Neuron) CALL (x) { SET x.seen = true } IN TRANSACTIONS OF 2 ROWS"
    nstore.query(text)
    nstore.query("MATCH (x:Neuron) RETURN count(x) AS k")
    assert [(c.kind, c.query) for c in relay.calls] == [
        ("auto", text), ("execute_query", "MATCH (x:Neuron) RETURN count(x) AS k")]
    assert all(c.database == "neo4j" and c.bookmark_manager is relay.execute_query_bookmark_manager
               for c in relay.calls)


# --- index-anchored predicates ----------------------------------------------------
def _indexed() -> set[tuple[str, str]]:
    out = set()
    for statement in NEO4J.schema:
        label = re.search(r"\(x:(\w+)\)", statement)[1]
        props = re.findall(r"x\.(\w+)", statement)
        out.add((label, props[0]))  # a composite index serves its first property too (with a predicate on each)
    return out


_CLAUSE = re.compile(r"\b(?:OPTIONAL )?MATCH (.*?)(?=\b(?:WHERE|WITH|RETURN|CREATE|SET|DELETE|DETACH|OPTIONAL|MATCH|"
                     r"CALL|UNWIND)\b|$)")
_NODE = re.compile(r"\((\w*)(?::(\w+))?\s*(\{[^}]*\})?\)")
#: Labels a statement may scan: the catalogue, one node per network.
_CATALOGUE = {"Network", "AssocmemKey", "SnNet"}


def _paths(pattern: str) -> list[str]:
    """A MATCH pattern split at its top-level commas."""
    out, depth, start = [], 0, 0
    for k, ch in enumerate(pattern):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            out.append(pattern[start:k].strip())
            start = k + 1
    out.append(pattern[start:].strip())
    return out


def unanchored(query: str) -> list[str]:
    """The MATCH paths of ``query`` that the planner can only start from a
    label scan: no node of the path is bound before, given an indexed
    property inline, or constrained on an indexed property."""
    indexed = _indexed()
    bound: set[str] = set()
    bad = []
    for clause in _CLAUSE.finditer(query):
        for path in _paths(clause[1]):
            nodes = _NODE.findall(path)
            ok = False
            for var, label, inline in nodes:
                props = set(re.findall(r"(\w+):", inline))
                predicated = set(re.findall(rf"\b{var}\.(\w+)\s*(?:=|IN\b|>=|IS NOT NULL)", query)) if var else set()
                if var in bound or label in _CATALOGUE or any((label, p) in indexed for p in props | predicated):
                    ok = True
            if not ok:
                bad.append(path)
            bound |= {var for var, _, _ in nodes if var}
    return bad


def test_unanchored_finds_a_label_scan():
    assert unanchored("MATCH (x:Neuron) WHERE x.state = 1 RETURN x") == ["(x:Neuron)"]
    assert unanchored("MATCH (a:Neuron), (b:Neuron) WHERE a.net = $key RETURN a, b") == ["(b:Neuron)"]
    assert unanchored("MATCH (x:Neuron) WHERE x.net = $key RETURN x") == []
    assert unanchored("MATCH (x:Neuron {id: $id}) OPTIONAL MATCH (x)-[s:SYNAPSE]-(y:Neuron) RETURN y") == []


def test_every_statement_starts_from_an_index(nstore, relay):
    net, x, rng = exact_net(n=16, p=3)
    nstore.save_network(net, "s", progress=False)
    nstore.save_network(net, "d", layout="dendrites", progress=False)
    nstore.cypher_store("c", x, thresholds=net.thresholds)
    nstore.save_network(net, "s", progress=False, overwrite=True)
    dense = assocmem.Hopfield(16)
    dense.store(x, rule="dense", degree=3)
    nstore.save_network(dense, "m", progress=False)
    for name in ("s", "d", "c", "m"):
        nstore.load_network(name, verify=True)
        nstore.cypher_recall(name, ref.flip(rng, x[0], 0.2), seed=1)
    nstore.anti_correlated("s", 3)
    nstore.out_of_sync("s", x[1])
    nstore.degree_check("s")
    nstore.delete_network("d")
    for layout in ("links", "neurons"):
        g = SearchNet(nstore, name=f"sn-{layout}", layout=layout)
        g.train_many([([1, 2], ["a", "b"], "a"), ([2], ["b", "c"], "c")])
        SearchNet(nstore, name=f"sn-{layout}", layout=layout).scores([1, 2], ["a", "b", "c"])  # cold
        g.remove_output("b")
        g.links()
        assert g.n_hidden == 2
    queries = {c.query for c in relay.calls}
    assert len(queries) > 30
    bad = {q: unanchored(q) for q in queries if unanchored(q)}
    assert bad == {}
    for c in relay.calls:  # every parameter set went through the driver's packer
        assert packed(c.params) is not None


def test_packed_refuses_what_the_driver_would_convert():
    assert packed({"rows": [{"a": 1, "w": 0.5}], "s": "x"})
    for bad in ({"x": np.int64(1)}, {"x": (1, 2)}, {"x": 2**63}, {"x": {1: 2}}):
        with pytest.raises(AssertionError):
            packed(bad)


def test_a_newer_schema_is_completed_on_a_database_in_use(relay):
    """An index added by a newer assocmem is created on an existing database
    (only it), and the vocabulary statement cannot collide with stored data."""
    s = graph.open(URI)
    net, x, _ = exact_net(n=16, p=2)
    s.save_network(net, "old", progress=False)  # neuron ids from 0, as every first save
    s.close()
    relay.schema.pop("assocmem_neuron_net_idx")  # as if created by an older version
    relay.calls.clear()
    s = graph.open(URI)
    created = [c.query for c in relay.calls if c.query.startswith("CREATE INDEX")]
    assert created == [st for st in NEO4J.schema if "assocmem_neuron_net_idx" in st]
    vocab = [c for c in relay.calls if c.query == NEO4J.vocabulary]
    assert len(vocab) == 1
    unique = {"key", "id", "name"}  # the properties with uniqueness constraints
    assert all(vocab[0].params["node"][k] == "" for k in unique)
    np.testing.assert_array_equal(s.load_network("old", verify=True).patterns, x)
    s.close()
