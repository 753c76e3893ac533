"""Trust: SearchNet from many threads, mixed key types, atomic training."""

from __future__ import annotations

import _thread
import copy
import threading

import numpy as np
import pytest

from assocmem import SearchNet, graph
from assocmem.errors import ArgumentTypeError


def _log(rng, n, words=40, urls=120):
    out = []
    for _ in range(n):
        w = [f"w{i}" for i in rng.choice(words, rng.integers(1, 4), replace=False)]
        u = [f"u{i}" for i in rng.choice(urls, 8, replace=False)]
        out.append((w, u, u[rng.integers(8)]))
    return out


def test_scores_from_many_threads_are_exact():
    """Four threads score the same net at once: every score list equals the
    serial one (the forward kernel's scratch memory belongs to the call)."""
    rng = np.random.default_rng(4)
    net = SearchNet()
    net.train_many(_log(rng, 300))
    queries = [(s[0], s[1]) for s in _log(rng, 60)]
    want = [net.scores(w, u) for w, u in queries]
    wrong, errors = [], []

    def worker(k):
        try:
            for r in range(40):
                q = (k * 7 + r) % len(queries)
                if net.scores(*queries[q]) != want[q]:
                    wrong.append(q)
                if r % 10 == 0 and net.scores_many(queries) != want:
                    wrong.append(-1)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert not wrong


@pytest.mark.parametrize("where", ["memory", "graph-cached", "graph-uncached"])
def test_scoring_while_training_sees_whole_batches(tmp_path, where):
    """Scores taken while another thread trains equal the scores of the net
    before or after some whole train_many call, never a half-trained net:
    in memory, and graph-backed (LadybugDB) with the rows cached or read
    from the database by every query, while commits write to it."""
    rng = np.random.default_rng(5)
    batches = [_log(rng, 20) for _ in range(6)]
    query = (["w1", "w2"], [f"u{i}" for i in range(10)])
    ref = SearchNet()
    allowed = {tuple(ref.scores(*query))}
    for b in batches:
        ref.train_many(b)
        allowed.add(tuple(ref.scores(*query)))
    store = None if where == "memory" else graph.open(tmp_path / "sn.lbdb")
    net = SearchNet(store, cache_size=0 if where == "graph-uncached" else 10**6)
    stop, seen, errors = threading.Event(), [], []

    def reader():
        try:
            while not stop.is_set():
                seen.append(tuple(net.scores(*query)))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for b in batches:
        net.train_many(b)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert seen and set(seen) <= allowed
    assert net.links() == ref.links()
    if store is not None:
        store.close()


def test_str_and_int_keys_coexist():
    net = SearchNet()
    net.train(["python"], ["a", 1], "a")
    net.train([3], ["a", 1], 1)
    net.train([3, "python"], [1, "a"], 1)
    net.train(["python", 3], ["a", 1], "a")  # same hidden neuron, any order
    assert net.n_hidden == 3
    keys = {h for (_, h) in net.links()["word_hidden"]}
    assert keys == {("python",), (3,), (3, "python")}
    s = net.scores([3, "python"], ["a", 1])
    assert len(s) == 2 and all(-1 < v < 1 for v in s)


@pytest.mark.parametrize("bad", [True, 1.0, None, (1, 2), b"x"])
def test_keys_other_than_str_and_int_are_refused(bad):
    net = SearchNet()
    with pytest.raises(ArgumentTypeError, match="keys must be hashable str or int values"):
        net.train([bad], ["u"], "u")
    assert net.links() == {"word_hidden": {}, "hidden_url": {}}


def _failing_after(real, n_ok: int):
    """_Links.train_clicks that makes every id of the batch, trains its
    first n_ok clicks for real (the table changes), then fails."""
    def flaky(self, sessions, keys, *args):
        for words, urls, _ in sessions:
            [self.word(w) for w in words] + [self.url(u) for u in urls]
        self.hidden_many([k for k in keys if k is not None])
        before = self.table.weights_trained
        real(self, sessions[:n_ok], keys[:n_ok], *args)
        assert self.table.weights_trained > before  # the clicks trained
        raise MemoryError("simulated failure")
    return flaky


