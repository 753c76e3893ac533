"""Slow, obviously-correct NumPy reference of the Hopfield semantics.

Deliberately independent of the kernels' tricks: dense int64 counts, the
field recomputed from scratch per neuron, the threshold compared in exact
rational arithmetic, and the energy from the direct double sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np


def counts(patterns: np.ndarray) -> np.ndarray:
    x = np.asarray(patterns, dtype=np.int64)
    c = x.T @ x
    np.fill_diagonal(c, 0)
    return c


def energy(c: np.ndarray, theta: np.ndarray, s: np.ndarray) -> float:
    """-1/2 sum_ij (C_ij / n) s_i s_j + theta . s, the quadratic part exact."""
    n = len(s)
    s64 = np.asarray(s, dtype=np.int64)
    q = int(s64 @ c @ s64)
    # threshold term summed in index order (np.cumsum is sequential)
    t = float(np.cumsum(np.asarray(theta, dtype=np.float64) * s64)[-1])
    return -q / (2.0 * n) + t


@dataclass
class Result:
    state: np.ndarray
    converged: bool
    cycle: bool
    sweeps: int
    flips: int
    energies: np.ndarray


def recall(patterns, probe, theta=None, mode="async", max_sweeps=100, seed=None, order="random") -> Result:
    x = np.asarray(patterns, dtype=np.int64)
    n = x.shape[1]
    c = counts(x)
    theta = np.zeros(n) if theta is None else np.asarray(theta, dtype=np.float64)
    th = [Fraction(float(t)) for t in theta]

    def fires(i: int, h: int) -> int:
        return 1 if Fraction(h, n) >= th[i] else -1

    s = np.asarray(probe, dtype=np.int64).copy()
    energies = [energy(c, theta, s)]
    flips = sweeps = 0
    converged = cycle = False
    if mode == "async":
        rng = np.random.default_rng(seed)
        while sweeps < max_sweeps:
            if isinstance(order, str):
                perm = rng.permutation(n) if order == "random" else np.arange(n)
            else:
                perm = np.asarray(order)
            changed = 0
            for i in perm:
                new = fires(i, int(c[i] @ s))
                if new != s[i]:
                    s[i] = new
                    changed += 1
            sweeps += 1
            flips += changed
            energies.append(energy(c, theta, s))
            if changed == 0:
                converged = True
                break
    else:
        prev = None
        while sweeps < max_sweeps:
            h = c @ s
            new = np.array([fires(i, int(h[i])) for i in range(n)], dtype=np.int64)
            changed = int((new != s).sum())
            sweeps += 1
            flips += changed
            energies.append(energy(c, theta, new))
            if changed == 0:
                converged = True
            elif prev is not None and np.array_equal(prev, new):
                cycle = True
            prev, s = s, new
            if converged or cycle:
                break
    return Result(s.astype(np.int8), converged, cycle, sweeps, flips, np.array(energies))


def random_patterns(rng: np.random.Generator, p: int, n: int) -> np.ndarray:
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))


def flip(rng: np.random.Generator, state: np.ndarray, fraction: float) -> np.ndarray:
    out = np.array(state, dtype=np.int8, copy=True)
    k = int(round(fraction * len(out)))
    idx = rng.choice(len(out), size=k, replace=False)
    out[idx] *= -1
    return out


# ------------------------------------------------------- real-valued rules
def storkey_weights(patterns: np.ndarray) -> np.ndarray:
    """Storkey (1997), vectorised from the published formula."""
    x = np.asarray(patterns, dtype=np.float64)
    n = x.shape[1]
    w = np.zeros((n, n))
    for xi in x:
        h = w @ xi  # w_ii = 0
        # h_ij = sum_{k != i, j} w_ik xi_k = h_i - w_ij xi_j
        hij = h[:, None] - w * xi[None, :]
        upd = (np.outer(xi, xi) - xi[:, None] * hij.T - hij * xi[None, :]) / n
        np.fill_diagonal(upd, 0.0)
        w = w + upd
    return w


def projection_weights(patterns: np.ndarray) -> np.ndarray:
    x = np.asarray(patterns, dtype=np.float64)
    w = np.linalg.pinv(x) @ x
    np.fill_diagonal(w, 0.0)
    return w


def recall_real(w, probe, theta=None, mode="async", max_sweeps=100, seed=None, order="random") -> Result:
    """Per-neuron reference for real weights: h_i = W[i] @ s from scratch."""
    n = len(probe)
    theta = np.zeros(n) if theta is None else np.asarray(theta, dtype=np.float64)

    def energy(s):
        return -0.5 * s @ w @ s + float(np.cumsum(theta * s)[-1])

    s = np.asarray(probe, dtype=np.float64).copy()
    energies = [energy(s)]
    sweeps = flips = 0
    converged = cycle = False
    rng = np.random.default_rng(seed)
    prev = None
    while sweeps < max_sweeps:
        if mode == "async":
            perm = (rng.permutation(n) if order == "random" else np.arange(n)) if isinstance(order, str) else order
            changed = 0
            for i in perm:
                new = 1.0 if w[i] @ s >= theta[i] else -1.0
                if new != s[i]:
                    s[i] = new
                    changed += 1
            new_state = s
        else:
            new_state = np.where(w @ s >= theta, 1.0, -1.0)
            changed = int((new_state != s).sum())
        sweeps += 1
        flips += changed
        energies.append(energy(new_state))
        if changed == 0:
            converged = True
        elif mode == "sync" and prev is not None and np.array_equal(prev, new_state):
            cycle = True
        if mode == "sync":
            prev, s = s, new_state
        if converged or cycle:
            break
    return Result(s.astype(np.int8), converged, cycle, sweeps, flips, np.array(energies))


def dense_recall(patterns, probe, degree=None, beta=None, mode="async", max_sweeps=100, seed=None,
                 order="random") -> Result:
    """Dense associative memory, per neuron, straight from the definition:
    m_mu = sum_{j != i} xi_j^mu s_j recomputed from scratch at every visit,
    s_i = +1 iff sum_mu [F(m_mu + xi_i^mu) - F(m_mu - xi_i^mu)] >= 0; Python
    integers for F = x^d; for F = exp(beta x) the documented stable form
    sum_mu xi_i^mu exp(beta (m_mu - c)), c = max_nu (xi^nu . s) + 1, summed
    in pattern order."""
    import math

    x = np.asarray(patterns, dtype=np.int64)
    p, n = x.shape
    xl = x.T.tolist()  # per neuron: its p pattern values

    def fires(i: int, s: np.ndarray) -> int:
        m = (x @ s - x[:, i] * s[i]).tolist()
        if degree is not None:
            d = sum((mm + xi) ** degree - (mm - xi) ** degree for xi, mm in zip(xl[i], m))
            return 1 if d >= 0 else -1
        c = max((x @ s).tolist()) + 1  # the largest exponent a visit can meet
        acc = 0.0
        for xi, mm in zip(xl[i], m):
            e = math.exp(beta * (mm - c))
            acc += e if xi > 0 else -e
        return 1 if acc >= 0.0 else -1

    def energy(s: np.ndarray) -> float:
        big = (x @ s).tolist()
        if degree is not None:
            return float(-sum(v**degree for v in big))
        total = 0.0
        for v in big:
            total += math.exp(beta * v)
        return -total

    s = np.asarray(probe, dtype=np.int64).copy()
    energies = [energy(s)]
    flips = sweeps = 0
    converged = cycle = False
    if mode == "async":
        rng = np.random.default_rng(seed)
        while sweeps < max_sweeps:
            perm = (rng.permutation(n) if order == "random" else np.arange(n)) if isinstance(order, str) else order
            changed = 0
            for i in np.asarray(perm).tolist():
                new = fires(i, s)
                if new != s[i]:
                    s[i] = new
                    changed += 1
            sweeps += 1
            flips += changed
            energies.append(energy(s))
            if changed == 0:
                converged = True
                break
    else:
        prev = None
        while sweeps < max_sweeps:
            new = np.array([fires(i, s) for i in range(n)], dtype=np.int64)
            changed = int((new != s).sum())
            sweeps += 1
            flips += changed
            energies.append(energy(new))
            if changed == 0:
                converged = True
            elif prev is not None and np.array_equal(prev, new):
                cycle = True
            prev, s = s, new
            if converged or cycle:
                break
    return Result(s.astype(np.int8), converged, cycle, sweeps, flips, np.array(energies))


def glauber_hebbian(patterns, probe, theta, temperature, mode="async", sweeps=5, seed=0, order="random"):
    """Hebbian Glauber dynamics from the definition: h_i = (C s)_i / n - theta_i
    from the full count matrix at every visit, P(+1) = 1/(1 + exp(-2 h / T)),
    random numbers drawn as documented (per sweep: the permutation, then
    u = rng.random(n))."""
    import math

    x = np.asarray(patterns, dtype=np.int64)
    n = x.shape[1]
    c = counts(x)
    theta = np.zeros(n) if theta is None else np.asarray(theta, dtype=np.float64)
    rng = np.random.default_rng(seed)
    s = np.asarray(probe, dtype=np.int64).copy()

    def p_plus(h):
        z = -2.0 * h / temperature
        return 0.0 if z > 700 else 1.0 / (1.0 + math.exp(z))

    for _ in range(sweeps):
        if mode == "async":
            perm = rng.permutation(n) if order == "random" else np.arange(n)
            u = rng.random(n)
            for k, i in enumerate(perm.tolist()):
                s[i] = 1 if u[k] < p_plus(int(c[i] @ s) / n - theta[i]) else -1
        else:
            u = rng.random(n)
            h = c @ s
            s = np.array([1 if u[i] < p_plus(int(h[i]) / n - theta[i]) else -1 for i in range(n)], dtype=np.int64)
    return s.astype(np.int8)
