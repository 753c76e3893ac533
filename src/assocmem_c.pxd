# Declarations of the C kernels (csrc/assocmem.h).
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint64_t

cdef extern from "assocmem.h" nogil:
    enum:
        AM_OK
        AM_EINVAL
        AM_ERANGE
        AM_EVALUE
        AM_ENOMEM

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

    enum am_lt_layer:
        AM_LT_WH
        AM_LT_HU
        AM_LT_UH
    ctypedef struct am_links:
        pass
    int am_lt_new(am_links **out)
    void am_lt_free(am_links *L)
    int64_t am_lt_rows(const am_links *L, int layer)
    int64_t am_lt_bytes(const am_links *L)
    int am_lt_add_row(am_links *L, int layer, int64_t order, int64_t *id)
    int am_lt_row(const am_links *L, int layer, int64_t row, int64_t *len,
                  const int64_t **col, const double **w)
    int am_lt_column(const am_links *L, int64_t u, int64_t *len,
                     const int64_t **hidden, const int64_t **at)
    int am_lt_get(const am_links *L, int layer, int64_t row, int64_t col,
                  double *w, int *found)
    int am_lt_set(am_links *L, int layer, int64_t row, int64_t col, double w)
    int am_lt_set_many(am_links *L, int layer, int64_t n, const int64_t *rows, const int64_t *cols,
                       const double *w)
    int am_lt_remove_url(am_links *L, int64_t u)
    int am_lt_clear_word(am_links *L, int64_t w)
    int am_lt_begin(am_links *L)
    int am_lt_commit(am_links *L)
    int am_lt_rollback(am_links *L)
    int am_lt_changes(const am_links *L, int64_t cap, int64_t *n, int8_t *layer, int8_t *fresh,
                      int64_t *row, int64_t *col, double *w)
    int am_lt_train(am_links *L, int64_t nw, const int64_t *words, int64_t nu,
                    const int64_t *urls, int64_t clicked, double rate,
                    double default_wh, int learn, int64_t *n_hidden_out)
    int am_lt_train_clicks(am_links *L, int64_t n, const int64_t *w_ptr, const int64_t *words,
                           const int64_t *u_ptr, const int64_t *urls, const int64_t *clicked,
                           const int64_t *hidden, const uint8_t *created, double new_word_weight,
                           double new_url_weight, int link_new_urls, double rate, double default_wh,
                           int learn, int64_t *trained, int64_t *n_done)
    int am_lt_forward(const am_links *L, double default_wh, int64_t n_queries,
                      const int64_t *qw_ptr, const int64_t *qw, const int64_t *qn,
                      const int64_t *qu_ptr, const int64_t *qu, int64_t *hmark,
                      double *hsum, int64_t *hcnt, int64_t *umark, int64_t *hlist,
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
