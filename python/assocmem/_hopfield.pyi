"""Type stubs of the compiled Hopfield kernels (src/_hopfield.pyx).

Arrays are C-contiguous NumPy arrays of the dtype named; a wrong dtype,
shape or layout raises assocmem.errors.ShapeError / ArgumentTypeError, a
kernel status its mapped exception (src/_status.pxi).
"""

from typing import Literal

import numpy as np
import numpy.typing as npt

I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int8] | npt.NDArray[np.int16] | npt.NDArray[np.int32]

#: Up to this many patterns the row kernel beats the popcount kernel.
ROWS_MAX_PATTERNS: int

def count_dtype(n_patterns: int) -> np.dtype[np.int8] | np.dtype[np.int16] | np.dtype[np.int32]:
    """The narrowest integer dtype holding counts of n_patterns patterns."""

def hebb_counts(x: I8, out: Counts | None = None, total_patterns: int = -1,
                method: Literal["auto", "rows", "popcount"] = "auto") -> Counts:
    """Exact Hebbian counts of the patterns x (p, n); added into out when given."""

def overlaps(xt: I8, s: I8) -> I64:
    """m_mu = sum_i xt[i, mu] s_i, for patterns stored transposed (n, p)."""

def energy(xt: I8, counts: Counts | None, thr: I64, theta: F64, s: I8) -> float:
    """E(s) = -1/(2n) s^T C s + theta . s, exactly (counts or pattern space)."""

class HebbEngine:
    """Asynchronous / synchronous Hebbian recall with incremental fields."""

    @property
    def state(self) -> I8: ...
    def __init__(self, xt: I8, counts: Counts | None, thr: I64, theta: F64, s: I8) -> None: ...
    def energy(self) -> float: ...
    def sweep(self, order: I64) -> int:
        """Visit order[0..n-1] in place; the number of flips."""
    def sync_step(self) -> int:
        """Every neuron at once from the current state; the number changed."""
    def overlaps(self) -> I64: ...

def upper_pairs(counts: Counts, lo: int, hi: int, base: int) -> tuple[I64, I64, Counts, F64]:
    """Synapses i < j of rows [lo, hi): (base + i, base + j, c, c / n)."""

def storkey_add(w: F64, xi: I8) -> None:
    """Add one pattern to real weights by the Storkey rule, in place."""

def sweep_dense_f64(w: F64, theta: F64, order: I64, s: I8, h: F64) -> int: ...

def sweep_patterns_f64(a: F64, d: F64, xt: I8, theta: F64, order: I64, s: I8, m: I64) -> int: ...

def sweep_binary(xt: I8, a: float, wdiag: F64, theta: F64, order: I64, s: I8, k: I64,
                 active: int) -> tuple[int, int]:
    """One async sweep over 0/1 neurons; (flips, active)."""

def dense_async_sweep(xt: I8, d: int, beta: float, order: I64, s: I8, m: I64) -> int:
    """One async sweep of a dense memory (degree d, or beta > 0: exponential)."""

def dense_sync_step(xt: I8, d: int, beta: float, s: I8, m: I64, out: I8) -> int: ...