def test_failed_train_leaves_the_net_exactly_as_it_was(monkeypatch):
    """A batch that fails half-way (here the kernel raises on the third
    session) is rolled back entirely: links, ids and hidden neurons."""
    rng = np.random.default_rng(6)
    net = SearchNet()
    net.train_many(_log(rng, 30))
    before = copy.deepcopy((net.links(), net._mem.word_id, net._mem.url_id, net._mem.hidden_id,
                            net._mem.hidden_key))
    scores_before = net.scores(["w1", "new-word"], ["u1", "u2", "new-url"])
    from assocmem.searchnet import _Links

    real = _Links.train_clicks
    monkeypatch.setattr(_Links, "train_clicks", _failing_after(real, 2))
    batch = _log(rng, 5) + [(["new-word"], ["new-url", "u1"], "new-url")]
    with pytest.raises(MemoryError):
        net.train_many(batch)
    monkeypatch.setattr(_Links, "train_clicks", real)
    after = (net.links(), net._mem.word_id, net._mem.url_id, net._mem.hidden_id, net._mem.hidden_key)
    assert after == before
    assert net.scores(["w1", "new-word"], ["u1", "u2", "new-url"]) == scores_before
    # and training goes on as if the failed batch never happened
    fresh = SearchNet()
    fresh.train_many(copy.deepcopy(_log(np.random.default_rng(6), 30)))
    fresh.train_many(batch)
    net.train_many(batch)
    assert net.links() == fresh.links()


@pytest.mark.parametrize("batch", [True, False])
def test_rollback_restores_every_structure(monkeypatch, batch):
    """A failure rolls back the links (the C table's rows, including the
    reverse index url -> hidden) and the key maps, in a batch (after two
    sessions changed the table) and in one click."""
    rng = np.random.default_rng(12)
    net = SearchNet()
    net.train_many(_log(rng, 40))
    m = net._mem

    def state():
        return copy.deepcopy((m.word_id, m.url_id, m.hidden_id, m.hidden_key, m.wh, m.hu, m.uh))

    before = state()
    from assocmem.searchnet import _Links

    monkeypatch.setattr(_Links, "train_clicks", _failing_after(_Links.train_clicks, 2 if batch else 1))
    with pytest.raises(MemoryError):
        if batch:
            net.train_many(_log(rng, 5) + [(["brand-new"], ["new-url", "u1"], "new-url")])
        else:
            net.train(["w1", "brand-new"], ["u1", "new-url"], "new-url")
    assert state() == before


def test_ctrl_c_stops_a_long_batch_part_way_and_leaves_the_net_as_it_was():
    """A batch trains in C a few clicks a call, with Ctrl-C checked between
    calls: SIGINT a moment into a long batch (4,000 clicks under the book's
    rules: about a second here) stops it part-way, the rollback leaves the
    net as it was, and the same batch then trains in full."""
    rng = np.random.default_rng(3)
    net = SearchNet()
    net.train_many(_log(rng, 50))
    m = net._mem
    before = copy.deepcopy((net.links(), m.word_id, m.url_id, m.hidden_id, m.hidden_key))
    batch = _log(rng, 4000)
    start = m.table.weights_trained
    timer = threading.Timer(0.2, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            net.train_many(batch)
    finally:
        timer.cancel()
    part = m.table.weights_trained - start
    assert (net.links(), m.word_id, m.url_id, m.hidden_id, m.hidden_key) == before
    net.train_many(batch)
    full = m.table.weights_trained - start - part
    assert 0 < part < full  # stopped in the C loop, before its end
    fresh = SearchNet()
    for b in (_log(np.random.default_rng(3), 50), batch):
        fresh.train_many(b)
    assert net.links() == fresh.links()
