"""Plots written to files with matplotlib's Agg canvas (no display needed,
no global backend change)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["energy_plot"]


def energy_plot(
    curves: Mapping[str, Sequence[float]],
    path: str | os.PathLike[str],
    *,
    title: str = "Energy per sweep",
) -> None:
    """Line plot of energy against sweep for each labelled recall, as a PNG.

    Parameters
    ----------
    curves : mapping of label -> energies (``RecallResult.energies``)
    path : file to write (PNG)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for label, energies in curves.items():
        e = np.asarray(energies, dtype=np.float64)
        ax.plot(np.arange(e.size), e, marker="o", markersize=3, label=label)
    ax.set_xlabel("sweep")
    ax.set_ylabel("energy E(s)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if len(curves) <= 20:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")
