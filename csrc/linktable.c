/* linktable.c -- the search net's links as a C table of rows, a journal
   for transactions, training (gather, backprop, scatter) and the forward
   pass (see assocmem.h, the search-net section). */
#include "assocmem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t len, cap;
    int64_t *col;     /* AM_LT_WH, AM_LT_UH: in hidden order; AM_LT_HU: insertion order */
    double *w;        /* NULL in AM_LT_UH */
    int64_t *at;      /* AM_LT_UH: where the link is in its hidden row */
    uint64_t *stamp;  /* AM_LT_HU: the transaction that journalled each weight */
    uint64_t epoch;   /* the transaction that journalled this row */
    int64_t len0;     /* its length then */
} lt_row;

typedef struct {
    lt_row *rows;
    int64_t n, cap;  /* rows in use; rows allocated (kept for reuse) */
} lt_layer;

enum { J_ROW = 0, J_LEN = 1, J_WEIGHT = 2 };

/* A journal entry: J_ROW a whole sorted row (AM_LT_WH: col and w,
   AM_LT_UH: col and at, copied), J_LEN the length of an append-only hidden
   row, J_WEIGHT the old weight at hu[row][pos]. */
typedef struct {
    int kind, layer;
    int64_t row, len, pos;
    double old;
    int64_t *col;
    double *w;
    int64_t *at;
} lt_saved;

