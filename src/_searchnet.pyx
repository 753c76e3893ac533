# cython: language_level=3
"""Search-ranking net kernels: CSR forward pass (batched) and backprop.

``assocmem.searchnet`` validates keys and builds the CSR arrays; this layer
checks buffer shapes, owns the scratch memory and calls C without the GIL.
"""
import numpy as np

from libc.stdint cimport int64_t, uint8_t

from assocmem_c cimport *

from assocmem.errors import ArgumentError, KernelError, ShapeError


cdef int _check(int status, str func) except -1:
    if status == AM_OK:
        return 0
    if status == AM_EVALUE:
        raise ArgumentError(f"{func}: a query repeats a word or a url")
    if status == AM_ERANGE:
        raise KernelError(f"{func}: a word or url id is out of range")
    raise KernelError(f"{func} returned status {status}")


cdef class Forward:
    """Scratch buffers for am_sn_forward, sized for one network snapshot.

    The marks must be all -1 between calls; the kernel restores them.
    """
    cdef readonly int64_t n_words, n_hidden, n_urls
    cdef int64_t[::1] hmark, hcnt, umark, hlist
    cdef double[::1] hsum

    def __init__(self, int64_t n_words, int64_t n_hidden, int64_t n_urls):
        self.n_words, self.n_hidden, self.n_urls = n_words, n_hidden, n_urls
        self.hmark = np.full(max(n_hidden, 1), -1, dtype=np.int64)
        self.hcnt = np.zeros(max(n_hidden, 1), dtype=np.int64)
        self.hlist = np.zeros(max(n_hidden, 1), dtype=np.int64)
        self.hsum = np.zeros(max(n_hidden, 1), dtype=np.float64)
        self.umark = np.full(max(n_urls, 1), -1, dtype=np.int64)

    def run(self,
            const int64_t[::1] wh_ptr, const int64_t[::1] wh_idx, const double[::1] wh_w,
            const int64_t[::1] hu_ptr, const int64_t[::1] hu_idx, const double[::1] hu_w,
            const int64_t[::1] uh_ptr, const int64_t[::1] uh_idx,
            double default_wh,
            const int64_t[::1] qw_ptr, const int64_t[::1] qw, const int64_t[::1] qn,
            const int64_t[::1] qu_ptr, const int64_t[::1] qu):
        """Scores of every query's urls, concatenated (float64)."""
        cdef int64_t nq = qn.shape[0]
        if (wh_ptr.shape[0] != self.n_words + 1 or hu_ptr.shape[0] != self.n_hidden + 1
                or uh_ptr.shape[0] != self.n_urls + 1):
            raise ShapeError("csr: indptr lengths do not match the network size")
        if wh_idx.shape[0] != wh_w.shape[0] or hu_idx.shape[0] != hu_w.shape[0]:
            raise ShapeError("csr: indices and weights differ in length")
        if wh_ptr[self.n_words] != wh_idx.shape[0] or hu_ptr[self.n_hidden] != hu_idx.shape[0] \
                or uh_ptr[self.n_urls] != uh_idx.shape[0]:
            raise ShapeError("csr: indptr does not end at the number of entries")
        if qw_ptr.shape[0] != nq + 1 or qu_ptr.shape[0] != nq + 1:
            raise ShapeError("queries: pointer arrays must have n_queries + 1 entries")
        if qw_ptr[nq] != qw.shape[0] or qu_ptr[nq] != qu.shape[0]:
            raise ShapeError("queries: pointers do not end at the number of entries")
        out = np.empty(qu.shape[0], dtype=np.float64)
        cdef double[::1] ov = out
        cdef int st
        # empty arrays still need a valid address
        cdef int64_t zero_i = 0
        cdef double zero_d = 0.0
        cdef const int64_t *p_wh_idx = &wh_idx[0] if wh_idx.shape[0] else &zero_i
        cdef const double *p_wh_w = &wh_w[0] if wh_w.shape[0] else &zero_d
        cdef const int64_t *p_hu_idx = &hu_idx[0] if hu_idx.shape[0] else &zero_i
        cdef const double *p_hu_w = &hu_w[0] if hu_w.shape[0] else &zero_d
        cdef const int64_t *p_uh_idx = &uh_idx[0] if uh_idx.shape[0] else &zero_i
        cdef const int64_t *p_qw = &qw[0] if qw.shape[0] else &zero_i
        cdef const int64_t *p_qu = &qu[0] if qu.shape[0] else &zero_i
        cdef double *p_out = &ov[0] if ov.shape[0] else &zero_d
        with nogil:
            st = am_sn_forward(self.n_words, self.n_hidden, self.n_urls,
                               &wh_ptr[0], p_wh_idx, p_wh_w, &hu_ptr[0], p_hu_idx, p_hu_w,
                               &uh_ptr[0], p_uh_idx, default_wh,
                               nq, &qw_ptr[0], p_qw, &qn[0] if nq else &zero_i, &qu_ptr[0], p_qu,
                               &self.hmark[0], &self.hsum[0], &self.hcnt[0], &self.umark[0],
                               &self.hlist[0], p_out)
        _check(st, "am_sn_forward")
        return out


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
