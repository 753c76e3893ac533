"""Search-ranking net ("Programming Collective Intelligence", ch. 4).

Query words are the inputs (activation 1), one hidden neuron per word
combination is created on demand, urls are the outputs; tanh activations;
trained by backpropagation from clicks.  Kept in memory or in a graph store
(:func:`assocmem.graph.open`), where a query reads only its neighbourhood.
"""

from __future__ import annotations

import math
import numbers
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


def hidden_order(key: tuple) -> int:
    """The order of a hidden neuron in every sum over hidden neurons: a
    stable 63-bit hash of its key, the same in every process and table, so
    a net computes the same values to the bit whichever order its neurons
    were created or loaded in."""
    # repr tells 1 from '1' and is the same in every process (hash() is not);
    # _Links.hidden_many hashes many keys in one call
    return int(_searchnet.orders([repr(key)])[0])


def _is_key(k: Any) -> bool:
    return isinstance(k, str) or isinstance(k, int) and not isinstance(k, bool)


def _check_keys(name: str, keys: Any) -> list[Hashable]:
    """A non-empty list of distinct str/int keys (plain types), or an error
    naming the argument.  On the scoring hot path: lists of distinct plain
    keys take the compiled route (``plain_keys``)."""
    out = _searchnet.plain_keys(keys)
    if out is not None:
        return out
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


