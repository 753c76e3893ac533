"""Hopfield kernels against their NumPy peers, in the same run.

Run timed:   python -m pytest benchmarks --benchmark-enable -k hopfield
CI runs every benchmark once with timing disabled (correctness still checked).
Ratios are asserted only when timing is enabled; the numbers measured here
are recorded in benchmarks/README.md.
"""

from __future__ import annotations


import numpy as np
import pytest

import assocmem
from assocmem import _hopfield
import reference as ref

N = 4800  # a 60 x 80 image
_times: dict[tuple, float] = {}


def _min_time(benchmark) -> float | None:
    if benchmark.disabled:
        return None
    return benchmark.stats.stats.min


@pytest.fixture(scope="module")
def setting():
    rng = np.random.default_rng(2024)
    x = ref.random_patterns(rng, 5, N)
    probe = ref.flip(rng, x[0], 0.2)
    w = (x.T.astype(np.float64) @ x) / N
    np.fill_diagonal(w, 0)
    return x, probe, w


def numpy_per_neuron_recall(w: np.ndarray, probe: np.ndarray, seed: int, max_sweeps: int = 100) -> np.ndarray:
    """What existing Python Hopfield libraries do: h = W[i] @ s per neuron."""
    s = probe.astype(np.float64)
    rng = np.random.default_rng(seed)
    for _ in range(max_sweeps):
        changed = 0
        for i in rng.permutation(len(s)):
            new = 1.0 if w[i] @ s >= 0 else -1.0
            if new != s[i]:
                s[i] = new
                changed += 1
        if changed == 0:
            break
    return s.astype(np.int8)


@pytest.mark.slow
@pytest.mark.benchmark(group="recall-n4800-p5")
def test_recall_numpy_per_neuron(benchmark, setting):
    x, probe, w = setting
    state = benchmark.pedantic(numpy_per_neuron_recall, args=(w, probe, 1), rounds=3, iterations=1)
    np.testing.assert_array_equal(state, x[0])
    _times["numpy-recall"] = _min_time(benchmark)


@pytest.mark.benchmark(group="recall-n4800-p5")
def test_recall_kernel(benchmark, setting):
    x, probe, w = setting
    net = assocmem.Hopfield(N)
    net.store(x)
    res = benchmark(net.recall, probe, seed=1)
    np.testing.assert_array_equal(res.state, x[0])
    np.testing.assert_array_equal(res.state, numpy_per_neuron_recall(w, probe, 1))
    t = _min_time(benchmark)
    if t is not None and _times.get("numpy-recall"):
        ratio = _times["numpy-recall"] / t
        print(f"\nrecall speed-up over the NumPy per-neuron loop: {ratio:.0f}x")
        assert ratio >= 100


@pytest.mark.benchmark(group="materialise-n4800-p5")
def test_materialise_numpy(benchmark, setting):
    x, _, _ = setting
    xf = x.astype(np.float32)

    def numpy_w():
        w = xf.T @ xf
        np.fill_diagonal(w, 0)
        return w

    w = benchmark(numpy_w)
    np.testing.assert_array_equal(w, ref.counts(x))
    _times["numpy-materialise"] = _min_time(benchmark)


@pytest.mark.benchmark(group="materialise-n4800-p5")
def test_materialise_kernel(benchmark, setting):
    x, _, _ = setting
    counts = benchmark(_hopfield.hebb_counts, x)
    assert counts.dtype == np.int8
    np.testing.assert_array_equal(counts, ref.counts(x))
    t = _min_time(benchmark)
    if t is not None and _times.get("numpy-materialise"):
        ratio = t / _times["numpy-materialise"]
        print(f"\nmaterialise time relative to NumPy X.T @ X (float32): {ratio:.2f}x")
        assert ratio <= 0.25


@pytest.mark.parametrize("p", [5, 50, 500])
@pytest.mark.parametrize("representation", ["patterns", "dense"])
@pytest.mark.benchmark(group="recall-by-load")
def test_recall_representation_crossover(benchmark, p, representation):
    rng = np.random.default_rng(p)
    x = ref.random_patterns(rng, p, N)
    net = assocmem.Hopfield(N)
    net.store(x)
    net.counts  # materialise outside the timing: both start ready
    probe = ref.flip(rng, x[0], 0.2)
    res = benchmark(net.recall, probe, seed=0, representation=representation)
    other = net.recall(probe, seed=0, representation="dense" if representation == "patterns" else "patterns")
    np.testing.assert_array_equal(res.state, other.state)
    np.testing.assert_array_equal(res.energies, other.energies)
    if p <= 50:
        np.testing.assert_array_equal(res.state, x[0])


# --- synchronous recall against the hopfieldnetwork package ---------------------
N_SYNC, P_SYNC = 1000, 100


@pytest.fixture(scope="module")
def sync_setting():
    rng = np.random.default_rng(77)
    x = ref.random_patterns(rng, P_SYNC, N_SYNC)
    probes = [ref.flip(rng, x[k], 0.1) for k in range(50)]
    return x, probes


@pytest.mark.benchmark(group="sync-recall-n1000-p100")
@pytest.mark.parametrize("impl", ["hopfieldnetwork", "assocmem"])
def test_sync_recall_vs_hopfieldnetwork(benchmark, sync_setting, impl):
    """50 synchronous recalls to a fixed point or 2-cycle, n = 1000, p = 100:
    the hopfieldnetwork package (float64 W @ s on BLAS) against assocmem's
    pattern-space kernel (one C call per step, int16/int32 lanes).  The same
    final states are asserted; goal: assocmem >= 2x faster."""
    x, probes = sync_setting
    if impl == "hopfieldnetwork":
        hn = pytest.importorskip("hopfieldnetwork", reason="peer not installed: pip install hopfieldnetwork")
        peer = hn.HopfieldNetwork(N=N_SYNC)
        xf = x.T.astype(np.float64)
        peer.w = hn.construct_hebb_matrix(xf)  # the package's own Hebb rule: X X^T / n, zero diagonal

        def run():
            out = []
            for probe in probes:
                peer.set_initial_neurons_state(probe.copy())
                peer.update_neurons(0, "sync", run_max=True)
                out.append(np.asarray(peer.S, dtype=np.int8))
            return out
    else:
        net = assocmem.Hopfield(N_SYNC)
        net.store(x)

        def run():
            return [net.recall(probe, mode="sync").state for probe in probes]

    got = benchmark(run)
    want = [ref.recall(x, probe, mode="sync").state for probe in probes[:5]]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    t = _min_time(benchmark)
    if t is not None:
        _times[("sync", impl)] = t / len(probes)
        if impl == "assocmem" and ("sync", "hopfieldnetwork") in _times:
            ratio = _times[("sync", "hopfieldnetwork")] / _times[("sync", "assocmem")]
            print(f"\nsync recall: assocmem {_times[('sync', 'assocmem')] * 1e3:.3f} ms, hopfieldnetwork "
                  f"{_times[('sync', 'hopfieldnetwork')] * 1e3:.3f} ms per recall: {ratio:.2f}x")
            assert ratio >= 2.0
