"""Search-ranking net ("Programming Collective Intelligence", ch. 4).

Query words are the inputs (activation 1), one hidden neuron per word
combination is created on demand, urls are the outputs; tanh activations;
trained by backpropagation from clicks.  Kept in memory or in a graph store
(:func:`assocmem.graph.open`), where a query reads only its neighbourhood.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

import numpy as np

from . import _searchnet
from ._rwlock import RWLock
from ._validate import choice
from .errors import ArgumentError, ArgumentTypeError

__all__ = ["SearchNet", "RULES", "LinkStore", "MemoryLinks"]

#: rule -> (default word->hidden strength, max words per hidden neuron or None,
#: link new urls to an existing hidden neuron, missing links learn)
RULES: dict[str, tuple[float, int | None, bool, bool]] = {
    "pci": (-0.2, 3, False, True),
    "hypergraphdb": (0.0, None, True, False),
}
LEARNING_RATE = 0.5
NEW_WORD_WEIGHT = 1.0  # divided by the number of words
NEW_URL_WEIGHT = 0.1
#: Links a graph-backed net keeps in its cache by default (~100 MB).
DEFAULT_CACHE_SIZE = 1_000_000


def _order_key(key: Hashable) -> tuple[int, Any]:
    """A total order over keys: every int before every str (ints and strs
    never compare with each other)."""
    return (0, key) if isinstance(key, int) else (1, key)


def hidden_order(hkey: tuple) -> tuple:
    """Sort key of a hidden neuron's word combination."""
    return tuple(_order_key(k) for k in hkey)


def _is_key(k: Any) -> bool:
    return isinstance(k, str) or isinstance(k, int) and not isinstance(k, bool)


def _check_keys(name: str, keys: Any) -> list[Hashable]:
    """A non-empty list of distinct str/int keys (plain types), or an error
    naming the argument.  On the scoring hot path: lists of plain keys take
    the fast route."""
    if type(keys) is list or type(keys) is tuple:
        out = list(keys)
    elif isinstance(keys, (str, bytes)) or not isinstance(keys, Iterable):
        raise ArgumentTypeError(f"{name}: expected a list of keys; got {type(keys).__name__}")
    else:
        out = list(keys)
    if not out:
        raise ArgumentError(f"{name}: expected at least one key; got an empty list")
    plain = True
    for k in out:
        t = type(k)
        if t is not str and t is not int:
            if not _is_key(k):
                # bool and float would alias ints (True == 1 == 1.0) and have
                # no order with str: keys are str or int, in memory and in a graph
                raise ArgumentTypeError(f"{name}: keys must be hashable str or int values; got {k!r}")
            plain = False
    if not plain:
        out = [int(k) if isinstance(k, int) else str(k) for k in out]  # plain types (no subclasses)
    if len(set(out)) != len(out):
        seen: set[Hashable] = set()
        dup = next(k for k in out if k in seen or seen.add(k))
        raise ArgumentError(f"{name}: duplicate key {dup!r}")
    return out


_MISSING = object()


