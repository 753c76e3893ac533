"""The seed experiment: store photos, recall them from cropped and noisy
probes, and report what each recall landed on."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import images
from ._optional import require
from ._validate import fraction, seed as _seed
from .errors import ArgumentError, FormatError
from .hopfield import Hopfield, RecallResult
from .plotting import energy_plot
from .trace import recall_trace, to_gif

__all__ = ["expand_images", "run_demo", "run_comparison", "probe_summary", "format_table", "format_comparison"]


def expand_images(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """Files as given; directories replaced by the image files they hold."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in images.IMAGE_SUFFIXES)
            if not found:
                raise FormatError(f"{p}: directory holds no images ({', '.join(images.IMAGE_SUFFIXES)})")
            out.extend(found)
        elif not p.exists():
            raise FormatError(f"{p}: no such file")
        else:
            out.append(p)
    return out


def probe_summary(kind: str, noise: float, source: str, labels: Sequence[str], res: RecallResult) -> dict[str, Any]:
    """JSON-ready account of one recall."""
    best = res.best
    return {
        "image": source,
        "kind": kind,
        "noise": noise,
        "overlaps": {lab: float(m) for lab, m in zip(labels, res.overlaps)},
        "best_match": labels[best],
        "best_overlap": float(res.overlaps[best]),
        "inverted": res.inverted,
        "exact": res.exact,
        "spurious": res.spurious,
        "recalled_source": bool(labels[best] == source and res.exact and not res.inverted),
        "converged": res.converged,
        "sweeps": res.sweeps,
        "flips": res.flips,
        "energy": res.energy,
    }


def _outcome(row: dict[str, Any]) -> str:
    if row["recalled_source"]:
        return "recalled"
    if row["exact"] and row["inverted"]:
        return f"INVERTED {row['best_match']}"
    if row["exact"]:
        return f"other pattern: {row['best_match']}"
    return f"SPURIOUS (closest {row['best_match']})"


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    head = f"{'image':<20} {'probe':<10} {'best match':<20} {'overlap':>8} {'sweeps':>6} {'flips':>6} {'energy':>11}  outcome"
    lines = [head, "-" * len(head)]
    for r in rows:
        probe = "crop" if r["kind"] == "crop" else f"noise {r['noise']:.0%}"
        lines.append(
            f"{r['image']:<20} {probe:<10} {r['best_match']:<20} {r['best_overlap']:>8.3f} "
            f"{r['sweeps']:>6} {r['flips']:>6} {r['energy']:>11.2f}  {_outcome(r)}"
        )
    return "\n".join(lines)


