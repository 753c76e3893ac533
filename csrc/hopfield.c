/* hopfield.c -- Hebbian accumulation, local fields, asynchronous and
   synchronous updates with exact integer bookkeeping.  See assocmem.h. */
#include "am_internal.h"

#include <stddef.h>

/* Tiles of TILE x TILE neurons keep both the row and the mirrored column
   writes of the symmetric count matrix inside the L1/L2 cache. */
#define TILE 64

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__)
/* Build a POPCNT version next to the portable one; the loader picks. */
#define AM_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define AM_POPCNT_CLONES
#endif

static inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }

int am_pack_signs(const int8_t *xt, int64_t n, int64_t p, int64_t words,
                  uint64_t *bits)
{
    if (xt == NULL || bits == NULL || n < 0 || p < 0 ||
        words != (p + 63) / 64)
        return AM_EINVAL;
    for (int64_t i = 0; i < n; ++i) {
        const int8_t *row = xt + i * p;
        uint64_t *out = bits + i * words;
        for (int64_t w = 0; w < words; ++w)
            out[w] = 0;
        for (int64_t mu = 0; mu < p; ++mu) {
            if (row[mu] == 1)
                out[mu >> 6] |= (uint64_t)1 << (mu & 63);
            else if (row[mu] != -1)
                return AM_EVALUE;
        }
    }
    return AM_OK;
}

#define AM_DEFINE_COUNTS(SUFFIX, T)                                          \
    AM_POPCNT_CLONES                                                         \
    int am_hebb_counts_##SUFFIX(const uint64_t *bits, int64_t n,             \
                                int64_t words, int64_t p, int accumulate,    \
                                T *counts)                                   \
    {                                                                        \
        if (bits == NULL || counts == NULL || n < 0 || p < 0 ||              \
            words != (p + 63) / 64)                                          \
            return AM_EINVAL;                                                \
        for (int64_t ib = 0; ib < n; ib += TILE) {                           \
            const int64_t iend = min_i64(ib + TILE, n);                      \
            for (int64_t jb = ib; jb < n; jb += TILE) {                      \
                const int64_t jend = min_i64(jb + TILE, n);                  \
                for (int64_t i = ib; i < iend; ++i) {                        \
                    const uint64_t *bi = bits + i * words;                   \
                    T *row = counts + i * n;                                 \
                    const int64_t j0 = (jb == ib) ? i + 1 : jb;              \
                    for (int64_t j = j0; j < jend; ++j) {                    \
                        const uint64_t *bj = bits + j * words;               \
                        int64_t d = 0;                                       \
                        for (int64_t w = 0; w < words; ++w)                  \
                            d += __builtin_popcountll(bi[w] ^ bj[w]);        \
                        const T v = (T)(p - 2 * d);                          \
                        if (accumulate) {                                    \
                            row[j] = (T)(row[j] + v);                        \
                            counts[j * n + i] = (T)(counts[j * n + i] + v);  \
                        } else {                                             \
                            row[j] = v;                                      \
                            counts[j * n + i] = v;                           \
                        }                                                    \
                    }                                                        \
                }                                                            \
            }                                                                \
        }                                                                    \
        for (int64_t i = 0; i < n; ++i)                                      \
            counts[i * n + i] = 0;                                           \
        return AM_OK;                                                        \
    }

AM_DEFINE_COUNTS(i8, int8_t)
AM_DEFINE_COUNTS(i16, int16_t)
AM_DEFINE_COUNTS(i32, int32_t)

#define AM_DEFINE_ROWS(SUFFIX, T)                                            \
    int am_hebb_rows_##SUFFIX(const int8_t *x, int64_t p, int64_t n,         \
                              int accumulate, T *counts)                     \
    {                                                                        \
        if (x == NULL || counts == NULL || n < 0 || p < 0)                   \
            return AM_EINVAL;                                                \
        for (int64_t i = 0; i < n; ++i) {                                    \
            T *restrict row = counts + i * n;                                \
            if (!accumulate)                                                 \
                for (int64_t j = 0; j < n; ++j)                              \
                    row[j] = 0;                                              \
            for (int64_t mu = 0; mu < p; ++mu) {                             \
                const int8_t *restrict xm = x + mu * n;                      \
                if (xm[i] > 0)                                               \
                    for (int64_t j = 0; j < n; ++j)                          \
                        row[j] = (T)(row[j] + xm[j]);                        \
                else                                                         \
                    for (int64_t j = 0; j < n; ++j)                          \
                        row[j] = (T)(row[j] - xm[j]);                        \
            }                                                                \
            row[i] = 0;                                                      \
        }                                                                    \
        return AM_OK;                                                        \
    }

