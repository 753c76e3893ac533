"""Dense associative memories: the C kernels against a NumPy per-neuron loop
of the same rule, recall quality far beyond the Hebbian capacity, and the
hypercube-hopfield package side by side (when installed).

Timed: python -m pytest benchmarks/test_bench_dense.py --benchmark-enable -s
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import assocmem
import reference as ref

_t: dict[str, float] = {}


def _record(benchmark, key):
    if not benchmark.disabled:
        _t[key] = benchmark.stats.stats.min


def numpy_dense_recall(x: np.ndarray, probe: np.ndarray, degree: int, seed: int, max_sweeps: int = 100):
    """The same rule as NumPy code would write it: per visited neuron, the
    overlaps without it and the field difference over all patterns (vector
    operations over p), overlaps updated on a flip."""
    xt = x.T.astype(np.int64)
    s = probe.astype(np.int64).copy()
    m = x.astype(np.int64) @ s
    rng = np.random.default_rng(seed)
    sweeps = 0
    for _ in range(max_sweeps):
        sweeps += 1
        changed = 0
        for i in rng.permutation(len(s)):
            mi = m - xt[i] * s[i]
            d = int(xt[i] @ ((mi + 1) ** degree - (mi - 1) ** degree))
            new = 1 if d >= 0 else -1
            if new != s[i]:
                m += 2 * new * xt[i]
                s[i] = new
                changed += 1
        if changed == 0:
            break
    return s.astype(np.int8), sweeps


N4800 = 4800


@pytest.fixture(scope="module", params=[25, 100], ids=["p25", "p100"])
def photos_size(request):
    """n = 4800 (an 80 x 60 image); p = 25 is about the 23 usable
    scikit-image photos, p = 100 a larger memory."""
    rng = np.random.default_rng(7)
    x = ref.random_patterns(rng, request.param, N4800)
    probe = ref.flip(rng, x[3], 0.2)
    net = assocmem.Hopfield(N4800)
    net.store(x, rule="dense", degree=3)
    return request.param, x, probe, net


@pytest.mark.slow
@pytest.mark.benchmark(group="dense-recall-n4800-d3")
def test_dense_numpy_per_neuron(benchmark, photos_size):
    p, x, probe, _ = photos_size
    state, sweeps = benchmark.pedantic(numpy_dense_recall, args=(x, probe, 3, 1, 2), rounds=1, iterations=1)
    np.testing.assert_array_equal(state, x[3])
    _record(benchmark, f"numpy{p}")


@pytest.mark.benchmark(group="dense-recall-n4800-d3")
def test_dense_kernel(benchmark, photos_size):
    p, x, probe, net = photos_size
    res = benchmark.pedantic(net.recall, args=(probe,), kwargs={"seed": 1, "max_sweeps": 2}, rounds=5)
    np.testing.assert_array_equal(res.state, x[3])
    state, _ = numpy_dense_recall(x, probe, 3, 1, 2) if benchmark.disabled else (res.state, 0)
    np.testing.assert_array_equal(res.state, state)  # the peer computes the same recall
    _record(benchmark, f"kernel{p}")
    if f"numpy{p}" in _t and f"kernel{p}" in _t:
        ratio = _t[f"numpy{p}"] / _t[f"kernel{p}"]
        print(f"\ndense recall n=4800 p={p} d=3 (2 sweeps): kernel {ratio:.0f}x the NumPy per-neuron loop")
        if p == 25:
            assert ratio >= 100


@pytest.mark.slow
@pytest.mark.parametrize("kw", [{"degree": 4}, {"beta": 0.05}], ids=["degree4", "exp"])
def test_dense_recall_at_load_one(kw):
    """n = p = 1000 random patterns (7x the Hebbian capacity), 10 % noise:
    at least 99 % of 200 recalls exact."""
    rng = np.random.default_rng(21)
    n = p = 1000
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x, rule="dense", **kw)
    targets = rng.choice(p, 200, replace=False)
    probes = np.stack([ref.flip(rng, x[t], 0.1) for t in targets])
    results = net.recall_many(probes, seed=0)
    exact = sum(np.array_equal(r.state, x[t]) for r, t in zip(results, targets))
    print(f"\n{kw}: {exact}/200 exact at n = p = 1000, 10 % noise")
    assert exact >= 198


@pytest.mark.slow
def test_dense_vs_hypercube_hopfield():
    """n = 1024, p = 100 random +-1 patterns, 10 % noise, the same patterns
    and probes for both: at least its accuracy, and faster per recall."""
    hh = pytest.importorskip("hypercube_hopfield", reason="peer not installed: pip install hypercube-hopfield")
    import time

    rng = np.random.default_rng(5)
    n, p, k = 1024, 100, 20
    x = ref.random_patterns(rng, p, n)
    probes = np.stack([ref.flip(rng, x[j], 0.1) for j in range(k)])
    peer = hh.HopfieldNetwork(dim=10, seed=0)
    peer.store_patterns(x.astype(np.float32))
    t = time.perf_counter()
    theirs = [np.where(peer.recall(pr.astype(np.float32)).state >= 0, 1, -1) for pr in probes]
    t_peer = (time.perf_counter() - t) / k
    ours_net = assocmem.Hopfield(n)
    ours_net.store(x, rule="dense", beta=0.05)
    t = time.perf_counter()
    ours = [ours_net.recall(pr, seed=j).state for j, pr in enumerate(probes)]
    t_ours = (time.perf_counter() - t) / k
    acc_peer = sum(np.array_equal(a, x[j]) for j, a in enumerate(theirs))
    acc_ours = sum(np.array_equal(a, x[j]) for j, a in enumerate(ours))
    print(f"\nn=1024 p=100: assocmem dense exp {acc_ours}/{k} exact, {t_ours * 1e3:.2f} ms/recall; "
          f"hypercube-hopfield {acc_peer}/{k}, {t_peer * 1e3:.2f} ms/recall ({t_peer / t_ours:.1f}x)")
    assert acc_ours >= acc_peer and acc_ours == k
    assert t_ours < t_peer or math.isclose(t_ours, t_peer, rel_tol=0.2)