struct am_links {
    lt_layer layer[3];
    /* hidden neuron h sorts by (ord[h], h): the order of the sorted rows, of
       a click's hidden layer and of every sum over hidden neurons */
    int64_t *ord, cap_ord;
    /* journal */
    int open;
    uint64_t epoch;
    int64_t n0[3];
    lt_saved *saved;
    int64_t n_saved, cap_saved;
    /* training scratch, grown as needed; hmark and umark are -1 between calls */
    int64_t *hmark, cap_hmark;
    int64_t *umark, cap_umark;
    int64_t *hlist, cap_hlist;
    int64_t *mcol, cap_mcol;  /* the new links of one row, before a merge */
    double *mval;
    int64_t cap_mval;
    int64_t *mat, cap_mat;
    int64_t *pos, cap_pos;    /* position of each (hidden, url) weight in its row, -1 if none */
    double *wi, *wo;
    int64_t cap_wi, cap_wo;
    uint8_t *mi, *mo;
    int64_t cap_mi, cap_mo;
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

/* Room for need entries in a row of the given layer. */
static int row_reserve(lt_row *r, int64_t need, int layer)
{
    if (need <= r->cap)
        return AM_OK;
    int64_t c = r->cap > 0 ? r->cap : 1;  /* a cache holds many rows of one or two links */
    while (c < need)
        c *= 2;
    int64_t *col = realloc(r->col, (size_t)c * sizeof *col);
    if (col == NULL)
        return AM_ENOMEM;
    r->col = col;
    if (layer != AM_LT_UH) {
        double *w = realloc(r->w, (size_t)c * sizeof *w);
        if (w == NULL)
            return AM_ENOMEM;
        r->w = w;
    } else {
        int64_t *at = realloc(r->at, (size_t)c * sizeof *at);
        if (at == NULL)
            return AM_ENOMEM;
        r->at = at;
    }
    if (layer == AM_LT_HU) {
        uint64_t *stamp = realloc(r->stamp, (size_t)c * sizeof *stamp);
        if (stamp == NULL)
            return AM_ENOMEM;
        r->stamp = stamp;
    }
    r->cap = c;
    return AM_OK;
}

/* Whether hidden neuron a sorts before hidden neuron b. */
static inline int before(const int64_t *ord, int64_t a, int64_t b)
{
    return ord[a] < ord[b] || (ord[a] == ord[b] && a < b);
}

/* Index of hidden neuron h in a sorted row (AM_LT_WH, AM_LT_UH), or
   -(insertion point) - 1. */
static int64_t row_find(const int64_t *ord, const lt_row *r, int64_t h)
{
    int64_t lo = 0, hi = r->len;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (before(ord, r->col[mid], h))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->len && r->col[lo] == h ? lo : -lo - 1;
}

/* -------------------------------------------------------------- journal */

static int journal_push(am_links *L, lt_saved e)
{
    if (RESERVE(L->saved, L->cap_saved, L->n_saved + 1) != AM_OK)
        return AM_ENOMEM;
    L->saved[L->n_saved++] = e;
    return AM_OK;
}

/* Journal a row before its first change in the open transaction: a sorted
   row (AM_LT_WH, AM_LT_UH) whole, an append-only hidden row by its length
   (rows created in the transaction need nothing: rollback drops them). */
static int touch(am_links *L, int layer, int64_t row)
{
    if (!L->open || row >= L->n0[layer])
        return AM_OK;
    lt_row *r = &L->layer[layer].rows[row];
    if (r->epoch == L->epoch)
        return AM_OK;
    lt_saved e = {J_LEN, layer, row, r->len, 0, 0.0, NULL, NULL, NULL};
    if (layer != AM_LT_HU) {
        e.kind = J_ROW;
        if (r->len > 0) {
            const size_t n = (size_t)r->len;
            e.col = malloc(n * sizeof *e.col);
            if (layer == AM_LT_WH)
                e.w = malloc(n * sizeof *e.w);
            else
                e.at = malloc(n * sizeof *e.at);
            if (e.col == NULL || (e.w == NULL && e.at == NULL)) {
                free(e.col);
                free(e.w);
                free(e.at);
                return AM_ENOMEM;
            }
            memcpy(e.col, r->col, n * sizeof *e.col);
            if (e.w != NULL)
                memcpy(e.w, r->w, n * sizeof *e.w);
            else
                memcpy(e.at, r->at, n * sizeof *e.at);
        }
    }
    const int st = journal_push(L, e);
    if (st != AM_OK) {
        free(e.col);
        free(e.w);
        free(e.at);
        return st;
    }
    r->epoch = L->epoch;
    r->len0 = r->len;
    return AM_OK;
}

/* Set hu[h] at position pos, journalling its old weight once. */
static int set_hu_at(am_links *L, int64_t h, int64_t pos, double w)
{
    lt_row *r = &L->layer[AM_LT_HU].rows[h];
    if (L->open && h < L->n0[AM_LT_HU]) {
        int st = touch(L, AM_LT_HU, h);
        if (st != AM_OK)
            return st;
        if (pos < r->len0 && r->stamp[pos] != L->epoch) {
            lt_saved e = {J_WEIGHT, AM_LT_HU, h, 0, pos, r->w[pos], NULL, NULL, NULL};
            if ((st = journal_push(L, e)) != AM_OK)
                return st;
            r->stamp[pos] = L->epoch;
        }
    }
    r->w[pos] = w;
    return AM_OK;
}

/* Append the new link h -> u (absent) to hidden row h; *at: where. */
static int append_hu(am_links *L, int64_t h, int64_t u, double w, int64_t *at)
{
    lt_row *r = &L->layer[AM_LT_HU].rows[h];
    int st;
    if ((st = touch(L, AM_LT_HU, h)) != AM_OK || (st = row_reserve(r, r->len + 1, AM_LT_HU)) != AM_OK)
        return st;
    r->col[r->len] = u;
    r->w[r->len] = w;
    r->stamp[r->len] = 0;
    *at = r->len++;
    return AM_OK;
}

/* Merge m entries (in hidden order, all absent from the row) into a sorted
   row in place, from the back: with weights w (AM_LT_WH) or positions at
   (AM_LT_UH). */
static void merge_into(const int64_t *ord, lt_row *r, int64_t m, const int64_t *cols, const double *w,
                       const int64_t *at)
{
    int64_t e = r->len - 1, k = m - 1, out = r->len + m - 1;
    while (k >= 0) {
        if (e >= 0 && before(ord, cols[k], r->col[e])) {
            r->col[out] = r->col[e];
            if (w != NULL)
                r->w[out] = r->w[e];
            else
                r->at[out] = r->at[e];
            --e;
        } else {
            r->col[out] = cols[k];
            if (w != NULL)
                r->w[out] = w[k];
            else
                r->at[out] = at[k];
            --k;
        }
        --out;
    }
    r->len += m;
}

/* The new link h -> u (absent), at position at of hidden row h, into url
   row u (kept in hidden order). */
static int insert_uh(am_links *L, int64_t u, int64_t h, int64_t at)
{
    lt_row *back = &L->layer[AM_LT_UH].rows[u];
    int st;
    if ((st = touch(L, AM_LT_UH, u)) != AM_OK || (st = row_reserve(back, back->len + 1, AM_LT_UH)) != AM_OK)
        return st;
    merge_into(L->ord, back, 1, &h, NULL, &at);
    return AM_OK;
}

/* Create the link h -> u (absent) with weight w. */
static int add_hu(am_links *L, int64_t h, int64_t u, double w)
{
    int64_t at = 0;
    const int st = append_hu(L, h, u, w, &at);
    if (st != AM_OK)
        return st;
    const int back = insert_uh(L, u, h, at);
    if (back != AM_OK)
        L->layer[AM_LT_HU].rows[h].len--;  /* undo the append: no half-made link */
    return back;
}

/* Where the link h -> u is in hidden row h, or -1 (a binary search of url
   row u). */
static int64_t find_hu(const am_links *L, int64_t h, int64_t u)
{
    const lt_row *back = &L->layer[AM_LT_UH].rows[u];
    const int64_t i = row_find(L->ord, back, h);
    return i >= 0 ? back->at[i] : -1;
}

static void drop_journal(am_links *L)
{
    for (int64_t k = 0; k < L->n_saved; ++k) {
        free(L->saved[k].col);
        free(L->saved[k].w);
        free(L->saved[k].at);
    }
    L->n_saved = 0;
}

/* ----------------------------------------------------------------- table */

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
            free(L->layer[layer].rows[k].stamp);
            free(L->layer[layer].rows[k].at);
        }
        free(L->layer[layer].rows);
    }
    drop_journal(L);
    free(L->saved);
    free(L->ord);
    free(L->hmark);
    free(L->umark);
    free(L->hlist);
    free(L->mcol);
    free(L->mval);
    free(L->mat);
    free(L->pos);
    free(L->wi);
    free(L->wo);
    free(L->mi);
    free(L->mo);
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

