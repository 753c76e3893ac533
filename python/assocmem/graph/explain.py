"""Explainability queries over a stored network ("which neurons fire
together?"): Cypher over its synapses, answered by the database.

Each function takes the store and the network's catalogue row (as
``GraphStore`` finds it by name); ``GraphStore.degree_check``,
``anti_correlated`` and ``out_of_sync`` are their public entry points.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validate
from ..errors import ArgumentError
from . import cypher

if TYPE_CHECKING:
    from .store import GraphStore


def _synapses(found: dict[str, Any], what: str) -> None:
    if found["layout"] != "synapses":
        raise ArgumentError(f"name: network {found['name']!r} has layout {found['layout']!r}; {what} need "
                            "'synapses'")


def degree_check(store: "GraphStore", found: dict[str, Any]) -> dict[str, Any]:
    """Every neuron of a complete network has n - 1 synapses:
    ``{"n", "expected", "min", "max", "ok", "bad"}``."""
    _synapses(found, "degrees")
    b, key = store.backend, found["key"]
    rows = b.run(b.dialect.for_network(cypher.DEGREES, key), {"key": key}, net=key)
    deg = np.array([r["degree"] for r in rows], dtype=np.int64)
    n = found["n"]
    bad = [int(i) for i in np.flatnonzero(deg != n - 1)]
    return {"n": n, "expected": n - 1, "min": int(deg.min()), "max": int(deg.max()), "ok": not bad, "bad": bad}


def anti_correlated(store: "GraphStore", found: dict[str, Any], neuron: int, limit: int) -> list[dict[str, Any]]:
    """Neurons with a negative weight to ``neuron``, most negative first."""
    _synapses(found, "partners")
    i = _validate.positive_int("neuron", neuron, minimum=0)
    if i >= found["n"]:
        raise ArgumentError(f"neuron: expected an index in 0..{found['n'] - 1}; got {i}")
    limit = _validate.positive_int("limit", limit)
    b, key = store.backend, found["key"]
    return b.run(b.dialect.for_network(cypher.ANTI_CORRELATED, key), {"id": found["base"] + i, "limit": limit},
                 net=key)


def out_of_sync(store: "GraphStore", found: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Pairs whose stored states disagree with their synapse, strongest
    first."""
    _synapses(found, "pairs")
    limit = _validate.positive_int("limit", limit)
    b, key = store.backend, found["key"]
    return b.run(b.dialect.for_network(cypher.OUT_OF_SYNC, key), {"key": key, "limit": limit}, net=key)
