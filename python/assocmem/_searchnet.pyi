"""Type stubs of the compiled search-net kernels (src/_searchnet.pyx)."""

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

class Forward:
    """An immutable CSR snapshot of the links; scoring is safe from any
    number of threads (scratch memory belongs to the call)."""

    n_words: int
    n_hidden: int
    n_urls: int
    default_wh: float
    def __init__(
        self, wh_ptr: I64, wh_idx: I64, wh_w: F64, hu_ptr: I64, hu_idx: I64, hu_w: F64, uh_ptr: I64, uh_idx: I64,
        default_wh: float,
    ) -> None: ...
    def score(self, words: list[int], n_words: int, urls: list[int]) -> list[float]: ...
    def run(self, qw_ptr: I64, qw: I64, qn: I64, qu_ptr: I64, qu: I64) -> F64: ...

def backprop(
    wi: F64, mi: npt.NDArray[np.uint8], wo: F64, mo: npt.NDArray[np.uint8], targets: F64, rate: float
) -> tuple[F64, F64]: ...
