/* linktable.c -- the search net's links as a C table of sorted rows, with a
   row journal, training (gather, backprop, scatter) and the forward pass
   (see assocmem.h, "Search-net link table"). */
#include "assocmem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t len, cap;
    int64_t *col;    /* ascending */
    double *w;       /* NULL in AM_LT_UH */
    uint64_t epoch;  /* the transaction that journalled this row */
} lt_row;

typedef struct {
    lt_row *rows;
    int64_t n, cap;  /* rows in use; rows allocated (kept for reuse) */
} lt_layer;

typedef struct {
    int layer;
    int64_t row, len;
    int64_t *col;
    double *w;
} lt_saved;

typedef struct {
    int64_t id, k;  /* a url id and its position in the query */
} lt_pair;

struct am_links {
    lt_layer layer[3];
    /* journal */
    int open;
    uint64_t epoch;
    int64_t n0[3];
    lt_saved *saved;
    int64_t n_saved, cap_saved;
    /* training scratch, grown as needed; hmark is -1 between calls */
    int64_t *hmark, cap_hmark;
    int64_t *hlist, cap_hlist;
    lt_pair *uorder;
    int64_t cap_uorder;
    int64_t *mcol, cap_mcol;  /* the new links of one row, before a merge */
    double *mval;
    int64_t cap_mval;
    double *wi, *wo;
    int64_t cap_wi, cap_wo;
    uint8_t *mi, *mo, *fresh;
    int64_t cap_mi, cap_mo, cap_fresh;
    double *ah, *dh, *ao, *dout, *targets;
    int64_t cap_ah, cap_dh, cap_ao, cap_dout, cap_targets;
};

static int reserve(void **p, int64_t *cap, int64_t need, size_t size)
{
    if (need <= *cap)
        return AM_OK;
    int64_t c = *cap > 0 ? *cap : 8;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * size);
    if (q == NULL)
        return AM_ENOMEM;
    *p = q;
    *cap = c;
    return AM_OK;
}

#define RESERVE(ptr, cap, need) reserve((void **)&(ptr), &(cap), (need), sizeof *(ptr))

static int row_reserve(lt_row *r, int64_t need, int weighted)
{
    if (need <= r->cap)
        return AM_OK;
    int64_t c = r->cap > 0 ? r->cap : 4;
    while (c < need)
        c *= 2;
    int64_t *col = realloc(r->col, (size_t)c * sizeof *col);
    if (col == NULL)
        return AM_ENOMEM;
    r->col = col;
    if (weighted) {
        double *w = realloc(r->w, (size_t)c * sizeof *w);
        if (w == NULL)
            return AM_ENOMEM;
        r->w = w;
    }
    r->cap = c;
    return AM_OK;
}

