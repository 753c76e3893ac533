# cython: language_level=3
"""Hopfield kernels: Hebbian counts, local fields, async/sync recall.

The functions here trust the *values* handed to them by ``assocmem.hopfield``
(which validates user input) but check every buffer's shape and every visit
order's range, so a wrong call raises instead of reading out of bounds (the
C sweeps check indices again only in Debug builds).  Each C call runs
without the GIL.
"""
import numpy as np

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint64_t

from assocmem_c cimport *

from assocmem.errors import ArgumentTypeError, ShapeError

# Count matrices are int8, int16 or int32 (the narrowest that holds +-p).
# The kernels over them are fused functions; the `def` ones dispatch on the
# dtype of the array they are given (Cython's fused dispatch), after
# _count_matrix has checked it once, so no dtype switch is written by hand.
ctypedef fused count_t:
    int8_t
    int16_t
    int32_t


cdef _count_matrix(str name, a, Py_ssize_t n):
    """A C-contiguous (n, n) int8/int16/int32 count matrix (any n when n is
    -1), or the error naming the argument (ArgumentTypeError for the dtype,
    ShapeError for the shape)."""
    if a.dtype not in (np.int8, np.int16, np.int32):
        raise ArgumentTypeError(f"{name}: expected int8, int16 or int32; got {a.dtype}")
    if a.ndim != 2 or a.shape[0] != a.shape[1] or (n >= 0 and a.shape[0] != n) or not a.flags.c_contiguous:
        raise ShapeError(f"{name}: expected a C-contiguous square ({n if n >= 0 else 'n'}, "
                         f"{n if n >= 0 else 'n'}) array; got shape {a.shape}")
    return a

include "_status.pxi"


def count_dtype(Py_ssize_t n_patterns):
    """Narrowest signed integer type that holds every count |C_ij| <= p."""
    if n_patterns <= 127:
        return np.dtype(np.int8)
    if n_patterns <= 32767:
        return np.dtype(np.int16)
    if n_patterns <= 2147483647:
        return np.dtype(np.int32)
    raise ShapeError(f"patterns: at most 2147483647 patterns; got {n_patterns}")


cdef _pack(const int8_t[:, ::1] xt):
    cdef int64_t n = xt.shape[0], p = xt.shape[1], words = (p + 63) // 64
    bits = np.empty((n, max(words, 1)), dtype=np.uint64)
    cdef uint64_t[:, ::1] b = bits
    cdef int st
    if n == 0 or p == 0:
        return bits
    with nogil:
        st = am_pack_signs(&xt[0, 0], n, p, words, &b[0, 0])
    _check(st, "am_pack_signs")
    return bits


#: Up to this many patterns the row kernel (p n^2 vectorised int8 adds) beats
#: the popcount kernel (n^2 ceil(p/64) / 2 popcounts); measured on x86-64.
ROWS_MAX_PATTERNS = 24


def _counts_into(const int8_t[:, ::1] x, const uint64_t[:, ::1] bits,
                 int accumulate, count_t[:, ::1] out):
    cdef int64_t n = out.shape[0], p = x.shape[0], words = (p + 63) // 64
    cdef int st
    cdef bint rows = bits is None
    if x.shape[1] != n or out.shape[1] != n:
        raise ShapeError("counts: expected a square (n, n) buffer")
    if n == 0 or p == 0:
        return
    with nogil:
        if rows:
            if count_t is int8_t:
                st = am_hebb_rows_i8(&x[0, 0], p, n, accumulate, &out[0, 0])
            elif count_t is int16_t:
                st = am_hebb_rows_i16(&x[0, 0], p, n, accumulate, &out[0, 0])
            else:
                st = am_hebb_rows_i32(&x[0, 0], p, n, accumulate, &out[0, 0])
        else:
            if count_t is int8_t:
                st = am_hebb_counts_i8(&bits[0, 0], n, words, p, accumulate, &out[0, 0])
            elif count_t is int16_t:
                st = am_hebb_counts_i16(&bits[0, 0], n, words, p, accumulate, &out[0, 0])
            else:
                st = am_hebb_counts_i32(&bits[0, 0], n, words, p, accumulate, &out[0, 0])
    _check(st, "am_hebb_rows" if rows else "am_hebb_counts")


