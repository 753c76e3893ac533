"""A SearchNet kept in a graph store, loaded lazily.

Neurons are ``SnNode`` nodes (kind "word", "hidden" or "url"), synapses
``SN_LINK`` relationships with a weight ``w``.  A query reads only the links
of its own words and urls (two Cypher reads); a training batch computes in
memory and writes every changed weight and new neuron in one transaction, so
a failed write leaves the stored net unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from .store import GraphStore

NET = "MATCH (n:SnNet) WHERE n.name = $name RETURN n.rules AS rules"
CREATE_NET = "CREATE (:SnNet {name: $name, rules: $rules})"
# {w}: the weight as a Dialect.float_out item (exact from every server)
FROM_WORDS = (
    "MATCH (a:SnNode)-[l:SN_LINK]->(h:SnNode) WHERE a.id IN $ids "
    "RETURN a.id AS a, h.id AS h, h.key AS hkey, {w}"
)
TO_URLS = (
    "MATCH (h:SnNode)-[l:SN_LINK]->(u:SnNode) WHERE u.id IN $ids "
    "RETURN h.id AS h, h.key AS hkey, u.id AS u, {w}"
)
EXISTING = "MATCH (n:SnNode) WHERE n.id IN $ids RETURN n.id AS id"
CREATE_NODES = "UNWIND $rows AS r CREATE (:SnNode {id: r.id, net: $net, kind: r.kind, key: r.key})"
UPDATE_LINKS = "UNWIND $rows AS r MATCH (a:SnNode {id: r.a})-[l:SN_LINK]->(b:SnNode {id: r.b}) SET l.w = r.w"
CREATE_LINKS = (
    "UNWIND $rows AS r MATCH (a:SnNode {id: r.a}), (b:SnNode {id: r.b}) CREATE (a)-[:SN_LINK {w: r.w}]->(b)"
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


def decode(text: str) -> Hashable:
    return text[1:] if text[0] == "s" else int(text[1:])


def encode_hidden(key: tuple) -> str:
    return json.dumps([encode("words", k) for k in key])


def decode_hidden(text: str) -> tuple:
    return tuple(decode(t) for t in json.loads(text))


class SearchNetGraph:
    def __init__(self, store: GraphStore, name: str, rules: str) -> None:
        if not isinstance(store, GraphStore):
            raise ArgumentTypeError(f"store: expected a GraphStore from assocmem.graph.open; got {type(store).__name__}")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ArgumentError(f"name: expected 1-128 letters, digits, '_', '.' or '-'; got {name!r}")
        self._s = store
        self._b = store.backend
        dialect = self._b.dialect
        self._w = lambda row: dialect.float_in(row, "w")
        w = dialect.float_out("l.w", "w")
        self._from_words, self._to_urls, self._all_links = (q.format(w=w) for q in (FROM_WORDS, TO_URLS, ALL_LINKS))
        self.name = name
        rows = self._b.run(NET, {"name": name})
        if rows and rows[0]["rules"] != rules:
            raise ArgumentError(f"rules: net {name!r} in this store uses rules {rows[0]['rules']!r}; got {rules!r}")
        if not rows:
            self._b.run(CREATE_NET, {"name": name, "rules": rules})

    def __repr__(self) -> str:
        return f"{self._s!r}, net {self.name!r}"

    def _id(self, kind: str, text: str) -> str:
        return f"{self.name}|{kind[0]}|{text}"

    def neighbourhood(self, words: list, urls: list):
        """The links a query (or a batch of queries) can touch, as _Links."""
        from ..searchnet import _Links, hidden_order

        links = _Links()
        wid = {self._id("word", encode("words", w)): w for w in words}
        uid = {self._id("url", encode("urls", u)): u for u in urls}
        rows_w = self._b.run(self._from_words, {"ids": list(wid)}) if wid else []
        rows_u = self._b.run(self._to_urls, {"ids": list(uid)}) if uid else []
        existing = {r["id"] for r in self._b.run(EXISTING, {"ids": list(wid) + list(uid)})}
        for node_id, key in wid.items():
            if node_id in existing:
                links.word(key)
        for node_id, key in uid.items():
            if node_id in existing:
                links.url(key)
        hidden = {r["h"]: decode_hidden(r["hkey"]) for r in rows_w + rows_u}
        for hkey in sorted(hidden.values(), key=hidden_order):
            links.hidden(hkey)
        for r in rows_w:
            links.set_wh(links.word_id[wid[r["a"]]], links.hidden_id[hidden[r["h"]]], self._w(r))
        for r in rows_u:
            links.set_hu(links.hidden_id[hidden[r["h"]]], links.url_id[uid[r["u"]]], self._w(r))
        return links

    def train(self, sessions: list, train_one: Callable[..., None]) -> None:
        words = list(dict.fromkeys(w for s in sessions for w in s[0]))
        urls = list(dict.fromkeys(u for s in sessions for u in s[1]))
        links = self.neighbourhood(words, urls)
        known = (set(links.word_id), set(links.url_id), set(links.hidden_id))
        before = self._weights(links)
        for w, u, c in sessions:
            train_one(links, w, u, c)
        after = self._weights(links)
        nodes = [{"id": self._id("word", encode("words", w)), "kind": "word", "key": encode("words", w)}
                 for w in links.word_id if w not in known[0]]
        nodes += [{"id": self._id("url", encode("urls", u)), "kind": "url", "key": encode("urls", u)}
                  for u in links.url_id if u not in known[1]]
        nodes += [{"id": self._id("hidden", encode_hidden(h)), "kind": "hidden", "key": encode_hidden(h)}
                  for h in links.hidden_id if h not in known[2]]
        changed = [{"a": a, "b": b, "w": w} for (a, b), w in after.items() if (a, b) in before and before[(a, b)] != w]
        new = [{"a": a, "b": b, "w": w} for (a, b), w in after.items() if (a, b) not in before]
        statements: list[tuple[str, dict[str, Any]]] = []
        if nodes:
            statements.append((CREATE_NODES, {"rows": nodes, "net": self.name}))
        if changed:
            statements.append((UPDATE_LINKS, {"rows": changed}))
        if new:
            statements.append((CREATE_LINKS, {"rows": new}))
        if statements:
            self._b.run_tx(statements)

    def _weights(self, links) -> dict[tuple[str, str], float]:
        words = {v: k for k, v in links.word_id.items()}
        urls = {v: k for k, v in links.url_id.items()}
        hid = [self._id("hidden", encode_hidden(k)) for k in links.hidden_key]
        out = {}
        for w, row in enumerate(links.wh):
            a = self._id("word", encode("words", words[w]))
            for h, v in row.items():
                out[(a, hid[h])] = v
        for h, row in enumerate(links.hu):
            for u, v in row.items():
                out[(hid[h], self._id("url", encode("urls", urls[u])))] = v
        return out

    def remove_url(self, url: Hashable) -> None:
        node = self._id("url", encode("url", url))
        if not self._b.run(EXISTING, {"ids": [node]}):
            raise ArgumentError(f"url: unknown url {url!r}")
        self._b.run(DELETE_NODE, {"id": node})

    def count(self, kind: str) -> int:
        return int(self._b.run(COUNT_KIND, {"net": self.name, "kind": kind})[0]["k"])

    def all_links(self) -> dict[str, dict[tuple, float]]:
        out: dict[str, dict[tuple, float]] = {"word_hidden": {}, "hidden_url": {}}
        for r in self._b.run(self._all_links, {"net": self.name}):
            if r["ak"] == "word":
                out["word_hidden"][(decode(r["akey"]), decode_hidden(r["bkey"]))] = self._w(r)
            else:
                out["hidden_url"][(decode_hidden(r["akey"]), decode(r["bkey"]))] = self._w(r)
        return out
