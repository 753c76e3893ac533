"""Cypher of the graph mirror: one constant per operation, shared by every
backend (see :mod:`assocmem.graph.dialects` for the differences).

Parameters: ``$key`` a network's key, ``$base`` the id of its neuron 0,
``$lb`` the dialect's list base, ``$rows`` a batch of row maps.

Queries on synapses name the relationship type ``SYNAPSE_REL``, which
:meth:`Dialect.for_network` replaces.  On LadybugDB and FalkorDB each
network's synapses have a type of their own, ``SYNAPSE_<key>`` (the key is a
uuid4 hex string assocmem generates, never user text): deleting or replacing
a network drops one relationship table (or graph) instead of deleting
millions of relationships one by one.  Neo4j never frees a relationship
type, so there every network shares the type ``SYNAPSE`` and its synapses
are reached through its neurons (indexed on ``net``).
"""

import re

_KEY = re.compile(r"[0-9a-f]{32}")
#: Key in a network node's metadata holding a dense memory's interaction
#: (``{"degree": d}`` or ``{"beta": b}``); removed from ``metadata`` on load.
INTERACTION_KEY = "assocmem.interaction"


def is_key(key: object) -> bool:
    """True for a key assocmem generates (uuid4 hex)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def synapse_type(key: str) -> str:
    """Relationship type of a network's synapses."""
    if not is_key(key):
        raise ValueError(f"key: expected 32 lowercase hex digits; got {key!r}")
    return f"SYNAPSE_{key}"

# --- networks -------------------------------------------------------------
NETWORKS = (
    "MATCH (w:Network) WHERE w.complete = true "
    "RETURN w.name AS name, w.key AS key, w.n AS n, w.p AS p, w.base AS base, w.layout AS layout, w.meta AS meta "
    "ORDER BY w.name"
)
NETWORKS_NAMED = (
    "MATCH (w:Network) WHERE w.name = $name "
    "RETURN w.key AS key, w.complete AS complete, w.n AS n, w.p AS p, w.base AS base, w.layout AS layout, "
    "w.meta AS meta"
)
NETWORK_KEYS = "MATCH (w:Network) RETURN w.key AS key"
INCOMPLETE_NETWORKS = "MATCH (w:Network) WHERE w.complete = false RETURN w.key AS key, w.n AS n"
# The registry of what assocmem created: one AssocmemKey node per key it
# generated, written before anything else of that key and deleted after the
# rest.  Cleanup and vacuum touch only registered keys, so foreign nodes of
# the same labels and foreign relationship types are never read as ours.
REGISTER_KEY = "CREATE (:AssocmemKey {key: $key})"
REGISTERED_KEYS = "MATCH (k:AssocmemKey) RETURN k.key AS key"
UNREGISTER_KEY = "MATCH (k:AssocmemKey) WHERE k.key = $key DELETE k"
CREATE_NETWORK = (
    "CREATE (:Network {key: $key, name: $name, complete: false, n: $n, p: $p, base: $base, layout: $layout, "
    "meta: $meta})"
)
COMPLETE_NETWORK = "MATCH (w:Network) WHERE w.key = $key SET w.complete = true"
NETWORK_COMPLETE = "MATCH (w:Network) WHERE w.key = $key RETURN w.complete AS complete"
DELETE_NETWORK_NODE = "MATCH (w:Network) WHERE w.key = $key DELETE w"
# The largest id or index as one entry of an ordered index where there is
# one (Neo4j: the id constraint's index, the (net, idx) index), not a scan of
# every neuron of the database on every save; no row when there is none.
MAX_NEURON_ID = "MATCH (x:Neuron) WHERE x.id IS NOT NULL RETURN x.id AS top ORDER BY top DESC LIMIT 1"
MAX_NEURON_IDX = (
    "MATCH (x:Neuron) WHERE x.net = $key AND x.idx IS NOT NULL RETURN x.idx AS top ORDER BY top DESC LIMIT 1"
)
# deleted in slices so no single transaction holds millions of synapses
# (DETACH: on Neo4j a network's synapses go with its neurons)
DELETE_NEURONS_SLICE = "MATCH (x:Neuron) WHERE x.net = $key AND x.idx >= $lo AND x.idx < $hi DETACH DELETE x"
DELETE_PATTERNS = "MATCH (q:Pattern) WHERE q.net = $key DELETE q"