/* Index of col in the row, or -(insertion point) - 1. */
static int64_t row_find(const lt_row *r, int64_t col)
{
    int64_t lo = 0, hi = r->len;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (r->col[mid] < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->len && r->col[lo] == col ? lo : -lo - 1;
}

/* The number of columns of a layer: its rows index this layer. */
static int64_t n_cols(const am_links *L, int layer)
{
    return layer == AM_LT_HU ? L->layer[AM_LT_UH].n : L->layer[AM_LT_HU].n;
}

/* Journal a row whole before its first change in the open transaction
   (rows created in the transaction need none: rollback drops them). */
static int touch(am_links *L, int layer, int64_t row)
{
    if (!L->open || row >= L->n0[layer])
        return AM_OK;
    lt_row *r = &L->layer[layer].rows[row];
    if (r->epoch == L->epoch)
        return AM_OK;
    if (RESERVE(L->saved, L->cap_saved, L->n_saved + 1) != AM_OK)
        return AM_ENOMEM;
    lt_saved *s = &L->saved[L->n_saved];
    s->layer = layer;
    s->row = row;
    s->len = r->len;
    s->col = NULL;
    s->w = NULL;
    if (r->len > 0) {
        s->col = malloc((size_t)r->len * sizeof *s->col);
        if (s->col == NULL)
            return AM_ENOMEM;
        memcpy(s->col, r->col, (size_t)r->len * sizeof *s->col);
        if (r->w != NULL) {
            s->w = malloc((size_t)r->len * sizeof *s->w);
            if (s->w == NULL) {
                free(s->col);
                return AM_ENOMEM;
            }
            memcpy(s->w, r->w, (size_t)r->len * sizeof *s->w);
        }
    }
    L->n_saved++;
    r->epoch = L->epoch;
    return AM_OK;
}

static void drop_journal(am_links *L)
{
    for (int64_t k = 0; k < L->n_saved; ++k) {
        free(L->saved[k].col);
        free(L->saved[k].w);
    }
    L->n_saved = 0;
}

int am_lt_new(am_links **out)
{
    if (out == NULL)
        return AM_EINVAL;
    *out = calloc(1, sizeof **out);
    return *out == NULL ? AM_ENOMEM : AM_OK;
}

void am_lt_free(am_links *L)
{
    if (L == NULL)
        return;
    for (int layer = 0; layer < 3; ++layer) {
        for (int64_t k = 0; k < L->layer[layer].cap; ++k) {
            free(L->layer[layer].rows[k].col);
            free(L->layer[layer].rows[k].w);
        }
        free(L->layer[layer].rows);
    }
    drop_journal(L);
    free(L->saved);
    free(L->hmark);
    free(L->hlist);
    free(L->uorder);
    free(L->mcol);
    free(L->mval);
    free(L->wi);
    free(L->wo);
    free(L->mi);
    free(L->mo);
    free(L->fresh);
    free(L->ah);
    free(L->dh);
    free(L->ao);
    free(L->dout);
    free(L->targets);
    free(L);
}

int64_t am_lt_rows(const am_links *L, int layer)
{
    if (L == NULL || layer < 0 || layer > 2)
        return -1;
    return L->layer[layer].n;
}

int am_lt_add_row(am_links *L, int layer, int64_t *id)
{
    if (L == NULL || id == NULL || layer < 0 || layer > 2)
        return AM_EINVAL;
    lt_layer *y = &L->layer[layer];
    if (y->n == y->cap) {
        int64_t old = y->cap;
        if (RESERVE(y->rows, y->cap, y->n + 1) != AM_OK)
            return AM_ENOMEM;
        memset(y->rows + old, 0, (size_t)(y->cap - old) * sizeof *y->rows);
    }
    lt_row *r = &y->rows[y->n];
    r->len = 0;
    r->epoch = 0;
    *id = y->n++;
    return AM_OK;
}

int am_lt_row(const am_links *L, int layer, int64_t row, int64_t *len,
              const int64_t **col, const double **w)
{
    if (L == NULL || len == NULL || col == NULL || layer < 0 || layer > 2)
        return AM_EINVAL;
    if (row < 0 || row >= L->layer[layer].n)
        return AM_ERANGE;
    const lt_row *r = &L->layer[layer].rows[row];
    *len = r->len;
    *col = r->col;
    if (w != NULL)
        *w = layer == AM_LT_UH ? NULL : r->w;
    return AM_OK;
}

int am_lt_get(const am_links *L, int layer, int64_t row, int64_t col,
              double *w, int *found)
{
    if (L == NULL || w == NULL || found == NULL || (layer != AM_LT_WH && layer != AM_LT_HU))
        return AM_EINVAL;
    if (row < 0 || row >= L->layer[layer].n || col < 0 || col >= n_cols(L, layer))
        return AM_ERANGE;
    const lt_row *r = &L->layer[layer].rows[row];
    const int64_t i = row_find(r, col);
    *found = i >= 0;
    if (i >= 0)
        *w = r->w[i];
    return AM_OK;
}

int am_lt_set(am_links *L, int layer, int64_t row, int64_t col, double w)
{
    if (L == NULL || (layer != AM_LT_WH && layer != AM_LT_HU))
        return AM_EINVAL;
    if (row < 0 || row >= L->layer[layer].n || col < 0 || col >= n_cols(L, layer))
        return AM_ERANGE;
    lt_row *r = &L->layer[layer].rows[row];
    const int64_t i = row_find(r, col);
    int st = touch(L, layer, row);
    if (st != AM_OK)
        return st;
    if (i >= 0) {
        r->w[i] = w;
        return AM_OK;
    }
    const int64_t pos = -i - 1;
    lt_row *back = NULL;
    int64_t bpos = 0;
    if (layer == AM_LT_HU) {  /* the reverse index url -> hidden */
        back = &L->layer[AM_LT_UH].rows[col];
        bpos = -row_find(back, row) - 1;
        if ((st = touch(L, AM_LT_UH, col)) != AM_OK || (st = row_reserve(back, back->len + 1, 0)) != AM_OK)
            return st;
    }
    if ((st = row_reserve(r, r->len + 1, 1)) != AM_OK)
        return st;
    memmove(r->col + pos + 1, r->col + pos, (size_t)(r->len - pos) * sizeof *r->col);
    memmove(r->w + pos + 1, r->w + pos, (size_t)(r->len - pos) * sizeof *r->w);
    r->col[pos] = col;
    r->w[pos] = w;
    r->len++;
    if (back != NULL) {
        memmove(back->col + bpos + 1, back->col + bpos, (size_t)(back->len - bpos) * sizeof *back->col);
        back->col[bpos] = row;
        back->len++;
    }
    return AM_OK;
}

int am_lt_remove_url(am_links *L, int64_t u)
{
    if (L == NULL)
        return AM_EINVAL;
    if (u < 0 || u >= L->layer[AM_LT_UH].n)
        return AM_ERANGE;
    lt_row *back = &L->layer[AM_LT_UH].rows[u];
    int st = touch(L, AM_LT_UH, u);
    for (int64_t e = 0; e < back->len && st == AM_OK; ++e) {
        const int64_t h = back->col[e];
        lt_row *r = &L->layer[AM_LT_HU].rows[h];
        const int64_t i = row_find(r, u);
        if (i < 0 || (st = touch(L, AM_LT_HU, h)) != AM_OK)
            continue;
        memmove(r->col + i, r->col + i + 1, (size_t)(r->len - i - 1) * sizeof *r->col);
        memmove(r->w + i, r->w + i + 1, (size_t)(r->len - i - 1) * sizeof *r->w);
        r->len--;
    }
    if (st == AM_OK)
        back->len = 0;
    return st;
}

int am_lt_begin(am_links *L)
{
    if (L == NULL || L->open)
        return AM_EINVAL;
    L->open = 1;
    L->epoch++;
    for (int layer = 0; layer < 3; ++layer)
        L->n0[layer] = L->layer[layer].n;
    return AM_OK;
}

int am_lt_commit(am_links *L)
{
    if (L == NULL || !L->open)
        return AM_EINVAL;
    drop_journal(L);
    L->open = 0;
    return AM_OK;
}

int am_lt_rollback(am_links *L)
{
    if (L == NULL || !L->open)
        return AM_EINVAL;
    for (int64_t k = L->n_saved - 1; k >= 0; --k) {
        const lt_saved *s = &L->saved[k];
        lt_row *r = &L->layer[s->layer].rows[s->row];
        /* rows only grow inside a transaction (remove_url shortens len, not
           cap): the saved copy fits */
        if (s->len > 0) {
            memcpy(r->col, s->col, (size_t)s->len * sizeof *r->col);
            if (s->w != NULL)
                memcpy(r->w, s->w, (size_t)s->len * sizeof *r->w);
        }
        r->len = s->len;
    }
    for (int layer = 0; layer < 3; ++layer) {
        for (int64_t k = L->n0[layer]; k < L->layer[layer].n; ++k)
            L->layer[layer].rows[k].len = 0;
        L->layer[layer].n = L->n0[layer];
    }
    drop_journal(L);
    L->open = 0;
    return AM_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_pair(const void *a, const void *b)
{
    const int64_t x = ((const lt_pair *)a)->id, y = ((const lt_pair *)b)->id;
    return (x > y) - (x < y);
}

/* Merge entries (cols ascending, all absent from the row) into a sorted
   row in place, from the back; w may be NULL for an unweighted row. */
static void merge_into(lt_row *r, int64_t m, const int64_t *cols, const double *w)
{
    int64_t e = r->len - 1, k = m - 1, out = r->len + m - 1;
    while (k >= 0) {
        if (e >= 0 && r->col[e] > cols[k]) {
            r->col[out] = r->col[e];
            if (w != NULL)
                r->w[out] = r->w[e];
            --e;
        } else {
            r->col[out] = cols[k];
            if (w != NULL)
                r->w[out] = w[k];
            --k;
        }
        --out;
    }
    r->len += m;
}

int am_lt_train(am_links *L, int64_t nw, const int64_t *words, int64_t nu,
                const int64_t *urls, int64_t clicked, double rate,
                double default_wh, int learn)
{
    if (L == NULL || words == NULL || urls == NULL || nw < 0 || nu < 1 || clicked < 0 || clicked >= nu)
        return AM_EINVAL;
    const int64_t n_words = L->layer[AM_LT_WH].n, n_hidden = L->layer[AM_LT_HU].n,
                  n_urls = L->layer[AM_LT_UH].n;
    lt_row *wh = L->layer[AM_LT_WH].rows, *hu = L->layer[AM_LT_HU].rows, *uh = L->layer[AM_LT_UH].rows;
    for (int64_t a = 0; a < nw; ++a)
        if (words[a] < 0 || words[a] >= n_words)
            return AM_ERANGE;
    for (int64_t k = 0; k < nu; ++k)
        if (urls[k] < 0 || urls[k] >= n_urls)
            return AM_ERANGE;
    int st = AM_OK;
    /* urls in id order, and no repeated word or url */
    if (RESERVE(L->uorder, L->cap_uorder, nu) != AM_OK)
        return AM_ENOMEM;
    for (int64_t k = 0; k < nu; ++k) {
        L->uorder[k].id = urls[k];
        L->uorder[k].k = k;
    }
    qsort(L->uorder, (size_t)nu, sizeof *L->uorder, cmp_pair);
    for (int64_t k = 1; k < nu; ++k)
        if (L->uorder[k].id == L->uorder[k - 1].id)
            return AM_EVALUE;
    for (int64_t a = 0; a < nw; ++a)
        for (int64_t b = a + 1; b < nw; ++b)
            if (words[a] == words[b])
                return AM_EVALUE;
    /* hidden layer: every hidden neuron linked to a query word or url, in
       id order; hmark[h] = its position */
    if (L->cap_hmark < n_hidden) {
        const int64_t old = L->cap_hmark;
        if (RESERVE(L->hmark, L->cap_hmark, n_hidden) != AM_OK)
            return AM_ENOMEM;
        for (int64_t h = old; h < L->cap_hmark; ++h)
            L->hmark[h] = -1;
    }
    if (RESERVE(L->hlist, L->cap_hlist, n_hidden) != AM_OK)
        return AM_ENOMEM;
    int64_t *hmark = L->hmark, *hl = L->hlist, nh = 0;
    for (int64_t a = 0; a < nw; ++a)
        for (int64_t e = 0; e < wh[words[a]].len; ++e) {
            const int64_t h = wh[words[a]].col[e];
            if (hmark[h] < 0) { hmark[h] = 0; hl[nh++] = h; }
        }
    for (int64_t k = 0; k < nu; ++k)
        for (int64_t e = 0; e < uh[urls[k]].len; ++e) {
            const int64_t h = uh[urls[k]].col[e];
            if (hmark[h] < 0) { hmark[h] = 0; hl[nh++] = h; }
        }
    qsort(hl, (size_t)nh, sizeof *hl, cmp_i64);
    for (int64_t j = 0; j < nh; ++j)
        hmark[hl[j]] = j;
    /* the dense sub-network */
    if (RESERVE(L->wi, L->cap_wi, nw * nh + 1) != AM_OK || RESERVE(L->mi, L->cap_mi, nw * nh + 1) != AM_OK ||
        RESERVE(L->wo, L->cap_wo, nh * nu + 1) != AM_OK || RESERVE(L->mo, L->cap_mo, nh * nu + 1) != AM_OK ||
        RESERVE(L->fresh, L->cap_fresh, nh * nu + 1) != AM_OK || RESERVE(L->ah, L->cap_ah, nh + 1) != AM_OK ||
        RESERVE(L->dh, L->cap_dh, nh + 1) != AM_OK || RESERVE(L->ao, L->cap_ao, nu) != AM_OK ||
        RESERVE(L->dout, L->cap_dout, nu) != AM_OK || RESERVE(L->targets, L->cap_targets, nu) != AM_OK ||
        RESERVE(L->mcol, L->cap_mcol, nh + nu) != AM_OK || RESERVE(L->mval, L->cap_mval, nh + nu) != AM_OK) {
        st = AM_ENOMEM;
        goto done;
    }
    double *wi = L->wi, *wo = L->wo;
    uint8_t *mi = L->mi, *mo = L->mo, *fresh = L->fresh;
    for (int64_t x = 0; x < nw * nh; ++x) {
        wi[x] = default_wh;
        mi[x] = (uint8_t)(learn != 0);
    }
    for (int64_t a = 0; a < nw; ++a) {
        const lt_row *r = &wh[words[a]];
        for (int64_t e = 0; e < r->len; ++e) {
            const int64_t j = hmark[r->col[e]];
            wi[a * nh + j] = r->w[e];
            mi[a * nh + j] = 1;
        }
    }
    for (int64_t j = 0; j < nh; ++j) {
        const lt_row *r = &hu[hl[j]];
        for (int64_t k = 0; k < nu; ++k) {
            const int64_t i = row_find(r, urls[k]);
            wo[j * nu + k] = i >= 0 ? r->w[i] : 0.0;
            mo[j * nu + k] = (uint8_t)(i >= 0 || learn);
            fresh[j * nu + k] = (uint8_t)(i < 0 && learn);
        }
    }
    for (int64_t k = 0; k < nu; ++k)
        L->targets[k] = k == clicked ? 1.0 : 0.0;
    st = am_sn_backprop(nw, nh, nu, wi, mi, wo, mo, L->targets, rate, L->ah, L->ao, L->dh, L->dout);
    if (st != AM_OK)
        goto done;
    /* word rows: every row column is in the hidden layer; update in place,
       then merge the new links (hidden layer order is the row order) */
    for (int64_t a = 0; a < nw && st == AM_OK; ++a) {
        lt_row *r = &wh[words[a]];
        if ((st = touch(L, AM_LT_WH, words[a])) != AM_OK)
            break;
        int64_t e = 0, m = 0;
        for (int64_t j = 0; j < nh; ++j) {
            if (e < r->len && r->col[e] == hl[j])
                r->w[e++] = wi[a * nh + j];
            else if (mi[a * nh + j])
                ++m;
        }
        if (m == 0)
            continue;
        if ((st = row_reserve(r, r->len + m, 1)) != AM_OK)
            break;
        int64_t *cols = L->mcol, t = 0;
        double *vals = L->mval;
        e = 0;
        for (int64_t j = 0; j < nh; ++j) {
            if (e < r->len && r->col[e] == hl[j])
                ++e;
            else if (mi[a * nh + j]) {
                cols[t] = hl[j];
                vals[t++] = wi[a * nh + j];
            }
        }
        merge_into(r, m, cols, vals);
    }
    /* hidden rows: update in place, then merge the new links in url order */
    for (int64_t j = 0; j < nh && st == AM_OK; ++j) {
        lt_row *r = &hu[hl[j]];
        if ((st = touch(L, AM_LT_HU, hl[j])) != AM_OK)
            break;
        int64_t m = 0;
        for (int64_t k = 0; k < nu; ++k) {
            if (fresh[j * nu + k])
                ++m;
            else if (mo[j * nu + k])
                r->w[row_find(r, urls[k])] = wo[j * nu + k];
        }
        if (m == 0)
            continue;
        if ((st = row_reserve(r, r->len + m, 1)) != AM_OK)
            break;
        int64_t *cols = L->mcol, t = 0;
        double *vals = L->mval;
        for (int64_t x = 0; x < nu; ++x) {
            const int64_t k = L->uorder[x].k;
            if (fresh[j * nu + k]) {
                cols[t] = urls[k];
                vals[t++] = wo[j * nu + k];
            }
        }
        merge_into(r, m, cols, vals);
    }
    /* the reverse index: each url's new hidden neurons, in id order */
    for (int64_t k = 0; k < nu && st == AM_OK; ++k) {
        lt_row *r = &uh[urls[k]];
        int64_t m = 0;
        for (int64_t j = 0; j < nh; ++j)
            m += fresh[j * nu + k];
        if (m == 0)
            continue;
        if ((st = touch(L, AM_LT_UH, urls[k])) != AM_OK || (st = row_reserve(r, r->len + m, 0)) != AM_OK)
            break;
        int64_t *cols = L->mcol, t = 0;
        for (int64_t j = 0; j < nh; ++j)
            if (fresh[j * nu + k])
                cols[t++] = hl[j];
        merge_into(r, m, cols, NULL);
    }
done:
    for (int64_t j = 0; j < nh; ++j)
        hmark[hl[j]] = -1;
    return st;
}

int am_lt_forward(const am_links *L, double default_wh, int64_t n_queries,
                  const int64_t *qw_ptr, const int64_t *qw, const int64_t *qn,
                  const int64_t *qu_ptr, const int64_t *qu, int64_t *hmark,
                  double *hsum, int64_t *hcnt, int64_t *umark, int64_t *hlist,
                  double *out)
{
    if (L == NULL || qw_ptr == NULL || qn == NULL || qu_ptr == NULL || hmark == NULL || hsum == NULL ||
        hcnt == NULL || umark == NULL || hlist == NULL || out == NULL || n_queries < 0)
        return AM_EINVAL;
    const int64_t n_words = L->layer[AM_LT_WH].n, n_urls = L->layer[AM_LT_UH].n;
    const lt_row *wh = L->layer[AM_LT_WH].rows, *hu = L->layer[AM_LT_HU].rows, *uh = L->layer[AM_LT_UH].rows;
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
            for (int64_t e = 0; e < wh[w].len; ++e) {
                const int64_t h = wh[w].col[e];
                if (hmark[h] == -1) { hmark[h] = nh; hlist[nh++] = h; hsum[h] = 0.0; hcnt[h] = 0; }
                hsum[h] += wh[w].w[e];
                hcnt[h] += 1;
            }
        }
        /* ... or to a candidate url */
        for (int64_t k = u0; k < u1 && status == AM_OK; ++k) {
            const int64_t u = qu[k];
            if (u == -1) continue;
            for (int64_t e = 0; e < uh[u].len; ++e) {
                const int64_t h = uh[u].col[e];
                if (hmark[h] == -1) { hmark[h] = nh; hlist[nh++] = h; hsum[h] = 0.0; hcnt[h] = 0; }
            }
        }
        if (status == AM_OK) {
            for (int64_t t = 0; t < nh; ++t) {
                const int64_t h = hlist[t];
                const double ah = tanh(hsum[h] + default_wh * (double)(nw - hcnt[h]));
                for (int64_t e = 0; e < hu[h].len; ++e) {
                    const int64_t pos = umark[hu[h].col[e]];
                    if (pos >= 0)
                        out[u0 + pos] += ah * hu[h].w[e];
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
