"""The few places where LadybugDB's, FalkorDB's and Neo4j's Cypher differ.

Everything else in :mod:`assocmem.graph.cypher` is one text shared by both
backends.  A template may name a dialect function as ``{to_float}``; it is
filled in once per backend from this table, never with values (values are
always ``$parameters``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cypher import synapse_type


@dataclass(frozen=True)
class Dialect:
    name: str
    #: Index of the first list element (``xs[base]``): 1 in LadybugDB, 0 in Neo4j.
    list_base: int
    #: Function names used by the shared templates.
    functions: dict[str, str]
    #: Statements that create the schema; each is idempotent.
    schema: tuple[str, ...]
    #: DDL creating one network's synapse type ({rel}, {count_type}), if the
    #: database needs relationship types declared (LadybugDB does, Neo4j not).
    create_synapse_type: str | None = None
    #: Integer type names by NumPy dtype name, for declared count columns.
    count_types: dict[str, str] | None = None

    #: True where the server rounds the doubles it returns (FalkorDB sends
    #: 15 significant digits): a float read back exactly then travels as an
    #: integer mantissa and a binary exponent (see :meth:`float_out`).
    rounds_floats: bool = False
    #: The one relationship type every network's synapses share, where the
    #: database never frees a type (Neo4j: relationship-type tokens are
    #: permanent, at most 65,536, and only privileged roles create them);
    #: None gives each network its own type ``SYNAPSE_<key>``, dropped with
    #: it (LadybugDB: a relationship table; FalkorDB: a graph per network).
    shared_synapse_type: str | None = None
    #: Statement creating every label, relationship type and property key
    #: assocmem uses, where roles without name management cannot create
    #: them on first use (Neo4j); run with the schema, its entities deleted
    #: in the same statement (a token outlives the entity that created it).
    vocabulary: str | None = None

    def synapse_type(self, key: str) -> str:
        """Relationship type of the synapses of the network ``key``."""
        own = synapse_type(key)  # validates the key either way
        return self.shared_synapse_type or own

    def for_network(self, template: str, key: str) -> str:
        """A synapse query for one network (``SYNAPSE_REL`` named)."""
        return template.replace("SYNAPSE_REL", self.synapse_type(key))

    def render(self, template: str) -> str:
        return template.format(**self.functions)

    def _float_parts(self, expr: str) -> tuple[str, str]:
        """Integer expressions m and e with ``expr == m * 2**e`` exactly."""
        e = f"(CASE WHEN {expr} = 0 THEN 0 ELSE toInteger(floor(log(abs({expr})) / log(2.0))) - 54 END)"
        return f"toInteger({expr} * 2.0 ^ (-{e} / 2) * 2.0 ^ (-{e} - -{e} / 2))", e

    def float_out(self, expr: str, alias: str) -> str:
        """A RETURN item giving the float ``expr`` as ``alias``, exactly.

        Where the server rounds floats, ``expr`` is sent as the integers
        ``alias__m`` and ``alias__e`` with value ``m * 2**e``: ``e`` is
        floor(log2|x|) - 54, so ``m`` is an integer below 2**56 whatever the
        rounding of the log (the scaling by powers of two is exact; it is
        split in two so that subnormals do not overflow 2**-e)."""
        if not self.rounds_floats:
            return f"{expr} AS {alias}"
        m, e = self._float_parts(expr)
        return f"{m} AS {alias}__m, {e} AS {alias}__e"

    def float_list_out(self, expr: str, alias: str) -> str:
        """``collect(expr) AS alias``, exactly (see :meth:`float_out`)."""
        if not self.rounds_floats:
            return f"collect({expr}) AS {alias}"
        m, e = self._float_parts(expr)
        return f"collect({m}) AS {alias}__m, collect({e}) AS {alias}__e"

    def float_array_out(self, expr: str, alias: str) -> str:
        """A list-of-floats property ``expr`` as ``alias``, exactly (see
        :meth:`float_out`; read back with :meth:`float_list_in`)."""
        if not self.rounds_floats:
            return f"{expr} AS {alias}"
        m, e = self._float_parts("x")
        return f"[x IN {expr} | {m}] AS {alias}__m, [x IN {expr} | {e}] AS {alias}__e"

    def float_list_in(self, row: Mapping[str, Any], alias: str) -> list[float]:
        """The floats a :meth:`float_list_out` item returned in ``row``."""
        if not self.rounds_floats:
            return [float(v) for v in row[alias]]
        return [math.ldexp(m, e) for m, e in zip(row[f"{alias}__m"], row[f"{alias}__e"])]

    def float_in(self, row: Mapping[str, Any], alias: str) -> float:
        """The float a :meth:`float_out` item returned in ``row``."""
        if not self.rounds_floats:
            return float(row[alias])
        return math.ldexp(row[f"{alias}__m"], row[f"{alias}__e"])

    def float_column(self, table: Any, alias: str) -> np.ndarray:
        """The floats a :meth:`float_out` item returned, from a whole
        pyarrow table (see ``Backend.columns``)."""
        if not self.rounds_floats:
            return table.column(alias).to_numpy().astype(np.float64)
        # m has at most 53 significant bits, so it is exact as a float64
        return np.ldexp(table.column(f"{alias}__m").to_numpy().astype(np.float64),
                        table.column(f"{alias}__e").to_numpy().astype(np.int64))


LADYBUG = Dialect(
    name="ladybug",
    list_base=1,
    # list indexes are 1-based
    # LadybugDB has no exp(): e ^ x (the same function up to the last bits)
    functions={"to_float": "to_double", "to_int": "to_int64", "exp": "2.718281828459045 ^ "},
    schema=(
        "CREATE NODE TABLE IF NOT EXISTS Network(key STRING, name STRING, complete BOOLEAN, n INT64, p INT64, "
        "base INT64, layout STRING, meta STRING, PRIMARY KEY(key))",
        "CREATE NODE TABLE IF NOT EXISTS Neuron(id INT64, net STRING, idx INT64, state INT8, theta DOUBLE, "
        "thr INT64, c INT32[], PRIMARY KEY(id))",
        "CREATE NODE TABLE IF NOT EXISTS Pattern(id STRING, net STRING, mu INT64, xi INT8[], PRIMARY KEY(id))",
        "CREATE NODE TABLE IF NOT EXISTS AssocmemKey(key STRING, PRIMARY KEY(key))",
        # search-ranking net (assocmem.searchnet)
        "CREATE NODE TABLE IF NOT EXISTS SnNet(name STRING, rules STRING, layout STRING, PRIMARY KEY(name))",
        # nets saved before layouts existed are "links" nets, nets saved
        # before formats existed format 1 (searchnet_store.FORMAT)
        "ALTER TABLE SnNet ADD IF NOT EXISTS layout STRING DEFAULT 'links'",
        "ALTER TABLE SnNet ADD IF NOT EXISTS format INT64 DEFAULT 1",
        "CREATE NODE TABLE IF NOT EXISTS SnNode(id STRING, net STRING, kind STRING, key STRING, PRIMARY KEY(id))",
        "CREATE REL TABLE IF NOT EXISTS SN_LINK(FROM SnNode TO SnNode, w DOUBLE)",
        # layout "neurons": hidden neurons hold their links as arrays; word and url ports their hidden neurons
        "CREATE NODE TABLE IF NOT EXISTS SnHidden(id STRING, net STRING, key STRING, ins STRING[], inw DOUBLE[], "
        "outs STRING[], outw DOUBLE[], PRIMARY KEY(id))",
        "CREATE NODE TABLE IF NOT EXISTS SnPort(id STRING, net STRING, kind STRING, key STRING, hidden STRING[], "
        "pos INT64[], PRIMARY KEY(id))",
        "ALTER TABLE SnPort ADD IF NOT EXISTS pos INT64[]",
    ),
    create_synapse_type="CREATE REL TABLE {rel}(FROM Neuron TO Neuron, c {count_type}, w DOUBLE)",
    count_types={"int8": "INT8", "int16": "INT16", "int32": "INT32", "int64": "INT64"},
)

# Neo4j: every schema statement is named, so the store can list what exists
# (SHOW INDEXES / SHOW CONSTRAINTS) and create only what is missing.  The
# composite index (net, idx) serves the delete slices and the largest-index
# look-up as index seeks; the single-property ones serve `x.net = $key`.
NEO4J = Dialect(
    name="neo4j",
    list_base=0,
    functions={"to_float": "toFloat", "to_int": "toInteger", "exp": "exp"},
    schema=(
        "CREATE CONSTRAINT assocmem_network_key IF NOT EXISTS FOR (x:Network) REQUIRE x.key IS UNIQUE",
        "CREATE CONSTRAINT assocmem_neuron_id IF NOT EXISTS FOR (x:Neuron) REQUIRE x.id IS UNIQUE",
        "CREATE CONSTRAINT assocmem_pattern_id IF NOT EXISTS FOR (x:Pattern) REQUIRE x.id IS UNIQUE",
        "CREATE INDEX assocmem_neuron_net IF NOT EXISTS FOR (x:Neuron) ON (x.net)",
        "CREATE INDEX assocmem_neuron_net_idx IF NOT EXISTS FOR (x:Neuron) ON (x.net, x.idx)",
        "CREATE INDEX assocmem_pattern_net IF NOT EXISTS FOR (x:Pattern) ON (x.net)",
        "CREATE CONSTRAINT assocmem_key IF NOT EXISTS FOR (x:AssocmemKey) REQUIRE x.key IS UNIQUE",
        "CREATE INDEX assocmem_network_name IF NOT EXISTS FOR (x:Network) ON (x.name)",
        "CREATE CONSTRAINT assocmem_sn_net IF NOT EXISTS FOR (x:SnNet) REQUIRE x.name IS UNIQUE",
        "CREATE CONSTRAINT assocmem_sn_node IF NOT EXISTS FOR (x:SnNode) REQUIRE x.id IS UNIQUE",
        "CREATE INDEX assocmem_sn_node_net IF NOT EXISTS FOR (x:SnNode) ON (x.net)",
        "CREATE CONSTRAINT assocmem_sn_hidden IF NOT EXISTS FOR (x:SnHidden) REQUIRE x.id IS UNIQUE",
        "CREATE INDEX assocmem_sn_hidden_net IF NOT EXISTS FOR (x:SnHidden) ON (x.net)",
        "CREATE CONSTRAINT assocmem_sn_port IF NOT EXISTS FOR (x:SnPort) REQUIRE x.id IS UNIQUE",
        "CREATE INDEX assocmem_sn_port_net IF NOT EXISTS FOR (x:SnPort) ON (x.net)",
    ),
    shared_synapse_type="SYNAPSE",
    vocabulary=(
        "CREATE (a:Network)-[s:SYNAPSE]->(a), (a)-[l:SN_LINK]->(a) "
        "SET a:Neuron:Pattern:AssocmemKey:SnNet:SnNode:SnHidden:SnPort, a += $node, s += $link, l += $link "
        "DELETE s, l, a"
    ),
)
#: Property values of the vocabulary statement (one of each key assocmem
#: sets).  Empty strings: no unique key assocmem writes is "" (keys are hex,
#: neuron ids integers, names non-empty), so the short-lived node never
#: conflicts with stored data when a newer version adds an index and the
#: vocabulary runs again on a database in use.
VOCABULARY_PARAMS = {
    "node": {k: "" for k in ("key", "name", "complete", "n", "p", "base", "layout", "meta", "id", "net", "idx",
                             "state", "theta", "thr", "c", "mu", "xi", "rules", "kind", "ins", "inw", "outs",
                             "outw", "hidden", "pos", "format")},
    "link": {"c": 0, "w": 0.0},
}

# FalkorDB keeps each network's neurons, patterns and synapses in a graph of
# their own (see FalkorDBBackend), and the catalogue (Network, AssocmemKey)
# and the search nets in the store's main graph.  Its range indexes are
# created only where missing (CREATE INDEX fails on an existing one).
FALKORDB = Dialect(
    name="falkordb",
    list_base=0,
    functions={"to_float": "toFloat", "to_int": "toInteger", "exp": "exp"},
    rounds_floats=True,
    schema=(
        "CREATE INDEX FOR (x:Network) ON (x.key)",
        "CREATE INDEX FOR (x:Network) ON (x.name)",
        "CREATE INDEX FOR (x:AssocmemKey) ON (x.key)",
        "CREATE INDEX FOR (x:SnNet) ON (x.name)",
        "CREATE INDEX FOR (x:SnNode) ON (x.id)",
        "CREATE INDEX FOR (x:SnNode) ON (x.net)",
        "CREATE INDEX FOR (x:SnHidden) ON (x.id)",
        "CREATE INDEX FOR (x:SnHidden) ON (x.net)",
        "CREATE INDEX FOR (x:SnPort) ON (x.id)",
        "CREATE INDEX FOR (x:SnPort) ON (x.net)",
    ),
)
#: Indexes of one network's own graph (FalkorDB), created with the graph.
FALKORDB_NETWORK_SCHEMA = (
    "CREATE INDEX FOR (x:Neuron) ON (x.id)",
    "CREATE INDEX FOR (x:Pattern) ON (x.id)",
)