AM_DEFINE_ROWS(i8, int8_t)
AM_DEFINE_ROWS(i16, int16_t)
AM_DEFINE_ROWS(i32, int32_t)

/* Pattern columns per block of the narrow accumulators below (on the stack). */
#define AM_BLOCK 256

int am_overlaps(const int8_t *xt, int64_t n, int64_t p, const int8_t *s,
                int64_t *m)
{
    if (xt == NULL || s == NULL || m == NULL || n < 0 || p < 0)
        return AM_EINVAL;
    /* |m_mu| <= n: accumulate a block of columns in int16 (n < 2^15) or
       int32 lanes, which vectorise 4-8x wider than int64; s_i is +-1, so
       each row is added or subtracted (plain adds). */
    for (int64_t lo = 0; lo < p; lo += AM_BLOCK) {
        const int64_t w = (p - lo < AM_BLOCK) ? p - lo : AM_BLOCK;
        if (n <= INT16_MAX) {
            int16_t acc[AM_BLOCK] = {0};
            for (int64_t i = 0; i < n; ++i) {
                const int8_t *row = xt + i * p + lo;
                if (s[i] > 0)
                    for (int64_t k = 0; k < w; ++k)
                        acc[k] = (int16_t)(acc[k] + row[k]);
                else
                    for (int64_t k = 0; k < w; ++k)
                        acc[k] = (int16_t)(acc[k] - row[k]);
            }
            for (int64_t k = 0; k < w; ++k)
                m[lo + k] = acc[k];
        } else if (n <= INT32_MAX) {
            int32_t acc[AM_BLOCK] = {0};
            for (int64_t i = 0; i < n; ++i) {
                const int8_t *row = xt + i * p + lo;
                if (s[i] > 0)
                    for (int64_t k = 0; k < w; ++k)
                        acc[k] += row[k];
                else
                    for (int64_t k = 0; k < w; ++k)
                        acc[k] -= row[k];
            }
            for (int64_t k = 0; k < w; ++k)
                m[lo + k] = acc[k];
        } else {
            for (int64_t k = 0; k < w; ++k)
                m[lo + k] = 0;
            for (int64_t i = 0; i < n; ++i) {
                const int8_t *row = xt + i * p + lo;
                for (int64_t k = 0; k < w; ++k)
                    m[lo + k] += (s[i] > 0) ? row[k] : -row[k];
            }
        }
    }
    return AM_OK;
}

int am_fields_patterns(const int8_t *xt, int64_t n, int64_t p,
                       const int64_t *m, const int8_t *s, int64_t *h)
{
    if (xt == NULL || m == NULL || s == NULL || h == NULL || n < 0 || p < 0)
        return AM_EINVAL;
    /* Narrow path: every |m_mu| <= n < 2^15 (true for overlaps of +-1
       states) and n p < 2^31, so xi m fits int16 x int16 -> int32 products
       summed in int32 (what SSE2's pmaddwd does 4 lanes at a time). */
    int narrow = n <= INT16_MAX && n * p < INT32_MAX;
    for (int64_t mu = 0; narrow && mu < p; ++mu)
        if (m[mu] > n || m[mu] < -n)
            narrow = 0;
    if (narrow) {
        for (int64_t i = 0; i < n; ++i)
            h[i] = -p * (int64_t)s[i];
        for (int64_t lo = 0; lo < p; lo += AM_BLOCK) {
            const int64_t w = (p - lo < AM_BLOCK) ? p - lo : AM_BLOCK;
            int16_t m16[AM_BLOCK];
            for (int64_t k = 0; k < w; ++k)
                m16[k] = (int16_t)m[lo + k];
            for (int64_t i = 0; i < n; ++i) {
                const int8_t *row = xt + i * p + lo;
                int32_t acc = 0;
                for (int64_t k = 0; k < w; ++k)
                    acc += (int32_t)((int16_t)row[k] * m16[k]);
                h[i] += acc;
            }
        }
        return AM_OK;
    }
    for (int64_t i = 0; i < n; ++i) {
        const int8_t *row = xt + i * p;
        int64_t acc = -p * (int64_t)s[i];
        /* xi is +-1: negate by mask (x ^ -1) + 1 instead of a 64-bit
           multiply, which SSE2/AVX2 lack; branch-free */
        for (int64_t mu = 0; mu < p; ++mu) {
            const int64_t msk = -(int64_t)(row[mu] < 0);
            acc += (m[mu] ^ msk) - msk;
        }
        h[i] = acc;
    }
    return AM_OK;
}

