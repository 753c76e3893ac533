"""Bounded reading of ``.npz`` members.

``numpy.load`` trusts each member's header: a crafted file whose header
claims shape (10**13,) makes it allocate terabytes before it notices the data
is missing, and every member is read even when nobody asked for it.  Here
only the members asked for are read, and each header (dtype, number of
dimensions, shape) is checked against what the caller expects and against the
member's size in the archive before a byte of data is allocated.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .errors import FormatError

#: A check of a member's header: (dtype, shape) -> error text or None.
HeaderCheck = Callable[[np.dtype, tuple[int, ...]], "str | None"]
#: npy headers longer than this are refused (NumPy's own default limit).
MAX_HEADER = 10_000


def read_members(path: str | os.PathLike[str], checks: Mapping[str, HeaderCheck]) -> dict[str, np.ndarray]:
    """Read the members named in ``checks`` (missing ones are left out).

    Each header is validated by its check and must describe exactly the
    member's stored size.  Raises FormatError naming the file and member.
    """
    name = os.fspath(path)
    out: dict[str, np.ndarray] = {}
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
            infos = {info.filename: info for info in zf.infolist()}
            for member, check in checks.items():
                info = infos.get(member + ".npy")
                if info is None:
                    continue
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    if version == (1, 0):
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_HEADER)
                    elif version in ((2, 0), (3, 0)):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_HEADER)
                    else:
                        raise FormatError(f"{name}: member {member!r} has npy format version {version}")
                    if dtype.hasobject:
                        raise FormatError(f"{name}: member {member!r} holds Python objects")
                    problem = check(dtype, shape)
                    if problem:
                        raise FormatError(f"{name}: {member}: {problem}")
                    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
                    if info.file_size != f.tell() + nbytes:
                        raise FormatError(
                            f"{name}: member {member!r} claims shape {shape} ({nbytes} bytes) but stores "
                            f"{info.file_size - f.tell()} bytes"
                        )
                    data = f.read(nbytes)
                arr = np.frombuffer(data, dtype=dtype)
                arr = arr.reshape(shape, order="F" if fortran else "C")
                out[member] = np.array(arr, order="C")  # writable, owns its memory
    except FileNotFoundError:
        raise FormatError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise FormatError(f"{name}: is a directory, not an assocmem file") from None
    except PermissionError:
        raise FormatError(f"{name}: permission denied") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError(f"{name}: not a readable assocmem file ({exc})") from None
    return out


def scalar(kind: str) -> HeaderCheck:
    """A 0-d member of a dtype kind ("U" text, "i" integer, "f" float)."""

    def check(dtype: np.dtype, shape: tuple[int, ...]) -> str | None:
        if shape != () or dtype.kind != kind:
            return f"expected a scalar of kind {kind!r}; got dtype {dtype} shape {shape}"
        return None

    return check


def text(max_chars: int) -> HeaderCheck:
    """A 0-d unicode member of at most ``max_chars`` characters."""

    def check(dtype: np.dtype, shape: tuple[int, ...]) -> str | None:
        if shape != () or dtype.kind != "U":
            return f"expected a text scalar; got dtype {dtype} shape {shape}"
        if dtype.itemsize // 4 > max_chars:
            return f"expected at most {max_chars} characters; got {dtype.itemsize // 4}"
        return None

    return check


def array(dtype_want: Any, ndim: int, **fixed: int) -> HeaderCheck:
    """An array of one dtype and ndim; ``fixed`` maps 'axis0'/'axis1' to
    required lengths."""
    want = np.dtype(dtype_want)

    def check(dtype: np.dtype, shape: tuple[int, ...]) -> str | None:
        if dtype != want or len(shape) != ndim:
            return f"expected a {ndim}-D {want} array; got dtype {dtype} shape {shape}"
        for axis, length in fixed.items():
            k = int(axis[-1])
            if shape[k] != length:
                return f"expected length {length} along axis {k}; got shape {shape}"
        return None

    return check
