/*
 * assocmem.h -- C kernels of assocmem.
 *
 * Every function is pure over caller-owned buffers: no allocation, no global
 * state, no Python API -- except the search net's link table (am_lt_*),
 * which owns its growable rows (see its section).  Each returns AM_OK or one
 * of the status codes below; outputs are only meaningful when AM_OK is
 * returned.
 *
 * Visit orders: release builds (NDEBUG) trust every entry to lie in [0, n)
 * -- the Cython layer checks each order once -- and Debug builds check it on
 * every visit (AM_ERANGE).
 *
 * Conventions
 *   n        number of neurons, p number of patterns.
 *   xt       patterns transposed, int8 of shape (n, p), row-major, values +-1.
 *   counts   exact Hebbian counts C_ij = sum_mu xi_i^mu xi_j^mu (i != j),
 *            C_ii = 0, shape (n, n), row-major, symmetric.
 *   thr      integer thresholds: neuron i becomes +1 iff H_i >= thr[i], where
 *            H_i = sum_{j != i} C_ij s_j is the exact integer local field
 *            (the real field is H_i / n).
 *   Q        exact integer quadratic form sum_{i != j} C_ij s_i s_j
 *            = sum_i s_i H_i; the energy is -Q / (2 n) + theta . s.
 */
#ifndef ASSOCMEM_H
#define ASSOCMEM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum am_status {
    AM_OK = 0,
    AM_EINVAL = 1,  /* a size argument is out of range or a pointer is NULL */
    AM_ERANGE = 2,  /* an index lies outside its range (visit orders: Debug builds only) */
    AM_EVALUE = 3,  /* a value outside its domain (a state that is not +-1) */
    AM_ENOMEM = 4   /* out of memory (the link table only: nothing else allocates) */
};

/* Pack signs: bit mu of word (i, mu / 64) is set iff xt[i, mu] == +1.
   bits has shape (n, words) with words = ceil(p / 64); padding bits are 0. */
int am_pack_signs(const int8_t *xt, int64_t n, int64_t p, int64_t words,
                  uint64_t *bits);

/* Hebbian counts from packed signs: C_ij = p - 2 popcount(b_i ^ b_j) for
   i != j, C_ii = 0.  accumulate != 0 adds to counts instead of overwriting
   (incremental storage of new patterns).  The caller picks the type wide
   enough for the final counts (|C_ij| <= total number of patterns). */
int am_hebb_counts_i8(const uint64_t *bits, int64_t n, int64_t words,
                      int64_t p, int accumulate, int8_t *counts);
int am_hebb_counts_i16(const uint64_t *bits, int64_t n, int64_t words,
                       int64_t p, int accumulate, int16_t *counts);
int am_hebb_counts_i32(const uint64_t *bits, int64_t n, int64_t words,
                       int64_t p, int accumulate, int32_t *counts);

/* Hebbian counts by rows: row_i = sum_mu x[mu, i] * x[mu, :], contiguous
   adds and subtracts of whole pattern rows that the compiler vectorises;
   x is (p, n) row-major.  Work p n^2 (vs n^2 ceil(p/64) / 2 popcounts for
   am_hebb_counts_*), so the faster choice for small p.  Same result and
   accumulate semantics as am_hebb_counts_*. */
int am_hebb_rows_i8(const int8_t *x, int64_t p, int64_t n, int accumulate,
                    int8_t *counts);
int am_hebb_rows_i16(const int8_t *x, int64_t p, int64_t n, int accumulate,
                     int16_t *counts);
int am_hebb_rows_i32(const int8_t *x, int64_t p, int64_t n, int accumulate,
                     int32_t *counts);

/* m[mu] = sum_i xt[i, mu] s[i]  (n times the overlap with pattern mu). */
int am_overlaps(const int8_t *xt, int64_t n, int64_t p, const int8_t *s,
                int64_t *m);

/* Local fields in pattern space: H_i = sum_mu xt[i, mu] m[mu] - p s_i. */
int am_fields_patterns(const int8_t *xt, int64_t n, int64_t p,
                       const int64_t *m, const int8_t *s, int64_t *h);

/* Local fields from dense counts: H = C s. */
int am_fields_dense_i8(const int8_t *counts, int64_t n, const int8_t *s,
                       int64_t *h);
int am_fields_dense_i16(const int16_t *counts, int64_t n, const int8_t *s,
                        int64_t *h);
int am_fields_dense_i32(const int32_t *counts, int64_t n, const int8_t *s,
                        int64_t *h);

