# cython: language_level=3
"""Search-ranking net kernels: the C link table (training and the batched
forward pass) and backprop on a dense sub-network.

``assocmem.searchnet`` validates keys and maps them to ids; this layer
checks ids and buffer shapes, owns the table and the scratch memory and
calls C without the GIL.
"""
import numpy as np

from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport int8_t, int64_t, uint8_t, uint64_t

from assocmem_c cimport *

from assocmem.errors import KernelError, ShapeError

# clicks per am_lt_train_clicks call; Ctrl-C is checked between calls
cdef enum:
    TRAIN_CHUNK = 16


include "_status.pxi"


cdef class _Scratch:
    """Scratch memory of one am_lt_forward call at a time.  Marks are -1
    between calls (the kernel restores them on success)."""
    cdef int64_t[::1] hmark, hcnt, umark, hlist, q_w, q_u
    cdef double[::1] hsum

    def __init__(self, int64_t n_hidden, int64_t n_urls):
        self.hmark = np.full(max(n_hidden, 1), -1, dtype=np.int64)
        self.hcnt = np.zeros(max(n_hidden, 1), dtype=np.int64)
        self.hlist = np.zeros(max(n_hidden, 1), dtype=np.int64)
        self.hsum = np.zeros(max(n_hidden, 1), dtype=np.float64)
        self.umark = np.full(max(n_urls, 1), -1, dtype=np.int64)
        self.q_w = np.zeros(16, dtype=np.int64)
        self.q_u = np.zeros(64, dtype=np.int64)


def plain_keys(keys):
    """keys as a new list when they are a non-empty list or tuple of
    distinct keys of exactly str or int; else None (the caller then runs
    the full check, with its errors).  The scoring hot path's check."""
    cdef Py_ssize_t k, n
    if type(keys) is not list and type(keys) is not tuple:
        return None
    out = list(keys)
    n = len(out)
    if n == 0:
        return None
    for k in range(n):
        t = type(out[k])
        if t is not str and t is not int:
            return None
    if n > 1 and len(set(out)) != n:
        return None
    return out


def orders(list texts):
    """A stable 63-bit hash of each str (FNV-1a over its UTF-8 bytes, then
    the splitmix64 finaliser), as int64: the hidden order of the keys whose
    repr these are (the same in every process, unlike hash())."""
    cdef Py_ssize_t k, i, n
    cdef uint64_t h
    cdef const unsigned char *p
    out = np.empty(len(texts), dtype=np.int64)
    cdef int64_t[::1] o = out
    for k in range(len(texts)):
        data = (<str?>texts[k]).encode("utf-8")
        p = <const unsigned char *>(<bytes>data)
        n = len(<bytes>data)
        h = 14695981039346656037ULL
        for i in range(n):
            h = (h ^ p[i]) * 1099511628211ULL
        h ^= h >> 30
        h *= 0xbf58476d1ce4e5b9ULL
        h ^= h >> 27
        h *= 0x94d049bb133111ebULL
        h ^= h >> 31
        o[k] = <int64_t>(h >> 1)
    return out


