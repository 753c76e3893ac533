"""SearchNet against the book's worked example and a faithful port of the
book's SQLite searchnet; graph-backed nets against in-memory ones."""

from __future__ import annotations

import contextlib
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assocmem import SearchNet, graph
from assocmem.errors import ArgumentError, ArgumentTypeError, GraphError
from assocmem.graph import searchnet_store
from assocmem.searchnet import hidden_order
from graph_suite import neurons_consistent, same_links
from pci_searchnet import searchnet as BookNet

#: The graph layouts of a search net (SearchNet(store, layout=...)).
LAYOUTS = ["links", "neurons"]

W, U = ["world", "bank"], ["worldbank", "river", "earth"]


@contextlib.contextmanager
def statements(store):
    """Every statement the store's LadybugDB backend runs meanwhile, as
    [query, params, result, short] -- one per round trip, whether read as
    rows or as Arrow columns (result None: the statement failed);
    ``short``: run as a short read (one thread, on the calling thread:
    Backend.run_small, columns(small=True))."""
    b = store.backend
    real, seen = b._execute, []

    def recording(query, params=None):
        seen.append(entry := [query, params, None, getattr(b._local, "short", False)])  # a failing one too
        entry[2] = real(query, params)
        return entry[2]

    b._execute = recording
    try:
        yield seen
    finally:
        b._execute = real


def test_book_worked_example():
    net = SearchNet()
    net.generate_hidden(W, U)  # the book calls generatehiddennode first
    assert net.scores(W, U) == pytest.approx([0.076, 0.076, 0.076], abs=5e-4)
    net.train(W, U, "worldbank")
    assert net.scores(W, U) == pytest.approx([0.335, 0.055, 0.055], abs=5e-4)
    # the port gives the same numbers
    book = BookNet()
    book.maketables()
    book.generatehiddennode([1, 2], [10, 11, 12])
    assert book.getresult([1, 2], [10, 11, 12]) == pytest.approx(net_scores_before(), abs=1e-15)


def net_scores_before():
    n = SearchNet()
    n.generate_hidden(W, U)
    return n.scores(W, U)


def random_sessions(rng, n_sessions, n_words=12, n_urls=15):
    sessions = []
    for _ in range(n_sessions):
        words = [int(w) for w in rng.choice(n_words, size=rng.integers(1, 5), replace=False)]
        urls = [int(u) for u in rng.choice(np.arange(100, 100 + n_urls), size=rng.integers(1, 6), replace=False)]
        sessions.append((words, urls, urls[int(rng.integers(len(urls)))]))
    return sessions


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_book_port_on_random_sessions(seed):
    rng = np.random.default_rng(seed)
    ours, book = SearchNet(), BookNet()
    book.maketables()
    for k, (words, urls, clicked) in enumerate(random_sessions(rng, 60)):
        if k % 3 == 0:
            ours.train_many([(words, urls, clicked)])
        else:
            ours.train(words, urls, clicked)
        book.trainquery(words, urls, clicked)
        qw, qu, _ = random_sessions(rng, 1)[0]
        np.testing.assert_allclose(ours.scores(qw, qu), book.getresult(qw, qu), rtol=0, atol=1e-12)
    # same stored links, same weights
    links = ours.links()
    assert len(links["word_hidden"]) == book.con.execute("select count(*) from wordhidden").fetchone()[0]
    assert len(links["hidden_url"]) == book.con.execute("select count(*) from hiddenurl").fetchone()[0]
    assert ours.n_hidden == book.con.execute("select count(*) from hiddennode").fetchone()[0]


def test_four_word_queries_get_no_hidden_neuron_under_pci():
    net = SearchNet()
    net.train(["a", "b", "c", "d"], ["u"], "u")
    assert net.n_hidden == 0
    hg = SearchNet(rules="hypergraphdb")
    hg.train(["a", "b", "c", "d"], ["u"], "u")
    assert hg.n_hidden == 1


def test_hypergraphdb_rules():
    net = SearchNet(rules="hypergraphdb")
    net.train(["x", "y"], ["u1", "u2"], "u1")
    links = net.links()
    # only real links exist: 2 words -> hidden, hidden -> 2 urls
    assert len(links["word_hidden"]) == 2 and len(links["hidden_url"]) == 2
    # a new url for an existing hidden neuron is linked at 0.1, then trained
    net2 = SearchNet(rules="hypergraphdb")
    net2.train(["x", "y"], ["u1"], "u1")
    net2.generate_hidden(["x", "y"], ["u1", "u3"])
    assert net2.links()["hidden_url"][(("x", "y"), "u3")] == 0.1
    # missing links count nothing: a word with no links does not change scores
    assert net.scores(["x", "y"], ["u1"]) == net.scores(["x", "y"], ["u1"])
    a = SearchNet(rules="hypergraphdb")
    a.train(["x"], ["u1"], "u1")
    assert a.scores(["x", "zzz"], ["u1"]) == a.scores(["x"], ["u1"])
    p = SearchNet()  # under pci an unknown word counts -0.2
    p.train(["x"], ["u1"], "u1")
    assert p.scores(["x", "zzz"], ["u1"])[0] < p.scores(["x"], ["u1"])[0]


def test_scores_many_equals_single():
    rng = np.random.default_rng(5)
    net = SearchNet()
    net.train_many(random_sessions(rng, 40))
    queries = [(w, u) for w, u, _ in random_sessions(rng, 25)]
    many = net.scores_many(queries)
    for (w, u), got in zip(queries, many):
        np.testing.assert_allclose(got, net.scores(w, u), rtol=0, atol=1e-15)


def test_unknown_urls_score_zero_and_order_is_kept():
    net = SearchNet()
    net.train(W, U, "worldbank")
    s = net.scores(W, ["nowhere", "worldbank", "river"])
    assert s[0] == 0.0
    assert s[1:] == net.scores(W, ["worldbank", "river"])


def test_remove_output():
    net = SearchNet()
    net.train(W, U, "worldbank")
    net.remove_output("worldbank")
    assert all(url != "worldbank" for (_, url) in net.links()["hidden_url"])
    assert net.scores(W, ["worldbank"]) == [0.0]
    with pytest.raises(ArgumentError, match="url: unknown url 'worldbank'"):
        net.remove_output("worldbank")


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (lambda n: n.scores([], ["u"]), ArgumentError, "words: expected at least one key"),
        (lambda n: n.scores(["w"], []), ArgumentError, "urls: expected at least one key"),
        (lambda n: n.scores(["w"], ["u", "u"]), ArgumentError, "urls: duplicate key 'u'"),
        (lambda n: n.scores([["w"]], ["u"]), ArgumentTypeError, "words: keys must be hashable"),
        (lambda n: n.scores("world", ["u"]), ArgumentTypeError, "words: expected a list of keys"),
        (lambda n: n.train(["w"], ["u"], "v"), ArgumentError, "clicked: expected one of the urls; got 'v'"),
        (lambda n: n.train_many([(["w"], ["u"])]), ArgumentTypeError, r"sessions\[0\]"),
        (lambda n: n.remove_output("nope"), ArgumentError, "unknown url"),
        (lambda n: n.remove_output(["x"]), ArgumentTypeError, "url: keys must be hashable"),
    ],
)
def test_bad_input(call, exc, match):
    net = SearchNet()
    net.train(["w"], ["u"], "u")
    with pytest.raises(exc, match=match):
        call(net)


class _Str(str):
    pass


_key_lists = st.lists(st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "1", ""]), st.booleans(),
                                st.just(1.0), st.builds(_Str, st.sampled_from(["a", "c"])), st.none()), max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_key_lists, _key_lists.map(tuple), _key_lists.map(iter), st.text(max_size=3)))
def test_compiled_key_check_takes_only_what_the_full_check_accepts_as_is(keys):
    """plain_keys (the scoring hot path's check) returns a new list equal
    to the input only where the full check returns the same list; anything
    else it leaves to the full check, which accepts or names the error."""
    from assocmem import _searchnet
    from assocmem.searchnet import _check_keys

    given_keys = keys if isinstance(keys, (list, tuple, str)) else None
    fast = _searchnet.plain_keys(keys)
    if fast is not None:
        assert fast == list(given_keys) and fast is not given_keys
        assert [type(k) for k in fast] == [type(k) for k in given_keys]
        assert all(type(k) in (str, int) for k in fast) and len(set(fast)) == len(fast) > 0
        return
    try:
        out = _check_keys("words", keys)
    except (ArgumentError, ArgumentTypeError) as e:
        assert str(e).startswith("words: ")
        return
    assert given_keys is None or any(type(k) not in (str, int) for k in given_keys)  # subclasses or an iterator
    assert all(type(k) in (str, int) for k in out)


def test_bad_constructor_arguments():
    with pytest.raises(ArgumentError, match="rules"):
        SearchNet(rules="bing")
    with pytest.raises(ArgumentError, match="learning_rate"):
        SearchNet(learning_rate=0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), max_size=40))
def test_neurons_merge_lists_match_a_dict_reference(pairs):
    """searchnet_store._lists, which merges a hidden neuron's stored links
    with a commit's changes: each (owner, item) once, in the order of its
    first pair, with the value of its last pair; owners without pairs get
    empty lists."""
    owner = np.array([o for o, _ in pairs], dtype=np.int64)
    item = np.array([i for _, i in pairs], dtype=np.int64)
    offsets, first, last = searchnet_store._lists(owner, 4, item)
    want: dict[int, dict[int, int]] = {o: {} for o in range(4)}
    for k, (o, i) in enumerate(pairs):
        want[o][i] = k  # a dict keeps the first place and takes the last value
    for o in range(4):
        got = list(range(offsets[o], offsets[o + 1]))
        assert [int(item[first[j]]) for j in got] == list(want[o])
        assert [int(last[j]) for j in got] == list(want[o].values())
        assert all(owner[first[j]] == o for j in got)


