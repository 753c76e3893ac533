"""Hopfield associative memory on exact integer kernels.

Semantics (shared exactly by the C kernels, the NumPy reference in the tests
and the pure-Cypher loop of :mod:`assocmem.graph`):

* Hebbian counts ``C_ij = sum_mu xi_i^mu xi_j^mu`` for i != j, ``C_ii = 0``;
  weights ``w_ij = C_ij / n``.
* Local field ``h_i = H_i / n`` with the exact integer ``H_i = sum_j C_ij s_j``.
  The new ``s_i`` is +1 iff ``h_i >= theta_i``.  Because ``H_i`` is an
  integer, this is decided exactly as ``H_i >= T_i`` with the integer
  threshold ``T_i = ceil(n * theta_i)`` computed in exact rational arithmetic.
* Energy ``E(s) = -Q / (2n) + sum_i theta_i s_i`` with the exact integer
  ``Q = sum_{i != j} C_ij s_i s_j``; the threshold term is summed in index
  order.  Asynchronous recall tracks ``Q`` incrementally (a flip of neuron i
  changes it by ``-4 s_i H_i``).
"""

from __future__ import annotations

import math
import numbers
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from . import _hopfield, dense as _dense, driver, engines
from ._rwlock import RWLock
from ._validate import binary01, bipolar, choice, positive_int, seed as _seed, visit_order
from .errors import ArgumentError, ArgumentTypeError, ShapeError, StateValueError
from .thresholds import as_thresholds, integer_thresholds, theta_term

__all__ = ["Hopfield", "RecallResult"]

#: Learning rules.  "hebbian" keeps exact integer counts; the others have
#: real-valued weights (recall compares double-precision fields).
RULES = ("hebbian", "storkey", "pseudoinverse", "covariance", "dense")
#: Dense counts with incremental fields beat pattern space once p exceeds
#: about this fraction of n (measured, see benchmarks/README.md).
DENSE_RATIO = 1 / 16


@dataclass(frozen=True, eq=False)
class RecallResult:
    """Outcome of a recall.

    Attributes
    ----------
    state : ndarray of shape (n_neurons,), int8
        Final state, values +1/-1.
    converged : bool
        async: the last sweep changed no neuron; sync: a fixed point.
    cycle : bool
        sync only: the state alternates with period 2.
    sweeps : int
        Full sweeps executed, including the last one that changed nothing.
    flips : int
        Total number of neuron flips.
    energies : ndarray of shape (sweeps + 1,), float64
        ``energies[0]`` is the probe's energy, ``energies[k]`` the energy
        after sweep k.
    overlaps : ndarray of shape (n_patterns,), float64
        Overlap of the final state with every stored pattern.
    """

    state: np.ndarray
    converged: bool
    cycle: bool
    sweeps: int
    flips: int
    energies: np.ndarray
    overlaps: np.ndarray = field(repr=False)

    @property
    def best(self) -> int:
        """Index of the stored pattern with the largest |overlap|."""
        return int(np.argmax(np.abs(self.overlaps)))

    @property
    def inverted(self) -> bool:
        """True when the closest stored pattern is matched inverted (m < 0)."""
        return bool(self.overlaps[self.best] < 0)

    @property
    def exact(self) -> bool:
        """True when the state is a stored pattern or its inverse exactly."""
        return bool(abs(self.overlaps[self.best]) == 1.0)

    @property
    def spurious(self) -> bool:
        """True when the state is neither a stored pattern nor its inverse."""
        return not self.exact

    @property
    def energy(self) -> float:
        """Energy of the final state."""
        return float(self.energies[-1])


def _temperature(value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"temperature: expected a number >= 0; got {value!r}")
    t = float(value)
    if not (t >= 0 and math.isfinite(t)):
        raise ArgumentError(f"temperature: expected a finite number >= 0; got {value!r}")
    return t


