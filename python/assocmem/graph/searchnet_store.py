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

Coherence: the cache always holds what this process wrote.  Another process
writing the same net is seen for a word or url once its row is read again:
after it is evicted, or after :meth:`GraphLinks.clear_cache`.  Open one
writer per net, or clear the cache after another process's batch.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from .._optional import require
from ..errors import ArgumentError, ArgumentTypeError
from .._rwlock import RWLock
from ..searchnet import _Links
from .backends import Copy

NET = "MATCH (n:SnNet) WHERE n.name = $name RETURN n.rules AS rules, n.layout AS layout"
CREATE_NET = "CREATE (:SnNet {name: $name, rules: $rules, layout: $layout})"
#: Storage layouts: "links" (SnNode nodes and an SN_LINK relationship per
#: synapse) or "neurons" (SnHidden nodes holding their input words and output
#: urls with the weights as arrays, SnPort nodes for words and urls holding
#: the ids of their hidden neurons).
LAYOUTS = ("links", "neurons")
# --- layout "neurons" ---------------------------------------------------------
PORTS = "UNWIND $ids AS x MATCH (n:SnPort {id: x}) RETURN n.id AS id, n.hidden AS hidden"
# A cold query in one statement: its ports and the hidden nodes they name
# (a hidden node comes once per port naming it).  {inw}, {outw}:
# Dialect.float_array_out items.
LOAD_NEURONS = (
    "UNWIND $ids AS x MATCH (n:SnPort {{id: x}}) UNWIND n.hidden AS y MATCH (h:SnHidden {{id: y}}) "
    "RETURN n.id AS port, h.id AS id, h.key AS key, h.ins AS ins, {inw}, h.outs AS outs, {outw}"
)
HIDDEN = (
    "UNWIND $ids AS x MATCH (h:SnHidden {{id: x}}) "
    "RETURN h.id AS id, h.key AS key, h.ins AS ins, {inw}, h.outs AS outs, {outw}"
)
CREATE_PORTS = "UNWIND $rows AS r CREATE (:SnPort {id: r.id, net: $net, kind: r.kind, key: r.key, hidden: r.hidden})"
UPDATE_PORTS = "UNWIND $rows AS r MATCH (n:SnPort {id: r.id}) SET n.hidden = r.hidden"
CREATE_HIDDEN = (
    "UNWIND $rows AS r CREATE (:SnHidden {id: r.id, net: $net, key: r.key, ins: r.ins, inw: r.inw, outs: r.outs, "
    "outw: r.outw})"
)
UPDATE_HIDDEN = (
    "UNWIND $rows AS r MATCH (h:SnHidden {id: r.id}) SET h.ins = r.ins, h.inw = r.inw, h.outs = r.outs, "
    "h.outw = r.outw"
)
DELETE_PORT = "MATCH (n:SnPort {id: $id}) DELETE n"
COUNT_HIDDEN = "MATCH (h:SnHidden) WHERE h.net = $net RETURN count(h) AS k"
COUNT_PORTS = "MATCH (n:SnPort) WHERE n.net = $net AND n.kind = $kind RETURN count(n) AS k"
ALL_HIDDEN = (
    "MATCH (h:SnHidden) WHERE h.net = $net "
    "RETURN h.id AS id, h.key AS key, h.ins AS ins, {inw}, h.outs AS outs, {outw}"
)
# One round trip for a cold query: the links between each of its words and
# urls and the hidden neurons (a word's go out, a url's come in; words and
# urls link only to hidden neurons), one row per node that has links.  A
# word or url without links scores like an unknown one, so it is treated as
# unknown (and CREATE_NODES merges).  {ws}: the weights, a
# Dialect.float_list_out item.  The pattern starts from h on purpose:
# LadybugDB caches one plan per query text for the connection's life, and
# this form keeps a good plan when first planned on empty tables (the
# forms starting from n, or OPTIONAL MATCH, then run 10-40x slower).
LOAD = (
    "MATCH (h:SnNode)-[l:SN_LINK]-(n:SnNode) WHERE n.id IN $ids "
    "RETURN n.id AS a, collect(h.key) AS h, {ws}"
)
# The same for many ids (a training batch's checkout): LadybugDB tests
# `n.id IN $ids` against every node for every id (4.7 s for 20,000 ids on a
# 46,000-node net), while UNWIND looks each id up by key (0.13-0.2 s).
LOAD_MANY = (
    "UNWIND $ids AS x MATCH (n:SnNode {{id: x}})-[l:SN_LINK]-(h:SnNode) "
    "RETURN n.id AS a, collect(h.key) AS h, {ws}"
)
#: Ids up to which a load uses LOAD (faster for a query's dozen ids).
LOAD_IN_MAX = 256
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
# LadybugDB, many updates at once: the new weights COPYed into a scratch
# table and joined with the links (one pass over every link, about 0.5 us
# each, against ~100 us per row for UNWIND above on nodes with hundreds of
# links); the scratch rows are deleted in the same transaction.
UPDATE_LINKS_JOIN = (
    "MATCH (x:SnUpdate), (a:SnNode)-[l:SN_LINK]->(b:SnNode) WHERE a.id = x.a AND b.id = x.b SET l.w = x.w"
)
CLEAR_UPDATES = "MATCH (x:SnUpdate) DELETE x"
COUNT_LINKS = "MATCH ()-[l:SN_LINK]->() RETURN count(l) AS k"
#: Use the join when the updates number at least 1/JOIN_RATIO of all links.
JOIN_RATIO = 200
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


