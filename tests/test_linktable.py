"""The C link table of the search net (csrc/linktable.c) against a
pure-Python model: every operation, training and scoring, and the journal
(a rollback restores the table bit for bit)."""

from __future__ import annotations

import math
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assocmem._searchnet import LinkTable
from assocmem.errors import KernelError, ShapeError, StateValueError


class Model:
    """The links as plain dicts; ids dense per layer."""

    def __init__(self) -> None:
        self.n = [0, 0, 0]  # words, hidden, urls
        self.wh: dict[int, dict[int, float]] = {}
        self.hu: dict[int, dict[int, float]] = {}
        self.ord: dict[int, int] = {}

    def add(self, layer: int, order: int = 0) -> int:
        i = self.n[layer]
        self.n[layer] += 1
        if layer == 0:
            self.wh[i] = {}
        elif layer == 1:
            self.hu[i] = {}
            self.ord[i] = order
        return i

    def key(self, h: int) -> tuple[int, int]:
        """The hidden order: (order, id)."""
        return self.ord[h], h

    def uh(self, u: int) -> list[int]:
        return sorted((h for h, row in self.hu.items() if u in row), key=self.key)

    def train(self, words, urls, clicked, rate, default, learn):
        """One click as am_lt_train documents it, in its summation order."""
        hl = sorted({h for w in words for h in self.wh[w]} | {h for u in urls for h in self.uh(u)}, key=self.key)
        wi = [[self.wh[w].get(h, default) for h in hl] for w in words]
        mi = [[learn or h in self.wh[w] for h in hl] for w in words]
        wo = [[self.hu[h].get(u, 0.0) for u in urls] for h in hl]
        mo = [[learn or u in self.hu[h] for u in urls] for h in hl]
        nh, nu = len(hl), len(urls)
        ah = []
        for j in range(nh):
            s = 0.0
            for i in range(len(words)):
                if mi[i][j]:
                    s += wi[i][j]
            ah.append(math.tanh(s))
        ao = []
        for k in range(nu):
            s = 0.0
            for j in range(nh):
                if mo[j][k]:
                    s += ah[j] * wo[j][k]
            ao.append(math.tanh(s))
        do = [(1 - ao[k] ** 2) * ((k == clicked) - ao[k]) for k in range(nu)]
        dh = []
        for j in range(nh):
            e = 0.0
            for k in range(nu):
                if mo[j][k]:
                    e += do[k] * wo[j][k]
            dh.append((1 - ah[j] ** 2) * e)
        for j, h in enumerate(hl):
            for k, u in enumerate(urls):
                if mo[j][k]:
                    self.hu[h][u] = wo[j][k] + rate * do[k] * ah[j]
        for i, w in enumerate(words):
            for j, h in enumerate(hl):
                if mi[i][j]:
                    self.wh[w][h] = wi[i][j] + rate * dh[j]

    def score(self, words, n_words, urls, default):
        hsum: dict[int, float] = {}
        hcnt: dict[int, int] = {}
        for w in words:
            for h, v in self.wh[w].items():
                hsum[h] = hsum.get(h, 0.0) + v
                hcnt[h] = hcnt.get(h, 0) + 1
        out = []
        for u in urls:
            if u == -1:
                out.append(0.0)
                continue
            s = 0.0
            for h in self.uh(u):  # hidden id order
                s += math.tanh(hsum.get(h, 0.0) + default * (n_words - hcnt.get(h, 0))) * self.hu[h][u]
            out.append(math.tanh(s))
        return out


def state(t: LinkTable) -> tuple:
    """Everything the table holds, comparable exactly."""
    return (tuple(t.rows(layer) for layer in range(3)),
            [t.row(0, w) for w in range(t.rows(0))],
            [t.row(1, h) for h in range(t.rows(1))],
            [list(t.row(2, u)) for u in range(t.rows(2))])