class _Links:
    """Links with integer ids; per-node dicts are the master copy, a CSR
    snapshot feeds the forward kernel and is rebuilt after changes.

    Inside :meth:`transaction` every change is journalled and undone if the
    block raises, so a failed training step leaves the links as they were.
    """

    def __init__(self) -> None:
        self.word_id: dict[Hashable, int] = {}
        self.url_id: dict[Hashable, int] = {}
        self.hidden_id: dict[tuple, int] = {}
        self.hidden_key: list[tuple] = []
        self.wh: list[dict[int, float]] = []  # word -> {hidden: w}
        self.hu: list[dict[int, float]] = []  # hidden -> {url: w}
        self.uh: list[dict[int, None]] = []  # url -> {hidden} (ordered set)
        self._csr: tuple | None = None
        self._fwd: Any = None
        self._build = threading.Lock()  # one snapshot build at a time
        self.hidden_sort: list[tuple] = []  # hidden_order(hidden_key[h]), computed once
        self._undo: list[tuple] | None = None
        self._saved: set[int] = set()  # ids of the rows journalled whole in this transaction
        self._whole = False

    @contextmanager
    def transaction(self, whole_rows: bool = False) -> Iterator[None]:
        """All changes in the block, or none if it raises.  ``whole_rows``
        (for blocks that touch rows many times: a batch of clicks) journals
        each row whole, one C-level copy before its first change; otherwise
        each change journals the old values of the weights it sets."""
        self._undo = []
        self._saved = set()
        self._whole = whole_rows
        try:
            yield
        except BaseException:
            self._rollback(self._undo)
            raise
        finally:
            self._undo = None
            self._saved = set()

    def _save(self, row: dict, keys: Any, h: int = -1) -> None:
        """Journal ``row`` before it changes at ``keys`` (h: the hidden
        neuron whose url row it is, -1 for other rows)."""
        if self._undo is None:
            return
        if not self._whole:
            self._undo.append(("row", h, row, {k: row.get(k, _MISSING) for k in keys}))
        elif id(row) not in self._saved:
            self._saved.add(id(row))
            self._undo.append(("row", h, row, None, dict(row)))

    def _rollback(self, undo: list[tuple]) -> None:
        for entry in reversed(undo):
            kind = entry[0]
            if kind == "word":
                del self.word_id[entry[1]]
                self.wh.pop()
            elif kind == "url":
                del self.url_id[entry[1]]
                self.uh.pop()
            elif kind == "hidden":
                del self.hidden_id[entry[1]]
                self.hidden_key.pop()
                self.hidden_sort.pop()
                self.hu.pop()
            elif len(entry) == 4:  # the old values at some keys
                _, h, row, saved = entry
                for k, old in saved.items():
                    if old is _MISSING:
                        del row[k]
                        if h >= 0 and k < len(self.uh):  # a new hidden->url link: its reverse entry goes too
                            self.uh[k].pop(h, None)
                    else:
                        row[k] = old
            else:  # the whole row
                _, h, row, _, saved = entry
                if h >= 0:
                    for u in row.keys() - saved.keys():
                        if u < len(self.uh):
                            self.uh[u].pop(h, None)
                row.clear()
                row.update(saved)
        self._csr = None

    # ids
    def word(self, key: Hashable) -> int:
        i = self.word_id.get(key)
        if i is None:
            i = self.word_id[key] = len(self.wh)
            self.wh.append({})
            self._csr = None
            if self._undo is not None:
                self._undo.append(("word", key))
        return i

    def url(self, key: Hashable) -> int:
        i = self.url_id.get(key)
        if i is None:
            i = self.url_id[key] = len(self.uh)
            self.uh.append({})
            self._csr = None
            if self._undo is not None:
                self._undo.append(("url", key))
        return i

    def hidden(self, key: tuple) -> tuple[int, bool]:
        i = self.hidden_id.get(key)
        if i is not None:
            return i, False
        i = self.hidden_id[key] = len(self.hu)
        self.hidden_key.append(key)
        self.hidden_sort.append(hidden_order(key))
        self.hu.append({})
        self._csr = None
        if self._undo is not None:
            self._undo.append(("hidden", key))
        return i, True

    def _set(self, row: dict, col: int, value: Any, h: int = -1) -> None:
        self._save(row, (col,), h)
        row[col] = value

    def _update(self, row: dict, values: dict) -> None:
        self._save(row, values)
        row.update(values)

    def update_wh(self, w: int, values: dict[int, float]) -> None:
        """Set several word -> hidden weights of word w."""
        if values:
            self._update(self.wh[w], values)
            self._csr = None

    def update_hu(self, h: int, values: dict[int, float]) -> None:
        """Set several hidden -> url weights of hidden neuron h (and the
        reverse index url -> hidden, which a rollback derives from the
        journal entry of the hidden row: no entry of its own)."""
        if values:
            row = self.hu[h]
            self._save(row, values, h)
            row.update(values)
            uh = self.uh
            for u in values:
                uh[u][h] = None
            self._csr = None

    def set_wh(self, w: int, h: int, value: float) -> None:
        self._set(self.wh[w], h, value)
        self._csr = None

    def set_hu(self, h: int, u: int, value: float) -> None:
        self._set(self.hu[h], u, value, h)
        self._set(self.uh[u], h, None)
        self._csr = None

    def remove_url(self, key: Hashable) -> None:
        u = self.url_id.pop(key)
        for h in self.uh[u]:
            del self.hu[h][u]
        self.uh[u] = {}
        self._csr = None

    def subnet_hidden(self, words: Sequence[int | None], urls: Sequence[int | None]) -> list[int]:
        """Hidden neurons linked to a query word or url, in key order."""
        found: dict[int, None] = {}
        for w in words:
            if w is not None:
                found.update(dict.fromkeys(self.wh[w]))
        for u in urls:
            if u is not None:
                found.update(self.uh[u])
        return sorted(found, key=self.hidden_sort.__getitem__)

    # CSR snapshot for the forward kernel
    def csr(self) -> tuple:
        if self._csr is None:
            def pack(rows: list[dict[int, Any]], weights: bool) -> tuple[np.ndarray, ...]:
                ptr = np.zeros(len(rows) + 1, dtype=np.int64)
                np.cumsum([len(r) for r in rows], out=ptr[1:])
                idx = np.fromiter((k for r in rows for k in r), dtype=np.int64, count=int(ptr[-1]))
                if not weights:
                    return ptr, idx
                w = np.fromiter((v for r in rows for v in r.values()), dtype=np.float64, count=int(ptr[-1]))
                return ptr, idx, w

            self._csr = (*pack(self.wh, True), *pack(self.hu, True), *pack(self.uh, False))
            self._fwd = None
        return self._csr

    def kernel(self, default_wh: float) -> Any:
        """The forward kernel over a snapshot of the links (built once per
        change; concurrent readers share it, writers must be excluded)."""
        fwd = self._fwd
        if self._csr is not None and fwd is not None and fwd.default_wh == default_wh:
            return fwd
        with self._build:
            csr = self.csr()
            if self._fwd is None or self._fwd.default_wh != default_wh:
                self._fwd = _searchnet.Forward(*csr, default_wh)
            return self._fwd

    def score(self, words: Sequence[Hashable], urls: Sequence[Hashable], default_wh: float) -> list[float]:
        wid, uid = self.word_id, self.url_id
        known = [wid[w] for w in words if w in wid]
        return self.kernel(default_wh).score(known, len(words), [uid.get(u, -1) for u in urls])

    def forward(self, queries: Sequence[tuple[Sequence[Hashable], Sequence[Hashable]]], default_wh: float) -> list[list[float]]:
        fwd = self.kernel(default_wh)
        qw_ptr, qu_ptr, qn, qw, qu = [0], [0], [], [], []
        for words, urls in queries:
            known = [self.word_id[w] for w in words if w in self.word_id]
            qw.extend(known)
            qn.append(len(words))
            qw_ptr.append(len(qw))
            qu.extend(self.url_id.get(u, -1) for u in urls)
            qu_ptr.append(len(qu))
        arr = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
        out = fwd.run(arr(qw_ptr), arr(qw), arr(qn), arr(qu_ptr), arr(qu))
        return [out[qu_ptr[q]:qu_ptr[q + 1]].tolist() for q in range(len(queries))]


