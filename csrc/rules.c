/* rules.c -- real-valued learning rules (Storkey, pseudo-inverse) and their
   asynchronous sweeps (see assocmem.h). */
#include "am_internal.h"

#include <stddef.h>

int am_storkey_add(double *w, int64_t n, const int8_t *xi, double *field)
{
    if (w == NULL || xi == NULL || field == NULL || n < 0)
        return AM_EINVAL;
    for (int64_t i = 0; i < n; ++i) {
        if (xi[i] != 1 && xi[i] != -1)
            return AM_EVALUE;
        const double *row = w + i * n;
        double acc = 0.0;
        for (int64_t k = 0; k < n; ++k)
            acc += row[k] * xi[k];
        field[i] = acc - row[i] * xi[i];  /* the diagonal is 0; be exact */
    }
    const double inv_n = 1.0 / (double)n;
    /* w is symmetric: compute each pair i < j once from the old values */
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = i + 1; j < n; ++j) {
            const double wij = w[i * n + j];
            const double h_ij = field[i] - wij * xi[j];  /* k != i, j */
            const double h_ji = field[j] - wij * xi[i];
            const double upd =
                ((double)(xi[i] * xi[j]) - xi[i] * h_ji - h_ij * xi[j]) * inv_n;
            w[i * n + j] = wij + upd;
            w[j * n + i] = wij + upd;
        }
    }
    return AM_OK;
}

int am_async_sweep_dense_f64(const double *w, int64_t n, const double *theta,
                             const int64_t *order, int8_t *s, double *h,
                             int64_t *flips)
{
    if (w == NULL || theta == NULL || order == NULL || s == NULL ||
        h == NULL || flips == NULL || n < 0)
        return AM_EINVAL;
    int64_t nflips = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = order[k];
        AM_CHECK_INDEX(i, n);
        const int8_t upd = (h[i] >= theta[i]) ? 1 : -1;
        if (upd != s[i]) {
            const double *row = w + i * n;
            const double d = 2.0 * upd;
            for (int64_t j = 0; j < n; ++j)
                h[j] += d * row[j];
            s[i] = upd;
            ++nflips;
        }
    }
    *flips = nflips;
    return AM_OK;
}

int am_async_sweep_patterns_f64(const double *a, const double *d,
                                const int8_t *xt, int64_t n, int64_t p,
                                const double *theta, const int64_t *order,
                                int8_t *s, int64_t *m, int64_t *flips)
{
    if (a == NULL || d == NULL || xt == NULL || theta == NULL ||
        order == NULL || s == NULL || m == NULL || flips == NULL || n < 0 ||
        p < 0)
        return AM_EINVAL;
    int64_t nflips = 0;
    for (int64_t k = 0; k < n; ++k) {
        const int64_t i = order[k];
        AM_CHECK_INDEX(i, n);
        const double *ai = a + i * p;
        double h = -d[i] * s[i];
        for (int64_t mu = 0; mu < p; ++mu)
            h += ai[mu] * (double)m[mu];
        const int8_t upd = (h >= theta[i]) ? 1 : -1;
        if (upd != s[i]) {
            const int8_t *xi = xt + i * p;
            for (int64_t mu = 0; mu < p; ++mu)
                m[mu] += 2 * upd * xi[mu];
            s[i] = upd;
            ++nflips;
        }
    }
    *flips = nflips;
    return AM_OK;
}

int am_async_sweep_binary(const int8_t *xt, int64_t n, int64_t p, double a,
                          const double *wdiag, const double *theta,
                          const int64_t *order, int8_t *s, int64_t *k,
                          int64_t *active, int64_t *flips)
{
    if (xt == NULL || wdiag == NULL || theta == NULL || order == NULL ||
        s == NULL || k == NULL || active == NULL || flips == NULL || n < 1 ||
        p < 0)
        return AM_EINVAL;
    const double inv_n = 1.0 / (double)n;
    int64_t nflips = 0, act = *active;
    for (int64_t q = 0; q < n; ++q) {
        const int64_t i = order[q];
        AM_CHECK_INDEX(i, n);
        const int8_t *xi = xt + i * p;
        const double a_act = a * (double)act;
        double acc = 0.0;
        for (int64_t mu = 0; mu < p; ++mu)
            acc += ((double)xi[mu] - a) * ((double)k[mu] - a_act);
        const double h = acc * inv_n - wdiag[i] * s[i];
        const int8_t upd = (h >= theta[i]) ? 1 : 0;
        if (upd != s[i]) {
            const int64_t d = upd ? 1 : -1;
            for (int64_t mu = 0; mu < p; ++mu)
                k[mu] += d * xi[mu];
            act += d;
            s[i] = upd;
            ++nflips;
        }
    }
    *active = act;
    *flips = nflips;
    return AM_OK;
}
