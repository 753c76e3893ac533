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

#include "am_internal.h"

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

/* Tables of the terms a visit needs, for the current overlaps M:
   poly: lo[mu] = G(M_mu - 1), hi[mu] = G(M_mu + 1) (as wrapped uint64);
   exp:  lo[mu] = exp(beta (M_mu - 1 - c)), hi[mu] = exp(beta (M_mu + 1 - c))
         with c = max_nu M_nu + 1, the largest exponent a visit can meet.
   A visit of neuron i uses m_mu = M_mu - xi s_i: M_mu - 1 where xi == s_i,
   M_mu + 1 where xi != s_i.  Rebuilt after every flip (every M_mu moves). */
static void tables(const int64_t *m, int64_t p, int64_t d, double beta,
                   uint64_t *glo, uint64_t *ghi, double *elo, double *ehi)
{
    if (d > 0) {
        for (int64_t mu = 0; mu < p; ++mu) {
            glo[mu] = poly_g(m[mu] - 1, d);
            ghi[mu] = poly_g(m[mu] + 1, d);
        }
        return;
    }
    int64_t top = m[0];
    for (int64_t mu = 1; mu < p; ++mu)
        if (m[mu] > top)
            top = m[mu];
    const int64_t c = top + 1;
    for (int64_t mu = 0; mu < p; ++mu) {
        elo[mu] = exp(beta * (double)(m[mu] - 1 - c));
        ehi[mu] = exp(beta * (double)(m[mu] + 1 - c));
    }
}

/* s_i for F = x^d: D_i = sum_mu xi_mu G(m_mu), exact (wrapping sums of a
   true value that fits int64). */
static inline int decide_poly(const int8_t *row, int64_t p, int64_t si,
                              const uint64_t *glo, const uint64_t *ghi)
{
    /* s_i = +1: xi = +1 -> +G(M-1), xi = -1 -> -G(M+1);
       s_i = -1: xi = +1 -> +G(M+1), xi = -1 -> -G(M-1). */
    const uint64_t *pos = si > 0 ? glo : ghi, *neg = si > 0 ? ghi : glo;
    uint64_t acc = 0;
    for (int64_t mu = 0; mu < p; ++mu) {
        /* branch-free select (the signs are random: a branch mispredicts
           half the time); integer sums may be reordered, so this vectorises */
        const uint64_t msk = (uint64_t)0 - (uint64_t)(row[mu] > 0);
        acc += (pos[mu] & msk) | (((uint64_t)0 - neg[mu]) & ~msk);
    }
    return (int64_t)acc >= 0 ? 1 : -1;
}

/* s_i for F = exp(beta x): S_i = sum_mu xi_mu exp(beta (m_mu - c)) in mu
   order; its sign is the sign of D_i. */
static inline int decide_exp(const int8_t *row, int64_t p, int64_t si,
                             const double *elo, const double *ehi)
{
    const double *pos = si > 0 ? elo : ehi, *neg = si > 0 ? ehi : elo;
    const double *pick[2] = {neg, pos};
    double acc = 0.0;
    for (int64_t mu = 0; mu < p; ++mu)  /* in mu order; branch-free select, times +-1 (exact) */
        acc += (double)row[mu] * pick[row[mu] > 0][mu];
    return acc >= 0.0 ? 1 : -1;
}

static int check_args(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                      double beta, const int8_t *s, const int64_t *m,
                      const void *lo, const void *hi)
{
    if (xt == NULL || s == NULL || m == NULL || lo == NULL || hi == NULL ||
        n < 0 || p < 1)
        return AM_EINVAL;
    if (d > 0 ? d < 2 : !(beta > 0.0 && isfinite(beta)))
        return AM_EINVAL;
    return AM_OK;
}

int am_dense_async_sweep(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                         double beta, const int64_t *order, int8_t *s,
                         int64_t *m, void *lo, void *hi, int64_t *flips)
{
    int st = check_args(xt, n, p, d, beta, s, m, lo, hi);
    if (st != AM_OK || order == NULL || flips == NULL)
        return st != AM_OK ? st : AM_EINVAL;
    uint64_t *glo = (uint64_t *)lo, *ghi = (uint64_t *)hi;
    double *elo = (double *)lo, *ehi = (double *)hi;
    tables(m, p, d, beta, glo, ghi, elo, ehi);
    int64_t nflips = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = order[k];
        AM_CHECK_INDEX(i, n);
        const int8_t *row = xt + i * p;
        const int64_t old = s[i];
        const int upd = d > 0 ? decide_poly(row, p, old, glo, ghi)
                              : decide_exp(row, p, old, elo, ehi);
        if (upd != old) {
            for (int64_t mu = 0; mu < p; ++mu)
                m[mu] += 2 * upd * row[mu];
            s[i] = (int8_t)upd;
            ++nflips;
            if (d > 0) {
                /* M_mu moved by +-2: one of the two new terms is an old one */
                for (int64_t mu = 0; mu < p; ++mu) {
                    /* up: M_mu += 2, lo <- old hi; else M_mu -= 2, hi <- old lo
                       (selects rather than branches: the signs are random) */
                    const int64_t up = upd * row[mu];
                    const uint64_t kept = up > 0 ? ghi[mu] : glo[mu];
                    const uint64_t fresh = poly_g(m[mu] + up, d);
                    glo[mu] = up > 0 ? kept : fresh;
                    ghi[mu] = up > 0 ? fresh : kept;
                }
            } else {
                tables(m, p, d, beta, glo, ghi, elo, ehi);
            }
        }
    }
    *flips = nflips;
    return AM_OK;
}

int am_dense_sync_step(const int8_t *xt, int64_t n, int64_t p, int64_t d,
                       double beta, const int8_t *s, const int64_t *m,
                       void *lo, void *hi, int8_t *out, int64_t *changed)
{
    int st = check_args(xt, n, p, d, beta, s, m, lo, hi);
    if (st != AM_OK || out == NULL || changed == NULL)
        return st != AM_OK ? st : AM_EINVAL;
    uint64_t *glo = (uint64_t *)lo, *ghi = (uint64_t *)hi;
    double *elo = (double *)lo, *ehi = (double *)hi;
    tables(m, p, d, beta, glo, ghi, elo, ehi);
    int64_t c = 0;
    for (int64_t i = 0; i < n; ++i) {
        const int8_t *row = xt + i * p;
        out[i] = (int8_t)(d > 0 ? decide_poly(row, p, s[i], glo, ghi)
                                : decide_exp(row, p, s[i], elo, ehi));
        c += out[i] != s[i];
    }
    *changed = c;
    return AM_OK;
}
