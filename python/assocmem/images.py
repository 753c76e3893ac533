"""Images to bipolar states and back (Pillow + NumPy).

Pixels brighter than the threshold become +1 (white), the others -1 (black).
A state of an image of shape (height, width) is the row-major flattening of
length height * width.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from ._validate import bipolar, fraction as _fraction, seed as _seed
from .errors import ArgumentError, ArgumentTypeError, ImageError, ShapeError

__all__ = [
    "DEFAULT_SHAPE",
    "IMAGE_SUFFIXES",
    "load",
    "to_image",
    "add_noise",
    "occlude",
    "montage",
    "sample_photos",
]

#: (height, width) of the seed experiment: 60 px wide, 80 px high.
DEFAULT_SHAPE = (80, 60)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm")

PathOrImage = Union[str, "os.PathLike[str]", Image.Image]
#: Images with more pixels than this are refused before decoding (a
#: 10000 x 10000 photo is 1e8); the header is read first, so a small file that
#: claims 1e11 pixels costs nothing.
MAX_PIXELS = 2**27
#: Above this many pixels, decoding works at reduced size (JPEG draft mode,
#: then Image.reduce) so memory stays bounded; below it, images are decoded
#: exactly as before.
REDUCE_ABOVE = 2**24


@contextlib.contextmanager
def _captured_stderr():
    """Collect what C libraries (libtiff) write to file descriptor 2, so it
    can go into one error message instead of the user's terminal."""
    captured: list[str] = []
    try:
        fd = sys.stderr.fileno() if sys.stderr is not None else 2
    except (AttributeError, OSError, ValueError):
        fd = 2
    try:
        saved = os.dup(fd)
    except OSError:  # no usable descriptor 2: nothing to capture
        yield captured
        return
    with tempfile.TemporaryFile() as tmp:
        if sys.stderr is not None:
            sys.stderr.flush()
        os.dup2(tmp.fileno(), fd)
        try:
            yield captured
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            captured.append(" ".join(tmp.read(4096).decode("utf-8", "replace").split()))


def _shape(shape: Any) -> tuple[int, int]:
    try:
        h, w = shape
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"shape: expected (height, width); got {shape!r}") from None
    for v in (h, w):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ArgumentError(f"shape: expected two positive integers (height, width); got {shape!r}")
    return int(h), int(w)


def _open(source: PathOrImage) -> tuple[Image.Image, str]:
    if isinstance(source, Image.Image):
        return source, "<PIL.Image>"
    if not isinstance(source, (str, os.PathLike)):
        raise ArgumentTypeError(f"path: expected a file path or a PIL.Image; got {type(source).__name__}")
    path = Path(source)
    name = str(path)
    if not path.exists():
        raise ImageError(f"{name}: no such file")
    if path.is_dir():
        raise ImageError(f"{name}: is a directory, not an image")
    if not os.access(path, os.R_OK):
        raise ImageError(f"{name}: permission denied")
    chatter: list[str] = []
    try:
        with warnings.catch_warnings():
            # our own pixel limit below replaces Pillow's bomb warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                pixels = img.width * img.height
                if pixels > MAX_PIXELS:
                    raise ImageError(f"{name}: image has {pixels:,} pixels ({img.width}x{img.height}, w x h); "
                                     f"at most {MAX_PIXELS:,} are decoded")
                with _captured_stderr() if img.format == "TIFF" else contextlib.nullcontext(chatter) as chatter:
                    small = _decode_bounded(img)
                return small, name
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, checked when it opens the file
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
        raise ImageError(f"{name}: image has {size}; at most {MAX_PIXELS:,} are decoded") from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError, MemoryError) as exc:
        said = "; ".join(c for c in chatter if c)
        raise ImageError(f"{name}: unreadable or truncated image ({exc}{'; ' + said if said else ''})") from None


