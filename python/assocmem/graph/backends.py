"""Backends: embedded LadybugDB, FalkorDB (a server, over its own protocol)
and Neo4j (official driver).

All expose the same small interface; bulk loading differs (``COPY`` from
Arrow tables in LadybugDB, ``GRAPH.BULK`` binary batches in FalkorDB,
``UNWIND`` batches in Neo4j, which the other two can run too so the Neo4j
loading Cypher is tested without a Neo4j server).
"""

from __future__ import annotations

import contextlib
import decimal
import os
import re
import struct
import threading
import time
import traceback
import urllib.parse
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._optional import require
from ..errors import ArgumentError, GraphConnectionError, GraphError, GraphRecoveryWarning
from .cypher import DELETE_NEURONS_SLICE, DELETE_PATTERNS, is_key, synapse_type
from .dialects import FALKORDB, FALKORDB_NETWORK_SCHEMA, LADYBUG, NEO4J, VOCABULARY_PARAMS, Dialect

Statement = tuple[str, dict[str, Any]]


#: Neurons per delete slice where synapses are dropped by type first.
DELETE_SLICE = 256
#: Synapses per delete transaction where they go with their neurons (Neo4j).
DELETE_SYNAPSES = 50_000


def _rows_of(statement: Statement) -> int:
    """Rows a write statement carries (its data table or row list), else 1."""
    for value in (statement[1] if len(statement) > 1 and statement[1] else {}).values():
        if isinstance(value, list) or hasattr(value, "num_rows"):
            return len(value)
    return 1


