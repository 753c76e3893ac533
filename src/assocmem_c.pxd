# Declarations of the C kernels (csrc/assocmem.h).
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint64_t

cdef extern from "assocmem.h" nogil:
    enum:
        AM_OK
        AM_EINVAL
        AM_ERANGE
        AM_EVALUE

    int am_pack_signs(const int8_t *xt, int64_t n, int64_t p, int64_t words,
                      uint64_t *bits)
    int am_hebb_counts_i8(const uint64_t *bits, int64_t n, int64_t words,
                          int64_t p, int accumulate, int8_t *counts)
    int am_hebb_counts_i16(const uint64_t *bits, int64_t n, int64_t words,
                           int64_t p, int accumulate, int16_t *counts)
    int am_hebb_counts_i32(const uint64_t *bits, int64_t n, int64_t words,
                           int64_t p, int accumulate, int32_t *counts)
    int am_hebb_rows_i8(const int8_t *x, int64_t p, int64_t n, int accumulate,
                        int8_t *counts)
    int am_hebb_rows_i16(const int8_t *x, int64_t p, int64_t n, int accumulate,
                         int16_t *counts)
    int am_hebb_rows_i32(const int8_t *x, int64_t p, int64_t n, int accumulate,
                         int32_t *counts)
    int am_overlaps(const int8_t *xt, int64_t n, int64_t p, const int8_t *s,
                    int64_t *m)
    int am_fields_patterns(const int8_t *xt, int64_t n, int64_t p,
                           const int64_t *m, const int8_t *s, int64_t *h)
    int am_fields_dense_i8(const int8_t *counts, int64_t n, const int8_t *s,
                           int64_t *h)
    int am_fields_dense_i16(const int16_t *counts, int64_t n, const int8_t *s,
                            int64_t *h)
    int am_fields_dense_i32(const int32_t *counts, int64_t n, const int8_t *s,
                            int64_t *h)
    int am_async_sweep_patterns(const int8_t *xt, int64_t n, int64_t p,
                                const int64_t *thr, const int64_t *order,
                                int8_t *s, int64_t *m, int64_t *flips,
                                int64_t *dq)
    int am_async_sweep_dense_i8(const int8_t *counts, int64_t n,
                                const int64_t *thr, const int64_t *order,
                                int8_t *s, int64_t *h, int64_t *flips,
                                int64_t *dq)
    int am_async_sweep_dense_i16(const int16_t *counts, int64_t n,
                                 const int64_t *thr, const int64_t *order,
                                 int8_t *s, int64_t *h, int64_t *flips,
                                 int64_t *dq)
    int am_async_sweep_dense_i32(const int32_t *counts, int64_t n,
                                 const int64_t *thr, const int64_t *order,
                                 int8_t *s, int64_t *h, int64_t *flips,
                                 int64_t *dq)
    int am_threshold(const int64_t *h, const int64_t *thr, const int8_t *s_in,
                     int64_t n, int8_t *s_out, int64_t *changed)
    int am_sync_step_patterns(const int8_t *xt, int64_t n, int64_t p,
                              const int64_t *thr, int8_t *s, int64_t *m,
                              int64_t *h, int64_t *changed, int64_t *q)
    int am_quadratic(const int8_t *s, const int64_t *h, int64_t n, int64_t *q)
    int am_theta_dot(const double *theta, const int8_t *s, int64_t n,
                     double *out)
    int am_check_signs(const int8_t *s, int64_t n)
    int am_upper_pairs_i8(const int8_t *counts, int64_t n, int64_t lo, int64_t hi,
                          int64_t base, int64_t *src, int64_t *dst, int8_t *c,
                          double *w)
    int am_upper_pairs_i16(const int16_t *counts, int64_t n, int64_t lo,
                           int64_t hi, int64_t base, int64_t *src, int64_t *dst,
                           int16_t *c, double *w)
    int am_upper_pairs_i32(const int32_t *counts, int64_t n, int64_t lo,
                           int64_t hi, int64_t base, int64_t *src, int64_t *dst,
                           int32_t *c, double *w)
    int am_storkey_add(double *w, int64_t n, const int8_t *xi, double *field)
    int am_async_sweep_dense_f64(const double *w, int64_t n, const double *theta,
                                 const int64_t *order, int8_t *s, double *h,
                                 int64_t *flips)
    int am_async_sweep_binary(const int8_t *xt, int64_t n, int64_t p, double a,
                              const double *wdiag, const double *theta,
                              const int64_t *order, int8_t *s, int64_t *k,
                              int64_t *active, int64_t *flips)
    int am_async_sweep_patterns_f64(const double *a, const double *d,
                                    const int8_t *xt, int64_t n, int64_t p,
                                    const double *theta, const int64_t *order,
                                    int8_t *s, int64_t *m, int64_t *flips)

    int am_sn_forward(int64_t n_words, int64_t n_hidden, int64_t n_urls,
                      const int64_t *wh_ptr, const int64_t *wh_idx,
                      const double *wh_w,
                      const int64_t *hu_ptr, const int64_t *hu_idx,
                      const double *hu_w,
                      const int64_t *uh_ptr, const int64_t *uh_idx,
                      double default_wh,
                      int64_t n_queries, const int64_t *qw_ptr,
                      const int64_t *qw, const int64_t *qn, const int64_t *qu_ptr,
                      const int64_t *qu, int64_t *hmark, double *hsum,
                      int64_t *hcnt, int64_t *umark, int64_t *hlist,
                      double *out)
    int am_sn_backprop(int64_t nw, int64_t nh, int64_t nu, double *wi,
                       const uint8_t *mi, double *wo, const uint8_t *mo,
                       const double *targets, double rate, double *ah,
                       double *ao, double *dh, double *dout)
    int am_dense_async_sweep(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                             double beta, const int64_t *order, int8_t *s,
                             int64_t *m, void *lo, void *hi, int64_t *flips)
    int am_dense_sync_step(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                           double beta, const int8_t *s, const int64_t *m,
                           void *lo, void *hi, int8_t *out, int64_t *changed)