/* One asynchronous sweep in pattern space: visit order[0..n-1], set
   s_i = (H_i >= thr_i) ? +1 : -1 in place, keeping m up to date on every flip
   (O(p) per visit).  *flips and *dq receive this sweep's flip count and the
   exact change of Q. */
int am_async_sweep_patterns(const int8_t *xt, int64_t n, int64_t p,
                            const int64_t *thr, const int64_t *order,
                            int8_t *s, int64_t *m, int64_t *flips,
                            int64_t *dq);

/* One asynchronous sweep over dense counts, with the local fields h kept up
   to date incrementally (O(1) per visit, O(n) per flip). */
int am_async_sweep_dense_i8(const int8_t *counts, int64_t n,
                            const int64_t *thr, const int64_t *order,
                            int8_t *s, int64_t *h, int64_t *flips,
                            int64_t *dq);
int am_async_sweep_dense_i16(const int16_t *counts, int64_t n,
                             const int64_t *thr, const int64_t *order,
                             int8_t *s, int64_t *h, int64_t *flips,
                             int64_t *dq);
int am_async_sweep_dense_i32(const int32_t *counts, int64_t n,
                             const int64_t *thr, const int64_t *order,
                             int8_t *s, int64_t *h, int64_t *flips,
                             int64_t *dq);

/* Synchronous step: s_out_i = (h_i >= thr_i) ? +1 : -1; *changed receives
   the number of neurons whose state differs from s_in. */
int am_threshold(const int64_t *h, const int64_t *thr, const int8_t *s_in,
                 int64_t n, int8_t *s_out, int64_t *changed);

/* One synchronous step in pattern space, in place: every s_i <- (h_i >=
   thr_i) ? +1 : -1 at once from the fields h of the current state; then the
   overlap counts m of the new state (updated by the changed rows only,
   m += 2 s_i xt[i, :], O(changed p)), its fields h (am_fields_patterns,
   O(n p)) and *q = sum_i s_i h_i.  *changed receives the number of neurons
   that changed.  On entry m and h must be those of s (am_overlaps,
   am_fields_patterns); the result equals am_threshold followed by both. */
int am_sync_step_patterns(const int8_t *xt, int64_t n, int64_t p,
                          const int64_t *thr, int8_t *s, int64_t *m,
                          int64_t *h, int64_t *changed, int64_t *q);

/* *q = sum_i s_i h_i (the exact quadratic form Q when h are local fields). */
int am_quadratic(const int8_t *s, const int64_t *h, int64_t n, int64_t *q);

/* *out = sum_i theta_i s_i, summed in index order 0..n-1 (the reference
   order: every implementation sums the threshold term this way). */
int am_theta_dot(const double *theta, const int8_t *s, int64_t n,
                 double *out);

/* ---------------------------------------------------------------------------
 * Real-valued learning rules (Storkey, pseudo-inverse): same update rule
 * s_i = (h_i >= theta_i) ? +1 : -1, fields in double precision.
 */

/* Storkey (1997) incremental rule, one pattern xi (n) into w (n x n, zero
 * diagonal, symmetric), using the scratch field (n):
 *   w_ij += (xi_i xi_j - xi_i h_ji - h_ij xi_j) / n   (i != j)
 *   h_ij  = sum_{k != i, j} w_ik xi_k   (all from the weights before). */
int am_storkey_add(double *w, int64_t n, const int8_t *xi, double *field);

/* One asynchronous sweep over dense real weights w (n x n, zero diagonal)
 * with incremental fields h (n): h_j += 2 s_i w_ji on each flip of i. */
int am_async_sweep_dense_f64(const double *w, int64_t n, const double *theta,
                             const int64_t *order, int8_t *s, double *h,
                             int64_t *flips);

/* One asynchronous sweep in pattern space for a low-rank weight matrix
 * W = A X - diag(d), A (n x p) real, xt (n x p) int8: the field is
 * h_i = sum_mu A[i, mu] m[mu] - d_i s_i with the exact overlaps m = X s
 * updated on every flip. */
int am_async_sweep_patterns_f64(const double *a, const double *d,
                                const int8_t *xt, int64_t n, int64_t p,
                                const double *theta, const int64_t *order,
                                int8_t *s, int64_t *m, int64_t *flips);

/* One asynchronous sweep of a sparse {0, 1} memory stored with the
 * covariance rule w_ij = (1/n) sum_mu (xi_i - a)(xi_j - a), i != j, over
 * 0/1 neurons.  xt (n x p) holds 0/1 patterns; k[mu] = sum_j xi_j s_j and
 * *active = sum_j s_j are exact integers kept up to date, so
 *   h_i = (1/n) sum_mu (xi_i - a)(k_mu - a active) - wdiag_i s_i,
 * and s_i = (h_i >= theta_i) ? 1 : 0. */
