"""Storage capacity: how recall degrades with the load alpha = p / n.

Hebb's rule holds up to alpha ~ 0.138 (Amit, Gutfreund & Sompolinsky 1985),
Storkey's rule further (capacity about n / sqrt(2 ln n) fixed points), and the
pseudo-inverse rule keeps every stored pattern as a fixed point up to p < n.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ._validate import choice, fraction, positive_int, seed as _seed
from .errors import ArgumentError
from .hopfield import RULES, Hopfield

__all__ = ["curve", "plot"]


def curve(
    n: int,
    rule: str = "hebbian",
    loads: Sequence[float] = (0.05, 0.1, 0.14, 0.2),
    noise: float = 0.1,
    trials: int = 5,
    seed: int | None = 0,
    probes_per_trial: int = 5,
) -> list[dict[str, float]]:
    """Mean final overlap and fraction of perfect recalls against the load.

    For each load alpha, ``trials`` networks of ``round(alpha * n)`` random
    patterns are stored with ``rule``; from each, ``probes_per_trial``
    stored patterns are recalled (async) from copies with ``noise`` of the
    neurons flipped.  The overlap is taken with the pattern the probe came
    from.

    Returns
    -------
    list of dict with keys "load", "p", "mean_overlap", "perfect", "recalls"
    """
    n = positive_int("n", n, minimum=2)
    rule = choice("rule", rule, RULES)
    noise = fraction("noise", noise)
    trials = positive_int("trials", trials)
    probes_per_trial = positive_int("probes_per_trial", probes_per_trial)
    rng = np.random.default_rng(_seed("seed", seed))
    rows = []
    for alpha in loads:
        if not isinstance(alpha, (int, float)) or not 0 < alpha <= 1:
            raise ArgumentError(f"loads: expected numbers in (0, 1]; got {alpha!r}")
        p = max(1, int(round(alpha * n)))
        if rule == "pseudoinverse" and p >= n:
            raise ArgumentError(f"loads: the pseudo-inverse rule needs p < n; load {alpha} gives p = {p}")
        overlaps = []
        for _ in range(trials):
            x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
            net = Hopfield(n)
            net.store(x, rule=rule)
            targets = rng.choice(p, size=min(probes_per_trial, p), replace=False)
            probes = x[targets].copy()
            k = int(round(noise * n))
            for row in probes:
                row[rng.choice(n, size=k, replace=False)] *= -1
            for t, res in zip(targets, net.recall_many(probes, seed=int(rng.integers(2**31)))):
                overlaps.append(float(x[t].astype(np.int64) @ res.state) / n)
        overlaps_arr = np.array(overlaps)
        rows.append({
            "load": float(alpha), "p": float(p), "mean_overlap": float(overlaps_arr.mean()),
            "perfect": float(np.mean(overlaps_arr == 1.0)), "recalls": float(len(overlaps)),
        })
    return rows


def plot(curves: dict[str, list[dict[str, float]]], path: str | os.PathLike[str], *, title: str | None = None) -> None:
    """Mean overlap and perfect-recall fraction against the load, one line
    per labelled curve, written as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

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