def _plain(value: Any) -> Any:
    """LadybugDB returns 128-bit sums as Decimal; give back int or float."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Backend:
    """What a graph store needs of a database.

    Statements about one network's neurons, patterns and synapses name the
    network with ``net=<key>``: FalkorDB keeps each network in a graph of its
    own (``graph_per_network``) and runs them there; the other backends hold
    everything in one graph and ignore ``net``.
    """

    dialect: Dialect
    target: str
    #: True where each network lives in a graph of its own (FalkorDB).
    graph_per_network = False

    def run(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def run_tx(self, statements: Sequence[Statement]) -> None:
        """Run statements in one transaction: all take effect or none."""
        raise NotImplementedError

    def planned(self, query: str, *, few: bool = False) -> str:
        """The text to run a reading ``query`` by, where its plan depends on
        how much data there is and whether it reads a ``few`` rows (see
        :meth:`LadybugBackend.planned`)."""
        return query

    def run_small(self, query: str, params: dict[str, Any] | None = None, *,
                  net: str | None = None) -> list[dict[str, Any]]:
        """A read of a few rows whose latency matters (a cold query's
        look-ups), run the way that suits such a read (see
        :meth:`LadybugBackend.run_small`)."""
        return self.run(query, params, net=net)

    def run_user(self, query: str, params: dict[str, Any], *, net: str | None = None) -> list[dict[str, Any]]:
        """A user's query (``GraphStore.query``), run the way the database
        needs it run."""
        return self.run(query, params, net=net)

    def columns(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None,
                small: bool = False) -> Any:
        """The whole result as a pyarrow Table (None when it has no rows):
        bulk reads without a dict per row.  ``small``: a read of a few ids
        whose latency matters, run as :meth:`run_small` runs it."""
        raise NotImplementedError

    def int_lists(self, query: str, params: dict[str, Any], column: str, *, net: str | None = None) -> np.ndarray:
        """The integer lists of one column, a row each, as an int64 matrix
        (a network's patterns or dendrites)."""
        rows = self.run(query, params, net=net)
        return np.array([r[column] for r in rows], dtype=np.int64)

    def unwind(self, query: str, rows: list[dict[str, Any]], params: dict[str, Any] | None = None, *,
               net: str | None = None) -> None:
        """One ``UNWIND $rows`` batch in its own transaction."""
        self.run(query, {**(params or {}), "rows": rows}, net=net)

    def copy(self, table: str, data: Any) -> None:
        raise GraphError(f"{self.dialect.name}: COPY is not available; use UNWIND batches")

    def write_lock(self) -> threading.RLock:
        """Held by this process's writes through this handle that must not
        interleave, such as a network's save from reading the next free
        neuron id to its last row (two saves at once would both take it).
        LadybugDB's is the file's (see LadybugBackend.write_lock)."""
        with _LOCK_GUARD:
            lock = self.__dict__.get("_write_lock")
            if lock is None:
                lock = self.__dict__["_write_lock"] = threading.RLock()
            return lock

    def begin_network(self, key: str) -> None:
        """Prepare the database for a new network's data (FalkorDB: its graph
        and indexes); called before any of it is written by Cypher."""

    def delete_network_data(self, key: str, n: int) -> None:
        """Delete a network's synapses, neurons and patterns (not its catalogue
        entries), in bounded transactions."""
        self.drop_synapse_type(key)
        step = self._delete_slice(n)
        for lo in range(0, max(n, 1), step):
            self.run(DELETE_NEURONS_SLICE, {"key": key, "lo": lo, "hi": lo + step}, net=key)
        self.run(DELETE_PATTERNS, {"key": key}, net=key)

    def _delete_slice(self, n: int) -> int:
        """Neurons per delete statement."""
        return DELETE_SLICE

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

    #: True when no save can have been under way as this handle opened the
    #: database, so that an incomplete network in it is a dead save's
    #: leftover (LadybugDB: the file's first handle in this process; no
    #: other process can hold the file).  Never for a server.
    opened_alone = False

    @property
    def arrow_results(self) -> bool:
        """Whether :meth:`columns` reads a result faster than :meth:`run`
        (the database hands over Arrow columns)."""
        return False

    @property
    def supports_bulk(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def ensure_schema(self) -> None:
        for statement in self.dialect.schema:
            self.run(statement)


#: LadybugDB's compression of the data it checkpoints.  Off: with it, LadybugDB
#: 0.22 can write a node's list wrongly at a checkpoint after other nodes'
#: lists were updated (a search net in layout "neurons" read a stored weight
#: back as 0.0 after a url was removed and the file reopened twice; random
#: list updates with checkpoints lost a list in about 1 of 300 runs).  Without
#: compression neither happened (seen 2026-12-02;
#: tests/test_ladybug_upstream.py keeps the plain-LadybugDB case, and
#: test_searchnet.py the search net's).  The cost: files about 4x larger, and
#: a bare COPY of 3.1M synapses 0.7x as fast in one measurement
#: (benchmarks/README.md, thirteenth session).
COMPRESSION = False


def _open_database(ladybug: Any, path: str) -> Any:
    """``ladybug.Database(path)``, without compression (see COMPRESSION).
    A process killed while appending to the
    write-ahead log leaves a torn last record, and LadybugDB 0.22 then
    refuses the database ("Checksum verification failed, the WAL file is
    corrupted", or reading past the end of the log).  Such a database is
    opened with the log replayed up to its last committed transaction (the
    torn one never committed: its process died before COMMIT returned),
    with a GraphRecoveryWarning."""
    try:
        return ladybug.Database(path, compression=COMPRESSION)
    except RuntimeError as exc:
        message = _one_line(exc)
        torn = "the WAL file is corrupted" in message or (
            "Reading past the end of the file" in message and ".wal " in message)
        if not torn:
            raise
    db = ladybug.Database(path, compression=COMPRESSION, throw_on_wal_replay_failure=False)
    warnings.warn(GraphRecoveryWarning(
        f"target: LadybugDB database {path!r} was left by a process that died while writing; its log was replayed "
        f"up to the last committed transaction ({message})"), stacklevel=4)
    return db


#: LadybugDB refusing a write because another is under way (in this process:
#: a write outside the file's write lock, such as an auto-commit statement).
_WRITE_CONFLICT = "Only one write transaction at a time"
#: LadybugDB's COMMIT that committed but failed at the checkpoint after it.
_COMMITTED = "Transaction committed successfully"
#: LadybugDB refusing a statement's text before running it.
_COMPILE_ERRORS = ("Parser exception", "Binder exception", "Catalog exception")
#: Guards the lazy creation of a backend's write lock.
_LOCK_GUARD = threading.Lock()


class _File:
    """One LadybugDB database file as this process holds it."""

    def __init__(self, db: Any, path: str | None) -> None:
        self.db, self.path = db, path  # path None: an in-memory database
        self.handles = 0
        self.written = [0]  # rows written by committed run_tx (see LadybugBackend.planned)
        #: Held by each of this process's writes that must not interleave
        #: with another's: a network's save (from reading the next free id to
        #: its last COPY), a transaction, a COPY (see LadybugBackend.write_lock).
        self.lock = threading.RLock()
        #: Why every statement on the file is refused (see
        #: LadybugBackend._after_failed_write); None while it is usable.
        self.broken: str | None = None


class _SharedDatabases:
    """One ``ladybug.Database`` per file and process, reference-counted.

    LadybugDB takes a file lock against other processes, but two Database
    objects on one file in the same process both open it for writing and
    corrupt it.  Every LadybugBackend of a file therefore shares one
    :class:`_File` (the Database, its write lock and its count of rows
    written), each backend with its own Connection; the last close closes
    it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, _File] = {}  # real path -> the file

    def acquire(self, ladybug: Any, path: str) -> tuple[_File, bool]:
        """The file, and whether this call opened its database."""
        key = os.path.realpath(path)
        with self._lock:
            entry = self._open.get(key)
            opened = entry is None
            if entry is None:
                entry = self._open[key] = _File(_open_database(ladybug, path), path)
            entry.handles += 1
            return entry, opened

    def release(self, path: str) -> None:
        key = os.path.realpath(path)
        with self._lock:
            entry = self._open.get(key)
            if entry is None:
                return
            entry.handles -= 1
            if entry.handles == 0:
                del self._open[key]
                entry.db.close()

    def reopen(self, entry: _File, ladybug: Any) -> bool:
        """Close ``entry``'s database and open its file again, if it has
        one handle (the caller's); False when it has more."""
        with self._lock:
            if entry.handles != 1 or entry.path is None:
                return False
            entry.db.close()
            try:
                entry.db = _open_database(ladybug, entry.path)
            except RuntimeError as exc:
                entry.broken = (f"ladybug: {entry.path!r} could not be opened again after a failed write: "
                                f"{_one_line(exc)}")
                return False
            return True


_DATABASES = _SharedDatabases()
#: Backends whose interrupted statement is still unwinding inside LadybugDB
#: (see LadybugBackend._interruptible); the CLI exits at once when any is.
_UNWINDING: set[Any] = set()
#: How long a LadybugDB statement refused because another write of this
#: process is under way waits for it, running again now and then.
WRITE_WAIT_S = 60.0
#: How long Ctrl-C waits for LadybugDB to stop a statement before giving up.
INTERRUPT_WAIT_S = 1.0


def unwinding() -> bool:
    """True while an interrupted LadybugDB statement has not yet stopped."""
    return any(not b._busy.done() for b in list(_UNWINDING))


def _forget_failed_statements(conn: Any) -> None:
    """Drop the statements whose preparation failed from ``conn``'s cache.
    ladybug's Connection prepares a statement text once per parameter
    types and keeps it, even when the preparation failed: preparing a
    write while another write of the process is under way fails ("Only
    one write transaction at a time"), and from then on every run of that
    text on the connection failed with that message, long after the other
    write ended (seen with ladybug 0.22; a handle's neuron-state writes and
    a save's COPY stayed refused for good).  The cache is ladybug's
    private attribute: without it, there is nothing to drop."""
    cache, lock = getattr(conn, "_pybind_implicit_prepared_cache", None), getattr(conn, "_prepared_cache_lock", None)
    if not isinstance(cache, dict) or lock is None:
        return
    with lock:
        for key in [k for k, p in cache.items() if callable(getattr(p, "is_success", None)) and not p.is_success()]:
            close = getattr(cache.pop(key), "close", None)
            if callable(close):  # ladybug's C-API statements hold allocations of their own until closed
                with contextlib.suppress(RuntimeError):
                    close()


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
    _file: _File | None = None
    _worker: Any = None
    _conn: Any = None
    _busy: Any = None  # the future of an interrupted statement still unwinding
    _one_thread = False  # the connection runs statements on one thread (see _short)

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        ladybug = require("ladybug", "graph")
        self._ladybug = ladybug
        self._local = threading.local()  # .short: this thread runs short reads (see _short)
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
                self._file = _File(ladybug.Database(db_path, compression=COMPRESSION), None)
                self._file.handles = 1
            else:
                self._file, self.opened_alone = _DATABASES.acquire(ladybug, db_path)
                self._shared_path = db_path
            self._conn = ladybug.Connection(self._file.db)
        except RuntimeError as exc:
            if self._shared_path is not None:
                _DATABASES.release(self._shared_path)
                self._shared_path = None
            self._file = None
            hint = ""
            if "Mmap for size" in str(exc):
                # LadybugDB reserves its max_db_size (8 TiB) of address space per open database: 15 fit in the
                # 128 TiB of a 64-bit Linux process (seen 2026-12-01)
                hint = (" (each open LadybugDB database reserves 8 TiB of address space, so a process holds about"
                        " 15 at once: close the stores you no longer use)")
            raise GraphConnectionError(
                f"target: cannot open LadybugDB database {self.target!r}: {_one_line(exc)}{hint}"
            ) from None
        self._written = self._file.written

    def write_lock(self) -> threading.RLock:
        """The file's write lock, shared by this process's handles on it."""
        assert self._file is not None
        return self._file.lock

    def _execute(self, query: str, params: dict[str, Any] | None = None):
        """The statement's result; on the main thread through
        :meth:`_interruptible`, unless it is a short read (:meth:`_short`)."""
        if self._conn is None:
            raise GraphError(f"ladybug: the store {self.target!r} is closed")
        if self._file.broken is not None:
            raise GraphError(self._file.broken)
        if self._busy is not None:
            if not self._busy.done():
                raise GraphError(f"ladybug: the store {self.target!r} is still stopping an interrupted statement")
            _UNWINDING.discard(self)
            self._busy = None
        if self._one_thread and not getattr(self._local, "short", False):
            self._one_thread = False
            self._conn.set_max_threads_for_exec(0)  # the database's limit again (see _short)
        waited, pause = 0.0, 0.002
        while True:
            try:
                if threading.current_thread() is threading.main_thread() and not getattr(self._local, "short", False):
                    return self._interruptible(query, params or {})
                return self._conn.execute(query, params or {})
            except RuntimeError as exc:
                message = _one_line(exc)
                # The failed statement's frames hold LadybugDB objects that keep its database alive: a database
                # reopened after a failed write (_after_failed_write) would otherwise stay mapped (8 TiB of
                # address space) until the garbage collector finds the traceback's cycles, after the new one
                # opened the file.
                traceback.clear_frames(exc.__traceback__)
                exc.__traceback__ = None
                _forget_failed_statements(self._conn)
            if _WRITE_CONFLICT not in message:
                break
            # Another write of this process is under way (no other process can open the file): this statement
            # was refused before it ran, so it waits and runs again.  Writes of assocmem's own that must not
            # interleave hold the file's write lock; this covers single statements and user queries.
            if waited >= WRITE_WAIT_S:
                message += f" (waited {WRITE_WAIT_S:g} s for another write of this process to end)"
                break
            time.sleep(pause)
            waited += pause
            pause = min(2 * pause, 0.1)
        # refused before it ran (its text, or another write under way) or failed while running
        self._local.ran = not (message.startswith(_COMPILE_ERRORS) or _WRITE_CONFLICT in message)
        raise GraphError(f"ladybug: {message}")  # raised here, not in the except: no context to keep alive

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
            except RuntimeError as exc:  # "Interrupted."; its frames would keep the database alive (see _execute)
                traceback.clear_frames(exc.__traceback__)
                exc.__traceback__ = None
            except WaitTimeout:
                self._busy = future
                _UNWINDING.add(self)
            raise

    def run(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None) -> list[dict[str, Any]]:
        result = self._execute(query, params)
        names = result.get_column_names()
        rows = []
        while result.has_next():
            rows.append({k: _plain(v) for k, v in zip(names, result.get_next())})
        return rows

    def run_small(self, query: str, params: dict[str, Any] | None = None, *,
                  net: str | None = None) -> list[dict[str, Any]]:
        """The statement on one of LadybugDB's threads.  LadybugDB spreads
        each statement's pipelines over its worker threads, which for a read
        of a few dozen rows costs more than it saves: a cold query's key
        look-ups took 2.3 ms on the two threads of a 2-core machine and
        1.8 ms on one (bulk writes gain from the threads: a 216,000-link
        COPY took 0.56 s against 0.74 s).  The setting is the connection's,
        so a statement another thread runs meanwhile may also run on one
        thread: slower, never different.  It runs on the calling thread
        even on the main one (a read of a few rows takes milliseconds, so
        Ctrl-C waits no longer than that; handing it to a helper thread, as
        :meth:`_interruptible` does, cost 0.1 ms a statement)."""
        with self._short():
            return self.run(query, params)

    @contextlib.contextmanager
    def _short(self) -> Iterator[None]:
        """Statements of this thread meanwhile are short reads, run as
        :meth:`run_small` says.  The connection stays on one thread until
        a statement that is not a short read (:meth:`_execute` gives it
        the database's limit again): a cold query's two calls setting it
        cost 7 us of its 0.5 ms."""
        conn, local = self._conn, self._local
        if conn is None:  # the statement raises: the store is closed
            yield
            return
        if not self._one_thread:
            self._one_thread = True
            conn.set_max_threads_for_exec(1)  # applies from the next statement on
        local.short = True
        try:
            yield
        finally:
            local.short = False

    def checkpoint_threshold(self) -> int:
        """The bytes of write-ahead log after which the database checkpoints
        (LadybugDB's default: DEFAULT_CHECKPOINT_THRESHOLD)."""
        rows = self.run("CALL current_setting('checkpoint_threshold') RETURN *")
        return int(rows[0]["checkpoint_threshold"])

    def set_checkpoint_threshold(self, size: int) -> None:
        """Checkpoint once the write-ahead log passes ``size`` bytes (a
        setting of the database, so of every handle of the file in this
        process).  A literal: LadybugDB binds no parameter in CALL, and the
        caller passes a checked int."""
        self._execute(f"CALL checkpoint_threshold={int(size)}")

    def columns(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None,
                small: bool = False):
        """Whole result as a pyarrow Table (fast bulk reads), in one chunk
        of its own size: LadybugDB's default chunk holds 10 million values
        whatever the result, which made a 3-row read take 2.7 ms instead of
        0.15 ms (1,000 rows: 5.8 ms and 0.9 ms).  Also for a few hundred
        rows of a ``small`` read: a cold query's 121 rows took 0.75 ms as
        dicts, 0.4 ms as columns."""
        with self._short() if small else contextlib.nullcontext():
            result = self._execute(query, params)
        return result.get_as_arrow(max(result.get_num_tuples(), 1))

    def run_tx(self, statements: Sequence[Statement]) -> None:
        """Statements in one transaction (never a COPY: a COPY rolled back
        with its transaction corrupts LadybugDB 0.22's heap, see
        searchnet_store.LOAD_NEW_NODES)."""
        with self.write_lock(), self._guarded():
            self._execute("BEGIN TRANSACTION")
            committing = False
            try:
                for statement in statements:
                    self._execute(*statement)
                committing = True
                self._execute("COMMIT")
            except BaseException as exc:
                if committing and isinstance(exc, GraphError) and _COMMITTED in str(exc):
                    # durable, but the checkpoint after it failed and LadybugDB refuses writes until it is
                    # reopened: the transaction happened, so no error; the reopening replays it from the log
                    self._after_failed_write()
                else:
                    ran = getattr(self._local, "ran", False)
                    try:  # also after a failed COMMIT: a transaction left open would take every later statement
                        self._execute("ROLLBACK")
                    except GraphError:
                        pass  # keep the original error; the transaction is gone either way
                    self._local.ran = ran
                    raise
            self._written[0] += sum(_rows_of(s) for s in statements)

    def planned(self, query: str, *, few: bool = False) -> str:
        """``query`` with a comment naming how many rows this store has
        written (the binary order of magnitude): a new text after each
        doubling.  LadybugDB keeps the plan of a statement text for the
        connection's life, and a text first planned on empty tables keeps a
        plan that joins over every node: the key look-up ``UNWIND $ids AS y
        MATCH (n {id: y}) OPTIONAL MATCH (n)-[l]-(h)`` took 128 ms planned
        on empty tables and 3 ms planned on the same loaded net.  The count
        is the file's, shared by this process's handles on it, so a reading
        handle replans as another handle fills the net; no other process can
        write the file while it is open (LadybugDB locks it), and a store
        opened on a full file plans on the data it finds.  ``few``: a read
        of a few ids, planned apart from the same text's reads of many
        (whose plan may scan a whole table)."""
        return f"{query} // plan {self._written[0].bit_length()}{' few' if few else ''}"

    @property
    def supports_copy(self) -> bool:
        return True

    @property
    def arrow_results(self) -> bool:
        return True

    def drop_synapse_type(self, key: str) -> None:
        self.run(f"DROP TABLE IF EXISTS {synapse_type(key)}")

    def synapse_types(self) -> list[str]:
        rows = self.run("CALL show_tables() RETURN name, type")
        return [r["name"] for r in rows if r["type"] == "REL" and is_key(r["name"][len("SYNAPSE_"):])
                and r["name"].startswith("SYNAPSE_")]

    def copy(self, table: str, data: Any) -> None:
        known = ("Neuron", "Pattern")
        if table not in known and not (table.startswith("SYNAPSE_") and synapse_type(table[8:]) == table):
            raise ArgumentError(f"table: unknown table {table!r}")
        # table is one of the names above; the data is a parameter.  Give
        # each COPY an Arrow table of its own: LadybugDB 0.22 segfaults when
        # the same table object is COPYed into a keyed table again after the
        # rows of its first COPY were rolled back or deleted (seen
        # 2026-12-01; every caller here builds its tables per statement).
        with self.write_lock(), self._guarded():
            self._execute(f"COPY {table} FROM $data", {"data": data})

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        """Writes that reopen the database (:meth:`_after_failed_write`) when
        one of their statements fails while LadybugDB runs it, or Ctrl-C
        stops one; not when a statement is refused before it runs (its text,
        or another write under way), nor for an error of the caller's."""
        self._local.ran = False
        try:
            yield
        except GraphError:
            if getattr(self._local, "ran", False):
                self._after_failed_write()
            raise
        except BaseException:  # Ctrl-C: a statement was interrupted, and may have written part of its rows
            if self._conn is not None:
                self._after_failed_write()
            raise
        finally:
            self._local.ran = False

    def _after_failed_write(self) -> None:
        """Keep a failed write's damage off the disk.  LadybugDB 0.22 can
        corrupt what it holds of a database in memory when a write fails
        while it runs, and its next checkpoint writes that to the file.  In
        scripts where every other save had a COPY refused (a duplicate node
        key), later statements segfaulted or failed ("String dictionary
        index is outside the offset table"), a network read back with 0
        neurons, checkpoints lost the write-ahead log, and reopening failed
        ("Cannot read PIP page ... out of bounds").  Search-net batches
        whose creating LOAD FROM was refused gave wrong links, or a file
        that no longer opened ("table 0 doesn't exist in catalog"), while
        the failed statements' frames stayed alive (see :meth:`_execute`;
        clearing them, or this reopening, each prevented it).  Closing the
        database without a checkpoint and opening it again, which replays
        the write-ahead log onto the last checkpoint, gave the committed
        state every time (seen 2026-12-02; tests in test_trust_graph.py and
        test_searchnet.py).

        So: checkpointing on close is switched off at once (a database-wide
        setting), and when this is the file's only handle the database is
        reopened in place.  Otherwise every handle of the file refuses
        statements until all are closed, and opening the file again gives
        the committed state.  An in-memory database cannot be reopened: it
        refuses statements for good."""
        f = self._file
        assert f is not None
        reason = "a write failed while it ran, which may corrupt what LadybugDB 0.22 holds of a database in memory"
        threshold = None
        try:
            # a connection of its own: this one may still be unwinding an interrupted statement
            conn = self._ladybug.Connection(f.db)
            try:
                conn.execute("CALL force_checkpoint_on_close=false")
                threshold = int(conn.execute("CALL current_setting('checkpoint_threshold') RETURN *").get_next()[0])
            finally:
                conn.close()
        except RuntimeError as exc:
            reason += f" (and switching off its checkpoint failed: {_one_line(exc)})"
        if f.path is None:
            f.broken = f"ladybug: {reason}; this in-memory database refuses every statement: open a new one"
            return
        busy = self._busy is not None and not self._busy.done()
        if not busy and f.handles == 1:
            assert self._conn is not None
            self._conn.close()  # before its database; refused from here on should the reopening fail
        if not busy and _DATABASES.reopen(f, self._ladybug):
            self._conn = self._ladybug.Connection(f.db)
            self._one_thread = False
            if threshold is not None:
                self.set_checkpoint_threshold(threshold)
            return
        if f.broken is None:
            f.broken = (f"ladybug: {reason}; to keep that off the disk, every statement on {f.path!r} is refused: "
                        "close every store of this file in this process and open it again, which restores its "
                        "last committed state")

    def close(self) -> None:
        conn, f = self._conn, self._file
        if self._busy is not None and not self._busy.done():
            return  # still in use by an interrupted statement: closing now would pull the database from under it
        _UNWINDING.discard(self)
        self._conn = self._file = None
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None
        if conn is not None:
            conn.close()
        if self._shared_path is not None:
            _DATABASES.release(self._shared_path)
            self._shared_path = None
        elif f is not None:
            f.db.close()


#: Neo4j runs ``CALL { ... } IN [n] [CONCURRENT] TRANSACTIONS`` only as an
#: auto-commit query, never in an explicit transaction such as
#: ``execute_query``'s.
_IMPLICIT_ONLY = re.compile(r"\bIN\s+(?:\S+\s+)?(?:CONCURRENT\s+)?TRANSACTIONS\b", re.IGNORECASE)
#: The name of a schema statement (``CREATE INDEX name IF NOT EXISTS ...``).
_SCHEMA_NAME = re.compile(r"CREATE (?:CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")


def _schema_name(statement: str) -> str:
    found = _SCHEMA_NAME.match(statement)
    assert found is not None, statement
    return found[1]


#: Rows per pyarrow chunk when a Neo4j result is read as columns.
COLUMN_CHUNK = 65_536


class Neo4jBackend(Backend):
    """Neo4j through the official ``neo4j`` driver.

    - Every call names its database (``database_``), resolved once at open
      when not given, so the driver never resolves the home database per
      call (``cypher_recall`` makes one call per neuron visit).
    - ``execute_query`` and the sessions of :meth:`run_tx` and auto-commit
      queries share the driver's ``execute_query_bookmark_manager``: on a
      cluster, a read after a write sees it.
    - The schema is listed first (``SHOW INDEXES``, ``SHOW CONSTRAINTS``)
      and only what is missing is created, with the vocabulary (labels,
      relationship types, property keys): after one open by a user allowed
      to manage the schema and names, the ``editor`` role suffices, as
      assocmem never creates a new token (every network's synapses share
      the type ``SYNAPSE``).
    - The driver retries transient failures of a whole transaction; each
      of assocmem's transactions is bounded (UNWIND batches, delete slices,
      Hebbian row blocks), so a retry repeats one batch, never a save.
    """

    dialect = NEO4J

    def __init__(self, uri: str, auth: tuple[str, str] | None, database: str | None) -> None:
        neo4j = require("neo4j", "neo4j")
        nx = require("neo4j.exceptions", "neo4j")
        if auth is None and os.environ.get("ASSOCMEM_NEO4J_USER"):
            auth = (os.environ["ASSOCMEM_NEO4J_USER"], os.environ.get("ASSOCMEM_NEO4J_PASSWORD", ""))
        try:
            driver = neo4j.GraphDatabase.driver(uri, auth=auth)
        except (nx.ConfigurationError, ValueError) as exc:
            raise GraphConnectionError(f"target: cannot use Neo4j URI {uri!r}: {exc}") from None
        self._attach(driver, uri, database)

    @classmethod
    def from_driver(cls, driver: Any, target: str, database: str | None = None) -> "Neo4jBackend":
        """A backend over a driver made elsewhere (a ``neo4j.Driver`` with
        your own configuration); it is closed with the backend."""
        self = cls.__new__(cls)
        self._attach(driver, target, database)
        return self

    def _attach(self, driver: Any, target: str, database: str | None) -> None:
        self._nx = nx = require("neo4j.exceptions", "neo4j")
        self._driver = driver
        self.target = target
        self._database = database
        try:
            self._bookmarks = driver.execute_query_bookmark_manager
            try:
                driver.verify_connectivity()
            except (nx.ServiceUnavailable, nx.AuthError, nx.ConfigurationError, ValueError, OSError) as exc:
                raise GraphConnectionError(f"target: cannot reach Neo4j at {target!r}: {exc}") from None
            # a missing or forbidden database fails here, with the driver closed
            _, summary, _ = self._execute("RETURN 1 AS ok", {})
            self._database = summary.database or database
        except BaseException:
            driver.close()
            raise

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

    def _execute(self, query: str, params: dict[str, Any] | None, transformer: Callable[[Any], Any] | None = None):
        kwargs: dict[str, Any] = {"database_": self._database, "bookmark_manager_": self._bookmarks}
        if transformer is not None:
            kwargs["result_transformer_"] = transformer
        return self._wrap(lambda: self._driver.execute_query(query, params or {}, **kwargs))

    def _session(self) -> Any:
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)

    def run(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None) -> list[dict[str, Any]]:
        records, _, _ = self._execute(query, params)
        return [r.data() for r in records]

    def run_user(self, query: str, params: dict[str, Any], *, net: str | None = None) -> list[dict[str, Any]]:
        if not _IMPLICIT_ONLY.search(query):
            return self.run(query, params)

        def go() -> list[dict[str, Any]]:
            with self._session() as session:
                return [r.data() for r in session.run(query, params)]

        return self._wrap(go)

    def columns(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None,
                small: bool = False):
        """The result as a pyarrow Table, built in chunks of COLUMN_CHUNK
        records (values only, no dict per record)."""
        pa = require("pyarrow", "neo4j")

        def table(result: Any) -> Any:
            keys = list(result.keys())
            chunks: list[list[Any]] = [[] for _ in keys]
            rows: list[tuple] = []

            def flush() -> None:
                for k, values in enumerate(zip(*rows)):
                    chunks[k].append(pa.array(values))
                rows.clear()

            for record in result:
                rows.append(tuple(record))
                if len(rows) == COLUMN_CHUNK:
                    flush()
            flush()
            if not chunks or not chunks[0]:
                return None
            columns = {}
            for key, arrays in zip(keys, chunks):
                kind = next((a.type for a in arrays if a.type != pa.null()), pa.null())
                columns[key] = pa.chunked_array([a.cast(kind) if a.type != kind else a for a in arrays])
            return pa.table(columns)

        return self._execute(query, params, table)

    def int_lists(self, query: str, params: dict[str, Any], column: str, *, net: str | None = None) -> np.ndarray:
        return np.array(self._execute(query, params, lambda result: [r[column] for r in result]), dtype=np.int64)

    def run_tx(self, statements: Sequence[Statement]) -> None:
        def work(tx: Any) -> None:
            for query, params in statements:
                tx.run(query, params).consume()

        def go() -> None:
            with self._session() as session:
                session.execute_write(work)

        self._wrap(go)

    def ensure_schema(self) -> None:
        """Create the indexes, constraints and vocabulary that are missing
        (none after the first open), so that roles without schema
        privileges can open a prepared database."""
        nx = self._nx

        def raw(query: str, params: dict[str, Any] | None = None) -> list[Any]:
            records, _, _ = self._driver.execute_query(query, params or {}, database_=self._database,
                                                       bookmark_manager_=self._bookmarks)
            return records

        def go() -> None:
            try:
                present = {r["name"] for q in ("SHOW INDEXES YIELD name", "SHOW CONSTRAINTS YIELD name")
                           for r in raw(q)}
            except nx.Forbidden:  # may not list the schema: an administrator prepared it (README)
                return
            missing = [st for st in self.dialect.schema if _schema_name(st) not in present]
            if not missing:
                return
            try:
                for statement in missing:
                    raw(statement)
                assert self.dialect.vocabulary is not None
                raw(self.dialect.vocabulary, VOCABULARY_PARAMS)
            except nx.Forbidden as exc:
                raise GraphError(
                    f"neo4j {self.target}: assocmem's schema is incomplete (missing: "
                    f"{', '.join(_schema_name(st) for st in missing)}) and this user may not create it "
                    f"({exc.code}); open the database once as a user who may manage indexes, constraints and "
                    "names (e.g. the architect or admin role); see README, 'Neo4j privileges'"
                ) from None

        self._wrap(go)

    def _delete_slice(self, n: int) -> int:
        # the synapses go with their neurons (DETACH DELETE): bound them per transaction
        return max(1, DELETE_SYNAPSES // max(n - 1, 1))

    def drop_synapse_type(self, key: str) -> None:
        """Nothing to drop: every network shares the type ``SYNAPSE``, and a
        network's synapses are deleted with its neurons."""

    def synapse_types(self) -> list[str]:
        rows = self.run("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType AS name")
        shared = self.dialect.shared_synapse_type
        return [r["name"] for r in rows if r["name"] == shared]

    def close(self) -> None:
        self._driver.close()


#: FalkorDB graph names assocmem accepts for its main graph.
_GRAPH_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,99}")
#: FalkorDB's bulk-insert value types (see falkordb-bulk-loader).
_DOUBLE, _STRING, _LONG, _ARRAY = 2, 3, 4, 5
#: Bytes per GRAPH.BULK call (the server's own loader sends at most 64 MB).
BULK_BYTES = 32 * 2**20


def _bulk_header(name: str, props: Sequence[str]) -> bytes:
    return name.encode() + b"\0" + struct.pack("=I", len(props)) + b"".join(p.encode() + b"\0" for p in props)


def _long_array(values: np.ndarray) -> np.ndarray:
    """Rows of int64 values as FalkorDB bulk ARRAY properties, one row each
    (type byte, length, then a type byte before every element)."""
    rows, width = values.shape
    out = np.empty((rows, 9 + 9 * width), dtype=np.uint8)
    out[:, 0] = _ARRAY
    out[:, 1:9] = np.frombuffer(struct.pack("=q", width), dtype=np.uint8)
    cells = out[:, 9:].reshape(rows, width, 9)
    cells[:, :, 0] = _LONG
    cells[:, :, 1:] = values.astype("<i8", copy=False).view(np.uint8).reshape(rows, width, 8)
    return out


class FalkorDBBackend(Backend):
    """FalkorDB through its official client (RESP, not Bolt: FalkorDB's Bolt
    endpoint fails on list parameters over a few KB).

    The store's catalogue (``Network``, ``AssocmemKey``) and the search nets
    live in the main graph (``falkordb://host:port?graph=NAME``, default
    ``assocmem``); each network's neurons, patterns and synapses in a graph
    of their own, ``<graph>:net:<key>``.  Saving a network is then one
    ``GRAPH.BULK`` load into a new graph (the server's bulk-insert path, about
    30x faster than ``UNWIND``), and deleting it one ``GRAPH.DELETE``; no
    relationship type outlives its network.

    FalkorDB has no multi-statement transactions: :meth:`run_tx` sends its
    statements as one ``MULTI``/``EXEC`` block, which no other client can
    interleave and which the append-only file replays whole or not at all;
    a statement failing at run time would not undo the ones before it, so
    assocmem groups only statements that cannot fail on valid input.

    Statements are never retried: a connection lost during one is a
    GraphConnectionError (the statement may or may not have run; a save in
    flight stays invisible and is cleaned up by the next save of its name).
    A connection found dead before a statement is sent (the server was
    restarted) is replaced silently.
    """

    dialect = FALKORDB
    graph_per_network = True
    #: Seconds to wait for a connection before reporting the server down.
    CONNECT_TIMEOUT_S = 5.0

    def __init__(self, uri: str, auth: tuple[str, str] | None, database: str | None) -> None:
        falkordb = require("falkordb", "falkordb")
        self._redis = require("redis", "falkordb")
        retry = require("redis.retry", "falkordb")
        backoff = require("redis.backoff", "falkordb")
        parts = urllib.parse.urlsplit(uri)
        try:
            host, port = parts.hostname or "localhost", parts.port or 6379
        except ValueError as exc:
            raise ArgumentError(f"target: bad FalkorDB URI {uri!r}: {exc}") from None
        query = urllib.parse.parse_qs(parts.query)
        graph = database if database is not None else query.get("graph", ["assocmem"])[-1]
        if not isinstance(graph, str) or not _GRAPH_NAME.fullmatch(graph):
            raise ArgumentError(f"database: expected a graph name of letters, digits, '_', '.', '-'; got {graph!r}")
        user, password = (parts.username, parts.password) if parts.password is not None else (None, None)
        if auth is not None:
            user, password = auth
        elif password is None and os.environ.get("ASSOCMEM_FALKORDB_PASSWORD"):
            user, password = os.environ.get("ASSOCMEM_FALKORDB_USER") or None, os.environ["ASSOCMEM_FALKORDB_PASSWORD"]
        self.target = f"falkordb://{host}:{port}?graph={graph}"
        self._graph = graph
        self._graphs: dict[str, Any] = {}
        rx = self._redis.exceptions
        self._lost = (rx.ConnectionError, rx.TimeoutError)
        try:
            # one retry, used only by the health check: a pooled connection
            # idle for a second is pinged first and replaced if dead.
            self._db = falkordb.FalkorDB(
                host=host, port=port, username=user or None, password=password,
                socket_connect_timeout=self.CONNECT_TIMEOUT_S, socket_keepalive=True,
                health_check_interval=1, retry=retry.Retry(backoff.NoBackoff(), 1), retry_on_error=[],
            )
            self._r = self._db.connection
            self._r.ping()
        except rx.AuthenticationError as exc:
            raise GraphConnectionError(f"target: FalkorDB at {host}:{port} refused the credentials: {exc}") from None
        except rx.ResponseError as exc:  # NOAUTH and the like
            raise GraphConnectionError(f"target: FalkorDB at {host}:{port}: {exc}") from None
        except self._lost as exc:
            raise GraphConnectionError(f"target: cannot reach FalkorDB at {host}:{port}: {exc}") from None
        try:
            self._r.execute_command("GRAPH.CONFIG", "GET", "TIMEOUT")
        except rx.ResponseError:
            self._db.close()
            raise GraphConnectionError(f"target: {host}:{port} is a Redis server without the FalkorDB module") from None

    # ------------------------------------------------------------ plumbing
    def _name(self, net: str | None) -> str:
        if net is None:
            return self._graph
        if not is_key(net):
            raise ArgumentError(f"net: expected 32 lowercase hex digits; got {net!r}")
        return f"{self._graph}:net:{net}"

    def _select(self, name: str) -> Any:
        g = self._graphs.get(name)
        if g is None:
            if len(self._graphs) > 64:
                self._graphs.clear()
            g = self._graphs[name] = self._db.select_graph(name)
        return g

    def _call(self, fn: Callable[[], Any]) -> Any:
        rx = self._redis.exceptions
        try:
            return fn()
        except rx.AuthenticationError as exc:
            raise GraphConnectionError(f"falkordb {self.target}: authentication failed: {exc}") from None
        except self._lost as exc:
            raise GraphConnectionError(f"falkordb {self.target}: connection lost: {exc}") from None
        except rx.RedisError as exc:  # a statement the server refused (ResponseError), and the rest
            raise GraphError(f"falkordb {self.target}: {_one_line(exc)}") from None

    def _query(self, query: str, params: dict[str, Any] | None, net: str | None) -> Any:
        graph = self._select(self._name(net))
        return self._call(lambda: graph.query(query, params or None))

    # ------------------------------------------------------------ Backend
    def run(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None) -> list[dict[str, Any]]:
        result = self._query(query, params, net)
        names = [h[1] for h in result.header]
        return [dict(zip(names, row)) for row in result.result_set]

    def columns(self, query: str, params: dict[str, Any] | None = None, *, net: str | None = None,
                small: bool = False):
        pa = require("pyarrow", "falkordb")
        result = self._query(query, params, net)
        if not result.result_set:
            return None
        names = [h[1] for h in result.header]
        return pa.table(dict(zip(names, (list(c) for c in zip(*result.result_set)))))

    def int_lists(self, query: str, params: dict[str, Any], column: str, *, net: str | None = None) -> np.ndarray:
        """Read in the server's verbose reply format, where a list comes as
        one string: the client's typed format costs ~8 us per element in
        Python (193 s for a 4800 x 4800 dendrites network, 5 s this way)."""
        name = self._name(net)
        text = self._select(name)._build_params_header(params or None) + query
        header, rows = self._call(lambda: self._r.execute_command("GRAPH.QUERY", name, text))[:2]
        k = [h.decode() if isinstance(h, bytes) else h for h in header].index(column)
        out = []
        for row in rows:
            cell = row[k].decode() if isinstance(row[k], bytes) else row[k]
            inner = cell.strip()[1:-1]
            out.append(np.array(inner.split(",") if inner else [], dtype=np.int64))
        return np.array(out, dtype=np.int64)

    def run_tx(self, statements: Sequence[Statement]) -> None:
        graph = self._select(self._graph)

        def go() -> None:
            pipe = self._r.pipeline(transaction=True)
            for query, params in statements:
                pipe.execute_command("GRAPH.QUERY", self._graph, graph._build_params_header(params or None) + query,
                                     "--compact")
            pipe.execute()

        self._call(go)

    def ensure_schema(self) -> None:
        self._create_indexes(None, self.dialect.schema)

    def _create_indexes(self, net: str | None, statements: Sequence[str]) -> None:
        """Create the indexes that are missing (CREATE INDEX fails on an
        existing one, and reading first needs no write privilege)."""
        have = {(r["label"], p) for r in self.run("CALL db.indexes() YIELD label, properties RETURN label, "
                                                  "properties", net=net) for p in r["properties"]}
        for statement in statements:
            label, prop = re.fullmatch(r"CREATE INDEX FOR \(x:(\w+)\) ON \(x\.(\w+)\)", statement).groups()
            if (label, prop) not in have:
                self.run(statement, net=net)

    def begin_network(self, key: str) -> None:
        self._create_indexes(key, FALKORDB_NETWORK_SCHEMA)

    def delete_network_data(self, key: str, n: int) -> None:
        name = self._name(key)
        self._graphs.pop(name, None)
        if self._call(lambda: self._r.exists(name)):
            self._call(lambda: self._r.execute_command("GRAPH.DELETE", name))

    def drop_synapse_type(self, key: str) -> None:
        self.delete_network_data(key, 0)

    def synapse_types(self) -> list[str]:
        prefix = f"{self._graph}:net:"
        graphs = self._call(lambda: self._r.execute_command("GRAPH.LIST"))
        return [f"SYNAPSE_{g[len(prefix):]}" for g in (x.decode() if isinstance(x, bytes) else x for x in graphs)
                if g.startswith(prefix) and is_key(g[len(prefix):])]

    @property
    def supports_bulk(self) -> bool:
        return True

    def bulk_network(self, key: str, neurons: dict[str, np.ndarray], dendrites: np.ndarray | None,
                     patterns: np.ndarray, synapses: Iterable[tuple[np.ndarray, ...]] | None, bar: Any) -> None:
        """Write one network into its own new graph with ``GRAPH.BULK``:
        neurons (internal ids 0..n-1 in order of ``idx``), then patterns,
        then synapses ``(a, b, c, w)`` given as neuron indices; indexes last.

        ``neurons`` holds int64 ``id``, ``idx``, ``state``, ``thr`` and
        float64 ``theta``; ``dendrites`` the (n, n) counts or None."""
        name = self._name(key)
        first = [True]

        def send(nodes: int, edges: int, labels: list[bytes], types: list[bytes]) -> None:
            args: list[Any] = [nodes, edges, len(labels), len(types), *labels, *types]
            if first[0]:
                args.insert(0, "BEGIN")
                first[0] = False
            self._call(lambda: self._r.execute_command("GRAPH.BULK", name, *args))

        n = neurons["idx"].size
        row = np.dtype([("t0", "u1"), ("id", "<i8"), ("t1", "u1"), ("net", "S33"), ("t2", "u1"), ("idx", "<i8"),
                        ("t3", "u1"), ("state", "<i8"), ("t4", "u1"), ("theta", "<f8"), ("t5", "u1"),
                        ("thr", "<i8")])
        fixed = np.zeros(n, row)
        for k, (field, kind) in enumerate((("id", _LONG), ("net", _STRING), ("idx", _LONG), ("state", _LONG),
                                           ("theta", _DOUBLE), ("thr", _LONG))):
            fixed[f"t{k}"] = kind
            fixed[field] = key.encode() if field == "net" else neurons[field]
        props = ["id", "net", "idx", "state", "theta", "thr"] + ([] if dendrites is None else ["c"])
        header = _bulk_header("Neuron", props)
        per_row = row.itemsize + (0 if dendrites is None else 9 + 9 * n)
        step = max(1, BULK_BYTES // per_row)
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            body = fixed[lo:hi].view(np.uint8).reshape(hi - lo, row.itemsize)
            if dendrites is not None:
                body = np.concatenate([body, _long_array(dendrites[lo:hi])], axis=1)
            send(hi - lo, 0, [header + body.tobytes()], [])
            bar.update(hi - lo)
        p = patterns.shape[0]
        if p:
            header = _bulk_header("Pattern", ["id", "net", "mu", "xi"])
            xi = _long_array(patterns)
            net_prop = struct.pack("=B", _STRING) + key.encode() + b"\0"
            step = max(1, BULK_BYTES // (xi.shape[1] + 80))
            for lo in range(0, p, step):
                hi = min(p, lo + step)
                body = b"".join(
                    struct.pack("=B", _STRING) + f"{key}:{mu}".encode() + b"\0" + net_prop
                    + struct.pack("=Bq", _LONG, mu) + xi[mu].tobytes()
                    for mu in range(lo, hi)
                )
                send(hi - lo, 0, [header + body], [])
                bar.update(hi - lo)
        if synapses is not None:
            header = _bulk_header(synapse_type(key), ["c", "w"])
            edge = np.dtype([("a", "<u8"), ("b", "<u8"), ("tc", "u1"), ("c", "<i8"), ("tw", "u1"), ("w", "<f8")])
            step = BULK_BYTES // edge.itemsize
            for a, b, c, w in synapses:
                for lo in range(0, a.size, step):
                    hi = min(a.size, lo + step)
                    e = np.empty(hi - lo, edge)
                    e["a"], e["b"], e["tc"], e["c"], e["tw"], e["w"] = a[lo:hi], b[lo:hi], _LONG, c[lo:hi], _DOUBLE, w[lo:hi]
                    send(0, hi - lo, [], [header + e.tobytes()])
                    bar.update(hi - lo)
        self.begin_network(key)

    def close(self) -> None:
        self._graphs.clear()
        self._db.close()


#: LadybugDB's own checkpoint threshold (bytes of write-ahead log)
DEFAULT_CHECKPOINT_THRESHOLD = 16 * 2**20


def open_backend(target: str | os.PathLike[str] | None, auth: tuple[str, str] | None, database: str | None) -> Backend:
    if target is None or isinstance(target, os.PathLike):
        return LadybugBackend(target)
    if not isinstance(target, str):
        raise ArgumentError(f"target: expected None, a path or a bolt://, neo4j:// or falkordb:// URI; got {type(target).__name__}")
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    if scheme in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        return Neo4jBackend(target, auth, database)
    if scheme == "falkordb":
        return FalkorDBBackend(target, auth, database)
    if scheme:
        raise ArgumentError(
            f"target: unsupported scheme {scheme!r}; expected a path, bolt://, neo4j:// or falkordb://"
        )
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
