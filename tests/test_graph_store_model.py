"""The graph mirror of Hopfield networks against a dictionary, driven by
hypothesis: random interleavings of saves (Hebbian and dense, every layout,
by COPY and by UNWIND, with and without overwrite), saves that fail (a
statement raising before it runs, or a COPY that LadybugDB itself refuses
half-way), pure-Cypher stores, deletes, loads, neuron states, a second
handle on the file, and the file closed and reopened.

After every step the store lists exactly the networks the dictionary holds,
and nothing of a failed or replaced save is left: the neurons, patterns,
registered keys and synapse types in the file are those of the listed
networks.  Loads give the saved network bit for bit (``verify=True`` also
reads every synapse or dendrite array back).

The example-based tests in test_graph.py and test_trust_graph.py cover each
of these on its own; this machine looks for the orders nobody wrote down.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import assocmem
from assocmem import graph
from assocmem.errors import GraphError, NetworkExistsError, NetworkNotFoundError
from test_trust_graph import _failing_copy

NAMES = st.sampled_from(["a", "b", "c"])
#: (kind, n, p, seed): a Hebbian network or a dense memory
NETS = st.tuples(st.sampled_from(["hebbian", "hebbian", "dense"]), st.integers(2, 24), st.integers(1, 4),
                 st.integers(0, 2**16))


class Injected(GraphError):
    """The failure a rule injects into a save."""


def _build(kind: str, n: int, p: int, seed: int) -> assocmem.Hopfield:
    rng = np.random.default_rng(seed)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
    theta = np.round(rng.normal(0, 0.5, n), 3) if seed % 3 == 0 and kind == "hebbian" else None
    net = assocmem.Hopfield(n, theta)
    if kind == "dense":
        net.store(x, rule="dense", degree=2 + seed % 3)
    else:
        net.store(x)
    net.metadata = {"seed": seed}
    return net


def _same(got: assocmem.Hopfield, want: assocmem.Hopfield) -> None:
    assert got.n_neurons == want.n_neurons
    assert got.rule == want.rule
    np.testing.assert_array_equal(got.patterns, want.patterns)
    np.testing.assert_array_equal(np.asarray(got.thresholds), np.asarray(want.thresholds))
    assert got.metadata == want.metadata
    if want.rule == "hebbian":
        np.testing.assert_array_equal(got.counts, want.counts)
    else:
        assert got.interaction == want.interaction


class GraphStoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="assocmem-store-model-"))
        self.path = self.dir / "s.lbdb"
        self.store = graph.open(self.path)
        self.other: graph.GraphStore | None = None  # a second handle on the file
        self.model: dict[str, tuple[assocmem.Hopfield, str]] = {}  # name -> (network, layout as stored)
        self.states: dict[str, np.ndarray] = {}

    def _handle(self, second: bool) -> graph.GraphStore:
        if second:
            if self.other is None:
                self.other = graph.open(self.path)
            return self.other
        return self.store

    def _saved(self, name: str, net: assocmem.Hopfield, layout: str) -> None:
        """``net`` is stored under ``name`` now, its states all +1."""
        self.model[name] = (net, "memories" if net.rule == "dense" else layout)
        self.states.pop(name, None)

    # ---------------------------------------------------------------- saves
    @rule(name=NAMES, spec=NETS, layout=st.sampled_from(["synapses", "dendrites"]), overwrite=st.booleans(),
          method=st.sampled_from(["copy", "unwind"]), second=st.booleans())
    def save(self, name, spec, layout, overwrite, method, second) -> None:
        net = _build(*spec)
        store = self._handle(second)
        if name in self.model and not overwrite:
            try:
                store.save_network(net, name, layout=layout, method=method, progress=False)
            except NetworkExistsError:
                return
            raise AssertionError(f"{name!r} was saved over without overwrite=True")
        store.save_network(net, name, layout=layout, method=method, overwrite=overwrite, progress=False)
        self._saved(name, net, layout)

    @rule(name=NAMES, spec=NETS, layout=st.sampled_from(["synapses", "dendrites"]), at=st.integers(0, 12),
          method=st.sampled_from(["copy", "unwind"]))
    def save_and_fail(self, name, spec, layout, at, method) -> None:
        """The save (with overwrite) fails at its ``at``-th statement,
        before it runs: the old network of the name, if any, stays."""
        net = _build(*spec)
        backend = self.store.backend
        real, seen = backend._execute, [0]

        def failing(query, params=None):
            seen[0] += 1
            if seen[0] - 1 == at:
                raise Injected(f"injected: statement {at} failed")
            return real(query, params)

        backend._execute = failing
        try:
            self.store.save_network(net, name, layout=layout, method=method, overwrite=True, progress=False)
        except Injected:
            return
        finally:
            backend._execute = real
        # fewer statements than ``at``: it saved
        self._saved(name, net, layout)

    @rule(name=NAMES, spec=NETS, layout=st.sampled_from(["synapses", "dendrites"]), at=st.integers(0, 2))
    def save_refused(self, name, spec, layout, at) -> None:
        """The save's ``at``-th COPY is given rows LadybugDB refuses half-way
        (a node key twice, a synapse to a missing neuron): the database is
        reopened from its log and the old network stays.  With a second
        handle open the file refuses statements until both are closed."""
        net = _build(*spec)
        real = _failing_copy(self.store, at)
        try:
            self.store.save_network(net, name, layout=layout, method="copy", overwrite=True, progress=False)
        except GraphError as exc:
            assert "Copy exception" in str(exc), exc
        else:
            self._saved(name, net, layout)
            return
        finally:
            self.store.backend.copy = real
        if self.other is not None:
            for handle in (self.store, self.other):
                try:
                    handle.networks()
                except GraphError as exc:
                    assert "close every store of this file" in str(exc)
                else:
                    raise AssertionError("a file whose COPY failed with two handles open still answered")
            self._reopen()

    @rule(name=NAMES, n=st.integers(2, 16), p=st.integers(1, 3), seed=st.integers(0, 2**16))
    def cypher_store(self, name, n, p, seed) -> None:
        """The pure-Cypher Hebbian rule, compared with the kernel's by the
        loads."""
        x = np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
        try:
            self.store.cypher_store(name, x, overwrite=False, metadata={"cypher": seed})
        except NetworkExistsError:
            assert name in self.model
            return
        assert name not in self.model
        net = assocmem.Hopfield(n)
        net.store(x)
        net.metadata = {"cypher": seed}
        self.model[name] = (net, "synapses")

    # ---------------------------------------------------------- other edits
    @rule(name=NAMES, second=st.booleans())
    def delete(self, name, second) -> None:
        try:
            self._handle(second).delete_network(name)
        except NetworkNotFoundError:
            assert name not in self.model
            return
        del self.model[name]
        self.states.pop(name, None)

    @rule(name=NAMES, seed=st.integers(0, 2**16))
    def set_state(self, name, seed) -> None:
        if name not in self.model:
            return
        n = self.model[name][0].n_neurons
        s = np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=n)
        self.store.set_state(name, s)
        self.states[name] = s

    @rule(name=NAMES, second=st.booleans())
    def load(self, name, second) -> None:
        store = self._handle(second)
        if name not in self.model:
            try:
                store.load_network(name)
            except NetworkNotFoundError:
                return
            raise AssertionError(f"{name!r} loaded after it was deleted or never saved")
        net, _ = self.model[name]
        _same(store.load_network(name, verify=True), net)
        want = self.states.get(name, np.ones(net.n_neurons, dtype=np.int8))
        np.testing.assert_array_equal(store.get_state(name), want)

    @rule()
    def reopen(self) -> None:
        self._reopen()

    def _reopen(self) -> None:
        self.store.close()
        if self.other is not None:
            self.other.close()
            self.other = None
        self.store = graph.open(self.path)

    # ---------------------------------------------------------- invariants
    @invariant()
    def listed_and_nothing_left(self) -> None:
        s = self.store
        listed = {r["name"]: r for r in s.networks()}
        assert sorted(listed) == sorted(self.model)
        for name, (net, layout) in self.model.items():
            r = listed[name]
            assert (r["n"], r["p"], r["layout"]) == (net.n_neurons, net.n_patterns, layout)
        # nothing of failed or replaced saves: every node and synapse type belongs to a listed network
        count = lambda q: s.query(q)[0]["k"]  # noqa: E731
        assert count("MATCH (x:Neuron) RETURN count(x) AS k") == sum(net.n_neurons for net, _ in self.model.values())
        assert count("MATCH (x:Pattern) RETURN count(x) AS k") == sum(net.n_patterns for net, _ in self.model.values())
        assert count("MATCH (k:AssocmemKey) RETURN count(k) AS k") == len(self.model)
        assert count("MATCH (w:Network) RETURN count(w) AS k") == len(self.model)
        want_types = sorted(r["synapse_type"] for r in listed.values() if r["synapse_type"] is not None)
        assert sorted(s.backend.synapse_types()) == want_types

    def teardown(self) -> None:
        try:
            self.store.close()
            if self.other is not None:
                self.other.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


GraphStoreMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=10, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_graph_store_matches_a_dictionary = GraphStoreMachine.TestCase