def hebb_counts(const int8_t[:, ::1] x, out=None, Py_ssize_t total_patterns=-1,
                method="auto"):
    """Exact Hebbian counts of the patterns ``x`` (shape (p, n)).

    With ``out`` (an existing count matrix) the counts of ``x`` are added to
    it in place (incremental storage); ``total_patterns`` is then the number
    of patterns ``out`` will represent and must fit its dtype.  Without it a
    new matrix of the narrowest sufficient dtype is returned.  ``method`` is
    "rows", "popcount" or "auto" (by p); all give the same counts.
    """
    cdef int64_t p = x.shape[0], n = x.shape[1]
    if method not in ("auto", "rows", "popcount"):
        raise ShapeError(f"method: expected 'auto', 'rows' or 'popcount'; got {method!r}")
    accumulate = out is not None
    if out is None:
        # zeros, not empty: with no pattern (p == 0) the kernels write nothing
        out = np.zeros((n, n), dtype=count_dtype(p))
    else:
        if total_patterns < p or count_dtype(total_patterns).itemsize > out.dtype.itemsize:
            raise ShapeError("counts: dtype too narrow for the total number of patterns")
    _count_matrix("counts", out, n)
    use_rows = method == "rows" or (method == "auto" and p <= ROWS_MAX_PATTERNS)
    bits = None if use_rows else _pack(np.ascontiguousarray(np.asarray(x).T))
    _counts_into(x, bits, accumulate, out)
    return out


def overlaps(const int8_t[:, ::1] xt, const int8_t[::1] s):
    """m[mu] = sum_i xi_i^mu s_i as int64 (n times the overlaps)."""
    cdef int64_t n = xt.shape[0], p = xt.shape[1]
    if s.shape[0] != n:
        raise ShapeError(f"state: expected length {n}; got {s.shape[0]}")
    m = np.zeros(p, dtype=np.int64)
    cdef int64_t[::1] mv = m
    cdef int st
    if n == 0 or p == 0:
        return m
    with nogil:
        st = am_overlaps(&xt[0, 0], n, p, &s[0], &mv[0])
    _check(st, "am_overlaps")
    return m


def _fields_dense(const count_t[:, ::1] counts, const int8_t[::1] s, int64_t[::1] h):
    cdef int64_t n = counts.shape[0]
    cdef int st
    with nogil:
        if count_t is int8_t:
            st = am_fields_dense_i8(&counts[0, 0], n, &s[0], &h[0])
        elif count_t is int16_t:
            st = am_fields_dense_i16(&counts[0, 0], n, &s[0], &h[0])
        else:
            st = am_fields_dense_i32(&counts[0, 0], n, &s[0], &h[0])
    return _check(st, "am_fields_dense")


cdef int _fields(const int8_t[:, ::1] xt, counts, const int8_t[::1] s,
                 int64_t[::1] m, int64_t[::1] h) except -1:
    """Fill m (overlap counts) and h (exact local fields) for state s.

    Pattern space costs O(n p), the dense product O(n^2): the dense matrix is
    used only when it is cheaper (p > n); both give the same integers.
    """
    cdef int64_t n = xt.shape[0], p = xt.shape[1]
    cdef int st
    with nogil:
        st = am_overlaps(&xt[0, 0], n, p, &s[0], &m[0])
    _check(st, "am_overlaps")
    if counts is None or xt.shape[1] <= xt.shape[0]:
        with nogil:
            st = am_fields_patterns(&xt[0, 0], n, p, &m[0], &s[0], &h[0])
        return _check(st, "am_fields_patterns")
    _fields_dense(counts, s, h)
    return 0


