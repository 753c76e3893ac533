"""assocmem searchnet train / rank: batch training from a click log."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assocmem import SearchNet, cli, graph
from graph_suite import same_links


def _log(rng, n):
    out = []
    for _ in range(n):
        w = [f"w{i}" for i in rng.choice(12, rng.integers(1, 3), replace=False)]
        u = [f"u{i}" for i in rng.choice(30, 5, replace=False)]
        out.append((w, u, u[int(rng.integers(5))]))
    return out


@pytest.mark.parametrize("checkpoint", [[], ["--checkpoint-mb", "64"]])
def test_train_from_log_equals_train_many_and_rank(tmp_path, capsys, checkpoint):
    rng = np.random.default_rng(1)
    sessions = _log(rng, 250)
    log = tmp_path / "clicks.jsonl"
    log.write_text("\n".join(json.dumps({"words": w, "urls": u, "clicked": c}) for w, u, c in sessions) + "\n")
    db = str(tmp_path / "sn.lbdb")
    assert cli.main(["searchnet", "train", str(log), "--db", db, "--batch", "100", *checkpoint]) == 0
    mem = SearchNet()
    for k in range(0, 250, 100):  # the same batches, in memory
        mem.train_many(sessions[k:k + 100])
    with graph.open(db) as store:
        g = SearchNet(store)
        w, u, _ = sessions[7]
        assert g.scores(w, u) == pytest.approx(mem.scores(w, u), abs=1e-12)
    capsys.readouterr()
    assert cli.main(["searchnet", "rank", *w, "--urls", *u, "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    best = max(zip(mem.scores(w, u), u))[1]
    assert len(out) == len(u) and out[0].endswith(best)


def test_checkpoint_mb_is_checked(tmp_path, capsys):
    log = tmp_path / "clicks.jsonl"
    log.write_text(json.dumps({"words": ["a"], "urls": ["u"], "clicked": "u"}) + "\n")
    for bad in ("0", "-3"):
        assert cli.main(["searchnet", "train", str(log), "--db", str(tmp_path / "x.lbdb"), "--checkpoint-mb", bad]) == 2
        assert "--checkpoint-mb: expected an integer >= 1" in capsys.readouterr().err
    assert not (tmp_path / "x.lbdb").exists()


def test_rank_uses_the_stored_rules_and_layout(tmp_path, capsys):
    """A net trained with --rules hypergraphdb --layout neurons is ranked
    without repeating them; naming others is refused by name."""
    rng = np.random.default_rng(3)
    sessions = _log(rng, 60)
    log = tmp_path / "clicks.jsonl"
    log.write_text("\n".join(json.dumps({"words": w, "urls": u, "clicked": c}) for w, u, c in sessions) + "\n")
    db = str(tmp_path / "sn.lbdb")
    assert cli.main(["searchnet", "train", str(log), "--db", db, "--rules", "hypergraphdb", "--layout", "neurons"]) == 0
    mem = SearchNet(rules="hypergraphdb")
    mem.train_many(sessions)
    w, u, _ = sessions[3]
    capsys.readouterr()
    assert cli.main(["searchnet", "rank", *w, "--urls", *u, "--db", db]) == 0
    want = sorted(zip(mem.scores(w, u), u), key=lambda t: -t[0])
    assert capsys.readouterr().out.split() == [x for score, url in want for x in (f"{score:+.4f}", url)]
    assert cli.main(["searchnet", "rank", *w, "--urls", *u, "--db", db, "--layout", "links"]) == 2
    assert "layout: net 'searchnet' in this store has layout 'neurons'" in capsys.readouterr().err


@pytest.mark.parametrize("bad,needle", [
    ("{not json", "not a JSON object"),
    ('{"words": ["a"], "urls": ["u"]}', "expected an object with words, urls and clicked"),
    ('{"words": ["a"], "urls": ["u"], "clicked": "v"}', "clicked: expected one of the urls"),
    ('{"words": [true], "urls": ["u"], "clicked": "u"}', "keys must be hashable str or int values"),
])
def test_malformed_line_is_named_and_its_batch_not_committed(tmp_path, capsys, bad, needle):
    rng = np.random.default_rng(2)
    good = [json.dumps({"words": w, "urls": u, "clicked": c}) for w, u, c in _log(rng, 30)]
    lines = good[:20] + [bad] + good[20:]
    log = tmp_path / "bad.jsonl"
    log.write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "sn.lbdb")
    assert cli.main(["searchnet", "train", str(log), "--db", db, "--batch", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.jsonl:21: " in err and needle in err and "20 clicks" in err
    assert "resume with --from-line 21" in err
    # exactly the two batches before the bad line were committed
    ref = SearchNet()
    sessions = [(json.loads(t)["words"], json.loads(t)["urls"], json.loads(t)["clicked"]) for t in good[:20]]
    ref.train_many(sessions[:10])
    ref.train_many(sessions[10:20])
    with graph.open(db) as store:
        same_links(SearchNet(store).links(), ref.links())


@pytest.mark.parametrize("layout", ["links", "neurons"])
@pytest.mark.filterwarnings("ignore::assocmem.errors.GraphRecoveryWarning")
def test_training_run_killed_mid_write_keeps_whole_batches(tmp_path, layout):
    """SIGKILL a `searchnet train` run part-way (no clean-up of any kind,
    possibly inside a COMMIT): the reopened store holds exactly the batches
    committed before the kill, each whole, equal to the in-memory net after
    the same batches; training on from there works.  (A kill while the log
    is being appended to tears its last record: the store then opens with a
    GraphRecoveryWarning, tested in test_graph.py.)"""
    import signal
    import subprocess
    import sys
    import time

    rng = np.random.default_rng(7)
    sessions = []
    for _ in range(8000):
        w = [f"w{i}" for i in rng.choice(300, rng.integers(1, 4), replace=False)]
        u = [f"u{i}" for i in rng.choice(3000, 10, replace=False)]
        sessions.append((w, u, u[int(rng.integers(10))]))
    log = tmp_path / "clicks.jsonl"
    log.write_text("\n".join(json.dumps({"words": w, "urls": u, "clicked": c}) for w, u, c in sessions) + "\n")
    db = str(tmp_path / "sn.lbdb")
    batch = 25
    proc = subprocess.Popen([sys.executable, "-m", "assocmem.cli", "searchnet", "train", str(log), "--db", db,
                             "--batch", str(batch), "--rules", "hypergraphdb", "--layout", layout],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(4.0)  # imports (~1 s), then about 300 clicks a second here
        assert proc.poll() is None, "the run ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with graph.open(db) as store:
        g = SearchNet(store)  # the stored net's rules and layout
        stored, n_hidden = g.links(), g.n_hidden
        mem, done = SearchNet(rules="hypergraphdb"), 0
        while mem.n_hidden < n_hidden or (mem.n_hidden == n_hidden and mem.links() != stored):
            assert done < len(sessions), "the stored net matches no batch boundary"
            mem.train_many(sessions[done:done + batch])
            done += batch
        assert 0 < done < len(sessions), done  # killed part-way, after some batches
        same_links(stored, mem.links())
        assert g.rules == "hypergraphdb" and g._links.layout == layout  # as stored by the run
        g.train_many(sessions[done:done + batch])  # training goes on from there
        mem.train_many(sessions[done:done + batch])
        w, u, _ = sessions[done]
        np.testing.assert_allclose(g.scores(w, u), mem.scores(w, u), rtol=0, atol=1e-12)


def _write_log(path, sessions):
    path.write_text("\n".join(json.dumps({"words": w, "urls": u, "clicked": c}) for w, u, c in sessions) + "\n")
    return path


def _assert_stored(db, sessions, batch=10):
    """The net stored in ``db`` is the in-memory one after these sessions
    trained in batches of ``batch``."""
    ref = SearchNet()
    for k in range(0, len(sessions), batch):
        ref.train_many(sessions[k:k + batch])
    with graph.open(db) as store:
        same_links(SearchNet(store).links(), ref.links())


def _ctrl_c_in_batch(monkeypatch, k, times):
    """Real SIGINTs sent to this process ``times`` times while the run's
    ``k``-th batch (from 1) trains, before it commits."""
    import signal

    real, calls = SearchNet.train_many, []

    def train_many(self, sessions):
        calls.append(len(sessions))
        if len(calls) == k:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)  # its handler runs here, before the next bytecode
        return real(self, sessions)

    monkeypatch.setattr(SearchNet, "train_many", train_many)
    return calls


@pytest.mark.parametrize("layout", ["links", "neurons"])
def test_ctrl_c_stops_after_the_batch_and_the_run_resumes(tmp_path, capsys, monkeypatch, layout):
    """The first Ctrl-C lets the batch in progress commit whole, stops the
    run with exit 130 and names the line to resume from; --from-line
    resumes there, and the net equals one trained on the whole log."""
    import signal

    rng = np.random.default_rng(4)
    sessions = _log(rng, 70)
    lines = [json.dumps({"words": w, "urls": u, "clicked": c}) for w, u, c in sessions]
    lines.insert(33, "")  # a blank line counts as a line, not as a click
    log = tmp_path / "clicks.jsonl"
    log.write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "sn.lbdb")
    train = ["searchnet", "train", str(log), "--db", db, "--batch", "10", "--layout", layout]
    calls = _ctrl_c_in_batch(monkeypatch, 3, times=1)
    assert cli.main(train) == 130
    err = capsys.readouterr().err
    assert "stopping after the batch in progress" in err
    assert "the 30 clicks of lines 1-30 are trained and committed; resume with --from-line 31" in err, err
    assert calls == [10, 10, 10]
    monkeypatch.undo()
    _assert_stored(db, sessions[:30])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    assert cli.main(train + ["--from-line", "31"]) == 0
    assert "trained 40 clicks" in capsys.readouterr().out
    _assert_stored(db, sessions)  # lines 31-41 hold clicks 30-39 and the blank line
    assert cli.main(train + ["--from-line", "72"]) == 0  # past the end: nothing to train
    assert "trained 0 clicks" in capsys.readouterr().out
    assert cli.main(train + ["--from-line", "0"]) == 2
    assert "--from-line" in capsys.readouterr().err


def test_second_ctrl_c_abandons_the_batch_in_progress(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(5)
    sessions = _log(rng, 50)
    log = _write_log(tmp_path / "clicks.jsonl", sessions)
    db = str(tmp_path / "sn.lbdb")
    _ctrl_c_in_batch(monkeypatch, 3, times=2)
    assert cli.main(["searchnet", "train", str(log), "--db", db, "--batch", "10"]) == 130
    err = capsys.readouterr().err
    assert "abandoned the batch of lines 21-30" in err and "the 20 clicks of lines 1-20 are trained" in err, err
    monkeypatch.undo()
    _assert_stored(db, sessions[:20])


def test_failed_batch_names_the_line_to_resume_from(tmp_path, capsys, monkeypatch):
    """A batch the database refuses (here its statement creating links is
    broken for the third batch) ends the run with exit 2; the message says
    which lines are stored and where to resume, and resuming there gives
    the net of the whole log."""
    from assocmem.graph import searchnet_store

    rng = np.random.default_rng(6)
    sessions = _log(rng, 40)
    log = _write_log(tmp_path / "clicks.jsonl", sessions)
    db = str(tmp_path / "sn.lbdb")
    real, calls = SearchNet.train_many, []

    def train_many(self, batch):
        calls.append(len(batch))
        with monkeypatch.context() as m:
            if len(calls) == 3:
                m.setattr(searchnet_store, "LOAD_NEW_LINKS", "MATCH (broken")
            return real(self, batch)

    monkeypatch.setattr(SearchNet, "train_many", train_many)
    train = ["searchnet", "train", str(log), "--db", db, "--batch", "10"]
    assert cli.main(train) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the batch of lines 21-30 is not stored" in err, err
    assert "the 20 clicks of lines 1-20 are trained and committed; resume with --from-line 21" in err
    assert cli.main(train + ["--from-line", "21"]) == 0
    monkeypatch.undo()
    _assert_stored(db, sessions)


def test_lost_connection_says_the_batch_may_be_stored(tmp_path, capsys, monkeypatch):
    from assocmem.errors import GraphConnectionError

    rng = np.random.default_rng(8)
    log = _write_log(tmp_path / "clicks.jsonl", _log(rng, 30))
    real, calls = SearchNet.train_many, []

    def train_many(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise GraphConnectionError("connection lost (injected)")
        return real(self, batch)

    monkeypatch.setattr(SearchNet, "train_many", train_many)
    assert cli.main(["searchnet", "train", str(log), "--db", str(tmp_path / "sn.lbdb"), "--batch", "10"]) == 2
    err = capsys.readouterr().err
    assert "connection lost (injected) (the batch of lines 11-20 may or may not be stored" in err, err
    assert "the 10 clicks of lines 1-10 are trained and committed; resume with --from-line 11" in err


def test_click_too_long_for_a_graph_store_is_named(tmp_path, capsys):
    """A click whose word combination makes a node id over the store's limit
    (searchnet_store.MAX_ID_BYTES): its batch is refused with a message
    naming the combination, the batches before it are stored."""
    rng = np.random.default_rng(9)
    sessions = _log(rng, 25)
    sessions[14] = ([f"word{i}" for i in range(2000)], ["u1"], "u1")
    log = _write_log(tmp_path / "clicks.jsonl", sessions)
    db = str(tmp_path / "sn.lbdb")
    assert cli.main(["searchnet", "train", str(log), "--db", db, "--batch", "10", "--rules", "hypergraphdb"]) == 2
    err = capsys.readouterr().err
    assert "words: a combination of 2,000 words makes a hidden neuron id of" in err, err
    assert "the batch of lines 11-20 is not stored; the 10 clicks of lines 1-10 are trained and committed; " \
           "mend its click and resume with --from-line 11" in err, err
    ref = SearchNet(rules="hypergraphdb")
    ref.train_many(sessions[:10])
    with graph.open(db) as store:
        same_links(SearchNet(store).links(), ref.links())


def test_rank_refuses_a_net_the_store_lacks(tmp_path, capsys):
    """A mistyped --name for rank: an error listing the stored nets, and no
    net created (it used to create an empty one and rank every url 0)."""
    from assocmem.graph import searchnet_store

    log = _write_log(tmp_path / "clicks.jsonl", _log(np.random.default_rng(10), 5))
    db = str(tmp_path / "sn.lbdb")
    assert cli.main(["searchnet", "train", str(log), "--db", db, "--name", "main"]) == 0
    capsys.readouterr()
    assert cli.main(["searchnet", "rank", "w1", "--urls", "u1", "u2", "--db", db, "--name", "mian"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--name: no search net 'mian'" in err and "(stored: 'main')" in err, err
    with graph.open(db) as store:
        assert searchnet_store.stored_nets(store) == ["main"]


def test_log_from_gzip_and_standard_input(tmp_path, capsys, monkeypatch):
    """A .gz log is read as gzip, "-" reads standard input; both give the
    net of the plain log.  A gzip log cut short, or a log that is not UTF-8,
    ends the run naming the line and what is trained (exit 2)."""
    import gzip
    import io
    import sys

    sessions = _log(np.random.default_rng(11), 30)
    plain = _write_log(tmp_path / "clicks.jsonl", sessions)
    packed = tmp_path / "clicks.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert cli.main(["searchnet", "train", str(packed), "--db", str(tmp_path / "gz.lbdb"), "--batch", "10"]) == 0
    _assert_stored(str(tmp_path / "gz.lbdb"), sessions)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(plain.read_bytes()), encoding="utf-8"))
    assert cli.main(["searchnet", "train", "-", "--db", str(tmp_path / "in.lbdb"), "--batch", "10"]) == 0
    assert not sys.stdin.closed  # read, and left open
    _assert_stored(str(tmp_path / "in.lbdb"), sessions)
    capsys.readouterr()

    cut = tmp_path / "cut.jsonl.gz"
    whole = gzip.compress(plain.read_bytes())
    cut.write_bytes(whole[:len(whole) * 2 // 3])
    assert cli.main(["searchnet", "train", str(cut), "--db", str(tmp_path / "cut.lbdb"), "--batch", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{cut}:" in err and "cannot read the log" in err, err
    assert "resume with --from-line" in err

    lines = plain.read_bytes().splitlines(keepends=True)
    lines[16] = lines[16].replace(b'"u', b'"\xe9u', 1)  # line 17 is not UTF-8
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b"".join(lines))
    assert cli.main(["searchnet", "train", str(latin), "--db", str(tmp_path / "l.lbdb"), "--batch", "10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{latin}:17: not UTF-8 text" in err, err
    assert "the 10 clicks of lines 1-10 are trained and committed; resume with --from-line 11" in err
    # lines before --from-line are skipped unread: resuming past the bad line trains the rest
    assert cli.main(["searchnet", "train", str(latin), "--db", str(tmp_path / "l.lbdb"), "--batch", "10",
                     "--from-line", "21"]) == 0
    assert "trained 10 clicks" in capsys.readouterr().out
