"""Backends: embedded LadybugDB and Neo4j (official driver).

Both expose the same small interface; only bulk loading differs (``COPY``
from Arrow tables in LadybugDB, ``UNWIND`` batches in Neo4j, which LadybugDB
can run too so the Neo4j loading Cypher is tested without a server).
"""

from __future__ import annotations

import decimal
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import require
from ..errors import ArgumentError, GraphConnectionError, GraphError
from .cypher import DELETE_SYNAPSES_BATCH, for_network, is_key, synapse_type
from .dialects import LADYBUG, NEO4J, Dialect

Statement = tuple[str, dict[str, Any]]


def _plain(value: Any) -> Any:
    """LadybugDB returns 128-bit sums as Decimal; give back int or float."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Backend:
    dialect: Dialect
    target: str

    def run(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def run_tx(self, statements: Sequence[Statement]) -> None:
        """Run statements in one transaction: all take effect or none."""
        raise NotImplementedError

    def columns(self, query: str, params: dict[str, Any] | None = None) -> Any:
        """The whole result as a pyarrow Table (None when it has no rows):
        bulk reads without a dict per row."""
        raise NotImplementedError

    def unwind(self, query: str, rows: list[dict[str, Any]], params: dict[str, Any] | None = None) -> None:
        """One ``UNWIND $rows`` batch in its own transaction."""
        self.run(query, {**(params or {}), "rows": rows})

    def copy(self, table: str, data: Any) -> None:
        raise GraphError(f"{self.dialect.name}: COPY is not available; use UNWIND batches")

    def create_synapse_type(self, rel: str, count_dtype: str) -> None:
        """Declare a network's synapse type where the database needs it."""
        if self.dialect.create_synapse_type is not None:
            assert self.dialect.count_types is not None
            self.run(self.dialect.create_synapse_type.format(rel=rel, count_type=self.dialect.count_types[count_dtype]))

    def drop_synapse_type(self, key: str) -> None:
        """Delete every synapse of a network (all of its type)."""
        raise NotImplementedError

    def synapse_types(self) -> list[str]:
        """Names of the synapse types present that have assocmem's form
        (``SYNAPSE_<32 hex digits>``)."""
        raise NotImplementedError

    @property
    def supports_copy(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def ensure_schema(self) -> None:
        for statement in self.dialect.schema:
            self.run(statement)


class _SharedDatabases:
    """One ``ladybug.Database`` per file and process, reference-counted.

    LadybugDB takes a file lock against other processes, but two Database
    objects on one file in the same process both open it for writing and
    corrupt it.  Every LadybugBackend of a file therefore shares one
    Database (each with its own Connection); the last close closes it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, list[Any]] = {}  # real path -> [Database, handles]

    def acquire(self, ladybug: Any, path: str) -> Any:
        key = os.path.realpath(path)
        with self._lock:
            entry = self._open.get(key)
            if entry is None:
                entry = self._open[key] = [ladybug.Database(path), 0]
            entry[1] += 1
            return entry[0]

    def release(self, path: str) -> None:
        key = os.path.realpath(path)
        with self._lock:
            entry = self._open.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del self._open[key]
                entry[0].close()


_DATABASES = _SharedDatabases()
#: Backends whose interrupted statement is still unwinding inside LadybugDB
#: (see LadybugBackend._interruptible); the CLI exits at once when any is.
_UNWINDING: set[Any] = set()
#: How long Ctrl-C waits for LadybugDB to stop a statement before giving up.
INTERRUPT_WAIT_S = 1.0


def unwinding() -> bool:
    """True while an interrupted LadybugDB statement has not yet stopped."""
    return any(not b._busy.done() for b in list(_UNWINDING))


def _one_line(exc: BaseException) -> str:
    """A database's message on one line (LadybugDB's lock error spans several)."""
    return " ".join(str(exc).split())


class LadybugBackend(Backend):
    """Embedded LadybugDB (``pip install ladybug``): on-disk or in-memory.

    Opening a file that this process has open already shares its database
    (see :class:`_SharedDatabases`); another process holding it gets a
    one-line GraphConnectionError.
    """

    dialect = LADYBUG
    _shared_path: str | None = None
    _worker: Any = None
    _conn: Any = None
    _busy: Any = None  # the future of an interrupted statement still unwinding

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        ladybug = require("ladybug", "graph")
        self._ladybug = ladybug
        if path is None:
            self.target = ":memory:"
            db_path = ":memory:"
        else:
            p = Path(path)
            if p.is_dir():
                raise ArgumentError(f"target: {str(p)!r} is a directory; LadybugDB keeps a database in one file")
            p.parent.mkdir(parents=True, exist_ok=True)
            self.target = db_path = str(p)
        try:
            if db_path == ":memory:":
                self._db = ladybug.Database(db_path)
            else:
                self._db = _DATABASES.acquire(ladybug, db_path)
                self._shared_path = db_path
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            if self._shared_path is not None:
                _DATABASES.release(self._shared_path)
                self._shared_path = None
            self._db = None
            raise GraphConnectionError(
                f"target: cannot open LadybugDB database {self.target!r}: {_one_line(exc)}"
            ) from None

    def _execute(self, query: str, params: dict[str, Any] | None = None):
        if self._conn is None:
            raise GraphError(f"ladybug: the store {self.target!r} is closed")
        if self._busy is not None:
            if not self._busy.done():
                raise GraphError(f"ladybug: the store {self.target!r} is still stopping an interrupted statement")
            _UNWINDING.discard(self)
            self._busy = None
        try:
            if threading.current_thread() is threading.main_thread():
                return self._interruptible(query, params or {})
            return self._conn.execute(query, params or {})
        except RuntimeError as exc:
            raise GraphError(f"ladybug: {_one_line(exc)}") from None

    def _interruptible(self, query: str, params: dict[str, Any]):
        """Run a statement so that Ctrl-C stops it within a fraction of a
        second: LadybugDB releases the GIL while it works, but Python only
        runs its signal handler in the main thread between bytecodes, so a
        long COPY would hold off KeyboardInterrupt until it ended.  The
        statement runs in a helper thread while the main thread waits; on
        Ctrl-C the connection is interrupted (LadybugDB rolls the statement
        back) and KeyboardInterrupt propagates.

        LadybugDB notices the interruption at once while a COPY reads rows,
        but only at the end of its index-building phase (seconds for
        millions of synapses).  Ctrl-C therefore waits at most
        INTERRUPT_WAIT_S; past that the statement is left to unwind in the
        background (the store refuses other statements until it has) and
        KeyboardInterrupt propagates anyway.  Nothing it wrote becomes
        visible: the network stays incomplete, and the next save of its name
        removes it."""
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor

            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assocmem-ladybug")
        from concurrent.futures import TimeoutError as WaitTimeout  # not the builtin before 3.11

        future = self._worker.submit(self._conn.execute, query, params)
        try:
            while True:
                try:
                    return future.result(timeout=0.1)
                except WaitTimeout:
                    continue
        except KeyboardInterrupt:
            self._conn.interrupt()
            try:
                future.result(timeout=INTERRUPT_WAIT_S)
            except RuntimeError:
                pass  # "Interrupted."
            except WaitTimeout:
                self._busy = future
                _UNWINDING.add(self)
            raise

    def run(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._execute(query, params)
        names = result.get_column_names()
        rows = []
        while result.has_next():
            rows.append({k: _plain(v) for k, v in zip(names, result.get_next())})
        return rows

    def columns(self, query: str, params: dict[str, Any] | None = None):
        """Whole result as a pyarrow Table (fast bulk reads)."""
        return self._execute(query, params).get_as_arrow()

    def run_tx(self, statements: Sequence[Statement]) -> None:
        self._execute("BEGIN TRANSACTION")
        try:
            for query, params in statements:
                self._execute(query, params)
        except BaseException:
            try:
                self._execute("ROLLBACK")
            except GraphError:
                pass  # keep the original error; the transaction is gone either way
            raise
        self._execute("COMMIT")

    @property
    def supports_copy(self) -> bool:
        return True

    def drop_synapse_type(self, key: str) -> None:
        self.run(f"DROP TABLE IF EXISTS {synapse_type(key)}")

    def synapse_types(self) -> list[str]:
        rows = self.run("CALL show_tables() RETURN name, type")
        return [r["name"] for r in rows if r["type"] == "REL" and is_key(r["name"][len("SYNAPSE_"):])
                and r["name"].startswith("SYNAPSE_")]

    def copy(self, table: str, data: Any) -> None:
        known = ("Neuron", "Pattern", "SnNode", "SN_LINK")
        if table not in known and not (table.startswith("SYNAPSE_") and synapse_type(table[8:]) == table):
            raise ArgumentError(f"table: unknown table {table!r}")
        # table is one of the names above; the data is a parameter
        self._execute(f"COPY {table} FROM $data", {"data": data})

    def close(self) -> None:
        conn, db = getattr(self, "_conn", None), getattr(self, "_db", None)
        if self._busy is not None and not self._busy.done():
            return  # still in use by an interrupted statement: closing now would pull the database from under it
        _UNWINDING.discard(self)
        self._conn = self._db = None
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None
        if conn is not None:
            conn.close()
        if self._shared_path is not None:
            _DATABASES.release(self._shared_path)
            self._shared_path = None
        elif db is not None:
            db.close()


class Neo4jBackend(Backend):
    """Neo4j through the official ``neo4j`` driver (``execute_query`` with
    ``database_``; the driver retries transient errors)."""

    dialect = NEO4J

    def __init__(self, uri: str, auth: tuple[str, str] | None, database: str | None) -> None:
        neo4j = require("neo4j", "neo4j")
        nx = require("neo4j.exceptions", "neo4j")

        self._neo4j = neo4j
        self._nx = nx
        self.target = uri
        self._database = database
        if auth is None and os.environ.get("ASSOCMEM_NEO4J_USER"):
            auth = (os.environ["ASSOCMEM_NEO4J_USER"], os.environ.get("ASSOCMEM_NEO4J_PASSWORD", ""))
        driver = None
        try:
            driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            driver.verify_connectivity()
        except (nx.ServiceUnavailable, nx.AuthError, nx.ConfigurationError, ValueError, OSError) as exc:
            if driver is not None:
                driver.close()
            raise GraphConnectionError(f"target: cannot reach Neo4j at {uri!r}: {exc}") from None
        self._driver = driver

    def _wrap(self, fn: Callable[[], Any]) -> Any:
        nx = self._nx
        try:
            return fn()
        except (nx.ServiceUnavailable, nx.SessionExpired) as exc:
            raise GraphConnectionError(f"neo4j {self.target}: connection lost: {exc}") from None
        except nx.Neo4jError as exc:
            raise GraphError(f"neo4j {self.target}: {exc.code}: {exc.message}") from None
        except nx.DriverError as exc:
            raise GraphError(f"neo4j {self.target}: {exc}") from None

    def run(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        records, _, _ = self._wrap(
            lambda: self._driver.execute_query(query, params or {}, database_=self._database)
        )
        return [r.data() for r in records]

    def columns(self, query: str, params: dict[str, Any] | None = None):
        pa = require("pyarrow", "neo4j")
        rows = self.run(query, params)
        if not rows:
            return None
        return pa.table({k: [r[k] for r in rows] for k in rows[0]})

    def run_tx(self, statements: Sequence[Statement]) -> None:
        def work(tx: Any) -> None:
            for query, params in statements:
                tx.run(query, params).consume()

        def go() -> None:
            with self._driver.session(database=self._database) as session:
                session.execute_write(work)

        self._wrap(go)

    def drop_synapse_type(self, key: str) -> None:
        query = for_network(DELETE_SYNAPSES_BATCH, key)
        while self.run(query, {"limit": 50_000})[0]["deleted"]:
            pass

    def synapse_types(self) -> list[str]:
        rows = self.run("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType AS name")
        return [r["name"] for r in rows if r["name"].startswith("SYNAPSE_") and is_key(r["name"][len("SYNAPSE_"):])]

    def close(self) -> None:
        self._driver.close()


def open_backend(target: str | os.PathLike[str] | None, auth: tuple[str, str] | None, database: str | None) -> Backend:
    if target is None or isinstance(target, os.PathLike):
        return LadybugBackend(target)
    if not isinstance(target, str):
        raise ArgumentError(f"target: expected None, a path or a bolt:// / neo4j:// URI; got {type(target).__name__}")
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    if scheme in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        return Neo4jBackend(target, auth, database)
    if scheme:
        raise ArgumentError(f"target: unsupported scheme {scheme!r}; expected a path, bolt:// or neo4j://")
    return LadybugBackend(target)


def batched(rows: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def as_int_array(values: Any) -> np.ndarray:
    return np.asarray([_plain(v) for v in values], dtype=np.int64)