# --- bulk loading by UNWIND batches (Neo4j; also runs on LadybugDB) ---------
CREATE_NEURONS = (
    "UNWIND $rows AS r CREATE (:Neuron {id: r.id, net: $key, idx: r.idx, state: r.state, theta: r.theta, "
    "thr: r.thr, c: r.c})"
)
CREATE_PATTERNS = "UNWIND $rows AS r CREATE (:Pattern {id: r.id, net: $key, mu: r.mu, xi: r.xi})"
CREATE_SYNAPSES = (
    "UNWIND $rows AS r MATCH (a:Neuron {id: r.a}), (b:Neuron {id: r.b}) CREATE (a)-[:SYNAPSE_REL {c: r.c, w: r.w}]->(b)"
)

# --- reading a network back -----------------------------------------------
READ_PATTERNS = "MATCH (q:Pattern) WHERE q.net = $key RETURN q.mu AS mu, q.xi AS xi ORDER BY q.mu"
# {theta} and {w}: Dialect.float_out items (exact floats from every server)
READ_NEURONS = (
    "MATCH (x:Neuron) WHERE x.net = $key RETURN x.idx AS idx, x.state AS state, {theta}, x.thr AS thr "
    "ORDER BY x.idx"
)
READ_SYNAPSES = (
    "MATCH (a:Neuron)-[s:SYNAPSE_REL]->(b:Neuron) WHERE a.net = $key RETURN a.idx AS i, b.idx AS j, s.c AS c, {w}"
)
READ_DENDRITES = "MATCH (x:Neuron) WHERE x.net = $key RETURN x.idx AS idx, x.c AS c ORDER BY x.idx"

# --- the seed's pure-Cypher Hebbian rule ---------------------------------
# Neurons from a range, synapse counts summed over the Pattern nodes:
# C_ab = sum_mu xi_a^mu xi_b^mu, w_ab = C_ab / n, for every pair a < b.
# One statement per block of rows $lo <= a < $hi (a transaction each), so no
# transaction holds more than a block's synapses and p times as many rows.
CYPHER_NEURONS = (
    "UNWIND range(0, $n - 1) AS i "
    "CREATE (:Neuron {id: $base + i, net: $key, idx: i, state: 1, theta: $theta[i + $lb], thr: $thr[i + $lb]})"
)
CYPHER_HEBB = (
    "MATCH (q:Pattern) WHERE q.net = $key "
    "MATCH (a:Neuron) WHERE a.net = $key AND a.idx >= $lo AND a.idx < $hi "
    "MATCH (b:Neuron) WHERE b.net = $key AND b.idx > a.idx "
    "WITH a, b, sum(q.xi[a.idx + $lb] * q.xi[b.idx + $lb]) AS c "
    "CREATE (a)-[:SYNAPSE_REL {{c: c, w: {to_float}(c) / $n}}]->(b)"
)

