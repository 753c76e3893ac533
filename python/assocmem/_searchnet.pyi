"""Type stubs of the compiled search-net kernels (src/_searchnet.pyx)."""

from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

class LinkTable:
    """The search net's links in C (am_links): word -> hidden rows (sorted),
    hidden -> url rows and the reverse url -> hidden index, a row journal
    for transactions, training and the forward pass.  Layers: 0 word ->
    hidden, 1 hidden -> url, 2 url -> hidden.  Scoring may run in many
    threads at once; a change needs the table to itself (KernelError if it
    meets a running call)."""

    @property
    def weights_trained(self) -> int:
        """Sum over the clicks trained of their sub-network's weights."""
    @property
    def nbytes(self) -> int:
        """Bytes the C table has allocated: rows (with their spare
        capacity), journal and training scratch.  Not seen by tracemalloc."""
    def rows(self, layer: int) -> int: ...
    def add_row(self, layer: int, order: int = 0) -> int:
        """A new row (word, hidden neuron or url); its id.  A hidden neuron
        sorts by order (ties by id)."""
    def add_rows(self, layer: int, orders: I64) -> I64:
        """len(orders) new rows of a layer (a hidden neuron sorts by its
        order); their ids, consecutive."""
    def set(self, layer: int, row: int, col: int, w: float) -> None: ...
    def set_many(self, layer: int, rows: I64, cols: I64, weights: F64) -> None:
        """Set or create the links rows[i] -> cols[i] of a layer to weights[i]."""
    def get(self, layer: int, row: int, col: int) -> float | None: ...
    def row(self, layer: int, row: int) -> dict[int, float | None]: ...
    def column(self, u: int) -> dict[int, float]:
        """The hidden -> url weights into url u."""
    def remove_url(self, u: int) -> None:
        """Drop every link to url u (the row stays, empty)."""
    def clear_word(self, w: int) -> None:
        """Drop word w's links (the row stays, empty)."""
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def length(self, layer: int, row: int) -> int:
        """Links in a row (layer 2: the links into a url)."""
    def changes(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_], I64, I64, F64]:
        """The open transaction's created and changed links: layer, fresh, row, col, w."""
    def train(self, words: I64, urls: I64, clicked: int, rate: float, default_wh: float, learn: bool) -> None:
        """One click: word ids, url ids, the clicked url's position in urls
        (adds its sub-network's weights to weights_trained)."""
    def train_clicks(self, w_ptr: I64, words: I64, u_ptr: I64, urls: I64, clicked: I64, hidden: I64,
                     created: npt.NDArray[np.uint8], new_word_weight: float, new_url_weight: float,
                     link_new_urls: bool, rate: float, default_wh: float, learn: bool) -> None:
        """Many clicks in order, each creating its hidden neuron's links
        first (hidden[i] -1: none; clicked[i] -1: no training)."""
    def score(self, words: list[int], n_words: int, urls: list[int], default_wh: float) -> list[float]:
        """Scores of one query: known word ids, the number of query words,
        url ids (-1 for an unknown url)."""
    def score_keys(self, word_id: dict[Any, int], url_id: dict[Any, int], words: list[Any], urls: list[Any],
                   default_wh: float) -> list[float]:
        """Scores of one query given as keys, mapped to ids through word_id
        and url_id (unknown words left out, unknown urls score 0)."""
    def run(self, qw_ptr: I64, qw: I64, qn: I64, qu_ptr: I64, qu: I64, default_wh: float) -> F64:
        """Scores of many queries' urls, concatenated."""

def plain_keys(keys: Any) -> list[str | int] | None:
    """keys as a new list when a non-empty list or tuple of distinct exact
    str / int keys; else None."""

def orders(texts: list[str]) -> I64:
    """A stable 63-bit hash of each str (the hidden order of the keys whose repr they are)."""

def backprop(wi: F64, mi: U8, wo: F64, mo: U8, targets: F64, rate: float) -> tuple[F64, F64]:
    """One backpropagation step in place on a dense sub-network; (ah, ao)
    before the step.  mi / mo: 1 where a weight may learn."""

def split_links(nodes: list[str], hidden: list[str | None], weights: list[float | None], port: dict[str, tuple[int, int]],
                hidden_id: dict[str, int]) -> tuple[tuple[I64, I64, F64], tuple[I64, I64, F64], dict[str, int]]:
    """Loaded rows as the two layers' set_many arguments, and each node's
    number of links."""
