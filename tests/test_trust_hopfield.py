"""Trust: no silent wrong result, no lost data, bounded resources (Hopfield
core and memory files).  One regression test per behaviour."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assocmem
from assocmem import _hopfield
from assocmem.errors import ArgumentError, ArgumentTypeError, FormatError
import reference as ref


# --------------------------------------------------------- empty networks
@pytest.mark.parametrize("n", [1, 2, 3, 100, 257])
def test_empty_network_has_zero_counts_and_weights(n):
    net = assocmem.Hopfield(n)
    assert not net.weights.any()
    assert not net.counts.any()
    assert net.counts.shape == (n, n)


@pytest.mark.parametrize("p", [0, 1, 3])
def test_hebb_counts_of_no_pattern_are_zero(p):
    for _ in range(3):  # fresh allocations, whatever the allocator recycles
        junk = np.full((64, 64), 7, dtype=np.int8)  # noqa: F841 - dirty the heap
        del junk
        c = _hopfield.hebb_counts(np.ones((p, 64), dtype=np.int8)[:p])
        np.testing.assert_array_equal(c, ref.counts(np.ones((p, 64), dtype=np.int8)) if p else 0)


@pytest.mark.parametrize("representation", ["dense", "patterns"])
def test_store_after_reading_empty_counts_equals_fresh(rng, representation):
    """Reading counts/weights of an empty network, then storing, must give
    the fresh network's counts and identical recalls."""
    n = 120
    x = ref.random_patterns(rng, 3, n)
    a = assocmem.Hopfield(n)
    a.weights, a.counts  # materialise while empty
    a.store(x)
    b = assocmem.Hopfield(n)
    b.store(x)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.counts, ref.counts(x))
    probe = x[0].copy()
    probe[:20] *= -1
    ra = a.recall(probe, seed=3, representation=representation)
    rb = b.recall(probe, seed=3, representation="patterns")
    np.testing.assert_array_equal(ra.state, rb.state)
    assert ra.flips == rb.flips and ra.sweeps == rb.sweeps


# -------------------------------------------------------- thread safety
def _serial_results(x_steps, probes, n, seed):
    """Recall results of every probe against the network after each store."""
    out = []
    net = assocmem.Hopfield(n)
    for x in x_steps:
        net.store(x)
        out.append([net.recall(pr, seed=seed + k, representation="patterns") for k, pr in enumerate(probes)])
    return out


def _key(res):
    return (res.state.tobytes(), res.sweeps, res.flips, res.energies.tobytes())


def test_store_while_recalling_every_recall_sees_before_or_after(rng):
    """Threads recall (dense representation) while another thread stores:
    every recall equals the serial recall against one of the states the
    network went through, and the final counts equal a serial store's."""
    n, steps = 240, 6
    x_steps = [ref.random_patterns(rng, 16 if k == 0 else 4, n) for k in range(steps)]
    probes = [x_steps[0][k] * np.where(rng.random(n) < 0.15, -1, 1).astype(np.int8) for k in range(4)]
    serial = _serial_results(x_steps, probes, n, seed=11)
    allowed = [{_key(serial[s][k]) for s in range(steps)} for k in range(len(probes))]

    net = assocmem.Hopfield(n)
    net.store(x_steps[0])
    bad, errors = [], []
    stop = threading.Event()

    def reader(k):
        try:
            while not stop.is_set():
                res = net.recall(probes[k], seed=11 + k, representation="dense")
                if _key(res) not in allowed[k]:
                    bad.append(k)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(len(probes))]
    for t in threads:
        t.start()
    try:
        for x in x_steps[1:]:
            time.sleep(0.01)
            net.store(x)
            res = net.recall_many(np.stack(probes), seed=11, representation="dense", workers=2)
            for k, r in enumerate(res):
                if _key(r) not in allowed[k]:
                    bad.append(k)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors
    assert not bad, f"{len(bad)} recalls matched no state the network went through"
    np.testing.assert_array_equal(net.counts, ref.counts(np.concatenate(x_steps)))


def test_counts_handed_out_never_change(rng):
    n = 50
    net = assocmem.Hopfield(n)
    net.store(ref.random_patterns(rng, 2, n))
    before = net.counts
    copy = before.copy()
    net.store(ref.random_patterns(rng, 2, n))
    np.testing.assert_array_equal(before, copy)
    assert not np.array_equal(net.counts, copy)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 60),
    batches=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    readers=st.integers(1, 3),
    data_seed=st.integers(0, 2**32 - 1),
)
def test_property_concurrent_stores_end_with_serial_counts(n, batches, readers, data_seed):
    """Any interleaving of store calls (from two threads) and concurrent
    recalls ends with counts identical to storing the same patterns
    serially (the order of stores does not change a sum)."""
    rng = np.random.default_rng(data_seed)
    xs = [ref.random_patterns(rng, p, n) for p in batches]
    net = assocmem.Hopfield(n)
    net.store(xs[0])
    net.counts  # materialised: later stores add to it
    stop = threading.Event()
    errors = []

    def reader(k):
        try:
            while not stop.is_set():
                net.recall(xs[0][0], seed=k, representation="dense", max_sweeps=3)
                net.weights
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    def writer(chunk):
        for x in chunk:
            net.store(x)

    rs = [threading.Thread(target=reader, args=(k,)) for k in range(readers)]
    ws = [threading.Thread(target=writer, args=(xs[1 + w::2],)) for w in range(2)]
    for t in rs + ws:
        t.start()
    for t in ws:
        t.join(timeout=60)
    stop.set()
    for t in rs:
        t.join(timeout=60)
    assert not errors
    assert net.n_patterns == sum(batches)
    np.testing.assert_array_equal(net.counts, ref.counts(np.concatenate(xs)))