int am_async_sweep_binary(const int8_t *xt, int64_t n, int64_t p, double a,
                          const double *wdiag, const double *theta,
                          const int64_t *order, int8_t *s, int64_t *k,
                          int64_t *active, int64_t *flips);

/* Check that s holds only +-1; AM_EVALUE otherwise. */
int am_check_signs(const int8_t *s, int64_t n);

/* Synapse list of the upper triangle, rows [lo, hi) of an n x n count
   matrix (row-major): for every i in [lo, hi) and j in (i, n), in that
   order, writes src = base + i, dst = base + j, c = counts[i, j] and
   w = c / n (the same IEEE division as the weights).  The outputs hold
   sum_{i=lo}^{hi-1} (n - 1 - i) entries.  0 <= lo <= hi <= n. */
int am_upper_pairs_i8(const int8_t *counts, int64_t n, int64_t lo, int64_t hi,
                      int64_t base, int64_t *src, int64_t *dst, int8_t *c,
                      double *w);
int am_upper_pairs_i16(const int16_t *counts, int64_t n, int64_t lo,
                       int64_t hi, int64_t base, int64_t *src, int64_t *dst,
                       int16_t *c, double *w);
int am_upper_pairs_i32(const int32_t *counts, int64_t n, int64_t lo,
                       int64_t hi, int64_t base, int64_t *src, int64_t *dst,
                       int32_t *c, double *w);

/* ---------------------------------------------------------------------------
 * Search-ranking net ("Programming Collective Intelligence", ch. 4).
 *
 * The link table (am_links) is the one structure here that owns memory: a
 * net grows one link at a time, so its rows are growable arrays.  Three
 * layers of rows:
 *   AM_LT_WH  row = word,   column = hidden neuron, with a weight; columns in
 *             hidden order (a lookup is a binary search)
 *   AM_LT_HU  row = hidden, column = url, with a weight; columns in the order
 *             the links were made
 *   AM_LT_UH  row = url,    column = hidden neuron, in hidden order, and
 *             where that link is in the hidden row (the reverse index of
 *             AM_LT_HU, kept by the table: no weights of its own, never set
 *             directly)
 * Ids are dense: am_lt_add_row gives a layer's next row id (words are
 * AM_LT_WH rows, hidden neurons AM_LT_HU rows, urls AM_LT_UH rows).
 * Hidden order: each hidden neuron has an order given when it is added
 * (the caller derives it from the neuron's key, so it is the same in
 * every table holding that neuron); neurons sort by (order, id).  Sorted
 * rows, a click's hidden layer and every sum over hidden neurons follow
 * it, so a table built in another order (a cache loaded piecemeal, a net
 * reloaded from a database) computes the same values to the bit.
 * A query's hidden layer holds every hidden neuron of its words' and urls'
 * rows, so those rows are part of its sub-network, and the url rows lead
 * to every stored weight a query reads: training costs O(nw nh + nh nu) for
 * a sub-network of nh hidden neurons and scoring O(nw nh + the links into
 * the candidate urls), never the length of a hidden neuron's url row nor
 * anything of the size of the net.  A single link (am_lt_get, am_lt_set)
 * is found by a binary search of its url row.  A url's score sums its
 * links in hidden order, so two urls with the same links score the same
 * to the bit.  Functions return AM_ENOMEM when an allocation
 * fails; inside a transaction the caller then rolls back.
 *
 * Transactions: am_lt_begin ... am_lt_commit | am_lt_rollback.  Inside one,
 * rows only grow (am_lt_remove_url is refused: AM_EINVAL).  The journal
 * holds, per row changed, a word or url row whole (all its columns are in
 * the sub-network of any click that changes it), the length of a hidden
 * row, and the old value of each existing hidden -> url weight the first
 * time it changes.  Rollback restores them, drops what was appended
 * and the rows added since begin: the table is bit for bit as it was.
 * Journal memory is bounded by the links a transaction touches, however
 * many times it changes them.

 * Query q has qn[q] words, of which the known ones are qw[qw_ptr[q] ..
 * qw_ptr[q+1]) (unknown words have no links: they count default_wh), and
 * candidate urls qu[qu_ptr[q] .. qu_ptr[q+1]) (-1: an unknown url, score 0).
 * Its hidden layer is every hidden neuron linked to a query word or a
 * candidate url.  Input activations are 1.
 *   ah_j = tanh(sum_i w_ij),  w_ij = stored weight or default_wh if missing
 *   ao_k = tanh(sum_j ah_j w_jk) over stored links (a missing hidden->url
 *   link counts 0 under both rules)
 * am_lt_forward: out[qu_ptr[q] + k] receives ao_k (a hidden neuron with no
 * link to a candidate url adds 0 to every score, so only those with one are
 * computed).  It only reads the table
 * (any number of calls at once, none concurrent with a change).  Scratch
 * buffers (caller-owned, sized for the table's current rows): hmark
 * (n_hidden int64, all -1 on entry and on return), hsum/hcnt (n_hidden
 * doubles/int64), umark (n_urls int64, all -1 on entry and on return), hlist
 * (n_hidden int64).  Words and urls of a query must be distinct (AM_EVALUE
 * otherwise); an id out of range gives AM_ERANGE.
 *
 * am_lt_train: one click.  The hidden layer of (words, urls) in hidden order
 * (with learn != 0 every hidden neuron linked to a query word or url; with
 * learn == 0 those linked to both, the only ones the step can change: the
 * result is the same to the bit as with all of them), its dense weights
 * gathered (a missing word->hidden weight is default_wh, a missing
 * hidden->url weight 0; with learn != 0 every missing weight takes part and
 * is created by the step, otherwise only stored ones), one
 * am_sn_backprop step with target 1 for urls[clicked] and 0 for the others,
 * the weights written back; *n_hidden_out (if not NULL) receives the size
 * of the hidden layer.  Every id must exist (AM_ERANGE), words and urls be
 * distinct (AM_EVALUE).  Uses the table's own scratch: one call at a
 * time per table.
 */
