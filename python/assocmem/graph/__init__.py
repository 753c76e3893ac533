"""Graph mirror: Hopfield networks in a graph database.

``open()`` with no target or a filesystem path gives embedded LadybugDB (no
server); a ``bolt://`` or ``neo4j://`` URI gives Neo4j through the official
driver; a ``falkordb://host:port`` URI gives a FalkorDB server through its
official client.  Both run the same Cypher (:mod:`assocmem.graph.cypher`); the few
dialect differences live in :mod:`assocmem.graph.dialects`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import GraphStore

__all__ = ["open", "GraphStore"]


def __getattr__(name: str) -> Any:
    # imported on use: the graph extra's packages are not needed to import
    # assocmem.graph.cli (the command line builds its parser from it)
    if name == "GraphStore":
        from .store import GraphStore

        return GraphStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open(  # noqa: A001 - the natural name, as in builtins.open / sqlite3.connect
    target: str | os.PathLike[str] | None = None,
    *,
    auth: tuple[str, str] | None = None,
    database: str | None = None,
    checkpoint_threshold: int | None = None,
) -> "GraphStore":
    """Open a graph store.

    Parameters
    ----------
    target : None, path or URI
        None: an in-memory LadybugDB database; a path: an on-disk LadybugDB
        database file (created with its parent directories if missing);
        ``bolt://...`` or ``neo4j://...``: a Neo4j server;
        ``falkordb://[user:password@]host:port[?graph=NAME]``: a FalkorDB
        server (main graph NAME, default ``assocmem``).
    auth : (user, password), optional
        Credentials (default: ``ASSOCMEM_NEO4J_USER`` /
        ``ASSOCMEM_NEO4J_PASSWORD``, or ``ASSOCMEM_FALKORDB_USER`` /
        ``ASSOCMEM_FALKORDB_PASSWORD``, from the environment).
    database : str, optional
        Neo4j database name (``database_`` of ``execute_query``), or the
        FalkorDB main graph's name.
    checkpoint_threshold : int, optional
        LadybugDB only: bytes of write-ahead log after which the database
        checkpoints (LadybugDB's default: 16 MiB).  A larger one makes bulk
        builds faster (a 500,000-url search net in batches of 2,000 hidden
        neurons: 20.5-23.4 s at 128 MiB against 29.5 s; a search net then writes
        by LOAD FROM only, as a COPY forces a checkpoint) at the cost of a
        longer recovery after a crash and a larger log on disk.  A setting
        of the database file: every handle of it in this process shares it.
    """
    from .._validate import positive_int
    from ..errors import ArgumentError
    from .backends import open_backend

    if checkpoint_threshold is not None:
        checkpoint_threshold = positive_int("checkpoint_threshold", checkpoint_threshold, maximum=2**62)
        if isinstance(target, str) and "://" in target:
            raise ArgumentError(f"checkpoint_threshold: a setting of embedded LadybugDB; target {target!r} is a "
                                "server")
    backend = open_backend(target, auth, database)
    try:
        if checkpoint_threshold is not None:
            backend.set_checkpoint_threshold(checkpoint_threshold)
        from .store import GraphStore

        return GraphStore(backend)  # checks the schema and creates what is missing
    except BaseException:
        backend.close()  # a failed open (no privilege for the schema, ...) leaks no connection
        raise