#define AM_DEFINE_FIELDS_DENSE(SUFFIX, T)                                    \
    int am_fields_dense_##SUFFIX(const T *counts, int64_t n,                 \
                                 const int8_t *s, int64_t *h)                \
    {                                                                        \
        if (counts == NULL || s == NULL || h == NULL || n < 0)               \
            return AM_EINVAL;                                                \
        for (int64_t i = 0; i < n; ++i) {                                    \
            const T *row = counts + i * n;                                   \
            int64_t acc = 0;                                                 \
            for (int64_t j = 0; j < n; ++j)                                  \
                acc += (int64_t)row[j] * s[j];                               \
            h[i] = acc;                                                      \
        }                                                                    \
        return AM_OK;                                                        \
    }

AM_DEFINE_FIELDS_DENSE(i8, int8_t)
AM_DEFINE_FIELDS_DENSE(i16, int16_t)
AM_DEFINE_FIELDS_DENSE(i32, int32_t)

int am_async_sweep_patterns(const int8_t *xt, int64_t n, int64_t p,
                            const int64_t *thr, const int64_t *order,
                            int8_t *s, int64_t *m, int64_t *flips,
                            int64_t *dq)
{
    if (xt == NULL || thr == NULL || order == NULL || s == NULL ||
        m == NULL || flips == NULL || dq == NULL || n < 0 || p < 0)
        return AM_EINVAL;
    int64_t nflips = 0, delta_q = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = order[k];
        AM_CHECK_INDEX(i, n);
        const int8_t *row = xt + i * p;
        const int64_t old = s[i];
        int64_t h = -p * old;
        for (int64_t mu = 0; mu < p; ++mu)
            h += row[mu] * m[mu];
        const int64_t upd = (h >= thr[i]) ? 1 : -1;
        if (upd != old) {
            delta_q -= 4 * old * h;
            for (int64_t mu = 0; mu < p; ++mu)
                m[mu] += 2 * upd * row[mu];
            s[i] = (int8_t)upd;
            ++nflips;
        }
    }
    *flips = nflips;
    *dq = delta_q;
    return AM_OK;
}

#define AM_DEFINE_SWEEP_DENSE(SUFFIX, T)                                     \
    int am_async_sweep_dense_##SUFFIX(const T *counts, int64_t n,            \
                                      const int64_t *thr,                    \
                                      const int64_t *order, int8_t *s,       \
                                      int64_t *h, int64_t *flips,            \
                                      int64_t *dq)                           \
    {                                                                        \
        if (counts == NULL || thr == NULL || order == NULL || s == NULL ||   \
            h == NULL || flips == NULL || dq == NULL || n < 0)               \
            return AM_EINVAL;                                                \
        int64_t nflips = 0, delta_q = 0;                                     \
        for (int64_t k = 0; k < n; ++k) {                                    \
            const int64_t i = order[k];                                      \
            AM_CHECK_INDEX(i, n);                                            \
            const int64_t old = s[i];                                        \
            const int64_t upd = (h[i] >= thr[i]) ? 1 : -1;                   \
            if (upd != old) {                                                \
                delta_q -= 4 * old * h[i];                                   \
                const T *row = counts + i * n;                               \
                const int64_t d = 2 * upd;                                   \
                for (int64_t j = 0; j < n; ++j)                              \
                    h[j] += d * row[j];                                      \
                s[i] = (int8_t)upd;                                          \
                ++nflips;                                                    \
            }                                                                \
        }                                                                    \
        *flips = nflips;                                                     \
        *dq = delta_q;                                                       \
        return AM_OK;                                                        \
    }