def run_demo(
    sources: Sequence[str | os.PathLike[str]] = (),
    out: str | os.PathLike[str] = "demo-out",
    noise: Sequence[float] = (0.2, 0.5),
    crop: float = 0.5,
    seed: int = 0,
    shape: tuple[int, int] = images.DEFAULT_SHAPE,
    threshold: Any = "median",
    progress: bool | None = None,
) -> dict[str, Any]:
    """Store the images, recall each from a crop and from noisy copies.

    Writes ``montage.png``, ``energy.png`` (energy after every flip, so the
    descent inside a sweep shows), ``recall.gif`` (every recall, frames every
    5 % of a sweep, flipped neurons in red) and ``summary.json`` into ``out``
    and returns the summary.  With no ``sources`` the real photographs that
    ship with scikit-image are used.
    """
    levels = [fraction("noise", f) for f in noise]
    crop = fraction("crop", crop)
    seed = _seed("seed", seed)
    if seed is None:
        raise ArgumentError("seed: expected a non-negative integer; got None")
    if sources:
        files = expand_images(sources)
        named = [(f.stem, f) for f in files]
    else:
        named = images.sample_photos()
    labels = [name for name, _ in named]
    if len(set(labels)) != len(labels):
        labels = [f"{i}:{name}" for i, name in enumerate(labels)]
    h, w = shape
    tqdm = require("tqdm", "demo").tqdm
    states = [images.load(src, shape, threshold) for _, src in tqdm(named, desc="loading", delay=1.0, disable=progress is False)]
    net = Hopfield(h * w)
    net.store(np.stack(states))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    rows: list[dict[str, Any]] = []
    cells: list[list[np.ndarray]] = []
    cell_labels: list[list[str]] = []
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    traces: list[list[Any]] = []
    trace_labels: list[list[str]] = []
    header = ["stored"]
    kinds: list[tuple[str, float]] = [("crop", crop)] + [("noise", f) for f in levels]
    for kind, amount in kinds:
        name = "crop" if kind == "crop" else f"noise {amount:.0%}"
        header += [f"{name} probe", "recalled"]
    jobs = [(k, lab, st) for k, (lab, st) in enumerate(zip(labels, states))]
    for k, label, state in tqdm(jobs, desc="recalling", delay=1.0, disable=progress is False):
        row_cells = [state]
        row_labels = [f"{label}\n(stored)"]
        row_traces, row_trace_labels = [], []
        for j, (kind, amount) in enumerate(kinds):
            if kind == "crop":
                probe = images.occlude(state, shape, fraction=amount)
            else:
                probe = images.add_noise(state, amount, seed=seed + 1000 * k + j)
            tr = recall_trace(net, probe, seed=seed + 1000 * k + j)  # the kernel's recall, replayed
            res = tr.result
            summary = probe_summary(kind, amount, label, labels, res)
            rows.append(summary)
            curves[f"{label} {kind} {amount:.0%}"] = (tr.energy_x, tr.energy)
            row_traces.append(tr)
            row_trace_labels.append(f"{kind} {amount:.0%}" if kind == "noise" else "crop")
            row_cells += [probe, res.state]
            row_labels += [
                f"m={float(net.overlaps(probe)[k]):+.2f}",
                f"{_outcome(summary)}\nm={summary['best_overlap']:+.2f} sweeps={res.sweeps}",
            ]
        cells.append(row_cells)
        cell_labels.append(row_labels)
        traces.append(row_traces)
        trace_labels.append(row_trace_labels)
    images.montage(cells, shape, cell_labels, header=header).save(out / "montage.png")
    energy_plot(curves, out / "energy.png", title="Energy during asynchronous recall (after every flip)")
    frames = to_gif(traces, out / "recall.gif", shape, labels=trace_labels)
    summary = {
        "patterns": labels,
        "shape": [h, w],
        "threshold": threshold,
        "seed": seed,
        "gif_frames": frames,
        "probes": rows,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def run_comparison(
    out: str | os.PathLike[str] = "demo-out",
    noise: float = 0.2,
    crop: float = 0.5,
    seed: int = 0,
    shape: tuple[int, int] = images.DEFAULT_SHAPE,
    threshold: Any = "median",
    beta: float = 0.05,
) -> dict[str, Any]:
    """Every usable scikit-image photo (23, overlapping up to 0.6) stored
    twice: with Hebb's rule and as a dense associative memory with
    F(x) = exp(beta x).  Each photo is recalled from a half crop and from
    ``noise`` by both, from the same probes and seeds.

    Writes ``compare.png`` (stored | crop probe, Hebbian, dense | noise
    probe, Hebbian, dense) and ``compare.json`` into ``out``; returns the
    summary (per-probe rows and the exact-recall totals per rule).
    """
    noise = fraction("noise", noise)
    crop = fraction("crop", crop)
    seed = _seed("seed", seed)
    if seed is None:
        raise ArgumentError("seed: expected a non-negative integer; got None")
    named = images.sample_photos(images.ALL_PHOTOS)
    labels = [name for name, _ in named]
    x = np.stack([images.load(img, shape, threshold) for _, img in named])
    h, w = shape
    nets = {"hebbian": Hopfield(h * w), "dense": Hopfield(h * w)}
    nets["hebbian"].store(x)
    nets["dense"].store(x, rule="dense", beta=beta)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    cells, cell_labels = [], []
    totals = {rule: 0 for rule in nets}
    for k, label in enumerate(labels):
        row_cells, row_labels = [x[k]], [f"{label}\n(stored)"]
        for j, (kind, amount) in enumerate((("crop", crop), ("noise", noise))):
            probe = images.occlude(x[k], shape, fraction=amount) if kind == "crop" else images.add_noise(
                x[k], amount, seed=seed + 1000 * k + j)
            row_cells.append(probe)
            row_labels.append(f"{kind} {amount:.0%}\nm={float(nets['hebbian'].overlaps(probe)[k]):+.2f}")
            for rule, net in nets.items():
                res = net.recall(probe, seed=seed + 1000 * k + j)
                summary = probe_summary(kind, amount, label, labels, res)
                summary["rule"] = rule
                rows.append(summary)
                totals[rule] += summary["recalled_source"]
                row_cells.append(res.state)
                short = ("recalled" if summary["recalled_source"] else "spurious" if summary["spurious"]
                         else "inverted" if summary["inverted"] else "other photo")
                row_labels.append(f"{short}\nm={summary['best_overlap']:+.2f}")
        cells.append(row_cells)
        cell_labels.append(row_labels)
    header = ["stored", "crop probe", "Hebbian", f"dense exp({beta:g}x)", "noise probe", "Hebbian",
              f"dense exp({beta:g}x)"]
    images.montage(cells, shape, cell_labels, header=header, scale=2).save(out / "compare.png")
    overlap = np.abs(x.astype(np.int64) @ x.T.astype(np.int64)) / (h * w)
    np.fill_diagonal(overlap, 0)
    result = {
        "patterns": labels, "shape": [h, w], "beta": beta, "seed": seed,
        "max_overlap": float(overlap.max()), "probes": rows,
        "exact": {rule: {"recalled": n, "of": 2 * len(labels)} for rule, n in totals.items()},
    }
    (out / "compare.json").write_text(json.dumps(result, indent=2))
    return result


def format_comparison(summary: dict[str, Any]) -> str:
    lines = [f"{len(summary['patterns'])} photos (max overlap {summary['max_overlap']:.2f}), "
             "recalled from a half crop and from noise:"]
    for rule, t in summary["exact"].items():
        lines.append(f"  {rule:8s} {t['recalled']:>3}/{t['of']} recalled exactly")
    return "\n".join(lines)
