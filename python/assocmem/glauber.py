"""Recall at a temperature: Glauber dynamics for every learning rule.

At temperature T > 0 a visited neuron becomes +1 with probability
``1 / (1 + exp(-2 h_i / T))`` (``h_i`` as below) and -1 otherwise; T = 0 is
the deterministic update of :meth:`assocmem.Hopfield.recall`, run by the C
kernels, bit for bit as before.

Random numbers come from ``numpy.random.default_rng(seed)`` in one documented
order, so a seed reproduces a run exactly:

* ``mode="async"``: each sweep first draws its visit order (``rng.permutation(n)``
  for ``order="random"``; none for a fixed order), then ``u = rng.random(n)``;
  the k-th visit of the sweep becomes +1 iff ``u[k] < P(+1)``.
* ``mode="sync"``: each step draws ``u = rng.random(n)``; neuron i uses ``u[i]``.

The field ``h_i`` is the rule's local field minus the threshold:

* hebbian: ``H_i / n - theta_i`` (``H_i`` the exact integer field);
* storkey, pseudoinverse: ``sum_j w_ij s_j - theta_i`` in double;
* covariance (0/1 neurons): the covariance field minus theta, and the neuron
  becomes 1 (active) with the same probability;
* dense: ``D_i / (4 n)`` with ``D_i`` the energy difference of the dense rule,
  so that ``degree=2`` at temperature T is the Hebbian network at T.

At T > 0 the state keeps fluctuating, so ``converged`` is not meaningful:
every recall runs ``max_sweeps`` sweeps and reports ``converged=False``.
This engine visits neurons one at a time in NumPy (a few microseconds per
visit); T = 0 never goes through it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["field_function", "p_plus"]


def field_function(net: Any, s: np.ndarray) -> tuple[Callable[[int], float], Callable[[int, int], None]]:
    """(field(i), flipped(i, new)): the rule's h_i - theta_i for the current
    s, and the bookkeeping after s[i] changed (each rule's memory,
    :mod:`assocmem.memories`, provides them)."""
    return net._field_function(s)


def p_plus(h: float, temperature: float) -> float:
    """1 / (1 + exp(-2 h / T)), without overflow."""
    x = -2.0 * h / temperature
    if x > 700:
        return 0.0
    return 1.0 / (1.0 + math.exp(x))