def check(t: LinkTable, m: Model) -> None:
    assert [t.rows(layer) for layer in range(3)] == m.n
    for w in range(m.n[0]):
        row = t.row(0, w)
        assert list(row) == sorted(row, key=m.key)  # word rows are in hidden order
        assert row == m.wh[w]
    for h in range(m.n[1]):
        assert t.row(1, h) == m.hu[h]
    for u in range(m.n[2]):
        assert list(t.row(2, u)) == m.uh(u)  # url rows: in hidden order
        assert t.column(u) == {h: m.hu[h][u] for h in m.uh(u)}


def changes(before: tuple, now: tuple) -> list[tuple]:
    """(layer, created, row, col, weight now) of every word -> hidden and
    hidden -> url link created or changed between two states."""
    out = []
    for layer, rows_then, rows_now in ((0, before[1], now[1]), (1, before[2], now[2])):
        for r, row in enumerate(rows_now):
            then = rows_then[r] if r < len(rows_then) else {}
            out += [(layer, c not in then, r, c, v) for c, v in row.items() if c not in then or then[c] != v]
    return sorted(out)


ops = st.lists(st.tuples(st.sampled_from(["add", "set0", "set1", "many", "train", "remove", "tx"]),
                         st.integers(0, 10 ** 6), st.floats(-2, 2)), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ops, st.booleans())
