"""Dense associative memories: the engine behind ``Hopfield.store(...,
rule="dense")``.

Krotov and Hopfield (2016) replace the quadratic energy by
``E(s) = -sum_mu F(xi^mu . s)``; with ``F(x) = x^d`` (polynomial) or, after
Demircigil et al. (2017), ``F(x) = exp(beta x)`` (exponential) the network
stores many more patterns, correlated ones included, with large basins.

Asynchronous update of neuron i, with ``m_mu = sum_{j != i} xi_j^mu s_j``::

    s_i <- +1  iff  sum_mu [F(m_mu + xi_i^mu) - F(m_mu - xi_i^mu)] >= 0

* Polynomial: decided exactly in 64-bit integers.  Every sum is bounded by
  ``p (n^d - (n - 2)^d)``; a network where that reaches 2^63 is refused when
  the patterns are stored.  ``degree=2`` is the Hebbian network with zero
  thresholds, state for state.  The energy is computed exactly (Python
  integers) and reported as a float.
* Exponential: ``sum_mu xi_i^mu exp(beta (m_mu - c))`` in double, in
  pattern order, with ``c = max_nu M_nu + 1`` (the largest exponent any
  visit can meet) subtracted so that no term exceeds 1 and nothing
  overflows; its sign decides (0.0 goes to +1).  The energy
  ``-sum_mu exp(beta M_mu)`` is summed in pattern order; ``beta n`` is
  limited to 690 so every term is a finite double.

A visit depends on neuron i only through ``xi_i^mu s_i``, so the kernels
tabulate the p terms for the current overlaps and rebuild the table after
each flip: a visit costs p additions, a flip O(p d) (or p exponentials), and
no n x n matrix exists.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError

#: beta * n above this would make exp(beta * M) overflow a double.
MAX_BETA_N = 690.0


def parameters(degree: Any, beta: Any) -> tuple[int, float]:
    """Validate ``degree`` / ``beta`` (exactly one); returns (d, beta) with
    d = 0 for the exponential interaction."""
    if (degree is None) == (beta is None):
        raise ArgumentError("degree/beta: the dense rule takes exactly one of degree (F = x^d) and beta "
                            f"(F = exp(beta x)); got degree={degree!r}, beta={beta!r}")
    if degree is not None:
        if isinstance(degree, (bool, np.bool_)) or not isinstance(degree, numbers.Integral):
            raise ArgumentTypeError(f"degree: expected an integer >= 2; got {degree!r}")
        if int(degree) < 2:
            raise ArgumentError(f"degree: expected an integer >= 2; got {int(degree)}")
        return int(degree), 0.0
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
        raise ArgumentTypeError(f"beta: expected a positive number; got {beta!r}")
    b = float(beta)
    if not (b > 0 and math.isfinite(b)):
        raise ArgumentError(f"beta: expected a positive finite number; got {beta!r}")
    return 0, b


def describe(d: int, beta: float) -> dict[str, Any]:
    return {"degree": d} if d else {"beta": beta}


def check_fits(n: int, p: int, d: int, beta: float) -> None:
    """Refuse a network whose exact arithmetic would overflow."""
    if d:
        bound = p * (n**d - (n - 2) ** d)
        if bound >= 2**63:
            raise ArgumentError(
                f"degree: {p} patterns of {n} neurons at degree {d} exceed exact 64-bit arithmetic "
                f"(p (n^d - (n-2)^d) = {bound:.3g} >= 2^63); use a lower degree, fewer patterns or beta"
            )
    elif beta * n > MAX_BETA_N:
        raise ArgumentError(f"beta: beta * n must be at most {MAX_BETA_N:g} (exp(beta M) overflows a double "
                            f"beyond); got {beta} * {n} = {beta * n:g}")


def energy(m: np.ndarray, d: int, beta: float) -> float:
    """E = -sum_mu F(M_mu): exact integers for the polynomial."""
    if d:
        return float(-sum(int(v) ** d for v in m.tolist()))
    total = 0.0
    for v in m.tolist():  # pattern order, as documented
        total += math.exp(beta * v)
    return -total