int64_t am_lt_bytes(const am_links *L)
{
    if (L == NULL)
        return -1;
    int64_t b = (int64_t)sizeof *L;
    for (int layer = 0; layer < 3; ++layer) {
        const lt_layer *y = &L->layer[layer];
        b += y->cap * (int64_t)sizeof *y->rows;
        for (int64_t k = 0; k < y->cap; ++k) {
            const lt_row *r = &y->rows[k];
            const int64_t per = (r->col ? 8 : 0) + (r->w ? 8 : 0) + (r->at ? 8 : 0) + (r->stamp ? 8 : 0);
            b += r->cap * per;
        }
    }
    b += L->cap_saved * (int64_t)sizeof *L->saved;
    for (int64_t k = 0; k < L->n_saved; ++k) {
        const lt_saved *e = &L->saved[k];
        b += e->len * ((e->col ? 8 : 0) + (e->w ? 8 : 0) + (e->at ? 8 : 0));
    }
    b += 8 * (L->cap_ord + L->cap_hmark + L->cap_umark + L->cap_hlist + L->cap_mcol + L->cap_mval + L->cap_mat +
              L->cap_pos + L->cap_wi + L->cap_wo + L->cap_ah + L->cap_dh + L->cap_ao + L->cap_dout +
              L->cap_targets);
    b += L->cap_mi + L->cap_mo;
    return b;
}

