"""Argument checks shared by the public API.

Each check names the argument, what was expected and what was received, and
never coerces silently: a float array is accepted as a bipolar state only if
every value is exactly +1.0 or -1.0.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, ShapeError, StateValueError


def _describe(values: np.ndarray, limit: int = 5) -> str:
    uniq = np.unique(values[~np.isnan(values)] if values.dtype.kind == "f" else values)
    shown = ", ".join(repr(v.item()) for v in uniq[:limit])
    more = ", ..." if uniq.size > limit else ""
    return "{" + shown + more + "}"


def as_array(name: str, value: Any) -> np.ndarray:
    """np.asarray with a clear TypeError for non-numeric input."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise ArgumentTypeError(f"{name}: expected a numeric array; got {type(value).__name__} ({exc})") from None
    if arr.dtype == np.bool_:
        raise ArgumentTypeError(
            f"{name}: expected +1/-1 values; got a boolean array (use 2 * x - 1 to map False/True to -1/+1)"
        )
    if arr.dtype.kind not in "iuf":
        raise ArgumentTypeError(f"{name}: expected a numeric array of +1/-1; got dtype {arr.dtype}")
    return arr


def _shaped(name: str, arr: np.ndarray, n: int | None, ndim: tuple[int, ...], values: str) -> np.ndarray:
    """Dimensions, non-emptiness, length n along the last axis, no NaN."""
    if arr.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise ShapeError(f"{name}: expected a {want} array; got shape {arr.shape}")
    if arr.size == 0:
        raise ShapeError(f"{name}: expected a non-empty array; got shape {arr.shape}")
    if n is not None and arr.shape[-1] != n:
        raise ShapeError(f"{name}: expected length {n} along the last axis (one value per neuron); got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise StateValueError(f"{name}: expected {values} values; got NaN")
    return arr


def bipolar(name: str, value: Any, n: int | None = None, *, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """Validate +-1 data and return it as C-contiguous int8.

    ``ndim`` lists the accepted numbers of dimensions; the last axis must have
    length ``n`` when ``n`` is given.
    """
    arr = _shaped(name, as_array(name, value), n, ndim, "+1/-1")
    ok = (arr == 1) | (arr == -1)
    if not ok.all():
        raise StateValueError(f"{name}: expected only +1/-1 values; got {_describe(arr[~ok])}")
    return np.ascontiguousarray(arr, dtype=np.int8)


#: Largest count the kernels take (int64).
INT64_MAX = 2**63 - 1


def positive_int(name: str, value: Any, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    """An integer in [minimum, maximum] (by default at most int64's range,
    which every kernel and loop counter holds)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{name}: expected an integer >= {minimum}; got {value!r}")
    v = operator.index(value)
    if v < minimum:
        raise ArgumentError(f"{name}: expected an integer >= {minimum}; got {v}")
    if v > maximum:
        raise ArgumentError(f"{name}: expected an integer <= {maximum}; got {v}")
    return v


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ArgumentError(f"{name}: expected one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def fraction(name: str, value: Any) -> float:
    """A real number in [0, 1]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"{name}: expected a number in [0, 1]; got {value!r}")
    v = float(value)
    if not (0.0 <= v <= 1.0):  # also rejects NaN
        raise ArgumentError(f"{name}: expected a number in [0, 1]; got {value!r}")
    return v


def seed(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"{name}: expected None or a non-negative integer; got {value!r}")
    if value < 0:  # the right type, a wrong value (as numpy's default_rng says, a ValueError)
        raise ArgumentError(f"{name}: expected None or a non-negative integer; got {value!r}")
    return int(value)


def permutation(name: str, value: Any, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise ArgumentTypeError(
            f"{name}: expected 'random', 'sequential' or an integer permutation of 0..{n - 1}; got dtype {arr.dtype}"
        )
    if arr.shape != (n,):
        raise ShapeError(f"{name}: expected a permutation of length {n}; got shape {arr.shape}")
    if not np.array_equal(np.sort(arr), np.arange(n)):
        raise ArgumentError(f"{name}: expected a permutation of 0..{n - 1} (each index once); got {arr[:8].tolist()}...")
    return np.ascontiguousarray(arr, dtype=np.int64)


def visit_order(name: str, value: Any, n: int) -> np.ndarray | None:
    """The visit order of async sweeps: None for "random" (a new
    permutation each sweep), 0..n-1 for "sequential", or a given
    permutation of 0..n-1 (int64)."""
    if isinstance(value, str):
        choice(name, value, ("random", "sequential"))
        return None if value == "random" else np.arange(n, dtype=np.int64)
    return permutation(name, value, n)


def binary01(name: str, value: Any, n: int | None = None, *, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """Validate {0, 1} data (0/1 neurons) and return it as C-contiguous int8."""
    arr = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int8)
    arr = _shaped(name, as_array(name, arr), n, ndim, "0/1")
    ok = (arr == 0) | (arr == 1)
    if not ok.all():
        raise StateValueError(f"{name}: expected only 0/1 values (this network has 0/1 neurons); got {_describe(arr[~ok])}")
    return np.ascontiguousarray(arr, dtype=np.int8)