class LinkStore(Protocol):
    """Where a :class:`SearchNet`'s links live.

    Every operation of the net is *check out the sub-network → compute in C
    → commit the changes*: :meth:`checkout` gives links holding at least
    every link of the given words and urls (their whole rows), training
    changes them inside ``links.transaction()``, and :meth:`commit` makes
    the changes durable (all or none).  Two implementations:
    :class:`MemoryLinks` (the links themselves; checking out and committing
    cost nothing) and ``assocmem.graph.searchnet_store.GraphLinks`` (a graph
    store with a bounded cache).  The net holds its lock around each call:
    scoring shared, checkout-train-commit exclusive.
    """

    def checkout(self, words: list, urls: list) -> tuple[_Links, Any]:
        """(links, token): the sub-network of these words and urls, and what
        :meth:`commit` needs to find the changes."""
        ...

    def commit(self, links: _Links, token: Any) -> None:
        """Make the changes made to checked-out links durable, or raise and
        change nothing."""
        ...

    def score(self, words: list, urls: list, default_wh: float) -> list[float]: ...

    def score_many(self, queries: list[tuple[list, list]], default_wh: float) -> list[list[float]]: ...

    def remove_url(self, url: Hashable) -> None:
        """Drop a url and its links; ArgumentError if it is unknown."""
        ...

    def count(self, kind: str) -> int:
        """Neurons of a kind ("word", "hidden", "url")."""
        ...

    def all_links(self) -> dict[str, dict[tuple, float]]: ...

    def clear_cache(self) -> None:
        """Forget what was read from where the links live (if anything)."""
        ...


