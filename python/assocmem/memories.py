"""Learning rules as strategies: what a Hopfield network stores and how it
recalls, one class per rule.

A memory holds its rule's state (patterns, exact counts, real weights, a
sparse 0/1 matrix, the dense interaction) and answers for it: ``store``
(all or nothing), ``forget``, ``weights``, ``energy``, ``overlaps``, the
recall ``engine`` that :mod:`assocmem.driver` runs, and the Glauber
``field_function``.  :class:`assocmem.Hopfield` keeps n, the thresholds,
the metadata and the locks, validates arguments, and delegates.  Every
method here runs under the network's lock (``lazy`` serialises the caches
built under a shared lock).
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _hopfield, dense as _dense, driver, engines
from ._validate import binary01, bipolar
from .errors import ArgumentError, ShapeError, StateValueError
from .thresholds import theta_term

__all__ = ["Memory", "HebbianMemory", "StorkeyMemory", "PseudoinverseMemory", "CovarianceMemory", "DenseMemory",
           "MEMORIES"]

#: Dense counts with incremental fields beat pattern space once p exceeds
#: about this fraction of n (measured, see benchmarks/README.md).
DENSE_RATIO = 1 / 16

FieldFunction = tuple[Callable[[int], float], Callable[[int, int], None]]


class Memory:
    """The state and behaviour of one learning rule over +-1 neurons."""

    rule = ""
    binary = False
    #: the representation recall uses ("auto" if it may choose)
    representation = "auto"
    #: whether stored patterns can be forgotten
    forgets = False
    #: whether an emptied memory gives up its rule and parameters
    resets_when_empty = False

    def __init__(self, n: int, theta: np.ndarray, thr: np.ndarray) -> None:
        self.n, self.theta, self.thr = n, theta, thr
        self.pats = np.empty((0, n), dtype=np.int8)  # (p, n)
        self.xt = np.empty((n, 0), dtype=np.int8)  # (n, p), C-contiguous
        self.w_cache: np.ndarray | None = None

    # ------------------------------------------------------------- state
    @property
    def n_patterns(self) -> int:
        return self.pats.shape[0]

    def patterns(self) -> np.ndarray:
        return self.pats.copy()

    def interaction(self) -> dict[str, Any] | None:
        return None

    @property
    def activity(self) -> float | None:
        return None

    def as_state(self, name: str, state: Any, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
        return bipolar(name, state, self.n, ndim=ndim)

    def _append(self, new: np.ndarray) -> None:
        self.pats = np.concatenate([self.pats, new])
        self.xt = np.ascontiguousarray(self.pats.T)
        self.w_cache = None

    # ----------------------------------------------------------- storage
    def store(self, patterns: Any, activity: Any, degree: Any, beta: Any) -> None:
        """Add patterns; raises and changes nothing on bad input."""
        if activity is not None:
            raise ArgumentError(f"activity: only the covariance rule takes an activity; rule is {self.rule!r}")
        new = bipolar("patterns", patterns, self.n, ndim=(1, 2)).reshape(-1, self.n)
        self._store(new, degree, beta)

    def _store(self, new: np.ndarray, degree: Any, beta: Any) -> None:
        raise NotImplementedError

    def forget(self, gone: np.ndarray) -> None:
        """Remove one stored copy of each row of gone (when ``forgets``)."""
        raise NotImplementedError

    def _forget_rows(self, gone: np.ndarray) -> np.ndarray:
        """keep mask after removing one stored copy of each row of gone."""
        keep = np.ones(self.n_patterns, dtype=bool)
        for k, xi in enumerate(gone):
            hits = np.flatnonzero(keep & (self.pats == xi).all(axis=1))
            if hits.size == 0:
                raise ArgumentError(f"patterns[{k}]: not stored in this network (or already forgotten)")
            keep[hits[0]] = False
        return keep

    def _keep(self, keep: np.ndarray) -> None:
        """Only the patterns of the mask remain."""
        self.pats = np.ascontiguousarray(self.pats[keep])
        self.xt = np.ascontiguousarray(self.pats.T)
        self.w_cache = None

    # ------------------------------------------------------ measurements
    def weights(self, lazy: threading.Lock) -> np.ndarray:
        with lazy:
            if self.w_cache is None:
                w = self._weights(lazy)
                w.flags.writeable = False
                self.w_cache = w
            return self.w_cache

    def _weights(self, lazy: threading.Lock) -> np.ndarray:
        raise NotImplementedError

    def energy(self, s: np.ndarray, lazy: threading.Lock) -> float:
        raise NotImplementedError

    def overlaps(self, s: np.ndarray, lazy: threading.Lock) -> np.ndarray:
        if self.n_patterns == 0:
            return np.empty(0, dtype=np.float64)
        return _hopfield.overlaps(self.xt, s) / self.n

    # ------------------------------------------------------------ recall
    def engine(self, s: np.ndarray, representation: str, lazy: threading.Lock) -> driver.Engine:
        if representation not in ("auto", self.representation):
            raise ArgumentError(f"representation: the {self.rule!r} rule recalls with {self.representation!r}; "
                                f"got {representation!r}")
        return self._engine(s, lazy)

    def _engine(self, s: np.ndarray, lazy: threading.Lock) -> driver.Engine:
        raise NotImplementedError

    def recall_overlaps(self, engine: Any, s: np.ndarray, lazy: threading.Lock) -> np.ndarray:
        """The overlaps of a recall's final state."""
        return self.overlaps(s, lazy)

    def prepare(self, representation: str, lazy: threading.Lock) -> None:
        """Build what many parallel recalls share, once."""

    def field_function(self, s: np.ndarray, lazy: threading.Lock) -> FieldFunction:
        """(field(i), flipped(i, new)): the rule's h_i - theta_i for the
        current s, and the bookkeeping after s[i] changed (Glauber
        dynamics, :mod:`assocmem.glauber`)."""
        raise NotImplementedError


