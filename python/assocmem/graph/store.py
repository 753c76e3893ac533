"""GraphStore: Hopfield networks mirrored into a graph database."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np

from .. import _hopfield, _validate
from .._optional import require
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    GraphConnectionError,
    GraphError,
    NetworkExistsError,
    NetworkNotFoundError,
)
from ..hopfield import Hopfield, RecallResult
from ..thresholds import as_thresholds, integer_thresholds
from . import cypher, explain, loaders, pure_cypher
from .cypher import INTERACTION_KEY
from .backends import Backend, batched

__all__ = ["GraphStore", "NAME_PATTERN"]

tqdm = require("tqdm", "graph").tqdm

#: Neurons per UNWIND statement of a state write (GraphStore._set_state).
STATE_ROWS = 5000
#: Network names: letters, digits, '_', '.', '-'; at most 128 characters.
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")


def _name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise ArgumentError(
            "name: expected 1-128 letters, digits, '_', '.' or '-' starting with a letter or '_'; "
            f"got {name!r}"
        )
    return name


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):  # nested lists must agree on their items too
        inner = {_kind(v) for v in value} - {"null"}
        if len(inner) > 1:
            inner.discard("list")
        return "list of " + "/".join(sorted(inner)) if inner else "list"
    return type(value).__name__


def _param(name: str, value: Any) -> Any:
    """A query parameter as a plain value every backend stores as given."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise ArgumentError(f"{name}: integers must fit in 64 bits; got {value}")
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, (list, tuple)):
        items = [_param(f"{name}[{k}]", v) for k, v in enumerate(value)]
        kinds = {_kind(v) for v in items} - {"null"}
        if len(kinds) > 1:
            kinds.discard("list")  # an empty list fits any list kind
        if len(kinds) > 1:
            raise ArgumentTypeError(
                f"{name}: a list parameter must hold one kind of value; got {', '.join(sorted(kinds))}"
            )
        return items
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ArgumentTypeError(f"{name}: a map parameter must have str keys")
        return {k: _param(f"{name}.{k}", v) for k, v in value.items()}
    raise ArgumentTypeError(
        f"{name}: cannot pass a {type(value).__name__} to the database; expected None, bool, int, float, str, "
        "a list or a dict of these"
    )