class Hopfield:
    """Hopfield network of bipolar (+1/-1) neurons with Hebbian storage.

    Parameters
    ----------
    n_neurons : int
        Number of neurons n (>= 1).
    thresholds : array-like of shape (n_neurons,) or float, optional
        Thresholds theta (default 0).

    Examples
    --------
    >>> import numpy as np, assocmem
    >>> rng = np.random.default_rng(0)
    >>> xi = rng.choice([-1, 1], size=(3, 200))
    >>> net = assocmem.Hopfield(200)
    >>> net.store(xi)
    >>> probe = xi[0].copy(); probe[:30] *= -1
    >>> res = net.recall(probe, seed=1)
    >>> bool((res.state == xi[0]).all()), res.converged
    (True, True)
    """

    def __init__(self, n_neurons: int, thresholds: Any = None) -> None:
        self._n = positive_int("n_neurons", n_neurons)
        self._theta = as_thresholds(thresholds, self._n)
        self._theta.flags.writeable = False
        self._thr = integer_thresholds(self._theta, self._n)
        self._patterns = np.empty((0, self._n), dtype=np.int8)
        self._xt = np.empty((self._n, 0), dtype=np.int8)
        self._counts: np.ndarray | None = None
        self._weights: np.ndarray | None = None
        self._rule: str | None = None
        self._w: np.ndarray | None = None  # storkey: real weights (n, n)
        self._a: np.ndarray | None = None  # pseudoinverse: A = X^T (X X^T)^-1, (n, p)
        self._d: np.ndarray | None = None  # pseudoinverse: diag(A X), (n,)
        self._sparse: Any = None  # covariance: scipy.sparse CSR (p, n) of 0/1 patterns
        self._activity: float | None = None
        self._colsum: np.ndarray | None = None  # covariance: active count per neuron
        self._bxt: np.ndarray | None = None  # covariance: dense (n, p) 0/1, built for recall
        self._dense: tuple[int, float] | None = None  # dense: (degree or 0, beta)
        #: JSON-serialisable dict saved with the network (e.g. image shape).
        self.metadata: dict[str, Any] = {}
        self._init_locks()

    def _init_locks(self) -> None:
        # Thread-safety contract: recalls and reads hold ``_lock`` shared and
        # run in parallel; ``store`` holds it exclusively, so each recall
        # sees the whole state before or after a store.  ``_lazy`` serialises
        # the lazy caches (dense counts, weights) built under a shared lock.
        self._lock = RWLock()
        self._lazy = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock.read():
            state = self.__dict__.copy()
        del state["_lock"], state["_lazy"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_locks()

    # ------------------------------------------------------------------ state
    @property
    def n_neurons(self) -> int:
        """Number of neurons n."""
        return self._n

    @property
    def n_patterns(self) -> int:
        """Number of stored patterns p."""
        if self._sparse is not None:
            return self._sparse.shape[0]
        return self._patterns.shape[0]

    @property
    def binary(self) -> bool:
        """True for 0/1 neurons (the covariance rule), False for +-1."""
        return self._rule == "covariance"

    @property
    def activity(self) -> float | None:
        """Mean activity a of a covariance-rule memory (None otherwise)."""
        return self._activity

    @property
    def thresholds(self) -> np.ndarray:
        """(n,) float64 thresholds theta (read-only)."""
        return self._theta

    @property
    def patterns(self) -> np.ndarray:
        """(p, n) int8 copy of the stored patterns (read-only)."""
        with self._lock.read():
            out = self._sparse.toarray().astype(np.int8) if self._sparse is not None else self._patterns.copy()
        out.flags.writeable = False
        return out

    @property
    def rule(self) -> str:
        """Learning rule of the stored patterns ("hebbian" before any store)."""
        return self._rule or "hebbian"

    @property
    def interaction(self) -> dict[str, Any] | None:
        """Dense rule: ``{"degree": d}`` or ``{"beta": b}`` (None otherwise)."""
        return None if self._dense is None else _dense.describe(*self._dense)

    @property
    def counts(self) -> np.ndarray:
        """(n, n) exact Hebbian counts C_ij (read-only), zero diagonal.

        The dtype is the narrowest signed integer holding +-p (int8 for
        p <= 127).  Computed on first use; a later `store` builds new counts,
        so an array returned here never changes.  Only the Hebbian rule has
        integer counts.
        """
        if self.rule != "hebbian":
            raise ArgumentError(f"counts: exact integer counts exist only for the Hebbian rule; this network uses {self.rule!r}")
        with self._lock.read():
            view = self._dense_counts().view()
        view.flags.writeable = False
        return view

    @property
    def weights(self) -> np.ndarray:
        """(n, n) float64 weights w_ij = C_ij / n (read-only), zero diagonal."""
        if self.rule == "dense":
            raise ArgumentError("weights: a dense memory has no pairwise weights (its energy is "
                                "-sum F(xi . s)); use patterns and interaction")
        with self._lock.read(), self._lazy:
            return self._weights_locked()

    def _weights_locked(self) -> np.ndarray:
        if self._weights is None:
            if self.rule == "storkey":
                w = self._w.copy() if self._w is not None else np.zeros((self._n, self._n))
            elif self.rule == "pseudoinverse":
                w = self._a @ self._patterns.astype(np.float64)
                np.fill_diagonal(w, 0.0)
            elif self.rule == "covariance":
                x, a, p = self._sparse, self._activity, self.n_patterns
                c = self._colsum.astype(np.float64)
                w = (x.T @ x).toarray().astype(np.float64) - a * (c[:, None] + c[None, :]) + p * a * a
                w /= self._n
                np.fill_diagonal(w, 0.0)
            else:
                w = self._dense_counts_locked().astype(np.float64)
                w /= self._n
            w.flags.writeable = False
            self._weights = w
        return self._weights

    def __repr__(self) -> str:
        return f"Hopfield(n_neurons={self._n}, n_patterns={self.n_patterns})"

    # ---------------------------------------------------------------- storage
    def store(
        self,
        patterns: Any,
        rule: Literal["hebbian", "storkey", "pseudoinverse", "covariance", "dense"] = "hebbian",
        *,
        activity: float | None = None,
        degree: int | None = None,
        beta: float | None = None,
    ) -> None:
        """Store patterns (adds to those stored before).

        Parameters
        ----------
        patterns : array-like of shape (n_patterns, n_neurons) or (n_neurons,)
            Values +1/-1.
        rule : {"hebbian", "storkey", "pseudoinverse"}
            "hebbian": w_ij = (1/n) sum_mu xi_i xi_j, exact integer counts.
            "storkey": Storkey's (1997) local incremental rule, capacity about
            n / sqrt(2 ln n).  "pseudoinverse": the projection rule
            (Kanter & Sompolinsky 1987), W = X^T (X X^T)^-1 X with zero
            diagonal: every stored pattern is a fixed point for p < n; the
            patterns must be linearly independent.  "covariance": sparse
            memories of 0/1 patterns (dense or ``scipy.sparse``) with low
            activity a, w_ij = (1/n) sum_mu (xi_i - a)(xi_j - a), over 0/1
            neurons with the network's thresholds; stored in work
            proportional to the active entries.  "dense": a dense
            associative memory (see :mod:`assocmem.dense`), E = -sum F(xi.s)
            with F(x) = x^degree or exp(beta x); no thresholds.  One network
            uses one rule.
        activity : float in (0, 1), optional
            Covariance rule only: the activity a (default: the mean of the
            first patterns stored; fixed afterwards).
        degree : int >= 2, optional
            Dense rule: F(x) = x^degree, decided in exact integers.
        beta : float > 0, optional
            Dense rule: F(x) = exp(beta x).  Give exactly one of degree and
            beta with the first patterns; later stores may omit both.

        Notes
        -----
        The inputs are never modified.  A store waits for the recalls in
        flight in other threads and runs alone; a store that raises leaves
        the network as it was.
        """
        with self._lock.write():
            self._store(patterns, rule, activity, degree, beta)

    def _store(self, patterns: Any, rule: Any, activity: Any, degree: Any = None, beta: Any = None) -> None:
        rule = choice("rule", rule, RULES)
        if rule != "dense" and (degree is not None or beta is not None):
            raise ArgumentError(f"degree/beta: only the dense rule takes them; rule is {rule!r}")
        if self._rule is not None and rule != self._rule:
            raise ArgumentError(f"rule: this network stores with {self._rule!r}; mixing rules is not supported (got {rule!r})")
        if rule == "covariance":
            self._store_covariance(patterns, activity)
            return
        if activity is not None:
            raise ArgumentError(f"activity: only the covariance rule takes an activity; rule is {rule!r}")
        new = bipolar("patterns", patterns, self._n, ndim=(1, 2))
        if new.ndim == 1:
            new = new[None, :]
        if rule == "dense":
            if self._theta.any():
                raise ArgumentError("thresholds: a dense memory has no thresholds; create the network with "
                                    "thresholds=None")
            params = self._dense
            if params is None or degree is not None or beta is not None:
                params = _dense.parameters(degree, beta)
                if self._dense is not None and params != self._dense:
                    raise ArgumentError(f"degree/beta: this memory uses {_dense.describe(*self._dense)}; "
                                        f"got {_dense.describe(*params)}")
            _dense.check_fits(self._n, self.n_patterns + new.shape[0], *params)
            self._dense = params
        elif rule == "storkey":
            # a new matrix: weights handed out earlier never change
            w = np.zeros((self._n, self._n)) if self._w is None else self._w.copy()
            for xi in new:
                _hopfield.storkey_add(w, xi)
            self._w = w
        elif rule == "pseudoinverse":
            x = np.concatenate([self._patterns, new]).astype(np.float64)
            rank = np.linalg.matrix_rank(x)
            if rank < x.shape[0]:
                raise ArgumentError(
                    f"patterns: the pseudo-inverse rule needs linearly independent patterns; these {x.shape[0]} "
                    f"patterns have rank {rank}"
                )
            a = np.ascontiguousarray(np.linalg.solve(x @ x.T, x).T)
            self._a, self._d = a, np.einsum("ip,pi->i", a, x)
        if rule != "hebbian":
            self._rule = rule
            self._patterns = np.concatenate([self._patterns, new])
            self._xt = np.ascontiguousarray(self._patterns.T)
            self._weights = None
            return
        self._rule = "hebbian"
        total = self.n_patterns + new.shape[0]
        _hopfield.count_dtype(total)  # raises when counts could not be exact
        counts = None
        if self._counts is not None and _hopfield.count_dtype(total) == self._counts.dtype:
            # copy on write: counts handed out (or read by a view) never change
            counts = _hopfield.hebb_counts(new, out=self._counts.copy(), total_patterns=total)
        # else: re-materialised, wider, on next use
        self._counts = counts
        self._patterns = np.concatenate([self._patterns, new])
        self._xt = np.ascontiguousarray(self._patterns.T)
        self._weights = None

    def forget(self, patterns: Any) -> None:
        """Remove stored patterns (Hebbian and dense rules).

        Each given pattern removes one stored copy of itself; afterwards the
        network equals one that never stored it (the remaining patterns keep
        their order, Hebbian counts are decreased by exact integer
        subtraction).  A pattern that is not stored is refused and nothing
        changes.

        Parameters
        ----------
        patterns : array-like of shape (n_patterns, n_neurons) or (n_neurons,)
        """
        with self._lock.write():
            if self.rule not in ("hebbian", "dense"):
                raise ArgumentError(f"forget: supported for the Hebbian and dense rules; this network uses {self.rule!r}")
            gone = bipolar("patterns", patterns, self._n, ndim=(1, 2)).reshape(-1, self._n)
            keep = np.ones(self.n_patterns, dtype=bool)
            for k, xi in enumerate(gone):
                hits = np.flatnonzero(keep & (self._patterns == xi).all(axis=1))
                if hits.size == 0:
                    raise ArgumentError(f"patterns[{k}]: not stored in this network (or already forgotten)")
                keep[hits[0]] = False
            counts = None
            if self._counts is not None and self.rule == "hebbian":
                wide = self._counts.astype(np.int64) - _hopfield.hebb_counts(gone).astype(np.int64)
                counts = wide.astype(_hopfield.count_dtype(int(keep.sum())))  # every count fits: exact
            self._counts = counts
            self._patterns = np.ascontiguousarray(self._patterns[keep])
            self._xt = np.ascontiguousarray(self._patterns.T)
            self._weights = None
            if self.n_patterns == 0 and self.rule == "dense":
                self._dense = None
                self._rule = None

    def _store_covariance(self, patterns: Any, activity: float | None) -> None:
        from ._optional import require

        sp = require("scipy.sparse", "sparse")

        if sp.issparse(patterns):
            x = sp.csr_matrix(patterns, copy=True)  # never modify the caller's matrix
            if x.ndim != 2 or x.shape[1] != self._n or x.shape[0] == 0:
                raise ShapeError(f"patterns: expected a sparse matrix of shape (p, {self._n}); got {x.shape}")
            x.eliminate_zeros()
            if x.nnz and not np.all(x.data == 1):
                raise StateValueError("patterns: expected only 0/1 values in the sparse matrix")
            x = sp.csr_matrix((np.ones(x.nnz, dtype=np.int8), x.indices, x.indptr), shape=x.shape)
        else:
            dense = binary01("patterns", patterns, self._n, ndim=(1, 2))
            x = sp.csr_matrix(dense.reshape(-1, self._n))
        a = self._activity
        if a is None:
            a = float(x.nnz) / (x.shape[0] * self._n) if activity is None else activity
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Real) or not 0.0 < a < 1.0:
                raise ArgumentError(
                    f"activity: expected a value strictly between 0 and 1; got {a!r}"
                    + (" (the patterns have no active neuron)" if a == 0 else " (every neuron is active)" if a == 1 else "")
                )
        elif activity is not None and activity != a:
            raise ArgumentError(f"activity: this memory uses a = {a}; got {activity!r}")
        a = float(a)
        self._rule, self._activity = "covariance", a
        self._sparse = x if self._sparse is None else sp.vstack([self._sparse, x], format="csr")
        add = np.bincount(x.indices, minlength=self._n).astype(np.int64)
        self._colsum = add if self._colsum is None else self._colsum + add
        self._bxt = None
        self._weights = None

    def _binary_xt(self) -> np.ndarray:
        if self._bxt is None:
            with self._lazy:
                if self._bxt is None:
                    self._bxt = np.ascontiguousarray(self._sparse.T.toarray(), dtype=np.int8)
        return self._bxt

    def _binary_wdiag(self) -> np.ndarray:
        a, p, c = self._activity, self.n_patterns, self._colsum.astype(np.float64)
        return (c * (1 - a) ** 2 + (p - c) * a * a) / self._n

    def _dense_counts(self) -> np.ndarray:
        """Materialise the counts once (the caller holds ``_lock``)."""
        counts = self._counts
        if counts is None:
            with self._lazy:
                counts = self._dense_counts_locked()
        return counts

    def _dense_counts_locked(self) -> np.ndarray:
        if self._counts is None:
            self._counts = _hopfield.hebb_counts(self._patterns)
        return self._counts

    # ----------------------------------------------------------- measurements
    def _state(self, state: Any, name: str = "state") -> np.ndarray:
        if self.binary:
            return binary01(name, state, self._n)
        return bipolar(name, state, self._n)

    def energy(self, state: Any) -> float:
        """E(s) = -1/2 sum_ij w_ij s_i s_j + sum_i theta_i s_i.

        Parameters
        ----------
        state : array-like of shape (n_neurons,), values +1/-1
        """
        s = self._state(state)
        with self._lock.read():
            return self._energy(s)

    def _energy(self, s: np.ndarray) -> float:
        if self.n_patterns == 0:
            return theta_term(self._theta, s)
        if self.binary:
            return self._binary_energy(s, self._binary_xt().T.astype(np.int64) @ s, int(s.sum()))
        if self.rule == "dense":
            return _dense.energy(_hopfield.overlaps(self._xt, s), *self._dense)
        if self.rule != "hebbian":
            return self._real_energy(s, self._real_fields(s))
        return _hopfield.energy(self._xt, self._counts, self._thr, self._theta_or_none(), s)

    def _binary_energy(self, s: np.ndarray, k: np.ndarray, active: int) -> float:
        m = k - self._activity * active
        quad = float(m @ m) / self._n - float(self._binary_wdiag() @ s)
        return -0.5 * quad + theta_term(self._theta, s)

    def _binary_overlaps(self, s: np.ndarray, k: np.ndarray) -> np.ndarray:
        """m_mu = sum_i (xi_i - a)(s_i - a) / (n a (1 - a)): 1 for a stored
        pattern of activity exactly a, about 0 for an unrelated state."""
        a, n = self._activity, self._n
        r = np.asarray(self._sparse.sum(axis=1)).ravel()
        return (k - a * r - a * s.sum() + n * a * a) / (n * a * (1 - a))

    def _real_fields(self, s: np.ndarray) -> np.ndarray:
        sf = s.astype(np.float64)
        if self.rule == "storkey":
            return self._w @ sf
        return self._a @ (self._patterns.astype(np.float64) @ sf) - self._d * sf

    def _real_energy(self, s: np.ndarray, h: np.ndarray) -> float:
        return -0.5 * float(s.astype(np.float64) @ h) + theta_term(self._theta, s)

    def overlaps(self, state: Any) -> np.ndarray:
        """(p,) float64 overlaps m_mu = (1/n) sum_i xi_i^mu s_i (-1: inverted)."""
        s = self._state(state)
        with self._lock.read():
            return self._overlaps(s)

    def _overlaps(self, s: np.ndarray) -> np.ndarray:
        if self.n_patterns == 0:
            return np.empty(0, dtype=np.float64)
        if self.binary:
            return self._binary_overlaps(s, self._binary_xt().T.astype(np.int64) @ s)
        return _hopfield.overlaps(self._xt, s) / self._n

    def _theta_or_none(self) -> np.ndarray | None:
        return self._theta if self._theta.any() else None

    # ----------------------------------------------------------------- recall
    def recall(
        self,
        probe: Any,
        mode: Literal["async", "sync"] = "async",
        max_sweeps: int = 100,
        seed: int | None = None,
        order: Literal["random", "sequential"] | Any = "random",
        *,
        representation: Literal["auto", "patterns", "dense"] = "auto",
        temperature: float = 0.0,
    ) -> RecallResult:
        """Recall from a probe until a stable state.

        Parameters
        ----------
        probe : array-like of shape (n_neurons,), values +1/-1
        mode : {"async", "sync"}
            async: every sweep visits each neuron once and updates it in place;
            sync: all neurons at once from the previous state.
        max_sweeps : int
            Upper bound on sweeps (>= 1).
        seed : int, optional
            Seed of ``numpy.random.default_rng``: sweep k visits the neurons in
            the order of the k-th ``rng.permutation(n)``.
        order : "random", "sequential" or array of shape (n_neurons,)
            Visit order of async sweeps; a permutation is used for every sweep.
            Ignored in sync mode.
        representation : {"auto", "patterns", "dense"}
            "patterns" computes fields in pattern space (O(n p) per sweep, no
            n x n matrix); "dense" keeps exact local fields over the count
            matrix (O(n) per flip).  Both give identical results; "auto"
            picks by p / n.
        temperature : float >= 0
            0 (default): the deterministic update.  T > 0: Glauber dynamics,
            P(s_i = +1) = 1 / (1 + exp(-2 h_i / T)), random numbers from the
            seeded generator in the order documented in
            :mod:`assocmem.glauber`; runs ``max_sweeps`` sweeps and reports
            ``converged=False``.

        Returns
        -------
        RecallResult
        """
        mode, max_sweeps, seed, representation, fixed = self._recall_args(
            mode, max_sweeps, seed, order, representation
        )
        temperature = _temperature(temperature)
        s = self._state(probe, "probe").copy()
        # T > 0 draws from the generator in every mode; T = 0 only for random visit orders
        rng = np.random.default_rng(seed) if temperature > 0 or (mode == "async" and fixed is None) else None
        with self._lock.read():
            return self._recall(s, mode, max_sweeps, rng, fixed, representation, temperature)

    def _recall(self, s, mode, max_sweeps, rng, fixed, representation, temperature=0.0) -> RecallResult:
        if self.n_patterns == 0:
            raise ArgumentError("recall: no patterns are stored; call store() first")
        if temperature > 0:
            t = driver.run_glauber(self, s, mode, max_sweeps, rng, fixed, temperature)
            overlaps = self._overlaps(s)
        else:
            engine = self._engine(s, representation)
            t = driver.run(engine, mode, max_sweeps, rng, fixed)
            # the Hebbian engine keeps the exact overlap counts: no second pass
            overlaps = engine.overlaps() / self._n if self.rule == "hebbian" else self._overlaps(s)
        return RecallResult(state=s, converged=t.converged, cycle=t.cycle, sweeps=t.sweeps, flips=t.flips,
                            energies=t.energies, overlaps=overlaps)

    def _engine(self, s: np.ndarray, representation: str) -> driver.Engine:
        """The engine of this network's rule over the state s (the caller
        holds the lock)."""
        if self.rule != "hebbian":
            want = "dense" if self.rule == "storkey" else "patterns"
            if representation not in ("auto", want):
                raise ArgumentError(f"representation: the {self.rule!r} rule recalls with {want!r}; "
                                    f"got {representation!r}")
        theta = np.ascontiguousarray(self._theta)
        if self.binary:
            return engines.BinaryEngine(s, self._binary_xt(), self._activity, self._binary_wdiag(), theta,
                                        self._binary_energy)
        if self.rule == "dense":
            return engines.DenseEngine(s, self._xt, *self._dense)
        if self.rule == "storkey":
            return engines.RealEngine(s, theta, self._real_energy, self._real_fields, w=self._w)
        if self.rule == "pseudoinverse":
            return engines.RealEngine(s, theta, self._real_energy, self._real_fields, a=self._a, d=self._d,
                                      xt=self._xt)
        dense = representation == "dense" or (
            representation == "auto" and self.n_patterns >= DENSE_RATIO * self._n
        )
        counts = self._dense_counts() if dense else None
        return _hopfield.HebbEngine(self._xt, counts, self._thr, self._theta_or_none(), s)

    def _recall_args(self, mode: Any, max_sweeps: Any, seed: Any, order: Any, representation: Any) -> tuple:
        """Validate recall's arguments; ``fixed`` is the visit order unless
        it is random (None)."""
        mode = choice("mode", mode, ("async", "sync"))
        max_sweeps = positive_int("max_sweeps", max_sweeps)
        seed = _seed("seed", seed)
        representation = choice("representation", representation, ("auto", "patterns", "dense"))
        fixed = visit_order("order", order, self._n) if mode == "async" else None
        return mode, max_sweeps, seed, representation, fixed

    def recall_many(
        self,
        probes: Any,
        mode: Literal["async", "sync"] = "async",
        max_sweeps: int = 100,
        seed: int | None = None,
        order: Literal["random", "sequential"] | Any = "random",
        *,
        representation: Literal["auto", "patterns", "dense"] = "auto",
        workers: int | None = None,
        temperature: float = 0.0,
    ) -> list[RecallResult]:
        """Recall many probes in parallel threads (the kernels release the GIL).

        Each result equals ``recall(probes[k], ..., seed=seed + k)`` (or
        ``seed=None`` for every probe when no seed is given).

        Parameters
        ----------
        probes : array-like of shape (n_probes, n_neurons)
        workers : int, optional
            Threads to use (default: the number of CPUs).
        """
        from concurrent.futures import ThreadPoolExecutor

        batch = (binary01 if self.binary else bipolar)("probes", probes, self._n, ndim=(2,))
        seed = _seed("seed", seed)
        workers = (os.cpu_count() or 1) if workers is None else positive_int("workers", workers)
        self._recall_args(mode, max_sweeps, seed, order, representation)  # fail before any thread starts
        _temperature(temperature)
        if self.n_patterns == 0:
            raise ArgumentError("recall: no patterns are stored; call store() first")
        with self._lock.read():
            if self._counts is None and self.rule == "hebbian" and (
                representation == "dense" or (representation == "auto" and self.n_patterns >= DENSE_RATIO * self._n)
            ):
                self._dense_counts()  # materialise once, not in every thread

        def one(k: int) -> RecallResult:
            return self.recall(batch[k], mode, max_sweeps, None if seed is None else seed + k, order,
                               representation=representation, temperature=temperature)

        if workers == 1 or len(batch) == 1:
            return [one(k) for k in range(len(batch))]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, range(len(batch))))

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network to ``path`` (NumPy .npz, lossless), atomically:
        see :func:`assocmem.files.save`."""
        from . import files

        files.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Hopfield":
        """Read a network written by :meth:`save`, with every member checked
        before it is allocated: see :func:`assocmem.files.load`."""
        from . import files

        return files.load(path, cls)
