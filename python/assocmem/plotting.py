"""Plots written to files with matplotlib's Agg canvas (no display needed,
no global backend change)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["energy_plot"]


def energy_plot(
    curves: Mapping[str, Sequence[float] | tuple[Sequence[float], Sequence[float]]],
    path: str | os.PathLike[str],
    *,
    title: str = "Energy per sweep",
) -> None:
    """Line plot of energy against sweep for each labelled recall, as a PNG.

    Parameters
    ----------
    curves : mapping of label -> energies
        Either one energy per sweep (``RecallResult.energies``) or a pair
        ``(x, energies)`` with x in sweeps, e.g. a trace's per-flip energy
        (``RecallTrace.energy_x``, ``RecallTrace.energy``), which shows the
        descent inside each sweep.
    path : file to write (PNG)
    """
    from ._optional import require

    MaxNLocator = require("matplotlib.ticker", "plot").MaxNLocator
    FigureCanvasAgg = require("matplotlib.backends.backend_agg", "plot").FigureCanvasAgg
    Figure = require("matplotlib.figure", "plot").Figure

    fig = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for label, energies in curves.items():
        if isinstance(energies, tuple):
            x, e = (np.asarray(v, dtype=np.float64) for v in energies)
            ax.plot(x, e, linewidth=1.2, label=label)
        else:
            e = np.asarray(energies, dtype=np.float64)
            ax.plot(np.arange(e.size), e, marker="o", markersize=3, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("sweep")
    ax.set_ylabel("energy E(s)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if len(curves) <= 20:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")