AM_DEFINE_SWEEP_DENSE(i8, int8_t)
AM_DEFINE_SWEEP_DENSE(i16, int16_t)
AM_DEFINE_SWEEP_DENSE(i32, int32_t)

int am_threshold(const int64_t *h, const int64_t *thr, const int8_t *s_in,
                 int64_t n, int8_t *s_out, int64_t *changed)
{
    if (h == NULL || thr == NULL || s_in == NULL || s_out == NULL ||
        changed == NULL || n < 0)
        return AM_EINVAL;
    int64_t c = 0;
    for (int64_t i = 0; i < n; ++i) {
        const int8_t v = (h[i] >= thr[i]) ? 1 : -1;
        c += (v != s_in[i]);
        s_out[i] = v;
    }
    *changed = c;
    return AM_OK;
}

int am_sync_step_patterns(const int8_t *xt, int64_t n, int64_t p,
                          const int64_t *thr, int8_t *s, int64_t *m,
                          int64_t *h, int64_t *changed, int64_t *q)
{
    if (xt == NULL || thr == NULL || s == NULL || m == NULL || h == NULL ||
        changed == NULL || q == NULL || n < 0 || p < 0)
        return AM_EINVAL;
    int64_t c = 0;
    /* h is not touched here, so every decision reads the old state's field */
    for (int64_t i = 0; i < n; ++i) {
        const int8_t v = (h[i] >= thr[i]) ? 1 : -1;
        if (v != s[i]) {
            const int8_t *row = xt + i * p;
            if (v > 0)
                for (int64_t mu = 0; mu < p; ++mu)
                    m[mu] += 2 * row[mu];
            else
                for (int64_t mu = 0; mu < p; ++mu)
                    m[mu] -= 2 * row[mu];
            s[i] = v;
            ++c;
        }
    }
    const int st = am_fields_patterns(xt, n, p, m, s, h);
    if (st != AM_OK)
        return st;
    *changed = c;
    return am_quadratic(s, h, n, q);
}

int am_quadratic(const int8_t *s, const int64_t *h, int64_t n, int64_t *q)
{
    if (s == NULL || h == NULL || q == NULL || n < 0)
        return AM_EINVAL;
    int64_t acc = 0;
    for (int64_t i = 0; i < n; ++i)
        acc += s[i] * h[i];
    *q = acc;
    return AM_OK;
}

int am_theta_dot(const double *theta, const int8_t *s, int64_t n,
                 double *out)
{
    if (theta == NULL || s == NULL || out == NULL || n < 0)
        return AM_EINVAL;
    double acc = 0.0;
    for (int64_t i = 0; i < n; ++i)
        acc += s[i] > 0 ? theta[i] : -theta[i];
    *out = acc;
    return AM_OK;
}

int am_check_signs(const int8_t *s, int64_t n)
{
    if (s == NULL || n < 0)
        return AM_EINVAL;
    for (int64_t i = 0; i < n; ++i)
        if (s[i] != 1 && s[i] != -1)
            return AM_EVALUE;
    return AM_OK;
}

#define AM_UPPER_PAIRS(SUFFIX, T)                                             \
    int am_upper_pairs_##SUFFIX(const T *counts, int64_t n, int64_t lo,       \
                                int64_t hi, int64_t base, int64_t *src,       \
                                int64_t *dst, T *c, double *w)                \
    {                                                                         \
        if (counts == NULL || src == NULL || dst == NULL || c == NULL ||      \
            w == NULL || n < 0 || lo < 0 || hi < lo || hi > n)                \
            return AM_EINVAL;                                                 \
        const double dn = (double)n;                                          \
        int64_t k = 0;                                                        \
        for (int64_t i = lo; i < hi; ++i) {                                   \
            const T *row = counts + i * n;                                    \
            for (int64_t j = i + 1; j < n; ++j, ++k) {                        \
                src[k] = base + i;                                            \
                dst[k] = base + j;                                            \
                c[k] = row[j];                                                \
                w[k] = (double)row[j] / dn;                                   \
            }                                                                 \
        }                                                                     \
        return AM_OK;                                                         \
    }

AM_UPPER_PAIRS(i8, int8_t)
AM_UPPER_PAIRS(i16, int16_t)
AM_UPPER_PAIRS(i32, int32_t)