def _overlap_fields(xt: np.ndarray, s: np.ndarray, field: Callable[[int, np.ndarray], float]) -> FieldFunction:
    """field(i) over overlap counts m = xt^T s kept up to date on flips."""
    m = xt.T @ s.astype(np.int64)

    def flipped(i: int, new: int) -> None:
        m[:] += 2 * new * xt[i]

    return (lambda i: field(i, m)), flipped


class HebbianMemory(Memory):
    """w_ij = C_ij / n with exact integer counts C (the narrowest dtype)."""

    rule = "hebbian"
    forgets = True

    def __init__(self, n: int, theta: np.ndarray, thr: np.ndarray) -> None:
        super().__init__(n, theta, thr)
        self.counts: np.ndarray | None = None  # materialised on first use

    def _store(self, new: np.ndarray, degree: Any, beta: Any) -> None:
        total = self.n_patterns + new.shape[0]
        _hopfield.count_dtype(total)  # raises when counts could not be exact
        counts = None
        if self.counts is not None and _hopfield.count_dtype(total) == self.counts.dtype:
            # copy on write: counts handed out (or read by a view) never change
            counts = _hopfield.hebb_counts(new, out=self.counts.copy(), total_patterns=total)
        # else: re-materialised, wider, on next use
        self.counts = counts
        self._append(new)

    def forget(self, gone: np.ndarray) -> None:
        keep = self._forget_rows(gone)
        counts = None
        if self.counts is not None:
            wide = self.counts.astype(np.int64) - _hopfield.hebb_counts(gone).astype(np.int64)
            counts = wide.astype(_hopfield.count_dtype(int(keep.sum())))  # every count fits: exact
        self.counts = counts
        self._keep(keep)

    def dense_counts(self, lazy: threading.Lock) -> np.ndarray:
        """Materialise the counts once."""
        counts = self.counts
        if counts is None:
            with lazy:
                counts = self._counts_locked()
        return counts

    def _counts_locked(self) -> np.ndarray:
        if self.counts is None:
            self.counts = _hopfield.hebb_counts(self.pats)
        return self.counts

    def _weights(self, lazy: threading.Lock) -> np.ndarray:
        w = self._counts_locked().astype(np.float64)
        w /= self.n
        return w

    def _theta_or_none(self) -> np.ndarray | None:
        return self.theta if self.theta.any() else None

    def energy(self, s: np.ndarray, lazy: threading.Lock) -> float:
        if self.n_patterns == 0:
            return theta_term(self.theta, s)
        return _hopfield.energy(self.xt, self.counts, self.thr, self._theta_or_none(), s)

    def _use_dense(self, representation: str) -> bool:
        return representation == "dense" or (representation == "auto" and self.n_patterns >= DENSE_RATIO * self.n)

    def engine(self, s: np.ndarray, representation: str, lazy: threading.Lock) -> driver.Engine:
        counts = self.dense_counts(lazy) if self._use_dense(representation) else None
        return _hopfield.HebbEngine(self.xt, counts, self.thr, self._theta_or_none(), s)

    def recall_overlaps(self, engine: Any, s: np.ndarray, lazy: threading.Lock) -> np.ndarray:
        return engine.overlaps() / self.n  # the engine keeps the exact overlap counts: no second pass

    def prepare(self, representation: str, lazy: threading.Lock) -> None:
        if self.counts is None and self._use_dense(representation):
            self.dense_counts(lazy)

    def field_function(self, s: np.ndarray, lazy: threading.Lock) -> FieldFunction:
        xt, n, p, theta = self.xt.astype(np.int64), self.n, self.n_patterns, self.theta
        return _overlap_fields(xt, s, lambda i, m: (int(xt[i] @ m) - p * int(s[i])) / n - theta[i])