cdef int64_t _quadratic(const int8_t[::1] s, const int64_t[::1] h) except? -1:
    cdef int64_t q = 0
    cdef int st
    with nogil:
        st = am_quadratic(&s[0], &h[0], s.shape[0], &q)
    _check(st, "am_quadratic")
    return q


cdef double _energy(int64_t q, const double[::1] theta, const int8_t[::1] s) except? -1e308:
    cdef double t = 0.0
    cdef int64_t n = s.shape[0]
    cdef int st
    if theta is not None:
        with nogil:
            st = am_theta_dot(&theta[0], &s[0], n, &t)
        _check(st, "am_theta_dot")
    return -(<double>q) / (2.0 * <double>n) + t


def _check_common(const int8_t[:, ::1] xt, counts, const int64_t[::1] thr,
                  const double[::1] theta, const int8_t[::1] s):
    cdef Py_ssize_t n = xt.shape[0]
    if n < 1 or xt.shape[1] < 1:
        raise ShapeError("patterns: expected at least one pattern of at least one neuron")
    if s.shape[0] != n or thr.shape[0] != n:
        raise ShapeError(f"state/thresholds: expected length {n}")
    if theta is not None and theta.shape[0] != n:
        raise ShapeError(f"theta: expected length {n}; got {theta.shape[0]}")
    if counts is not None:
        _count_matrix("counts", counts, n)
    _check(am_check_signs(&s[0], n), "am_check_signs")


def energy(const int8_t[:, ::1] xt, counts, const int64_t[::1] thr,
           const double[::1] theta, const int8_t[::1] s):
    """E(s) = -Q(s) / (2n) + theta . s with Q exact."""
    _check_common(xt, counts, thr, theta, s)
    cdef int64_t n = xt.shape[0], p = xt.shape[1]
    m = np.empty(p, dtype=np.int64)
    h = np.empty(n, dtype=np.int64)
    _fields(xt, counts, s, m, h)
    return _energy(_quadratic(s, h), theta, s)


def _sweep_dense(const count_t[:, ::1] counts, const int64_t[::1] thr,
                 const int64_t[::1] order, int8_t[::1] s, int64_t[::1] h):
    """One sweep over dense counts; (flips, change of Q)."""
    cdef int64_t n = counts.shape[0], flips = 0, dq = 0
    cdef int st
    with nogil:
        if count_t is int8_t:
            st = am_async_sweep_dense_i8(&counts[0, 0], n, &thr[0], &order[0],
                                         &s[0], &h[0], &flips, &dq)
        elif count_t is int16_t:
            st = am_async_sweep_dense_i16(&counts[0, 0], n, &thr[0], &order[0],
                                          &s[0], &h[0], &flips, &dq)
        else:
            st = am_async_sweep_dense_i32(&counts[0, 0], n, &thr[0], &order[0],
                                          &s[0], &h[0], &flips, &dq)
    _check(st, "am_async_sweep_dense")
    return flips, dq