# ------------------------------------------------------ inputs unchanged
def test_covariance_store_leaves_the_callers_sparse_matrix_alone():
    n = 30
    dense = np.zeros((3, n), dtype=np.int8)
    dense[0, :3] = dense[1, 5:8] = dense[2, 10:13] = 1
    # row 2 also holds an explicit zero at column 20
    m = sp.csr_matrix((np.r_[np.ones(9), 0.0], np.r_[0, 1, 2, 5, 6, 7, 10, 11, 12, 20], [0, 3, 6, 10]),
                      shape=(3, n))
    before = (m.data.tolist(), m.indices.tolist(), m.indptr.tolist(), m.nnz)
    net = assocmem.Hopfield(n)
    net.store(m, rule="covariance")
    assert (m.data.tolist(), m.indices.tolist(), m.indptr.tolist(), m.nnz) == before
    assert m.nnz == 10
    np.testing.assert_array_equal(net.patterns, dense)


def test_activity_accepts_numpy_scalars_like_floats():
    x = np.zeros((2, 10), dtype=np.int8)
    x[0, :5] = x[1, 5:] = 1
    a, b = assocmem.Hopfield(10), assocmem.Hopfield(10)
    a.store(x, rule="covariance", activity=np.float32(0.5))
    b.store(x, rule="covariance", activity=0.5)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert a.activity == b.activity == 0.5 and type(a.activity) is float


