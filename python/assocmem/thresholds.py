"""Neuron thresholds: one definition for the core, the kernels and the graph.

A neuron fires (+1) when its field reaches its threshold: h_i / n >= theta_i
for the Hebbian rule, where h_i is the exact integer field.  The kernels and
the pure-Cypher loop compare integers instead, h_i >= T_i with
T_i = ceil(n theta_i) computed exactly (:func:`integer_thresholds`), so every
implementation makes the same decision for every float theta.  The energy's
threshold term is summed in one fixed order (:func:`theta_term`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ._validate import as_array
from .errors import ArgumentError, ShapeError

__all__ = ["T_LIMIT", "as_thresholds", "integer_thresholds", "theta_term"]

#: Integer thresholds are clipped to +-2**62: every exact field is far inside.
T_LIMIT = 2**62


def as_thresholds(value: Any, n: int) -> np.ndarray:
    """Thresholds theta of n neurons as a float64 array: None gives zeros, a
    scalar is broadcast; anything else must have shape (n,) and be finite
    (ShapeError / ArgumentError naming ``thresholds`` otherwise)."""
    if value is None:
        return np.zeros(n, dtype=np.float64)
    arr = as_array("thresholds", value)
    if arr.ndim == 0:
        arr = np.full(n, float(arr), dtype=np.float64)
    if arr.shape != (n,):
        raise ShapeError(f"thresholds: expected a scalar or shape ({n},); got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ArgumentError("thresholds: expected finite numbers; got NaN or infinity")
    return arr


def integer_thresholds(theta: np.ndarray, n: int) -> np.ndarray:
    """T_i = ceil(n * theta_i), exactly (H_i / n >= theta_i  <=>  H_i >= T_i),
    clipped to +-T_LIMIT; int64."""
    if not theta.any():
        return np.zeros(theta.shape[0], dtype=np.int64)
    out = np.empty(theta.shape[0], dtype=np.int64)
    for i, t in enumerate(theta.tolist()):
        c = math.ceil(Fraction(t) * n)
        out[i] = max(-T_LIMIT, min(T_LIMIT, c))
    return out


def theta_term(theta: np.ndarray, s: np.ndarray) -> float:
    """sum_i theta_i s_i, summed in index order (np.cumsum is sequential):
    the one order every implementation (C kernel, graph loop) uses."""
    return float(np.cumsum(theta * s)[-1]) if theta.any() else 0.0
