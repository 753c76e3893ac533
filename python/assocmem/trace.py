"""A recall you can watch: the asynchronous Hebbian update replayed neuron by
neuron, with snapshots inside each sweep.

:meth:`assocmem.Hopfield.recall` runs whole sweeps in C and reports the
energy once per sweep.  :func:`recall_trace` replays the same recall (same
visit order, same exact integer arithmetic) one neuron visit at a time in
pattern space, so it can record the state every few percent of a sweep and
the energy after every visit.  Its final state, sweeps and flips are checked
against the kernel's recall, so the pictures show what the kernel did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import bipolar, positive_int, seed as _seed
from .errors import ArgumentError, KernelError
from .hopfield import Hopfield, RecallResult
from .thresholds import theta_term

__all__ = ["RecallTrace", "recall_trace", "to_gif"]


@dataclass(frozen=True, eq=False)
class RecallTrace:
    """Snapshots of one asynchronous recall.

    Attributes
    ----------
    result : RecallResult
        The kernel's recall of the same probe (identical trajectory).
    frames : ndarray of shape (n_frames, n_neurons), int8
        The state at ``positions``: the probe first, then every
        ``every`` visits, and the final state last.
    flipped : ndarray of shape (n_frames, n_neurons), bool
        Neurons flipped since the previous frame.
    positions : ndarray of shape (n_frames,), float64
        Progress of each frame in sweeps (visits / n).
    energy_x, energy : ndarray of shape (n_points,), float64
        The energy after each visit that flipped a neuron (x in sweeps, 0 is
        the probe), plus the end of every sweep: the descent inside a sweep.
    """

    result: RecallResult
    frames: np.ndarray
    flipped: np.ndarray
    positions: np.ndarray
    energy_x: np.ndarray
    energy: np.ndarray


def recall_trace(
    net: Hopfield,
    probe: Any,
    *,
    seed: int | None = None,
    order: Any = "random",
    max_sweeps: int = 100,
    frames_per_sweep: int = 20,
) -> RecallTrace:
    """Replay an asynchronous recall visit by visit (Hebbian rule).

    Parameters
    ----------
    net : Hopfield
        A network storing with the Hebbian rule.
    probe : array-like of shape (n_neurons,), values +1/-1
    seed, order, max_sweeps
        As for :meth:`Hopfield.recall` (``mode="async"``).
    frames_per_sweep : int
        Snapshots per sweep (20: every 5 % of a sweep).

    Returns
    -------
    RecallTrace
    """
    if not isinstance(net, Hopfield):
        raise ArgumentError(f"net: expected an assocmem.Hopfield; got {type(net).__name__}")
    if net.rule != "hebbian" or net.n_patterns == 0:
        raise ArgumentError(f"net: tracing replays the Hebbian rule on a non-empty network; got {net.rule!r} "
                            f"with {net.n_patterns} patterns")
    n = net.n_neurons
    s = bipolar("probe", probe, n).copy()
    seed = _seed("seed", seed)
    max_sweeps = positive_int("max_sweeps", max_sweeps)
    every = max(1, n // positive_int("frames_per_sweep", frames_per_sweep))
    result = net.recall(s, seed=seed, order=order, max_sweeps=max_sweeps)

    xt = net.patterns.T.astype(np.int64)  # (n, p)
    p = xt.shape[1]
    thr = net._thr
    theta = np.asarray(net.thresholds)
    m = xt.T @ s.astype(np.int64)
    h = xt @ m - p * s.astype(np.int64)
    q = int(s.astype(np.int64) @ h)

    def energy_now() -> float:  # as the kernel computes it: exact Q, theta term in index order
        return -q / (2.0 * n) + theta_term(theta, s)

    rng = np.random.default_rng(seed) if isinstance(order, str) and order == "random" else None
    fixed = np.arange(n) if isinstance(order, str) and order == "sequential" else (
        None if rng is not None else np.asarray(order, dtype=np.int64))
    frames, flipped, positions = [s.copy()], [np.zeros(n, dtype=bool)], [0.0]
    ex, ey = [0.0], [energy_now()]
    since = np.zeros(n, dtype=bool)
    sweeps = flips = 0
    while sweeps < max_sweeps:
        visit = rng.permutation(n) if rng is not None else fixed
        changed = 0
        for k, i in enumerate(visit.tolist()):
            old = int(s[i])
            field = int(xt[i] @ m) - p * old  # H_i, exact
            new = 1 if field >= thr[i] else -1
            if new != old:
                q -= 4 * old * field
                s[i] = new
                m += 2 * new * xt[i]
                changed += 1
                since[i] = not since[i]
                ex.append(sweeps + (k + 1) / n)
                ey.append(energy_now())
            if (k + 1) % every == 0 and k + 1 < n:
                frames.append(s.copy())
                flipped.append(since.copy())
                positions.append(sweeps + (k + 1) / n)
                since[:] = False
        sweeps += 1
        flips += changed
        frames.append(s.copy())
        flipped.append(since.copy())
        positions.append(float(sweeps))
        since[:] = False
        ex.append(float(sweeps))
        ey.append(energy_now())
        if changed == 0:
            break
    if not (np.array_equal(s, result.state) and sweeps == result.sweeps and flips == result.flips):
        raise KernelError("recall_trace: the replay differs from the kernel's recall (please report this)")
    return RecallTrace(result=result, frames=np.array(frames), flipped=np.array(flipped),
                       positions=np.array(positions), energy_x=np.array(ex), energy=np.array(ey))


def _frame_image(state: np.ndarray, flipped: np.ndarray, shape: tuple[int, int], scale: int) -> Any:
    from PIL import Image

    h, w = shape
    gray = np.where(state.reshape(h, w) > 0, 255, 0).astype(np.uint8)
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    rgb[flipped.reshape(h, w)] = (220, 30, 30)  # flipped since the last frame
    return Image.fromarray(rgb).resize((w * scale, h * scale), Image.Resampling.NEAREST)


def to_gif(
    traces: list[list[RecallTrace]],
    path: Any,
    shape: tuple[int, int],
    *,
    labels: list[list[str]] | None = None,
    scale: int = 2,
    duration_ms: int = 80,
) -> int:
    """An animated GIF of a grid of traces, all advancing together (a
    finished recall holds its last frame).  Flipped neurons are red.

    Returns the number of frames in the file (Pillow merges identical
    consecutive frames into one longer frame).
    """
    from PIL import Image, ImageDraw, ImageFont

    if not traces or not all(traces):
        raise ArgumentError("traces: expected a non-empty grid of RecallTrace")
    h, w = shape
    pad, text_h = 6, 12 if labels else 0
    rows, cols = len(traces), max(len(r) for r in traces)
    cw, ch = w * scale, h * scale
    n_frames = max(t.frames.shape[0] for r in traces for t in r)
    font = ImageFont.load_default()
    out = []
    for f in range(n_frames):
        canvas = Image.new("RGB", (pad + cols * (cw + pad), pad + rows * (ch + text_h + pad)), (235, 235, 235))
        draw = ImageDraw.Draw(canvas)
        for r, row in enumerate(traces):
            for c, t in enumerate(row):
                k = min(f, t.frames.shape[0] - 1)
                flipped = t.flipped[k] if f < t.frames.shape[0] else np.zeros_like(t.flipped[k])
                x, y = pad + c * (cw + pad), pad + r * (ch + text_h + pad)
                canvas.paste(_frame_image(t.frames[k], flipped, shape, scale), (x, y))
                if labels:
                    draw.text((x, y + ch + 1), f"{labels[r][c]} {t.positions[k]:.2f}", fill=(0, 0, 0), font=font)
        out.append(canvas.convert("P", palette=Image.Palette.ADAPTIVE, colors=8))
    out[0].save(path, format="GIF", save_all=True, append_images=out[1:], duration=duration_ms, loop=0)
    with Image.open(path) as written:
        return int(written.n_frames)