def decode(text: str) -> Hashable:
    return text[1:] if text[0] == "s" else int(text[1:])


def encode_hidden(key: tuple) -> str:
    return json.dumps([encode("words", k) for k in key])


def decode_hidden(text: str) -> tuple:
    return tuple(decode(t) for t in json.loads(text))


def decode_hidden_many(texts: list[str]) -> list[tuple]:
    """decode_hidden of many keys with one JSON parse."""
    if not texts:
        return []
    return [tuple(map(decode, key)) for key in json.loads(f"[{','.join(texts)}]")]


_MISS = object()


class _Cache:
    """Which rows the link table holds: (kind, key) -> cost (a row costs its
    links plus one; a key known to have no row costs 1), least recently used
    first.  Rows are dropped from the table by :meth:`GraphLinks._evict`."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.rows: OrderedDict[tuple[str, Hashable], int] = OrderedDict()
        self.size = 0

    def touch(self, key: tuple[str, Hashable]) -> bool:
        """Whether the row is held (and mark it used); atomic under the GIL."""
        try:
            self.rows.move_to_end(key)
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

    def __init__(self, store: Any, name: str, rules: str, cache_size: int, layout: str = "links") -> None:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ArgumentError(f"name: expected 1-128 letters, digits, '_', '.' or '-'; got {name!r}")
        if layout not in LAYOUTS:
            raise ArgumentError(f"layout: expected one of {', '.join(map(repr, LAYOUTS))}; got {layout!r}")
        self.layout = layout
        self._s = store
        self._b = store.backend
        dialect = self._b.dialect
        self._w = lambda row: dialect.float_in(row, "w")
        w = dialect.float_out("l.w", "w")
        self._load = LOAD.format(ws=dialect.float_list_out("l.w", "w"))
        self._load_many = LOAD_MANY.format(ws=dialect.float_list_out("l.w", "w"))
        self._ws = lambda row: dialect.float_list_in(row, "w")
        self._all_links = ALL_LINKS.format(w=w)
        arrays = {"inw": dialect.float_array_out("h.inw", "inw"), "outw": dialect.float_array_out("h.outw", "outw")}
        self._hidden, self._all_hidden = HIDDEN.format(**arrays), ALL_HIDDEN.format(**arrays)
        self._load_neurons_query = LOAD_NEURONS.format(**arrays)
        self._inw = lambda row: dialect.float_list_in(row, "inw")
        self._outw = lambda row: dialect.float_list_in(row, "outw")
        self.name = name
        self._cache = _Cache(cache_size)
        # the loaded rows, in the C link table; words and urls whose rows are
        # in it (or known to have none) are in _cache
        self._links = _Links()
        # scoring reads the table shared; loading, evicting and training
        # change it exclusively
        self._rw = RWLock()
        rows = self._b.run(NET, {"name": name})
        if rows and rows[0]["rules"] != rules:
            raise ArgumentError(f"rules: net {name!r} in this store uses rules {rows[0]['rules']!r}; got {rules!r}")
        if rows and (rows[0]["layout"] or "links") != layout:
            raise ArgumentError(f"layout: net {name!r} in this store has layout {rows[0]['layout'] or 'links'!r}; "
                                f"got {layout!r}")
        if not rows:
            self._b.run(CREATE_NET, {"name": name, "rules": rules, "layout": layout})

    def __repr__(self) -> str:
        return f"{self._s!r}, net {self.name!r}"

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

    def clear_cache(self) -> None:
        """Forget every loaded row (to see another process's writes)."""
        with self._rw.write():
            self._cache.clear()
            self._links = _Links()

    def _held(self, words: list, urls: list) -> bool:
        if self._cache.capacity == 0:  # every query reads the database
            return False
        touch = self._cache.touch
        return all([touch(("w", w)) for w in words]) and all([touch(("u", u)) for u in urls])

    def _evict(self, keep: set) -> None:
        """Drop least recently used rows until the cache fits (never those of
        ``keep``: the words and urls being used).  Outside transactions."""
        cache, links = self._cache, self._links
        for key in list(cache.rows):
            if cache.size <= cache.capacity:
                break
            if key in keep:
                continue
            cache.size -= cache.rows.pop(key)
            kind, k = key
            if kind == "w" and k in links.word_id:
                links.evict_word(k)
            elif kind == "u" and k in links.url_id:
                links.evict_url(k)

    def _trim(self) -> None:
        """After an operation: fit the cache (with cache size 0, hold
        nothing).  An evicted row's id stays (it is reused when the row comes
        back), so ids accumulate as new words, urls and hidden neurons pass
        through; once they outnumber ``ID_BOUND`` (at least 4 per cached
        link), the table starts afresh, so the memory held stays bounded by
        the cache size."""
        links, cache = self._links, self._cache
        ids = len(links.word_id) + len(links.url_id) + len(links.hidden_key)
        if cache.capacity == 0 or ids > max(self.ID_BOUND, 4 * cache.capacity):
            cache.clear()
            self._links = _Links()
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
            loaded = self._load_links(ids) if self.layout == "links" else self._load_neurons(ids)
            links = self._links
            # a word's row holds its links out, a url's the links into it
            for kind, nodes, make, update in (("w", wids, links.word, links.update_wh),
                                              ("u", uids, links.url, links.update_column)):
                for k, node in nodes.items():
                    row = loaded.get(node)
                    if row:
                        update(make(k), {links.hidden(h)[0]: v for h, v in row.items()})
                    self._cache.put((kind, k), 1 + len(row or ()))
        self._evict({*(("w", w) for w in words), *(("u", u) for u in urls)})

    def _load_links(self, ids: list[str]) -> dict[str, dict[tuple, float]]:
        """Layout "links": the rows of these word and url ids that have
        links, in one statement."""
        rows = self._b.run(self._load if len(ids) <= LOAD_IN_MAX else self._load_many, {"ids": ids})
        texts = list(dict.fromkeys(h for r in rows for h in r["h"]))
        hkeys = dict(zip(texts, decode_hidden_many(texts)))
        return {r["a"]: dict(zip(map(hkeys.__getitem__, r["h"]), self._ws(r))) for r in rows}

    def _read_hidden(self, hids: list[str]) -> dict[str, dict[str, Any]]:
        """Layout "neurons": hidden nodes by id, their arrays as
        {word id: w} and {url id: w}."""
        if not hids:
            return {}
        return {r["id"]: {"key": r["key"], "ins": dict(zip(r["ins"], self._inw(r))),
                          "outs": dict(zip(r["outs"], self._outw(r)))}
                for r in self._b.run(self._hidden, {"ids": hids})}

    def _load_neurons(self, ids: list[str]) -> dict[str, dict[tuple, float]]:
        """Layout "neurons": the rows of these word and url ids, from their
        ports and the hidden nodes those name, in one statement."""
        rows = self._b.run(self._load_neurons_query, {"ids": ids})
        texts = list(dict.fromkeys(r["key"] for r in rows))
        hkeys = dict(zip(texts, decode_hidden_many(texts)))
        out: dict[str, dict[tuple, float]] = {}
        for r in rows:
            a = r["port"]
            if a.split("|", 2)[1] == "w":
                names, weights = r["ins"], self._inw(r)
            else:
                names, weights = r["outs"], self._outw(r)
            for name, w in zip(names, weights):
                if name == a:
                    out.setdefault(a, {})[hkeys[r["key"]]] = w
                    break
        return out

    # ------------------------------------------------------------ LinkStore
    def checkout(self, words: list, urls: list) -> tuple[_Links, Any]:
        """The table with every row of these words and urls loaded, and
        those rows as they are (to find what training changed).  The caller
        holds the net's write lock, so no scoring thread reads the table
        while it changes."""
        with self._rw.write():
            self._ensure(words, urls)
        links = self._links
        wid, uid = links.word_id, links.url_id
        before_w = {w: links.row_wh(wid[w]) for w in words if w in wid}
        before_u = {u: links.column_hu(uid[u]) for u in urls if u in uid}
        return links, (words, urls, before_w, before_u)

    def release(self, token: Any) -> None:
        with self._rw.write():
            self._trim()

    def commit(self, links: _Links, token: Any) -> None:
        words, urls, before_w, before_u = token
        created = links.created()
        new_keys = {kind: {k for c, k in created if c == kind} for kind in ("word", "url", "hidden")}
        nodes = [{"id": self._word_id(w), "kind": "word", "key": encode("words", w)} for w in new_keys["word"]]
        nodes += [{"id": self._url_id(u), "kind": "url", "key": encode("urls", u)} for u in new_keys["url"]]
        nodes += [{"id": self._id("hidden", text), "kind": "hidden", "key": text}
                  for text in map(encode_hidden, new_keys["hidden"])]
        # changed and new links of the batch's rows (training changes no others)
        hidden_ids: dict[int, str] = {}

        def hidden_id(h: int) -> str:
            if h not in hidden_ids:
                hidden_ids[h] = self._id("hidden", encode_hidden(links.hidden_key[h]))
            return hidden_ids[h]

        changed: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        costs: dict[tuple[str, Hashable], int] = {}  # the batch's rows, for the cache once committed
        # a word's links go out to hidden neurons, a url's come in from them
        for kind, keys, ids, before, read, node_id in (("w", words, links.word_id, before_w, links.row_wh,
                                                        self._word_id),
                                                       ("u", urls, links.url_id, before_u, links.column_hu,
                                                        self._url_id)):
            for k in keys:
                if k not in ids:
                    costs[(kind, k)] = 1
                    continue
                old, node, row = before.get(k, {}), None, read(ids[k])
                costs[(kind, k)] = 1 + len(row)
                for h, v in row.items():
                    was = old.get(h, _MISS)
                    if was is _MISS or was != v:
                        node = node or node_id(k)
                        a, b = (node, hidden_id(h)) if kind == "w" else (hidden_id(h), node)
                        (new if was is _MISS else changed).append({"a": a, "b": b, "w": v})
        statements: list[Any] = []
        if self.layout == "neurons":
            statements = self._neuron_statements(nodes, changed + new)
        elif self._b.supports_copy:
            # LadybugDB: new nodes and links as COPY loads in the transaction
            # (about 400k links/s against 7k/s for UNWIND ... CREATE).  Only
            # nodes not stored yet are loaded (a node may exist without links).
            pd = require("pandas", "graph")
            present = {r["id"] for r in self._b.run(EXISTING, {"ids": [r["id"] for r in nodes]})} if nodes else set()
            fresh = [r for r in nodes if r["id"] not in present]
            if fresh:
                statements.append(Copy("SnNode", pd.DataFrame(
                    {"id": [r["id"] for r in fresh], "net": [self.name] * len(fresh),
                     "kind": [r["kind"] for r in fresh], "key": [r["key"] for r in fresh]})))
            if changed and len(changed) * JOIN_RATIO >= self._b.run(COUNT_LINKS)[0]["k"]:
                statements += [
                    Copy("SnUpdate", pd.DataFrame({"k": [f"{r['a']}>{r['b']}" for r in changed],
                                                   "a": [r["a"] for r in changed], "b": [r["b"] for r in changed],
                                                   "w": [r["w"] for r in changed]})),
                    (UPDATE_LINKS_JOIN, {}),
                    (CLEAR_UPDATES, {}),
                ]
            elif changed:
                statements.append((UPDATE_LINKS, {"rows": changed}))
            if new:
                statements.append(Copy("SN_LINK", pd.DataFrame(
                    {"from": [r["a"] for r in new], "to": [r["b"] for r in new], "w": [r["w"] for r in new]})))
        else:
            if nodes:
                statements.append((CREATE_NODES, {"rows": nodes, "net": self.name}))
            if changed:
                statements.append((UPDATE_LINKS, {"rows": changed}))
            if new:
                statements.append((CREATE_LINKS, {"rows": new}))
        if statements:
            self._b.run_tx(statements)
        # committed: the batch's rows in the table are complete and current
        for key, cost in costs.items():
            self._cache.put(key, cost)

    def _neuron_statements(self, nodes: list[dict[str, Any]], links: list[dict[str, Any]]) -> list[Any]:
        """Layout "neurons": the writes of a commit.  Every touched hidden
        node gets its whole arrays (read first, merged with the changes),
        every word and url port the ids of its hidden neurons."""
        fresh = {r["id"]: r for r in nodes}
        touched: dict[str, dict[str, dict[str, float]]] = {}
        adds: dict[str, dict[str, None]] = {}
        for r in links:
            a, b, w = r["a"], r["b"], r["w"]
            if a.split("|", 2)[1] == "w":  # word -> hidden: an input of b
                touched.setdefault(b, {"ins": {}, "outs": {}})["ins"][a] = w
                adds.setdefault(a, {})[b] = None
            else:  # hidden -> url: an output of a
                touched.setdefault(a, {"ins": {}, "outs": {}})["outs"][b] = w
                adds.setdefault(b, {})[a] = None
        stored = self._read_hidden([h for h in touched if h not in fresh])
        port_ids = [i for i in dict.fromkeys([*adds, *(i for i, r in fresh.items() if r["kind"] != "hidden")])]
        ports = {r["id"]: r["hidden"] or [] for r in self._b.run(PORTS, {"ids": port_ids})} if port_ids else {}
        create_ports, update_ports, create_hidden, update_hidden = [], [], [], []
        for pid in port_ids:
            new = list(adds.get(pid, {}))
            if pid in ports:
                merged = list(dict.fromkeys([*ports[pid], *new]))
                if len(merged) != len(ports[pid]):
                    update_ports.append({"id": pid, "hidden": merged})
            else:
                node = fresh[pid]
                create_ports.append({"id": pid, "kind": node["kind"], "key": node["key"], "hidden": new})
        for hid, change in touched.items():
            ins, outs = (stored[hid]["ins"], stored[hid]["outs"]) if hid in stored else ({}, {})
            ins.update(change["ins"])
            outs.update(change["outs"])
            row = {"id": hid, "ins": list(ins), "inw": list(ins.values()), "outs": list(outs),
                   "outw": list(outs.values())}
            if hid in fresh:
                create_hidden.append({**row, "key": fresh[hid]["key"]})
            else:
                update_hidden.append(row)
        statements: list[Any] = []
        for query, rows, net in ((CREATE_PORTS, create_ports, True), (CREATE_HIDDEN, create_hidden, True),
                                 (UPDATE_HIDDEN, update_hidden, False), (UPDATE_PORTS, update_ports, False)):
            if rows:
                statements.append((query, {"rows": rows, "net": self.name} if net else {"rows": rows}))
        return statements

    def score(self, words: list, urls: list, default_wh: float) -> list[float]:
        """The forward pass of the loaded rows (am_lt_forward): a warm query
        costs what it costs in memory, a cold one loads its rows first."""
        rw = self._rw
        rw.acquire_read()
        try:
            if self._held(words, urls):
                return self._links.score(words, urls, default_wh)
        finally:
            rw.release_read()
        with rw.write():  # no thread reads the table while it changes, nor evicts these rows
            self._ensure(words, urls)
            out = self._links.score(words, urls, default_wh)
            self._trim()
            return out

    def score_many(self, queries: list[tuple[list, list]], default_wh: float) -> list[list[float]]:
        return [self.score(w, u, default_wh) for w, u in queries]

    def remove_url(self, url: Hashable) -> None:
        node = self._url_id(url)
        if self.layout == "neurons":
            ports = self._b.run(PORTS, {"ids": [node]})
            if not ports:
                raise ArgumentError(f"url: unknown url {url!r}")
            rows = []
            for hid, h in self._read_hidden(ports[0]["hidden"] or []).items():
                h["outs"].pop(node, None)
                rows.append({"id": hid, "ins": list(h["ins"]), "inw": list(h["ins"].values()),
                             "outs": list(h["outs"]), "outw": list(h["outs"].values())})
            self._b.run_tx([*([(UPDATE_HIDDEN, {"rows": rows})] if rows else []), (DELETE_PORT, {"id": node})])
        else:
            if not self._b.run(EXISTING, {"ids": [node]}):
                raise ArgumentError(f"url: unknown url {url!r}")
            self._b.run(DELETE_NODE, {"id": node})
        with self._rw.write():
            if url in self._links.url_id:
                self._links.remove_url(url)
            self._cache.put(("u", url), 1)

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
                    out["word_hidden"][(decode(a.split("|", 2)[2]), hkey)] = w
                for b, w in zip(r["outs"], self._outw(r)):
                    out["hidden_url"][(hkey, decode(b.split("|", 2)[2]))] = w
            return out
        for r in self._b.run(self._all_links, {"net": self.name}):
            if r["ak"] == "word":
                out["word_hidden"][(decode(r["akey"]), decode_hidden(r["bkey"]))] = self._w(r)
            else:
                out["hidden_url"][(decode_hidden(r["akey"]), decode(r["bkey"]))] = self._w(r)
        return out
