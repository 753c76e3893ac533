# cython: language_level=3
"""Search-ranking net kernels: CSR forward pass (batched) and backprop.

``assocmem.searchnet`` validates keys and builds the CSR arrays; this layer
checks buffer shapes, owns the scratch memory and calls C without the GIL.
"""
import numpy as np

from libc.stdint cimport int64_t, uint8_t

from assocmem_c cimport *

from assocmem.errors import ShapeError


include "_status.pxi"


cdef class _Scratch:
    """Scratch memory of one am_sn_forward call at a time.  Marks are -1
    between calls (the kernel restores them on success)."""
    cdef int64_t[::1] hmark, hcnt, umark, hlist, q_w, q_u
    cdef double[::1] hsum

    def __init__(self, int64_t n_hidden, int64_t n_urls):
        self.hmark = np.full(max(n_hidden, 1), -1, dtype=np.int64)
        self.hcnt = np.zeros(max(n_hidden, 1), dtype=np.int64)
        self.hlist = np.zeros(max(n_hidden, 1), dtype=np.int64)
        self.hsum = np.zeros(max(n_hidden, 1), dtype=np.float64)
        self.umark = np.full(max(n_urls, 1), -1, dtype=np.int64)
        self.q_w = np.zeros(16, dtype=np.int64)
        self.q_u = np.zeros(64, dtype=np.int64)


cdef class Forward:
    """A network snapshot in CSR form (immutable once built).

    Scratch memory belongs to the call, not to the snapshot: each call takes
    a scratch set from a free list (or makes one) and puts it back when it
    succeeds, so any number of threads can score at once with no lock; the
    free list holds at most as many sets as calls ever ran concurrently.
    ``list.pop``/``list.append`` are atomic under the GIL.
    """
    cdef readonly int64_t n_words, n_hidden, n_urls
    cdef readonly double default_wh
    cdef object _keep
    cdef list _free
    cdef const int64_t[::1] wh_ptr, wh_idx, hu_ptr, hu_idx, uh_ptr, uh_idx
    cdef const double[::1] wh_w, hu_w

    def __init__(self, wh_ptr, wh_idx, wh_w, hu_ptr, hu_idx, hu_w, uh_ptr, uh_idx, double default_wh):
        arrays = [np.ascontiguousarray(a, dtype=np.int64) if i not in (2, 5) else
                  np.ascontiguousarray(a, dtype=np.float64)
                  for i, a in enumerate((wh_ptr, wh_idx, wh_w, hu_ptr, hu_idx, hu_w, uh_ptr, uh_idx))]
        # never hand C a zero-length buffer's address
        arrays = [a if a.size else np.zeros(1, dtype=a.dtype) for a in arrays]
        self._keep = arrays
        self.wh_ptr, self.wh_idx, self.wh_w, self.hu_ptr, self.hu_idx, self.hu_w, self.uh_ptr, self.uh_idx = arrays
        self.n_words = len(wh_ptr) - 1
        self.n_hidden = len(hu_ptr) - 1
        self.n_urls = len(uh_ptr) - 1
        if self.n_words < 0 or self.n_hidden < 0 or self.n_urls < 0:
            raise ShapeError("csr: indptr arrays must have at least one entry")
        if len(wh_idx) != len(wh_w) or len(hu_idx) != len(hu_w):
            raise ShapeError("csr: indices and weights differ in length")
        if wh_ptr[-1] != len(wh_idx) or hu_ptr[-1] != len(hu_idx) or uh_ptr[-1] != len(uh_idx):
            raise ShapeError("csr: indptr does not end at the number of entries")
        for ptr, idx, bound in ((wh_ptr, wh_idx, self.n_hidden), (hu_ptr, hu_idx, self.n_urls),
                                (uh_ptr, uh_idx, self.n_hidden)):
            if len(idx) and (np.min(idx) < 0 or np.max(idx) >= bound) or np.any(np.diff(ptr) < 0):
                raise ShapeError("csr: an index is out of range or indptr decreases")
        self.default_wh = default_wh
        self._free = []

    cdef _Scratch _take(self):
        try:
            return self._free.pop()
        except IndexError:
            return _Scratch(self.n_hidden, self.n_urls)

    cdef int _call(self, _Scratch sc, int64_t nq, const int64_t *qw_ptr, const int64_t *qw, const int64_t *qn,
                   const int64_t *qu_ptr, const int64_t *qu, double *out) except -1:
        cdef int st
        with nogil:
            st = am_sn_forward(self.n_words, self.n_hidden, self.n_urls,
                               &self.wh_ptr[0], &self.wh_idx[0], &self.wh_w[0],
                               &self.hu_ptr[0], &self.hu_idx[0], &self.hu_w[0],
                               &self.uh_ptr[0], &self.uh_idx[0], self.default_wh,
                               nq, qw_ptr, qw, qn, qu_ptr, qu,
                               &sc.hmark[0], &sc.hsum[0], &sc.hcnt[0], &sc.umark[0],
                               &sc.hlist[0], out)
        # a failed call may leave marks set: its scratch is dropped, not reused
        _check(st, "am_sn_forward")
        self._free.append(sc)
        return 0

    def score(self, list words, int64_t n_words, list urls):
        """Scores (list of floats) of one query: known word ids, the number
        of query words, url ids (-1 for unknown urls)."""
        cdef Py_ssize_t nw = len(words), nu = len(urls), k
        cdef _Scratch sc = self._take()
        if sc.q_w.shape[0] < nw:
            sc.q_w = np.zeros(2 * nw, dtype=np.int64)
        if sc.q_u.shape[0] < nu:
            sc.q_u = np.zeros(2 * nu, dtype=np.int64)
        for k in range(nw):
            sc.q_w[k] = words[k]
        for k in range(nu):
            sc.q_u[k] = urls[k]
        out = np.empty(max(nu, 1), dtype=np.float64)
        cdef double[::1] ov = out
        cdef int64_t wp[2]
        cdef int64_t up[2]
        wp[0] = 0
        wp[1] = nw
        up[0] = 0
        up[1] = nu
        self._call(sc, 1, wp, &sc.q_w[0], &n_words, up, &sc.q_u[0], &ov[0])
        return out[:nu].tolist()

    def run(self, const int64_t[::1] qw_ptr, const int64_t[::1] qw, const int64_t[::1] qn,
            const int64_t[::1] qu_ptr, const int64_t[::1] qu):
        """Scores of many queries' urls, concatenated (float64)."""
        cdef int64_t nq = qn.shape[0]
        if qw_ptr.shape[0] != nq + 1 or qu_ptr.shape[0] != nq + 1:
            raise ShapeError("queries: pointer arrays must have n_queries + 1 entries")
        if qw_ptr[nq] != qw.shape[0] or qu_ptr[nq] != qu.shape[0] or qw_ptr[0] != 0 or qu_ptr[0] != 0:
            raise ShapeError("queries: pointers must start at 0 and end at the number of entries")
        out = np.empty(max(qu.shape[0], 1), dtype=np.float64)
        cdef double[::1] ov = out
        cdef int64_t zero = 0
        if nq == 0:
            return out[:0]
        self._call(self._take(), nq, &qw_ptr[0], &qw[0] if qw.shape[0] else &zero, &qn[0], &qu_ptr[0],
                   &qu[0] if qu.shape[0] else &zero, &ov[0])
        return out[:qu.shape[0]]


