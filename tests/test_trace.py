"""A recall you can watch: the visit-by-visit replay equals the kernel."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

import assocmem
from assocmem import cli, images, trace
from assocmem.errors import ArgumentError
import reference as ref


@pytest.mark.parametrize("thresholds", [False, True])
@pytest.mark.parametrize("order", ["random", "sequential"])
def test_trace_replays_the_kernels_recall(rng, thresholds, order):
    n, p = 150, 6
    x = ref.random_patterns(rng, p, n)
    theta = rng.normal(0, 0.05, n) if thresholds else None
    net = assocmem.Hopfield(n, theta)
    net.store(x)
    probe = x[2] * np.where(rng.random(n) < 0.3, -1, 1).astype(np.int8)
    tr = trace.recall_trace(net, probe, seed=7, order=order, frames_per_sweep=10)
    want = ref.recall(x, probe, theta, seed=7, order=order)  # the independent NumPy reference
    res = tr.result
    np.testing.assert_array_equal(tr.frames[0], probe)
    np.testing.assert_array_equal(tr.frames[-1], res.state)
    np.testing.assert_array_equal(res.state, want.state)
    assert (res.sweeps, res.flips) == (want.sweeps, want.flips)
    # the energy at each sweep's end is the kernel's, exactly
    at_ends = [tr.energy[np.flatnonzero(tr.energy_x == k)[-1]] for k in range(res.sweeps + 1)]
    np.testing.assert_array_equal(at_ends, res.energies)
    # every frame is the previous one with the marked neurons flipped
    for a, b, f in zip(tr.frames[:-1], tr.frames[1:], tr.flipped[1:]):
        np.testing.assert_array_equal(a != b, f)
    assert tr.frames.shape[0] == 10 * res.sweeps + 1
    assert np.all(np.diff(tr.positions) > 0) and np.all(np.diff(tr.energy_x) >= 0)
    # asynchronous Hebbian updates never raise the energy (no thresholds)
    if not thresholds:
        assert np.all(np.diff(tr.energy) <= 1e-9)


def test_trace_refuses_other_rules_and_empty_networks(rng):
    with pytest.raises(ArgumentError, match="net: tracing replays the Hebbian rule"):
        trace.recall_trace(assocmem.Hopfield(5), np.ones(5))
    net = assocmem.Hopfield(20)
    net.store(ref.random_patterns(rng, 2, 20), rule="storkey")
    with pytest.raises(ArgumentError, match="'storkey'"):
        trace.recall_trace(net, np.ones(20))


def test_gif_has_frames_and_marks_flips(tmp_path, rng):
    n = 240
    x = ref.random_patterns(rng, 2, n)
    net = assocmem.Hopfield(n)
    net.store(x)
    tr = trace.recall_trace(net, images.add_noise(x[0], 0.3, seed=1), seed=1)
    assert tr.flipped[1].any()
    k = trace.to_gif([[tr, tr]], tmp_path / "r.gif", (12, 20), scale=3)
    with Image.open(tmp_path / "r.gif") as gif:
        assert gif.n_frames == k >= 5
        gif.seek(1)
        rgb = np.asarray(gif.convert("RGB"))
    red = (rgb[:, :, 0] > 150) & (rgb[:, :, 1] < 100)
    assert red.sum() == 2 * 9 * int(tr.flipped[1].sum())  # both cells, 3x3 pixels per flipped neuron


def test_demo_writes_gif_with_frames_per_probe(tmp_path):
    summary_dir = tmp_path / "demo"
    assert cli.main(["demo", "--out", str(summary_dir)]) == 0
    summary = json.loads((summary_dir / "summary.json").read_text())
    with Image.open(summary_dir / "recall.gif") as gif:
        frames = gif.n_frames
    assert frames == summary["gif_frames"]
    # every probe: at least 20 frames a sweep for at least one sweep
    assert frames >= 5 * max(r["sweeps"] for r in summary["probes"])
    assert frames >= 20


def test_cli_recall_gif(tmp_path):
    name, img = images.sample_photos(["chelsea"])[0]
    f = tmp_path / "c.png"
    img.save(f)
    mem = tmp_path / "m.npz"
    assert cli.main(["store", str(f), "--memory", str(mem)]) == 0
    out, gif = tmp_path / "o.png", tmp_path / "o.gif"
    assert cli.main(["recall", str(f), "--memory", str(mem), "--out", str(out), "--noise", "0.3",
                     "--gif", str(gif)]) == 0
    with Image.open(gif) as g:
        assert g.n_frames >= 5
    assert cli.main(["recall", str(f), "--memory", str(mem), "--out", str(out), "--mode", "sync",
                     "--gif", str(gif)]) == 2
