"""Engines for the recall driver (:mod:`assocmem.driver`): each knows one
memory's step over a state it updates in place, on the C kernels.

The Hebbian engine is compiled (``assocmem._hopfield.HebbEngine``); the
pure-Cypher engine lives with the graph store.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import _hopfield
from . import dense as _dense

__all__ = ["RealEngine", "BinaryEngine", "DenseEngine"]


class RealEngine:
    """Real-valued weights: Storkey's dense matrix w, or the projection rule
    in pattern space (W = A X - diag(d)).  Fields are recomputed from the
    state after every step, so no rounding drifts across sweeps."""

    def __init__(self, s: np.ndarray, theta: np.ndarray, energy: Callable[[np.ndarray, np.ndarray], float],
                 fields: Callable[[np.ndarray], np.ndarray], *, w: np.ndarray | None = None,
                 a: np.ndarray | None = None, d: np.ndarray | None = None, xt: np.ndarray | None = None) -> None:
        self.state, self._theta, self._energy, self._fields = s, theta, energy, fields
        self._w, self._a, self._d, self._xt = w, a, d, xt
        self._h = fields(s)
        self._m = _hopfield.overlaps(xt, s) if w is None else None

    def sweep(self, order: np.ndarray) -> int:
        if self._w is not None:
            changed = _hopfield.sweep_dense_f64(self._w, self._theta, order, self.state, self._h)
        else:
            changed = _hopfield.sweep_patterns_f64(self._a, self._d, self._xt, self._theta, order, self.state, self._m)
        self._h = self._fields(self.state)
        return changed

    def sync_step(self) -> int:
        new = np.where(self._h >= self._theta, 1, -1).astype(np.int8)
        changed = int((new != self.state).sum())
        self.state[:] = new
        self._h = self._fields(self.state)
        return changed

    def energy(self) -> float:
        return self._energy(self.state, self._h)


class BinaryEngine:
    """Covariance-rule memories over 0/1 neurons, in pattern space with
    exact integer overlap counts k and the active count."""

    def __init__(self, s: np.ndarray, xt: np.ndarray, activity: float, wdiag: np.ndarray, theta: np.ndarray,
                 energy: Callable[[np.ndarray, np.ndarray, int], float]) -> None:
        self.state, self._xt, self._a, self._wdiag, self._theta, self._energy = s, xt, activity, wdiag, theta, energy
        self._k = xt.T.astype(np.int64) @ s
        self._active = int(s.sum())

    def sweep(self, order: np.ndarray) -> int:
        changed, self._active = _hopfield.sweep_binary(self._xt, self._a, self._wdiag, self._theta, order,
                                                       self.state, self._k, self._active)
        return changed

    def sync_step(self) -> int:
        n, a = self.state.shape[0], self._a
        h = ((self._xt - a) @ (self._k - a * self._active)) / n - self._wdiag * self.state
        new = (h >= self._theta).astype(np.int8)
        changed = int((new != self.state).sum())
        self.state[:] = new
        self._k, self._active = self._xt.T.astype(np.int64) @ new, int(new.sum())
        return changed

    def energy(self) -> float:
        return self._energy(self.state, self._k, self._active)


class DenseEngine:
    """Dense associative memories (:mod:`assocmem.dense`): overlap counts
    updated on every flip by the C kernels."""

    def __init__(self, s: np.ndarray, xt: np.ndarray, degree: int, beta: float) -> None:
        self.state, self._xt, self._d, self._beta = s, xt, degree, beta
        self._m = _hopfield.overlaps(xt, s)
        self._next = np.empty_like(s)

    def sweep(self, order: np.ndarray) -> int:
        return _hopfield.dense_async_sweep(self._xt, self._d, self._beta, order, self.state, self._m)

    def sync_step(self) -> int:
        changed = _hopfield.dense_sync_step(self._xt, self._d, self._beta, self.state, self._m, self._next)
        self.state[:] = self._next
        self._m = _hopfield.overlaps(self._xt, self.state)
        return changed

    def energy(self) -> float:
        return _dense.energy(self._m, self._d, self._beta)