cdef class HebbEngine:
    """The Hebbian network's engine for the recall driver: one sweep (or
    synchronous step) at a time over a state it updates in place, with the
    exact integer bookkeeping of csrc/assocmem.h.

    ``counts`` None works in pattern space (overlaps m updated on each flip,
    O(n p) per sweep); otherwise over the dense counts (exact local fields h
    updated on each flip, O(n) per flip).  Q = sum_{i != j} C_ij s_i s_j is
    tracked exactly (a flip of neuron i changes it by -4 s_i H_i), and the
    energy is -Q / (2n) + theta . s with the theta term summed in index order.
    """
    cdef const int8_t[:, ::1] xt
    cdef object counts
    cdef const int64_t[::1] thr
    cdef const double[::1] theta
    cdef int8_t[::1] s
    cdef int64_t[::1] m
    cdef int64_t[::1] h
    cdef int64_t q
    cdef readonly object state
    cdef object _m, _h, _next

    def __init__(self, const int8_t[:, ::1] xt, counts, const int64_t[::1] thr, const double[::1] theta, s):
        _check_common(xt, counts, thr, theta, s)
        self.xt, self.counts, self.thr, self.theta = xt, counts, thr, theta
        self.state = s
        self.s = s
        self._m = np.empty(xt.shape[1], dtype=np.int64)
        self._h = np.empty(xt.shape[0], dtype=np.int64)
        self._next = np.empty(xt.shape[0], dtype=np.int8)
        self.m, self.h = self._m, self._h
        _fields(self.xt, self.counts, self.s, self.m, self.h)
        self.q = _quadratic(self.s, self.h)

    def energy(self):
        return _energy(self.q, self.theta, self.s)

    def sweep(self, const int64_t[::1] order):
        """Visit order[0..n-1] in place; returns the number of flips."""
        cdef int64_t n = self.xt.shape[0], p = self.xt.shape[1], flips = 0, dq = 0
        cdef int st
        if order.shape[0] != n:
            raise ShapeError(f"order: expected length {n}; got {order.shape[0]}")
        _check_order(order, n)
        if self.counts is None:
            with nogil:
                st = am_async_sweep_patterns(&self.xt[0, 0], n, p, &self.thr[0], &order[0],
                                             &self.s[0], &self.m[0], &flips, &dq)
            _check(st, "am_async_sweep_patterns")
        else:
            flips, dq = _sweep_dense(self.counts, self.thr, order, self.s, self.h)
        self.q += dq
        return flips

    def sync_step(self):
        """Every neuron from the current state at once, in place; returns
        the number that changed."""
        cdef int64_t n = self.xt.shape[0], p = self.xt.shape[1], changed = 0, q = 0
        cdef int8_t[::1] nxt = self._next
        cdef int st
        if self.counts is None or p <= n:  # the fields come from pattern space (see _fields): one C call
            with nogil:
                st = am_sync_step_patterns(&self.xt[0, 0], n, p, &self.thr[0], &self.s[0], &self.m[0],
                                           &self.h[0], &changed, &q)
            _check(st, "am_sync_step_patterns")
            self.q = q
            return changed
        with nogil:
            st = am_threshold(&self.h[0], &self.thr[0], &self.s[0], n, &nxt[0], &changed)
        _check(st, "am_threshold")
        self.s[:] = nxt
        _fields(self.xt, self.counts, self.s, self.m, self.h)
        self.q = _quadratic(self.s, self.h)
        return changed

    def overlaps(self):
        """int64 overlap counts m_mu = xi^mu . s of the current state."""
        cdef int64_t n = self.xt.shape[0], p = self.xt.shape[1]
        cdef int st
        if self.counts is not None:  # m is kept up to date in pattern space only
            with nogil:
                st = am_overlaps(&self.xt[0, 0], n, p, &self.s[0], &self.m[0])
            _check(st, "am_overlaps")
        return self._m.copy()


# ---------------------------------------------------------------------------
# Synapse lists (graph mirror)

def _upper_pairs(const count_t[:, ::1] counts, int64_t lo, int64_t hi, int64_t base,
                 int64_t[::1] src, int64_t[::1] dst, count_t[::1] c, double[::1] w):
    cdef int64_t n = counts.shape[0]
    cdef int st
    if src.shape[0] == 0:
        return 0
    with nogil:
        if count_t is int8_t:
            st = am_upper_pairs_i8(&counts[0, 0], n, lo, hi, base, &src[0], &dst[0], &c[0], &w[0])
        elif count_t is int16_t:
            st = am_upper_pairs_i16(&counts[0, 0], n, lo, hi, base, &src[0], &dst[0], &c[0], &w[0])
        else:
            st = am_upper_pairs_i32(&counts[0, 0], n, lo, hi, base, &src[0], &dst[0], &c[0], &w[0])
    return _check(st, "am_upper_pairs")