class MemoryLinks:
    """The in-memory link store: the links are the master copy."""

    def __init__(self) -> None:
        self.links = _Links()

    def __repr__(self) -> str:
        return "memory"

    def checkout(self, words: list, urls: list) -> tuple[_Links, Any]:
        return self.links, None

    def commit(self, links: _Links, token: Any) -> None:
        pass

    def score(self, words: list, urls: list, default_wh: float) -> list[float]:
        return self.links.score(words, urls, default_wh)

    def score_many(self, queries: list[tuple[list, list]], default_wh: float) -> list[list[float]]:
        return self.links.forward(queries, default_wh) if queries else []

    def remove_url(self, url: Hashable) -> None:
        if url not in self.links.url_id:
            raise ArgumentError(f"url: unknown url {url!r}")
        self.links.remove_url(url)

    def clear_cache(self) -> None:
        pass

    def count(self, kind: str) -> int:
        m = self.links
        return len({"word": m.word_id, "url": m.url_id, "hidden": m.hidden_key}[kind])

    def all_links(self) -> dict[str, dict[tuple, float]]:
        m = self.links
        words = {v: k for k, v in m.word_id.items()}
        urls = {v: k for k, v in m.url_id.items()}
        return {
            "word_hidden": {(words[w], m.hidden_key[h]): v for w, row in enumerate(m.wh) for h, v in row.items()},
            "hidden_url": {(m.hidden_key[h], urls[u]): v for h, row in enumerate(m.hu) for u, v in row.items()},
        }