enum am_lt_layer { AM_LT_WH = 0, AM_LT_HU = 1, AM_LT_UH = 2 };
typedef struct am_links am_links;

int am_lt_new(am_links **out);
void am_lt_free(am_links *L);
/* Rows of a layer (-1 for a bad layer). */
int64_t am_lt_rows(const am_links *L, int layer);
/* Bytes the table has allocated (rows, journal, scratch); -1 if L is NULL. */
int64_t am_lt_bytes(const am_links *L);
/* A new row of a layer; a hidden neuron (AM_LT_HU) sorts by its order
   (ties: by id), other rows ignore it. */
int am_lt_add_row(am_links *L, int layer, int64_t order, int64_t *id);
/* A row's columns (and weights; NULL for AM_LT_UH), valid until the next
   change of the table. */
int am_lt_row(const am_links *L, int layer, int64_t row, int64_t *len,
              const int64_t **col, const double **w);
/* Url u's reverse row: its hidden neurons, and where each link is in the
   hidden neuron's row (valid until the next change of the table). */
int am_lt_column(const am_links *L, int64_t u, int64_t *len,
                 const int64_t **hidden, const int64_t **at);
int am_lt_get(const am_links *L, int layer, int64_t row, int64_t col,
              double *w, int *found);
/* Set (or create) the weight of one AM_LT_WH or AM_LT_HU link. */
int am_lt_set(am_links *L, int layer, int64_t row, int64_t col, double w);
/* Set (or create) n links of one layer (AM_LT_WH or AM_LT_HU): rows[i] ->
   cols[i] gets w[i] (a repeated link: the last weight wins).  Every index is
   checked first: AM_ERANGE changes nothing. */
int am_lt_set_many(am_links *L, int layer, int64_t n, const int64_t *rows,
                   const int64_t *cols, const double *w);
/* Drop every link to url u and free its row (outside a transaction). */
int am_lt_remove_url(am_links *L, int64_t u);
/* Drop word w's links and free its row (outside a transaction). */
int am_lt_clear_word(am_links *L, int64_t w);
int am_lt_begin(am_links *L);
int am_lt_commit(am_links *L);
int am_lt_rollback(am_links *L);
/* The changes of the open transaction (AM_EINVAL outside one): every word
   -> hidden and hidden -> url link created since begin, or whose weight
   now differs from its weight then.  Change k: layer[k] (AM_LT_WH or
   AM_LT_HU), row[k], col[k], its weight now w[k], fresh[k] 1 if created.
   At most cap are written; *n receives how many there are (cap 0 sizes
   the buffers).  Costs the journal's size plus the rows added since begin,
   not the size of the table. */
int am_lt_changes(const am_links *L, int64_t cap, int64_t *n, int8_t *layer, int8_t *fresh,
                  int64_t *row, int64_t *col, double *w);
int am_lt_train(am_links *L, int64_t nw, const int64_t *words, int64_t nu,
                const int64_t *urls, int64_t clicked, double rate,
                double default_wh, int learn, int64_t *n_hidden_out);