def test_table_follows_the_model(program, learn):
    t, m = LinkTable(), Model()
    for layer in range(3):
        for _ in range(2):
            assert t.add_row(layer) == m.add(layer)
    for op, r, v in program:
        nw, nh, nu = m.n
        if op == "add":  # hidden orders with ties (then by id)
            assert t.add_row(r % 3, r % 5 - 2) == m.add(r % 3, r % 5 - 2)
        elif op == "set0":
            w, h = r % nw, (r // 7) % nh
            t.set(0, w, h, v)
            m.wh[w][h] = v
        elif op == "set1":
            h, u = r % nh, (r // 7) % nu
            t.set(1, h, u, v)
            m.hu[h][u] = v
        elif op == "many":  # a layer's links in one call, one repeated (the last weight wins)
            layer, k = r % 2, 1 + r % 6
            rows = [(r // (j + 3)) % (nw, nh)[layer] for j in range(k)] + [(r // 3) % (nw, nh)[layer]]
            cols = [(r // (j + 5)) % (nh, nu)[layer] for j in range(k)] + [(r // 5) % (nh, nu)[layer]]
            weights = [v - j for j in range(k + 1)]
            t.set_many(layer, np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(weights))
            for a, b, x in zip(rows, cols, weights):
                (m.wh, m.hu)[layer][a][b] = x
        elif op == "remove":
            u = r % nu
            t.remove_url(u)
            for row in m.hu.values():
                row.pop(u, None)
        elif op == "train":
            words = sorted({r % nw, (r // 11) % nw})
            urls = list(dict.fromkeys([(r // 13) % nu, (r // 17) % nu, (r // 19) % nu]))
            clicked = r % len(urls)
            t.train(np.array(words, dtype=np.int64), np.array(urls, dtype=np.int64), clicked, 0.5, -0.2, learn)
            expect = Model()
            expect.__dict__.update(n=list(m.n), wh={k: dict(x) for k, x in m.wh.items()},
                                   hu={k: dict(x) for k, x in m.hu.items()}, ord=m.ord)
            expect.train(words, urls, clicked, 0.5, -0.2, learn)
            for got, want in [(t.row(0, w), expect.wh[w]) for w in range(nw)] + \
                             [(t.row(1, h), expect.hu[h]) for h in range(nh)]:
                assert set(got) == set(want)
                np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=0, atol=1e-13)
            # continue from the table's own values
            m.wh = {w: t.row(0, w) for w in range(nw)}
            m.hu = {h: t.row(1, h) for h in range(nh)}
        elif op == "tx":
            before = state(t)
            t.begin()
            words = [r % nw]
            urls = list(dict.fromkeys([(r // 3) % nu, (r // 5) % nu]))
            t.add_row(1, -r)
            t.set(0, words[0], nh, v)
            t.set(1, nh, urls[0], v)
            t.train(np.array(words, dtype=np.int64), np.array(urls, dtype=np.int64), 0, 0.5, -0.2, learn)
            t.add_row(2)
            t.set(1, r % nh, nu, v)
            t.set(1, r % nh, urls[-1], t.get(1, r % nh, urls[-1]) or 0.0)  # set to what it is: no change
            assert sorted(zip(*[x.tolist() for x in t.changes()])) == changes(before, state(t))
            t.rollback()
            assert state(t) == before  # bit for bit
        check(t, m)


def test_scores_follow_the_model():
    rng = np.random.default_rng(0)
    t, m = LinkTable(), Model()
    for layer, n in ((0, 20), (1, 60), (2, 80)):
        for _ in range(n):
            assert t.add_row(layer) == m.add(layer)
    for _ in range(600):
        w, h, u = int(rng.integers(20)), int(rng.integers(60)), int(rng.integers(80))
        a, b = float(rng.normal()), float(rng.normal())
        t.set(0, w, h, a)
        t.set(1, h, u, b)
        m.wh[w][h] = a
        m.hu[h][u] = b
    queries = []
    for _ in range(50):
        words = [int(x) for x in rng.choice(20, size=int(rng.integers(1, 4)), replace=False)]
        urls = [int(x) for x in rng.choice(80, size=10, replace=False)] + [-1]
        queries.append((words, len(words) + 1, urls))  # one unknown word
    for words, n_words, urls in queries:
        got = t.score(words, n_words, urls, -0.2)
        assert got == m.score(words, n_words, urls, -0.2)  # the same sums in the same order
    # the batched entry point agrees with one query at a time
    arr = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
    qw_ptr = np.cumsum([0] + [len(q[0]) for q in queries])
    qu_ptr = np.cumsum([0] + [len(q[2]) for q in queries])
    out = t.run(arr(qw_ptr), arr([w for q in queries for w in q[0]]), arr([q[1] for q in queries]), arr(qu_ptr),
                arr([u for q in queries for u in q[2]]), -0.2)
    assert out.tolist() == [s for q in queries for s in m.score(q[0], q[1], q[2], -0.2)]


def test_urls_with_the_same_links_score_the_same_to_the_bit():
    """A url's score sums in hidden id order, whatever order its links were
    made in: equal links give equal scores, so ties stay ties."""
    rng = np.random.default_rng(3)
    t = LinkTable()
    t.add_row(0)
    for _ in range(40):
        t.add_row(1)
    t.add_row(2)
    t.add_row(2)
    weights = rng.normal(size=40) * [10.0 ** int(e) for e in rng.integers(-8, 3, size=40)]
    for h in rng.permutation(40):
        t.set(0, 0, int(h), float(rng.normal()))
    for h in range(40):
        t.set(1, h, 0, float(weights[h]))
    for h in reversed(range(40)):
        t.set(1, h, 1, float(weights[h]))
    a, b = t.score([0], 1, [0, 1], -0.2)
    assert a == b


def test_rollback_drops_new_rows_and_restores_removed_order():
    t = LinkTable()
    for layer in range(3):
        t.add_row(layer)
    t.set(0, 0, 0, 0.5)
    t.set(1, 0, 0, 0.25)
    before = state(t)
    t.begin()
    for layer in range(3):
        t.add_row(layer)
    t.set(0, 0, 1, 1.0)
    t.set(1, 1, 0, 2.0)
    t.set(1, 0, 1, 3.0)
    t.set(1, 0, 0, 4.0)
    t.rollback()
    assert state(t) == before
    # the rows dropped are reused, empty
    assert t.add_row(1) == 1 and t.row(1, 1) == {}
    t.begin()
    t.set(1, 1, 0, 5.0)
    t.commit()
    assert t.row(2, 0) == {0: None, 1: None} and t.column(0) == {0: 0.25, 1: 5.0}


def test_add_rows_is_add_row_many_times():
    """Rows added in one call get the ids and (hidden) orders add_row gives
    them, and a rollback drops them."""
    one, many = LinkTable(), LinkTable()
    orders = np.array([5, -3, 5, 0, 2**62], dtype=np.int64)
    for layer in range(3):
        ids = [one.add_row(layer, int(o)) for o in orders]
        assert many.add_rows(layer, orders).tolist() == ids == list(range(5))
        assert many.add_rows(layer, np.zeros(0, dtype=np.int64)).tolist() == []
    for t in (one, many):  # the hidden rows sort by their orders: one url, linked from each
        t.set_many(1, np.arange(5), np.zeros(5, dtype=np.int64), np.arange(5) / 8)
    assert state(one) == state(many)
    assert one.score([], 0, [0], 0.0) == many.score([], 0, [0], 0.0)
    many.begin()
    assert many.add_rows(1, orders[:2]).tolist() == [5, 6]
    many.rollback()
    assert many.rows(1) == 5
    for bad in (-1, 3):
        with pytest.raises(ShapeError, match="layer: expected 0, 1 or 2"):
            many.add_rows(bad, orders)
        with pytest.raises(ShapeError, match="layer: expected 0, 1 or 2"):
            many.add_row(bad)
    assert [many.rows(layer) for layer in range(3)] == [5, 5, 5]


def test_split_links_sorts_loaded_rows_into_layers():
    """Loaded entries (node, hidden key text or None, weight) become each
    layer's (rows, cols, weights) and each node's link count, as a plain
    loop makes them."""
    from assocmem._searchnet import split_links

    rng = np.random.default_rng(3)
    port = {f"w{i}": (0, i) for i in range(4)} | {f"u{i}": (1, 10 + i) for i in range(5)}
    hidden_id = {f"h{i}": 100 + i for i in range(7)}
    nodes = [str(x) for x in rng.choice(list(port), size=60)]
    hidden = [None if rng.random() < 0.1 else f"h{int(rng.integers(7))}" for _ in nodes]
    weights = [None if h is None else float(rng.normal()) for h in hidden]
    out, into, count = split_links(nodes, hidden, weights, port, hidden_id)
    want = ([], [], []), ([], [], [])
    for n, h, w in zip(nodes, hidden, weights):
        if h is not None:
            layer, i = port[n]
            rows, cols, ws = want[layer]
            rows.append(i if layer == 0 else hidden_id[h])
            cols.append(hidden_id[h] if layer == 0 else i)
            ws.append(w)
    assert [a.tolist() for a in out] == list(want[0]) and [a.tolist() for a in into] == list(want[1])
    assert count == dict(Counter(n for n, h in zip(nodes, hidden) if h is not None))
    assert [a.dtype for a in out + into] == [np.int64, np.int64, np.float64] * 2
    empty = split_links([], [], [], port, hidden_id)
    assert [len(a) for a in empty[0] + empty[1]] == [0] * 6 and empty[2] == {}
    with pytest.raises(ShapeError, match="hidden, weights: expected one per node"):
        split_links(nodes, hidden[:-1], weights, port, hidden_id)
    with pytest.raises(KeyError):
        split_links(["nobody"], ["h0"], [1.0], port, hidden_id)


def test_remove_url_keeps_the_reverse_index():
    t, m = LinkTable(), Model()
    for layer, n in ((0, 1), (1, 5), (2, 6)):
        for _ in range(n):
            assert t.add_row(layer) == m.add(layer)
    for h in range(5):
        for u in range(6):
            t.set(1, h, u, h + u / 10)
            m.hu[h][u] = h + u / 10
    for u in (2, 0, 5):
        t.remove_url(u)
        for row in m.hu.values():
            row.pop(u)
        check(t, m)
    t.remove_url(0)  # nothing left to drop
    check(t, m)


def test_nbytes_counts_the_links_and_the_journal():
    """nbytes: what the C table holds (tracemalloc does not see it): a
    hidden -> url link costs 40 bytes (its weight, url and journal stamp in
    the hidden row, hidden id and position in the url row), a word -> hidden
    link 16; rows grow by doubling, so at most twice that plus each row's
    header.  An open transaction's journal copies the rows it changes."""
    t = LinkTable()
    empty = t.nbytes
    assert 0 < empty < 4096
    n_hidden, n_urls = 200, 300
    for layer, n in ((0, 50), (1, n_hidden), (2, n_urls)):
        for _ in range(n):
            t.add_row(layer)
    rows = t.nbytes - empty
    for h in range(n_hidden):
        for u in range(0, n_urls, 3):  # 100 links per hidden neuron
            t.set(1, h, u, 0.5)
        t.set(0, h % 50, h, 0.25)
    links = t.nbytes - empty - rows
    want = 40 * n_hidden * 100 + 16 * n_hidden
    assert want <= links <= 2 * want + 64 * (50 + n_hidden + n_urls)
    t.begin()
    before = t.nbytes
    for w in range(50):
        t.set(0, w, 0, 1.0)  # every word row journalled whole (4 links each, 16 bytes a link)
    assert t.nbytes - before >= 50 * 4 * 16
    t.rollback()


def test_misuse_is_an_error_not_a_crash():
    t = LinkTable()
    t.add_row(0)
    t.add_row(1)
    t.add_row(2)
    with pytest.raises(KernelError, match="am_lt_set"):
        t.set(1, 0, 5, 1.0)  # no url 5
    with pytest.raises(KernelError, match="am_lt_set"):
        t.set(2, 0, 0, 1.0)  # the reverse index is not set directly
    i64 = lambda *x: np.array(x, dtype=np.int64)  # noqa: E731
    with pytest.raises(KernelError, match="am_lt_set_many"):
        t.set_many(1, i64(0, 0), i64(0, 5), np.array([1.0, 2.0]))  # no url 5: nothing set, not even 0 -> 0
    with pytest.raises(KernelError, match="am_lt_set_many"):
        t.set_many(2, i64(0), i64(0), np.array([1.0]))
    with pytest.raises(ShapeError, match="cols"):
        t.set_many(0, i64(0), i64(0, 0), np.array([1.0]))
    with pytest.raises(ShapeError, match="weights"):
        t.set_many(0, i64(0), i64(0), np.array([1.0, 2.0]))
    with pytest.raises((TypeError, ValueError)):
        t.set_many(0, np.array([0], dtype=np.int32), i64(0), np.array([1.0]))
    t.set_many(0, i64(), i64(), np.array([]))  # nothing to set
    with pytest.raises(KernelError, match="am_lt_row"):
        t.row(1, -1)
    with pytest.raises(ShapeError, match="layer"):
        t.rows(3)
    with pytest.raises(KernelError, match="am_lt_train"):
        t.train(np.array([0], dtype=np.int64), np.array([7], dtype=np.int64), 0, 0.5, 0.0, True)
    with pytest.raises(StateValueError, match="am_lt_train"):
        t.train(np.array([0, 0], dtype=np.int64), np.array([0], dtype=np.int64), 0, 0.5, 0.0, True)
    with pytest.raises(ShapeError, match="urls"):
        t.train(np.array([0], dtype=np.int64), np.array([], dtype=np.int64), 0, 0.5, 0.0, True)
    with pytest.raises(StateValueError, match="am_lt_forward"):
        t.score([0], 1, [0, 0], 0.0)
    t.begin()
    with pytest.raises(KernelError, match="am_lt_remove_url"):
        t.remove_url(0)  # rows only grow inside a transaction
    with pytest.raises(KernelError, match="am_lt_begin"):
        t.begin()
    t.commit()
    with pytest.raises(KernelError, match="am_lt_changes"):
        t.changes()  # only inside a transaction
    with pytest.raises(KernelError, match="am_lt_commit"):
        t.commit()
    with pytest.raises(KernelError, match="am_lt_rollback"):
        t.rollback()
    assert state(t) == ((1, 1, 1), [{}], [{}], [[]])


def test_the_same_net_built_in_another_order_computes_the_same_bits():
    """Hidden neurons sort by their order, not their ids: a table holding
    the same neurons under other ids (created in another order, as a graph
    cache loads them) trains and scores to the bit like the first."""
    rng = np.random.default_rng(8)
    n_hidden, orders = 50, [int(x) for x in rng.integers(-2 ** 62, 2 ** 62, size=50)]
    links = [(int(rng.integers(6)), int(rng.integers(n_hidden)), int(rng.integers(30)), float(rng.normal()),
              float(rng.normal())) for _ in range(300)]
    clicks = [([int(w) for w in rng.choice(6, size=2, replace=False)],
               [int(u) for u in rng.choice(30, size=5, replace=False)], int(rng.integers(5))) for _ in range(40)]
    results = []
    for perm in (np.arange(n_hidden), rng.permutation(n_hidden)):
        t = LinkTable()
        ids = {}
        for h in perm:  # creation order
            ids[int(h)] = t.add_row(1, orders[int(h)])
        for _ in range(6):
            t.add_row(0)
        for _ in range(30):
            t.add_row(2)
        for w, h, u, a, b in links:
            t.set(0, w, ids[h], a)
            t.set(1, ids[h], u, b)
        for words, urls, clicked in clicks:
            t.train(np.array(words, dtype=np.int64), np.array(urls, dtype=np.int64), clicked, 0.5, -0.2, True)
        inv = {v: k for k, v in ids.items()}
        results.append(([t.score(w, 2, u, -0.2) for w, u, _ in clicks],
                        [{inv[h]: x for h, x in t.row(0, w).items()} for w in range(6)],
                        [t.column(u) and {inv[h]: x for h, x in t.column(u).items()} for u in range(30)]))
    assert results[0] == results[1]


def test_hidden_order_is_stable_across_processes_and_tells_types_apart():
    """The hidden order is a hash of the key's repr, the same in every
    process (a graph cache and a reloaded net sum in the same order), and
    1 and '1' differ."""
    import subprocess
    import sys

    from assocmem import _searchnet
    from assocmem.searchnet import hidden_order

    keys = [(1,), ("1",), ("a", "b"), ("b", "a"), (), ("é", 2)]
    here = [hidden_order(k) for k in keys]
    there = subprocess.run([sys.executable, "-c", "from assocmem.searchnet import hidden_order; "
                            f"print([hidden_order(k) for k in {keys!r}])"],
                           check=True, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "7"})
    assert here == eval(there.stdout)
    assert len(set(here)) == len(keys) and all(0 <= o < 2 ** 63 for o in here)
    assert _searchnet.orders([repr(k) for k in keys]).tolist() == here
    with pytest.raises(TypeError):
        _searchnet.orders([b"bytes"])


@pytest.mark.parametrize("learn", [False, True])
def test_a_click_without_learn_trains_only_neurons_of_both_a_word_and_a_url(learn):
    """Without learn (rules "hypergraphdb") a click's hidden layer is the
    neurons linked to both a query word and a query url: the 40 neurons a
    url gathered from other words, and the 30 a word feeds towards other
    urls, are left out (their rows keep every bit), and the weights come out
    as the model (which takes every neuron of the words and urls) computes
    them.  With learn (the book's rules) every one of them takes part."""
    t, m = LinkTable(), Model()
    for layer, n in ((0, 3), (1, 72), (2, 3)):
        for k in range(n):
            assert t.add_row(layer, (k * 7) % 11) == m.add(layer, (k * 7) % 11)
    rng = np.random.default_rng(3)

    def link(layer, a, b):
        v = float(rng.uniform(-1, 1))
        t.set(layer, a, b, v)
        (m.wh, m.hu)[layer][a][b] = v

    for h in (0, 1):  # fed by word 0, linked to url 0: the layer
        link(0, 0, h)
        link(1, h, 0)
    for h in range(2, 42):  # url 0's neurons of other words
        link(0, 1, h)
        link(1, h, 0)
    for h in range(42, 72):  # word 0's neurons of other urls
        link(0, 0, h)
        link(1, h, 1)
    before = [t.row(1, h) for h in range(72)], [t.row(0, w) for w in range(3)]
    work = t.weights_trained
    t.train(np.array([0], dtype=np.int64), np.array([0, 2], dtype=np.int64), 0, 0.5, 0.0, learn)
    m.train([0], [0, 2], 0, 0.5, 0.0, learn)
    layer = 2 if not learn else 72
    assert t.weights_trained - work == layer * (1 + 2)
    if not learn:
        assert [t.row(1, h) for h in range(2, 72)] == before[0][2:]  # untouched, to the bit
        assert t.row(0, 1) == before[1][1]
        assert {h: t.row(0, 0)[h] for h in range(42, 72)} == {h: before[1][0][h] for h in range(42, 72)}
    for w in range(3):
        assert set(t.row(0, w)) == set(m.wh[w])
        np.testing.assert_allclose([t.row(0, w)[h] for h in m.wh[w]], list(m.wh[w].values()), rtol=0, atol=1e-15)
    for h in range(72):
        assert set(t.row(1, h)) == set(m.hu[h])
        np.testing.assert_allclose([t.row(1, h)[u] for u in m.hu[h]], list(m.hu[h].values()), rtol=0, atol=1e-15)


def _clicks_one_by_one(t: LinkTable, clicks, nww: float, nuw: float, link_new: bool, learn: bool) -> None:
    """What am_lt_train_clicks documents, as single calls: the hidden
    neuron's links (generatehiddennode), then the click's training."""
    i64 = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    for words, urls, clicked, h, created in clicks:
        if h >= 0 and created:
            for w in words:
                t.set(0, w, h, nww / len(words))
            for u in urls:
                t.set(1, h, u, nuw)
        elif h >= 0 and link_new:
            for u in urls:
                if t.get(1, h, u) is None:
                    t.set(1, h, u, nuw)
        if clicked >= 0:
            t.train(i64(words), i64(urls), clicked, 0.5, -0.2, learn)


def _pack(clicks):
    i64 = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    w_ptr, u_ptr = np.cumsum([0] + [len(c[0]) for c in clicks]), np.cumsum([0] + [len(c[1]) for c in clicks])
    return (i64(w_ptr), i64([w for c in clicks for w in c[0]]), i64(u_ptr), i64([u for c in clicks for u in c[1]]),
            i64([c[2] for c in clicks]), i64([c[3] for c in clicks]), np.array([c[4] for c in clicks], dtype=np.uint8))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(-1, 4), st.booleans()), max_size=40),
       st.booleans(), st.booleans())
def test_train_clicks_is_the_single_calls_in_one(program, link_new, learn):
    """A batch of clicks in one C call leaves exactly (to the bit) what the
    same clicks leave done one call at a time, and counts the same weights."""
    one, batch = LinkTable(), LinkTable()
    for t in (one, batch):
        for layer, k in ((0, 6), (1, 5), (2, 8)):
            for _ in range(k):
                t.add_row(layer, 0)
    clicks, seen = [], set()
    for r, h, click in program:
        words = list(dict.fromkeys([r % 6, (r // 7) % 6, (r // 11) % 6]))[: 1 + r % 3]
        urls = list(dict.fromkeys([(r // 13) % 8, (r // 17) % 8, (r // 19) % 8]))
        created = h >= 0 and h not in seen
        seen.add(h)
        clicks.append((words, urls, (r // 23) % len(urls) if click else -1, h, created))
    _clicks_one_by_one(one, clicks, 1.0, 0.1, link_new, learn)
    batch.train_clicks(*_pack(clicks), 1.0, 0.1, link_new, 0.5, -0.2, learn)
    assert state(batch) == state(one)
    assert batch.weights_trained == one.weights_trained


def test_train_clicks_refuses_bad_batches_and_stops_at_a_failing_click():
    t = LinkTable()
    for layer in range(3):
        for _ in range(3):
            t.add_row(layer)
    good = [([0, 1], [0, 1], 1, 0, True), ([2], [2], 0, 1, True)]
    args = _pack(good)
    for i, name in ((0, "w_ptr"), (2, "u_ptr"), (5, "hidden"), (6, "created")):
        bad = list(args)
        bad[i] = bad[i][:-1]
        with pytest.raises(ShapeError, match="clicks: w_ptr and u_ptr"):
            t.train_clicks(*bad, 1.0, 0.1, False, 0.5, 0.0, True)
    bad = list(args)
    bad[1] = bad[1][:-1]  # words shorter than w_ptr says
    with pytest.raises(ShapeError, match="pointers must start at 0"):
        t.train_clicks(*bad, 1.0, 0.1, False, 0.5, 0.0, True)
    bad = list(args)
    bad[2] = np.array([0, 2, 2], dtype=np.int64)  # click 1 without a url
    bad[3] = bad[3][:2]
    with pytest.raises(ShapeError, match=r"clicks\[1\]: .*a click needs a url"):
        t.train_clicks(*bad, 1.0, 0.1, False, 0.5, 0.0, True)
    for c in (2, -2):
        bad = list(args)
        bad[4] = np.array([c, 0], dtype=np.int64)
        with pytest.raises(ShapeError, match=rf"clicked\[0\]: expected -1 or a position .*got {c}"):
            t.train_clicks(*bad, 1.0, 0.1, False, 0.5, 0.0, True)
    with pytest.raises((TypeError, ValueError)):
        t.train_clicks(*args[:6], args[6].astype(np.int64), 1.0, 0.1, False, 0.5, 0.0, True)
    assert state(t) == ((3, 3, 3), [{}] * 3, [{}] * 3, [[]] * 3)  # nothing was done
    # a click naming a url the table lacks: the clicks before it are done,
    # the error names it, and inside a transaction a rollback undoes all
    t.begin()
    with pytest.raises(KernelError, match=r"am_lt_train_clicks \(click 1\)"):
        t.train_clicks(*_pack(good[:1] + [([2], [7], 0, 1, True)]), 1.0, 0.1, False, 0.5, 0.0, True)
    assert t.row(1, 0) and t.weights_trained > 0
    t.rollback()
    assert state(t) == ((3, 3, 3), [{}] * 3, [{}] * 3, [[]] * 3)
    t.train_clicks(*_pack([]), 1.0, 0.1, False, 0.5, 0.0, True)  # no clicks: nothing
    assert state(t) == ((3, 3, 3), [{}] * 3, [{}] * 3, [[]] * 3)


def test_score_keys_is_score_on_the_mapped_ids():
    """score_keys maps keys through the two dicts (an unknown word left out
    but counted among the query's words, an unknown url scoring 0) and
    equals score on those ids to the bit; what score refuses it refuses."""
    t = LinkTable()
    for layer, k in ((0, 3), (1, 2), (2, 3)):
        for _ in range(k):
            t.add_row(layer, 0)
    for w, h, v in ((0, 0, 0.4), (1, 0, -0.3), (2, 1, 0.9)):
        t.set(0, w, h, v)
    for h, u, v in ((0, 0, 0.2), (0, 1, -0.7), (1, 2, 0.5), (1, 0, 0.1)):
        t.set(1, h, u, v)
    word_id, url_id = {"a": 0, "b": 1, 7: 2}, {"x": 0, "y": 1, 3: 2}
    for words, urls in ((["a", "b"], ["x", "y", 3]), (["b", "nope", 7], ["zz", "x", 3]), (["nope"], ["x"]),
                        ([7], [3, "y", "x", "q"])):
        ids = [word_id[w] for w in words if w in word_id]
        want = t.score(ids, len(words), [url_id.get(u, -1) for u in urls], -0.1)
        assert t.score_keys(word_id, url_id, words, urls, -0.1) == want
        assert len(want) == len(urls) and all(want[k] == 0.0 for k, u in enumerate(urls) if u not in url_id)
    assert t.score_keys(word_id, url_id, ["a"], ["x"], 0.0) != [0.0]  # the links count
    with pytest.raises(StateValueError, match="am_lt_forward"):
        t.score_keys(word_id, url_id, ["a"], ["x", "x"], 0.0)  # a url twice
    with pytest.raises(KernelError, match="am_lt_forward"):
        t.score_keys(word_id, {"x": 9}, ["a"], ["x"], 0.0)  # an id the table lacks
    with pytest.raises(TypeError):
        t.score_keys(word_id, url_id, [["a"]], ["x"], 0.0)  # unhashable
    assert t.score_keys(word_id, url_id, ["a"], ["x"], 0.0) == t.score([0], 1, [0], 0.0)  # still usable