class StorkeyMemory(Memory):
    """Storkey's (1997) local incremental rule: real weights (n, n)."""

    rule = "storkey"
    representation = "dense"

    def __init__(self, n: int, theta: np.ndarray, thr: np.ndarray) -> None:
        super().__init__(n, theta, thr)
        self.w: np.ndarray | None = None

    def _store(self, new: np.ndarray, degree: Any, beta: Any) -> None:
        # a new matrix: weights handed out earlier never change
        w = np.zeros((self.n, self.n)) if self.w is None else self.w.copy()
        for xi in new:
            _hopfield.storkey_add(w, xi)
        self.w = w
        self._append(new)

    def _weights(self, lazy: threading.Lock) -> np.ndarray:
        return self.w.copy() if self.w is not None else np.zeros((self.n, self.n))

    def fields(self, s: np.ndarray) -> np.ndarray:
        return self.w @ s.astype(np.float64)

    def real_energy(self, s: np.ndarray, h: np.ndarray) -> float:
        return -0.5 * float(s.astype(np.float64) @ h) + theta_term(self.theta, s)

    def energy(self, s: np.ndarray, lazy: threading.Lock) -> float:
        if self.n_patterns == 0:
            return theta_term(self.theta, s)
        return self.real_energy(s, self.fields(s))

    def _engine(self, s: np.ndarray, lazy: threading.Lock) -> driver.Engine:
        return engines.RealEngine(s, np.ascontiguousarray(self.theta), self.real_energy, self.fields, w=self.w)

    def field_function(self, s: np.ndarray, lazy: threading.Lock) -> FieldFunction:
        w, theta = self.w, self.theta
        return (lambda i: float(w[i] @ s.astype(np.float64)) - theta[i]), (lambda i, new: None)


class PseudoinverseMemory(StorkeyMemory):
    """The projection rule W = X^T (X X^T)^-1 X, zero diagonal, kept as
    A = X^T (X X^T)^-1 (n, p) and d = diag(A X)."""

    rule = "pseudoinverse"
    representation = "patterns"

    def __init__(self, n: int, theta: np.ndarray, thr: np.ndarray) -> None:
        super().__init__(n, theta, thr)
        self.a: np.ndarray | None = None
        self.d: np.ndarray | None = None

    def _store(self, new: np.ndarray, degree: Any, beta: Any) -> None:
        x = np.concatenate([self.pats, new]).astype(np.float64)
        rank = np.linalg.matrix_rank(x)
        if rank < x.shape[0]:
            raise ArgumentError(
                f"patterns: the pseudo-inverse rule needs linearly independent patterns; these {x.shape[0]} "
                f"patterns have rank {rank}"
            )
        a = np.ascontiguousarray(np.linalg.solve(x @ x.T, x).T)
        self.a, self.d = a, np.einsum("ip,pi->i", a, x)
        self._append(new)

    def _weights(self, lazy: threading.Lock) -> np.ndarray:
        w = self.a @ self.pats.astype(np.float64)
        np.fill_diagonal(w, 0.0)
        return w

    def fields(self, s: np.ndarray) -> np.ndarray:
        sf = s.astype(np.float64)
        return self.a @ (self.pats.astype(np.float64) @ sf) - self.d * sf

    def _engine(self, s: np.ndarray, lazy: threading.Lock) -> driver.Engine:
        return engines.RealEngine(s, np.ascontiguousarray(self.theta), self.real_energy, self.fields, a=self.a,
                                  d=self.d, xt=self.xt)

    def field_function(self, s: np.ndarray, lazy: threading.Lock) -> FieldFunction:
        a, d, theta = self.a, self.d, self.theta
        return _overlap_fields(self.xt.astype(np.int64), s,
                               lambda i, m: float(a[i] @ m.astype(np.float64)) - d[i] * float(s[i]) - theta[i])


