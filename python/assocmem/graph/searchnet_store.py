"""A SearchNet kept in a graph store: the graph's link store.

Neurons are ``SnNode`` nodes (kind "word", "hidden" or "url"), synapses
``SN_LINK`` relationships with a weight ``w``.

:class:`GraphLinks` is the graph's :class:`assocmem.searchnet.LinkStore`, an
extension of RAM in HyperGraphDB's manner: the rows it reads (a word's
outgoing links, a url's incoming links, and which words and urls have none)
go into its own C link table -- the kernels' table, so a query on loaded
rows scores as fast as in memory -- and the table is a cache bounded by a
number of links, least recently used rows evicted first.  A query whose
words and urls are loaded costs no round trip; a cold one costs one (a
single statement reading every missing row).  A training batch trains in
the table inside its transaction and writes every new node, changed weight
and new link in one database transaction; a failed write rolls the table
back with it, so the stored net and the cache stay as they were.

Under rules "hypergraphdb" the table holds urls' rows and every input of
those rows' hidden neurons (see SCORE_LOAD), never a word's whole row: only
hidden neurons linked to a url reach its output, and a hidden neuron's
inputs never change, so queries and training batches read what their urls
reach and not what their words do, which grows with the net.  A url is the
unit of the cache there: evicting it drops the inputs of the hidden neurons
no other held url links to.

Coherence: the cache always holds what this process wrote.  Another process
writing the same net is seen for a word or url once its row is read again
(rules "hypergraphdb": for a url, and a hidden neuron's inputs once no held
url links to it):
after it is evicted, or after :meth:`GraphLinks.clear_cache`.  Open one
writer per net, or clear the cache after another process's batch.  A batch
that would store again a node another writer stored after this handle read
it as absent fails, unwritten, saying so.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterator
from typing import Any

import numpy as np

from .._optional import require
from ..errors import ArgumentError, ArgumentTypeError, GraphConnectionError, GraphError
from .._rwlock import RWLock
from .. import _searchnet
from ..searchnet import _Links
from .backends import Statement

NET = "MATCH (n:SnNet) WHERE n.name = $name RETURN n.rules AS rules, n.layout AS layout, n.format AS format"
CREATE_NET = "CREATE (:SnNet {name: $name, rules: $rules, layout: $layout, format: $format})"
NETS = "MATCH (n:SnNet) RETURN n.name AS name ORDER BY name"
SET_FORMAT = "MATCH (n:SnNet) WHERE n.name = $name SET n.format = $format"
#: The stored form a net has (SnNet.format; none stored: 1).  2: the ports of
#: a "neurons" net hold their positions in their hidden nodes' arrays (see
#: PORTS); opening a net of format 1 adds them (GraphLinks._upgrade).
FORMAT = 2
#: The longest node id (the net's name, the kind and the key, in UTF-8) a
#: graph store creates.  A hidden neuron's id holds its whole word
#: combination, and a batch's loads repeat a node's id in every row of its
#: links, so a click of 20,000 words made 3 GB of ids (an ArrowInvalid
#: "overflowed binary array capacity"; 10,000 words took 7 s); Neo4j's index
#: keys end at 8,167 bytes.  Longer ones are refused (ArgumentError) before
#: anything is written.
MAX_ID_BYTES = 4000
NET_PORTS = "MATCH (n:SnPort) WHERE n.net = $net RETURN n.id AS id, n.kind AS kind, n.hidden AS hidden"
NET_HIDDEN = "MATCH (h:SnHidden) WHERE h.net = $net RETURN h.id AS id, h.ins AS ins, h.outs AS outs"
SET_POS = "UNWIND $rows AS r MATCH (n:SnPort {id: r.id}) SET n.pos = r.pos"
LOAD_POS = "LOAD FROM $data MATCH (n:SnPort {id: id}) SET n.pos = pos"
#: Storage layouts: "links" (SnNode nodes and an SN_LINK relationship per
#: synapse) or "neurons" (SnHidden nodes holding their input words and output
#: urls with the weights as arrays, SnPort nodes for words and urls holding
#: the ids of their hidden neurons).
LAYOUTS = ("links", "neurons")
# --- layout "neurons" ---------------------------------------------------------
PORTS = "UNWIND $ids AS x MATCH (n:SnPort {id: x}) RETURN n.id AS id, n.hidden AS hidden, n.pos AS pos"
# A port's `pos[i]`: the 0-based index of the port in the arrays of its
# hidden node `hidden[i]` (`ins` for a word, `outs` for a url).  Training
# only appends to a hidden node's arrays and a removal moves the last
# element into the gap (its port's position updated), so positions stay
# put; SnNet.format 2 marks a net whose ports hold them (FORMAT).
#
# A cold query in one statement: for each of its ports and each hidden node
# it names, the one weight linking them, read at the port's position (a
# hidden node's arrays hold every url it was shown with, hundreds of
# elements: finding the port in them read the whole id list, 7.2 ms for a
# query of 121 links with its rows read as dicts, against 2.0 ms by
# position).  {b}: the dialect's list base; {w}: a Dialect.float_out item
# of v.
LOAD_NEURONS = (
    "UNWIND $ids AS x MATCH (n:SnPort {{id: x}}) UNWIND range({b}, size(n.hidden) + {b} - 1) AS i "
    "MATCH (h:SnHidden {{id: n.hidden[i]}}) "
    "WITH n, i, CASE WHEN n.kind = 'word' THEN h.inw[n.pos[i] + {b}] ELSE h.outw[n.pos[i] + {b}] END AS v "
    "RETURN n.id AS port, n.hidden[i] AS hid, {w}"
)
#: Ids up to which a load uses LOAD_NEURONS (a query's); a batch's reads
#: each port and each hidden node once, whole (its commit merges with them).
LOAD_NEURONS_MAX = 32
HIDDEN = (
    "UNWIND $ids AS x MATCH (h:SnHidden {{id: x}}) "
    "RETURN h.id AS id, h.key AS key, h.ins AS ins, {inw}, h.outs AS outs, {outw}"
)
CREATE_PORTS = ("UNWIND $rows AS r CREATE (:SnPort {id: r.id, net: $net, kind: r.kind, key: r.key, hidden: r.hidden, "
                "pos: r.pos})")
UPDATE_PORTS = "UNWIND $rows AS r MATCH (n:SnPort {id: r.id}) SET n.hidden = r.hidden, n.pos = r.pos"
CREATE_HIDDEN = (
    "UNWIND $rows AS r CREATE (:SnHidden {id: r.id, net: $net, key: r.key, ins: r.ins, inw: r.inw, outs: r.outs, "
    "outw: r.outw})"
)
UPDATE_HIDDEN = (
    "UNWIND $rows AS r MATCH (h:SnHidden {id: r.id}) SET h.ins = r.ins, h.inw = r.inw, h.outs = r.outs, "
    "h.outw = r.outw"
)
# LadybugDB, a commit's nodes from an Arrow table ($data).  New nodes are
# created by LOAD FROM, not COPY: with COPY into SnHidden and LOAD FROM ...
# SET on SnHidden in one transaction, LadybugDB 0.22 zeroed list values of
# other hidden nodes after a few single-click commits
# (test_graph_backed_equals_in_memory[neurons-hypergraphdb]; not reduced to
# a minimal case).
LOAD_HIDDEN = "LOAD FROM $data MATCH (h:SnHidden {id: id}) SET h.ins = ins, h.inw = inw, h.outs = outs, h.outw = outw"
LOAD_PORTS = "LOAD FROM $data MATCH (n:SnPort {id: id}) SET n.hidden = hidden, n.pos = pos"
LOAD_NEW_HIDDEN = ("LOAD FROM $data CREATE (:SnHidden {id: id, net: net, key: key, ins: ins, inw: inw, outs: outs, "
                   "outw: outw})")
LOAD_NEW_PORTS = ("LOAD FROM $data CREATE (:SnPort {id: id, net: net, kind: kind, key: key, hidden: hidden, "
                  "pos: pos})")
DELETE_PORT = "MATCH (n:SnPort {id: $id}) DELETE n"
COUNT_HIDDEN = "MATCH (h:SnHidden) WHERE h.net = $net RETURN count(h) AS k"
COUNT_PORTS = "MATCH (n:SnPort) WHERE n.net = $net AND n.kind = $kind RETURN count(n) AS k"
ALL_HIDDEN = (
    "MATCH (h:SnHidden) WHERE h.net = $net "
    "RETURN h.id AS id, h.key AS key, h.ins AS ins, {inw}, h.outs AS outs, {outw}"
)
# One round trip for a cold query or a batch's checkout: the links between
# each of these words and urls and the hidden neurons (a word's go out, a
# url's come in; words and urls link only to hidden neurons), one row per
# stored node (a word or url without links scores like an unknown one; an
# unknown one has no row, and CREATE_NODES merges).  {ws}: the weights, a
# Dialect.float_list_out item.  Each id is looked up by key and its links
# followed from there: 3 ms for a query at 500,000 urls, and 0.53 s for a
# batch's 22,000 ids.  `MATCH (h)-[l]-(n) WHERE n.id IN $ids` took 57 ms
# for the query (LadybugDB tests every node against the list) and `UNWIND
# ... MATCH (n {id: x})-[l]-(h)` 0.76 s for the batch.  LadybugDB keeps one
# plan per statement text, and this one must be planned on tables that
# have rows (Backend.planned; 128 ms planned on empty ones).
LOAD = (
    "UNWIND $ids AS x MATCH (n:SnNode {{id: x}}) OPTIONAL MATCH (n)-[l:SN_LINK]-(h:SnNode) "
    "RETURN n.id AS a, collect(h.key) AS h, {ws}"
)
# The same as rows, one per link (a node without links: one row, h null),
# for a query's few ids read as Arrow columns: 1.5 ms against 1.7 ms with
# the links collected per node (LadybugDB's collect costs more than the
# rows it saves there).  {w}: a Dialect.float_out item of l.w.
LOAD_ROWS = (
    "UNWIND $ids AS x MATCH (n:SnNode {{id: x}}) OPTIONAL MATCH (n)-[l:SN_LINK]-(h:SnNode) "
    "RETURN n.id AS a, h.key AS h, {w}"
)
#: Queries that GraphLinks.score_many loads and scores together.
SCORE_MANY_CHUNK = 256
#: Loads of at most this many ids (a query's) go by Backend.run_small: on
#: one LadybugDB thread, where up to 1,000 ids were never slower and a
#: query's dozen 20-25% faster than on two.
SMALL_LOAD = 256
# --- loading by urls (rules "hypergraphdb") ------------------------------------
# Only hidden neurons linked to a url reach its output (am_lt_forward; in
# training their backpropagated errors are zero), and under rules
# "hypergraphdb" a hidden neuron's inputs are its key's words (training never
# links another word).  So such a net scores a cold query and trains a batch
# from its urls' rows and those hidden neurons' inputs, without its words'
# rows, which grow with the net (each word of a 500,000-url net links to
# dozens of hidden neurons, most unrelated to the query's urls).  One row per
# (url, hidden neuron) with the hidden neuron's inputs (a url without links:
# one row, h null); {w}: a Dialect.float_out item of l.w, {ws}: a
# Dialect.float_list_out item of m.w.
SCORE_LOAD = (
    "UNWIND $ids AS y MATCH (n:SnNode {{id: y}}) OPTIONAL MATCH (n)<-[l:SN_LINK]-(h:SnNode) "
    "OPTIONAL MATCH (h)<-[m:SN_LINK]-(x:SnNode) "
    "RETURN n.id AS a, h.key AS h, {w}, collect(x.key) AS xs, {ws}"
)
# The same in layout "neurons": the url ports, the hidden nodes they name,
# the one weight into each url (read at the port's position, see PORTS) and
# the hidden node's inputs whole ({b}: the dialect's list base, {w}: a
# float_out item of v, {inw}: a float_array_out item).
SCORE_NEURONS = (
    "UNWIND $ids AS x MATCH (n:SnPort {{id: x}}) UNWIND range({b}, size(n.hidden) + {b} - 1) AS i "
    "MATCH (h:SnHidden {{id: n.hidden[i]}}) "
    "WITH n, h, h.outw[n.pos[i] + {b}] AS v RETURN n.id AS a, h.key AS h, {w}, h.ins AS xs, {inw}"
)
# Rules "hypergraphdb", a batch's checkout: which of these words and hidden
# neurons are stored, and each hidden neuron's inputs (a word has none: its
# links go out).  {ws}: a Dialect.float_list_out item of m.w.
NODES_IN = (
    "UNWIND $ids AS x MATCH (n:SnNode {{id: x}}) OPTIONAL MATCH (n)<-[m:SN_LINK]-(y:SnNode) "
    "RETURN n.id AS a, collect(y.key) AS xs, {ws}"
)
# which of these nodes exist, each looked up by key
EXISTING = "UNWIND $ids AS x MATCH (n:SnNode {id: x}) RETURN DISTINCT n.id AS id"
# MERGE: a node may exist without links, which a checkout does not read
CREATE_NODES = (
    "UNWIND $rows AS r MERGE (n:SnNode {id: r.id}) ON CREATE SET n.net = $net, n.kind = r.kind, n.key = r.key"
)
UPDATE_LINKS = "UNWIND $rows AS r MATCH (a:SnNode {id: r.a})-[l:SN_LINK]->(b:SnNode {id: r.b}) SET l.w = r.w"
CREATE_LINKS = (
    "UNWIND $rows AS r MATCH (a:SnNode {id: r.a}), (b:SnNode {id: r.b}) CREATE (a)-[:SN_LINK {w: r.w}]->(b)"
)
# LadybugDB, a commit's rows from an Arrow table ($data): about 23 us per
# updated weight (the same as joining the updates with every link).  New
# links take two MATCH clauses on purpose: the comma form `MATCH (a {id:
# src}), (b {id: dst})` is planned as a join over every node (3.3 s for 300
# links on a 2,200-node net, growing with the net; 3 ms this way).
LOAD_NEW_NODES = "LOAD FROM $data CREATE (:SnNode {id: id, net: net, kind: kind, key: key})"
# A batch never goes by COPY, although a large batch that only creates
# would be faster so (216,000 links: 0.44 s against 2.0 s by LOAD FROM): a
# COPY rolled back with its transaction (a failed batch, Ctrl-C, another
# writer's duplicate key) corrupts LadybugDB 0.22's heap.  Found by
# tests/test_searchnet_model.py (one abort, and a node read back with an
# empty key); under AddressSanitizer a script of small search-net batches,
# half of them failing inside their transaction, aborted within minutes
# (bad free and allocator checks in LadybugDB's checkpoint and on closing)
# when batches that only create went by COPY, and ran 400 nets clean with
# the same failures by LOAD FROM, or by COPY with no failures.  LOAD FROM
# also leaves checkpoints to the write-ahead log's threshold, where a COPY
# forces one at its COMMIT (30-50 ms on a small file, 0.3-0.9 s on a
# 500,000-url net): 500 links took 13 ms by LOAD FROM against 47 ms.
# Weight updates, two ways.  By key look-ups: each row finds its two nodes
# by key and the link between them (the OPTIONAL MATCH keeps LadybugDB from
# planning a join with every link): 5 ms plus about 35 us a row, whatever
# the net's size.  By one join of the rows with every SN_LINK of the file
# (how LadybugDB 0.22 plans the plain pattern): about 0.6 us per stored link
# plus 20 us a row; on a 500,000-url net (622,000 links) 370 ms for 100 rows
# against 7 ms by look-ups, on the book's 300-click net with 145,000 updates
# of 216,000 links faster than look-ups.  A commit takes the join when its
# updates are at least UPDATE_JOIN_SHARE of the file's links (COUNT_LINKS,
# 2 ms at 622,000; read again only when a batch's updates reach that share
# of the last count plus the links the handle created since, or after a
# removal).
LOAD_UPDATE_LINKS = (
    "LOAD FROM $data MATCH (a:SnNode {id: src}) MATCH (b:SnNode {id: dst}) OPTIONAL MATCH (a)-[l:SN_LINK]->(b) "
    "WITH l, wt WHERE l IS NOT NULL SET l.w = wt"
)
LOAD_UPDATE_LINKS_JOIN = "LOAD FROM $data MATCH (a:SnNode {id: src})-[l:SN_LINK]->(b:SnNode {id: dst}) SET l.w = wt"
COUNT_LINKS = "MATCH ()-[l:SN_LINK]->() RETURN count(*) AS k"
UPDATE_JOIN_SHARE = 1 / 20
LOAD_NEW_LINKS = (
    "LOAD FROM $data MATCH (a:SnNode {id: src}) MATCH (b:SnNode {id: dst}) CREATE (a)-[:SN_LINK {w: wt}]->(b)"
)
DELETE_NODE = "MATCH (n:SnNode {id: $id}) DETACH DELETE n"
COUNT_KIND = "MATCH (n:SnNode) WHERE n.net = $net AND n.kind = $kind RETURN count(n) AS k"
ALL_LINKS = (
    "MATCH (a:SnNode)-[l:SN_LINK]->(b:SnNode) WHERE a.net = $net "
    "RETURN a.kind AS ak, a.key AS akey, b.kind AS bk, b.key AS bkey, {w}"
)

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")


def encode(name: str, key: Hashable) -> str:
    """Typed text of a word or url key: str and int keep their type."""
    if isinstance(key, str):
        return "s" + key
    if isinstance(key, int) and not isinstance(key, bool):
        return "i" + str(key)
    raise ArgumentTypeError(f"{name}: a graph-backed SearchNet stores str and int keys; got {type(key).__name__} {key!r}")


def stored_nets(store: Any) -> list[str]:
    """The names of the search nets kept in a graph store, sorted."""
    return [r["name"] for r in store.backend.run(NETS)]


def _may_have_committed(exc: BaseException) -> bool:
    """Whether a write that raised ``exc`` may be durable all the same: a
    GraphError means it was rolled back, an ArgumentError that it was not
    made, except a lost connection (it may or may not have run); anything
    else (Ctrl-C) may have come while or after it committed."""
    return isinstance(exc, GraphConnectionError) or not isinstance(exc, (GraphError, ArgumentError))


def _check_id_sizes(nodes: list[dict[str, Any]]) -> None:
    """ArgumentError if a node to create has an id over MAX_ID_BYTES."""
    for r in nodes:
        if len(r["id"]) <= MAX_ID_BYTES // 4:  # at most 4 bytes a character
            continue
        nbytes = len(r["id"].encode())
        if nbytes <= MAX_ID_BYTES:
            continue
        size = f"{nbytes:,} bytes; a graph store creates node ids (net name, kind and key in UTF-8) of " \
               f"at most {MAX_ID_BYTES:,} bytes"
        if r["kind"] == "hidden":
            n = len(json.loads(r["key"]))
            raise ArgumentError(f"words: a combination of {n:,} word{'s' if n != 1 else ''} makes a hidden neuron "
                                f"id of {size}")
        key = repr(decode(r["key"]))
        raise ArgumentError(f"{r['kind']}s: {r['kind']} {key[:60]}{'...' if len(key) > 60 else ''} makes a node id "
                            f"of {size}")


def decode(text: str) -> Hashable:
    return text[1:] if text[0] == "s" else int(text[1:])


def decode_node(node_id: str) -> Hashable:
    """The key of a word or url from its node id (net|kind|encoded key)."""
    return decode(node_id.split("|", 2)[2])


def encode_hidden(key: tuple) -> str:
    return json.dumps([encode("words", k) for k in key])


def decode_hidden(text: str) -> tuple:
    return tuple(decode(t) for t in json.loads(text))


def decode_hidden_many(texts: list[str]) -> list[tuple]:
    """decode_hidden of many keys with one JSON parse."""
    if not texts:
        return []
    keys = json.loads(f"[{','.join(texts)}]")
    # each word decoded once: the keys share their word objects
    words: dict[str, Hashable] = {}
    for key in keys:
        for t in key:
            if t not in words:
                words[t] = decode(t)
    word = words.__getitem__
    return [tuple(map(word, key)) for key in keys]


def _hidden_schema(pa: Any) -> Any:
    """Layout "neurons": a stored hidden node's properties as Arrow types."""
    strings, floats = pa.list_(pa.string()), pa.list_(pa.float64())
    return pa.schema([("id", pa.string()), ("key", pa.string()), ("ins", strings), ("inw", floats),
                      ("outs", strings), ("outw", floats)])