def split_links(list nodes, list hidden, list weights, dict port, dict hidden_id):
    """Loaded rows as the two layers' set_many arguments: entry k links
    node ``nodes[k]`` (``port[node]``: (layer, table id), layer 0 for a
    word, whose links go out, 1 for a url, whose links come in) with the
    hidden neuron of key text ``hidden[k]`` (``hidden_id[text]``: its table
    id; None: the node has no links, an entry that is skipped) at weight
    ``weights[k]``.  Returns (rows, cols, weights) of layer 0, the same of
    layer 1 (int64, int64, float64 arrays), and {node: its links}.  One
    pass in C over a query's hundred entries (a Python loop over them cost
    a tenth of a cold query)."""
    cdef Py_ssize_t n = len(nodes), k
    cdef int64_t m0 = 0, m1 = 0, i, hid
    cdef int layer
    if len(hidden) != n or len(weights) != n:
        raise ShapeError(f"hidden, weights: expected one per node ({n}); got {len(hidden)}, {len(weights)}")
    r0 = np.empty(n, dtype=np.int64)
    c0 = np.empty(n, dtype=np.int64)
    w0 = np.empty(n, dtype=np.float64)
    r1 = np.empty(n, dtype=np.int64)
    c1 = np.empty(n, dtype=np.int64)
    w1 = np.empty(n, dtype=np.float64)
    cdef int64_t[::1] vr0 = r0, vc0 = c0, vr1 = r1, vc1 = c1
    cdef double[::1] vw0 = w0, vw1 = w1
    cdef dict count = {}
    for k in range(n):
        text = hidden[k]
        if text is None:
            continue
        node = nodes[k]
        layer, i = port[node]
        hid = hidden_id[text]
        count[node] = count.get(node, 0) + 1
        if layer == 0:
            vr0[m0] = i
            vc0[m0] = hid
            vw0[m0] = weights[k]
            m0 += 1
        else:
            vr1[m1] = hid
            vc1[m1] = i
            vw1[m1] = weights[k]
            m1 += 1
    return (r0[:m0], c0[:m0], w0[:m0]), (r1[:m1], c1[:m1], w1[:m1]), count


cdef int _fill_changes(am_links *L, int64_t n, int8_t[::1] layer, int8_t[::1] fresh, int64_t[::1] row,
                       int64_t[::1] col, double[::1] w, int64_t *m) except -1:
    _check(am_lt_changes(L, n, m, &layer[0], &fresh[0], &row[0], &col[0], &w[0]), "am_lt_changes")
    if m[0] != n:
        raise KernelError(f"am_lt_changes: {m[0]} changes, {n} expected")
    return 0


