"""Storage capacity: how recall degrades with the load alpha = p / n.

Hebb's rule holds up to alpha ~ 0.138 (Amit, Gutfreund & Sompolinsky 1985),
Storkey's rule further (capacity about n / sqrt(2 ln n) fixed points), and the
pseudo-inverse rule keeps every stored pattern as a fixed point up to p < n.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dense as _dense
from ._optional import require
from ._validate import choice, fraction, positive_int, seed as _seed
from .errors import ArgumentError
from .hopfield import RULES, Hopfield

__all__ = ["curve", "plot"]


def _trial(n: int, rule: str, options: dict[str, Any], p: int, noise: float, probes: int,
           entropy: tuple[int, int, int]) -> list[float]:
    """One network of p random patterns and its recalls; everything drawn
    from its own seed, so a trial gives the same overlaps wherever it runs."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy))
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
    net = Hopfield(n)
    net.store(x, rule=rule, **options)
    targets = rng.choice(p, size=min(probes, p), replace=False)
    batch = x[targets].copy()
    k = int(round(noise * n))
    for row in batch:
        row[rng.choice(n, size=k, replace=False)] *= -1
    results = net.recall_many(batch, seed=int(rng.integers(2**31)), workers=1)
    return [float(x[t].astype(np.int64) @ res.state) / n for t, res in zip(targets, results)]


def curve(
    n: int,
    rule: str = "hebbian",
    loads: Sequence[float] = (0.05, 0.1, 0.14, 0.2),
    noise: float = 0.1,
    trials: int = 5,
    seed: int | None = 0,
    probes_per_trial: int = 5,
    *,
    degree: int | None = None,
    beta: float | None = None,
    client: Any = None,
) -> list[dict[str, float]]:
    """Mean final overlap and fraction of perfect recalls against the load.

    For each load alpha, ``trials`` networks of ``round(alpha * n)`` random
    patterns are stored with ``rule``; from each, ``probes_per_trial``
    stored patterns are recalled (async) from copies with ``noise`` of the
    neurons flipped.  The overlap is taken with the pattern the probe came
    from.  Each trial draws from its own seed (spawned from ``seed``), so
    the rows do not depend on where or in which order trials run.

    Parameters
    ----------
    degree, beta : optional
        The dense rule's interaction (``rule="dense"``), as for
        :meth:`Hopfield.store`.
    client : dask.distributed.Client, optional
        Run the trials on a Dask cluster (``pip install 'assocmem[dask]'``);
        the rows are identical to a local run.

    Returns
    -------
    list of dict with keys "load", "p", "mean_overlap", "perfect", "recalls"
    """
    n = positive_int("n", n, minimum=2)
    rule = choice("rule", rule, RULES)
    noise = fraction("noise", noise)
    trials = positive_int("trials", trials)
    probes_per_trial = positive_int("probes_per_trial", probes_per_trial)
    options: dict[str, Any] = {}
    if rule == "dense":
        d, b = _dense.parameters(degree, beta)
        options = {"degree": d} if d else {"beta": b}
    elif degree is not None or beta is not None:
        raise ArgumentError(f"degree/beta: only the dense rule takes them; rule is {rule!r}")
    root = np.random.SeedSequence(_seed("seed", seed))
    jobs = []
    for a, alpha in enumerate(loads):
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < math.inf:
            raise ArgumentError(f"loads: expected positive numbers (p = round(load * n)); got {alpha!r}")
        p = max(1, int(round(alpha * n)))
        if rule == "pseudoinverse" and p >= n:
            raise ArgumentError(f"loads: the pseudo-inverse rule needs p < n; load {alpha} gives p = {p}")
        if rule == "dense":
            _dense.check_fits(n, p, *_dense.parameters(degree, beta))
        for t in range(trials):
            jobs.append((a, (n, rule, options, p, noise, probes_per_trial, (int(root.entropy), a, t))))
    if client is None:
        done = [_trial(*args) for _, args in jobs]
    else:
        futures = client.map(lambda args: _trial(*args), [args for _, args in jobs], pure=False)
        done = client.gather(futures)
    rows = []
    for a, alpha in enumerate(loads):
        overlaps = np.array([v for (ja, _), vals in zip(jobs, done) if ja == a for v in vals])
        rows.append({
            "load": float(alpha), "p": float(max(1, int(round(alpha * n)))),
            "mean_overlap": float(overlaps.mean()), "perfect": float(np.mean(overlaps == 1.0)),
            "recalls": float(len(overlaps)),
        })
    return rows


def plot(curves: dict[str, list[dict[str, float]]], path: str | os.PathLike[str], *, title: str | None = None) -> None:
    """Mean overlap and perfect-recall fraction against the load, one line
    per labelled curve, written as a PNG."""
    FigureCanvasAgg = require("matplotlib.backends.backend_agg", "plot").FigureCanvasAgg
    Figure = require("matplotlib.figure", "plot").Figure

    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax1, ax2 = fig.subplots(1, 2)
    for label, rows in curves.items():
        x = [r["load"] for r in rows]
        ax1.plot(x, [r["mean_overlap"] for r in rows], "-o", label=label, markersize=4)
        ax2.plot(x, [r["perfect"] for r in rows], "-o", label=label, markersize=4)
    for ax, ylabel in ((ax1, "mean final overlap"), (ax2, "fraction of perfect recalls")):
        ax.axvline(0.138, color="gray", linestyle=":", linewidth=1)
        ax.set_xlabel("load  alpha = p / n")
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
    ax1.legend()
    fig.suptitle(title or "Hopfield capacity (dotted: Hebb's 0.138)")
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")