class _Links:
    """Links with integer ids in the C link table (``_searchnet.LinkTable``:
    sorted rows, a row journal, training and scoring in C), and the maps
    between keys and ids.

    Inside :meth:`transaction` every change is journalled (the table's row
    journal, and the keys given new ids) and undone if the block raises, so
    a failed training step leaves the links as they were.
    """

    def __init__(self) -> None:
        self.word_id: dict[Hashable, int] = {}
        self.url_id: dict[Hashable, int] = {}
        self.hidden_id: dict[tuple, int] = {}
        self.hidden_key: list[tuple] = []
        self.table = _searchnet.LinkTable()
        self._undo: list[tuple] | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All changes in the block, or none if it raises."""
        self.table.begin()
        self._undo = []
        try:
            yield
        except BaseException:
            self.table.rollback()
            for kind, key in reversed(self._undo):
                if kind == "word":
                    del self.word_id[key]
                elif kind == "url":
                    del self.url_id[key]
                else:
                    del self.hidden_id[key]
                    self.hidden_key.pop()
            raise
        else:
            self.table.commit()
        finally:
            self._undo = None

    # ids
    def word(self, key: Hashable) -> int:
        i = self.word_id.get(key)
        if i is None:
            i = self.word_id[key] = self.table.add_row(0)
            if self._undo is not None:
                self._undo.append(("word", key))
        return i

    def url(self, key: Hashable) -> int:
        i = self.url_id.get(key)
        if i is None:
            i = self.url_id[key] = self.table.add_row(2)
            if self._undo is not None:
                self._undo.append(("url", key))
        return i

    def make_many(self, kind: str, keys: list[Hashable]) -> None:
        """Give an id to each of these distinct words or urls (``kind``)
        that has none, in one call (journalled like :meth:`word` and
        :meth:`url`)."""
        ids, layer = (self.word_id, 0) if kind == "word" else (self.url_id, 2)
        new = [k for k in keys if k not in ids]
        if new:
            ids.update(zip(new, self.table.add_rows(layer, np.zeros(len(new), dtype=np.int64)).tolist()))
            if self._undo is not None:
                self._undo += [(kind, k) for k in new]

    def hidden_many(self, keys: list[tuple], orders: Sequence[int] | None = None) -> list[int]:
        """The ids of these hidden neurons, new ones added in one call;
        ``orders``: each key's :func:`hidden_order` where the caller knows
        them (else the new keys' are hashed here, in one call)."""
        hid = self.hidden_id
        if orders is None:
            new = list(dict.fromkeys(k for k in keys if k not in hid))
            new_orders = _searchnet.orders([repr(k) for k in new])
        else:
            pending = {k: o for k, o in zip(keys, orders) if k not in hid}
            new = list(pending)
            new_orders = np.fromiter(pending.values(), dtype=np.int64, count=len(new))
        if not new:
            return [hid[k] for k in keys]
        ids = self.table.add_rows(1, new_orders).tolist()
        hid.update(zip(new, ids))
        self.hidden_key += new
        if self._undo is not None:
            self._undo += [("hidden", k) for k in new]
        return ids if len(new) == len(keys) else [hid[k] for k in keys]  # all new and distinct: in order

    def hidden(self, key: tuple) -> tuple[int, bool]:
        """The id of a hidden neuron, and whether it was added now."""
        i = self.hidden_id.get(key)
        if i is not None:
            return i, False
        return self.hidden_many([key])[0], True

    # links
    def set_wh(self, w: int, h: int, value: float) -> None:
        self.table.set(0, w, h, value)

    def set_hu(self, h: int, u: int, value: float) -> None:
        self.table.set(1, h, u, value)

    def set_many(self, layer: int, rows: Sequence[int], cols: Sequence[int], weights: Sequence[float]) -> None:
        """Set or create many links of layer 0 (word -> hidden) or 1
        (hidden -> url) in one call: rows[i] -> cols[i] gets weights[i]."""
        self.table.set_many(layer, np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                            np.asarray(weights, dtype=np.float64))

    def row_wh(self, w: int) -> dict[int, float]:
        """Word w's links {hidden: weight}."""
        return self.table.row(0, w)

    def row_hu(self, h: int) -> dict[int, float]:
        """Hidden neuron h's links {url: weight}."""
        return self.table.row(1, h)

    def column_hu(self, u: int) -> dict[int, float]:
        """The links into url u {hidden: weight}."""
        return self.table.column(u)

    # snapshots, for inspection and tests
    @property
    def wh(self) -> list[dict[int, float]]:
        return [self.table.row(0, w) for w in range(self.table.rows(0))]

    @property
    def hu(self) -> list[dict[int, float]]:
        return [self.table.row(1, h) for h in range(self.table.rows(1))]

    @property
    def uh(self) -> list[dict[int, None]]:
        return [self.table.row(2, u) for u in range(self.table.rows(2))]

    def remove_url(self, key: Hashable) -> None:
        self.table.remove_url(self.url_id.pop(key))

    def evict_word(self, key: Hashable) -> None:
        """Forget word key's links (its id stays, for when they come back)."""
        self.table.clear_word(self.word_id[key])

    def evict_url(self, key: Hashable) -> None:
        """Forget the links into url key (its id stays)."""
        self.table.remove_url(self.url_id[key])

    def created(self) -> list[tuple[str, Any]]:
        """("word" | "url" | "hidden", key) of every id made in the open
        transaction, in order."""
        return list(self._undo or ())

    def train_clicks(self, sessions: list[tuple[list, list, Any]], keys: list[tuple | None], words: list,
                     urls: list, rate: float, default_wh: float, learn: bool, link_new_urls: bool) -> None:
        """Clicks (words, urls, clicked url or None for no training) in order,
        in C (``words`` and ``urls``: the distinct ones of all the clicks),
        each click's hidden neuron ``keys[i]`` (None: none)
        first gets its links (the book's ``generatehiddennode``: a new one a
        link from each word at NEW_WORD_WEIGHT / len(words) and to each url
        at NEW_URL_WEIGHT; an existing one, with ``link_new_urls``, to each
        url it lacks), then the click trains.  Every id the clicks name is
        made first (an id without links changes no result)."""
        hid = self.hidden_id
        made = {k: None for k in keys if k is not None and k not in hid}
        ids = self.hidden_many([k for k in keys if k is not None])
        self.make_many("word", words)
        self.make_many("url", urls)
        wid, uid = self.word_id, self.url_id
        hidden = np.full(len(sessions), -1, dtype=np.int64)
        created = np.zeros(len(sessions), dtype=np.uint8)
        j = 0
        for i, k in enumerate(keys):
            if k is not None:
                hidden[i] = ids[j]
                j += 1
                if k in made:  # its first click
                    del made[k]
                    created[i] = 1
        arr = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
        ptr = lambda lengths: np.concatenate(([0], np.cumsum(arr(lengths))))  # noqa: E731
        self.table.train_clicks(ptr([len(s[0]) for s in sessions]), arr([wid[w] for s in sessions for w in s[0]]),
                                ptr([len(s[1]) for s in sessions]), arr([uid[u] for s in sessions for u in s[1]]),
                                arr([-1 if c is None else us.index(c) for _, us, c in sessions]), hidden, created,
                                NEW_WORD_WEIGHT, NEW_URL_WEIGHT, link_new_urls, rate, default_wh, learn)

    # scoring
    def score(self, words: list, urls: list, default_wh: float) -> list[float]:
        return self.table.score_keys(self.word_id, self.url_id, words, urls, default_wh)

    def forward(self, queries: Sequence[tuple[Sequence[Hashable], Sequence[Hashable]]], default_wh: float) -> list[list[float]]:
        qw_ptr, qu_ptr, qn, qw, qu = [0], [0], [], [], []
        for words, urls in queries:
            known = [self.word_id[w] for w in words if w in self.word_id]
            qw.extend(known)
            qn.append(len(words))
            qw_ptr.append(len(qw))
            qu.extend(self.url_id.get(u, -1) for u in urls)
            qu_ptr.append(len(qu))
        arr = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
        out = self.table.run(arr(qw_ptr), arr(qw), arr(qn), arr(qu_ptr), arr(qu), default_wh)
        return [out[qu_ptr[q]:qu_ptr[q + 1]].tolist() for q in range(len(queries))]


class LinkStore(Protocol):
    """Where a :class:`SearchNet`'s links live.

    Every operation of the net is *check out the sub-network → compute in C
    → commit the changes*: :meth:`checkout` gives links on which training
    computes what it computes on the whole net (see there), training
    changes them inside ``links.transaction()``, and :meth:`commit` makes
    the changes durable (all or none); :meth:`release` follows the
    transaction, whatever its outcome.  Two implementations:
    :class:`MemoryLinks` (the links themselves; checking out and committing
    cost nothing) and ``assocmem.graph.searchnet_store.GraphLinks`` (a graph
    store with a bounded cache).  The net holds its lock around each call:
    scoring shared, checkout-train-commit exclusive.
    """

    def checkout(self, words: list, urls: list, hidden: list[tuple] = ()) -> tuple[_Links, Any]:
        """(links, token): the sub-network of these words, urls and hidden
        neurons (the keys of the word combinations the batch may create),
        and what :meth:`commit` needs to find the changes.  The links hold
        every link of the words and urls (their whole rows), or, under rules
        "hypergraphdb" (where only hidden neurons linked to a url reach its
        output and a hidden neuron's inputs never change), every link into
        the urls, every input of those links' hidden neurons and of the
        given hidden neurons.  Every stored node the batch names has an id
        in them: a node without one is created by the commit."""
        ...

    def commit(self, links: _Links, token: Any) -> None:
        """Make the changes made to checked-out links durable, or raise and
        change nothing."""
        ...

    def release(self, token: Any, kept: bool) -> None:
        """After the transaction of a checkout, whatever its outcome: the
        store may drop what it no longer needs.  ``kept``: the links kept
        the transaction's changes (it ended normally); when not, and
        :meth:`commit` had begun to write them, the store cannot tell
        whether they became durable (Ctrl-C while a COMMIT runs, or right
        after it) and must read its links afresh."""
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

    def checkout(self, words: list, urls: list, hidden: list[tuple] = ()) -> tuple[_Links, Any]:
        return self.links, None

    def commit(self, links: _Links, token: Any) -> None:
        pass

    def release(self, token: Any, kept: bool) -> None:
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
            "word_hidden": {(words[w], m.hidden_key[h]): v for w in words for h, v in m.row_wh(w).items()},
            "hidden_url": {(m.hidden_key[h], urls[u]): v for h in range(len(m.hidden_key))
                           for u, v in m.row_hu(h).items()},
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
    rules : {"pci", "hypergraphdb"}, optional
        Default: a graph-kept net's stored rules, else "pci".
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
        loaded words and urls (rules "hypergraphdb": urls, with their hidden
        neurons' inputs), least recently used evicted first; 0 reads every
        query from the database.
    layout : {"links", "neurons"}, optional
        Graph store only, fixed when the net is created (default: the
        stored net's, else "links"): "links" keeps one
        ``SN_LINK`` relationship per synapse with its weight; "neurons" keeps
        each hidden neuron as one node holding the ids and weights of its
        input words and output urls as arrays, and each word and url as a
        node holding the ids of its hidden neurons (a query reads a handful
        of nodes; a training batch rewrites whole hidden neurons).
    """

    def __init__(self, store: Any = None, rules: Literal["pci", "hypergraphdb"] | None = None, *,
                 name: str = "searchnet", learning_rate: float = LEARNING_RATE,
                 cache_size: int = DEFAULT_CACHE_SIZE, layout: Literal["links", "neurons"] | None = None) -> None:
        if rules is not None:
            choice("rules", rules, tuple(RULES))
        if layout is not None:
            choice("layout", layout, ("links", "neurons"))
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
            self._links = store.searchnet_links(name, rules, int(cache_size), layout)
            rules = self._links.rules  # the stored net's
        elif all(hasattr(store, m) for m in ("checkout", "commit", "release", "score", "score_many", "remove_url",
                                             "count", "all_links", "clear_cache")):
            self._links = store
        else:
            raise ArgumentTypeError(
                f"store: expected None, a GraphStore from assocmem.graph.open or a LinkStore; got "
                f"{type(store).__name__}")
        self.rules: str = rules or "pci"
        self._default_wh, self._max_words, self._link_new_urls, self._learn_missing = RULES[self.rules]

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
        self._edit(checked)

    def generate_hidden(self, words: Sequence[Hashable], urls: Sequence[Hashable]) -> None:
        """Create the hidden neuron of a word combination and its links,
        without training (the book's ``generatehiddennode``); a no-op when it
        exists (under ``rules="hypergraphdb"`` new urls are linked to it)."""
        words = _check_keys("words", words)
        urls = _check_keys("urls", urls)
        self._edit([(words, urls, None)])

    def _edit(self, sessions: list[tuple[list, list, Any]]) -> None:
        """Check out the sessions' sub-network, create each session's hidden
        neuron and train it (clicked None: create only), commit; a failure
        anywhere leaves the net (and the cache) unchanged."""
        if not sessions:
            return
        with self._lock.write():
            words = list(dict.fromkeys(w for s in sessions for w in s[0]))
            urls = list(dict.fromkeys(u for s in sessions for u in s[1]))
            keys = [self._key(s[0]) if self._max_words is None or len(s[0]) <= self._max_words else None
                    for s in sessions]
            hidden = list(dict.fromkeys(k for k in keys if k is not None))
            links, token = self._links.checkout(words, urls, hidden)
            kept = False
            try:
                with links.transaction():
                    links.train_clicks(sessions, keys, words, urls, self.learning_rate, self._default_wh,
                                       self._learn_missing, self._link_new_urls)
                    self._links.commit(links, token)
                kept = True
            finally:
                self._links.release(token, kept)

    @staticmethod
    def _key(words: list) -> tuple:
        """The key of the hidden neuron of a word combination."""
        return tuple(sorted(words, key=_order_key))

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
