/* searchnet.c -- forward pass over CSR links and backpropagation on a
   query's dense sub-network (see assocmem.h). */
#include "assocmem.h"

#include <math.h>
#include <stddef.h>

/* Add hidden neuron h to the query's hidden layer once. */
static inline void mark_hidden(int64_t h, int64_t *hmark, int64_t *hlist,
                               int64_t *nh, double *hsum, int64_t *hcnt)
{
    if (hmark[h] == -1) {
        hmark[h] = *nh;
        hlist[(*nh)++] = h;
        hsum[h] = 0.0;
        hcnt[h] = 0;
    }
}

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
{
    if (wh_ptr == NULL || hu_ptr == NULL || uh_ptr == NULL ||
        qw_ptr == NULL || qn == NULL || qu_ptr == NULL || hmark == NULL || hsum == NULL ||
        hcnt == NULL || umark == NULL || hlist == NULL || out == NULL ||
        n_words < 0 || n_hidden < 0 || n_urls < 0 || n_queries < 0)
        return AM_EINVAL;
    int status = AM_OK;
    for (int64_t q = 0; q < n_queries && status == AM_OK; ++q) {
        const int64_t w0 = qw_ptr[q], w1 = qw_ptr[q + 1];
        const int64_t u0 = qu_ptr[q], u1 = qu_ptr[q + 1];
        const int64_t nw = qn[q];  /* all query words, known or not */
        int64_t nh = 0;
        if (nw < w1 - w0) { status = AM_EINVAL; break; }
        for (int64_t a = w0; a < w1 && status == AM_OK; ++a)
            for (int64_t b = a + 1; b < w1; ++b)
                if (qw[a] == qw[b]) { status = AM_EVALUE; break; }
        /* mark candidate urls with their position; -1 is an unknown url */
        for (int64_t k = u0; k < u1 && status == AM_OK; ++k) {
            const int64_t u = qu[k];
            out[k] = 0.0;
            if (u == -1) continue;
            if (u < -1 || u >= n_urls) { status = AM_ERANGE; break; }
            if (umark[u] != -1) { status = AM_EVALUE; break; }
            umark[u] = k - u0;
        }
        /* hidden layer: linked to a query word ... */
        for (int64_t a = w0; a < w1 && status == AM_OK; ++a) {
            const int64_t w = qw[a];
            if (w < 0 || w >= n_words) { status = AM_ERANGE; break; }
            for (int64_t e = wh_ptr[w]; e < wh_ptr[w + 1]; ++e) {
                const int64_t h = wh_idx[e];
                mark_hidden(h, hmark, hlist, &nh, hsum, hcnt);
                hsum[h] += wh_w[e];
                hcnt[h] += 1;
            }
        }
        /* ... or to a candidate url */
        for (int64_t k = u0; k < u1 && status == AM_OK; ++k) {
            const int64_t u = qu[k];
            if (u == -1) continue;
            for (int64_t e = uh_ptr[u]; e < uh_ptr[u + 1]; ++e)
                mark_hidden(uh_idx[e], hmark, hlist, &nh, hsum, hcnt);
        }
        if (status == AM_OK) {
            for (int64_t t = 0; t < nh; ++t) {
                const int64_t h = hlist[t];
                const double ah = tanh(hsum[h] + default_wh * (double)(nw - hcnt[h]));
                for (int64_t e = hu_ptr[h]; e < hu_ptr[h + 1]; ++e) {
                    const int64_t pos = umark[hu_idx[e]];
                    if (pos >= 0)
                        out[u0 + pos] += ah * hu_w[e];
                }
            }
            for (int64_t k = u0; k < u1; ++k)
                out[k] = tanh(out[k]);
        }
        for (int64_t t = 0; t < nh; ++t)
            hmark[hlist[t]] = -1;
        for (int64_t k = u0; k < u1; ++k)
            if (qu[k] >= 0 && qu[k] < n_urls && umark[qu[k]] == k - u0) umark[qu[k]] = -1;
    }
    return status;
}

int am_sn_backprop(int64_t nw, int64_t nh, int64_t nu, double *wi,
                   const uint8_t *mi, double *wo, const uint8_t *mo,
                   const double *targets, double rate, double *ah,
                   double *ao, double *dh, double *dout)
{
    if (wi == NULL || mi == NULL || wo == NULL || mo == NULL ||
        targets == NULL || ah == NULL || ao == NULL || dh == NULL ||
        dout == NULL || nw < 0 || nh < 0 || nu < 0)
        return AM_EINVAL;
    for (int64_t j = 0; j < nh; ++j) {
        double s = 0.0;
        for (int64_t i = 0; i < nw; ++i)
            if (mi[i * nh + j]) s += wi[i * nh + j];
        ah[j] = tanh(s);
    }
    for (int64_t k = 0; k < nu; ++k) {
        double s = 0.0;
        for (int64_t j = 0; j < nh; ++j)
            if (mo[j * nu + k]) s += ah[j] * wo[j * nu + k];
        ao[k] = tanh(s);
    }
    for (int64_t k = 0; k < nu; ++k)
        dout[k] = (1.0 - ao[k] * ao[k]) * (targets[k] - ao[k]);
    for (int64_t j = 0; j < nh; ++j) {
        double e = 0.0;
        for (int64_t k = 0; k < nu; ++k)
            if (mo[j * nu + k]) e += dout[k] * wo[j * nu + k];
        dh[j] = (1.0 - ah[j] * ah[j]) * e;
    }
    for (int64_t j = 0; j < nh; ++j)
        for (int64_t k = 0; k < nu; ++k)
            if (mo[j * nu + k]) wo[j * nu + k] += rate * dout[k] * ah[j];
    for (int64_t i = 0; i < nw; ++i)
        for (int64_t j = 0; j < nh; ++j)
            if (mi[i * nh + j]) wi[i * nh + j] += rate * dh[j];
    return AM_OK;
}