class CovarianceMemory(Memory):
    """Sparse 0/1 memories: w_ij = (1/n) sum_mu (xi_i - a)(xi_j - a) over
    0/1 neurons, stored as a scipy.sparse CSR (p, n) matrix."""

    rule = "covariance"
    binary = True
    representation = "patterns"

    def __init__(self, n: int, theta: np.ndarray, thr: np.ndarray) -> None:
        super().__init__(n, theta, thr)
        self.sparse: Any = None
        self.act: float | None = None
        self.colsum: np.ndarray | None = None  # active count per neuron
        self.bxt: np.ndarray | None = None  # dense (n, p) 0/1, built for recall

    @property
    def n_patterns(self) -> int:
        return 0 if self.sparse is None else self.sparse.shape[0]

    def patterns(self) -> np.ndarray:
        return self.sparse.toarray().astype(np.int8) if self.sparse is not None else self.pats.copy()

    @property
    def activity(self) -> float | None:
        return self.act

    def as_state(self, name: str, state: Any, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
        return binary01(name, state, self.n, ndim=ndim)

    def store(self, patterns: Any, activity: Any, degree: Any, beta: Any) -> None:
        from ._optional import require

        sp = require("scipy.sparse", "sparse")
        n = self.n
        if sp.issparse(patterns):
            x = sp.csr_matrix(patterns, copy=True)  # never modify the caller's matrix
            if x.ndim != 2 or x.shape[1] != n or x.shape[0] == 0:
                raise ShapeError(f"patterns: expected a sparse matrix of shape (p, {n}); got {x.shape}")
            x.eliminate_zeros()
            if x.nnz and not np.all(x.data == 1):
                raise StateValueError("patterns: expected only 0/1 values in the sparse matrix")
            x = sp.csr_matrix((np.ones(x.nnz, dtype=np.int8), x.indices, x.indptr), shape=x.shape)
        else:
            x = sp.csr_matrix(binary01("patterns", patterns, n, ndim=(1, 2)).reshape(-1, n))
        a = self.act
        if a is None:
            a = float(x.nnz) / (x.shape[0] * n) if activity is None else activity
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real) or not 0.0 < a < 1.0:
                raise ArgumentError(
                    f"activity: expected a value strictly between 0 and 1; got {a!r}"
                    + (" (the patterns have no active neuron)" if a == 0 else " (every neuron is active)" if a == 1 else "")
                )
        elif activity is not None and activity != a:
            raise ArgumentError(f"activity: this memory uses a = {a}; got {activity!r}")
        self.act = float(a)
        self.sparse = x if self.sparse is None else sp.vstack([self.sparse, x], format="csr")
        add = np.bincount(x.indices, minlength=n).astype(np.int64)
        self.colsum = add if self.colsum is None else self.colsum + add
        self.bxt = None
        self.w_cache = None

    def binary_xt(self, lazy: threading.Lock) -> np.ndarray:
        if self.bxt is None:
            with lazy:
                if self.bxt is None:
                    self.bxt = np.ascontiguousarray(self.sparse.T.toarray(), dtype=np.int8)
        return self.bxt

    def wdiag(self) -> np.ndarray:
        a, p, c = self.act, self.n_patterns, self.colsum.astype(np.float64)
        return (c * (1 - a) ** 2 + (p - c) * a * a) / self.n

    def _weights(self, lazy: threading.Lock) -> np.ndarray:
        x, a, p = self.sparse, self.act, self.n_patterns
        c = self.colsum.astype(np.float64)
        w = (x.T @ x).toarray().astype(np.float64) - a * (c[:, None] + c[None, :]) + p * a * a
        w /= self.n
        np.fill_diagonal(w, 0.0)
        return w

    def binary_energy(self, s: np.ndarray, k: np.ndarray, active: int) -> float:
        m = k - self.act * active
        quad = float(m @ m) / self.n - float(self.wdiag() @ s)
        return -0.5 * quad + theta_term(self.theta, s)

    def energy(self, s: np.ndarray, lazy: threading.Lock) -> float:
        if self.n_patterns == 0:
            return theta_term(self.theta, s)
        return self.binary_energy(s, self.binary_xt(lazy).T.astype(np.int64) @ s, int(s.sum()))

    def overlaps(self, s: np.ndarray, lazy: threading.Lock) -> np.ndarray:
        """m_mu = sum_i (xi_i - a)(s_i - a) / (n a (1 - a)): 1 for a stored
        pattern of activity exactly a, about 0 for an unrelated state."""
        if self.n_patterns == 0:
            return np.empty(0, dtype=np.float64)
        k = self.binary_xt(lazy).T.astype(np.int64) @ s
        a, n = self.act, self.n
        r = np.asarray(self.sparse.sum(axis=1)).ravel()
        return (k - a * r - a * s.sum() + n * a * a) / (n * a * (1 - a))

    def _engine(self, s: np.ndarray, lazy: threading.Lock) -> driver.Engine:
        return engines.BinaryEngine(s, self.binary_xt(lazy), self.act, self.wdiag(), np.ascontiguousarray(self.theta),
                                    self.binary_energy)

    def field_function(self, s: np.ndarray, lazy: threading.Lock) -> FieldFunction:
        xt, act, n, theta = self.binary_xt(lazy).astype(np.int64), self.act, self.n, self.theta
        wdiag = self.wdiag()
        k = xt.T @ s.astype(np.int64)
        active = [int(s.sum())]

        def field(i: int) -> float:
            return float((xt[i] - act) @ (k - act * active[0])) / n - wdiag[i] * float(s[i]) - theta[i]

        def flipped(i: int, new: int) -> None:
            k[:] += (1 if new else -1) * xt[i]
            active[0] += 1 if new else -1

        return field, flipped