class SearchNet:
    """Learns to rank urls for queries from clicks.

    Parameters
    ----------
    store : GraphStore or LinkStore, optional
        None keeps the network in memory; a store from
        :func:`assocmem.graph.open` keeps it in the graph (neurons as
        ``SnNode`` nodes, synapses as weighted ``SN_LINK`` relationships),
        reads only the part a query touches, and keeps what it read in a
        bounded cache; any :class:`LinkStore` is used as given.
    rules : {"pci", "hypergraphdb"}
        "pci" reproduces the book: a missing word->hidden link counts -0.2,
        a missing hidden->url link 0, hidden neurons for at most 3 words,
        and training creates every link of the query's sub-network.
        "hypergraphdb": only real links count and learn, no word cap, and a
        new url is linked to an existing hidden neuron at 0.1.
    name : str
        Name of the net in the store (several nets can share a database).
    learning_rate : float
        Backpropagation rate (the book's 0.5).
    cache_size : int
        Graph store only: links (weights) kept in this process's cache of
        loaded words and urls, least recently used evicted first; 0 reads
        every query from the database.
    layout : {"links", "neurons"}
        Graph store only, fixed when the net is created: "links" keeps one
        ``SN_LINK`` relationship per synapse with its weight; "neurons" keeps
        each hidden neuron as one node holding the ids and weights of its
        input words and output urls as arrays, and each word and url as a
        node holding the ids of its hidden neurons (a query reads a handful
        of nodes; a training batch rewrites whole hidden neurons).
    """

    def __init__(self, store: Any = None, rules: Literal["pci", "hypergraphdb"] = "pci", *,
                 name: str = "searchnet", learning_rate: float = LEARNING_RATE,
                 cache_size: int = DEFAULT_CACHE_SIZE, layout: Literal["links", "neurons"] = "links") -> None:
        self.rules = choice("rules", rules, tuple(RULES))
        self._default_wh, self._max_words, self._link_new_urls, self._learn_missing = RULES[rules]
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real) \
                or not 0 < learning_rate < math.inf:
            raise ArgumentError(f"learning_rate: expected a positive number; got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        if isinstance(cache_size, bool) or not isinstance(cache_size, numbers.Integral) or cache_size < 0:
            raise ArgumentError(f"cache_size: expected an integer >= 0; got {cache_size!r}")
        # scoring holds it shared (any number of threads at once), training
        # and edits exclusively
        self._lock = RWLock()
        self._links: LinkStore
        if store is None:
            self._links = MemoryLinks()
        elif hasattr(store, "searchnet_links"):  # a graph store (no import of the graph package here)
            self._links = store.searchnet_links(name, self.rules, int(cache_size), choice("layout", layout,
                                                                                              ("links", "neurons")))
        elif all(hasattr(store, m) for m in ("checkout", "commit", "score", "score_many", "remove_url", "count",
                                             "all_links", "clear_cache")):
            self._links = store
        else:
            raise ArgumentTypeError(
                f"store: expected None, a GraphStore from assocmem.graph.open or a LinkStore; got "
                f"{type(store).__name__}")

    def __repr__(self) -> str:
        return f"SearchNet(rules={self.rules!r}, {self._links!r})"

    @property
    def _mem(self) -> _Links:
        """The links of an in-memory net."""
        assert isinstance(self._links, MemoryLinks)
        return self._links.links

    # ------------------------------------------------------------ scoring
    def scores(self, words: Sequence[Hashable], urls: Sequence[Hashable]) -> list[float]:
        """One score in (-1, 1) per url, in the order given."""
        words = _check_keys("words", words)
        urls = _check_keys("urls", urls)
        lock = self._lock
        lock.acquire_read()
        try:
            return self._links.score(words, urls, self._default_wh)
        finally:
            lock.release_read()

    def scores_many(self, queries: Sequence[tuple[Sequence[Hashable], Sequence[Hashable]]]) -> list[list[float]]:
        """Scores of many (words, urls) queries in one kernel call."""
        checked = [(_check_keys("words", w), _check_keys("urls", u)) for w, u in queries]
        with self._lock.read():
            return self._links.score_many(checked, self._default_wh)

    # ----------------------------------------------------------- training
    def train(self, words: Sequence[Hashable], urls: Sequence[Hashable], clicked: Hashable) -> None:
        """One click: the clicked url's target is 1.0, the other urls' 0.0."""
        self.train_many([(words, urls, clicked)])

    def train_many(self, sessions: Iterable[tuple[Sequence[Hashable], Sequence[Hashable], Hashable]]) -> None:
        """Many clicks in order (the book's "at night" batch), all or none:
        the sub-network of the whole batch is checked out once, trained, and
        committed once (with a graph store, in one transaction)."""
        checked = []
        for k, session in enumerate(sessions):
            try:
                words, urls, clicked = session
            except (TypeError, ValueError):
                raise ArgumentTypeError(f"sessions[{k}]: expected (words, urls, clicked)") from None
            words = _check_keys("words", words)
            urls = _check_keys("urls", urls)
            if not _is_key(clicked) or clicked not in urls:
                raise ArgumentError(f"clicked: expected one of the urls; got {clicked!r}")
            checked.append((words, urls, clicked))
        self._edit(checked, self._train_one)

    def generate_hidden(self, words: Sequence[Hashable], urls: Sequence[Hashable]) -> None:
        """Create the hidden neuron of a word combination and its links,
        without training (the book's ``generatehiddennode``); a no-op when it
        exists (under ``rules="hypergraphdb"`` new urls are linked to it)."""
        words = _check_keys("words", words)
        urls = _check_keys("urls", urls)
        self._edit([(words, urls, None)], lambda links, w, u, _: self._generate_hidden(links, w, u))

    def _edit(self, sessions: list[tuple[list, list, Any]], step: Any) -> None:
        """Check out the sessions' sub-network, run ``step`` on each session,
        commit; a failure anywhere leaves the net (and the cache) unchanged."""
        if not sessions:
            return
        with self._lock.write():
            words = list(dict.fromkeys(w for s in sessions for w in s[0]))
            urls = list(dict.fromkeys(u for s in sessions for u in s[1]))
            links, token = self._links.checkout(words, urls)
            with links.transaction(whole_rows=len(sessions) > 1):
                for w, u, c in sessions:
                    step(links, w, u, c)
                self._links.commit(links, token)

    def _train_one(self, links: _Links, words: list, urls: list, clicked: Hashable) -> None:
        self._generate_hidden(links, words, urls)
        w_ids = [links.word(w) for w in words]
        u_ids = [links.url(u) for u in urls]
        hidden = links.subnet_hidden(w_ids, u_ids)
        nu = len(u_ids)
        default, learn = self._default_wh, self._learn_missing
        # the query's dense sub-network, read row by row (one C-level list
        # comprehension per row instead of a Python call per weight)
        wh_rows = [links.wh[w] for w in w_ids]
        hu_rows = [links.hu[h] for h in hidden]
        wi_raw = [list(map(row.get, hidden)) for row in wh_rows]
        wo_raw = [list(map(row.get, u_ids)) for row in hu_rows]
        wi = np.array([[default if v is None else v for v in r] for r in wi_raw], dtype=np.float64).reshape(
            len(w_ids), len(hidden))
        wo = np.array([[0.0 if v is None else v for v in r] for r in wo_raw], dtype=np.float64).reshape(
            len(hidden), nu)
        mi = np.array([[learn or v is not None for v in r] for r in wi_raw], dtype=np.uint8).reshape(wi.shape)
        mo = np.array([[learn or v is not None for v in r] for r in wo_raw], dtype=np.uint8).reshape(wo.shape)
        targets = np.zeros(nu)
        targets[urls.index(clicked)] = 1.0
        _searchnet.backprop(wi, mi, wo, mo, targets, self.learning_rate)
        # write back whole rows: one journal entry and one dict update per row
        wi_l, wo_l, mi_l, mo_l = wi.tolist(), wo.tolist(), mi.tolist(), mo.tolist()
        if learn:  # every weight of the sub-network learns: whole rows, zipped
            for a, w in enumerate(w_ids):
                links.update_wh(w, dict(zip(hidden, wi_l[a])))
            for j, h in enumerate(hidden):
                links.update_hu(h, dict(zip(u_ids, wo_l[j])))
            return
        for a, w in enumerate(w_ids):
            links.update_wh(w, {h: wi_l[a][j] for j, h in enumerate(hidden) if mi_l[a][j]})
        for j, h in enumerate(hidden):
            links.update_hu(h, {u: wo_l[j][k] for k, u in enumerate(u_ids) if mo_l[j][k]})

    def _generate_hidden(self, links: _Links, words: list, urls: list) -> None:
        if self._max_words is not None and len(words) > self._max_words:
            return
        key = tuple(sorted(words, key=_order_key))
        h, created = links.hidden(key)
        if created:
            for w in words:
                links.set_wh(links.word(w), h, NEW_WORD_WEIGHT / len(words))
            for u in urls:
                links.set_hu(h, links.url(u), NEW_URL_WEIGHT)
        elif self._link_new_urls:
            for u in urls:
                uid = links.url(u)
                if uid not in links.hu[h]:
                    links.set_hu(h, uid, NEW_URL_WEIGHT)

    # -------------------------------------------------------------- edits
    def remove_output(self, url: Hashable) -> None:
        """Drop a url's neuron and every synapse to it."""
        if not _is_key(url):
            raise ArgumentTypeError(f"url: keys must be hashable str or int values; got {url!r}")
        with self._lock.write():
            self._links.remove_url(url)

    def clear_cache(self) -> None:
        """Graph store: forget every cached word and url row, so that the
        next queries read what other processes wrote since (this process's
        own writes are always in the cache); in memory: nothing to do."""
        with self._lock.write():
            self._links.clear_cache()

    # --------------------------------------------------------- inspection
    @property
    def n_hidden(self) -> int:
        """Hidden neurons (for a graph store, stored ones)."""
        with self._lock.read():
            return self._links.count("hidden")

    def links(self) -> dict[str, dict[tuple, float]]:
        """All weights: {"word_hidden": {(word, hidden key): w},
        "hidden_url": {(hidden key, url): w}} (a graph store reads them all)."""
        with self._lock.read():
            return self._links.all_links()