def upper_pairs(counts, Py_ssize_t lo, Py_ssize_t hi, int64_t base):
    """Synapses i < j of rows [lo, hi) of a square int8/16/32 count matrix:
    new arrays (src, dst, c, w) with src = base + i, dst = base + j,
    c = counts[i, j] and w = c / n, row by row."""
    _count_matrix("counts", counts, -1)
    cdef int64_t n = counts.shape[0]
    if not 0 <= lo <= hi <= n:
        raise ShapeError(f"rows: expected 0 <= lo <= hi <= {n}; got lo={lo}, hi={hi}")
    cdef int64_t size = (hi - lo) * (2 * n - 1 - lo - hi) // 2  # sum of n - 1 - i over the rows
    src = np.empty(size, dtype=np.int64)
    dst = np.empty(size, dtype=np.int64)
    c = np.empty(size, dtype=counts.dtype)
    w = np.empty(size, dtype=np.float64)
    _upper_pairs(counts, lo, hi, base, src, dst, c, w)
    return src, dst, c, w


# ---------------------------------------------------------------------------
# Real-valued rules (Storkey, pseudo-inverse)

def storkey_add(double[:, ::1] w, const int8_t[::1] xi):
    """Add one pattern to the Storkey weights w (n, n) in place."""
    cdef int64_t n = w.shape[0]
    if w.shape[1] != n or xi.shape[0] != n or n < 1:
        raise ShapeError(f"storkey: expected w of shape (n, n) and a pattern of length n; got {w.shape[0]}, {xi.shape[0]}")
    field = np.empty(n, dtype=np.float64)
    cdef double[::1] f = field
    cdef int st
    with nogil:
        st = am_storkey_add(&w[0, 0], n, &xi[0], &f[0])
    _check(st, "am_storkey_add")


def sweep_dense_f64(const double[:, ::1] w, const double[::1] theta, const int64_t[::1] order,
                    int8_t[::1] s, double[::1] h):
    """One async sweep over real dense weights; returns the number of flips."""
    cdef int64_t n = w.shape[0], flips = 0
    if w.shape[1] != n or theta.shape[0] != n or order.shape[0] != n or s.shape[0] != n or h.shape[0] != n:
        raise ShapeError(f"sweep: every buffer must have length {n}")
    _check_order(order, n)
    cdef int st
    with nogil:
        st = am_async_sweep_dense_f64(&w[0, 0], n, &theta[0], &order[0], &s[0], &h[0], &flips)
    _check(st, "am_async_sweep_dense_f64")
    return flips


def sweep_patterns_f64(const double[:, ::1] a, const double[::1] d, const int8_t[:, ::1] xt,
                       const double[::1] theta, const int64_t[::1] order, int8_t[::1] s, int64_t[::1] m):
    """One async sweep for W = A X - diag(d); returns the number of flips."""
    cdef int64_t n = a.shape[0], p = a.shape[1], flips = 0
    if xt.shape[0] != n or xt.shape[1] != p or d.shape[0] != n or theta.shape[0] != n \
            or order.shape[0] != n or s.shape[0] != n or m.shape[0] != p or p < 1:
        raise ShapeError("sweep: A (n, p), d (n), xt (n, p), m (p) and the states must agree")
    _check_order(order, n)
    cdef int st
    with nogil:
        st = am_async_sweep_patterns_f64(&a[0, 0], &d[0], &xt[0, 0], n, p, &theta[0], &order[0],
                                         &s[0], &m[0], &flips)
    _check(st, "am_async_sweep_patterns_f64")
    return flips


