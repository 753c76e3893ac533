"""Network files: a Hopfield network as one NumPy .npz file, lossless.

Writing is atomic (a temporary file beside the target, fsync, rename), and
reading is bounded: only the members a network file has are read, and each
member's header (dtype, shape) is checked against the file's ``n_neurons``
and against its stored size before any data is allocated.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _npz
from .errors import ArgumentError, ArgumentTypeError, FormatError, ShapeError, StateValueError

if TYPE_CHECKING:
    from .hopfield import Hopfield

__all__ = ["save", "load", "FILE_FORMAT", "FILE_VERSION", "MAX_METADATA_CHARS"]

FILE_FORMAT = "assocmem.hopfield"
FILE_VERSION = 1
#: Metadata (JSON text) longer than this is refused when a file is read.
MAX_METADATA_CHARS = 1 << 20


def save(net: "Hopfield", path: str | os.PathLike[str]) -> None:
    """Write ``net`` to ``path`` (NumPy .npz, lossless).

    The file is written to a temporary file beside ``path`` and renamed,
    so an existing file is never left half-written.
    """
    interaction: dict[str, Any] = net.interaction or {}
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"path: expected a file path (str or os.PathLike); got {type(path).__name__}")
    path = Path(path)
    try:
        meta = json.dumps(net.metadata)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ArgumentError(f"metadata: expected a JSON-serialisable dict ({exc})") from None
    if len(meta) > MAX_METADATA_CHARS:
        raise ArgumentError(f"metadata: expected at most {MAX_METADATA_CHARS} characters of JSON; got {len(meta)}")
    buf = io.BytesIO()
    np.savez(
        buf,
        metadata=np.array(meta),
        rule=np.array(net.rule),
        activity=np.array(np.nan if net.activity is None else net.activity),
        format=np.array(FILE_FORMAT),
        version=np.array(FILE_VERSION, dtype=np.int64),
        n_neurons=np.array(net.n_neurons, dtype=np.int64),
        patterns=net.patterns,
        thresholds=np.asarray(net.thresholds),
        dense_degree=np.array(interaction.get("degree", 0), dtype=np.int64),
        dense_beta=np.array(interaction.get("beta", np.nan)),
    )
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:  # name the user's path, not the temporary file's
        raise type(exc)(exc.errno, f"cannot write here ({exc.strerror})", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def load(path: str | os.PathLike[str], cls: type | None = None) -> "Hopfield":
    """Read a network written by :func:`save` (as ``cls``, default
    :class:`assocmem.Hopfield`).

    Raises
    ------
    FormatError
        The file is missing, unreadable, truncated, not an assocmem file,
        or holds inconsistent members; the message names the file and the
        member.
    """
    from .hopfield import RULES, Hopfield

    cls = Hopfield if cls is None else cls
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentTypeError(f"path: expected a file path (str or os.PathLike); got {type(path).__name__}")
    name = os.fspath(path)
    head = _npz.read_members(path, {
        "format": _npz.text(64), "version": _npz.scalar("i"), "n_neurons": _npz.scalar("i"),
        "rule": _npz.text(64), "activity": _npz.scalar("f"),
        "dense_degree": _npz.scalar("i"), "dense_beta": _npz.scalar("f"),
    })
    if str(head.get("format", "")) != FILE_FORMAT:
        raise FormatError(f"{name}: not an assocmem Hopfield file (expected format {FILE_FORMAT!r})")
    if "version" not in head or "n_neurons" not in head:
        raise FormatError(f"{name}: not an assocmem Hopfield file (no version or n_neurons)")
    version = int(head["version"])
    if version != FILE_VERSION:
        raise FormatError(f"{name}: version: format version {version}; this assocmem reads {FILE_VERSION}")
    n = int(head["n_neurons"])
    if n < 1:
        raise FormatError(f"{name}: n_neurons: expected an integer >= 1; got {n}")
    body = _npz.read_members(path, {
        "patterns": _npz.array(np.int8, 2, axis1=n),
        "thresholds": _npz.array(np.float64, 1, axis0=n),
        "metadata": _npz.text(MAX_METADATA_CHARS),
    })
    for member in ("patterns", "thresholds"):
        if member not in body:
            raise FormatError(f"{name}: not an assocmem Hopfield file (no {member})")
    patterns, theta = body["patterns"], body["thresholds"]
    rule = str(head["rule"]) if "rule" in head else "hebbian"
    if rule not in RULES:
        raise FormatError(f"{name}: rule: expected one of {', '.join(map(repr, RULES))}; got {rule!r}")
    try:
        net = cls(n, theta)
        if patterns.shape[0] and rule == "covariance":
            net.store(patterns, rule=rule, activity=float(head.get("activity", np.nan)))
        elif patterns.shape[0] and rule == "dense":
            d = int(head.get("dense_degree", 0))
            net.store(patterns, rule=rule, **({"degree": d} if d else
                                             {"beta": float(head.get("dense_beta", np.nan))}))
        elif patterns.shape[0]:
            net.store(patterns, rule=rule)
        meta = json.loads(str(body["metadata"])) if "metadata" in body else {}
        if not isinstance(meta, dict):
            raise ArgumentError("metadata: expected a JSON object")
        net.metadata = meta
    except RecursionError:
        raise FormatError(f"{name}: metadata: nested too deeply") from None
    except (ArgumentError, StateValueError, ShapeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{name}: holds invalid data ({exc})") from None
    return net