# ------------------------------------------------------------ graph-backed
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_backed_equals_in_memory(tmp_path, rules, layout):
    rng = np.random.default_rng(11)
    sessions = random_sessions(rng, 40)
    mem = SearchNet(rules=rules)
    with graph.open(tmp_path / "sn.lbdb") as store:
        g = SearchNet(store, rules=rules, name="sn", layout=layout)
        for k in range(0, 40, 8):
            batch = sessions[k:k + 8]
            mem.train_many(batch)
            g.train_many(batch) if k % 16 == 0 else [g.train(*s) for s in batch]
        for w, u, _ in random_sessions(rng, 15):
            np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
        _assert_same_links(g, mem)
        assert g.n_hidden == mem.n_hidden
        if layout == "neurons":  # arrays hold each link once; ports name exactly the hidden nodes naming them
            assert neurons_consistent(store, "sn") == sum(map(len, mem.links().values()))
    # reopened from disk: the same net
    with graph.open(tmp_path / "sn.lbdb") as store:
        again = SearchNet(store, rules=rules, name="sn", layout=layout)
        w, u, _ = sessions[0]
        np.testing.assert_allclose(again.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
        with pytest.raises(ArgumentError, match="rules: net 'sn' in this store uses rules"):
            SearchNet(store, rules="hypergraphdb" if rules == "pci" else "pci", name="sn", layout=layout)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_query_reads_only_its_neighbourhood(tmp_path, layout):
    """A cold query: one round trip reading only its words' and urls' rows;
    the same query warm: no round trip."""
    rng = np.random.default_rng(3)
    with graph.open(tmp_path / "sn.lbdb") as store:
        trainer = SearchNet(store, name="sn", layout=layout)
        trainer.train_many(random_sessions(rng, 60, n_words=40, n_urls=60))
        total = sum(len(v) for v in trainer.links().values())
        g = SearchNet(store, name="sn", layout=layout)  # a new handle: nothing cached
        w, u = [3], [101, 102]
        with statements(store) as seen:
            scores = g.scores(w, u)
            assert len(seen) == 1  # one round trip
            assert g.scores(w, u) == scores and len(seen) == 1  # warm: none
        hood, _ = g._links.checkout(w, u)
        touched = sum(len(r) for r in hood.wh) + sum(len(r) for r in hood.hu)
        assert seen[0][2].get_num_tuples() <= touched + len(w) + len(u)  # link rows + node existence rows
        assert touched < total / 4  # far from the whole net
        # hidden ids follow load order here, the sums the hidden order: exact
        np.testing.assert_allclose(scores, trainer.scores(w, u), rtol=0, atol=0)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hypergraphdb_query_reads_its_urls_hidden_neurons_only(tmp_path, layout):
    """Rules "hypergraphdb": a cold query reads its urls' rows and their
    hidden neurons' inputs in one round trip, and holds only those hidden
    neurons, not every hidden neuron of its words (which grows with the
    net); scores have the in-memory net's bits, cold and warm, and follow
    the handle's own training."""
    rng = np.random.default_rng(31)
    # few words, many urls: each word links to many hidden neurons
    sessions = random_sessions(rng, 120, n_words=6, n_urls=300)
    mem = SearchNet(rules="hypergraphdb")
    mem.train_many(sessions)
    with graph.open(tmp_path / "h.lbdb") as store:
        SearchNet(store, name="sn", rules="hypergraphdb", layout=layout).train_many(sessions)
        hidden_url = mem.links()["hidden_url"]
        word_hidden = mem.links()["word_hidden"]
        with statements(store) as calls:
            for w, u, _ in sessions[::15]:
                g = SearchNet(store, name="sn", layout=layout)  # a new handle: nothing cached; rules from the store
                calls.clear()
                assert g.scores(w, u) == mem.scores(w, u)  # the same bits
                assert len(calls) == 1
                assert g.scores(w, u) == mem.scores(w, u) and len(calls) == 1  # warm: no round trip
                held = set(g._links._links.hidden_key)
                assert held == {h for (h, b) in hidden_url if b in u}
                of_words = {h for (a, h) in word_hidden if a in w}
                assert len(of_words - held) > 0  # the words' other hidden neurons were not read
                # unknown words and urls, and urls known by now, score as in memory
                for ws, us in (([*w, "no-such-word"], u[:1]), (w, [*u, 999_999]), (["no-such-word"], u)):
                    assert g.scores(ws, us) == mem.scores(ws, us)
            # a handle that scored some queries trains a batch on the same
            # table: it reads the batch's urls' rows and hidden neurons only,
            # and the batch's queries stay warm with the trained scores
            g = SearchNet(store, name="sn", layout=layout)
            extra = random_sessions(rng, 10, n_words=6, n_urls=300)
            for w, u, _ in extra[:5]:
                g.scores(w, u)
            g.train_many(extra)
            mem.train_many(extra)
            batch_urls = {b for _, u, _ in extra for b in u}
            hidden_url = mem.links()["hidden_url"]
            assert set(g._links._links.hidden_key) == {h for (h, b) in hidden_url if b in batch_urls}
            calls.clear()
            for w, u, _ in extra:
                assert g.scores(w, u) == mem.scores(w, u)
            assert not calls  # warm after the commit
        for w, u, _ in sessions[::20]:
            assert g.scores(w, u) == mem.scores(w, u)
        # a url removed after its row was scored: the table forgets it
        w, u, _ = extra[0]
        g.clear_cache()
        g.scores(w, u)
        assert g._links.cache_size > 0
        g.remove_output(u[0])
        mem.remove_output(u[0])
        for ws, us in ((w, u), *((a, b) for a, b, _ in sessions[::20])):
            np.testing.assert_allclose(g.scores(ws, us), mem.scores(ws, us), rtol=0, atol=1e-12)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_hypergraphdb_batch_links_stored_words_and_neurons_it_did_not_read(tmp_path, layout):
    """Rules "hypergraphdb": a batch's checkout reads its urls' rows, their
    hidden neurons' inputs, and which of its words and word combinations
    are stored, never a word's row.  A new handle trains a batch whose words
    and word combinations are stored but linked to none of its urls: it
    links them and creates nothing twice, as in memory."""
    rng = np.random.default_rng(41)
    sessions = random_sessions(rng, 60, n_words=8, n_urls=100)
    mem = SearchNet(rules="hypergraphdb")
    mem.train_many(sessions)
    batch = [(w, [f"new{k}-{j}" for j in range(3)], f"new{k}-1") for k, (w, _, _) in enumerate(sessions[:12])]
    batch += [(["brand-new", *w[:1]], [f"new{k}-0", u[0]], u[0]) for k, (w, u, _) in enumerate(sessions[12:16])]
    with graph.open(tmp_path / "h.lbdb") as store:
        SearchNet(store, name="sn", rules="hypergraphdb", layout=layout).train_many(sessions)
        g = SearchNet(store, name="sn", layout=layout)
        g.train_many(batch)
        mem.train_many(batch)
        # the table: the batch's word combinations and the hidden neurons of
        # its stored urls, not the many others of its words
        reached = {h for (h, b) in mem.links()["hidden_url"] if b in {u[1] for _, u, _ in batch[12:]}}
        held = set(g._links._links.hidden_key)
        assert held == {SearchNet._key(w) for w, _, _ in batch} | reached
        assert {h for (a, h) in mem.links()["word_hidden"] if a in {x for w, _, _ in batch for x in w}} - held
        _assert_cache_accounted(g._links)
        _assert_same_links(g, mem)
        for kind in ("word", "hidden", "url"):
            assert g._links.count(kind) == mem._links.count(kind)
        _assert_same_scores(g, mem, batch + sessions[:20])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
@pytest.mark.parametrize("cache_size", [0, 10**6])
def test_graph_scores_many_loads_a_chunk_per_round_trip(tmp_path, monkeypatch, layout, rules, cache_size):
    """scores_many on a graph-backed net: the in-memory net's bits, one load
    per chunk of cold queries (two statements for a batch of ports in
    layout "neurons"), none when every row is cached."""
    monkeypatch.setattr(searchnet_store, "SCORE_MANY_CHUNK", 7)
    rng = np.random.default_rng(17)
    sessions = random_sessions(rng, 60, n_words=20, n_urls=60)
    mem = SearchNet(rules=rules)
    mem.train_many(sessions)
    queries = [(w, u) for w, u, _ in random_sessions(rng, 20, n_words=22, n_urls=64)]  # some unknown keys
    with graph.open(tmp_path / "m.lbdb") as store:
        SearchNet(store, name="sn", rules=rules, layout=layout).train_many(sessions)
        g = SearchNet(store, name="sn", layout=layout, cache_size=cache_size)
        with statements(store) as calls:
            got = g.scores_many(queries)
            chunks = -(-len(queries) // 7)
            most = 2 if layout == "neurons" and rules == "pci" else 1
            assert chunks <= len(calls) <= most * chunks
            calls.clear()
            assert g.scores_many(queries) == got
            assert (len(calls) == 0) == (cache_size > 0)  # warm: no round trip
        assert got == mem.scores_many(queries) == [mem.scores(w, u) for w, u in queries]
        assert g.scores_many([]) == []


def test_ladybug_replans_reads_as_the_net_grows(tmp_path):
    """LadybugDB keeps one plan per statement text; reads whose plan depends
    on the data get a new text each time the rows written double, so a text
    first planned on empty tables is not used on a loaded net."""
    rng = np.random.default_rng(4)
    with graph.open(tmp_path / "p.lbdb") as store:
        b = store.backend
        q = "MATCH (n:SnNode) RETURN count(n) AS k"
        texts = [b.planned(q)]
        net = SearchNet(store, name="sn")
        for k in range(6):
            net.train_many(random_sessions(rng, 2 ** k, n_words=20, n_urls=60))
            texts.append(b.planned(q))
        assert texts[0] != texts[-1] and len(set(texts)) >= 4  # replanned as the net grew
        assert all(t.startswith(q) for t in texts)
        assert b.run(texts[-1])[0]["k"] == net.n_hidden + len({w for w, _ in net.links()["word_hidden"]}) + len(
            {u for _, u in net.links()["hidden_url"]})
    with graph.open(tmp_path / "p.lbdb") as store:  # reopened: plans are made on the data found
        assert store.backend.planned(q) == texts[0]


def test_ladybug_replans_a_reading_handle_as_another_handle_fills_the_file(tmp_path):
    """Two handles on one file (a notebook's reader and writer): the count
    that names plans is the file's, so the reader's texts change as the
    writer's batches double the rows, and its cold queries give the
    in-memory net's scores."""
    rng = np.random.default_rng(6)
    q = "MATCH (n:SnNode) RETURN count(n) AS k"
    with graph.open(tmp_path / "r.lbdb") as writer, graph.open(tmp_path / "r.lbdb") as reader:
        reading = SearchNet(reader, name="sn", cache_size=0)
        texts = [reader.backend.planned(q)]
        net, mem = SearchNet(writer, name="sn"), SearchNet()
        for k in range(5):
            batch = random_sessions(rng, 2 ** k, n_words=20, n_urls=60)
            net.train_many(batch)
            mem.train_many(batch)
            texts.append(reader.backend.planned(q))
            assert texts[-1] == writer.backend.planned(q)
            _assert_same_scores(reading, mem, batch)
        assert len(set(texts)) >= 4
    with graph.open(tmp_path / "r.lbdb") as store:  # all handles closed: the next open counts afresh
        assert store.backend.planned(q) == texts[0]


def test_ladybug_runs_small_reads_on_one_thread(tmp_path):
    """Backend.run_small runs a statement on one LadybugDB thread (spreading
    a few dozen rows over worker threads costs more than it saves) and the
    connection's setting is back for the next statement, after a failing one
    too; on a closed store it fails like run."""
    setting = "CALL current_setting('threads') RETURN *"
    with graph.open(tmp_path / "t.lbdb") as store:
        b = store.backend

        def threads(rows):
            return int(next(iter(rows[0].values())))

        pool = threads(b.run(setting))
        assert threads(b.run_small(setting)) == 1
        assert threads(b.run(setting)) == pool
        with pytest.raises(GraphError):
            b.run_small("MATCH (n:NoSuchTable) RETURN n")
        assert threads(b.run(setting)) == pool
    with pytest.raises(GraphError, match="closed"):
        b.run_small("RETURN 1 AS one")


@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
@pytest.mark.parametrize("layout", ["links", "neurons"])
def test_cold_queries_load_by_run_small_and_batches_do_not(tmp_path, layout, rules):
    """A cold query's one load goes by run_small, with the query's ids (its
    urls' only under "hypergraphdb", which scores from the urls' rows), by
    a text planned for few ids; a batch checkout of more than SMALL_LOAD ids
    does neither (a plan made for a batch's thousands of ids and kept for
    the text made a cold query 5x slower); scores equal the in-memory
    net's."""
    rng = np.random.default_rng(8)
    sessions = random_sessions(rng, 40, n_words=30, n_urls=40)
    mem = SearchNet(rules=rules)
    mem.train_many(sessions)
    with graph.open(tmp_path / "t.lbdb") as store:
        SearchNet(store, name="sn", rules=rules, layout=layout).train_many(sessions)
        cold = SearchNet(store, name="sn", cache_size=0)
        words, urls, _ = sessions[3]
        queried = [*words, 999, *urls, 998]  # with an unknown word and url
        with statements(store) as ran:
            got = cold.scores(queried[:len(words) + 1], queried[len(words) + 1:])
        np.testing.assert_allclose(got, mem.scores(queried[:len(words) + 1], queried[len(words) + 1:]),
                                   rtol=0, atol=1e-12)
        assert [(len(p["ids"]), q.endswith(" few"), short) for q, p, _, short in ran] == [
            (len(urls) + 1 if rules == "hypergraphdb" else len(queried), True, True)]
        # > SMALL_LOAD ids in each statement of one checkout (of words and urls; of urls, of words and word
        # combinations)
        big = [[int(w) for w in rng.choice(60, 3, replace=False)] for _ in range(2 * searchnet_store.SMALL_LOAD)]
        batch = [(w, [10_000 + k], 10_000 + k) for k, w in enumerate(big)]
        trainer = SearchNet(store, name="sn")  # (opening a net runs the cold query's statement once, over no ids)
        with statements(store) as ran:
            trainer.train_many(batch)
        mem.train_many(batch)
        reads = [(len(p["ids"]), q) for q, p, _, short in ran if p and "ids" in p]
        assert not any(short for *_, short in ran)
        # by texts planned for many ids (a commit's reads of a few: for few)
        assert max(n for n, _ in reads) > searchnet_store.SMALL_LOAD
        assert all(t.endswith(" few") == (n <= searchnet_store.SMALL_LOAD) for n, t in reads)
        np.testing.assert_allclose(cold.scores(*batch[5][:2]), mem.scores(*batch[5][:2]), rtol=0, atol=1e-12)


def test_neurons_batch_checkout_reads_each_hidden_neuron_once(tmp_path):
    """A batch checkout in a new process (nothing cached), layout "neurons":
    each hidden node's arrays are read once, not once per port naming it
    (a url joins hundreds of hidden neurons under the book's rules: the
    one-statement form read a 300-click batch's net hundreds of times over
    and ran out of 24 GB)."""
    pc = pytest.importorskip("pyarrow.compute")
    rng = np.random.default_rng(4)
    sessions = random_sessions(rng, 300, n_words=120, n_urls=300)
    with graph.open(tmp_path / "sn.lbdb") as store:
        SearchNet(store, name="sn", layout="neurons").train_many(sessions[:150])
        stored = sum(len(r["outs"]) + len(r["ins"]) for r in store.query(
            "MATCH (h:SnHidden) RETURN h.ins AS ins, h.outs AS outs"))
        read: list[int] = []
        real, real_columns = store.backend.run, store.backend.columns

        def counting(query, params=None, **kw):
            rows = real(query, params, **kw)
            read.append(sum(len(r.get("outs") or ()) + len(r.get("ins") or ()) for r in rows))
            return rows

        def counting_columns(query, params=None, **kw):  # the same reads as Arrow tables
            table = real_columns(query, params, **kw)
            if table is not None:
                read.extend(len(pc.list_flatten(table.column(c))) for c in ("ins", "outs") if c in table.column_names)
            return table

        store.backend.run, store.backend.columns = counting, counting_columns
        g = SearchNet(store, name="sn", layout="neurons")  # a new handle: nothing cached
        g.train_many(sessions[150:])
        store.backend.run, store.backend.columns = real, real_columns
        ids = len({w for s in sessions[150:] for w in s[0]}) + len({u for s in sessions[150:] for u in s[1]})
        assert ids > searchnet_store.LOAD_NEURONS_MAX  # a batch's checkout, not a query's
        # the checkout reads each stored hidden node once, the commit those it rewrites once more
        assert 0 < sum(read) <= 2 * stored
        mem = SearchNet()
        mem.train_many(sessions)
        for w, u, _ in sessions[::25]:
            np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)


def test_neurons_cold_query_reads_one_weight_per_link(tmp_path):
    """A cold query, layout "neurons": one statement, returning one row per
    (port, hidden neuron) with the weight read in the database at the port's
    position, never the hidden neurons' arrays (each holds every url it was
    shown with)."""
    rng = np.random.default_rng(5)
    sessions = random_sessions(rng, 150, n_words=40, n_urls=200)
    mem = SearchNet()
    mem.train_many(sessions)
    with graph.open(tmp_path / "sn.lbdb") as store:
        SearchNet(store, name="sn", layout="neurons").train_many(sessions)
        for w, u, _ in sessions[::10]:
            g = SearchNet(store, name="sn", layout="neurons", cache_size=0)
            with statements(store) as calls:
                got = g.scores(w, u)
            np.testing.assert_allclose(got, mem.scores(w, u), rtol=0, atol=1e-12)
            assert len(calls) == 1  # one round trip
            links = mem.links()
            want = sum(1 for (a, _) in links["word_hidden"] if a in w) + sum(
                1 for (_, b) in links["hidden_url"] if b in u)
            result = calls[0][2]
            assert result.get_num_tuples() == want  # a row per link of the query's words and urls
            assert result.get_column_names() == ["port", "hid", "w"]
            # only urls, or only words, with links (each port kind alone)
            for ws, us in ((["no-such-word"], u), (w, ["no-such-url"])):
                got = SearchNet(store, name="sn", layout="neurons", cache_size=0).scores(ws, us)
                np.testing.assert_allclose(got, mem.scores(ws, us), rtol=0, atol=1e-12)
        # the arrays those rows came from are far longer
        assert max(len(r["outs"]) for r in store.query("MATCH (h:SnHidden) RETURN h.outs AS outs")) > 20

@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_failed_write_leaves_net_unchanged(tmp_path, monkeypatch, layout):
    with graph.open(tmp_path / "sn.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout)
        g.train(W, U, "worldbank")
        before = g.links()
        for statement in ("UPDATE_LINKS", "LOAD_UPDATE_LINKS", "LOAD_UPDATE_LINKS_JOIN", "UPDATE_HIDDEN", "LOAD_HIDDEN"):
            monkeypatch.setattr(searchnet_store, statement, "MATCH (broken")
        with pytest.raises(GraphError):
            g.train(W + ["new"], U + ["new-url"], "river")
        assert g.links() == before
        labels = ("SnNode",) if layout == "links" else ("SnPort", "SnHidden")
        assert sum(store.query(f"MATCH (n:{label}) RETURN count(n) AS k")[0]["k"] for label in labels) == 2 + 3 + 1


def test_graph_commit_failing_after_the_updates_rolls_back_and_retries(tmp_path, monkeypatch):
    """Layout "links" on LadybugDB, a batch of weight updates and new links:
    the commit creates its new nodes and sets the weights, then creating the
    new links fails inside the database (here: a duplicate key).  The
    transaction rolls back, the same batch fails twice more the same way,
    then commits: no crash, nothing half-written, and the stored net equals
    the in-memory one after reopening."""
    rng = np.random.default_rng(9)
    before, batch = random_sessions(rng, 40, n_words=15, n_urls=30), random_sessions(rng, 40, n_words=15, n_urls=30)
    mem = SearchNet()
    mem.train_many(before)
    with graph.open(tmp_path / "sn.lbdb") as store:
        g = SearchNet(store, name="sn")
        g.train_many(before)
        stored = g.links()
        monkeypatch.setattr(searchnet_store, "LOAD_NEW_LINKS", "LOAD FROM $data CREATE (:SnNode {id: src})")
        with statements(store) as calls:
            for _ in range(3):
                with pytest.raises(GraphError, match="primary key"):
                    g.train_many(batch)
                assert g.links() == stored
        ran = [q for q, *_ in calls]
        assert sum(map(_updates_weights, ran)) == 3 and ran.count("ROLLBACK") == 3
        monkeypatch.undo()
        g.train_many(batch)
        mem.train_many(batch)
        _assert_same_scores(g, mem, batch)
    with graph.open(tmp_path / "sn.lbdb") as store:
        again = SearchNet(store, name="sn")
        _assert_same_links(again, mem)
        _assert_same_scores(again, mem, before + batch)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_keys_and_remove(tmp_path, layout):
    with graph.open(tmp_path / "sn.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout)
        g.train([1, "1"], [2, "2"], 2)  # int and str keys stay distinct
        assert g.n_hidden == 1
        assert set(u for (_, u) in g.links()["hidden_url"]) == {2, "2"}
        g.remove_output(2)
        assert set(u for (_, u) in g.links()["hidden_url"]) == {"2"}
        with pytest.raises(ArgumentError, match="unknown url 2"):
            g.remove_output(2)
        with pytest.raises(ArgumentTypeError, match="keys must be hashable str or int values"):
            g.scores([(1, 2)], ["u"])


@pytest.mark.parametrize("cache_size", [0, 10**6])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_remove_a_hidden_neurons_only_url(tmp_path, layout, cache_size):
    """Found by test_searchnet_model.py: removing the only url of a hidden
    neuron (layout "neurons": its url arrays become empty, which LadybugDB
    refused as an empty list parameter, typed STRING[]) works and leaves
    the net the in-memory one; and the removal leaves the cache within its
    bound (with cache size 0 it held the removed url's entry)."""
    mem = SearchNet()
    with graph.open(tmp_path / "sn.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout, cache_size=cache_size)
        for net in (g, mem):
            net.train([0], [100], 100)
            net.train([1, 2], [101, 102], 101)
            net.remove_output(100)  # hidden neuron (0,) keeps its input and no url
        assert g._links.cache_size <= cache_size
        _assert_same_links(g, mem)
        assert (0, (0,)) in mem.links()["word_hidden"] and not any(h == (0,) for h, _ in mem.links()["hidden_url"])
        _assert_same_scores(g, mem, [([0], [100, 101]), ([1, 2], [101]), ([0, 1, 2], [101, 102])])
        if layout == "neurons":
            assert neurons_consistent(store, "sn") == sum(map(len, mem.links().values()))
        for net in (g, mem):  # the url comes back as a new output
            net.train([0], [100, 101], 100)
        _assert_same_links(SearchNet(store, name="sn", layout=layout), mem)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_generate_hidden_in_a_graph_equals_memory(tmp_path, layout):
    mem = SearchNet()
    mem.generate_hidden(W, U)
    with graph.open(tmp_path / "g.lbdb") as store:
        g = SearchNet(store, name="book", layout=layout)
        g.generate_hidden(W, U)
        g.generate_hidden(W, U)  # a no-op the second time
        assert g.n_hidden == 1
        assert g.scores(W, U) == pytest.approx(mem.scores(W, U), abs=1e-15)
        assert g.links() == mem.links()


# ------------------------------------------------------- graph link store cache
def _assert_same_scores(a, b, queries):
    for w, u, *_ in queries:
        np.testing.assert_allclose(a.scores(w, u), b.scores(w, u), rtol=0, atol=1e-12)


def _assert_cache_accounted(links):
    """A graph handle's cache under rules "hypergraphdb": its size is its
    rows' costs plus the table's word -> hidden links, every hidden neuron a
    held url's row names holds all its inputs (its key's words), no other
    one holds any (after a batch, committed or not), and _ref counts the
    held rows naming each."""
    table, cache = links._links, links._cache
    wh = {w: table.row_wh(w) for w in range(table.table.rows(0))}
    assert cache.size == sum(cache.rows.values()) + sum(len(r) for r in wh.values())
    held = [table.url_id[k] for kind, k in cache.rows if kind == "u" and k in table.url_id]
    named = Counter(h for u in held for h in table.table.row(2, u))
    assert dict(named) == links._ref
    assert set(named) == links._fed == {h for r in wh.values() for h in r}
    for h in links._fed:
        assert all(h in wh[table.word_id[x]] for x in table.hidden_key[h])


def _assert_same_links(net, mem):
    """The same links in both nets (a graph-backed net's read from its
    store), weights to 1e-12."""
    same_links(net.links(), mem.links())


def _updates_weights(query):
    """Whether a statement is a LadybugDB batch's weight update (either form;
    the look-ups' text carries Backend.planned's suffix)."""
    return query == searchnet_store.LOAD_UPDATE_LINKS_JOIN or query.startswith(searchnet_store.LOAD_UPDATE_LINKS)


@pytest.mark.parametrize("share", [0, 1 / 20, math.inf])
def test_graph_weight_updates_by_join_or_look_ups_agree(tmp_path, monkeypatch, share):
    """LadybugDB: a batch's weight updates go by key look-ups (a cost per
    row, whatever the net's size) unless they are UPDATE_JOIN_SHARE or more
    of the file's links (then by one join with every link).  Each form,
    forced, and the real choice give the in-memory net's weights, and the
    choice follows the count."""
    monkeypatch.setattr(searchnet_store, "UPDATE_JOIN_SHARE", share)
    rng = np.random.default_rng(41)
    before, batch = random_sessions(rng, 30, n_words=20, n_urls=40), random_sessions(rng, 30, n_words=20, n_urls=40)
    mem = SearchNet(rules="hypergraphdb")
    with graph.open(tmp_path / "u.lbdb") as store:
        g = SearchNet(store, name="sn", rules="hypergraphdb")
        # another net's links count too: the join reads every SN_LINK of the file
        SearchNet(store, name="other", rules="hypergraphdb").train_many(random_sessions(rng, 1000, n_words=300,
                                                                                       n_urls=3000))
        for sessions in (before, batch):
            mem.train_many(sessions)
            links = store.query("MATCH ()-[l:SN_LINK]->() RETURN count(*) AS k")[0]["k"]  # what the commit counts
            with statements(store) as ran:
                g.train_many(sessions)
        updates = [p["data"].num_rows for q, p, *_ in ran if _updates_weights(q)]
        joined = [q == searchnet_store.LOAD_UPDATE_LINKS_JOIN for q, *_ in ran if _updates_weights(q)]
        assert len(updates) == 1 and updates[0] > 0
        assert joined == [updates[0] >= share * links]
        if share == 0:
            assert joined == [True]
        elif share == math.inf:
            assert joined == [False]
        else:  # the real share: 30 clicks update a few hundred of the file's thousands of links
            assert joined == [False] and updates[0] < links / 20
        _assert_same_links(SearchNet(store, name="sn"), mem)
        _assert_same_scores(SearchNet(store, name="sn", cache_size=0), mem, batch)


def test_graph_counts_links_again_only_when_the_choice_may_change(tmp_path):
    """LadybugDB: the file's link count (COUNT_LINKS) that picks how
    updates go is read once; later batches far below UPDATE_JOIN_SHARE of
    it (plus the links the handle created since) do not read it again, a
    removal does; weights stay the in-memory net's."""
    rng = np.random.default_rng(43)
    batches = [random_sessions(rng, 10, n_words=20, n_urls=40) for _ in range(5)]
    mem = SearchNet(rules="hypergraphdb")
    with graph.open(tmp_path / "n.lbdb") as store:
        SearchNet(store, name="other", rules="hypergraphdb").train_many(random_sessions(rng, 300, n_words=300,
                                                                                      n_urls=3000))
        g = SearchNet(store, name="sn", rules="hypergraphdb")
        with statements(store) as ran:
            for k, batch in enumerate(batches):
                if k == 3:
                    url = batches[0][0][1][0]
                    g.remove_output(url)
                    mem.remove_output(url)
                g.train_many(batch)
                mem.train_many(batch)
        counted = [q == searchnet_store.COUNT_LINKS for q, *_ in ran]
        updated = [_updates_weights(q) for q, *_ in ran]
        assert sum(updated) >= 4  # the batches after the first update weights
        assert sum(counted) == 2  # the first updating batch, and the first after the removal
        _assert_same_links(g, mem)


@pytest.mark.parametrize("cache_size", [0, 40, 10**6])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_cache_bounded_and_exact(tmp_path, cache_size, layout, rules):
    rng = np.random.default_rng(21)
    sessions = random_sessions(rng, 80, n_words=30, n_urls=40)
    mem = SearchNet(rules=rules)
    with graph.open(tmp_path / "c.lbdb") as store:
        g = SearchNet(store, name="sn", cache_size=cache_size, layout=layout, rules=rules)
        for k in range(0, 80, 10):
            mem.train_many(sessions[k:k + 10])
            g.train_many(sessions[k:k + 10])
            assert g._links.cache_size <= cache_size
            _assert_same_scores(g, mem, random_sessions(rng, 5, n_words=30, n_urls=40))
            assert g._links.cache_size <= cache_size  # scoring too
            if rules == "hypergraphdb":
                _assert_cache_accounted(g._links)
        if cache_size >= 10**6:  # everything it wrote or read is cached: no round trip for a known query
            with statements(store) as calls:
                g.scores(*sessions[3][:2])
            assert calls == []
        _assert_same_links(g, mem)  # links() reads the store, not the cache


@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_batch_trains_a_hidden_neuron_whose_only_url_its_checkout_evicts(tmp_path, layout):
    """Found by test_searchnet_model.py (rules "hypergraphdb", cache 20): the
    third batch trains hidden neuron (0, 1), whose only url, 100, is not in
    the batch.  Its checkout fed (0, 1) its inputs, then evicted url 100 to
    fit the cache, which dropped the inputs of the hidden neurons no held
    url links to, (0, 1)'s among them; the batch trained (0, 1) without its
    inputs and stored wrong weights (0.5215 for 0.5395, 0.1 for 0.457)."""
    batches = [[([0], [100, 101, 102], 100)],
               [([0, 1], [100], 100), ([0, 1, 2], [100, 101], 100), ([0], [103], 103)],
               [([0], [101, 105, 102], 101), (["w"], [106], 106), ([2], ["100"], "100"), ([0, 1], [106], 106)]]
    mem = SearchNet(rules="hypergraphdb")
    with graph.open(tmp_path / "e.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout, rules="hypergraphdb", cache_size=20)
        for batch in batches:
            g.train_many(batch)
            mem.train_many(batch)
            _assert_cache_accounted(g._links)
        assert ("u", 100) not in g._links._cache.rows  # the case: evicted by the last batch's checkout
        _assert_same_links(g, mem)
        _assert_same_scores(g, mem, [([0, 1], [106, 100]), ([0], [101, 102, 103])])


@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_cache_ids_stay_bounded(tmp_path, monkeypatch, rules):
    """Evicted rows keep their ids (reused when they come back); once the ids
    pass the bound the table starts afresh, and scores stay exact.  So are
    the handle's memos of hidden keys (GraphLinks._hidden_ids,
    _hidden_text), which outlive its tables."""
    monkeypatch.setattr(searchnet_store.GraphLinks, "ID_BOUND", 60)
    rng = np.random.default_rng(23)
    sessions = random_sessions(rng, 400, n_words=100, n_urls=2000)
    mem = SearchNet(rules=rules)
    mem.train_many(sessions)
    m = mem._mem
    with graph.open(tmp_path / "ids.lbdb") as store:
        SearchNet(store, name="sn", rules=rules).train_many(sessions)
        g = SearchNet(store, name="sn", cache_size=10)
        table = g._links
        peak, tables, memo, most = 0, set(), 0, 0
        for words, urls, _ in random_sessions(rng, 120, n_words=100, n_urls=2000):
            assert g.scores(words, urls) == mem.scores(words, urls)  # the same bits, whatever was cached
            links = table._links
            tables.add(id(links))
            # at most the ids of one query's rows: its words' links (pci), its urls' links, their hidden
            # neurons and (hypergraphdb) those neurons' input words
            loaded = {h for u in urls if u in m.url_id for h in m.column_hu(m.url_id[u])}
            if rules == "pci":
                loaded |= {h for w in words if w in m.word_id for h in m.row_wh(m.word_id[w])}
            most = max(most, len(words) + len(urls) + len(loaded) + sum(len(m.hidden_key[h]) for h in loaded))
            peak = max(peak, len(links.word_id) + len(links.url_id) + len(links.hidden_key))
            memo = max(memo, len(table._keys), len(table._texts))
            assert table.cache_size <= 10
            # the decoded keys, orders and texts kept across tables (GraphLinks._hidden_ids) are the keys' own
            assert table._keys.keys() == table._orders.keys()
            for text, key in table._keys.items():
                assert searchnet_store.decode_hidden(text) == key
                assert table._orders[text] == hidden_order(key)
            assert all(searchnet_store.encode_hidden(key) == text for key, text in table._texts.items())
        # the bound, plus at most one query's ids before the trim; so are the memos of hidden keys
        assert peak <= 60 + most
        assert 0 < memo <= 60 + most
        if rules == "hypergraphdb":  # (a pci query's words link to most hidden neurons)
            assert 60 + most < len(m.hidden_key)
        assert len(tables) > 1  # the table did start afresh


def test_graph_cache_size_is_checked(tmp_path):
    with graph.open(tmp_path / "c.lbdb") as store:
        for bad in (-1, 1.5, True, "10"):
            with pytest.raises(ArgumentError, match="cache_size: expected an integer >= 0"):
                SearchNet(store, name="sn", cache_size=bad)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_failed_commit_leaves_cache_and_store_consistent(tmp_path, monkeypatch, layout, rules):
    rng = np.random.default_rng(5)
    sessions = random_sessions(rng, 30)
    # another handle stores a word combination, which the batch shows with a
    # url it never met
    other = (["other-a", "other-b"], ["other-url"], "other-url")
    sessions.append((other[0], ["fresh-url"], "fresh-url"))
    with graph.open(tmp_path / "f.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout, rules=rules)
        g.train_many(sessions[:20])
        SearchNet(store, name="sn").train_many([other])
        probes = random_sessions(rng, 8)
        before = [g.scores(w, u) for w, u, _ in probes]  # now cached
        for statement in ("UPDATE_LINKS", "LOAD_UPDATE_LINKS", "LOAD_UPDATE_LINKS_JOIN", "UPDATE_HIDDEN", "LOAD_HIDDEN"):
            monkeypatch.setattr(searchnet_store, statement, "MATCH (broken")
        with pytest.raises(GraphError):
            g.train_many(sessions[20:])
        monkeypatch.undo()
        if rules == "hypergraphdb":  # the neurons the batch looked up went again with it
            _assert_cache_accounted(g._links)
        assert [g.scores(w, u) for w, u, _ in probes] == before  # the cache did not take the failed batch
        fresh = SearchNet(store, name="sn", layout=layout)  # the store did not either (rows read in another order: last bits)
        for (w, u, _), want in zip(probes, before):
            np.testing.assert_allclose(fresh.scores(w, u), want, rtol=0, atol=1e-15)
        g.train_many(sessions[20:])  # and the batch goes through afterwards, as in memory
        mem = SearchNet(rules=rules)
        mem.train_many(sessions[:20])
        mem.train_many([other])
        mem.train_many(sessions[20:])
        _assert_same_scores(g, mem, probes + [other])


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_batch_interrupted_while_it_trains_leaves_cache_and_store_as_they_were(tmp_path, monkeypatch, layout,
                                                                                      rules):
    """Ctrl-C while a graph-backed batch trains in the cache's table (the C
    loop checks for it between its calls; here raised after three clicks
    trained): nothing was sent, the table rolls back, and the cache and the
    store hold the net as it was; the batch then goes through."""
    from assocmem.searchnet import _Links

    rng = np.random.default_rng(15)
    sessions = random_sessions(rng, 30)
    probes = random_sessions(rng, 8)
    with graph.open(tmp_path / "i.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout, rules=rules)
        g.train_many(sessions[:20])
        before = [g.scores(w, u) for w, u, _ in probes]  # now cached
        real = _Links.train_clicks

        def interrupted(self, batch, keys, *args):
            start = self.table.weights_trained
            real(self, batch[:3], keys[:3], *args)
            assert self.table.weights_trained > start  # the table changed
            raise KeyboardInterrupt

        monkeypatch.setattr(_Links, "train_clicks", interrupted)
        with pytest.raises(KeyboardInterrupt):
            g.train_many(sessions[20:])
        monkeypatch.undo()
        if rules == "hypergraphdb":
            _assert_cache_accounted(g._links)
        assert [g.scores(w, u) for w, u, _ in probes] == before
        fresh = SearchNet(store, name="sn", layout=layout)
        for (w, u, _), want in zip(probes, before):
            np.testing.assert_allclose(fresh.scores(w, u), want, rtol=0, atol=1e-15)
        g.train_many(sessions[20:])
        mem = SearchNet(rules=rules)
        mem.train_many(sessions[:20])
        mem.train_many(sessions[20:])
        _assert_same_scores(g, mem, probes)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_cache_sees_other_writers_after_clear(tmp_path, layout, rules):
    """Two handles with caches of their own (as two processes): a writer's
    batch is seen by the other once its rows are read again."""
    rng = np.random.default_rng(8)
    sessions = random_sessions(rng, 20)
    with graph.open(tmp_path / "o.lbdb") as store:
        a = SearchNet(store, name="sn", layout=layout, rules=rules)
        b = SearchNet(store, name="sn", layout=layout)
        a.train_many(sessions[:10])
        w, u, _ = sessions[0]
        stale = b.scores(w, u)  # b caches these rows
        a.train_many([sessions[0]] * 5)
        assert b.scores(w, u) == stale  # documented: cached rows until cleared or evicted
        b.clear_cache()
        np.testing.assert_allclose(b.scores(w, u), a.scores(w, u), rtol=0, atol=1e-15)
        assert np.abs(np.subtract(b.scores(w, u), stale)).max() > 1e-3


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_scoring_from_threads_is_exact(tmp_path, layout, rules):
    import concurrent.futures

    rng = np.random.default_rng(9)
    sessions = random_sessions(rng, 40, n_words=30, n_urls=40)
    with graph.open(tmp_path / "t.lbdb") as store:
        SearchNet(store, name="sn", layout=layout, rules=rules).train_many(sessions)
        g = SearchNet(store, name="sn", cache_size=30, layout=layout)  # small: rows are evicted while other threads read
        queries = random_sessions(rng, 60, n_words=30, n_urls=40)
        want = [SearchNet(store, name="sn", cache_size=0, layout=layout).scores(w, u) for w, u, _ in queries]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda q: g.scores(q[0], q[1]), queries * 3))
        assert got == want * 3


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_training_while_threads_score(tmp_path, layout, rules):
    """One thread trains batches while three score through the same small
    cache (rows evicted and reloaded all along): every score a thread gets
    is the in-memory net's after some prefix of the batches, and at the
    end the net, its cache accounting and its scores are the in-memory
    net's."""
    import concurrent.futures

    rng = np.random.default_rng(19)
    batches = [random_sessions(rng, 8, n_words=20, n_urls=30) for _ in range(6)]
    queries = random_sessions(rng, 10, n_words=20, n_urls=30)
    mem = SearchNet(rules=rules)
    allowed = [[mem.scores(w, u) for w, u, _ in queries]]  # the scores after each prefix of the batches
    for batch in batches:
        mem.train_many(batch)
        allowed.append([mem.scores(w, u) for w, u, _ in queries])
    with graph.open(tmp_path / "tw.lbdb") as store:
        g = SearchNet(store, name="sn", cache_size=60, layout=layout, rules=rules)
        done = []

        def train():
            for batch in batches:
                g.train_many(batch)
            done.append(True)

        def score(k):
            seen = []
            while not done:
                q = k % len(queries)
                seen.append((q, g.scores(*queries[q][:2])))
                k += 1
            return seen

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            scorers = [pool.submit(score, k) for k in range(3)]
            pool.submit(train).result()
            seen = [x for f in scorers for x in f.result()]
        assert seen
        for q, got in seen:
            assert any(np.allclose(got, a[q], rtol=0, atol=1e-12) for a in allowed)
        if rules == "hypergraphdb":
            _assert_cache_accounted(g._links)
        _assert_same_links(g, mem)
        _assert_same_scores(g, mem, queries)


@pytest.mark.parametrize("checkpoints", ["default", "deferred"])
def test_graph_batches_never_copy_even_after_one_failed(tmp_path, checkpoints):
    """LadybugDB: every batch goes by LOAD FROM, never COPY, even a large
    one that only creates: a COPY rolled back with its transaction corrupts
    LadybugDB 0.22's heap (see searchnet_store.LOAD_NEW_NODES).  The first
    batch here (a fresh net, over 10,000 new nodes and links: it went by
    COPY before) fails at its links' statement and rolls back; it and the
    next ones then give the in-memory net's weights, and a reopened file
    too."""
    rng = np.random.default_rng(31)
    sessions = []
    for _ in range(120):
        urls = [int(u) for u in rng.choice(np.arange(100, 400), size=10, replace=False)]
        sessions.append(([int(w) for w in rng.choice(40, size=rng.integers(1, 4), replace=False)], urls,
                         urls[int(rng.integers(10))]))
    batches = [sessions[:60], sessions[60:80], sessions[80:100], sessions[100:]]
    mem = SearchNet()
    threshold = 2**27 if checkpoints == "deferred" else None
    with graph.open(tmp_path / "j.lbdb", checkpoint_threshold=threshold) as store:
        g = SearchNet(store, name="sn")
        backend = store.backend
        copies, loads = [], []
        real_copy, real_execute = backend.copy, backend._execute

        def copying(table, data):
            copies.append(table)
            real_copy(table, data)

        def failing(query, params=None):
            loads.append(query)
            if query == searchnet_store.LOAD_NEW_LINKS:
                raise GraphError("injected: the links' statement failed")
            return real_execute(query, params)

        backend.copy, backend._execute = copying, failing
        with pytest.raises(GraphError, match="injected"):
            g.train_many(batches[0])
        assert "ROLLBACK" in loads and searchnet_store.LOAD_NEW_NODES in loads
        assert g.links() == {"word_hidden": {}, "hidden_url": {}}

        def executing(query, params=None):
            loads.append(query)
            return real_execute(query, params)

        backend._execute = executing
        for k, batch in enumerate(batches):
            loads.clear()
            mem.train_many(batch)
            g.train_many(batch)
            assert searchnet_store.LOAD_NEW_LINKS in loads
            assert any(map(_updates_weights, loads)) == (k > 0)  # the first batch only creates
            if k == 0:
                assert sum(map(len, mem.links().values())) > 10_000
        assert copies == []
        _assert_same_links(SearchNet(store, name="sn"), mem)
    with graph.open(tmp_path / "j.lbdb") as store:
        _assert_same_links(SearchNet(store, name="sn"), mem)


@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_neurons_removal_between_reopenings_keeps_other_weights(tmp_path, rules):
    """Layout "neurons": batches, the file reopened, a url removed, the file
    reopened again.  With LadybugDB's compression on, the second checkpoint
    wrote another hidden neuron's weight array wrongly: (("w",), "100")
    read back 0.0 instead of 0.4726 (found by test_searchnet_model.py;
    plain-LadybugDB case in test_ladybug_upstream.py; assocmem now opens
    databases without compression)."""
    path = tmp_path / "lists.lbdb"
    mem = SearchNet(rules=rules)
    batches = [[(["x", 3, 5], ["u", 102, "100"], 102), ([1, "3", 4], ["100", 102], "100"), (["w"], ["100"], "100")],
               [([4], [100, 101, 105], 101)]]
    with graph.open(path) as store:
        g = SearchNet(store, name="sn", layout="neurons", rules=rules)
        for batch in batches:
            g.train_many(batch)
            mem.train_many(batch)
    with graph.open(path) as store:
        SearchNet(store, name="sn").remove_output(101)
        mem.remove_output(101)
    with graph.open(path) as store:
        _assert_same_links(SearchNet(store, name="sn"), mem)


def _doubling_creates(real):
    """``real`` (a LadybugDB backend's _execute) with the first row of each
    LOAD FROM that creates search-net nodes given twice, so that LadybugDB
    refuses it half-way (a duplicate key)."""
    import pyarrow as pa

    def doubling(query, params=None):
        if query.startswith("LOAD FROM $data CREATE (:Sn") and params and params["data"].num_rows:
            params = {**params, "data": pa.concat_tables([params["data"], params["data"].slice(0, 1)])}
        return real(query, params)

    return doubling


@pytest.mark.parametrize("layout", ["links", "neurons"])
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_batches_whose_statement_ladybugdb_refuses_leave_the_committed_net(tmp_path, layout, rules):
    """LadybugDB: a batch whose creating LOAD FROM LadybugDB itself refuses
    half-way (here given its first row twice: a duplicate key).  With
    neither the reopening in LadybugBackend._after_failed_write nor the
    clearing of the failed statement's frames in LadybugBackend._execute
    (each alone was enough), sequences like this one gave wrong links, or a
    file that no longer opened ("table 0 doesn't exist in catalog").
    Every failed batch must leave the net as if it never ran, in this
    process and after reopening."""
    import random

    rng = random.Random(f"{layout}{rules}")
    path = tmp_path / "refused.lbdb"
    mem = SearchNet(rules=rules)
    store = graph.open(path)
    g = SearchNet(store, name="sn", rules=rules, layout=layout)
    refused = 0
    for k in range(12):
        batch = []
        for _ in range(rng.randint(1, 6)):
            urls = [f"u{u}" for u in rng.sample(range(60), rng.randint(1, 4))]
            batch.append(([f"w{w}" for w in rng.sample(range(30), rng.randint(1, 3))], urls, rng.choice(urls)))
        backend = store.backend
        real = backend._execute
        if k % 2 == 0:
            backend._execute = _doubling_creates(real)
        try:
            g.train_many(batch)
        except GraphError as exc:
            assert k % 2 == 0 and "duplicated primary key" in str(exc), exc
            refused += 1
        else:
            mem.train_many(batch)
        finally:
            backend._execute = real
        _assert_same_links(g, mem)
        if k % 4 == 3:
            store.close()
            store = graph.open(path)
            g = SearchNet(store, name="sn")
    assert refused >= 4  # a batch of only known nodes creates none and cannot be refused so
    store.close()
    with graph.open(path) as store:
        _assert_same_links(SearchNet(store, name="sn"), mem)


def test_graph_batch_loads_by_arrow_columns_equal_row_loads(tmp_path, monkeypatch):
    """LadybugDB: a batch's load of more than SMALL_LOAD ids reads Arrow
    columns; it gives what the row-by-row read gives (rows with links, a
    stored word without links, nothing for an unknown one), and a cold
    batch trained through it gives the in-memory net."""
    rng = np.random.default_rng(43)
    sessions = random_sessions(rng, 200, n_words=150, n_urls=300)
    mem = SearchNet()
    with graph.open(tmp_path / "c.lbdb") as store:
        g = SearchNet(store, name="sn")
        g.train_many(sessions)
        mem.train_many(sessions)
        store.query("CREATE (:SnNode {id: $id, net: 'sn', kind: 'word', key: 'sbare'})", id=g._links._word_id("bare"))
        links = g._links
        ids = ([links._word_id(w) for w in range(150)] + [links._url_id(u) for u in range(100, 400)]
               + [links._word_id("bare"), links._word_id("absent")])
        assert len(ids) > searchnet_store.SMALL_LOAD
        # nothing cached: the batch's checkout below reads its hundreds of ids (opened here: opening runs the
        # cold query's read once, over no ids, GraphLinks._warm)
        cold = SearchNet(store, name="sn")
        real, calls = store.backend.columns, []

        def columns(query, params=None, **kw):
            calls.append(query)
            return real(query, params, **kw)

        store.backend.columns = columns
        by_columns = links._load_links(ids)
        assert len(calls) == 1
        rows = sorted(zip(*by_columns), key=repr)
        assert [r for r in rows if r[0] == links._word_id("bare")] == [(links._word_id("bare"), None, None)]
        assert links._word_id("absent") not in by_columns[0]
        # every link once: a word's row holds its links out, a url's the links into it
        assert sum(h is not None for _, h, _ in rows) == sum(map(len, mem.links().values()))
        monkeypatch.setattr(type(store.backend), "arrow_results", property(lambda self: False))
        by_rows = links._load_links(ids)
        assert len(calls) == 1 and sorted(zip(*by_rows), key=repr) == rows
        monkeypatch.undo()
        batch = random_sessions(rng, 150, n_words=150, n_urls=300)
        cold.train_many(batch)
        mem.train_many(batch)
        assert len(calls) == 2
        _assert_same_links(SearchNet(store, name="sn"), mem)


def test_graph_batch_after_another_writer_fails_clearly_then_trains(tmp_path):
    """Layout "links" on LadybugDB: a handle that read a word and a url as
    absent, then another handle stores them: the first handle's batch would
    create them again.  It fails with an error that says why and what to do,
    writes nothing, and after clear_cache() trains the batch; the net is the
    in-memory one of all three clicks."""
    mem = SearchNet()
    with graph.open(tmp_path / "w.lbdb") as store:
        a = SearchNet(store, name="sn")
        a.train(["w"], ["u1", "u2"], "u1")
        mem.train(["w"], ["u1", "u2"], "u1")
        assert a.scores(["x"], ["u1", "u3"]) == mem.scores(["x"], ["u1", "u3"])  # x and u3 now cached as absent
        SearchNet(store, name="sn").train(["x"], ["u1", "u3"], "u3")
        mem.train(["x"], ["u1", "u3"], "u3")
        stored = SearchNet(store, name="sn").links()
        with pytest.raises(GraphError, match=r"duplicated primary key .*another writer stored nodes of this batch "
                                             r"after this handle read them; call clear_cache\(\)"):
            a.train(["x"], ["u1", "u3"], "u1")
        assert SearchNet(store, name="sn").links() == stored
        a.clear_cache()
        a.train(["x"], ["u1", "u3"], "u1")
        mem.train(["x"], ["u1", "u3"], "u1")
        _assert_same_links(SearchNet(store, name="sn"), mem)
        _assert_same_scores(a, mem, [(["x"], ["u1", "u3"]), (["w", "x"], ["u1", "u2", "u3"])])


def test_graph_batch_reuses_stored_nodes_without_links(tmp_path):
    """A word, url or hidden node stored without links (which a checkout
    does not read) that a batch then links: one node, and the in-memory
    net's weights."""
    sessions = [([1, 2], [101, 102], 101), ([3], [103, 104], 104)]
    mem = SearchNet()
    with graph.open(tmp_path / "n.lbdb") as store:
        g = SearchNet(store, name="sn")
        g.train_many(sessions[:1])
        mem.train_many(sessions[:1])
        links = g._links
        bare = [(links._word_id(3), "word", "i3"), (links._url_id(104), "url", "i104"),
                (links._id("hidden", searchnet_store.encode_hidden((3,))), "hidden",
                 searchnet_store.encode_hidden((3,)))]
        for node, kind, key in bare:
            store.query("CREATE (:SnNode {id: $id, net: 'sn', kind: $kind, key: $key})", id=node, kind=kind, key=key)
        g.clear_cache()
        g.train_many(sessions[1:])
        mem.train_many(sessions[1:])
        for node, _, _ in bare:
            assert store.query("MATCH (n:SnNode {id: $id}) RETURN count(n) AS k", id=node) == [{"k": 1}]
        _assert_same_links(SearchNet(store, name="sn"), mem)
        _assert_same_scores(SearchNet(store, name="sn", cache_size=0), mem, sessions)


def test_graph_layout_is_fixed_per_net_and_checked(tmp_path):
    with graph.open(tmp_path / "l.lbdb") as store:
        SearchNet(store, "hypergraphdb", name="a", layout="neurons").train(W, U, "worldbank")
        with pytest.raises(ArgumentError, match="layout: net 'a' in this store has layout 'neurons'; got 'links'"):
            SearchNet(store, name="a", layout="links")
        with pytest.raises(ArgumentError, match="rules: net 'a' in this store uses rules 'hypergraphdb'; got 'pci'"):
            SearchNet(store, "pci", name="a")
        # unsaid, the rules and layout are the stored net's
        again = SearchNet(store, name="a")
        assert again.rules == "hypergraphdb" and again._links.layout == "neurons"
        mem = SearchNet(rules="hypergraphdb")
        mem.train(W, U, "worldbank")
        assert again.scores(W, U) == mem.scores(W, U)
        new = SearchNet(store, name="d")  # a new net: the defaults
        assert new.rules == "pci" and new._links.layout == "links"
        with pytest.raises(ArgumentError, match="layout: expected one of 'links', 'neurons'; got 'rows'"):
            SearchNet(store, name="b", layout="rows")
        # the two layouts of the same clicks: the same weights, and nothing of one in the other's nodes
        links = SearchNet(store, name="c", layout="links")
        links.train(W, U, "worldbank")
        assert SearchNet(store, name="a", layout="neurons").links() == links.links()
        assert store.query("MATCH (n:SnNode) WHERE n.net = 'a' RETURN count(n) AS k")[0]["k"] == 0
        assert store.query("MATCH (n:SnHidden) WHERE n.net = 'c' RETURN count(n) AS k")[0]["k"] == 0


@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_neurons_net_of_format_1_gets_its_positions_when_opened(tmp_path, rules):
    """A store written before ports held their positions (SnPort without
    pos, SnNet without format): the schema gains the columns when the store
    opens, and the net its positions when a SearchNet opens it, in one
    transaction; it then scores cold and trains as the in-memory net."""
    rng = np.random.default_rng(23)
    sessions = random_sessions(rng, 30)
    mem = SearchNet(rules=rules)
    mem.train_many(sessions)
    with graph.open(tmp_path / "old.lbdb") as store:
        SearchNet(store, name="sn", layout="neurons", rules=rules).train_many(sessions)
        SearchNet(store, name="ln", layout="links", rules=rules).train_many(sessions[:3])
        store.query("ALTER TABLE SnPort DROP pos")  # the tables as format 1 had them
        store.query("ALTER TABLE SnNet DROP format")
    with graph.open(tmp_path / "old.lbdb") as store:
        assert {r["name"]: r["f"] for r in store.query("MATCH (n:SnNet) RETURN n.name AS name, n.format AS f")} == {
            "sn": 1, "ln": 1}
        assert store.query("MATCH (n:SnPort) WHERE n.pos IS NOT NULL RETURN count(n) AS k")[0]["k"] == 0
        g = SearchNet(store, name="sn", layout="neurons", cache_size=0)
        assert neurons_consistent(store, "sn") == sum(map(len, mem.links().values()))
        assert store.query("MATCH (n:SnNet) WHERE n.name = 'sn' RETURN n.format AS f")[0]["f"] == 2
        for w, u, _ in random_sessions(rng, 10):  # cold queries, by position
            np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
        more = random_sessions(rng, 10)
        g.train_many(more)
        mem.train_many(more)
        same_links(g.links(), mem.links())
        assert neurons_consistent(store, "sn") == sum(map(len, mem.links().values()))
        SearchNet(store, name="ln")  # a "links" net has nothing to add
        assert store.query("MATCH (n:SnNet) WHERE n.name = 'ln' RETURN n.format AS f")[0]["f"] == 2


def test_graph_neurons_net_inconsistent_on_disk_fails_clearly_and_writes_nothing(tmp_path):
    """A stored "neurons" net whose hidden node lost a url its port names
    (written by hand): opening it for the positions upgrade, and removing
    that url, fail with a GraphError naming the port or url, and write
    nothing."""
    sessions = random_sessions(np.random.default_rng(29), 20)
    with graph.open(tmp_path / "bad.lbdb") as store:
        SearchNet(store, name="sn", layout="neurons").train_many(sessions)
        url = sessions[0][1][0]
        node = f"sn|u|i{url}"
        h = store.query("MATCH (n:SnPort {id: $id}) RETURN n.hidden AS hidden", id=node)[0]["hidden"][0]
        row = store.query("MATCH (h:SnHidden {id: $h}) RETURN h.outs AS outs, h.outw AS outw", h=h)[0]
        kept = [k for k, x in enumerate(row["outs"]) if x != node]
        store.query("MATCH (h:SnHidden {id: $h}) SET h.outs = $outs, h.outw = $outw", h=h,
                    outs=[row["outs"][k] for k in kept], outw=[row["outw"][k] for k in kept])
        arrays = store.query("MATCH (h:SnHidden) RETURN h.id AS id, h.outs AS outs, h.outw AS outw ORDER BY id")
        with pytest.raises(GraphError, match=f"url {url!r} names hidden node"):
            SearchNet(store, name="sn").remove_output(url)
        assert store.query("MATCH (n:SnPort {id: $id}) RETURN count(n) AS k", id=node)[0]["k"] == 1
        assert store.query("MATCH (h:SnHidden) RETURN h.id AS id, h.outs AS outs, h.outw AS outw ORDER BY id") == arrays
        store.query("ALTER TABLE SnPort DROP pos")
        store.query("ALTER TABLE SnNet DROP format")
    with graph.open(tmp_path / "bad.lbdb") as store:
        with pytest.raises(GraphError, match=f"port '{node}' names a hidden node whose arrays do not hold it"):
            SearchNet(store, name="sn")
        assert store.query("MATCH (n:SnNet) RETURN n.format AS f")[0]["f"] == 1
        assert store.query("MATCH (n:SnPort) WHERE n.pos IS NOT NULL RETURN count(n) AS k")[0]["k"] == 0


def test_graph_neurons_layout_remove_output_keeps_arrays_consistent(tmp_path):
    rng = np.random.default_rng(17)
    sessions = random_sessions(rng, 30)
    mem = SearchNet()
    with graph.open(tmp_path / "r.lbdb") as store:
        g = SearchNet(store, name="sn", layout="neurons")
        mem.train_many(sessions)
        g.train_many(sessions)
        for url in (101, 104):
            mem.remove_output(url)
            g.remove_output(url)
        # every hidden node's url arrays lost the url, weights kept aligned with their ids, the ports'
        # positions moved with the elements that took its place
        for r in store.query("MATCH (h:SnHidden) WHERE h.net = 'sn' RETURN h.outs AS outs, h.outw AS outw"):
            assert len(r["outs"]) == len(r["outw"]) and not {"sn|u|i101", "sn|u|i104"} & set(r["outs"])
        assert neurons_consistent(store, "sn") == sum(map(len, mem.links().values()))
        fresh = SearchNet(store, name="sn", layout="neurons")
        _assert_same_links(fresh, mem)
        for w, u, _ in random_sessions(rng, 10):
            np.testing.assert_allclose(fresh.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)
        mem.train_many(sessions[:5])  # and training goes on in both
        g.train_many(sessions[:5])
        for w, u, _ in sessions[:5]:
            np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)


def _interrupted_at_commit(backend, where, exc=KeyboardInterrupt):
    """Ctrl-C that arrives while a write commits and is too late to stop it
    (LadybugDB finishes a COMMIT it has begun): the write is durable, and
    KeyboardInterrupt comes out of ``where``: "commit" (LadybugDB: the COMMIT
    statement, or a url's deletion in layout "links", a statement of its
    own) or "after" (any backend: run_tx, or that deletion's run, after
    they returned and before the net took the write in; ``exc`` is raised
    there)."""
    if where == "commit":
        real = backend._execute

        def execute(query, params=None):
            out = real(query, params)
            if query in ("COMMIT", searchnet_store.DELETE_NODE):
                raise KeyboardInterrupt
            return out

        return _patched(backend, _execute=execute)
    real_tx, real_run = backend.run_tx, backend.run

    def run_tx(statements):
        real_tx(statements)
        raise exc

    def run(query, params=None, **kw):
        out = real_run(query, params, **kw)
        if query == searchnet_store.DELETE_NODE:
            raise exc
        return out

    return _patched(backend, run_tx=run_tx, run=run)


@contextlib.contextmanager
def _patched(obj, **values):
    """These attributes of ``obj`` set for the block (pytest's MonkeyPatch)."""
    with pytest.MonkeyPatch.context() as m:
        for name, value in values.items():
            m.setattr(obj, name, value)
        yield


@pytest.mark.parametrize("where", ["commit", "after"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
def test_graph_batch_interrupted_after_its_commit_is_not_lost(tmp_path, layout, rules, where):
    """Ctrl-C while a batch commits (a notebook's "interrupt kernel"), the
    COMMIT already under way: the batch is stored, so the handle, used on
    afterwards, must know it too.  It used to roll its cache back to before
    the batch: later queries scored without it, and the next batch wrote
    weights computed without it and, layout "links", created its links a
    second time."""
    rng = np.random.default_rng(11)
    sessions = random_sessions(rng, 45)
    path = tmp_path / "ctrl-c.lbdb"
    mem = SearchNet(rules=rules)
    with graph.open(path) as store:
        g = SearchNet(store, name="sn", layout=layout, rules=rules)
        for net in (g, mem):
            net.train_many(sessions[:15])
        probes = random_sessions(rng, 8)
        [g.scores(w, u) for w, u, _ in probes]  # cached
        with _interrupted_at_commit(store.backend, where), pytest.raises(KeyboardInterrupt):
            g.train_many(sessions[15:30])
        mem.train_many(sessions[15:30])
        _assert_same_scores(g, mem, probes + sessions[15:30])
        for net in (g, mem):
            net.train_many(sessions[30:])
        _assert_same_scores(g, mem, probes + sessions)
        _assert_same_links(g, mem)
        if layout == "neurons":
            neurons_consistent(store, "sn")
    with graph.open(path) as store:
        _assert_same_links(SearchNet(store, name="sn"), mem)


@pytest.mark.parametrize("cache_size", [0, 10**6])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
@pytest.mark.parametrize("where", ["commit", "after"])
def test_graph_url_removal_interrupted_after_it_committed_is_not_lost(tmp_path, layout, rules, cache_size, where):
    """The same for remove_output: the url is gone from the store, so the
    handle must not score it from its cache, nor train its old links."""
    rng = np.random.default_rng(12)
    sessions = random_sessions(rng, 30)
    mem = SearchNet(rules=rules)
    with graph.open(tmp_path / "rm.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout, rules=rules, cache_size=cache_size)
        for net in (g, mem):
            net.train_many(sessions[:20])
        gone = Counter(u for _, urls, _ in sessions[:20] for u in urls).most_common(1)[0][0]
        [g.scores(w, u) for w, u, _ in sessions[:20]]  # cached
        with _interrupted_at_commit(store.backend, where), pytest.raises(KeyboardInterrupt):
            g.remove_output(gone)
        mem.remove_output(gone)
        _assert_same_scores(g, mem, sessions[:20])
        for net in (g, mem):
            net.train_many(sessions[20:])
        _assert_same_scores(g, mem, sessions)
        _assert_same_links(g, mem)
        if layout == "neurons":
            neurons_consistent(store, "sn")


@pytest.mark.parametrize("kind", ["ladybug", pytest.param("falkordb", marks=pytest.mark.falkordb)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_write_whose_connection_was_lost_as_it_committed_is_read_again(request, tmp_path, layout, kind):
    """A server's connection lost once a batch or a removal was sent
    (GraphConnectionError: it may or may not have run; here it ran): the
    handle reads the stored net again instead of trusting its cache."""
    from assocmem.errors import GraphConnectionError

    if kind == "falkordb":
        from falkordb_server import drop_graphs

        store = graph.open(f"{request.getfixturevalue('falkordb_server').uri}?graph=lost{layout}")
    else:
        store = graph.open(tmp_path / "lost.lbdb")
    lost = GraphConnectionError("connection lost (injected, after the write)")
    rng = np.random.default_rng(13)
    sessions = random_sessions(rng, 30)
    mem = SearchNet(rules="hypergraphdb")
    try:
        g = SearchNet(store, name="sn", layout=layout, rules="hypergraphdb")
        for net in (g, mem):
            net.train_many(sessions[:10])
        [g.scores(w, u) for w, u, _ in sessions[:10]]  # cached
        with _interrupted_at_commit(store.backend, "after", lost), pytest.raises(GraphConnectionError):
            g.train_many(sessions[10:20])
        mem.train_many(sessions[10:20])
        _assert_same_scores(g, mem, sessions[:20])
        gone = sessions[0][1][0]
        with _interrupted_at_commit(store.backend, "after", lost), pytest.raises(GraphConnectionError):
            g.remove_output(gone)
        mem.remove_output(gone)
        _assert_same_scores(g, mem, sessions[:20])
        for net in (g, mem):
            net.train_many(sessions[20:])
        _assert_same_links(g, mem)
    finally:
        if kind == "falkordb":
            drop_graphs(store)
        store.close()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_graph_refuses_node_ids_over_the_size_limit_before_writing(tmp_path, layout):
    """A node id (net name, kind, key) over MAX_ID_BYTES in UTF-8 is an
    ArgumentError naming the argument, raised before anything is written; a
    click of 20,000 words used to fail deep in a batch load with ArrowInvalid
    ("overflowed binary array capacity"), after 10,000 words took 7 s.  At
    the limit exactly, the node is stored and reads back."""
    limit = searchnet_store.MAX_ID_BYTES
    mem = SearchNet(rules="hypergraphdb")
    with graph.open(tmp_path / "ids.lbdb") as store:
        g = SearchNet(store, name="sn", layout=layout, rules="hypergraphdb")
        for net in (g, mem):
            net.train(["a", "b"], ["u1", "u2"], "u1")
        prefix = len("sn|w|s")  # a str word's id: net|kind|s + the word
        # the word's hidden neuron (its combination of one) has the longer id: sn|h|["s + the word + "]
        at_limit = "a" * (limit - len('sn|h|["s"]'))
        refused = [
            (["w%d" % i for i in range(20_000)], ["u1"], "words: a combination of 20,000 words makes a hidden neuron id"),
            (["x" * (limit - prefix + 1)], ["u1"], "words: word 'xxx"),
            (["\N{GRINNING FACE}" * ((limit - prefix) // 4 + 1)], ["u1"], "words: word '"),  # 4 bytes a character
            (["a"], ["u" * limit], "urls: url 'uuu"),
            ([at_limit + "a"], ["u1"], "words: a combination of 1 word makes a hidden neuron id of 4,001 bytes"),
        ]
        for words, urls, message in refused:
            with pytest.raises(ArgumentError, match=message.replace("(", r"\(")) as info:
                g.train(words, urls, urls[0])
            assert f"at most {limit:,} bytes" in str(info.value)
        _assert_same_links(g, mem)  # nothing of those was written
        for net in (g, mem):
            net.train([at_limit], ["u2"], "u2")
        _assert_same_links(g, mem)
        _assert_same_scores(g, mem, [([at_limit, "a"], ["u1", "u2"])])


@pytest.mark.parametrize("rules", ["pci", "hypergraphdb"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_opening_a_net_compiles_the_statement_of_its_first_cold_query(tmp_path, layout, rules):
    """LadybugDB compiles a statement text on its first run (21 ms for the
    "neurons" cold query): opening a net runs the text its next cold query
    runs, once, over no ids, so that a new process's first query costs what
    later ones cost (GraphLinks._warm).  The text must be the query's own:
    any other would leave the query to compile its own."""
    rng = np.random.default_rng(14)
    sessions = random_sessions(rng, 20)
    with graph.open(tmp_path / "warm.lbdb") as store:
        SearchNet(store, name="sn", rules=rules, layout=layout).train_many(sessions)
        with statements(store) as opening:
            cold = SearchNet(store, name="sn", cache_size=0)
        with statements(store) as querying:
            cold.scores(*sessions[0][:2])
        warm = [(q, short) for q, p, _, short in opening if p == {"ids": []}]
        assert len(warm) == 1 and warm[0][1]  # one statement, run as the query's: a short read
        assert [q for q, *_ in querying] == [warm[0][0]]