class GraphStore:
    """A graph database holding Hopfield networks (and search nets).

    Open one with :func:`assocmem.graph.open`.  Several networks coexist in a
    database, each under its name; a network becomes visible only once it is
    complete (its ``Network`` node is marked last).
    """

    def __init__(self, backend: Backend) -> None:
        self._b = backend
        self._lb = backend.dialect.list_base
        self._hebb = backend.dialect.render(cypher.CYPHER_HEBB)
        self._read_neurons = cypher.READ_NEURONS.format(theta=backend.dialect.float_out("x.theta", "theta"))
        self._read_synapses = cypher.READ_SYNAPSES.format(w=backend.dialect.float_out("s.w", "w"))
        try:
            backend.ensure_schema()
            if backend.opened_alone:  # a dead save's leftovers (see Backend.opened_alone)
                with backend.write_lock():
                    self._vacuum(None)
        except BaseException:
            backend.close()
            raise

    # ------------------------------------------------------------ plumbing
    @property
    def backend(self) -> Backend:
        return self._b

    @property
    def dialect(self) -> str:
        return self._b.dialect.name

    def close(self) -> None:
        self._b.close()

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GraphStore({self.dialect}: {self._b.target})"

    def query(self, cypher_text: str, *, network: str | None = None, **params: Any) -> list[dict[str, Any]]:
        """Run any Cypher with ``$parameters``; rows as plain dicts.

        Parameters may be None, bool, int (64-bit), float, str, NumPy
        scalars and arrays, lists of one kind of value, and dicts with str
        keys; anything else is refused with an error naming the parameter.

        ``network``: run the query where that network's neurons, patterns
        and synapses are.  FalkorDB keeps each network in a graph of its own
        (the main graph holds the catalogue and the search nets), so a query
        about a network's neurons or synapses names it there; on LadybugDB
        and Neo4j everything is one graph and ``network`` only checks that
        the network exists.

        Each query is one transaction, except on Neo4j a query using
        ``CALL { ... } IN TRANSACTIONS``, which Neo4j runs only as an
        auto-commit query: it is sent so (it commits batch by batch, and
        the driver does not retry it).
        """
        if not isinstance(cypher_text, str) or not cypher_text.strip():
            raise ArgumentError("cypher: expected a non-empty Cypher string")
        key = None if network is None else self._network(network)["key"]
        return self._b.run_user(cypher_text, {k: _param(k, v) for k, v in params.items()}, net=key)

    def searchnet_links(self, name: str, rules: str | None, cache_size: int, layout: str | None = None) -> Any:
        """The link store of a :class:`assocmem.SearchNet` kept in this
        store (``SearchNet(store, ...)`` calls it); None for ``rules`` or
        ``layout``: the stored net's, or the default for a new net."""
        from .searchnet_store import GraphLinks

        return GraphLinks(self, name, rules, cache_size, layout)

    # ------------------------------------------------------------ networks
    def networks(self) -> list[dict[str, Any]]:
        """Complete networks: name, key (the ``net`` property of its
        ``Neuron`` and ``Pattern`` nodes), n, p, layout, synapse type,
        metadata."""
        return [
            {"name": r["name"], "key": r["key"], "n": r["n"], "p": r["p"], "layout": r["layout"],
             "synapse_type": self._b.dialect.synapse_type(r["key"]) if r["layout"] == "synapses" else None,
             "metadata": {k: v for k, v in json.loads(r["meta"] or "{}").items() if k != INTERACTION_KEY}}
            for r in self._b.run(cypher.NETWORKS)
        ]

    def synapse_type(self, name: str) -> str:
        """Relationship type of a network's synapses, for your own Cypher:
        ``MATCH (a:Neuron)-[s:<type>]->(b:Neuron) ...``.

        On LadybugDB and FalkorDB the type is the network's own
        (``SYNAPSE_<key>``).  On Neo4j every network's synapses share the
        type ``SYNAPSE`` (Neo4j never frees a relationship type, so one per
        network would run into its limit of 65,536 and would need the
        privilege to create types on every save): select a network by its
        neurons there, ``MATCH (a:Neuron)-[s:SYNAPSE]->(b:Neuron) WHERE
        a.net = $key`` with the ``key`` from :meth:`networks`.
        """
        found = self._network(name)
        if found["layout"] != "synapses":
            raise ArgumentError(f"name: network {name!r} has layout {found['layout']!r}; it has no synapses")
        return self._b.dialect.synapse_type(found["key"])

    def _find(self, name: str) -> dict[str, Any] | None:
        rows = [r for r in self._b.run(cypher.NETWORKS_NAMED, {"name": name}) if r["complete"]]
        if len(rows) > 1:  # only possible through writes outside assocmem
            raise GraphError(f"name: {len(rows)} complete networks are named {name!r}")
        return {**rows[0], "name": name} if rows else None

    def _network(self, name: Any) -> dict[str, Any]:
        found = self._find(_name(name))
        if found is None:
            known = ", ".join(repr(r["name"]) for r in self.networks()) or "none"
            raise NetworkNotFoundError(f"name: no complete network named {name!r} (stored: {known})")
        return found

    def _delete_key(self, key: str, n: int) -> None:
        """Delete everything of one registered key: the network node first
        (a network is never visible with part of its data), the registry
        entry last, so an interrupted delete is finished by a later vacuum
        (a registered key without a network node)."""
        self._b.run(cypher.DELETE_NETWORK_NODE, {"key": key})
        self._b.delete_network_data(key, n)
        self._b.run(cypher.UNREGISTER_KEY, {"key": key})

    def _vacuum(self, name: str | None) -> None:
        """Remove what failed or overwritten saves left: incomplete networks
        of this name (``None``: of every name, when no save can be under
        way), and registered keys whose network node is gone.  Only keys in
        assocmem's registry are touched, never foreign data."""
        if name is None:
            incomplete = self._b.run(cypher.INCOMPLETE_NETWORKS)
        else:
            incomplete = [r for r in self._b.run(cypher.NETWORKS_NAMED, {"name": name}) if not r["complete"]]
        for r in incomplete:
            if cypher.is_key(r["key"]):
                self._delete_key(r["key"], r["n"])
        keys = {r["key"] for r in self._b.run(cypher.NETWORK_KEYS)}
        for key in {r["key"] for r in self._b.run(cypher.REGISTERED_KEYS)} - keys:
            if not cypher.is_key(key):
                continue  # not a key assocmem generates: leave it alone
            if self._b.graph_per_network:  # its graph goes whole; reading it first would create it
                self._delete_key(key, 0)
                continue
            top = self._b.run(cypher.MAX_NEURON_IDX, {"key": key}, net=key)
            self._delete_key(key, (top[0]["top"] or 0) + 1 if top else 1)

    def delete_network(self, name: str) -> None:
        """Delete a network and everything it owns."""
        with self._b.write_lock():
            found = self._network(name)
            self._delete_key(found["key"], found["n"])

    def _begin(self, name: str, n: int, p: int, layout: str, meta: dict[str, Any], overwrite: bool) -> tuple[str, int, dict | None]:
        existing = self._find(name)
        if existing is not None and not overwrite:
            raise NetworkExistsError(f"name: a network named {name!r} exists; pass overwrite=True to replace it")
        self._vacuum(name)
        top = self._b.run(cypher.MAX_NEURON_ID)
        base = int(top[0]["top"]) + 1 if top and top[0]["top"] is not None else 0
        key = uuid.uuid4().hex
        self._b.run_tx([
            (cypher.REGISTER_KEY, {"key": key}),
            (cypher.CREATE_NETWORK,
             {"key": key, "name": name, "n": n, "p": p, "base": base, "layout": layout, "meta": json.dumps(meta)}),
        ])
        return key, base, existing

    def _finish(self, name: str, key: str, n: int, existing: dict[str, Any] | None) -> None:
        """Make the new network visible and the old one invisible at once
        (one transaction), then remove the old one's data.  Once that
        transaction may have committed the new network is never removed: a
        refused swap (a GraphError other than a lost connection) removes
        it; Ctrl-C or a lost connection during the swap leave it complete
        or incomplete, and the next save of the name or opening of the
        store removes it if incomplete; a failure while the old data is
        removed leaves that data to the next clean-up (its network node is
        gone: :meth:`_vacuum`), and only Ctrl-C is raised then, the save
        being done.  A swap that found no network node to complete (another
        process's save of the name removed it as a leftover) removes what
        this save wrote and raises."""
        statements = [(cypher.COMPLETE_NETWORK, {"key": key})]
        if existing is not None:
            statements.insert(0, (cypher.DELETE_NETWORK_NODE, {"key": existing["key"]}))
        try:
            self._b.run_tx(statements)
        except GraphError as exc:
            if not isinstance(exc, GraphConnectionError):  # rolled back
                self._abort(key, n)
            raise
        if not self._b.run(cypher.NETWORK_COMPLETE, {"key": key}):
            # the swap found no network node to complete: on a server, another process's save of the name
            # cleaned it up as a failed save's leftover (_vacuum) while this one wrote; what this save wrote
            # after that is removed here
            self._abort(key, n)
            raise GraphError(f"name: network {name!r} was not stored: another save of that name (another process) "
                             "removed this save's unfinished network while it was written; save again, one writer "
                             "per name at a time")
        if existing is not None:
            try:
                self._delete_key(existing["key"], existing["n"])
            except GraphError:
                pass  # stored; what is left of the old network goes with the next clean-up

    def _abort(self, key: str, n: int) -> None:
        try:
            self._delete_key(key, n)
        except GraphError:
            pass  # the server may be gone (or the file refuses statements after a failed write): the network
            # stays incomplete and invisible; the file's next opening (LadybugDB) or save of its name removes it

    @contextmanager
    def _writing(self, name: str, n: int, p: int, layout: str, meta: dict[str, Any],
                 overwrite: bool) -> Iterator[tuple[str, int]]:
        """Write a network under a new key: yields (key, base); on success
        the network becomes visible (replacing an old one of the name in
        the same transaction), on a failure before that what was written is
        removed (see :meth:`_finish` for one during the swap).
        This process's other saves into the database wait meanwhile, so that
        two never take the same neuron ids."""
        with self._b.write_lock():
            key, base, existing = self._begin(name, n, p, layout, meta, overwrite)
            try:
                yield key, base
            except BaseException:
                self._abort(key, n)
                raise
            self._finish(name, key, n, existing)

    # ---------------------------------------------------------------- save
    def save_network(
        self,
        net: Hopfield,
        name: str,
        *,
        layout: Literal["synapses", "dendrites", "memories"] = "synapses",
        batch_size: int = 10_000,
        progress: bool = True,
        overwrite: bool = False,
        method: Literal["auto", "copy", "bulk", "unwind"] = "auto",
        state: Any = None,
    ) -> None:
        """Write a network into the database.

        Parameters
        ----------
        net : Hopfield
        name : str
            Network name (letters, digits, '_', '.', '-').
        layout : {"synapses", "dendrites", "memories"}
            "synapses": one ``SYNAPSE`` relationship per pair i < j with the
            exact count ``c`` and the weight ``w = c / n``; "dendrites": each
            neuron holds its row of exact counts as the array ``c``.  A dense
            memory (``rule="dense"``) is stored as the bipartite network it
            is, "memories": the feature neurons and one ``Pattern`` node per
            memory holding its pattern ``xi``; its layout is always
            "memories".
        batch_size : int
            Rows per ``UNWIND`` batch (Neo4j, or ``method="unwind"``).
        progress : bool
            Show progress bars (tqdm) for loads over a second.
        overwrite : bool
            Replace a network of the same name.  The old one stays complete
            and visible until the new one is complete.
        method : {"auto", "copy", "bulk", "unwind"}
            "auto": ``COPY`` on LadybugDB, ``GRAPH.BULK`` on FalkorDB,
            ``UNWIND`` batches on Neo4j.
        state : array-like of shape (n,), optional
            Neuron states to store (default all +1).
        """
        if not isinstance(net, Hopfield):
            raise ArgumentError(f"net: expected an assocmem.Hopfield; got {type(net).__name__}")
        name = _name(name)
        layout = _validate.choice("layout", layout, ("synapses", "dendrites", "memories"))
        if isinstance(net, Hopfield) and net.rule == "dense":
            layout = "memories"
        elif layout == "memories":
            raise ArgumentError("layout: 'memories' stores dense memories (rule='dense'); this network is "
                                f"{getattr(net, 'rule', '?')!r}")
        method = _validate.choice("method", method, ("auto", "copy", "bulk", "unwind"))
        batch_size = _validate.positive_int("batch_size", batch_size)
        if method == "auto":
            method = "copy" if self._b.supports_copy else "bulk" if self._b.supports_bulk else "unwind"
        if method == "copy" and not self._b.supports_copy:
            raise ArgumentError(f"method: 'copy' needs LadybugDB; this store is {self.dialect}")
        if method == "bulk" and not self._b.supports_bulk:
            raise ArgumentError(f"method: 'bulk' needs FalkorDB; this store is {self.dialect}")
        if net.n_patterns == 0:
            raise ArgumentError("net: no patterns are stored; nothing to save")
        if net.rule not in ("hebbian", "dense"):
            raise ArgumentError(
                f"net: the graph mirror stores Hebbian networks (exact integer counts) and dense memories; this "
                f"one uses {net.rule!r}"
            )
        n, p = net.n_neurons, net.n_patterns
        s = np.ones(n, dtype=np.int8) if state is None else _validate.bipolar("state", state, n)
        counts = net.counts if net.rule == "hebbian" else None
        meta = dict(net.metadata)
        if net.rule == "dense":
            meta[INTERACTION_KEY] = net.interaction
        bar = tqdm(total=self._work(n, p, layout), desc=f"saving {name}", unit="row", delay=1.0, disable=not progress)
        loader = loaders.LOADERS[method](self._b, batch_size)
        with self._writing(name, n, p, layout, meta, overwrite) as (key, base), bar:
            loader.save(key, base, net, s, counts, layout, bar)

    @staticmethod
    def _work(n: int, p: int, layout: str) -> int:
        return n + p + (n * (n - 1) // 2 if layout == "synapses" else 0)

    # ---------------------------------------------------------------- load
    def load_network(self, name: str, *, verify: bool = False) -> Hopfield:
        """Read a network back as an :class:`assocmem.Hopfield`.

        Patterns and thresholds are read and the Hebbian counts rebuilt by the
        kernel; ``verify=True`` also reads every synapse (or dendrite array)
        and checks it equals the rebuilt counts and weights bit for bit.
        """
        found = self._network(name)
        key, n = found["key"], found["n"]
        xi = self._int_lists(name, cypher.READ_PATTERNS, key, "xi")
        if xi.shape != (found["p"], n) or not np.isin(xi, (-1, 1)).all():
            raise GraphError(f"name: network {name!r} has patterns of shape {xi.shape} stored (or values other "
                             f"than +1/-1); expected ({found['p']}, {n})")
        patterns = xi.astype(np.int8)
        neurons = self._b.run(self._read_neurons, {"key": key}, net=key)
        theta = np.array([self._b.dialect.float_in(r, "theta") for r in neurons], dtype=np.float64)
        if theta.shape != (n,):
            raise GraphError(f"name: network {name!r} has {len(neurons)} neurons stored; expected {n}")
        meta = json.loads(found["meta"] or "{}")
        interaction = meta.pop(INTERACTION_KEY, None)
        net = Hopfield(n, theta)
        if found["layout"] == "memories":
            if not isinstance(interaction, dict):
                raise GraphError(f"name: network {name!r} is a dense memory without its interaction")
            net.store(patterns, rule="dense", **interaction)
        else:
            net.store(patterns)
        net.metadata = meta
        if verify and found["layout"] != "memories":  # a dense memory is its patterns: nothing else to check
            self._verify(name, found, net)
        return net

    def _int_lists(self, name: str, query: str, key: str, column: str) -> np.ndarray:
        try:
            return self._b.int_lists(query, {"key": key}, column, net=key)
        except (ValueError, TypeError):  # ragged or non-integer lists: not written by assocmem
            raise GraphError(f"name: network {name!r}: its stored {column!r} lists are not integer rows of one "
                             "length") from None

    def _verify(self, name: str, found: dict[str, Any], net: Hopfield) -> None:
        key, n = found["key"], found["n"]
        want = net.counts
        if found["layout"] == "dendrites":
            got = self._int_lists(name, cypher.READ_DENDRITES, key, "c")
            if got.shape != (n, n):
                raise GraphError(f"name: network {name!r} has dendrites of shape {got.shape}; expected {(n, n)}")
            if not np.array_equal(got, want):
                raise GraphError(f"name: network {name!r}: dendrite counts differ from its patterns' Hebbian counts")
            return
        table = self._b.columns(self._b.dialect.for_network(self._read_synapses, key), {"key": key}, net=key)
        m = n * (n - 1) // 2
        if table is None or table.num_rows != m:
            got_rows = 0 if table is None else table.num_rows
            raise GraphError(f"name: network {name!r} has {got_rows} synapses; expected {m}")
        i = table.column("i").to_numpy().astype(np.int64)
        j = table.column("j").to_numpy().astype(np.int64)
        c = table.column("c").to_numpy().astype(np.int64)
        w = self._b.dialect.float_column(table, "w")
        if not (np.array_equal(c, want[i, j]) and np.array_equal(w, net.weights[i, j])):
            raise GraphError(f"name: network {name!r}: synapse counts or weights differ from its patterns")

    # ------------------------------------------------------- pure Cypher
    def cypher_store(
        self, name: str, patterns: Any, *, thresholds: Any = None, overwrite: bool = False, metadata: dict | None = None,
        batch_size: int = 250_000, progress: bool = False,
    ) -> None:
        """The seed's pure-Cypher Hebbian rule.

        Pattern nodes are written from the data, then neurons and every
        synapse's count and weight are computed inside the database
        (``C_ab = sum over Pattern nodes of xi_a xi_b``, ``w = C / n``),
        one statement (and transaction) per block of whole rows of at most
        ``batch_size`` synapses (one row where a row is longer), so that no
        transaction holds the whole p n^2 product.  The network becomes
        visible when every block is written; a failure removes them all.
        """
        name = _name(name)
        batch_size = _validate.positive_int("batch_size", batch_size)
        x = _validate.bipolar("patterns", patterns, ndim=(1, 2))
        if x.ndim == 1:
            x = x[None, :]
        p, n = x.shape
        theta = as_thresholds(thresholds, n)
        thr = integer_thresholds(theta, n)
        with self._writing(name, n, p, "synapses", dict(metadata or {}), overwrite) as (key, base):
            self._b.begin_network(key)
            rows = [{"id": f"{key}:{mu}", "mu": mu, "xi": x[mu].tolist()} for mu in range(p)]
            for batch in batched(rows, 100):
                self._b.unwind(cypher.CREATE_PATTERNS, batch, {"key": key}, net=key)
            self._b.run(
                cypher.CYPHER_NEURONS,
                {"n": n, "base": base, "key": key, "lb": self._lb, "theta": theta.tolist(), "thr": thr.tolist()},
                net=key,
            )
            self._b.create_synapse_type(self._b.dialect.synapse_type(key), _hopfield.count_dtype(p).name)
            hebb = self._b.dialect.for_network(self._hebb, key)
            with tqdm(total=n * (n - 1) // 2, desc=f"cypher hebb {name}", unit="synapse", delay=1.0,
                      disable=not progress) as bar:
                for lo, hi in loaders.row_blocks(n, batch_size):
                    self._b.run(hebb, {"key": key, "lb": self._lb, "n": n, "lo": lo, "hi": hi}, net=key)
                    bar.update((hi - lo) * (2 * n - 1 - lo - hi) // 2)

    def set_state(self, name: str, state: Any) -> None:
        """Write neuron states (+1/-1) of a network."""
        found = self._network(name)
        s = _validate.bipolar("state", state, found["n"])
        self._set_state(found, s)

    def _set_state(self, found: dict[str, Any], s: np.ndarray) -> None:
        """Write the whole state or none of it: the UNWIND batches of a
        network over STATE_ROWS neurons go in one transaction (one
        statement where a network has a graph of its own: FalkorDB runs no
        transaction of several), so an interrupted or failed write leaves
        the old state, not a mix."""
        rows = [{"id": found["base"] + i, "s": int(v)} for i, v in enumerate(s.tolist())]
        if self._b.graph_per_network or len(rows) <= STATE_ROWS:
            self._b.unwind(cypher.SET_STATES, rows, net=found["key"])
        else:
            self._b.run_tx([(cypher.SET_STATES, {"rows": batch}) for batch in batched(rows, STATE_ROWS)])

    def get_state(self, name: str) -> np.ndarray:
        """(n,) int8 neuron states of a network, read from the database."""
        found = self._network(name)
        return self._read_state(found)

    def _read_state(self, found: dict[str, Any]) -> np.ndarray:
        rows = self._b.run(self._read_neurons, {"key": found["key"]}, net=found["key"])
        return np.array([r["state"] for r in rows], dtype=np.int8)

    def cypher_recall(
        self,
        name: str,
        probe: Any,
        *,
        seed: int | None = None,
        order: Any = "random",
        max_sweeps: int = 100,
        progress: bool = False,
    ) -> RecallResult:
        """Asynchronous recall run by Cypher in the database.

        Each visit is one query: the neuron's exact integer field from its
        synapses (or dendrite array), its new state set in place.  Same
        semantics as :meth:`assocmem.Hopfield.recall` in async mode, hence
        identical ``state``, ``sweeps``, ``flips`` and ``energies``.
        """
        return pure_cypher.recall(self, self._network(name), probe, seed=seed, order=order, max_sweeps=max_sweeps,
                                  progress=progress)

    # ------------------------------------------------------ explainability
    def degree_check(self, name: str) -> dict[str, Any]:
        """Every neuron of a complete network has n - 1 synapses.

        Returns ``{"n", "expected", "min", "max", "ok", "bad"}`` where
        ``bad`` lists the neurons whose degree differs.
        """
        return explain.degree_check(self, self._network(name))

    def anti_correlated(self, name: str, neuron: int, limit: int = 10) -> list[dict[str, Any]]:
        """Neurons that do not fire together with ``neuron`` (negative
        weights), most negative first: "n doesn't fire together with m"."""
        return explain.anti_correlated(self, self._network(name), neuron, limit)

    def out_of_sync(self, name: str, state: Any = None, limit: int = 20) -> list[dict[str, Any]]:
        """Pairs whose states disagree with their synapse (a positive weight
        between opposite states, or a negative one between equal states),
        strongest first.  ``state`` is written first when given."""
        found = self._network(name)
        if state is not None and found["layout"] == "synapses":
            self._set_state(found, _validate.bipolar("state", state, found["n"]))
        return explain.out_of_sync(self, found, limit)
