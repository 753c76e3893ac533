"""The recall driver: one loop for every memory.

Every way of recalling (the Hebbian C kernels on pattern space or dense
counts, the real-valued rules, sparse 0/1 memories, dense associative
memories, and the pure-Cypher loop in a graph database) is an *engine* that
knows how to do one step over a state it owns; this driver owns everything
around the steps, once:

* the visit order: sweep k of ``order="random"`` visits the neurons in the
  order of the k-th ``rng.permutation(n)`` of ``numpy.random.default_rng(seed)``;
  ``"sequential"`` visits 0..n-1, an explicit permutation is used for every
  sweep;
* the stopping rules: async stops after a sweep that changed nothing
  (``converged``; that sweep is counted), sync at a fixed point or a 2-cycle
  (``cycle``), both at ``max_sweeps``;
* the energy trace: the engine's energy before the first step and after each.

At a temperature T > 0 (:func:`run_glauber`) the driver visits the neurons
one at a time itself, with the rule's field from :mod:`assocmem.glauber`,
and draws the random numbers in the order documented there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

__all__ = ["Engine", "Trajectory", "run", "run_glauber"]


class Engine(Protocol):
    """One memory's dynamics over a state array it updates in place."""

    state: np.ndarray

    def sweep(self, order: np.ndarray) -> int:
        """Visit the neurons in ``order`` (asynchronous); return the flips."""

    def sync_step(self) -> int:
        """Update every neuron from the current state at once; return how
        many changed."""

    def energy(self) -> float:
        """Energy of the current state."""


@dataclass(frozen=True)
class Trajectory:
    converged: bool
    cycle: bool
    sweeps: int
    flips: int
    energies: np.ndarray


def run(engine: Engine, mode: str, max_sweeps: int, rng: Any, fixed: np.ndarray | None) -> Trajectory:
    """Drive ``engine`` until it is stable or ``max_sweeps`` sweeps.

    ``rng`` (a NumPy Generator) gives each async sweep's order when
    ``fixed`` is None; ``fixed`` is used for every sweep otherwise.
    """
    s = engine.state
    n = s.shape[0]
    energies = [engine.energy()]
    sweeps = flips = 0
    converged = cycle = False
    if mode == "async":
        while sweeps < max_sweeps:
            order = np.asarray(rng.permutation(n), dtype=np.int64) if fixed is None else fixed
            changed = engine.sweep(order)
            sweeps += 1
            flips += changed
            energies.append(engine.energy())
            if changed == 0:
                converged = True
                break
    else:
        prev = None
        while sweeps < max_sweeps:
            before = s.copy()
            changed = engine.sync_step()
            sweeps += 1
            flips += changed
            energies.append(engine.energy())
            if changed == 0:
                converged = True
            elif prev is not None and np.array_equal(prev, s):
                cycle = True
            prev = before
            if converged or cycle:
                break
    return Trajectory(converged, cycle, sweeps, flips, np.array(energies, dtype=np.float64))


def run_glauber(net: Any, s: np.ndarray, mode: str, max_sweeps: int, rng: np.random.Generator,
                fixed: np.ndarray | None, temperature: float) -> Trajectory:
    """Glauber dynamics in place on ``s`` for ``max_sweeps`` sweeps (the
    state keeps fluctuating, so ``converged`` is False)."""
    from .glauber import field_function, p_plus

    n = s.shape[0]
    low = 0 if net.binary else -1
    energies = [net._energy(s)]
    flips = 0
    for _ in range(max_sweeps):
        if mode == "async":
            order = rng.permutation(n) if fixed is None else fixed
            u = rng.random(n)
            field, flipped = field_function(net, s)
            for k, i in enumerate(np.asarray(order).tolist()):
                new = 1 if u[k] < p_plus(field(i), temperature) else low
                if new != s[i]:
                    s[i] = new
                    flipped(i, new)
                    flips += 1
        else:
            u = rng.random(n)
            field, _ = field_function(net, s)
            new = np.array([1 if u[i] < p_plus(field(i), temperature) else low for i in range(n)], dtype=np.int8)
            flips += int((new != s).sum())
            s[:] = new
        energies.append(net._energy(s))
    return Trajectory(False, False, max_sweeps, flips, np.array(energies, dtype=np.float64))
