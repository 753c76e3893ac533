"""Bad input: clear errors naming the argument, never a crash or coercion."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem.errors import (
    ArgumentError,
    ArgumentTypeError,
    FormatError,
    ShapeError,
    StateValueError,
)


@pytest.fixture
def net():
    h = assocmem.Hopfield(4)
    h.store([[1, -1, 1, -1], [1, 1, -1, -1]])
    return h


@pytest.mark.parametrize("n", [0, -3])
def test_n_neurons_below_one(n):
    with pytest.raises(ArgumentError, match=r"n_neurons: expected an integer >= 1; got"):
        assocmem.Hopfield(n)


@pytest.mark.parametrize("n", [2.5, "4", None, True])
def test_n_neurons_wrong_type(n):
    with pytest.raises(TypeError, match="n_neurons"):
        assocmem.Hopfield(n)


@pytest.mark.parametrize(
    "patterns,exc,match",
    [
        ([[1, -1, 1]], ShapeError, r"patterns: expected length 4 .*got shape \(1, 3\)"),
        (np.empty((0, 4)), ShapeError, "patterns: expected a non-empty array"),
        ([[1, 0, 1, -1]], StateValueError, r"patterns: expected only \+1/-1 values; got \{0\}"),
        ([[1, 0.5, 1, -1]], StateValueError, r"got \{0.5\}"),
        ([[1, np.nan, 1, -1]], StateValueError, "patterns: .*NaN"),
        ([[[1, -1, 1, 1]]], ShapeError, "expected a 1-D or 2-D array"),
        ([[True, False, True, True]], ArgumentTypeError, "boolean"),
        ([["a", "b", "c", "d"]], ArgumentTypeError, "dtype"),
        ([[1, -1], [1, -1, 1]], ArgumentTypeError, "patterns"),
    ],
)
def test_bad_patterns(net, patterns, exc, match):
    before = net.patterns
    with pytest.raises(exc, match=match):
        net.store(patterns)
    np.testing.assert_array_equal(net.patterns, before)  # nothing half-stored


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(mode="chaotic"), ArgumentError, r"mode: expected one of 'async', 'sync'; got 'chaotic'"),
        (dict(max_sweeps=0), ArgumentError, "max_sweeps: expected an integer >= 1; got 0"),
        (dict(max_sweeps=1.5), ArgumentTypeError, "max_sweeps"),
        (dict(order="backwards"), ArgumentError, "order: expected one of"),
        (dict(order=[0, 1, 1, 3]), ArgumentError, "order: expected a permutation of 0..3"),
        (dict(order=[0, 1, 2]), ShapeError, "order: expected a permutation of length 4"),
        (dict(order=[0.0, 1.0, 2.0, 3.0]), ArgumentTypeError, "order"),
        (dict(seed=-1), ArgumentError, "seed"),
        (dict(seed=1.0), ArgumentTypeError, "seed"),
        (dict(seed="x"), ArgumentTypeError, "seed"),
        (dict(representation="sparse"), ArgumentError, "representation"),
    ],
)
def test_bad_recall_arguments(net, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        net.recall([1, 1, 1, 1], **kwargs)


@pytest.mark.parametrize(
    "probe,exc",
    [([1, 1, 1], ShapeError), ([1, 1, 1, 2], StateValueError), ([1, np.nan, 1, 1], StateValueError), ([], ShapeError)],
)
def test_bad_probe(net, probe, exc):
    with pytest.raises(exc, match="probe"):
        net.recall(probe)
    with pytest.raises(exc, match="state"):
        net.energy(probe)


def test_recall_without_patterns():
    with pytest.raises(ArgumentError, match="no patterns are stored"):
        assocmem.Hopfield(3).recall([1, 1, 1])


@pytest.mark.parametrize(
    "theta,exc", [([0.0, np.nan, 0, 0], ArgumentError), ([0, 0], ShapeError), ([0, np.inf, 0, 0], ArgumentError)]
)
def test_bad_thresholds(theta, exc):
    with pytest.raises(exc, match="thresholds"):
        assocmem.Hopfield(4, theta)


def test_load_missing_and_foreign_files(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        assocmem.Hopfield.load(tmp_path / "nope.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not a zip file at all")
    with pytest.raises(FormatError, match="not a readable assocmem file"):
        assocmem.Hopfield.load(junk)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.arange(3))
    with pytest.raises(FormatError, match="not an assocmem Hopfield file"):
        assocmem.Hopfield.load(foreign)
    with pytest.raises(FormatError, match="is a directory"):
        assocmem.Hopfield.load(tmp_path)
    # truncated file
    good = tmp_path / "good.npz"
    h = assocmem.Hopfield(8)
    h.store(np.ones((2, 8)))
    h.save(good)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[:100])
    with pytest.raises(FormatError):
        assocmem.Hopfield.load(cut)
    # a file whose patterns are not +-1
    bad = tmp_path / "bad.npz"
    np.savez(bad, format=np.array("assocmem.hopfield"), version=np.array(1), n_neurons=np.array(2),
             patterns=np.array([[1, 3]], dtype=np.int8), thresholds=np.zeros(2))
    with pytest.raises(FormatError, match="invalid data"):
        assocmem.Hopfield.load(bad)


def test_errors_are_builtin_subclasses():
    assert issubclass(ShapeError, ValueError) and issubclass(ArgumentTypeError, TypeError)
    assert issubclass(FormatError, assocmem.AssocmemError)
