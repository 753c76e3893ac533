/*
 * dense.c -- dense associative memories (Krotov & Hopfield 2016, polynomial
 * interaction; Demircigil et al. 2017, exponential interaction).
 *
 * See assocmem.h for the semantics.  Everything works in pattern space: the
 * overlaps M_mu = xi^mu . s are kept up to date on every flip, so a visit
 * costs O(p) (O(p d) for degree d) and no n x n matrix exists.
 */
#include <math.h>
#include <stddef.h>

#include "assocmem.h"

/* G(m) = (m + 1)^d - (m - 1)^d.  Computed modulo 2^64 (unsigned arithmetic
   wraps, defined behaviour): the true G fits in int64 whenever the caller's
   bound holds, and then the wrapped difference equals it even where the
   powers themselves overflow. */
static inline uint64_t poly_g(int64_t m, int64_t d)
{
    uint64_t a = 1, b = 1;
    const uint64_t up = (uint64_t)(m + 1), dn = (uint64_t)(m - 1);
    for (int64_t k = 0; k < d; ++k) {
        a *= up;
        b *= dn;
    }
    return a - b;
}

/* D_i / 1 for F = x^d: sum_mu xi_i^mu G(M_mu - xi_i^mu s_i), exact. */
static inline int64_t poly_field(const int8_t *row, int64_t p, int64_t d,
                                 int64_t si, const int64_t *m)
{
    uint64_t acc = 0;
    for (int64_t mu = 0; mu < p; ++mu) {
        const uint64_t g = poly_g(m[mu] - row[mu] * si, d);
        acc += row[mu] > 0 ? g : (uint64_t)0 - g;
    }
    return (int64_t)acc;
}

/* S_i for F = exp(b x): sum_mu xi_i^mu exp(b (m_mu - mmax)) in mu order,
   with m_mu = M_mu - xi_i^mu s_i and mmax their maximum. */
static inline double exp_field(const int8_t *row, int64_t p, double beta,
                               int64_t si, const int64_t *m)
{
    int64_t top = m[0] - row[0] * si;
    for (int64_t mu = 1; mu < p; ++mu) {
        const int64_t v = m[mu] - row[mu] * si;
        if (v > top)
            top = v;
    }
    double acc = 0.0;
    for (int64_t mu = 0; mu < p; ++mu) {
        const double e = exp(beta * (double)(m[mu] - row[mu] * si - top));
        acc += row[mu] > 0 ? e : -e;
    }
    return acc;
}

static inline int decide(const int8_t *xt, int64_t p, int64_t i, int64_t d,
                         double beta, int64_t si, const int64_t *m)
{
    const int8_t *row = xt + i * p;
    if (d > 0)
        return poly_field(row, p, d, si, m) >= 0 ? 1 : -1;
    return exp_field(row, p, beta, si, m) >= 0.0 ? 1 : -1;
}

static int check_args(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                      double beta, const int8_t *s, const int64_t *m)
{
    if (xt == NULL || s == NULL || m == NULL || n < 0 || p < 1)
        return AM_EINVAL;
    if (d > 0 ? d < 2 : !(beta > 0.0 && isfinite(beta)))
        return AM_EINVAL;
    return AM_OK;
}

int am_dense_async_sweep(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                         double beta, const int64_t *order, int8_t *s,
                         int64_t *m, int64_t *flips)
{
    int st = check_args(xt, n, p, d, beta, s, m);
    if (st != AM_OK || order == NULL || flips == NULL)
        return st != AM_OK ? st : AM_EINVAL;
    int64_t nflips = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = order[k];
        if (i < 0 || i >= n)
            return AM_ERANGE;
        const int64_t old = s[i];
        const int upd = decide(xt, p, i, d, beta, old, m);
        if (upd != old) {
            const int8_t *row = xt + i * p;
            for (int64_t mu = 0; mu < p; ++mu)
                m[mu] += 2 * upd * row[mu];
            s[i] = (int8_t)upd;
            ++nflips;
        }
    }
    *flips = nflips;
    return AM_OK;
}

int am_dense_sync_step(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                       double beta, const int8_t *s, const int64_t *m,
                       int8_t *out, int64_t *changed)
{
    int st = check_args(xt, n, p, d, beta, s, m);
    if (st != AM_OK || out == NULL || changed == NULL)
        return st != AM_OK ? st : AM_EINVAL;
    int64_t c = 0;
    for (int64_t i = 0; i < n; ++i) {
        out[i] = (int8_t)decide(xt, p, i, d, beta, s[i], m);
        c += out[i] != s[i];
    }
    *changed = c;
    return AM_OK;
}
