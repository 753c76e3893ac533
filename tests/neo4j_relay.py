"""A recording Neo4j driver that relays every statement to a real FalkorDB.

``Neo4jBackend.from_driver(RelayDriver(graph), ...)`` makes the Neo4j backend
send exactly the calls it sends a Neo4j server: ``execute_query`` with its
keyword arguments, managed write transactions, auto-commit session queries.
The relay records each call, packs its parameters with the ``neo4j``
driver's own PackStream packer (what the driver would put on the wire), and
runs the statement on a real FalkorDB graph, whose Cypher agrees with Neo4j's
on everything the store sends except schema commands (``SHOW``, ``CREATE
CONSTRAINT``/``INDEX``), which the relay answers itself from a schema it
keeps.  The answers come back as real ``neo4j.Record`` objects.

This checks what assocmem sends to Neo4j and that a real Cypher database
runs it with the right results.  It is no evidence that Neo4j runs it:
``tests/test_neo4j.py`` is, against a real server, when one is configured.
FalkorDB sends doubles rounded to 15 significant digits, so the tests that
compare floats use values exact in 15 digits (n a power of two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j import EagerResult, Record
from neo4j._codec.packstream.v1 import Packer

try:
    from neo4j._codec.packstream._common import PackableBuffer
except ImportError:  # older drivers keep it beside the packer
    from neo4j._codec.packstream.v1 import PackableBuffer  # type: ignore[no-redef]

_SCHEMA = re.compile(r"CREATE (CONSTRAINT|INDEX) (\w+) IF NOT EXISTS")


@dataclass
class Call:
    kind: str  # "execute_query", "tx" (managed write transaction), "auto" (auto-commit session query)
    query: str
    params: dict[str, Any]
    database: str | None
    bookmark_manager: Any
    extra: dict[str, Any] = field(default_factory=dict)


def packed(params: dict[str, Any]) -> bytes:
    """The parameters as the driver packs them (raises on what it cannot
    send), after checking they are plain values (no NumPy scalars, tuples or
    other types the driver would convert silently)."""

    def plain(v: Any, where: str) -> None:
        if v is None or isinstance(v, (bool, int, float, str)):
            if isinstance(v, int) and not -(2**63) <= v < 2**63:
                raise AssertionError(f"{where}: integer {v} does not fit in 64 bits")
            return
        if type(v) is list:
            for k, item in enumerate(v):
                plain(item, f"{where}[{k}]")
            return
        if type(v) is dict:
            for k, item in v.items():
                assert isinstance(k, str), f"{where}: map key {k!r} is not a str"
                plain(item, f"{where}.{k}")
            return
        raise AssertionError(f"{where}: {type(v).__name__} is not a plain Cypher value")

    plain(params, "params")
    buf = PackableBuffer()
    Packer(buf).pack(params)
    return bytes(buf.data)


class _Summary:
    def __init__(self, database: str) -> None:
        self.database = database


class _Result:
    """The part of ``neo4j.Result`` a result transformer uses."""

    def __init__(self, keys: list[str], records: list[Record]) -> None:
        self._keys, self._records = keys, records

    def keys(self) -> list[str]:
        return list(self._keys)

    def __iter__(self):
        return iter(self._records)

    def consume(self) -> _Summary:
        return _Summary("")


class RelayDriver:
    """Records what the backend sends; answers from FalkorDB ``graph``.

    ``fail``: {statement prefix: exception} raised instead of answering (a
    forbidden schema listing, a missing database, ...)."""

    def __init__(self, graph: Any, database: str = "neo4j") -> None:
        self.graph = graph
        self.database = database
        self.execute_query_bookmark_manager = neo4j.GraphDatabase.bookmark_manager()
        self.calls: list[Call] = []
        self.schema: dict[str, str] = {}  # name -> "CONSTRAINT" | "INDEX"
        self.fail: dict[str, BaseException] = {}
        self.closed = False
        self.packed_bytes = 0

    # --- what Neo4jBackend calls ----------------------------------------------------
    def verify_connectivity(self) -> None:
        assert not self.closed

    def close(self) -> None:
        self.closed = True

    def execute_query(self, query_: str, parameters_: dict[str, Any] | None = None, routing_: Any = None,
                      database_: str | None = None, bookmark_manager_: Any = None,
                      result_transformer_: Any = None, **kwargs: Any) -> Any:
        keys, records = self._answer("execute_query", query_, parameters_ or {}, database_, bookmark_manager_,
                                     dict(kwargs, routing_=routing_))
        if result_transformer_ is None:
            return EagerResult(records, _Summary(database_ or self.database), keys)
        return result_transformer_(_Result(keys, records))

    def session(self, database: str | None = None, bookmark_manager: Any = None, **kwargs: Any) -> "_Session":
        return _Session(self, database, bookmark_manager)

    # --- the relay ------------------------------------------------------------------
    def _answer(self, kind: str, query: str, params: dict[str, Any], database: str | None, bookmarks: Any,
                extra: dict[str, Any] | None = None) -> tuple[list[str], list[Record]]:
        assert not self.closed, "a call on a closed driver"
        self.calls.append(Call(kind, query, params, database, bookmarks, extra or {}))
        self.packed_bytes += len(packed(params))
        for prefix, exc in self.fail.items():
            if query.startswith(prefix):
                raise exc
        if query.startswith("SHOW INDEXES"):  # every index, those backing constraints included
            return ["name"], [Record([("name", name)]) for name in sorted(self.schema)]
        if query.startswith("SHOW CONSTRAINTS"):
            return ["name"], [Record([("name", n)]) for n, k in sorted(self.schema.items()) if k == "CONSTRAINT"]
        found = _SCHEMA.match(query)
        if found:
            self.schema[found[2]] = found[1]
            return [], []
        if kind == "auto" and re.search(r"IN\s+TRANSACTIONS", query):  # Neo4j-only syntax: recorded, not run
            return [], []
        result = self.graph.query(query, params or None)
        keys = [h[1] for h in result.header]
        return keys, [Record(zip(keys, row)) for row in result.result_set]

    def of_kind(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]


class _Tx:
    def __init__(self, session: "_Session") -> None:
        self._s = session

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> _Result:
        d = self._s.driver
        keys, records = d._answer("tx", query, parameters or {}, self._s.database, self._s.bookmark_manager)
        return _Result(keys, records)


class _Session:
    def __init__(self, driver: RelayDriver, database: str | None, bookmark_manager: Any) -> None:
        self.driver, self.database, self.bookmark_manager = driver, database, bookmark_manager

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def execute_write(self, work: Any) -> Any:
        return work(_Tx(self))

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> list[Record]:
        _, records = self.driver._answer("auto", query, parameters or {}, self.database, self.bookmark_manager)
        return records