def backprop(double[:, ::1] wi, const uint8_t[:, ::1] mi, double[:, ::1] wo,
             const uint8_t[:, ::1] mo, const double[::1] targets, double rate):
    """One backpropagation step in place; returns (ah, ao) before the step."""
    cdef int64_t nw = wi.shape[0], nh = wi.shape[1], nu = wo.shape[1]
    if wo.shape[0] != nh or mi.shape[0] != nw or mi.shape[1] != nh or mo.shape[0] != nh \
            or mo.shape[1] != nu or targets.shape[0] != nu:
        raise ShapeError("backprop: wi (nw, nh), wo (nh, nu), masks and targets (nu,) must agree")
    ah = np.zeros(max(nh, 1), dtype=np.float64)
    ao = np.zeros(max(nu, 1), dtype=np.float64)
    dh = np.zeros(max(nh, 1), dtype=np.float64)
    do = np.zeros(max(nu, 1), dtype=np.float64)
    cdef double[::1] ahv = ah, aov = ao, dhv = dh, dov = do
    cdef double dummy = 0.0
    cdef uint8_t dummy_m = 0
    cdef int st
    with nogil:
        st = am_sn_backprop(nw, nh, nu,
                            &wi[0, 0] if nw and nh else &dummy, &mi[0, 0] if nw and nh else &dummy_m,
                            &wo[0, 0] if nh and nu else &dummy, &mo[0, 0] if nh and nu else &dummy_m,
                            &targets[0] if nu else &dummy, rate, &ahv[0], &aov[0], &dhv[0], &dov[0])
    _check(st, "am_sn_backprop")
    return ah[:nh], ao[:nu]
