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
    """(field(i), flipped(i, new)) over the network's private state: the
    rule's h_i for the current s, and the bookkeeping after s[i] changed."""
    n, rule = net.n_neurons, net.rule
    theta = np.asarray(net.thresholds, dtype=np.float64)
    if rule == "hebbian":
        xt = net._xt.astype(np.int64)
        p = xt.shape[1]
        m = xt.T @ s.astype(np.int64)

        def field(i: int) -> float:
            return (int(xt[i] @ m) - p * int(s[i])) / n - theta[i]

        def flipped(i: int, new: int) -> None:
            m[:] += 2 * new * xt[i]

        return field, flipped
    if rule == "storkey":
        w = net._w

        def field(i: int) -> float:
            return float(w[i] @ s.astype(np.float64)) - theta[i]

        return field, lambda i, new: None
    if rule == "pseudoinverse":
        a, d, xt = net._a, net._d, net._xt.astype(np.int64)
        m = xt.T @ s.astype(np.int64)

        def field(i: int) -> float:
            return float(a[i] @ m.astype(np.float64)) - d[i] * float(s[i]) - theta[i]

        def flipped(i: int, new: int) -> None:
            m[:] += 2 * new * xt[i]

        return field, flipped
    if rule == "covariance":
        xt, act = net._binary_xt().astype(np.int64), net._activity
        wdiag = net._binary_wdiag()
        k = xt.T @ s.astype(np.int64)
        active = [int(s.sum())]

        def field(i: int) -> float:
            return float((xt[i] - act) @ (k - act * active[0])) / n - wdiag[i] * float(s[i]) - theta[i]

        def flipped(i: int, new: int) -> None:
            k[:] += (1 if new else -1) * xt[i]
            active[0] += 1 if new else -1

        return field, flipped
    # dense
    deg, beta = net._dense
    xt = net._xt.astype(np.int64)
    m = xt.T @ s.astype(np.int64)

    def field(i: int) -> float:
        mi = m - xt[i] * int(s[i])
        if deg:
            diff = sum(int(x) * ((v + 1) ** deg - (v - 1) ** deg) for x, v in zip(xt[i].tolist(), mi.tolist()))
            return diff / (4.0 * n)
        top = float(mi.max())
        # D_i = sum_mu [exp(b(m+xi)) - exp(b(m-xi))] = 2 sinh(b) sum_mu xi exp(b m)
        total = float(xt[i] @ np.exp(beta * (mi - top)))
        return 2.0 * math.sinh(beta) * total * math.exp(beta * top) / (4.0 * n)

    def flipped(i: int, new: int) -> None:
        m[:] += 2 * new * xt[i]

    return field, flipped


def p_plus(h: float, temperature: float) -> float:
    """1 / (1 + exp(-2 h / T)), without overflow."""
    x = -2.0 * h / temperature
    if x > 700:
        return 0.0
    return 1.0 / (1.0 + math.exp(x))