int am_lt_add_row(am_links *L, int layer, int64_t order, int64_t *id)
{
    if (L == NULL || id == NULL || layer < 0 || layer > 2)
        return AM_EINVAL;
    lt_layer *y = &L->layer[layer];
    if (layer == AM_LT_HU) {
        if (RESERVE(L->ord, L->cap_ord, y->n + 1) != AM_OK)
            return AM_ENOMEM;
        L->ord[y->n] = order;
    }
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

int am_lt_column(const am_links *L, int64_t u, int64_t *len,
                 const int64_t **hidden, const int64_t **at)
{
    if (L == NULL || len == NULL || hidden == NULL || at == NULL)
        return AM_EINVAL;
    if (u < 0 || u >= L->layer[AM_LT_UH].n)
        return AM_ERANGE;
    const lt_row *r = &L->layer[AM_LT_UH].rows[u];
    *len = r->len;
    *hidden = r->col;
    *at = r->at;
    return AM_OK;
}

/* The columns of a layer are the rows of this one. */
static int64_t n_cols(const am_links *L, int layer)
{
    return layer == AM_LT_HU ? L->layer[AM_LT_UH].n : L->layer[AM_LT_HU].n;
}

int am_lt_get(const am_links *L, int layer, int64_t row, int64_t col,
              double *w, int *found)
{
    if (L == NULL || w == NULL || found == NULL || (layer != AM_LT_WH && layer != AM_LT_HU))
        return AM_EINVAL;
    if (row < 0 || row >= L->layer[layer].n || col < 0 || col >= n_cols(L, layer))
        return AM_ERANGE;
    const lt_row *r = &L->layer[layer].rows[row];
    int64_t i;
    if (layer == AM_LT_WH) {
        i = row_find(L->ord, r, col);
    } else {
        i = find_hu(L, row, col);
    }
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
    if (layer == AM_LT_HU) {
        const int64_t i = find_hu(L, row, col);
        return i >= 0 ? set_hu_at(L, row, i, w) : add_hu(L, row, col, w);
    }
    lt_row *r = &L->layer[AM_LT_WH].rows[row];
    const int64_t i = row_find(L->ord, r, col);
    int st = touch(L, AM_LT_WH, row);
    if (st != AM_OK)
        return st;
    if (i >= 0) {
        r->w[i] = w;
        return AM_OK;
    }
    if ((st = row_reserve(r, r->len + 1, AM_LT_WH)) != AM_OK)
        return st;
    merge_into(L->ord, r, 1, &col, &w, NULL);
    return AM_OK;
}

/* Grow a -1-filled mark array to n entries. */
static int marks(int64_t **mark, int64_t *cap, int64_t n)
{
    const int64_t old = *cap;
    if (reserve((void **)mark, cap, n, sizeof **mark) != AM_OK)
        return AM_ENOMEM;
    for (int64_t i = old; i < *cap; ++i)
        (*mark)[i] = -1;
    return AM_OK;
}

int am_lt_set_many(am_links *L, int layer, int64_t n, const int64_t *rows,
                   const int64_t *cols, const double *w)
{
    if (L == NULL || (layer != AM_LT_WH && layer != AM_LT_HU) || n < 0 ||
        (n > 0 && (rows == NULL || cols == NULL || w == NULL)))
        return AM_EINVAL;
    const int64_t n_rows = L->layer[layer].n, n_col = n_cols(L, layer);
    for (int64_t i = 0; i < n; ++i)  /* all or nothing: checked before any change */
        if (rows[i] < 0 || rows[i] >= n_rows || cols[i] < 0 || cols[i] >= n_col)
            return AM_ERANGE;
    int st = AM_OK;
    for (int64_t i = 0; i < n && st == AM_OK; ++i)
        st = am_lt_set(L, layer, rows[i], cols[i], w[i]);
    return st;
}

int am_lt_remove_url(am_links *L, int64_t u)
{
    if (L == NULL || L->open)  /* rows are append-only inside a transaction */
        return AM_EINVAL;
    if (u < 0 || u >= L->layer[AM_LT_UH].n)
        return AM_ERANGE;
    lt_row *back = &L->layer[AM_LT_UH].rows[u];
    for (int64_t e = 0; e < back->len; ++e) {
        lt_row *r = &L->layer[AM_LT_HU].rows[back->col[e]];
        const int64_t pos = back->at[e], last = r->len - 1;
        if (pos != last) {  /* the row's last link takes its place */
            const lt_row *moved = &L->layer[AM_LT_UH].rows[r->col[last]];
            moved->at[row_find(L->ord, moved, back->col[e])] = pos;
            r->col[pos] = r->col[last];
            r->w[pos] = r->w[last];
            r->stamp[pos] = r->stamp[last];
        }
        r->len--;
    }
    free(back->col);
    free(back->at);
    memset(back, 0, sizeof *back);
    return AM_OK;
}

int am_lt_clear_word(am_links *L, int64_t w)
{
    if (L == NULL || L->open)
        return AM_EINVAL;
    if (w < 0 || w >= L->layer[AM_LT_WH].n)
        return AM_ERANGE;
    lt_row *r = &L->layer[AM_LT_WH].rows[w];
    free(r->col);
    free(r->w);
    memset(r, 0, sizeof *r);
    return AM_OK;
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
        if (s->kind == J_WEIGHT) {
            r->w[s->pos] = s->old;
        } else if (s->kind == J_LEN) {
            r->len = s->len;
        } else if (s->len > 0) {  /* J_ROW: rows only grow inside a transaction, so the copy fits */
            memcpy(r->col, s->col, (size_t)s->len * sizeof *r->col);
            if (s->w != NULL)
                memcpy(r->w, s->w, (size_t)s->len * sizeof *r->w);
            else
                memcpy(r->at, s->at, (size_t)s->len * sizeof *r->at);
            r->len = s->len;
        } else {
            r->len = 0;
        }
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

/* Record change k (if it fits) and count it. */
static inline void change(int64_t cap, int64_t *n, int8_t *layer, int8_t *fresh, int64_t *row,
                          int64_t *col, double *w, int lay, int is_new, int64_t r, int64_t c, double v)
{
    if (*n < cap) {
        layer[*n] = (int8_t)lay;
        fresh[*n] = (int8_t)is_new;
        row[*n] = r;
        col[*n] = c;
        w[*n] = v;
    }
    ++*n;
}

int am_lt_changes(const am_links *L, int64_t cap, int64_t *n, int8_t *layer, int8_t *fresh,
                  int64_t *row, int64_t *col, double *w)
{
    if (L == NULL || !L->open || n == NULL || cap < 0 ||
        (cap > 0 && (layer == NULL || fresh == NULL || row == NULL || col == NULL || w == NULL)))
        return AM_EINVAL;
    *n = 0;
    const lt_row *wh = L->layer[AM_LT_WH].rows, *hu = L->layer[AM_LT_HU].rows;
    /* rows that existed at begin: their journal says what they were */
    for (int64_t k = 0; k < L->n_saved; ++k) {
        const lt_saved *s = &L->saved[k];
        if (s->kind == J_ROW && s->layer == AM_LT_WH) {
            /* the row then is a sub-sequence of the row now (rows only grow) */
            const lt_row *r = &wh[s->row];
            int64_t e = 0;
            for (int64_t i = 0; i < r->len; ++i) {
                if (e < s->len && s->col[e] == r->col[i]) {
                    if (s->w[e] != r->w[i])
                        change(cap, n, layer, fresh, row, col, w, AM_LT_WH, 0, s->row, r->col[i], r->w[i]);
                    ++e;
                } else {
                    change(cap, n, layer, fresh, row, col, w, AM_LT_WH, 1, s->row, r->col[i], r->w[i]);
                }
            }
        } else if (s->kind == J_LEN) {  /* a hidden row: what was appended */
            const lt_row *r = &hu[s->row];
            for (int64_t i = s->len; i < r->len; ++i)
                change(cap, n, layer, fresh, row, col, w, AM_LT_HU, 1, s->row, r->col[i], r->w[i]);
        } else if (s->kind == J_WEIGHT) {
            const double now = hu[s->row].w[s->pos];
            if (now != s->old)
                change(cap, n, layer, fresh, row, col, w, AM_LT_HU, 0, s->row, hu[s->row].col[s->pos], now);
        }
    }
    /* rows added since begin: all new */
    for (int lay = AM_LT_WH; lay <= AM_LT_HU; ++lay) {
        const lt_row *rows = L->layer[lay].rows;
        for (int64_t x = L->n0[lay]; x < L->layer[lay].n; ++x)
            for (int64_t i = 0; i < rows[x].len; ++i)
                change(cap, n, layer, fresh, row, col, w, lay, 1, x, rows[x].col[i], rows[x].w[i]);
    }
    return AM_OK;
}

/* ------------------------------------------------------------- training */

static int cmp_pair(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;  /* (ord, id) */
    if (x[0] != y[0])
        return (x[0] > y[0]) - (x[0] < y[0]);
    return (x[1] > y[1]) - (x[1] < y[1]);
}

int am_lt_train(am_links *L, int64_t nw, const int64_t *words, int64_t nu,
                const int64_t *urls, int64_t clicked, double rate,
                double default_wh, int learn, int64_t *n_hidden_out)
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
    for (int64_t a = 0; a < nw; ++a)
        for (int64_t b = a + 1; b < nw; ++b)
            if (words[a] == words[b])
                return AM_EVALUE;
    if (marks(&L->hmark, &L->cap_hmark, n_hidden) != AM_OK || marks(&L->umark, &L->cap_umark, n_urls) != AM_OK ||
        RESERVE(L->hlist, L->cap_hlist, n_hidden + 1) != AM_OK)
        return AM_ENOMEM;
    int64_t *hmark = L->hmark, *umark = L->umark, *hl = L->hlist, nh = 0;
    int st = AM_OK;
    for (int64_t k = 0; k < nu; ++k) {
        if (umark[urls[k]] != -1) {
            st = AM_EVALUE;
            goto done;
        }
        umark[urls[k]] = k;
    }
    /* hidden layer, in hidden order; hmark[h] = its position.  With learn:
       every hidden neuron linked to a query word or url (each missing
       weight takes part).  Without: only those linked to both.  Any other
       changes no bit: one without a link to a query url adds nothing to an
       output (a missing hidden -> url weight does not count) and learns
       nothing (its hidden delta sums no output), and one without a link
       from a query word has the activation tanh(+0.0) = +0.0, so its terms
       in the output sums are zeros that leave each sum as it is (a sum
       starts at +0.0 and never becomes -0.0), and its weights gain
       rate * delta * +0.0 (no word weight: none counts).  So a click's cost
       follows the hidden neurons it trains, not every neuron its urls
       gathered (a late click of the benchmark log touched 13 times more). */
    if (learn) {
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
    } else {
        for (int64_t a = 0; a < nw; ++a)  /* -2: fed by a query word */
            for (int64_t e = 0; e < wh[words[a]].len; ++e)
                hmark[wh[words[a]].col[e]] = -2;
        for (int64_t k = 0; k < nu; ++k)
            for (int64_t e = 0; e < uh[urls[k]].len; ++e) {
                const int64_t h = uh[urls[k]].col[e];
                if (hmark[h] == -2) { hmark[h] = 0; hl[nh++] = h; }
            }
        for (int64_t a = 0; a < nw; ++a)  /* the others' marks back to -1 */
            for (int64_t e = 0; e < wh[words[a]].len; ++e)
                if (hmark[wh[words[a]].col[e]] == -2)
                    hmark[wh[words[a]].col[e]] = -1;
    }
    /* hidden order: sort (ord, id) pairs (in mcol, two slots each) */
    if (RESERVE(L->mcol, L->cap_mcol, 2 * nh + 2) != AM_OK) {
        st = AM_ENOMEM;
        goto done;
    }
    for (int64_t j = 0; j < nh; ++j) {
        L->mcol[2 * j] = L->ord[hl[j]];
        L->mcol[2 * j + 1] = hl[j];
    }
    qsort(L->mcol, (size_t)nh, 2 * sizeof *L->mcol, cmp_pair);
    for (int64_t j = 0; j < nh; ++j) {
        hl[j] = L->mcol[2 * j + 1];
        hmark[hl[j]] = j;
    }
    if (n_hidden_out != NULL)
        *n_hidden_out = nh;
    /* the dense sub-network */
    if (RESERVE(L->wi, L->cap_wi, nw * nh + 1) != AM_OK || RESERVE(L->mi, L->cap_mi, nw * nh + 1) != AM_OK ||
        RESERVE(L->wo, L->cap_wo, nh * nu + 1) != AM_OK || RESERVE(L->mo, L->cap_mo, nh * nu + 1) != AM_OK ||
        RESERVE(L->pos, L->cap_pos, nh * nu + 1) != AM_OK || RESERVE(L->ah, L->cap_ah, nh + 1) != AM_OK ||
        RESERVE(L->dh, L->cap_dh, nh + 1) != AM_OK || RESERVE(L->ao, L->cap_ao, nu) != AM_OK ||
        RESERVE(L->dout, L->cap_dout, nu) != AM_OK || RESERVE(L->targets, L->cap_targets, nu) != AM_OK ||
        RESERVE(L->mcol, L->cap_mcol, nh + 1) != AM_OK || RESERVE(L->mval, L->cap_mval, nh + 1) != AM_OK ||
        RESERVE(L->mat, L->cap_mat, nh + 1) != AM_OK) {
        st = AM_ENOMEM;
        goto done;
    }
    double *wi = L->wi, *wo = L->wo;
    uint8_t *mi = L->mi, *mo = L->mo;
    int64_t *pos = L->pos;
    for (int64_t x = 0; x < nw * nh; ++x) {
        wi[x] = default_wh;
        mi[x] = (uint8_t)(learn != 0);
    }
    for (int64_t a = 0; a < nw; ++a) {
        const lt_row *r = &wh[words[a]];
        for (int64_t e = 0; e < r->len; ++e) {
            const int64_t j = hmark[r->col[e]];
            if (j < 0)  /* without learn, not every one is in the layer */
                continue;
            wi[a * nh + j] = r->w[e];
            mi[a * nh + j] = 1;
        }
    }
    /* every stored link into a query url comes from the hidden layer: the
       url rows give the positions of the stored hidden -> url weights */
    for (int64_t x = 0; x < nh * nu; ++x)
        pos[x] = -1;
    for (int64_t k = 0; k < nu; ++k) {
        const lt_row *back = &uh[urls[k]];
        for (int64_t e = 0; e < back->len; ++e)
            if (hmark[back->col[e]] >= 0)  /* without learn, not every one is in the layer */
                pos[hmark[back->col[e]] * nu + k] = back->at[e];
    }
    for (int64_t j = 0; j < nh; ++j) {
        const lt_row *r = &hu[hl[j]];
        for (int64_t k = 0; k < nu; ++k) {
            const int64_t p = pos[j * nu + k];
            wo[j * nu + k] = p >= 0 ? r->w[p] : 0.0;
            mo[j * nu + k] = (uint8_t)(p >= 0 || learn);
        }
    }
    for (int64_t k = 0; k < nu; ++k)
        L->targets[k] = k == clicked ? 1.0 : 0.0;
    st = am_sn_backprop(nw, nh, nu, wi, mi, wo, mo, L->targets, rate, L->ah, L->ao, L->dh, L->dout);
    if (st != AM_OK)
        goto done;
    /* word rows.  Without learn: the weights of the row's columns in the
       layer, in place (there are no new links).  With learn: every row
       column is in the layer; update in place, then merge the new links
       (the hidden layer is in row order) */
    for (int64_t a = 0; a < nw && st == AM_OK; ++a) {
        lt_row *r = &wh[words[a]];
        if ((st = touch(L, AM_LT_WH, words[a])) != AM_OK)
            break;
        if (!learn) {
            for (int64_t e = 0; e < r->len; ++e)
                if (hmark[r->col[e]] >= 0)
                    r->w[e] = wi[a * nh + hmark[r->col[e]]];
            continue;
        }
        int64_t e = 0, m = 0;
        for (int64_t j = 0; j < nh; ++j) {
            if (e < r->len && r->col[e] == hl[j]) {
                r->w[e++] = wi[a * nh + j];
            } else if (mi[a * nh + j]) {
                L->mcol[m] = hl[j];
                L->mval[m++] = wi[a * nh + j];
            }
        }
        if (m > 0 && (st = row_reserve(r, r->len + m, AM_LT_WH)) == AM_OK)
            merge_into(L->ord, r, m, L->mcol, L->mval, NULL);
    }
    /* hidden rows: update in place, append the new links (pos becomes
       -2 - where each new one went) */
    for (int64_t j = 0; j < nh && st == AM_OK; ++j)
        for (int64_t k = 0; k < nu && st == AM_OK; ++k) {
            int64_t *p = &pos[j * nu + k], at = 0;
            if (*p >= 0) {
                st = set_hu_at(L, hl[j], *p, wo[j * nu + k]);
            } else if (mo[j * nu + k] && (st = append_hu(L, hl[j], urls[k], wo[j * nu + k], &at)) == AM_OK) {
                *p = -2 - at;
            }
        }
    /* url rows: merge each url's new links, in hidden order */
    for (int64_t k = 0; k < nu && st == AM_OK; ++k) {
        lt_row *back = &uh[urls[k]];
        int64_t m = 0;
        for (int64_t j = 0; j < nh; ++j)
            if (pos[j * nu + k] <= -2) {
                L->mcol[m] = hl[j];
                L->mat[m++] = -2 - pos[j * nu + k];
            }
        if (m > 0 && (st = touch(L, AM_LT_UH, urls[k])) == AM_OK &&
            (st = row_reserve(back, back->len + m, AM_LT_UH)) == AM_OK)
            merge_into(L->ord, back, m, L->mcol, NULL, L->mat);
    }
done:
    for (int64_t j = 0; j < nh; ++j)
        hmark[hl[j]] = -1;
    for (int64_t k = 0; k < nu; ++k)
        if (umark[urls[k]] == k)
            umark[urls[k]] = -1;
    return st;
}

int am_lt_train_clicks(am_links *L, int64_t n, const int64_t *w_ptr, const int64_t *words,
                       const int64_t *u_ptr, const int64_t *urls, const int64_t *clicked,
                       const int64_t *hidden, const uint8_t *created, double new_word_weight,
                       double new_url_weight, int link_new_urls, double rate, double default_wh,
                       int learn, int64_t *trained, int64_t *n_done)
{
    if (L == NULL || w_ptr == NULL || u_ptr == NULL || clicked == NULL || hidden == NULL ||
        created == NULL || trained == NULL || n_done == NULL || n < 0)
        return AM_EINVAL;
    *trained = 0;
    *n_done = 0;
    int st = AM_OK;
    for (int64_t i = 0; i < n && st == AM_OK; ++i) {
        const int64_t nw = w_ptr[i + 1] - w_ptr[i], nu = u_ptr[i + 1] - u_ptr[i], h = hidden[i];
        const int64_t *cw = words + w_ptr[i], *cu = urls + u_ptr[i];
        if (nw < 0 || nu < 0 || (nw > 0 && words == NULL) || (nu > 0 && urls == NULL))
            return AM_EINVAL;
        /* the click's hidden neuron (the book's generatehiddennode): new,
           it gets a link from each word and to each url; else (with
           link_new_urls) to each url it lacks */
        if (h >= 0 && created[i]) {
            for (int64_t a = 0; a < nw && st == AM_OK; ++a)
                st = am_lt_set(L, AM_LT_WH, cw[a], h, new_word_weight / (double)nw);
            for (int64_t k = 0; k < nu && st == AM_OK; ++k)
                st = am_lt_set(L, AM_LT_HU, h, cu[k], new_url_weight);
        } else if (h >= 0 && link_new_urls) {
            for (int64_t k = 0; k < nu && st == AM_OK; ++k) {
                double w = 0.0;
                int found = 0;
                if ((st = am_lt_get(L, AM_LT_HU, h, cu[k], &w, &found)) == AM_OK && !found)
                    st = am_lt_set(L, AM_LT_HU, h, cu[k], new_url_weight);
            }
        }
        if (st == AM_OK && clicked[i] >= 0) {
            int64_t nh = 0;
            st = am_lt_train(L, nw, cw, nu, cu, clicked[i], rate, default_wh, learn, &nh);
            *trained += nh * (nw + nu);
        }
        if (st == AM_OK)
            *n_done = i + 1;
    }
    return st;
}

/* --------------------------------------------------------------- scoring */

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
        /* only hidden neurons linked to a candidate url reach a score: mark
           them from the url rows ... */
        for (int64_t k = u0; k < u1 && status == AM_OK; ++k) {
            const int64_t u = qu[k];
            if (u == -1) continue;
            for (int64_t e = 0; e < uh[u].len; ++e) {
                const int64_t h = uh[u].col[e];
                if (hmark[h] == -1) { hmark[h] = nh; hlist[nh++] = h; hsum[h] = 0.0; hcnt[h] = 0; }
            }
        }
        /* ... then add the query words' links into them */
        for (int64_t a = w0; a < w1 && status == AM_OK; ++a) {
            const int64_t w = qw[a];
            if (w < 0 || w >= n_words) { status = AM_ERANGE; break; }
            for (int64_t e = 0; e < wh[w].len; ++e) {
                const int64_t h = wh[w].col[e];
                if (hmark[h] != -1) {
                    hsum[h] += wh[w].w[e];
                    hcnt[h] += 1;
                }
            }
        }
        if (status == AM_OK) {
            /* every stored link into a candidate url comes from the hidden
               layer: sum each url's row (ah_j in hsum) */
            for (int64_t x = 0; x < nh; ++x) {
                const int64_t h = hlist[x];
                /* a hidden neuron no query word feeds, with a default of 0
                   ("hypergraphdb"): tanh(+0.0 + 0.0) is +0.0, so skip the
                   call (most of a late query's url-row neurons) */
                if (hcnt[h] != 0 || default_wh != 0.0)
                    hsum[h] = tanh(hsum[h] + default_wh * (double)(nw - hcnt[h]));
            }
            for (int64_t k = u0; k < u1; ++k) {
                if (qu[k] == -1) continue;
                const lt_row *back = &uh[qu[k]];
                double sum = 0.0;
                for (int64_t e = 0; e < back->len; ++e)
                    sum += hsum[back->col[e]] * hu[back->col[e]].w[back->at[e]];
                out[k] = tanh(sum);
            }
        }
        for (int64_t x = 0; x < nh; ++x)
            hmark[hlist[x]] = -1;
        for (int64_t k = u0; k < u1; ++k)
            if (qu[k] >= 0 && qu[k] < n_urls && umark[qu[k]] == k - u0) umark[qu[k]] = -1;
    }
    return status;
}
