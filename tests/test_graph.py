"""Graph mirror on real embedded LadybugDB (temp dirs), including the Neo4j
bulk-loading Cypher (UNWIND batches), which LadybugDB runs too."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem import graph
from assocmem.errors import ArgumentError, GraphError, NetworkNotFoundError
from assocmem.graph import cypher
from graph_suite import GraphSuite, same_links, small_net


class TestLadybug(GraphSuite):
    methods = ("copy", "unwind")

    @pytest.fixture
    def store(self, tmp_path):
        with graph.open(tmp_path / "db" / "graph.lbdb") as s:
            yield s


def test_persists_across_reopen(tmp_path):
    path = tmp_path / "g.lbdb"
    net, x, _ = small_net(n=15, p=3)
    net.metadata = {"shape": [3, 5], "labels": ["a", "b", "c"]}
    with graph.open(path) as s:
        s.save_network(net, "keep", progress=False)
    with graph.open(str(path)) as s:
        back = s.load_network("keep", verify=True)
    np.testing.assert_array_equal(back.weights, net.weights)
    assert back.metadata == net.metadata


def test_in_memory_default():
    with graph.open() as s:
        assert s.dialect == "ladybug" and s.backend.target == ":memory:"
        net, _, _ = small_net(n=6, p=1)
        s.save_network(net, "m", progress=False)
        assert s.networks()[0]["name"] == "m"


def test_failed_save_is_never_visible_and_loses_nothing(tmp_path, monkeypatch):
    """A load that dies half-way leaves the old network complete and intact."""
    old, xo, _ = small_net(n=12, p=2, seed=1)
    new, _, _ = small_net(n=12, p=3, seed=2)
    with graph.open(tmp_path / "g.lbdb") as s:
        s.save_network(old, "net", progress=False)
        real = s.backend.copy
        calls = {"n": 0}

        def dying_copy(table, data):
            calls["n"] += 1
            if table.startswith("SYNAPSE_"):
                raise GraphError("simulated crash mid-load")
            return real(table, data)

        monkeypatch.setattr(s.backend, "copy", dying_copy)
        with pytest.raises(GraphError, match="simulated crash"):
            s.save_network(new, "net", progress=False, overwrite=True)
        with pytest.raises(GraphError, match="simulated crash"):
            s.save_network(new, "other", progress=False)
        monkeypatch.setattr(s.backend, "copy", real)
        assert calls["n"] >= 2
        assert [r["name"] for r in s.networks()] == ["net"]
        np.testing.assert_array_equal(s.load_network("net", verify=True).patterns, xo)
        with pytest.raises(NetworkNotFoundError):
            s.load_network("other")
        # the half-written data was removed
        assert s.query("MATCH (x:Neuron) RETURN count(x) AS k")[0]["k"] == 12
        assert len(s.backend.synapse_types()) == 1


def test_leftovers_of_a_killed_save_are_cleaned(tmp_path):
    """Simulate a process killed mid-save (no cleanup ran): the incomplete
    network stays invisible and the next save of that name removes it."""
    net, x, _ = small_net(n=10, p=2)
    with graph.open(tmp_path / "g.lbdb") as s:
        key, base, _ = s._begin("net", 10, 2, "synapses", {}, False)
        s.backend.create_synapse_type(cypher.synapse_type(key), "int8")
        s.backend.run(cypher.CREATE_NEURONS, {"key": key, "rows": [
            {"id": base + i, "idx": i, "state": 1, "theta": 0.0, "thr": 0, "c": None} for i in range(5)]})
        assert s.networks() == []
        with pytest.raises(NetworkNotFoundError):
            s.load_network("net")
        s.save_network(net, "net", progress=False)
        assert s.query("MATCH (x:Neuron) RETURN count(x) AS k")[0]["k"] == 10
        assert len(s.backend.synapse_types()) == 1
        np.testing.assert_array_equal(s.load_network("net", verify=True).patterns, x)


@pytest.mark.parametrize("tear", ["cut", "zeros", "none"])
def test_a_log_torn_by_a_killed_writer_opens_at_its_last_commit(tmp_path, tear):
    """A process dies while appending its last transaction to LadybugDB's
    write-ahead log (simulated: a process that exits without closing, then
    the log's last bytes cut off or never written).  LadybugDB 0.22 refuses
    such a file by default; graph.open replays it up to the last committed
    transaction, with a GraphRecoveryWarning, and the data is that of the
    transactions before the torn one."""
    import os
    import subprocess
    import sys
    import warnings

    from assocmem import SearchNet
    from assocmem.errors import GraphRecoveryWarning

    db = tmp_path / "torn.lbdb"
    batches = [[(["a", "b"], ["u1", "u2"], "u1")], [(["c"], ["u3", "u1"], "u3"), (["a"], ["u2"], "u2")]]
    code = (
        "import os, sys\n"
        "from assocmem import SearchNet, graph\n"
        f"store = graph.open({str(db)!r})\n"
        "net = SearchNet(store, name='sn')\n"
        f"for batch in {batches!r}:\n"
        "    net.train_many(batch)\n"
        "os._exit(0)  # no close: the log stays, unreplayed\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    log = f"{db}.wal"
    size = os.path.getsize(log)
    with open(log, "r+b") as f:
        if tear == "cut":  # the last record half written
            f.truncate(size - 3)
        elif tear == "zeros":  # its last bytes allocated, never written
            f.seek(size - 3)
            f.write(b"\0\0\0")
    committed = batches if tear == "none" else batches[:1]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with graph.open(db) as store:
            got = SearchNet(store, name="sn").links()
    recovered = [w for w in seen if issubclass(w.category, GraphRecoveryWarning)]
    assert len(recovered) == (0 if tear == "none" else 1)
    if recovered:
        assert "replayed up to the last committed transaction" in str(recovered[0].message)
    want = SearchNet()
    for batch in committed:
        want.train_many(batch)
    same_links(got, want.links())
    with graph.open(db) as store:  # recovered for good: a plain open now
        assert SearchNet(store, name="sn").links() == got


def test_open_bad_targets(tmp_path):
    with pytest.raises(ValueError, match="unsupported scheme 'http'"):
        graph.open("http://localhost:7474")
    with pytest.raises(ValueError, match="is a directory"):
        graph.open(tmp_path)
    with pytest.raises(ConnectionError, match="cannot reach Neo4j at 'bolt://127.0.0.1:1'"):
        graph.open("bolt://127.0.0.1:1", auth=("neo4j", "x"))


def test_checkpoint_threshold_is_the_database_s_and_checked(tmp_path):
    """graph.open(checkpoint_threshold=): LadybugDB checkpoints once its
    write-ahead log passes that many bytes (1: after every commit, so no log
    stays; the default 16 MiB keeps this small batch in the log); every
    handle of the file shares it; bad values and server targets are
    refused before anything opens."""
    import os

    from assocmem import SearchNet
    from test_searchnet import random_sessions

    sessions = random_sessions(np.random.default_rng(1), 30)
    for threshold, logged in ((None, True), (1, False)):
        db = tmp_path / f"c{threshold}" / "c.lbdb"
        with graph.open(db, checkpoint_threshold=threshold) as store:
            SearchNet(store, name="sn").train_many(sessions)
            assert os.path.exists(f"{db}.wal") == logged
            with graph.open(db) as other:  # the same file: the same database, the same setting
                assert other.backend.checkpoint_threshold() == (threshold or 16 * 2**20)
    for bad, error in ((True, TypeError), (1.5, TypeError), ("16", TypeError), (0, ValueError), (-1, ValueError)):
        with pytest.raises(error, match="checkpoint_threshold: expected"):
            graph.open(tmp_path / "bad.lbdb", checkpoint_threshold=bad)
    assert not (tmp_path / "bad.lbdb").exists()
    with pytest.raises(ValueError, match="checkpoint_threshold: a setting of embedded LadybugDB"):
        graph.open("falkordb://127.0.0.1:1", checkpoint_threshold=2**27)


def test_synapse_type_names_are_validated():
    with pytest.raises(ValueError):
        cypher.synapse_type("x]->() DETACH DELETE n //")
    assert cypher.synapse_type("0" * 32) == "SYNAPSE_" + "0" * 32


def test_graph_cli(tmp_path):
    from assocmem import cli

    net, x, _ = small_net(n=20, p=3, thresholds=False)
    net.metadata = {"shape": [4, 5], "labels": ["a", "b", "c"]}
    mem = tmp_path / "m.npz"
    net.save(mem)
    db = str(tmp_path / "g.lbdb")
    assert cli.main(["graph", "save", "--db", db, "--memory", str(mem), "--name", "n1"]) == 0
    out = tmp_path / "back.npz"
    assert cli.main(["graph", "load", "--db", db, "--name", "n1", "--memory", str(out), "--verify"]) == 0
    np.testing.assert_array_equal(assocmem.Hopfield.load(out).weights, net.weights)
    from PIL import Image

    img = tmp_path / "probe.png"
    Image.fromarray(np.where(x[1].reshape(4, 5) > 0, 255, 0).astype(np.uint8)).resize((50, 40), Image.NEAREST).save(img)
    png = tmp_path / "r.png"
    assert cli.main(["graph", "recall", str(img), "--db", db, "--name", "n1", "--out", str(png), "--cypher"]) == 0
    with Image.open(png) as rec:
        np.testing.assert_array_equal(np.asarray(rec).reshape(-1) == 255, x[1] == 1)
    assert cli.main(["graph", "query", "--db", db, "MATCH (x:Neuron) WHERE x.idx < $k RETURN count(x) AS c",
                     "--param", "k=3"]) == 0
    assert cli.main(["graph", "load", "--db", db, "--name", "missing", "--memory", str(out)]) == 2


@pytest.mark.parametrize("command", [["graph", "list"], ["graph", "load", "--name", "n", "--memory", "out.npz"],
                                     ["graph", "recall", "probe.png", "--name", "n", "--out", "r.png"],
                                     ["searchnet", "rank", "w", "--urls", "u"]])
def test_reading_commands_refuse_a_path_without_a_database(tmp_path, capsys, command):
    """A mistyped --db for a command that only reads is an error naming the
    path, and creates nothing there (it used to create an empty database,
    and `graph list` then printed nothing, `searchnet rank` scores of 0)."""
    from assocmem import cli

    db = tmp_path / "typo.lbdb"
    assert cli.main(command + ["--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--db: no database at {str(db)!r}" in err, err
    assert not db.exists()


def test_explainability_needs_synapses_and_writes_nothing_else():
    net = assocmem.Hopfield(8)
    net.store(np.array([[1, -1] * 4]))
    with graph.open() as s:
        s.save_network(net, "d", layout="dendrites", progress=False)
        before = s.get_state("d")
        for call, what in ((lambda: s.degree_check("d"), "degrees"), (lambda: s.anti_correlated("d", 1), "partners"),
                           (lambda: s.out_of_sync("d", -np.ones(8)), "pairs")):
            with pytest.raises(ArgumentError, match=f"layout 'dendrites'; {what} need 'synapses'"):
                call()
        np.testing.assert_array_equal(s.get_state("d"), before)  # out_of_sync did not write its state


def test_short_reads_skip_the_interruptible_hand_off_only_while_they_run(tmp_path):
    """LadybugDB: a short read (run_small) runs on the calling thread; any
    other statement of the main thread is still handed to the helper thread
    that Ctrl-C can interrupt -- after a short read that failed, and while
    another thread is inside a short read."""
    import threading

    with graph.open(tmp_path / "s.lbdb") as s:
        b = s.backend
        handed, real = [], b._interruptible
        b._interruptible = lambda query, params: handed.append(query) or real(query, params)
        assert b.run_small("RETURN 1 AS one") == [{"one": 1}]
        assert handed == []
        with pytest.raises(GraphError, match="nosuch"):
            b.run_small("RETURN nosuch AS x")
        assert b.run("RETURN 2 AS two") == [{"two": 2}]
        assert handed == ["RETURN 2 AS two"]
        inside, leave = threading.Event(), threading.Event()

        def other():
            with b._short():
                inside.set()
                leave.wait(10)

        t = threading.Thread(target=other)
        t.start()
        try:
            assert inside.wait(10)
            assert b.run("RETURN 3 AS three") == [{"three": 3}]
        finally:
            leave.set()
            t.join()
        assert handed == ["RETURN 2 AS two", "RETURN 3 AS three"]
        b._interruptible = real


def test_short_reads_run_on_one_thread_and_other_statements_on_all(tmp_path):
    """A short read runs on one of LadybugDB's threads; the connection
    stays so between short reads and gets the database's limit back
    before any other statement (Backend._short, _execute)."""
    threads = "CALL current_setting('threads') RETURN *"
    with graph.open(tmp_path / "t.lbdb") as s:
        b = s.backend
        full = b.run(threads)[0]["threads"]
        if full == "1":
            pytest.skip("LadybugDB runs on one thread on this machine: nothing to tell apart")
        for _ in range(3):
            assert b.run_small(threads) == [{"threads": "1"}]
        assert b.run(threads) == [{"threads": full}]
        assert b.run_small(threads) == [{"threads": "1"}]
        assert b.columns(threads).to_pylist() == [{"threads": full}]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_a_state_write_stopped_midway_leaves_the_old_state(tmp_path, monkeypatch, stop):
    """A neuron-state write of several UNWIND batches is one transaction:
    stopped at its third batch (Ctrl-C, or the statement failing), the
    stored state is the old one, not a mix of old and new."""
    from assocmem.graph import store as store_module

    monkeypatch.setattr(store_module, "STATE_ROWS", 3)  # 10 neurons: four batches
    net, x, rng = small_net(n=10, p=2, seed=4)
    with graph.open(tmp_path / "st.lbdb") as s:
        s.save_network(net, "n", progress=False)
        old = x[0].astype(np.int8)
        s.set_state("n", old)
        new = -old
        b, real, seen = s.backend, s.backend._execute, []

        def execute(query, params=None):
            if query == cypher.SET_STATES:
                seen.append(query)
                if len(seen) == 3:
                    if stop is KeyboardInterrupt:
                        raise KeyboardInterrupt
                    query = "UNWIND $rows AS r MATCH (x:Neuron {id: r.id}) SET x.state = r.nosuch.field"
            return real(query, params)

        monkeypatch.setattr(b, "_execute", execute)
        with pytest.raises(KeyboardInterrupt if stop is KeyboardInterrupt else GraphError):
            s.set_state("n", new)
        monkeypatch.setattr(b, "_execute", real)
        np.testing.assert_array_equal(s.get_state("n"), old)
        s.set_state("n", new)
        assert len(seen) == 3
        np.testing.assert_array_equal(s.get_state("n"), new)
