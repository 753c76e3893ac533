"""Type stubs of the compiled search-net kernels (src/_searchnet.pyx)."""

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

class Forward:
    """The forward pass over a CSR snapshot of the links (am_sn_forward);
    safe to share between threads (per-call scratch from a free list)."""

    @property
    def n_words(self) -> int: ...
    @property
    def n_hidden(self) -> int: ...
    @property
    def n_urls(self) -> int: ...
    @property
    def default_wh(self) -> float: ...
    def __init__(self, wh_ptr: I64, wh_idx: I64, wh_w: F64, hu_ptr: I64, hu_idx: I64, hu_w: F64, uh_ptr: I64,
                 uh_idx: I64, default_wh: float) -> None: ...
    def score(self, words: list[int], n_words: int, urls: list[int]) -> list[float]:
        """Scores of one query: known word ids, the number of query words,
        url ids (-1 for an unknown url)."""
    def run(self, qw_ptr: I64, qw: I64, qn: I64, qu_ptr: I64, qu: I64) -> F64:
        """Scores of many queries' urls, concatenated."""

def backprop(wi: F64, mi: U8, wo: F64, mo: U8, targets: F64, rate: float) -> tuple[F64, F64]:
    """One backpropagation step in place on a dense sub-network; (ah, ao)
    before the step.  mi / mo: 1 where a weight may learn."""