class DenseMemory(Memory):
    """Dense associative memory (see :mod:`assocmem.dense`): E = -sum F(xi.s)
    with F(x) = x^degree or exp(beta x); no thresholds."""

    rule = "dense"
    representation = "patterns"
    forgets = True
    resets_when_empty = True

    def __init__(self, n: int, theta: np.ndarray, thr: np.ndarray) -> None:
        super().__init__(n, theta, thr)
        self.params: tuple[int, float] | None = None  # (degree or 0, beta)

    def interaction(self) -> dict[str, Any] | None:
        return None if self.params is None else _dense.describe(*self.params)

    def _store(self, new: np.ndarray, degree: Any, beta: Any) -> None:
        if self.theta.any():
            raise ArgumentError("thresholds: a dense memory has no thresholds; create the network with "
                                "thresholds=None")
        params = self.params
        if params is None or degree is not None or beta is not None:
            params = _dense.parameters(degree, beta)
            if self.params is not None and params != self.params:
                raise ArgumentError(f"degree/beta: this memory uses {_dense.describe(*self.params)}; "
                                    f"got {_dense.describe(*params)}")
        _dense.check_fits(self.n, self.n_patterns + new.shape[0], *params)
        self.params = params
        self._append(new)

    def forget(self, gone: np.ndarray) -> None:
        self._keep(self._forget_rows(gone))

    def weights(self, lazy: threading.Lock) -> np.ndarray:
        raise ArgumentError("weights: a dense memory has no pairwise weights (its energy is "
                            "-sum F(xi . s)); use patterns and interaction")

    def energy(self, s: np.ndarray, lazy: threading.Lock) -> float:
        if self.n_patterns == 0:
            return theta_term(self.theta, s)
        return _dense.energy(_hopfield.overlaps(self.xt, s), *self.params)

    def _engine(self, s: np.ndarray, lazy: threading.Lock) -> driver.Engine:
        return engines.DenseEngine(s, self.xt, *self.params)

    def field_function(self, s: np.ndarray, lazy: threading.Lock) -> FieldFunction:
        deg, beta = self.params
        xt, n = self.xt.astype(np.int64), self.n

        def field(i: int, m: np.ndarray) -> float:
            mi = m - xt[i] * int(s[i])
            if deg:
                diff = sum(int(x) * ((v + 1) ** deg - (v - 1) ** deg) for x, v in zip(xt[i].tolist(), mi.tolist()))
                return diff / (4.0 * n)
            top = float(mi.max())
            # D_i = sum_mu [exp(b(m+xi)) - exp(b(m-xi))] = 2 sinh(b) sum_mu xi exp(b m)
            total = float(xt[i] @ np.exp(beta * (mi - top)))
            return 2.0 * math.sinh(beta) * total * math.exp(beta * top) / (4.0 * n)

        return _overlap_fields(xt, s, field)


#: rule name -> memory class
MEMORIES: dict[str, type[Memory]] = {m.rule: m for m in (HebbianMemory, StorkeyMemory, PseudoinverseMemory,
                                                          CovarianceMemory, DenseMemory)}