# --- the pure-Cypher asynchronous update -----------------------------------
SET_STATES = "UNWIND $rows AS r MATCH (x:Neuron {id: r.id}) SET x.state = r.s"
# one neuron: exact integer field from its synapses, new state set in place.
# `x.state * 1 AS old`, not `x.state AS old`: LadybugDB keeps a projected
# property bound to the node, so after the SET it would return the new value.
UPDATE_NEURON_SYNAPSES = (
    "MATCH (x:Neuron {id: $id}) "
    "OPTIONAL MATCH (x)-[s:SYNAPSE_REL]-(y:Neuron) "
    "WITH x, x.state * 1 AS old, coalesce(sum(s.c * y.state), 0) AS h "
    "SET x.state = CASE WHEN h >= x.thr THEN 1 ELSE -1 END "
    "RETURN old, h, x.state AS new"
)
UPDATE_NEURON_DENDRITES = (
    "MATCH (x:Neuron {id: $id}) "
    "OPTIONAL MATCH (y:Neuron) WHERE y.net = x.net AND y.idx <> x.idx "
    "WITH x, x.state * 1 AS old, coalesce(sum(x.c[y.idx + $lb] * y.state), 0) AS h "
    "SET x.state = CASE WHEN h >= x.thr THEN 1 ELSE -1 END "
    "RETURN old, h, x.state AS new"
)
# A dense memory (layout "memories"): the Pattern nodes are the memory
# neurons.  One visit of neuron x, F(v) = v^$d:
#   m_mu = sum_{y != x} xi_y^mu s_y  (per Pattern node q),
#   D = sum_mu [F(m_mu + xi_x^mu) - F(m_mu - xi_x^mu)],  s_x <- +1 iff D >= 0.
# `^` gives a float in both databases; every term and partial sum is an
# integer below 2^53 (the store checks p (n + 1)^d < 2^53), so D is exact.
UPDATE_NEURON_MEMORIES = (
    "MATCH (x:Neuron {id: $id}) "
    "MATCH (q:Pattern) WHERE q.net = x.net "
    "OPTIONAL MATCH (y:Neuron) WHERE y.net = x.net AND y.idx <> x.idx "
    "WITH x, q, coalesce(sum(q.xi[y.idx + $lb] * y.state), 0) AS m "
    "WITH x, x.state * 1 AS old, sum((m + q.xi[x.idx + $lb]) ^ $d - (m - q.xi[x.idx + $lb]) ^ $d) AS d "
    "SET x.state = CASE WHEN d >= 0 THEN 1 ELSE -1 END "
    "RETURN old, d AS h, x.state AS new"
)
# The same visit for F(v) = exp($beta v): D has the sign of
#   S = sum_mu xi_x^mu exp($beta (m_mu - $c)),  $c = n + 1 >= every m_mu.
# (The kernel shifts by max M + 1 instead; the shift cannot change the sign,
# only the last bits of S.)  {exp} is the dialect's exponential.
UPDATE_NEURON_MEMORIES_EXP = (
    "MATCH (x:Neuron {{id: $id}}) "
    "MATCH (q:Pattern) WHERE q.net = x.net "
    "OPTIONAL MATCH (y:Neuron) WHERE y.net = x.net AND y.idx <> x.idx "
    "WITH x, q, coalesce(sum(q.xi[y.idx + $lb] * y.state), 0) AS m "
    "WITH x, x.state * 1 AS old, sum(q.xi[x.idx + $lb] * {exp}($beta * (m - $c))) AS d "
    "SET x.state = CASE WHEN d >= 0 THEN 1 ELSE -1 END "
    "RETURN old, d AS h, x.state AS new"
)
# Q = sum_{i != j} C_ij s_i s_j = 2 * sum over synapses a < b
QUADRATIC_SYNAPSES = (
    "MATCH (a:Neuron)-[s:SYNAPSE_REL]->(b:Neuron) WHERE a.net = $key RETURN coalesce(sum(s.c * a.state * b.state), 0) AS q"
)
QUADRATIC_DENDRITES = (
    "MATCH (x:Neuron), (y:Neuron) WHERE x.net = $key AND y.net = $key AND x.idx <> y.idx "
    "RETURN coalesce(sum(x.c[y.idx + $lb] * x.state * y.state), 0) AS q"
)
OVERLAPS = (
    "MATCH (q:Pattern) WHERE q.net = $key "
    "MATCH (x:Neuron) WHERE x.net = $key "
    "RETURN q.mu AS mu, sum(q.xi[x.idx + $lb] * x.state) AS m ORDER BY mu"
)

# --- explainability ---------------------------------------------------------
DEGREES = (
    "MATCH (x:Neuron) WHERE x.net = $key "
    "OPTIONAL MATCH (x)-[s:SYNAPSE_REL]-(:Neuron) "
    "RETURN x.idx AS idx, count(s) AS degree ORDER BY idx"
)
ANTI_CORRELATED = (
    "MATCH (x:Neuron {id: $id})-[s:SYNAPSE_REL]-(y:Neuron) WHERE s.c < 0 "
    "RETURN y.idx AS neuron, s.c AS count, s.w AS weight ORDER BY s.c, y.idx LIMIT $limit"
)
OUT_OF_SYNC = (
    "MATCH (a:Neuron)-[s:SYNAPSE_REL]->(b:Neuron) WHERE a.net = $key AND s.c * a.state * b.state < 0 "
    "RETURN a.idx AS i, b.idx AS j, s.c AS count, s.w AS weight, a.state AS s_i, b.state AS s_j "
    "ORDER BY abs(s.c) DESC, i, j LIMIT $limit"
)
