"""How a network's rows reach the database: one loader per bulk path.

``GraphStore.save_network`` picks one by ``method`` (by backend for
"auto") and runs it inside its write transaction protocol (the network
stays invisible until complete):

- :class:`CopyLoader`: LadybugDB's ``COPY`` from Arrow tables and pandas
  frames;
- :class:`BulkLoader`: FalkorDB's ``GRAPH.BULK`` into the network's own graph;
- :class:`UnwindLoader`: ``UNWIND $rows`` batches, the Neo4j path, which the
  other two databases run too (so its Cypher is tested without Neo4j).

Synapses are listed by the C kernel (``am_upper_pairs``) in blocks of whole
rows, never more than one block in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _hopfield
from .._optional import require
from ..thresholds import integer_thresholds
from . import cypher
from .backends import Backend, batched

if TYPE_CHECKING:
    from ..hopfield import Hopfield

#: Synapse rows per COPY statement.  One COPY into a fresh relationship table
#: is much faster than several (LadybugDB: 950k/s vs 530k/s in 2M chunks), so
#: only networks beyond this (about 0.8 GB of rows) are split.
COPY_CHUNK = 32_000_000
#: Synapse rows listed per kernel call for the bulk and UNWIND paths.
PAIRS_CHUNK = 2_000_000


def row_blocks(n: int, chunk: int) -> Iterator[tuple[int, int]]:
    """Blocks of whole rows lo..hi-1 of the upper triangle (row r holds
    n - 1 - r pairs), each at most ``chunk`` pairs unless one row is more."""
    lo = 0
    while lo < n - 1:
        hi = lo + 1
        size = n - 1 - lo
        while hi < n - 1 and size + (n - 1 - hi) <= chunk:
            size += n - 1 - hi
            hi += 1
        yield lo, hi
        lo = hi


class Loader:
    def __init__(self, backend: Backend, batch_size: int) -> None:
        self._b, self.batch_size = backend, batch_size

    def save(self, key: str, base: int, net: "Hopfield", s: np.ndarray, counts: np.ndarray | None, layout: str,
             bar: Any) -> None:
        """Write the network's neurons (ids base..base+n-1, states s),
        patterns and, for layout "synapses", its synapses; dendrite arrays
        for layout "dendrites"."""
        self._b.begin_network(key)
        n = net.n_neurons
        self.neurons(key, base, net, s, counts if layout == "dendrites" else None, bar)
        self.patterns(key, net.patterns, bar)
        if layout == "synapses":
            assert counts is not None
            self._b.create_synapse_type(self._b.dialect.synapse_type(key), counts.dtype.name)
            self.synapses(key, base, counts, n, bar)

    def neurons(self, key, base, net, s, counts, bar) -> None:
        raise NotImplementedError

    def patterns(self, key, patterns, bar) -> None:
        raise NotImplementedError

    def synapses(self, key, base, counts, n, bar) -> None:
        raise NotImplementedError


class CopyLoader(Loader):
    """LadybugDB: one COPY per table (the synapses in COPY_CHUNK rows)."""

    def neurons(self, key, base, net, s, counts, bar) -> None:
        pa = require("pyarrow", "graph")
        n = net.n_neurons
        theta = np.asarray(net.thresholds, dtype=np.float64)
        if counts is None:
            c_col = pa.nulls(n, type=pa.list_(pa.int32()))
        else:
            offsets = pa.array(np.arange(0, n * n + 1, n, dtype=np.int64), type=pa.int64())
            c_col = pa.LargeListArray.from_arrays(offsets, pa.array(counts.astype(np.int32, copy=False).ravel()))
            c_col = c_col.cast(pa.list_(pa.int32()))
        table = pa.table({
            "id": base + np.arange(n, dtype=np.int64), "net": pa.array([key] * n, type=pa.string()),
            "idx": np.arange(n, dtype=np.int64), "state": s, "theta": theta, "thr": integer_thresholds(theta, n),
            "c": c_col,
        })
        self._b.copy("Neuron", table)
        bar.update(n)

    def patterns(self, key, patterns, bar) -> None:
        pa = require("pyarrow", "graph")
        p, n = patterns.shape
        offsets = pa.array(np.arange(0, p * n + 1, n, dtype=np.int64), type=pa.int64())
        xi = pa.LargeListArray.from_arrays(offsets, pa.array(patterns.ravel())).cast(pa.list_(pa.int8()))
        table = pa.table({
            "id": pa.array([f"{key}:{mu}" for mu in range(p)]), "net": pa.array([key] * p, type=pa.string()),
            "mu": np.arange(p, dtype=np.int64), "xi": xi,
        })
        self._b.copy("Pattern", table)
        bar.update(p)

    def synapses(self, key, base, counts, n, bar) -> None:
        pd = require("pandas", "graph")  # LadybugDB scans a DataFrame ~4 % faster than Arrow here
        for lo, hi in row_blocks(n, COPY_CHUNK):
            a, b, c, w = _hopfield.upper_pairs(counts, lo, hi, base)
            # copy=False: the frame wraps the four arrays (no 0.3 s consolidation copy)
            frame = pd.DataFrame({"from": a, "to": b, "c": c, "w": w}, copy=False)
            self._b.copy(cypher.synapse_type(key), frame)
            bar.update(a.size)


class UnwindLoader(Loader):
    """``UNWIND $rows`` batches of ``batch_size`` rows, a transaction each."""

    def neurons(self, key, base, net, s, counts, bar) -> None:
        n = net.n_neurons
        theta = np.asarray(net.thresholds, dtype=np.float64)
        thr = integer_thresholds(theta, n)
        # dendrite rows are n integers each: at most ~2M integers per batch
        step = max(1, self.batch_size if counts is None else min(self.batch_size, max(1, 2_000_000 // n)))
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            rows = [
                {"id": base + i, "idx": i, "state": int(s[i]), "theta": float(theta[i]), "thr": int(thr[i]),
                 "c": None if counts is None else counts[i].tolist()}
                for i in range(lo, hi)
            ]
            self._b.unwind(cypher.CREATE_NEURONS, rows, {"key": key}, net=key)
            bar.update(hi - lo)

    def patterns(self, key, patterns, bar) -> None:
        rows = ({"id": f"{key}:{mu}", "mu": mu, "xi": patterns[mu].tolist()} for mu in range(patterns.shape[0]))
        for batch in batched(rows, max(1, min(self.batch_size, 100))):
            self._b.unwind(cypher.CREATE_PATTERNS, batch, {"key": key}, net=key)
            bar.update(len(batch))

    def synapses(self, key, base, counts, n, bar) -> None:
        create = self._b.dialect.for_network(cypher.CREATE_SYNAPSES, key)
        size = self.batch_size
        for lo, hi in row_blocks(n, max(size, 100_000)):
            a, b, c, w = _hopfield.upper_pairs(counts, lo, hi, base)
            a_ids, b_ids, c_list, w_list = a.tolist(), b.tolist(), c.tolist(), w.tolist()
            for s in range(0, a.size, size):
                e = min(a.size, s + size)
                batch = [{"a": a_ids[k], "b": b_ids[k], "c": c_list[k], "w": w_list[k]} for k in range(s, e)]
                self._b.unwind(create, batch, net=key)
                bar.update(e - s)


class BulkLoader(Loader):
    """FalkorDB: the whole network in one bulk load into its own graph."""

    def save(self, key, base, net, s, counts, layout, bar) -> None:
        n = net.n_neurons
        idx = np.arange(n, dtype=np.int64)
        theta = np.asarray(net.thresholds, dtype=np.float64)
        neurons = {"id": base + idx, "idx": idx, "state": s.astype(np.int64), "thr": integer_thresholds(theta, n),
                   "theta": theta}
        synapses = None
        if layout == "synapses":
            synapses = (_hopfield.upper_pairs(counts, lo, hi, 0) for lo, hi in row_blocks(n, PAIRS_CHUNK))
        self._b.bulk_network(key, neurons, counts if layout == "dendrites" else None, net.patterns, synapses, bar)


#: Loader by ``save_network``'s ``method``.
LOADERS: dict[str, type[Loader]] = {"copy": CopyLoader, "unwind": UnwindLoader, "bulk": BulkLoader}