def sweep_binary(const int8_t[:, ::1] xt, double a, const double[::1] wdiag, const double[::1] theta,
                 const int64_t[::1] order, int8_t[::1] s, int64_t[::1] k, int64_t active):
    """One async sweep of a covariance-rule memory over 0/1 neurons.
    Returns (flips, active)."""
    cdef int64_t n = xt.shape[0], p = xt.shape[1], flips = 0, act = active
    if wdiag.shape[0] != n or theta.shape[0] != n or order.shape[0] != n or s.shape[0] != n \
            or k.shape[0] != p or p < 1:
        raise ShapeError("sweep: xt (n, p), wdiag, theta, order, s (n) and k (p) must agree")
    _check_order(order, n)
    cdef int st
    with nogil:
        st = am_async_sweep_binary(&xt[0, 0], n, p, a, &wdiag[0], &theta[0], &order[0], &s[0],
                                   &k[0], &act, &flips)
    _check(st, "am_async_sweep_binary")
    return flips, act


# ---------------------------------------------------------------------------
# Dense associative memories (polynomial d >= 2, or exponential: d = 0, beta)

cdef int _dense_check(const int8_t[:, ::1] xt, int64_t d, double beta, Py_ssize_t s_len,
                      Py_ssize_t m_len) except -1:
    if xt.shape[1] < 1 or s_len != xt.shape[0] or m_len != xt.shape[1]:
        raise ShapeError("dense: xt (n, p) with p >= 1, states (n) and overlaps (p) must agree")
    if (d != 0 and d < 2) or (d == 0 and not beta > 0):
        raise ShapeError(f"dense: expected a degree >= 2 or a positive beta; got d={d}, beta={beta}")
    return 0


def _dense_tables(Py_ssize_t p, int64_t d):
    """The kernels' scratch tables: p uint64 (degree) or double (exp) entries
    each, as raw bytes."""
    lo = np.empty(p, dtype=np.uint64 if d else np.float64)
    return lo.view(np.int8), np.empty_like(lo).view(np.int8)


def dense_async_sweep(const int8_t[:, ::1] xt, int64_t d, double beta, const int64_t[::1] order,
                      int8_t[::1] s, int64_t[::1] m):
    """One asynchronous sweep of a dense memory in place (s and the overlap
    counts m); returns the number of flips."""
    _dense_check(xt, d, beta, s.shape[0], m.shape[0])
    if order.shape[0] != xt.shape[0]:
        raise ShapeError(f"order: expected length {xt.shape[0]}; got {order.shape[0]}")
    _check_order(order, xt.shape[0])
    cdef int64_t flips = 0
    cdef int st
    if xt.shape[0] == 0:
        return 0
    lo, hi = _dense_tables(xt.shape[1], d)
    cdef char[::1] lov = lo, hiv = hi
    with nogil:
        st = am_dense_async_sweep(&xt[0, 0], xt.shape[0], xt.shape[1], d, beta, &order[0], &s[0],
                                  &m[0], &lov[0], &hiv[0], &flips)
    _check(st, "am_dense_async_sweep")
    return flips


def dense_sync_step(const int8_t[:, ::1] xt, int64_t d, double beta, const int8_t[::1] s,
                    const int64_t[::1] m, int8_t[::1] out):
    """Every neuron of a dense memory from state s (overlap counts m) into
    out; returns the number of neurons that changed."""
    _dense_check(xt, d, beta, s.shape[0], m.shape[0])
    if out.shape[0] != s.shape[0]:
        raise ShapeError("out: expected the length of the state")
    cdef int64_t changed = 0
    cdef int st
    if xt.shape[0] == 0:
        return 0
    lo, hi = _dense_tables(xt.shape[1], d)
    cdef char[::1] lov = lo, hiv = hi
    with nogil:
        st = am_dense_sync_step(&xt[0, 0], xt.shape[0], xt.shape[1], d, beta, &s[0], &m[0],
                                &lov[0], &hiv[0], &out[0], &changed)
    _check(st, "am_dense_sync_step")
    return changed
