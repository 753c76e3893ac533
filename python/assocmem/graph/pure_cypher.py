"""The pure-Cypher update loop: recall run by the database, one query per
neuron visit, under the same recall driver as the kernels (so its result
is the kernel's by construction, and by test)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validate, driver
from .._optional import require
from ..errors import ArgumentError, GraphError
from ..hopfield import RecallResult
from ..thresholds import theta_term
from . import cypher
from .cypher import INTERACTION_KEY

if TYPE_CHECKING:
    from .store import GraphStore

tqdm = require("tqdm", "graph").tqdm


class _CypherEngine:
    """The pure-Cypher engine for the recall driver: each visit is one query
    that computes the neuron's field in the database and sets its new state
    there (returning the old state, the field and the new state); the state
    mirrored here is checked against the database's at every visit."""

    def __init__(self, store: "GraphStore", name: str, found: dict[str, Any], s: np.ndarray, update: str,
                 params: dict[str, Any], energy: Any, flipped: Any, bar: Any) -> None:
        self.state = s
        self._run, self._name, self._base = store.backend.run, name, found["base"]
        self._lb, self._net = store.backend.dialect.list_base, found["key"]
        self._update, self._params, self._energy, self._flipped, self._bar = update, params, energy, flipped, bar

    def sweep(self, order: np.ndarray) -> int:
        s, changed = self.state, 0
        for i in order.tolist():
            row = self._run(self._update, {"id": self._base + i, "lb": self._lb, **self._params}, net=self._net)[0]
            old, new = int(row["old"]), int(row["new"])
            if old != s[i]:
                raise GraphError(
                    f"name: network {self._name!r}: neuron {i} was {old} in the database, expected {int(s[i])} "
                    "(changed by another writer during the recall?)"
                )
            if new != old:
                if self._flipped is not None:
                    self._flipped(old, int(row["h"]))
                s[i] = new
                changed += 1
            self._bar.update(1)
        return changed

    def sync_step(self) -> int:
        raise ArgumentError("mode: the pure-Cypher loop runs asynchronous updates only")

    def energy(self) -> float:
        return self._energy()


def recall(store: "GraphStore", found: dict[str, Any], probe: Any, *, seed: int | None, order: Any,
           max_sweeps: int, progress: bool) -> RecallResult:
    """``GraphStore.cypher_recall`` of the network ``found`` (its catalogue
    row)."""
    name, n, key = found["name"], found["n"], found["key"]
    dialect, lb = store.backend.dialect, store.backend.dialect.list_base
    max_sweeps = _validate.positive_int("max_sweeps", max_sweeps)
    seed = _validate.seed("seed", seed)
    fixed = _validate.visit_order("order", order, n)
    rng = np.random.default_rng(seed) if fixed is None else None
    s = _validate.bipolar("probe", probe, n).copy()
    if found["layout"] == "memories":
        return _recall_memories(store, name, found, s, rng, fixed, max_sweeps, progress)
    dendrites = found["layout"] == "dendrites"
    update = cypher.UPDATE_NEURON_DENDRITES if dendrites else dialect.for_network(cypher.UPDATE_NEURON_SYNAPSES, key)
    quad = cypher.QUADRATIC_DENDRITES if dendrites else dialect.for_network(cypher.QUADRATIC_SYNAPSES, key)
    theta = np.array([dialect.float_in(r, "theta")
                      for r in store.backend.run(store._read_neurons, {"key": key}, net=key)], dtype=np.float64)
    store._set_state(found, s)
    q = [int(store.backend.run(quad, {"key": key, "lb": lb}, net=key)[0]["q"]) * (1 if dendrites else 2)]

    def flipped(old: int, h: int) -> None:  # Q changes by -4 s_i H_i (each unordered synapse counted twice)
        q[0] -= 4 * old * h

    return _loop(store, name, found, s, rng, fixed, max_sweeps, progress, update, {},
                 lambda: -q[0] / (2.0 * n) + theta_term(theta, s), flipped)


def _recall_memories(store: "GraphStore", name, found, s, rng, fixed, max_sweeps, progress) -> RecallResult:
    """The dense rule's update, one Cypher query per visit; the energy
    -sum F(M_mu) is taken from the overlaps Cypher computes at the end
    of each sweep (as the kernel takes it from its overlaps).  Degrees
    are exact; the exponential's decisions equal the kernel's except
    where a neuron's sum lies within rounding of zero."""
    from .. import dense as _dense

    n, p = found["n"], found["p"]
    interaction = json.loads(found["meta"] or "{}").get(INTERACTION_KEY) or {}
    d, beta = interaction.get("degree"), interaction.get("beta")
    if d is not None and p * (n + 1) ** d >= 2**53:
        raise ArgumentError(f"name: network {name!r}: p (n + 1)^d = {p * (n + 1) ** d:.3g} reaches 2^53, "
                            "beyond exact float arithmetic in Cypher")
    if d is not None:
        update, params = cypher.UPDATE_NEURON_MEMORIES, {"d": d}
    else:
        update, params = store.backend.dialect.render(cypher.UPDATE_NEURON_MEMORIES_EXP), {"beta": beta, "c": n + 1}
    store._set_state(found, s)
    return _loop(store, name, found, s, rng, fixed, max_sweeps, progress, update, params,
                 lambda: _dense.energy(_overlaps(store, found), d or 0, beta or 0.0))


def _overlaps(store: "GraphStore", found: dict[str, Any]) -> np.ndarray:
    key = found["key"]
    rows = store.backend.run(cypher.OVERLAPS, {"key": key, "lb": store.backend.dialect.list_base}, net=key)
    return np.array([r["m"] for r in rows], dtype=np.int64)


def _loop(store: "GraphStore", name, found, s, rng, fixed, max_sweeps, progress, update, params, energy,
          flipped=None) -> RecallResult:
    """Run the pure-Cypher engine under the recall driver (the same
    driver as the kernels'), then check the database's final states."""
    n = found["n"]
    with tqdm(total=max_sweeps * n, desc=f"cypher recall {name}", delay=1.0, disable=not progress) as bar:
        engine = _CypherEngine(store, name, found, s, update, params, energy, flipped, bar)
        t = driver.run(engine, "async", max_sweeps, rng, fixed)
    final = store._read_state(found)
    if not np.array_equal(final, s):
        raise GraphError(f"name: network {name!r}: states in the database changed during the recall")
    return RecallResult(state=final, converged=t.converged, cycle=False, sweeps=t.sweeps, flips=t.flips,
                        energies=t.energies, overlaps=_overlaps(store, found) / n)
