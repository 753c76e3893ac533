"""assocmem: associative memories and search-ranking nets on compiled kernels,
mirrored into a graph database."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    ArgumentError,
    ArgumentTypeError,
    AssocmemError,
    FormatError,
    ShapeError,
    StateValueError,
)
from .hopfield import Hopfield, RecallResult
from .searchnet import SearchNet

try:
    __version__ = version("assocmem")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Hopfield",
    "RecallResult",
    "SearchNet",
    "AssocmemError",
    "ArgumentError",
    "ArgumentTypeError",
    "ShapeError",
    "StateValueError",
    "FormatError",
    "__version__",
]