/* am_lt_train_clicks: n clicks in order, click i being words[w_ptr[i] ..
 * w_ptr[i + 1]) and urls[u_ptr[i] .. u_ptr[i + 1]).  First its hidden neuron
 * hidden[i] (-1: none) gets its links (the book's generatehiddennode): when
 * created[i], a link from each word (new_word_weight / the number of
 * words) and to each url (new_url_weight); otherwise, with link_new_urls,
 * a link to each url it lacks (new_url_weight).  Then, unless clicked[i] is
 * -1, the click trains as am_lt_train (clicked[i]: the position in its
 * urls).  *trained: the sum of nh (nw + nu) over the trained clicks;
 * *n_done: the clicks done.  On an error the clicks before *n_done are
 * done and click *n_done may be half done: call it inside a transaction
 * and roll back. */
int am_lt_train_clicks(am_links *L, int64_t n, const int64_t *w_ptr, const int64_t *words,
                       const int64_t *u_ptr, const int64_t *urls, const int64_t *clicked,
                       const int64_t *hidden, const uint8_t *created, double new_word_weight,
                       double new_url_weight, int link_new_urls, double rate, double default_wh,
                       int learn, int64_t *trained, int64_t *n_done);
int am_lt_forward(const am_links *L, double default_wh, int64_t n_queries,
                  const int64_t *qw_ptr, const int64_t *qw, const int64_t *qn,
                  const int64_t *qu_ptr, const int64_t *qu, int64_t *hmark,
                  double *hsum, int64_t *hcnt, int64_t *umark, int64_t *hlist,
                  double *out);

/* One backpropagation step on a query's dense sub-network, in place.
 *   wi (nw x nh) word->hidden, wo (nh x nu) hidden->url, row-major;
 *   mi, mo: 1 where a weight takes part (a real link, or every entry under
 *   the "pci" rule), 0 where it is absent (it neither counts nor learns).
 *   targets (nu): 1 for the clicked url, 0 for the others.
 * Output deltas (t - o)(1 - o^2), hidden deltas (1 - a^2) sum_k d_k w_jk
 * through the current weights; all deltas are computed before any weight
 * changes, then w_jk += rate d_k a_j and w_ij += rate d_j (inputs are 1).
 * ah (nh) and ao (nu) receive the activations before the update. */
int am_sn_backprop(int64_t nw, int64_t nh, int64_t nu, double *wi,
                   const uint8_t *mi, double *wo, const uint8_t *mo,
                   const double *targets, double rate, double *ah,
                   double *ao, double *dh, double *dout);

/* Dense associative memories: E(s) = -sum_mu F(M_mu), M_mu = xi^mu . s
 * (m holds M, int64 of length p, kept up to date on every flip).  Visiting
 * neuron i with m_mu = M_mu - xi_i^mu s_i (the overlap without neuron i):
 *   s_i <- +1  iff  D_i = sum_mu [F(m_mu + xi_i^mu) - F(m_mu - xi_i^mu)] >= 0.
 * d >= 2: F(x) = x^d.  D_i = sum_mu xi_i^mu [(m_mu + 1)^d - (m_mu - 1)^d] is
 *   computed exactly in 64-bit integers; the caller guarantees that
 *   p * (n^d - (n - 2)^d) < 2^63 (the largest |D_i| possible), so no sum
 *   overflows.  d = 2 gives D_i = 4 H_i: the Hebbian network.
 * d = 0: F(x) = exp(beta x), beta > 0.  D_i = 2 sinh(beta) S_i with
 *   S_i = sum_mu xi_i^mu exp(beta (m_mu - c)), c = max_nu M_nu + 1 (the
 *   largest exponent any visit can meet, so no term exceeds 1 and nothing
 *   overflows), evaluated in double and summed in mu order; s_i <- +1 iff
 *   S_i >= 0 (a tie, S_i == 0.0 exactly, goes to +1 as in the Hebbian rule).
 * The terms depend on i only through xi_i^mu s_i (m_mu = M_mu -+ 1), so the
 * kernels tabulate them for the current M in the caller's scratch buffers lo
 * and hi (p entries each: uint64 for d >= 2, double for exp) and rebuild the
 * tables after each flip: a visit costs p adds, a flip O(p d) (or p exp).
 * am_dense_async_sweep visits order[0..n-1] in place; am_dense_sync_step
 * computes every neuron from s into out and counts the changes. */
int am_dense_async_sweep(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                         double beta, const int64_t *order, int8_t *s,
                         int64_t *m, void *lo, void *hi, int64_t *flips);
int am_dense_sync_step(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                       double beta, const int8_t *s, const int64_t *m,
                       void *lo, void *hi, int8_t *out, int64_t *changed);

#ifdef __cplusplus
}
#endif

#endif /* ASSOCMEM_H */
