"""A graph-backed SearchNet against the in-memory one, driven by hypothesis:
random interleavings of batches, generate_hidden, queries (also by a second
handle), removals, commits failing at any statement, batches whose creating
statement LadybugDB itself refuses half-way, cache clears, new
handles and reopened files, batches and removals interrupted (Ctrl-C)
after they committed, in both layouts, under both rule sets, with
caches small enough that rows are evicted between and during operations.
After every step both nets give the same scores (to 1e-12) and the handle's
cache is within its bound (rules "hypergraphdb": its accounting exact); at
the end the stored links equal the in-memory ones.

The example-based tests in test_searchnet.py cover each of these on its
own; this machine looks for the orders nobody wrote down.  It found three
bugs on its first runs (regression tests in test_searchnet.py):
test_graph_batch_trains_a_hidden_neuron_whose_only_url_its_checkout_evicts
and both cases of test_graph_remove_a_hidden_neurons_only_url."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)

from assocmem import SearchNet, graph
from assocmem.errors import ArgumentError, GraphError
from assocmem.graph import searchnet_store
from falkordb_server import drop_graphs
from graph_suite import same_links
from test_searchnet import _assert_cache_accounted, _doubling_creates, _interrupted_at_commit

# int and str keys stay distinct (3 and "3" are two words)
WORDS = st.sampled_from([0, 1, 2, 3, 4, 5, "3", "w", "x"])
URLS = st.sampled_from([100, 101, 102, 103, 104, 105, 106, "100", "u", "v"])


@st.composite
def sessions(draw):
    words = draw(st.lists(WORDS, min_size=1, max_size=3, unique=True))
    urls = draw(st.lists(URLS, min_size=1, max_size=4, unique=True))
    return words, urls, draw(st.sampled_from(urls))


QUERIES = st.tuples(st.lists(WORDS, min_size=1, max_size=3, unique=True),
                    st.lists(URLS, min_size=1, max_size=5, unique=True))


#: Size thresholds of the graph store, lowered: reads of more than 2 ids
#: take the batch paths (Arrow columns, plans of their own; layout
#: "neurons": ports and hidden nodes read whole), score_many loads 2 queries a
#: round trip, and weight updates join with every link.  (When batches that
#: only create still went by COPY, from 5 rows here, this machine found
#: LadybugDB's heap corrupted after a rolled-back COPY; batches no longer COPY.)
SMALL_THRESHOLDS = {"SMALL_LOAD": 2, "LOAD_NEURONS_MAX": 2, "SCORE_MANY_CHUNK": 2, "UPDATE_JOIN_SHARE": 0}


class Injected(GraphError):
    """The failure a rule injects into a commit."""


class GraphNetMachine(RuleBasedStateMachine):
    """On an embedded LadybugDB file of its own (FalkorNetMachine: a graph
    of its own on a FalkorDB server)."""

    #: whether a statement failing inside a batch's transaction undoes the
    #: batch (FalkorDB's MULTI/EXEC does not: see FalkorDBBackend)
    atomic = True

    def __init__(self) -> None:
        super().__init__()
        self.target = self.make_target()
        self.store = graph.open(self.target)
        self.mem: SearchNet | None = None
        self.net: SearchNet | None = None
        self.reader: SearchNet | None = None
        self.saved: dict[str, object] = {}  # module thresholds to restore

    @initialize(layout=st.sampled_from(["links", "neurons"]), rules=st.sampled_from(["pci", "hypergraphdb"]),
                cache=st.sampled_from([0, 6, 20, 10**6]), id_bound=st.sampled_from([None, 8]),
                small=st.booleans())
    def start(self, layout: str, rules: str, cache: int, id_bound: int | None, small: bool) -> None:
        """``id_bound``: the handle's GraphLinks.ID_BOUND (8: its table
        starts afresh every few batches).  ``small``: the store's size
        thresholds lowered so that these small nets take the paths of large
        ones (SMALL_THRESHOLDS)."""
        self.layout, self.cache, self.id_bound = layout, cache, id_bound
        if small:
            for name, value in SMALL_THRESHOLDS.items():
                self.saved[name] = getattr(searchnet_store, name)
                setattr(searchnet_store, name, value)
        self.mem = SearchNet(rules=rules)
        self.net = self._handle(rules)

    def make_target(self) -> Any:
        self.dir = Path(tempfile.mkdtemp(prefix="assocmem-model-"))
        return self.dir / "m.lbdb"

    def drop(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _handle(self, rules: str | None = None) -> SearchNet:
        net = SearchNet(self.store, name="m", layout=self.layout, rules=rules, cache_size=self.cache)
        if self.id_bound is not None:
            net._links.ID_BOUND = self.id_bound
        return net

    # ------------------------------------------------------------ training
    @rule(batch=st.lists(sessions(), min_size=1, max_size=6))
    def train(self, batch) -> None:
        self.net.train_many(batch)
        self.mem.train_many(batch)

    @precondition(lambda self: self.atomic)
    @rule(batch=st.lists(sessions(), min_size=1, max_size=6), at=st.integers(0, 4))
    def train_and_fail(self, batch, at: int) -> None:
        """The batch's transaction fails at its ``at``-th statement (or, if
        it has fewer, at COMMIT, after the database rolled it back): the
        net must be as if the batch never ran."""
        backend = self.store.backend
        real = backend._execute
        state = {"in_tx": False, "seen": 0, "failed": False}

        def failing(query, params=None):
            if query == "BEGIN TRANSACTION":
                state["in_tx"] = True
            elif state["in_tx"] and not state["failed"]:
                if query == "COMMIT":
                    state["failed"] = True
                    real("ROLLBACK")
                    raise Injected("injected: COMMIT failed")
                if state["seen"] == at:
                    state["failed"] = True
                    raise Injected(f"injected: statement {at} failed")
                state["seen"] += 1
            return real(query, params)

        backend._execute = failing
        try:
            self.net.train_many(batch)
        except Injected:
            assert state["failed"]
        else:
            assert not state["failed"]  # nothing to write (never here: a batch always writes)
            self.mem.train_many(batch)
        finally:
            backend._execute = real

    @precondition(lambda self: self.atomic)
    @rule(batch=st.lists(sessions(), min_size=1, max_size=6))
    def train_refused(self, batch) -> None:
        """LadybugDB itself refuses the batch's creating LOAD FROM half-way
        (its first row given twice): the database is reopened from its log
        (LadybugBackend._after_failed_write) and the net must be as if the
        batch never ran.  A batch that creates nothing is not refused."""
        backend = self.store.backend
        real = backend._execute
        backend._execute = _doubling_creates(real)
        try:
            self.net.train_many(batch)
        except GraphError as exc:
            assert "duplicated primary key" in str(exc), exc
        else:
            self.mem.train_many(batch)
        finally:
            backend._execute = real

    @rule(batch=st.lists(sessions(), min_size=1, max_size=6), late=st.booleans())
    def train_interrupted(self, batch, late: bool) -> None:
        """Ctrl-C while the batch commits, too late to stop it: the batch
        is stored, and the handle must go on as if it had trained it."""
        with _interrupted_at_commit(self.store.backend, "after" if late or not self.atomic else "commit"):
            try:
                self.net.train_many(batch)
            except KeyboardInterrupt:
                pass
        self.mem.train_many(batch)

    @rule(url=URLS, late=st.booleans())
    def remove_interrupted(self, url, late: bool) -> None:
        """The same for a url's removal (or its refusal as unknown)."""
        outcomes = []
        with _interrupted_at_commit(self.store.backend, "after" if late or not self.atomic else "commit"):
            try:
                self.net.remove_output(url)
            except KeyboardInterrupt:
                outcomes.append(None)
            except ArgumentError as exc:
                outcomes.append(str(exc))
        try:
            self.mem.remove_output(url)
            outcomes.append(None)
        except ArgumentError as exc:
            outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]

    @rule(session=sessions())
    def generate(self, session) -> None:
        words, urls, _ = session
        self.net.generate_hidden(words, urls)
        self.mem.generate_hidden(words, urls)

    # ------------------------------------------------------------- queries
    @rule(query=QUERIES)
    def score(self, query) -> None:
        words, urls = query
        np.testing.assert_allclose(self.net.scores(words, urls), self.mem.scores(words, urls), rtol=0, atol=1e-12)

    @rule(query=QUERIES)
    def score_elsewhere(self, query) -> None:
        """A second handle on the store (as another process would be) that
        cleared its cache sees every batch committed so far."""
        if self.reader is None:
            self.reader = SearchNet(self.store, name="m", cache_size=self.cache)
        self.reader.clear_cache()
        words, urls = query
        np.testing.assert_allclose(self.reader.scores(words, urls), self.mem.scores(words, urls), rtol=0, atol=1e-12)

    @rule(queries=st.lists(QUERIES, min_size=1, max_size=4))
    def score_many(self, queries) -> None:
        got, want = self.net.scores_many(queries), self.mem.scores_many(queries)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)

    # --------------------------------------------------------------- edits
    @rule(url=URLS)
    def remove(self, url) -> None:
        """Both remove the url, or both refuse it as unknown (never
        trained, or removed already)."""
        outcomes = []
        for net in (self.net, self.mem):
            try:
                net.remove_output(url)
                outcomes.append(None)
            except ArgumentError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]

    @rule()
    def clear(self) -> None:
        self.net.clear_cache()

    @rule()
    def new_handle(self) -> None:
        """Another handle on the same store (its rules and layout read from
        the net); this one is dropped."""
        self.net = self._handle()

    @precondition(lambda self: self.net is not None)
    @rule()
    def reopen_file(self) -> None:
        self.store.close()
        self.store = graph.open(self.target)
        self.net, self.reader = self._handle(), None

    # ---------------------------------------------------------- invariants
    @invariant()
    def cache_bounded(self) -> None:
        if self.net is None:
            return
        links = self.net._links
        assert links.cache_size <= self.cache
        if links._by_urls:
            _assert_cache_accounted(links)

    def teardown(self) -> None:
        try:
            if self.net is not None:
                same_links(self.net.links(), self.mem.links())
                assert self.net.n_hidden == self.mem.n_hidden
        finally:
            self.drop()
            for name, value in self.saved.items():
                setattr(searchnet_store, name, value)


GraphNetMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_graph_net_matches_memory = GraphNetMachine.TestCase


class FalkorNetMachine(GraphNetMachine):
    """The same on a FalkorDB server: its statements are the UNWIND ones and
    its floats travel as mantissas and exponents.  No failing commits: a
    statement failing inside MULTI/EXEC does not undo the ones before it
    (documented; assocmem groups only statements that cannot fail)."""

    atomic = False
    uri = ""  # set by the test from the session's server

    def make_target(self) -> Any:
        return f"{self.uri}?graph=m{uuid.uuid4().hex[:12]}"

    def drop(self) -> None:
        try:
            drop_graphs(self.store)
        finally:
            self.store.close()


@pytest.mark.falkordb
def test_graph_net_matches_memory_on_falkordb(falkordb_server):
    FalkorNetMachine.uri = falkordb_server.uri
    run_state_machine_as_test(FalkorNetMachine, settings=settings(
        max_examples=15, stateful_step_count=10, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