def _decode_bounded(img: Image.Image) -> Image.Image:
    """Decode now (a truncated file fails here, not later), at reduced size
    when the image is large: JPEG's draft mode decodes at 1/2..1/8 scale and
    Image.reduce averages blocks, keeping at least 1024 px on each side."""
    if img.width * img.height > REDUCE_ABOVE:
        if img.format == "JPEG":
            img.draft(img.mode, (max(1024, img.width // 8), max(1024, img.height // 8)))
        img.load()
        factor = min(img.width, img.height) // 1024
        if factor >= 2:
            try:
                return img.reduce(factor)
            except ValueError:  # a mode reduce does not handle: keep full size
                pass
    img.load()
    return img.copy()


def _gray(img: Image.Image) -> np.ndarray:
    """Grayscale float64 in [0, 255] for any Pillow mode, without clipping."""
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return np.asarray(img, dtype=np.float64) * (255.0 / 65535.0)
    if mode in ("I", "F"):
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        return np.zeros_like(a) if hi == lo else (a - lo) * (255.0 / (hi - lo))
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)  # transparent shows as white
    return np.asarray(img.convert("L"), dtype=np.float64)


def _otsu(values: np.ndarray) -> float:
    hist, edges = np.histogram(values, bins=256, range=(0.0, 255.0))
    centers = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    s0 = np.cumsum(hist * centers)
    m0 = np.divide(s0, w0, out=np.zeros_like(s0), where=w0 > 0)
    m1 = np.divide(s0[-1] - s0, w1, out=np.zeros_like(s0), where=w1 > 0)
    between = w0 * w1 * (m0 - m1) ** 2
    return float(centers[int(np.argmax(between))])


#: Binarisation thresholds by name (else a gray level in 0..255).
NAMED_THRESHOLDS = ("median", "mean", "otsu")


def binarize(gray: np.ndarray, threshold: Any = "median") -> np.ndarray:
    """+1 where a pixel is brighter than the threshold, else -1 (int8).

    ``"median"`` splits as evenly as ties allow: of ``> median`` and
    ``>= median`` it keeps the split closer to half white.
    """
    v = np.asarray(gray, dtype=np.float64)
    if isinstance(threshold, str):
        if threshold == "median":
            t = float(np.median(v))
            above, at_or_above = v > t, v >= t
            half = v.size / 2
            white = above if abs(above.sum() - half) <= abs(at_or_above.sum() - half) else at_or_above
            return np.where(white, 1, -1).astype(np.int8)
        if threshold == "mean":
            t = float(v.mean())
        elif threshold == "otsu":
            t = _otsu(v)
        else:
            raise ArgumentError(f"threshold: expected 'median', 'mean', 'otsu' or a number in 0..255; got {threshold!r}")
    elif isinstance(threshold, numbers.Real) and not isinstance(threshold, bool):
        t = float(threshold)
        if not 0.0 <= t <= 255.0:
            raise ArgumentError(f"threshold: expected a number in 0..255; got {threshold!r}")
    else:
        raise ArgumentTypeError(f"threshold: expected 'median', 'mean', 'otsu' or a number; got {threshold!r}")
    return np.where(v > t, 1, -1).astype(np.int8)


def load(path: PathOrImage, shape: tuple[int, int] = DEFAULT_SHAPE, threshold: Any = "median") -> np.ndarray:
    """Load an image as a bipolar state.

    Parameters
    ----------
    path : str, path-like or PIL.Image
        Any image Pillow reads (RGB, RGBA, palette, 16-bit, float...).
    shape : (height, width)
        Target size; the image is converted to grayscale and resized to it.
        Images smaller than the target in either dimension are rejected.
    threshold : "median", "mean", "otsu" or number in 0..255

    Returns
    -------
    ndarray of shape (height * width,), int8 of +1/-1
    """
    h, w = _shape(shape)
    img, name = _open(path)
    if img.width < w or img.height < h:
        raise ShapeError(f"{name}: image is {img.width}x{img.height} (w x h), smaller than the target {w}x{h}")
    gray = _gray(img)
    small = Image.fromarray(gray.astype(np.float32)).resize((w, h), Image.Resampling.LANCZOS)
    return binarize(np.asarray(small, dtype=np.float64), threshold).reshape(-1)


def _state(state: Any, shape: tuple[int, int], name: str = "state") -> np.ndarray:
    h, w = _shape(shape)
    return bipolar(name, state, h * w)


def to_image(state: Any, shape: tuple[int, int] = DEFAULT_SHAPE) -> Image.Image:
    """Black/white image (mode "L", values 0 and 255) of a state."""
    h, w = _shape(shape)
    s = _state(state, shape)
    return Image.fromarray(np.where(s > 0, 255, 0).astype(np.uint8).reshape(h, w))


def add_noise(state: Any, fraction: float, seed: int | None = None) -> np.ndarray:
    """Flip exactly ``round(fraction * n)`` distinct, randomly chosen neurons."""
    s = bipolar("state", state)
    f = _fraction("fraction", fraction)
    rng = np.random.default_rng(_seed("seed", seed))
    out = s.copy()
    idx = rng.choice(s.size, size=int(round(f * s.size)), replace=False)
    out[idx] *= -1
    return out


def occlude(
    state: Any,
    shape: tuple[int, int] = DEFAULT_SHAPE,
    box: tuple[int, int, int, int] | None = None,
    *,
    fraction: float | None = None,
    fill: int = -1,
) -> np.ndarray:
    """Hide part of an image (the "cropped" probe).

    Parameters
    ----------
    box : (top, left, bottom, right), optional
        Rows top..bottom-1 and columns left..right-1 are set to ``fill``.
    fraction : float in [0, 1], optional
        Hide the bottom ``fraction`` of the rows instead.  Give exactly one
        of ``box`` and ``fraction``.
    fill : +1 or -1
        Value of the hidden pixels (-1: black).
    """
    h, w = _shape(shape)
    s = _state(state, shape).reshape(h, w).copy()
    if fill not in (1, -1) or isinstance(fill, bool):
        raise ArgumentError(f"fill: expected +1 or -1; got {fill!r}")
    if (box is None) == (fraction is None):
        raise ArgumentError("box/fraction: expected exactly one of them")
    if fraction is not None:
        f = _fraction("fraction", fraction)
        top = h - int(round(f * h))
        s[top:, :] = fill
    else:
        try:
            top, left, bottom, right = (int(v) for v in box)
        except (TypeError, ValueError):
            raise ArgumentTypeError(f"box: expected (top, left, bottom, right); got {box!r}") from None
        if not (0 <= top <= bottom <= h and 0 <= left <= right <= w):
            raise ArgumentError(f"box: expected 0 <= top <= bottom <= {h} and 0 <= left <= right <= {w}; got {box!r}")
        s[top:bottom, left:right] = fill
    return s.reshape(-1)


def montage(
    rows: Sequence[Sequence[Any]],
    shape: tuple[int, int] = DEFAULT_SHAPE,
    labels: Sequence[Sequence[str]] | None = None,
    *,
    scale: int = 3,
    header: Sequence[str] | None = None,
) -> Image.Image:
    """One picture of a grid of states, each with its label underneath.

    Parameters
    ----------
    rows : sequence of sequences of states (each of shape (height * width,))
    labels : same nesting as ``rows``, strings (may contain newlines)
    scale : int
        Each pixel becomes a ``scale`` x ``scale`` block.
    header : column titles, optional
    """
    h, w = _shape(shape)
    if not rows or not all(len(r) for r in rows):
        raise ArgumentError("rows: expected a non-empty sequence of non-empty rows of states")
    if labels is not None and [len(r) for r in labels] != [len(r) for r in rows]:
        raise ShapeError("labels: expected the same nesting as rows")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Integral) or scale < 1:
        raise ArgumentError(f"scale: expected a positive integer; got {scale!r}")
    font = ImageFont.load_default()
    pad = 8
    line_h = 12
    n_lines = max((lab.count("\n") + 1 for r in (labels or []) for lab in r), default=0)
    cell_w, cell_h = w * scale, h * scale
    head_h = line_h + pad if header else 0
    ncols = max(len(r) for r in rows)
    width = pad + ncols * (cell_w + pad)
    height = head_h + pad + len(rows) * (cell_h + n_lines * line_h + 2 * pad)
    canvas = Image.new("RGB", (width, height), (235, 235, 235))
    draw = ImageDraw.Draw(canvas)
    if header:
        for c, title in enumerate(header):
            draw.text((pad + c * (cell_w + pad), pad // 2), title, fill=(0, 0, 0), font=font)
    for r, row in enumerate(rows):
        y = head_h + pad + r * (cell_h + n_lines * line_h + 2 * pad)
        for c, state in enumerate(row):
            x = pad + c * (cell_w + pad)
            img = to_image(state, (h, w)).resize((cell_w, cell_h), Image.Resampling.NEAREST)
            canvas.paste(img.convert("RGB"), (x, y))
            if labels is not None:
                draw.multiline_text((x, y + cell_h + 2), labels[r][c], fill=(0, 0, 0), font=font, spacing=2)
    return canvas


#: Real photographs bundled inside scikit-image's wheel (no download).  Of
#: its photographs these five have the smallest pairwise overlaps once
#: binarised at 80x60 (max |m| = 0.058), so Hebbian storage keeps them apart.
SAMPLE_PHOTOS = ("astronaut", "chelsea", "coins", "hubble_deep_field", "retina")
#: Every photograph scikit-image ships inside its wheel that is at least
#: 80 x 60 and not a duplicate (``cat`` is ``chelsea``): 23 images whose
#: binarised versions overlap up to 0.6, too correlated for Hebb's rule.
ALL_PHOTOS = (
    "astronaut", "brick", "camera", "cell", "checkerboard", "chelsea", "clock", "coffee", "coins", "colorwheel",
    "grass", "gravel", "horse", "hubble_deep_field", "immunohistochemistry", "logo", "microaneurysms", "moon",
    "page", "retina", "rocket", "shepp_logan_phantom", "text",
)


def sample_photos(names: Sequence[str] = SAMPLE_PHOTOS) -> list[tuple[str, Image.Image]]:
    """Real photographs that ship with scikit-image (``pip install assocmem[demo]``)."""
    from ._optional import require

    data = require("skimage.data", "demo")
    out = []
    for name in names:
        arr = getattr(data, name)()
        if arr.dtype == np.bool_:
            arr = arr.astype(np.uint8) * 255
        out.append((name, Image.fromarray(arr)))
    return out