cdef class LinkTable:
    """The search net's links in C (am_links, csrc/linktable.c): sorted rows
    of word -> hidden and hidden -> url weights and the reverse index url ->
    hidden, a row journal for transactions, training and the forward pass.

    Layers: 0 word -> hidden, 1 hidden -> url, 2 url -> hidden (read only).
    Scoring may run in any number of threads at once (per-call scratch from
    a free list); a change (set, train, remove_url, transactions) needs the
    table to itself: a change that meets a running call raises KernelError
    instead of racing it.  ``list.pop``/``list.append`` are atomic under the
    GIL, and so are the reader/writer counts, which change only with the GIL.
    """
    cdef am_links *L
    cdef list _free
    cdef readonly int64_t weights_trained
    cdef int _readers
    cdef bint _writing

    def __cinit__(self):
        _check(am_lt_new(&self.L), "am_lt_new")
        self._free = []

    def __dealloc__(self):
        am_lt_free(self.L)

    cdef int _idle(self) except -1:
        """A change may start: no call is reading or changing the table.
        Changes that keep the GIL need no more; train, which releases it,
        also marks itself writing."""
        if self._readers or self._writing:
            raise KernelError("LinkTable: changed while another call uses it (hold the net's lock)")
        return 0

    cdef int _unchanging(self) except -1:
        """No change runs (reads that keep the GIL need no more)."""
        if self._writing:
            raise KernelError("LinkTable: read while a change runs (hold the net's lock)")
        return 0

    cdef int _read(self) except -1:
        """A read that releases the GIL: counted, so that no change starts."""
        self._unchanging()
        self._readers += 1
        return 0

    @property
    def nbytes(self):
        """Bytes the C table has allocated: rows (with their spare
        capacity), journal and training scratch.  Not seen by tracemalloc."""
        self._unchanging()
        return am_lt_bytes(self.L)

    def rows(self, int layer):
        """Rows of a layer: words (0), hidden neurons (1) or urls (2)."""
        if not 0 <= layer <= 2:
            raise ShapeError(f"layer: expected 0, 1 or 2; got {layer}")
        return am_lt_rows(self.L, layer)

    def add_row(self, int layer, int64_t order=0):
        """A new row (word, hidden neuron or url); its id.  A hidden neuron
        sorts by ``order`` (ties by id)."""
        cdef int64_t i = 0
        if not 0 <= layer <= 2:
            raise ShapeError(f"layer: expected 0, 1 or 2; got {layer}")
        self._idle()
        _check(am_lt_add_row(self.L, layer, order, &i), "am_lt_add_row")
        return i

    def add_rows(self, int layer, const int64_t[::1] orders):
        """``len(orders)`` new rows of a layer, a hidden neuron's sorting by
        its order (other layers ignore the values); their ids, consecutive,
        as int64.  Running out of memory raises with the rows added so far
        kept (unnamed rows, which nothing links)."""
        cdef Py_ssize_t k, n = orders.shape[0]
        cdef int64_t i = 0
        out = np.empty(n, dtype=np.int64)
        cdef int64_t[::1] ids = out
        if not 0 <= layer <= 2:
            raise ShapeError(f"layer: expected 0, 1 or 2; got {layer}")
        self._idle()
        for k in range(n):
            _check(am_lt_add_row(self.L, layer, orders[k], &i), "am_lt_add_row")
            ids[k] = i
        return out

    def set(self, int layer, int64_t row, int64_t col, double w):
        """Set or create the weight of a link (layer 0 or 1)."""
        self._idle()
        _check(am_lt_set(self.L, layer, row, col, w), "am_lt_set")

    def set_many(self, int layer, const int64_t[::1] rows, const int64_t[::1] cols, const double[::1] weights):
        """Set or create the links rows[i] -> cols[i] of a layer (0 or 1)
        to weights[i], in one call (a repeated link: the last weight wins).
        An index out of range raises and changes nothing."""
        cdef int64_t zero = 0
        cdef double dzero = 0.0
        cdef int64_t n = rows.shape[0]
        if cols.shape[0] != n:
            raise ShapeError(f"cols: expected one per row ({n}); got {cols.shape[0]}")
        if weights.shape[0] != n:
            raise ShapeError(f"weights: expected one per row ({n}); got {weights.shape[0]}")
        self._idle()
        _check(am_lt_set_many(self.L, layer, n, &rows[0] if n else &zero, &cols[0] if n else &zero,
                              &weights[0] if n else &dzero), "am_lt_set_many")

    def get(self, int layer, int64_t row, int64_t col):
        """A link's weight, or None if there is none."""
        cdef double w = 0.0
        cdef int found = 0
        self._unchanging()
        _check(am_lt_get(self.L, layer, row, col, &w, &found), "am_lt_get")
        return w if found else None

    def row(self, int layer, int64_t row):
        """A row as {column: weight} (layer 2: {hidden: None}), in row order."""
        cdef int64_t n = 0, e
        cdef const int64_t *col = NULL
        cdef const double *w = NULL
        self._unchanging()
        _check(am_lt_row(self.L, layer, row, &n, &col, &w), "am_lt_row")
        if w == NULL:
            return {col[e]: None for e in range(n)}
        return {col[e]: w[e] for e in range(n)}

    def column(self, int64_t u):
        """The hidden -> url weights into url u: {hidden: weight}."""
        cdef int64_t n = 0, e, m = 0
        cdef const int64_t *hidden = NULL
        cdef const int64_t *at = NULL
        cdef const int64_t *hcol = NULL
        cdef const double *hw = NULL
        self._unchanging()
        _check(am_lt_column(self.L, u, &n, &hidden, &at), "am_lt_column")
        out = {}
        for e in range(n):
            _check(am_lt_row(self.L, 1, hidden[e], &m, &hcol, &hw), "am_lt_row")
            out[hidden[e]] = hw[at[e]]
        return out

    def remove_url(self, int64_t u):
        self._idle()
        _check(am_lt_remove_url(self.L, u), "am_lt_remove_url")

    def clear_word(self, int64_t w):
        """Drop word w's links (the row stays, empty)."""
        self._idle()
        _check(am_lt_clear_word(self.L, w), "am_lt_clear_word")

    def begin(self):
        self._idle()
        _check(am_lt_begin(self.L), "am_lt_begin")

    def commit(self):
        self._idle()
        _check(am_lt_commit(self.L), "am_lt_commit")

    def rollback(self):
        self._idle()
        _check(am_lt_rollback(self.L), "am_lt_rollback")

    def length(self, int layer, int64_t row):
        """Links in a row (AM_LT_UH: the links into a url)."""
        cdef int64_t n = 0
        cdef const int64_t *col = NULL
        cdef const double *w = NULL
        self._unchanging()
        _check(am_lt_row(self.L, layer, row, &n, &col, &w), "am_lt_row")
        return n

    def changes(self):
        """The open transaction's changes (am_lt_changes): arrays layer
        (int8: 0 word -> hidden, 1 hidden -> url), fresh (bool: created),
        row, col (int64) and w (float64, the weight now)."""
        cdef int64_t n = 0, m = 0
        self._unchanging()  # keeps the GIL
        _check(am_lt_changes(self.L, 0, &n, NULL, NULL, NULL, NULL, NULL), "am_lt_changes")
        layer = np.empty(max(n, 1), dtype=np.int8)
        fresh = np.empty(max(n, 1), dtype=np.int8)
        row = np.empty(max(n, 1), dtype=np.int64)
        col = np.empty(max(n, 1), dtype=np.int64)
        w = np.empty(max(n, 1), dtype=np.float64)
        if n:
            _fill_changes(self.L, n, layer, fresh, row, col, w, &m)
        return layer[:n], fresh[:n].view(np.bool_), row[:n], col[:n], w[:n]

    def train(self, const int64_t[::1] words, const int64_t[::1] urls, int64_t clicked, double rate,
              double default_wh, bint learn):
        """One click (am_lt_train): word ids, url ids, the clicked url's
        position in urls.  Adds the size of its sub-network (nw nh + nh nu
        weights) to ``weights_trained``."""
        cdef int st
        cdef int64_t nh = 0
        cdef int64_t zero = 0
        cdef int64_t nw = words.shape[0], nu = urls.shape[0]
        if nu == 0:
            raise ShapeError("urls: expected at least one url id")
        self._idle()
        self._writing = True  # the GIL is released: readers must see the change running
        try:
            with nogil:
                st = am_lt_train(self.L, nw, &words[0] if nw else &zero, nu, &urls[0], clicked, rate,
                                 default_wh, learn, &nh)
        finally:
            self._writing = False
        _check(st, "am_lt_train")
        self.weights_trained += nh * (nw + nu)

    def train_clicks(self, const int64_t[::1] w_ptr, const int64_t[::1] words, const int64_t[::1] u_ptr,
                     const int64_t[::1] urls, const int64_t[::1] clicked, const int64_t[::1] hidden,
                     const uint8_t[::1] created, double new_word_weight, double new_url_weight,
                     bint link_new_urls, double rate, double default_wh, bint learn):
        """Many clicks in one call (am_lt_train_clicks): click i is word ids
        ``words[w_ptr[i]:w_ptr[i + 1]]`` and url ids likewise, its hidden
        neuron ``hidden[i]`` (-1: none; ``created[i]``: give it its first
        links) and ``clicked[i]``, the clicked url's position in its urls
        (-1: create the hidden neuron's links only).  Adds the size of the
        sub-networks trained to ``weights_trained``.  A failure leaves click
        i half done: call it inside a transaction."""
        cdef int st
        cdef int64_t n = clicked.shape[0], i, trained = 0, done = 0, zero = 0
        if w_ptr.shape[0] != n + 1 or u_ptr.shape[0] != n + 1 or hidden.shape[0] != n or created.shape[0] != n:
            raise ShapeError("clicks: w_ptr and u_ptr must have n + 1 entries, hidden and created n "
                             "(n: the length of clicked)")
        if w_ptr[0] != 0 or u_ptr[0] != 0 or w_ptr[n] != words.shape[0] or u_ptr[n] != urls.shape[0]:
            raise ShapeError("clicks: pointers must start at 0 and end at the number of entries")
        for i in range(n):
            if w_ptr[i + 1] < w_ptr[i] or u_ptr[i + 1] <= u_ptr[i]:
                raise ShapeError(f"clicks[{i}]: pointers must not decrease, and a click needs a url")
            if clicked[i] < -1 or clicked[i] >= u_ptr[i + 1] - u_ptr[i]:
                raise ShapeError(f"clicked[{i}]: expected -1 or a position in the click's urls; got {clicked[i]}")
        if n == 0:
            return
        cdef const int64_t *wp = &words[0] if words.shape[0] else &zero
        cdef int64_t start = 0, step
        self._idle()
        self._writing = True  # the GIL is released: readers must see the change running
        try:
            # TRAIN_CHUNK clicks a call, Ctrl-C checked between calls: a long
            # batch (a late click under the book's rules takes 10 ms) stops
            # at once, half done (the caller's transaction rolls it back)
            while start < n:
                step = min(n - start, TRAIN_CHUNK)
                with nogil:
                    st = am_lt_train_clicks(self.L, step, &w_ptr[start], wp, &u_ptr[start], &urls[0],
                                            &clicked[start], &hidden[start], &created[start], new_word_weight,
                                            new_url_weight, link_new_urls, rate, default_wh, learn, &trained, &done)
                self.weights_trained += trained
                if st != AM_OK:
                    _check(st, f"am_lt_train_clicks (click {start + done})")
                start += step
                PyErr_CheckSignals()
        finally:
            self._writing = False

    cdef _Scratch _take(self):
        cdef int64_t nh = am_lt_rows(self.L, 1), nu = am_lt_rows(self.L, 2)
        cdef _Scratch sc
        while self._free:
            sc = self._free.pop()
            if sc.hmark.shape[0] >= nh and sc.umark.shape[0] >= nu:
                return sc
        # a little room to grow, so that a growing net does not remake them per call
        return _Scratch(nh + nh // 4 + 16, nu + nu // 4 + 16)

    cdef int _call(self, _Scratch sc, double default_wh, int64_t nq, const int64_t *qw_ptr, const int64_t *qw,
                   const int64_t *qn, const int64_t *qu_ptr, const int64_t *qu, double *out) except -1:
        # the caller holds a read (self._read): the table cannot grow under
        # the scratch taken for its current size
        cdef int st
        with nogil:
            st = am_lt_forward(self.L, default_wh, nq, qw_ptr, qw, qn, qu_ptr, qu,
                               &sc.hmark[0], &sc.hsum[0], &sc.hcnt[0], &sc.umark[0], &sc.hlist[0], out)
        # a failed call may leave marks set: its scratch is dropped, not reused
        _check(st, "am_lt_forward")
        self._free.append(sc)
        return 0

    def score(self, list words, int64_t n_words, list urls, double default_wh):
        """Scores (list of floats) of one query: known word ids, the number
        of query words, url ids (-1 for unknown urls)."""
        cdef Py_ssize_t nw = len(words), nu = len(urls)
        self._read()
        try:
            return self._score(words, n_words, urls, default_wh, nw, nu)
        finally:
            self._readers -= 1

    def score_keys(self, dict word_id, dict url_id, list words, list urls, double default_wh):
        """Scores (list of floats) of one query given as keys: the words
        and urls are mapped to ids through word_id and url_id (an unknown
        word is left out, an unknown url scores 0)."""
        self._read()
        try:
            return self._score_keys(word_id, url_id, words, urls, default_wh)
        finally:
            self._readers -= 1

    cdef _Scratch _take_query(self, Py_ssize_t nw, Py_ssize_t nu):
        """Scratch memory with room for a query of nw words and nu urls."""
        cdef _Scratch sc = self._take()
        if sc.q_w.shape[0] < nw:
            sc.q_w = np.zeros(2 * nw, dtype=np.int64)
        if sc.q_u.shape[0] < nu:
            sc.q_u = np.zeros(2 * nu, dtype=np.int64)
        return sc

    cdef list _score_keys(self, dict word_id, dict url_id, list words, list urls, double default_wh):
        cdef Py_ssize_t k, nw = 0, nu = len(urls)
        cdef _Scratch sc = self._take_query(len(words), nu)
        for w in words:
            i = word_id.get(w)
            if i is not None:
                sc.q_w[nw] = i
                nw += 1
        for k in range(nu):
            i = url_id.get(urls[k])
            sc.q_u[k] = -1 if i is None else i
        return self._run_one(sc, len(words), default_wh, nw, nu)

    cdef list _score(self, list words, int64_t n_words, list urls, double default_wh, Py_ssize_t nw, Py_ssize_t nu):
        cdef Py_ssize_t k
        cdef _Scratch sc = self._take_query(nw, nu)
        for k in range(nw):
            sc.q_w[k] = words[k]
        for k in range(nu):
            sc.q_u[k] = urls[k]
        return self._run_one(sc, n_words, default_wh, nw, nu)

    cdef list _run_one(self, _Scratch sc, int64_t n_words, double default_wh, Py_ssize_t nw, Py_ssize_t nu):
        """Score the query in sc.q_w[:nw] / sc.q_u[:nu]."""
        out = np.empty(max(nu, 1), dtype=np.float64)
        cdef double[::1] ov = out
        cdef int64_t wp[2]
        cdef int64_t up[2]
        wp[0] = 0
        wp[1] = nw
        up[0] = 0
        up[1] = nu
        self._call(sc, default_wh, 1, wp, &sc.q_w[0], &n_words, up, &sc.q_u[0], &ov[0])
        return out[:nu].tolist()

    def run(self, const int64_t[::1] qw_ptr, const int64_t[::1] qw, const int64_t[::1] qn,
            const int64_t[::1] qu_ptr, const int64_t[::1] qu, double default_wh):
        """Scores of many queries' urls, concatenated (float64)."""
        cdef int64_t nq = qn.shape[0]
        if qw_ptr.shape[0] != nq + 1 or qu_ptr.shape[0] != nq + 1:
            raise ShapeError("queries: pointer arrays must have n_queries + 1 entries")
        if qw_ptr[nq] != qw.shape[0] or qu_ptr[nq] != qu.shape[0] or qw_ptr[0] != 0 or qu_ptr[0] != 0:
            raise ShapeError("queries: pointers must start at 0 and end at the number of entries")
        out = np.empty(max(qu.shape[0], 1), dtype=np.float64)
        cdef double[::1] ov = out
        cdef int64_t zero = 0
        if nq == 0:
            return out[:0]
        self._read()
        try:
            self._call(self._take(), default_wh, nq, &qw_ptr[0], &qw[0] if qw.shape[0] else &zero, &qn[0],
                       &qu_ptr[0], &qu[0] if qu.shape[0] else &zero, &ov[0])
        finally:
            self._readers -= 1
        return out[:qu.shape[0]]


def backprop(double[:, ::1] wi, const uint8_t[:, ::1] mi, double[:, ::1] wo,
             const uint8_t[:, ::1] mo, const double[::1] targets, double rate):
    """One backpropagation step in place; returns (ah, ao) before the step."""
    cdef int64_t nw = wi.shape[0], nh = wi.shape[1], nu = wo.shape[1]
    if wo.shape[0] != nh or mi.shape[0] != nw or mi.shape[1] != nh or mo.shape[0] != nh \
            or mo.shape[1] != nu or targets.shape[0] != nu:
        raise ShapeError("backprop: wi (nw, nh), wo (nh, nu), masks and targets (nu,) must agree")
    ah = np.zeros(max(nh, 1), dtype=np.float64)
    ao = np.zeros(max(nu, 1), dtype=np.float64)
    dh = np.zeros(max(nh, 1), dtype=np.float64)
    do = np.zeros(max(nu, 1), dtype=np.float64)
    cdef double[::1] ahv = ah, aov = ao, dhv = dh, dov = do
    cdef double dummy = 0.0
    cdef uint8_t dummy_m = 0
    cdef int st
    with nogil:
        st = am_sn_backprop(nw, nh, nu,
                            &wi[0, 0] if nw and nh else &dummy, &mi[0, 0] if nw and nh else &dummy_m,
                            &wo[0, 0] if nh and nu else &dummy, &mo[0, 0] if nh and nu else &dummy_m,
                            &targets[0] if nu else &dummy, rate, &ahv[0], &aov[0], &dhv[0], &dov[0])
    _check(st, "am_sn_backprop")
    return ah[:nh], ao[:nu]