def _ports_schema(pa: Any) -> Any:
    """Layout "neurons": a port's hidden nodes and its positions in them."""
    return pa.schema([("id", pa.string()), ("hidden", pa.list_(pa.string())), ("pos", pa.list_(pa.int64()))])


def _rows(a: Any, b: Any, w: Any) -> list[dict[str, Any]]:
    """Links as statement rows {a, b, w}."""
    return [{"a": x, "b": y, "w": v} for x, y, v in zip(a.to_pylist(), b.to_pylist(), w.tolist())]


def _lists(owner: Any, n: int, item: Any) -> tuple[Any, Any, Any]:
    """Group (owner, item) pairs into one list per owner 0..n-1, an item once
    per owner, in the order of its first pair: the lists' offsets, and for
    each listed item the index of its first and of its last pair (whose
    value wins)."""
    offsets = np.zeros(n + 1, dtype=np.int32)
    if not len(owner):
        return offsets, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = owner.astype(np.int64) * (int(item.max()) + 1) + item
    order = np.argsort(key, kind="stable")  # by owner, then item, then pair
    k = key[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    first, last = order[starts], order[np.r_[starts[1:], len(k)] - 1]
    by_place = np.argsort(owner[first].astype(np.int64) * len(key) + first)
    first, last = first[by_place], last[by_place]
    np.cumsum(np.bincount(owner[first], minlength=n), out=offsets[1:])
    return offsets, first, last


class _Cache:
    """Which rows the link table holds: (kind, key) -> cost (a row costs its
    links plus one; a key known to have no row costs 1), least recently used
    first.  Rows are dropped from the table by :meth:`GraphLinks._evict`."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.rows: OrderedDict[tuple[str, Hashable], int] = OrderedDict()
        self.size = 0

    def touch(self, key: tuple[str, Hashable]) -> bool:
        """Whether the row is held (and mark it used).  A miss costs a look-up,
        not a KeyError (a cold query missed its dozen keys that way, 1 us
        each); a row dropped by another thread in between is a miss."""
        rows = self.rows
        if key not in rows:
            return False
        try:
            rows.move_to_end(key)
        except KeyError:
            return False
        return True

    def put(self, key: tuple[str, Hashable], cost: int) -> None:
        self.size += cost - self.rows.pop(key, 0)
        self.rows[key] = cost

    def clear(self) -> None:
        self.rows.clear()
        self.size = 0


class GraphLinks:
    """The link store of a SearchNet kept in a graph store (see the module
    docstring for the cache and its coherence)."""

    #: Ids (words, urls, hidden neurons) the table may hold before it starts
    #: afresh (see :meth:`_trim`).
    ID_BOUND = 100_000

    def __init__(self, store: Any, name: str, rules: str | None, cache_size: int, layout: str | None = None) -> None:
        """``rules`` and ``layout``: None takes the stored net's (or, for a
        new net, "pci" and "links"); a value must match the stored net's."""
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ArgumentError(f"name: expected 1-128 letters, digits, '_', '.' or '-'; got {name!r}")
        if layout is not None and layout not in LAYOUTS:
            raise ArgumentError(f"layout: expected one of {', '.join(map(repr, LAYOUTS))}; got {layout!r}")
        self._s = store
        self._b = store.backend
        rows = self._b.run(NET, {"name": name})
        if rows:
            stored_rules, stored_layout = rows[0]["rules"], rows[0]["layout"] or "links"
            if rules is not None and rules != stored_rules:
                raise ArgumentError(f"rules: net {name!r} in this store uses rules {stored_rules!r}; got {rules!r}")
            if layout is not None and layout != stored_layout:
                raise ArgumentError(f"layout: net {name!r} in this store has layout {stored_layout!r}; "
                                    f"got {layout!r}")
            rules, layout = stored_rules, stored_layout
            if (rows[0]["format"] or 1) < FORMAT:
                self._upgrade(name, layout)
        else:
            rules, layout = rules or "pci", layout or "links"
            self._b.run(CREATE_NET, {"name": name, "rules": rules, "layout": layout, "format": FORMAT})
        #: the net's rules and layout (as stored)
        self.rules, self.layout = rules, layout
        dialect = self._b.dialect
        self._w = lambda row: dialect.float_in(row, "w")
        w = dialect.float_out("l.w", "w")
        self._load = LOAD.format(ws=dialect.float_list_out("l.w", "w"))
        self._load_rows = LOAD_ROWS.format(w=w)
        self._ws = lambda row: dialect.float_list_in(row, "w")
        self._all_links = ALL_LINKS.format(w=w)
        arrays = {"inw": dialect.float_array_out("h.inw", "inw"), "outw": dialect.float_array_out("h.outw", "outw")}
        self._hidden, self._all_hidden = HIDDEN.format(**arrays), ALL_HIDDEN.format(**arrays)
        b = dialect.list_base
        self._load_neurons_query = LOAD_NEURONS.format(b=b, w=dialect.float_out("v", "w"))
        self._score_load = SCORE_LOAD.format(w=w, ws=dialect.float_list_out("m.w", "ws"))
        self._nodes_in = NODES_IN.format(ws=dialect.float_list_out("m.w", "ws"))
        self._score_neurons = SCORE_NEURONS.format(b=b, w=dialect.float_out("v", "w"),
                                                   inw=dialect.float_array_out("h.inw", "ws"))
        self._inw = lambda row: dialect.float_list_in(row, "inw")
        self._outw = lambda row: dialect.float_list_in(row, "outw")
        self.name = name
        self._cache = _Cache(cache_size)
        # the loaded rows, in the C link table; words and urls whose rows are
        # in it (or known to have none) are in _cache
        self._links = _Links()
        # hidden key text -> key, and -> hidden_order(key), for _hidden_ids
        self._keys: dict[str, tuple] = {}
        self._orders: dict[str, int] = {}
        # hidden key -> text, for _hidden_text
        self._texts: dict[tuple, str] = {}
        # rules "hypergraphdb": the table holds urls' rows (in _cache) and
        # the inputs of hidden neurons (_fed: their table ids), whose links
        # count in the cache's size but belong to no row; _ref[h]: the held
        # urls whose rows link hidden neuron h (its inputs are dropped when
        # none does); words known to be unstored are in _cache at cost 1
        self._by_urls = rules == "hypergraphdb"
        self._fed: set[int] = set()
        self._ref: dict[int, int] = {}
        # a lower bound of the file's SN_LINK count (COUNT_LINKS, plus the
        # links this handle created since; None after a removal): a batch
        # with fewer updates than UPDATE_JOIN_SHARE of it takes the look-ups
        # without counting again (another process's removals can only make
        # it choose look-ups where the join was faster, never a wrong result)
        self._n_links: int | None = None
        # scoring reads the tables shared; loading, evicting and training
        # change them exclusively
        self._rw = RWLock()
        self._warm()

    def _warm(self) -> None:
        """LadybugDB: make the first query of a new process cost what a
        later cold one costs.  That query paid for importing pyarrow (20 ms)
        and for compiling its statement, which LadybugDB does on a text's
        first run and keeps for the connection's life (6 ms in layout
        "links", 21 ms in "neurons"): a new process's first query took 25 ms
        ("links") and 43 ms ("neurons") against 1.5 and 1.1 ms for a second
        cold one (benchmarks/test_bench_searchnet.py, "new process").  So
        opening a net imports pyarrow and runs that statement over no ids,
        by the read a query makes (Backend.planned: the plan is made on the
        data there is now, as the query's would be)."""
        if not self._b.arrow_results:
            return
        require("pyarrow", "graph")
        if self._by_urls:
            self._url_rows([])
        else:
            (self._load_links if self.layout == "links" else self._load_neurons)([])

    def __repr__(self) -> str:
        return f"{self._s!r}, net {self.name!r}"

    def _upgrade(self, name: str, layout: str) -> None:
        """Bring a net stored in format 1 to FORMAT, in one transaction:
        layout "neurons", each port's positions in its hidden nodes' arrays
        (read from the arrays, a whole-net read once)."""
        statements: list[Any] = []
        if layout == "neurons":
            where = {}
            for r in self._b.run(NET_HIDDEN, {"net": name}):
                where[r["id"]] = ({x: k for k, x in enumerate(r["ins"] or ())},
                                  {x: k for k, x in enumerate(r["outs"] or ())})
            rows = []
            for r in self._b.run(NET_PORTS, {"net": name}):
                try:
                    pos = [where[h][r["kind"] != "word"][r["id"]] for h in r["hidden"] or ()]
                except KeyError:
                    raise GraphError(f"net {name!r}: port {r['id']!r} names a hidden node whose arrays do not "
                                     "hold it (the stored net is inconsistent)") from None
                rows.append({"id": r["id"], "pos": pos})
            if rows and self._b.supports_copy:  # LadybugDB: from an Arrow table, 5x faster a list element
                pa = require("pyarrow", "graph")
                statements.append((LOAD_POS, {"data": pa.Table.from_pylist(
                    rows, pa.schema([("id", pa.string()), ("pos", pa.list_(pa.int64()))]))}))
            elif rows:
                statements.append((SET_POS, {"rows": rows}))
        statements.append((SET_FORMAT, {"name": name, "format": FORMAT}))
        self._b.run_tx(statements)

    # ------------------------------------------------------------- ids
    def _id(self, kind: str, text: str) -> str:
        return f"{self.name}|{kind[0]}|{text}"

    def _word_id(self, w: Hashable) -> str:
        return f"{self.name}|w|{encode('words', w)}"

    def _url_id(self, u: Hashable) -> str:
        return f"{self.name}|u|{encode('urls', u)}"

    # ------------------------------------------------------------ cache
    @property
    def cache_size(self) -> int:
        """Links the cache holds now (a row costs its links plus one)."""
        return self._cache.size

    @property
    def nbytes(self) -> int:
        """Bytes the cache's C link table holds (outside the Python heap)."""
        with self._rw.read():
            return self._links.table.nbytes

    def clear_cache(self) -> None:
        """Forget every loaded row (to see another process's writes)."""
        with self._rw.write():
            self._afresh()

    def _afresh(self) -> None:
        """Empty the cache and its table.  Holds the write lock."""
        self._cache.clear()
        self._links = _Links()
        self._fed, self._ref = set(), {}

    def _resync(self) -> None:
        """After a write whose outcome is unknown (interrupted while or
        right after it committed): forget every loaded row and the links'
        count, so that what is stored is read again."""
        with self._rw.write():
            self._afresh()
        self._n_links = None

    @contextlib.contextmanager
    def _resync_unless_refused(self) -> Iterator[None]:
        """Around a write and the cache's update after it: drop the cache
        (:meth:`_resync`) when the write may have committed
        (:func:`_may_have_committed`)."""
        try:
            yield
        except BaseException as exc:
            if _may_have_committed(exc):
                self._resync()
            raise

    def _held(self, words: list, urls: list) -> bool:
        touch = self._cache.touch
        if self._by_urls:  # a query's score depends on its urls' rows only
            return all([touch(("u", u)) for u in urls])
        return all([touch(("w", w)) for w in words]) and all([touch(("u", u)) for u in urls])

    def _evict(self, keep: set) -> None:
        """Drop least recently used rows until the cache fits (never those of
        ``keep``: the words and urls being used).  Outside transactions.
        With cache size 0 nothing: every operation ends by starting the
        table afresh (:meth:`_trim`), so it holds the operation's own rows."""
        cache, links = self._cache, self._links
        if not cache.capacity:
            return
        kept: list[tuple[tuple[str, Hashable], int]] = []
        urls: list[Hashable] = []
        # from the least recently used end, costing the rows dropped (and the
        # kept ones met), not the cache's size
        while cache.size > cache.capacity and cache.rows:
            key, cost = cache.rows.popitem(last=False)
            if key in keep:
                kept.append((key, cost))
                continue
            cache.size -= cost
            kind, k = key
            if kind == "u" and k in links.url_id:
                if self._by_urls:
                    urls.append(k)
                else:
                    links.evict_url(k)
            elif kind == "w" and k in links.word_id and not self._by_urls:
                links.evict_word(k)
        for key, cost in reversed(kept):  # back where they were
            cache.rows[key] = cost
            cache.rows.move_to_end(key, last=False)
        if urls:
            self._evict_urls(urls)

    def _evict_urls(self, urls: list) -> None:
        """Rules "hypergraphdb": drop the rows of these urls (already out of
        _cache) and the inputs of the hidden neurons no held url links to
        any more, taking those inputs' links off the cache's size."""
        links, ref = self._links, self._ref
        orphans: set[int] = set()
        for u in urls:
            i = links.url_id[u]
            hidden = links.table.row(2, i)
            links.evict_url(u)
            for h in hidden:
                n = ref.pop(h) - 1
                if n:
                    ref[h] = n
                else:
                    orphans.add(h)
        if orphans:
            self._cache.size -= self._drop_inputs(orphans)

    def _drop_inputs(self, hidden: set[int]) -> int:
        """Rules "hypergraphdb": take the inputs of these hidden neurons out
        of the table (each word's row rebuilt once); the links dropped."""
        links = self._links
        self._fed -= hidden
        words: dict[int, None] = {}
        for h in hidden:  # a hidden neuron's inputs are its key's words
            for x in links.hidden_key[h]:
                if x in links.word_id:
                    words[links.word_id[x]] = None
        dropped = 0
        for w in words:
            row = links.row_wh(w)
            keep = {h: v for h, v in row.items() if h not in hidden}
            if len(keep) < len(row):
                dropped += len(row) - len(keep)
                links.table.clear_word(w)
                if keep:
                    links.set_many(0, [w] * len(keep), list(keep), list(keep.values()))
        return dropped

    def _trim(self) -> None:
        """After an operation: fit the cache (with cache size 0, hold
        nothing).  An evicted row's id stays (it is reused when the row comes
        back), so ids accumulate as new words, urls and hidden neurons pass
        through; once they outnumber ``ID_BOUND`` (at least 4 per cached
        link), the table starts afresh, so the memory held stays bounded by
        the cache size."""
        links, cache = self._links, self._cache
        ids = len(links.word_id) + len(links.url_id) + len(links.hidden_key)
        if cache.capacity == 0 or ids > self._id_bound():
            self._afresh()
        else:
            self._evict(set())

    def _ensure(self, words: list, urls: list) -> None:
        """Load the rows of these words and urls that the table does not hold
        (one round trip), then drop others to fit the cache.  Holds the
        write lock."""
        cold_w = [w for w in words if not self._cache.touch(("w", w))]
        cold_u = [u for u in urls if not self._cache.touch(("u", u))]
        if cold_w or cold_u:
            wids = {w: self._word_id(w) for w in cold_w}
            uids = {u: self._url_id(u) for u in cold_u}
            ids = [*wids.values(), *uids.values()]
            a, h, wt = self._load_links(ids) if self.layout == "links" else self._load_neurons(ids)
            links = self._links
            # hidden neurons by key text -> table id
            texts = [t for t in dict.fromkeys(h) if t is not None]
            tid = dict(zip(texts, self._hidden_ids(texts)))
            # a stored node gets an id, with links or without, so a batch
            # links it and does not create it again; a word's row holds its
            # links out (layer 0), a url's the links into it (layer 1), and
            # each layer's go into the table by one call
            stored = set(a)
            port = {i: (0, links.word(k)) for k, i in wids.items() if i in stored}
            port.update((i, (1, links.url(k))) for k, i in uids.items() if i in stored)
            out, into, count = _searchnet.split_links(a, h, wt, port, tid)
            links.table.set_many(0, *out)
            links.table.set_many(1, *into)
            for kind, nodes in (("w", wids), ("u", uids)):
                for k, i in nodes.items():
                    self._cache.put((kind, k), 1 + count.get(i, 0))
        self._evict({*(("w", w) for w in words), *(("u", u) for u in urls)})

    def _hidden_ids(self, texts: list[str]) -> list[int]:
        """The table ids of these hidden neurons (distinct key texts), rows
        added for those the table lacks.  Each text is decoded and its
        order hashed once while it is in ``_keys``, which outlives the
        table (a cold query with cache size 0 starts a new table, and
        decoding and hashing its hundred hidden keys took 0.16 ms of its
        0.8 ms); ``_keys`` (and ``_texts``, filled here too) are bounded
        as the table's ids are (:meth:`_trim`)."""
        self._fit_memos()
        keys, orders = self._keys, self._orders
        new = [t for t in texts if t not in keys]
        if new:
            decoded = decode_hidden_many(new)
            keys.update(zip(new, decoded))
            orders.update(zip(new, _searchnet.orders([repr(k) for k in decoded]).tolist()))
            self._texts.update(zip(decoded, new))
        return self._links.hidden_many(list(map(keys.__getitem__, texts)), list(map(orders.__getitem__, texts)))

    def _hidden_text(self, key: tuple) -> str:
        """encode_hidden(key), kept in ``_texts`` (a batch names a hidden
        neuron's node up to three times: 7,800 encodings for a late batch of
        3,000 clicks); bounded as ``_keys``."""
        text = self._texts.get(key)
        if text is None:
            self._fit_memos()
            text = self._texts[key] = encode_hidden(key)
        return text

    def _fit_memos(self) -> None:
        """Empty a memo of hidden keys (``_keys`` with ``_orders``,
        ``_texts``) that holds more than the handle's id bound."""
        bound = self._id_bound()
        if len(self._keys) > bound:
            self._keys.clear()
            self._orders.clear()
        if len(self._texts) > bound:
            self._texts.clear()

    def _id_bound(self) -> int:
        """Ids (and hidden key texts, ``_keys``) a handle keeps before it
        starts afresh: at least ID_BOUND, and 4 per cached link."""
        return max(self.ID_BOUND, 4 * self._cache.capacity)

    def _plan(self, query: str, n: int) -> str:
        """The text to run a read of ``n`` ids or rows by (Backend.planned):
        a query's few ids and a batch's thousands get plans of their own (a
        SCORE_LOAD plan made for 20,000 urls took 15 ms for a query's ten
        at 100,000 urls, against 2.6 ms planned for them)."""
        return self._b.planned(query, few=n <= SMALL_LOAD)

    def _read(self, query: str, ids: list[str]) -> list[dict[str, Any]]:
        """A load statement over these ids (Backend.run_small for a few)."""
        run = self._b.run_small if len(ids) <= SMALL_LOAD else self._b.run
        return run(self._plan(query, len(ids)), {"ids": ids})

    def _columns(self, query: str, ids: list[str], names: tuple[str, ...],
                 floats: dict[str, Any], *, per_link: bool = False) -> list[list[Any]]:
        """A load statement over these ids, one list per column of
        ``names``; ``floats``: the dialect's reader of each float column.
        A batch's thousands of rows come as Arrow columns where the backend
        has them: 20% faster than a dict per row (11,000 ids on a
        500,000-url net: 0.31 s, 0.39 s).  So do a query's (at most
        SMALL_LOAD ids, read as Backend.run_small reads) when the statement
        returns a row ``per_link``, a hundred or so: 0.4 ms against 0.75 ms
        for 121 rows; a dozen rows holding lists (SCORE_LOAD) are 0.15 ms
        faster as dicts."""
        small = len(ids) <= SMALL_LOAD
        if (per_link or not small) and self._b.arrow_results and not self._b.dialect.rounds_floats:
            table = self._b.columns(self._plan(query, len(ids)), {"ids": ids}, small=small)
            if table is None or not table.num_rows:
                return [[] for _ in names]
            return [table.column(c).to_pylist() for c in names]
        rows = self._read(query, ids)
        return [[floats[c](r) for r in rows] if c in floats else [r[c] for r in rows] for c in names]

    def _load_links(self, ids: list[str]) -> tuple[list[str], list[str | None], list[float | None]]:
        """Layout "links": the rows of these word and url ids that are
        stored, in one statement, as flat columns: for each link the node's
        id, the hidden neuron's key text and the weight (a word's links go
        out, a url's come in); a stored node without links has one entry
        whose key text and weight are None; an unstored one none."""
        if len(ids) <= SMALL_LOAD:  # a row per link
            a, h, w = self._columns(self._load_rows, ids, ("a", "h", "w"), {"w": self._w}, per_link=True)
            return a, h, w
        names, hs, ws = self._columns(self._load, ids, ("a", "h", "w"), {"w": self._ws})
        a = []
        h: list[str | None] = []
        w: list[float | None] = []
        for name, keys, weights in zip(names, hs, ws):
            if keys:
                a += [name] * len(keys)
                h += keys
                w += weights
            else:
                a.append(name)
                h.append(None)
                w.append(None)
        return a, h, w

    def _load_neurons(self, ids: list[str]) -> tuple[list[str], list[str | None], list[float | None]]:
        """Layout "neurons": the rows of these word and url ids (their
        hidden neurons' key texts and the weights), from their ports and the
        hidden nodes those name, as :meth:`_load_links`'s columns (a port
        without hidden neurons has no entry, as an unstored one).  A query's
        dozen ids take one statement returning one weight per (port, hidden
        node) (the database reads a hidden node once per port naming it, so
        at most LOAD_NEURONS_MAX times); more ids (a batch's) take two, the
        ports and then each of their hidden nodes once, whole (per-port
        look-ups would scan a hidden node's arrays for each of its hundreds
        of ports)."""
        if len(ids) <= LOAD_NEURONS_MAX:
            skip = len(self._id("hidden", ""))  # a hidden node's id is its key text after the net's prefix
            port, hid, w = self._columns(self._load_neurons_query, ids, ("port", "hid", "w"), {"w": self._w},
                                         per_link=True)
            return port, [t[skip:] for t in hid], w
        pa = require("pyarrow", "graph")
        import pyarrow.compute as pc

        ports = self._b.run(self._plan(PORTS, len(ids)), {"ids": ids})
        hids = list(dict.fromkeys(h for r in ports for h in r["hidden"] or ()))
        stored = self._hidden_table(hids)
        wanted = pa.array(ids, pa.string())
        a: list[str] = []
        h: list[str | None] = []
        w: list[float | None] = []
        for names, weights in (("ins", "inw"), ("outs", "outw")):
            flat = stored.column(names).combine_chunks()
            items = pc.list_flatten(flat)
            mine = pc.is_in(items, value_set=wanted)  # the elements naming these ports
            a += items.filter(mine).to_pylist()
            h += stored.column("key").combine_chunks().take(pc.list_parent_indices(flat)).filter(mine).to_pylist()
            w += pc.list_flatten(stored.column(weights).combine_chunks()).filter(mine).to_pylist()
        return a, h, w

    def _url_rows(self, ids: list[str]) -> list[list[Any]]:
        """Rules "hypergraphdb": the columns a, h, w, xs, ws of these url
        ids' rows (SCORE_LOAD, or SCORE_NEURONS in layout "neurons")."""
        weights = self._b.dialect.float_list_in
        query = self._score_load if self.layout == "links" else self._score_neurons
        return self._columns(query, ids, ("a", "h", "w", "xs", "ws"),
                             {"w": self._w, "ws": lambda r: weights(r, "ws")})

    def _load_urls(self, urls: list) -> None:
        """Rules "hypergraphdb": load the rows of these urls that the cache
        does not hold (every link into them), and every input of their
        hidden neurons that the table does not hold (one round trip).  The
        links go into the table by two calls (LinkTable.set_many): a
        night's batch on a 500,000-url net reads 9,800 urls' rows, and with
        a call per url and per word (7,300 and more) this method spent
        240-250 ms in Python, 115 ms this way.  Holds the write lock."""
        cold = [u for u in dict.fromkeys(urls) if not self._cache.touch(("u", u))]
        if not cold:
            return
        uids = {self._url_id(u): u for u in cold}
        word = decode if self.layout == "links" else decode_node
        names, hidden, out_w, inputs, in_w = self._url_rows(list(uids))
        # layout "links": a url without links has one row, h null (stored:
        # it gets an id, so a batch does not create it again); layout
        # "neurons": a port without hidden neurons has none (a commit merges
        # with the stored port)
        table, fed, ref = self._links, self._fed, self._ref
        url = {a: table.url(uids[a]) for a in dict.fromkeys(names)}
        texts = list(dict.fromkeys(t for t in hidden if t is not None))
        tid = dict(zip(texts, self._hidden_ids(texts)))
        linked = [k for k, t in enumerate(hidden) if t is not None]
        hs = [tid[hidden[k]] for k in linked]
        table.set_many(1, hs, [url[names[k]] for k in linked], [out_w[k] for k in linked])
        # a hidden neuron's inputs once, whole, from its first row (OPTIONAL
        # MATCH: none is a null)
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for k, h in zip(linked, hs):
            ref[h] = ref.get(h, 0) + 1
            if h not in fed:
                fed.add(h)
                for x, v in zip(inputs[k] or (), in_w[k] or ()):
                    if x is not None:
                        rows.append(table.word(word(x)))
                        cols.append(h)
                        values.append(v)
        table.set_many(0, rows, cols, values)
        self._cache.size += len(values)
        count = Counter(names[k] for k in linked)
        for a, u in uids.items():
            self._cache.put(("u", u), 1 + count[a])

    def _load_nodes(self, words: list, hidden: list[tuple]) -> list[int]:
        """Rules "hypergraphdb", a batch's checkout: give an id to each of
        these words and hidden neurons that the table lacks and that is
        stored, a hidden neuron with its inputs (one round trip), so that
        a commit creates only the others.  Layout "neurons" looks up hidden
        neurons only (its commit merges a word's port with the stored one).
        The table ids of the hidden neurons fed here.  Holds the write lock."""
        table = self._links
        cold_h = {self._id("hidden", self._hidden_text(k)): k for k in hidden
                  if table.hidden_id.get(k, -1) not in self._fed}
        cold_w = {}
        if self.layout == "links":
            cold_w = {self._word_id(w): w for w in words if w not in table.word_id and not self._cache.touch(("w", w))}
        if not cold_h and not cold_w:
            return []
        found: dict[str, tuple[list[Hashable], list[float]]] = {}
        if self.layout == "links":
            for r in self._read(self._nodes_in, [*cold_w, *cold_h]):
                found[r["a"]] = ([decode(x) for x in r["xs"]], self._b.dialect.float_list_in(r, "ws"))
        else:
            stored = self._hidden_table(list(cold_h))
            for node, ins, inw in zip(*(stored.column(c).to_pylist() for c in ("id", "ins", "inw"))):
                found[node] = ([decode_node(x) for x in ins], inw)
        for node, w in cold_w.items():
            if node in found:
                table.word(w)
            else:
                self._cache.put(("w", w), 1)
        keys = [(node, k) for node, k in cold_h.items() if node in found]
        ids = table.hidden_many([k for _, k in keys])
        rows: list[int] = []
        cols: list[int] = []
        values: list[float] = []
        for h, (node, _) in zip(ids, keys):
            xs, ws = found[node]
            rows += [table.word(x) for x in xs]
            cols += [h] * len(xs)
            values += ws
        table.set_many(0, rows, cols, values)
        self._cache.size += len(values)
        self._fed.update(ids)
        return ids

    # ------------------------------------------------------------ LinkStore
    def checkout(self, words: list, urls: list, hidden: list[tuple] = ()) -> tuple[_Links, Any]:
        """The table with every row of these words and urls loaded (rules
        "hypergraphdb": the urls' rows, their hidden neurons' inputs, and
        these hidden neurons with their inputs and these words if stored;
        see LinkStore.checkout).  The caller holds the net's write lock, so
        no scoring thread reads the table while it changes; the table's
        journal tells :meth:`commit` what the transaction changed."""
        with self._rw.write():
            if self._by_urls:
                self._load_urls(urls)
                # evict before feeding the batch's hidden neurons: an evicted
                # url drops the inputs of the hidden neurons no held url links
                # to, which may be ones the batch trains (found by
                # test_searchnet_model.py: the batch then trained them without
                # their inputs and stored wrong weights)
                self._evict({("u", u) for u in urls})
                fed = self._load_nodes(words, hidden)
            else:
                self._ensure(words, urls)
                fed = []
        # the last element: whether commit() sent the batch's transaction
        # (and no GraphError said it was rolled back)
        return self._links, (words, urls, set(hidden), fed, [False])

    def release(self, token: Any, kept: bool) -> None:
        if token[4][0] and not kept:
            # the transaction was sent and the table rolled back: Ctrl-C
            # (or another BaseException) while it committed or after, so
            # the store may hold the batch the table lost
            self._resync()
            return
        with self._rw.write():
            # rules "hypergraphdb": hidden neurons fed by the checkout that
            # no held url links to (the batch rolled back) are dropped again
            orphans = {h for h in token[3] if h not in self._ref and h in self._fed}
            if orphans:
                self._cache.size -= self._drop_inputs(orphans)
            self._trim()

    def _changes(self, links: _Links, words: list, urls: list) -> tuple[Any, ...]:
        """The transaction's changed and new links as columns: the layer (0
        word -> hidden, 1 hidden -> url), the hidden neuron's id in the
        table, node ids a -> b (Arrow string arrays), weights w, and whether
        each link is new."""
        pa = require("pyarrow", "graph")
        layer, fresh, row, col, w = links.table.changes()
        wid, uid, hkey = links.word_id, links.url_id, links.hidden_key
        # training changes only the rows of the batch's words and urls (and
        # of hidden neurons), so these name every row and column
        names = ({wid[k]: self._word_id(k) for k in words if k in wid},
                 {h: self._id("hidden", self._hidden_text(hkey[h]))
                  for h in np.unique(np.concatenate([col[layer == 0], row[layer == 1]])).tolist()},
                 {uid[k]: self._url_id(k) for k in urls if k in uid})
        # each node's id text once, the links as indexes into them (building
        # a string per link in Python costs about 1 us each)
        texts: list[str] = []

        def named(ids: Any, kind: int) -> Any:
            uniq, inv = np.unique(ids, return_inverse=True)
            base = len(texts)
            texts.extend(names[kind][i] for i in uniq.tolist())
            return base + inv

        a, b = np.zeros(len(w), dtype=np.int64), np.zeros(len(w), dtype=np.int64)
        for lay, (ra, cb) in enumerate(((0, 1), (1, 2))):  # word -> hidden, hidden -> url
            sel = layer == lay
            if sel.any():
                a[sel], b[sel] = named(row[sel], ra), named(col[sel], cb)
        text = pa.array(texts or [""], pa.string())
        return layer, np.where(layer == 0, col, row), text.take(a), text.take(b), w, fresh

    def commit(self, links: _Links, token: Any) -> None:
        words, urls, checked, _, sent = token
        created = links.created()
        new_keys = {kind: {k for c, k in created if c == kind} for kind in ("word", "url", "hidden")}
        nodes = [{"id": self._word_id(w), "kind": "word", "key": encode("words", w)} for w in new_keys["word"]]
        nodes += [{"id": self._url_id(u), "kind": "url", "key": encode("urls", u)} for u in new_keys["url"]]
        hidden_text = {k: self._hidden_text(k) for k in new_keys["hidden"]}
        nodes += [{"id": self._id("hidden", text), "kind": "hidden", "key": text} for text in hidden_text.values()]
        _check_id_sizes(nodes)
        layer, hidx, a, b, w, fresh = self._changes(links, words, urls)
        old = ~fresh
        statements: list[Any] = []
        if self.layout == "neurons":
            statements = self._neuron_statements(nodes, layer, hidx, a, b, w, fresh)
        elif self._b.supports_copy:
            # LadybugDB, by Arrow tables and LOAD FROM (never COPY: see
            # LOAD_NEW_NODES).  Only nodes not stored yet are created: a word
            # or url the table lacks was found absent by a checkout (which
            # gives every stored one an id, with links or without), while a
            # hidden node may be stored without links, which a pci checkout
            # does not read, so new hidden nodes that the checkout did not
            # look up are looked up (a batch's words and urls are 80% of its
            # new nodes).
            pa = require("pyarrow", "graph")
            hidden = [self._id("hidden", text) for k, text in hidden_text.items()
                      if not (self._by_urls and k in checked)]
            present = {r["id"] for r in self._b.run(EXISTING, {"ids": hidden})} if hidden else set()
            fresh_nodes = [r for r in nodes if r["id"] not in present]
            node_table = pa.table({"id": [r["id"] for r in fresh_nodes], "net": [self.name] * len(fresh_nodes),
                                   "kind": [r["kind"] for r in fresh_nodes], "key": [r["key"] for r in fresh_nodes]})
            new_links = pa.table({"src": a.filter(fresh), "dst": b.filter(fresh), "wt": w[fresh]})
            if fresh_nodes:
                statements.append((LOAD_NEW_NODES, {"data": node_table}))
            if old.any():
                updates = int(old.sum())
                if self._n_links is None or updates >= UPDATE_JOIN_SHARE * self._n_links:
                    self._n_links = int(self._b.run(COUNT_LINKS)[0]["k"])
                join = updates >= UPDATE_JOIN_SHARE * self._n_links
                # planned: LadybugDB keeps a text's first plan, and the look-ups' must not be a small net's
                statements.append((LOAD_UPDATE_LINKS_JOIN if join else self._plan(LOAD_UPDATE_LINKS, updates),
                                   {"data": pa.table({"src": a.filter(old), "dst": b.filter(old), "wt": w[old]})}))
            if len(new_links):
                statements.append((LOAD_NEW_LINKS, {"data": new_links}))
        else:
            if nodes:
                statements.append((CREATE_NODES, {"rows": nodes, "net": self.name}))
            if old.any():
                statements.append((UPDATE_LINKS, {"rows": _rows(a.filter(old), b.filter(old), w[old])}))
            if fresh.any():
                statements.append((CREATE_LINKS, {"rows": _rows(a.filter(fresh), b.filter(fresh), w[fresh])}))
        if statements:
            sent[0] = True
            try:
                self._b.run_tx(statements)
            except GraphError as exc:
                sent[0] = _may_have_committed(exc)
                if "duplicated primary key" not in str(exc):
                    raise
                # a node this handle's cache knew as absent was stored since
                # it was read: another writer (the transaction rolled back)
                raise GraphError(
                    f"{exc} (net {self.name!r}: another writer stored nodes of this batch after this handle read "
                    f"them; call clear_cache() and train the batch again, or keep one writer per net)") from None
        # committed: the batch's rows in the table are complete and current
        if self._n_links is not None:
            self._n_links += int(fresh.sum())
        cache, table, wid, uid = self._cache, links.table, links.word_id, links.url_id
        if self._by_urls:
            # the new links into held urls (all the batch's are held now) and
            # the new hidden neurons' inputs
            ref = self._ref
            for h in hidx[(layer == 1) & fresh].tolist():
                ref[h] = ref.get(h, 0) + 1
            self._fed.update(links.hidden_id[k] for k in new_keys["hidden"])
            cache.size += int(((layer == 0) & fresh).sum())
            for k in new_keys["word"]:  # stored now
                cache.size -= cache.rows.pop(("w", k), 0)
        else:
            for k in words:
                cache.put(("w", k), 1 + (table.length(0, wid[k]) if k in wid else 0))
        for k in urls:
            cache.put(("u", k), 1 + (table.length(2, uid[k]) if k in uid else 0))

    def _hidden_table(self, hids: list[str]) -> Any:
        """Layout "neurons": these stored hidden nodes as an Arrow table
        (id, key, ins, inw, outs, outw), floats exact."""
        pa = require("pyarrow", "graph")
        schema = _hidden_schema(pa)
        table = None
        if hids and not self._b.dialect.rounds_floats:
            table = self._b.columns(self._plan(self._hidden, len(hids)), {"ids": hids})
        elif hids:  # the floats come as mantissas and exponents
            rows = self._b.run(self._plan(self._hidden, len(hids)), {"ids": hids})
            table = pa.table({"id": [r["id"] for r in rows], "key": [r["key"] for r in rows],
                              "ins": [r["ins"] for r in rows], "inw": [self._inw(r) for r in rows],
                              "outs": [r["outs"] for r in rows], "outw": [self._outw(r) for r in rows]})
        if table is None:
            return schema.empty_table()
        return pa.table({name: table.column(name).cast(schema.field(name).type) for name in schema.names})

    def _neuron_statements(self, nodes: list[dict[str, Any]], layer: Any, hidx: Any, a: Any, b: Any, w: Any,
                           fresh: Any) -> list[Any]:
        """Layout "neurons": the writes of a commit (the columns of
        :meth:`_changes`).  Every touched hidden node gets its whole arrays
        (its stored ones, read first, with the changes merged in: a changed
        weight replaces the stored one in place, a new link is appended),
        every word and url port that gained a hidden neuron the ids of its
        hidden neurons.  The merge runs on Arrow columns (hundreds of
        thousands of elements in a batch).  On LadybugDB the nodes go by
        LOAD FROM those tables (a list element costs about 1 us there,
        against 5 us through UNWIND parameters); elsewhere as UNWIND rows."""
        pa = require("pyarrow", "graph")
        import pyarrow.compute as pc

        strings = pa.list_(pa.string())
        created = {r["id"]: r for r in nodes}
        is_in = layer == 0
        hid, port = pc.if_else(is_in, b, a), pc.if_else(is_in, a, b)
        _, first = np.unique(hidx, return_index=True)
        names = hid.take(first)  # the touched hidden nodes
        stored = self._hidden_table([h for h in names.to_pylist() if h not in created])
        columns: dict[str, Any] = {"id": names}
        pos = np.zeros(len(w), dtype=np.int64)  # each change's index in its hidden node's array
        for ids, ws, sel in (("ins", "inw", is_in), ("outs", "outw", ~is_in)):
            # the stored links first, then the changes: a changed weight keeps
            # its link's place and the last value wins, a new link is appended
            flat = stored.column(ids).combine_chunks()
            kept = pc.list_flatten(flat)
            owner = pa.concat_arrays([stored.column("id").combine_chunks().take(pc.list_parent_indices(flat)),
                                      hid.filter(sel)])
            items = pa.concat_arrays([kept, port.filter(sel)])
            weights = pa.concat_arrays([pc.list_flatten(stored.column(ws).combine_chunks()),
                                        pa.array(w[sel], pa.float64())])
            own = pc.index_in(owner, value_set=names).to_numpy()
            code = pc.dictionary_encode(items).indices.to_numpy().astype(np.int64)
            offsets, pick, value = _lists(own, len(names), code)
            columns[ids] = pa.ListArray.from_arrays(offsets, items.take(pick))
            columns[ws] = pa.ListArray.from_arrays(offsets, weights.take(value))
            if sel.any():  # the changes' pairs are the ones after the stored
                span, owners = int(code.max()) + 1, own[pick]
                listed = owners * span + code[pick]
                order = np.argsort(listed)
                place = np.arange(len(pick)) - offsets[owners]
                pairs = own[len(kept):] * span + code[len(kept):]
                pos[sel] = place[order[np.searchsorted(listed, pairs, sorter=order)]]
        hidden = pa.table(columns)
        new = pc.is_in(hidden.column("id"), value_set=pa.array(list(created), pa.string()))
        new_hidden, changed_hidden = hidden.filter(new), hidden.filter(pc.invert(new))
        new_hidden = new_hidden.append_column(
            "key", pa.array([created[h]["key"] for h in new_hidden.column("id").to_pylist()], pa.string()))
        # the hidden neurons each port gained (new links only), after those it holds
        gained_p, gained_h = port.filter(fresh), hid.filter(fresh)
        port_ids = pc.unique(pa.concat_arrays([
            gained_p, pa.array([i for i, r in created.items() if r["kind"] != "hidden"], pa.string())]))
        ports = None
        if len(port_ids):
            ports = self._b.columns(self._plan(PORTS, len(port_ids)), {"ids": port_ids.to_pylist()})
        if ports is None:
            ports = _ports_schema(pa).empty_table()
        held = ports.column("hidden").combine_chunks().cast(strings)
        held_pos = pc.list_flatten(ports.column("pos").combine_chunks().cast(pa.list_(pa.int64())))
        owner = pa.concat_arrays([ports.column("id").combine_chunks().cast(pa.string()).take(
            pc.list_parent_indices(held)), gained_p])
        items = pa.concat_arrays([pc.list_flatten(held), gained_h])
        if len(held_pos) != len(items) - len(gained_h):
            raise GraphError(f"net {self.name!r}: stored ports without positions (open the net with "
                             "SearchNet to bring it to the current format)")
        places = pa.concat_arrays([held_pos, pa.array(pos[fresh], pa.int64())])
        offsets, pick, _ = _lists(pc.index_in(owner, value_set=port_ids).to_numpy(), len(port_ids),
                                  pc.dictionary_encode(items).indices.to_numpy())
        port_rows = pa.table({"id": port_ids, "hidden": pa.ListArray.from_arrays(offsets, items.take(pick)),
                              "pos": pa.ListArray.from_arrays(offsets, places.take(pick))})
        old = pc.index_in(port_ids, value_set=ports.column("id"))
        grew = pc.not_equal(pc.list_value_length(port_rows.column("hidden")), pc.list_value_length(held.take(old)))
        changed_ports = port_rows.filter(pc.fill_null(grew, False))
        new_ports = port_rows.filter(pc.is_null(old))
        kinds = [created[i] for i in new_ports.column("id").to_pylist()]
        new_ports = new_ports.append_column("kind", pa.array([r["kind"] for r in kinds], pa.string())).append_column(
            "key", pa.array([r["key"] for r in kinds], pa.string()))
        # created nodes carry their net
        new_ports = new_ports.append_column("net", pa.array([self.name] * len(new_ports), pa.string()))
        new_hidden = new_hidden.append_column("net", pa.array([self.name] * len(new_hidden), pa.string()))
        writes = ((LOAD_NEW_PORTS, CREATE_PORTS, new_ports), (LOAD_NEW_HIDDEN, CREATE_HIDDEN, new_hidden),
                  (LOAD_HIDDEN, UPDATE_HIDDEN, changed_hidden), (LOAD_PORTS, UPDATE_PORTS, changed_ports))
        return [self._node_write(load, unwind, t) for load, unwind, t in writes if len(t)]

    def _node_write(self, load: str, unwind: str, table: Any) -> Statement:
        """Layout "neurons": the statement writing the rows of an Arrow
        table: on LadybugDB ``load``, LOAD FROM the table (its lists keep
        their types, where an empty list parameter binds as STRING[]; and a
        list element costs about 1 us there, against 5 us as a parameter);
        elsewhere ``unwind`` over its rows (with the net's name when the
        rows carry it)."""
        if self._b.supports_copy:
            return load, {"data": table}
        rows = table.to_pylist()
        return unwind, ({"rows": rows, "net": self.name} if "net" in table.column_names else {"rows": rows})

    def _answer(self, words: list, urls: list, compute: Any) -> Any:
        """compute(table) on a table holding these words' and urls' rows
        (rules "hypergraphdb": these urls' rows), loaded first if the cache
        does not hold them."""
        rw = self._rw
        if self._cache.capacity:  # (else nothing is held)
            rw.acquire_read()
            try:
                if self._held(words, urls):
                    return compute(self._links)
            finally:
                rw.release_read()
        with rw.write():  # no thread reads the table while it changes, nor evicts these rows
            if self._by_urls:
                self._load_urls(urls)
                self._evict({("u", u) for u in urls})
            else:
                self._ensure(words, urls)
            out = compute(self._links)
            self._trim()
            return out

    def score(self, words: list, urls: list, default_wh: float) -> list[float]:
        """The forward pass of the loaded rows (am_lt_forward): a warm query
        costs what it costs in memory, a cold one loads its rows first."""
        return self._answer(words, urls, lambda table: table.score(words, urls, default_wh))

    def score_many(self, queries: list[tuple[list, list]], default_wh: float) -> list[list[float]]:
        """Many queries, SCORE_MANY_CHUNK at a time: one round trip loads
        the missing rows of a chunk, one kernel call scores it (the chunk's
        rows are held while it is scored, whatever the cache's bound)."""
        out: list[list[float]] = []
        for k in range(0, len(queries), SCORE_MANY_CHUNK):
            chunk = queries[k:k + SCORE_MANY_CHUNK]
            words = list(dict.fromkeys(w for ws, _ in chunk for w in ws))
            urls = list(dict.fromkeys(u for _, us in chunk for u in us))
            out += self._answer(words, urls, lambda table: table.forward(chunk, default_wh))
        return out

    def remove_url(self, url: Hashable) -> None:
        with self._resync_unless_refused():
            self._remove_url(url)

    def _remove_url(self, url: Hashable) -> None:
        node = self._url_id(url)
        if self.layout == "neurons":
            ports = self._b.run(PORTS, {"ids": [node]})
            if not ports:
                raise ArgumentError(f"url: unknown url {url!r}")
            # out of each of its hidden nodes' arrays, the last element moved
            # into its place (so one other port's position changes, not all
            # those after it)
            pa = require("pyarrow", "graph")
            rows, moved = [], {}
            for h in self._hidden_table(ports[0]["hidden"] or []).to_pylist():
                outs, outw = h["outs"], h["outw"]
                try:
                    k = outs.index(node)
                except ValueError:
                    raise GraphError(f"net {self.name!r}: url {url!r} names hidden node {h['id']!r}, whose arrays do "
                                     "not hold it (the stored net is inconsistent)") from None
                if k < len(outs) - 1:
                    outs[k], outw[k] = outs[-1], outw[-1]
                    moved.setdefault(outs[k], {})[h["id"]] = k
                del outs[-1], outw[-1]
                rows.append({"id": h["id"], "ins": h["ins"], "inw": h["inw"], "outs": outs, "outw": outw})
            shifted = []
            for r in self._b.run(PORTS, {"ids": list(moved)}) if moved else ():
                place = moved[r["id"]]
                shifted.append({"id": r["id"], "hidden": r["hidden"],
                                "pos": [place.get(h, k) for h, k in zip(r["hidden"], r["pos"])]})
            # typed tables: a hidden node may lose its only url, and LadybugDB
            # binds an empty list parameter as STRING[] whatever the property
            schema = _hidden_schema(pa)
            hidden = pa.Table.from_pylist(rows, schema.remove(schema.get_field_index("key")))
            moved_ports = pa.Table.from_pylist(shifted, _ports_schema(pa))
            self._b.run_tx([*([self._node_write(LOAD_HIDDEN, UPDATE_HIDDEN, hidden)] if rows else []),
                            *([self._node_write(LOAD_PORTS, UPDATE_PORTS, moved_ports)] if shifted else []),
                            (DELETE_PORT, {"id": node})])
        else:
            if not self._b.run(EXISTING, {"ids": [node]}):
                raise ArgumentError(f"url: unknown url {url!r}")
            self._b.run(DELETE_NODE, {"id": node})
        self._n_links = None
        with self._rw.write():
            if url in self._links.url_id:
                if self._by_urls and ("u", url) in self._cache.rows:
                    self._cache.size -= self._cache.rows.pop(("u", url))
                    self._evict_urls([url])  # its hidden neurons' links to it go, and maybe their inputs
                self._links.remove_url(url)
            self._cache.put(("u", url), 1)
            self._trim()  # that entry too must fit (cache size 0: hold nothing)

    def count(self, kind: str) -> int:
        if self.layout == "neurons":
            query = COUNT_HIDDEN if kind == "hidden" else COUNT_PORTS
            return int(self._b.run(query, {"net": self.name, "kind": kind})[0]["k"])
        return int(self._b.run(COUNT_KIND, {"net": self.name, "kind": kind})[0]["k"])

    def all_links(self) -> dict[str, dict[tuple, float]]:
        out: dict[str, dict[tuple, float]] = {"word_hidden": {}, "hidden_url": {}}
        if self.layout == "neurons":
            for r in self._b.run(self._all_hidden, {"net": self.name}):
                hkey = decode_hidden(r["key"])
                for a, w in zip(r["ins"], self._inw(r)):
                    out["word_hidden"][(decode_node(a), hkey)] = w
                for b, w in zip(r["outs"], self._outw(r)):
                    out["hidden_url"][(hkey, decode_node(b))] = w
            return out
        for r in self._b.run(self._all_links, {"net": self.name}):
            if r["ak"] == "word":
                out["word_hidden"][(decode(r["akey"]), decode_hidden(r["bkey"]))] = self._w(r)
            else:
                out["hidden_url"][(decode_hidden(r["akey"]), decode(r["bkey"]))] = self._w(r)
        return out
