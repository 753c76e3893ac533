"""Exception classes of assocmem.

Every class also derives from the builtin a user would catch (``ValueError``,
``TypeError``...), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "AssocmemError",
    "ArgumentError",
    "ArgumentTypeError",
    "ShapeError",
    "StateValueError",
    "FormatError",
    "ImageError",
    "KernelError",
    "KernelMemoryError",
    "GraphError",
    "NetworkNotFoundError",
    "NetworkExistsError",
    "GraphConnectionError",
    "MissingDependencyError",
    "GraphRecoveryWarning",
]


class AssocmemError(Exception):
    """Base class of every error raised by assocmem."""


class ArgumentError(AssocmemError, ValueError):
    """An argument has a value outside what is accepted."""


class ArgumentTypeError(AssocmemError, TypeError):
    """An argument has the wrong type."""


class ShapeError(AssocmemError, ValueError):
    """An array has the wrong number of dimensions or the wrong length."""


class StateValueError(AssocmemError, ValueError):
    """A state or pattern holds a value other than +1/-1 (or NaN)."""


class FormatError(AssocmemError, ValueError):
    """A file is unreadable, truncated or not an assocmem file."""


class ImageError(FormatError):
    """An image file is missing, unreadable, corrupt or too large to decode."""


class KernelError(AssocmemError, RuntimeError):
    """A C kernel returned an unexpected status (a bug: please report it)."""


class KernelMemoryError(AssocmemError, MemoryError):
    """A C kernel could not allocate memory (the search net's link table)."""


class GraphError(AssocmemError, RuntimeError):
    """A graph database operation failed."""


class NetworkNotFoundError(GraphError, KeyError):
    """No complete network of that name is stored."""

    def __str__(self) -> str:  # KeyError quotes its message; we do not.
        return str(self.args[0]) if self.args else ""


class NetworkExistsError(GraphError, ValueError):
    """A network of that name is stored already (pass overwrite=True)."""


class GraphConnectionError(GraphError, ConnectionError):
    """The graph database cannot be reached."""


class MissingDependencyError(AssocmemError, ImportError):
    """A feature's optional package is not installed (the message names the
    extra to install)."""


class GraphRecoveryWarning(UserWarning):
    """A graph database was opened after an unclean exit whose log LadybugDB
    refuses by default (a process killed while writing it): it was replayed
    up to its last committed transaction, and what had not committed was
    dropped."""
