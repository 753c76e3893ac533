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

from . import driver
from ._rwlock import RWLock
from ._validate import bipolar, choice, positive_int, seed as _seed, visit_order
from .errors import ArgumentError, ArgumentTypeError
from .memories import MEMORIES, HebbianMemory, Memory
from .thresholds import as_thresholds, integer_thresholds

__all__ = ["Hopfield", "RecallResult"]

#: Learning rules.  "hebbian" keeps exact integer counts; the others have
#: real-valued weights (recall compares double-precision fields).
RULES = ("hebbian", "storkey", "pseudoinverse", "covariance", "dense")


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
        # the learning rule's state and behaviour (assocmem.memories); None
        # until the first store decides the rule
        self._mem: Memory | None = None
        self._empty = HebbianMemory(self._n, self._theta, self._thr)  # answers before any store
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

    @property
    def _m(self) -> Memory:
        """The memory in use (an empty Hebbian one before any store)."""
        return self._mem if self._mem is not None else self._empty

    # ------------------------------------------------------------------ state
    @property
    def n_neurons(self) -> int:
        """Number of neurons n."""
        return self._n

    @property
    def n_patterns(self) -> int:
        """Number of stored patterns p."""
        return self._m.n_patterns

    @property
    def binary(self) -> bool:
        """True for 0/1 neurons (the covariance rule), False for +-1."""
        return self._m.binary

    @property
    def activity(self) -> float | None:
        """Mean activity a of a covariance-rule memory (None otherwise)."""
        return self._m.activity

    @property
    def thresholds(self) -> np.ndarray:
        """(n,) float64 thresholds theta (read-only)."""
        return self._theta

    @property
    def patterns(self) -> np.ndarray:
        """(p, n) int8 copy of the stored patterns (read-only)."""
        with self._lock.read():
            out = self._m.patterns()
        out.flags.writeable = False
        return out

    @property
    def rule(self) -> str:
        """Learning rule of the stored patterns ("hebbian" before any store)."""
        return self._m.rule

    @property
    def interaction(self) -> dict[str, Any] | None:
        """Dense rule: ``{"degree": d}`` or ``{"beta": b}`` (None otherwise)."""
        return self._m.interaction()

    @property
    def counts(self) -> np.ndarray:
        """(n, n) exact Hebbian counts C_ij (read-only), zero diagonal.

        The dtype is the narrowest signed integer holding +-p (int8 for
        p <= 127).  Computed on first use; a later `store` builds new counts,
        so an array returned here never changes.  Only the Hebbian rule has
        integer counts.
        """
        with self._lock.read():
            m = self._m
            if not isinstance(m, HebbianMemory):
                raise ArgumentError(f"counts: exact integer counts exist only for the Hebbian rule; this network "
                                    f"uses {m.rule!r}")
            view = m.dense_counts(self._lazy).view()
        view.flags.writeable = False
        return view

    @property
    def weights(self) -> np.ndarray:
        """(n, n) float64 weights w_ij = C_ij / n (read-only), zero diagonal."""
        with self._lock.read():
            return self._m.weights(self._lazy)

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
            uses one rule.  Each rule is a class of :mod:`assocmem.memories`.
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
        if self._mem is not None and rule != self._mem.rule:
            raise ArgumentError(f"rule: this network stores with {self._mem.rule!r}; mixing rules is not supported "
                                f"(got {rule!r})")
        # a memory's store validates everything before it changes anything
        mem = self._mem if self._mem is not None else MEMORIES[rule](self._n, self._theta, self._thr)
        mem.store(patterns, activity, degree, beta)
        self._mem = mem

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
            m = self._m
            if not m.forgets:
                raise ArgumentError(f"forget: supported for the Hebbian and dense rules; this network uses "
                                    f"{m.rule!r}")
            m.forget(bipolar("patterns", patterns, self._n, ndim=(1, 2)).reshape(-1, self._n))
            if m.n_patterns == 0 and m.resets_when_empty:
                self._mem = None  # e.g. an empty dense memory may take new degree/beta, or another rule

    # ----------------------------------------------------------- measurements
    def _state(self, state: Any, name: str = "state") -> np.ndarray:
        return self._m.as_state(name, state)

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
        return self._m.energy(s, self._lazy)

    def overlaps(self, state: Any) -> np.ndarray:
        """(p,) float64 overlaps m_mu = (1/n) sum_i xi_i^mu s_i (-1: inverted)."""
        s = self._state(state)
        with self._lock.read():
            return self._m.overlaps(s, self._lazy)

    def _field_function(self, s: np.ndarray) -> Any:
        """The rule's Glauber fields (assocmem.glauber)."""
        return self._m.field_function(s, self._lazy)

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
        m = self._m
        if m.n_patterns == 0:
            raise ArgumentError("recall: no patterns are stored; call store() first")
        if temperature > 0:
            t = driver.run_glauber(self, s, mode, max_sweeps, rng, fixed, temperature)
            overlaps = m.overlaps(s, self._lazy)
        else:
            engine = m.engine(s, representation, self._lazy)
            t = driver.run(engine, mode, max_sweeps, rng, fixed)
            overlaps = m.recall_overlaps(engine, s, self._lazy)
        return RecallResult(state=s, converged=t.converged, cycle=t.cycle, sweeps=t.sweeps, flips=t.flips,
                            energies=t.energies, overlaps=overlaps)

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

        batch = self._m.as_state("probes", probes, ndim=(2,))
        seed = _seed("seed", seed)
        workers = (os.cpu_count() or 1) if workers is None else positive_int("workers", workers)
        self._recall_args(mode, max_sweeps, seed, order, representation)  # fail before any thread starts
        _temperature(temperature)
        if self.n_patterns == 0:
            raise ArgumentError("recall: no patterns are stored; call store() first")
        with self._lock.read():
            self._m.prepare(representation, self._lazy)  # e.g. dense counts: once, not in every thread

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