# ----------------------------------------------------------- max_sweeps
def test_energy_trace_follows_sweeps_made_not_the_limit(rng):
    n = 64
    x = ref.random_patterns(rng, 2, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    for mode in ("async", "sync"):
        res = net.recall(x[0], mode=mode, max_sweeps=10**10)
        assert res.converged and res.energies.shape == (res.sweeps + 1,)
        res = net.recall(x[0], mode=mode, max_sweeps=2**62)
        assert res.converged and res.energies.shape == (res.sweeps + 1,)
    res = net.recall(x[0], mode="async", max_sweeps=2**63 - 1, representation="dense")
    assert res.converged


@pytest.mark.parametrize("limit", [2**63, 10**20])
def test_max_sweeps_beyond_int64_is_refused(rng, limit):
    net = assocmem.Hopfield(8)
    net.store(ref.random_patterns(rng, 1, 8))
    with pytest.raises(ArgumentError, match=r"max_sweeps: expected an integer <= 9223372036854775807"):
        net.recall(np.ones(8), max_sweeps=limit)
    with pytest.raises(ArgumentError, match="max_sweeps"):
        net.recall(np.ones(8), mode="sync", max_sweeps=limit)


# ------------------------------------------------------ crafted files
def _npz(path, **members):
    """Write an npz whose members are given as raw .npy bytes or arrays."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in members.items():
            if isinstance(value, bytes):
                zf.writestr(name + ".npy", value)
            else:
                buf = io.BytesIO()
                np.save(buf, value)
                zf.writestr(name + ".npy", buf.getvalue())


def _header(shape, dtype="|i1"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()  # magic string included


def _good(n=6):
    return dict(format=np.array("assocmem.hopfield"), version=np.array(1, dtype=np.int64),
                n_neurons=np.array(n, dtype=np.int64), rule=np.array("hebbian"),
                activity=np.array(np.nan), metadata=np.array("{}"),
                patterns=np.ones((1, n), dtype=np.int8), thresholds=np.zeros(n))


def test_crafted_huge_shape_is_refused_without_allocating(tmp_path):
    f = tmp_path / "huge.npz"
    _npz(f, **{**_good(), "patterns": _header((10**13, 6)) + b"\x01" * 6})
    t = time.perf_counter()
    with pytest.raises(FormatError, match=r"huge\.npz: member 'patterns' claims shape \(10000000000000, 6\)"):
        assocmem.Hopfield.load(f)
    assert time.perf_counter() - t < 5


def test_crafted_shape_mismatch_names_member(tmp_path):
    f = tmp_path / "m.npz"
    _npz(f, **{**_good(), "thresholds": np.zeros(5)})
    with pytest.raises(FormatError, match=r"m\.npz: thresholds: expected length 6 along axis 0"):
        assocmem.Hopfield.load(f)


def test_unknown_members_are_never_read(tmp_path):
    f = tmp_path / "extra.npz"
    _npz(f, **_good(), junk=_header((3 * 10**9,)) + b"\x00" * 16)
    net = assocmem.Hopfield.load(f)
    assert net.n_patterns == 1


def test_nested_metadata_is_a_format_error(tmp_path):
    f = tmp_path / "deep.npz"
    _npz(f, **{**_good(), "metadata": np.array("[" * 100_000 + "]" * 100_000)})
    with pytest.raises(FormatError, match=r"deep\.npz: metadata: nested too deeply"):
        assocmem.Hopfield.load(f)


def test_oversized_metadata_is_refused(tmp_path):
    f = tmp_path / "big.npz"
    _npz(f, **{**_good(), "metadata": np.array(json.dumps({"a": "x" * (1 << 20)}))})
    with pytest.raises(FormatError, match=r"big\.npz: metadata: expected at most 1048576 characters"):
        assocmem.Hopfield.load(f)
    net = assocmem.Hopfield(4)
    net.metadata = {"a": "x" * (1 << 20)}
    with pytest.raises(ArgumentError, match="metadata: expected at most"):
        net.save(tmp_path / "never.npz")
    assert not (tmp_path / "never.npz").exists()


@pytest.mark.parametrize(
    "member,value,match",
    [
        ("version", np.array(2, dtype=np.int64), r"v\.npz: version: format version 2; this assocmem reads 1"),
        ("n_neurons", np.array(np.nan), r"v\.npz: n_neurons: expected a scalar of kind 'i'"),
        ("n_neurons", np.array(0, dtype=np.int64), r"v\.npz: n_neurons: expected an integer >= 1; got 0"),
        ("rule", np.array("magic"), r"v\.npz: rule: expected one of"),
        ("patterns", np.ones((1, 6), dtype=np.float64), r"v\.npz: patterns: expected a 2-D int8 array"),
        ("patterns", np.full((1, 6), 3, dtype=np.int8), r"v\.npz: holds invalid data \(patterns: expected only \+1/-1"),
    ],
)
def test_bad_member_is_one_format_error_naming_file_and_field(tmp_path, member, value, match):
    f = tmp_path / "v.npz"
    _npz(f, **{**_good(), member: value})
    with pytest.raises(FormatError, match=match):
        assocmem.Hopfield.load(f)


def test_round_trip_still_exact(tmp_path, rng):
    net = assocmem.Hopfield(40, thresholds=rng.normal(0, 0.01, 40))
    net.store(ref.random_patterns(rng, 5, 40))
    net.metadata = {"shape": [5, 8], "labels": list("abcde")}
    net.save(tmp_path / "ok.npz")
    back = assocmem.Hopfield.load(tmp_path / "ok.npz")
    np.testing.assert_array_equal(back.counts, net.counts)
    np.testing.assert_array_equal(back.thresholds, net.thresholds)
    assert back.metadata == net.metadata


def test_load_and_save_refuse_non_paths():
    with pytest.raises(ArgumentTypeError, match=r"path: expected a file path .*got NoneType"):
        assocmem.Hopfield.load(None)
    with pytest.raises(ArgumentTypeError, match=r"path: expected a file path"):
        assocmem.Hopfield(3).save(None)


def test_save_into_missing_directory_names_the_users_path(tmp_path):
    target = tmp_path / "no" / "such" / "mem.npz"
    with pytest.raises(FileNotFoundError) as info:
        assocmem.Hopfield(3).save(target)
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value)


# --------------------------------------------- image memories on the CLI
@pytest.mark.parametrize(
    "meta,match",
    [
        ({}, r"m\.npz: metadata\.shape: expected \[height, width\]"),
        ({"shape": [2, "3"], "labels": ["a"]}, r"m\.npz: metadata\.shape: expected"),
        ({"shape": [2, 4], "labels": ["a"]}, r"m\.npz: metadata\.shape: 2x4 images need 8 neurons; the network has 6"),
        ({"shape": [2, 3], "labels": ["a", "b"]}, r"m\.npz: metadata\.labels: expected 1 labels"),
    ],
)
def test_memory_file_with_bad_image_metadata_names_file_and_field(tmp_path, capsys, meta, match):
    from assocmem import cli

    net = assocmem.Hopfield(6)
    net.store(np.ones((1, 6)))
    net.metadata = meta
    net.save(tmp_path / "m.npz")
    assert cli.main(["recall", str(tmp_path / "x.png"), "--memory", str(tmp_path / "m.npz"),
                     "--out", str(tmp_path / "o.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    import re

    assert re.search(match, err), err


def test_pickle_round_trip_keeps_network_and_makes_fresh_locks(rng):
    import pickle

    net = assocmem.Hopfield(30)
    x = ref.random_patterns(rng, 3, 30)
    net.store(x)
    back = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(back.counts, net.counts)
    back.store(ref.random_patterns(rng, 1, 30))  # its own lock works
    assert back.n_patterns == 4 and net.n_patterns == 3
