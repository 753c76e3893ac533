"""The command line, as a subprocess and through its entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import assocmem
from assocmem import cli, images


def png(path):
    """Open, decode and close a PNG; return (format, image)."""
    with Image.open(path) as img:
        img.load()
        return img.format, img.copy()


def run(*args, check=False):
    proc = subprocess.run([sys.executable, "-m", "assocmem.cli", *args], capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    proc = run("demo", "--out", str(out), "--seed", "0", check=True)
    return out, proc.stdout


def test_demo_outputs(demo_dir):
    out, stdout = demo_dir
    summary = json.loads((out / "summary.json").read_text())
    assert summary["patterns"] == list(images.SAMPLE_PHOTOS)
    probes = summary["probes"]
    assert len(probes) == 5 * 3
    # the seed's findings: exact recall from the crop and from 20 % noise
    for row in probes:
        if row["kind"] == "crop" or row["noise"] == 0.2:
            assert row["recalled_source"] and row["exact"] and row["best_overlap"] == 1.0, row
    # at 50 % noise, some recall ends spurious or inverted, and says so
    heavy = [r for r in probes if r["kind"] == "noise" and r["noise"] == 0.5]
    assert any(r["spurious"] or r["inverted"] for r in heavy)
    for r in heavy:
        if r["inverted"] and r["exact"]:
            assert r["best_overlap"] == -1.0
    assert "INVERTED" in stdout or "SPURIOUS" in stdout
    assert "recalled" in stdout

    fmt, montage = png(out / "montage.png")
    assert fmt == "PNG" and montage.width > 7 * 60 and montage.height > 5 * 80
    fmt, energy = png(out / "energy.png")
    assert fmt == "PNG" and energy.size == (800, 500)


def test_demo_summary_matches_library(demo_dir):
    """Recompute one probe with the library and compare with summary.json."""
    out, _ = demo_dir
    summary = json.loads((out / "summary.json").read_text())
    x = np.stack([images.load(img) for _, img in images.sample_photos()])
    net = assocmem.Hopfield(4800)
    net.store(x)
    k, j = 1, 1  # second photo, first noise level (kinds: crop, 0.2, 0.5)
    probe = images.add_noise(x[k], 0.2, seed=0 + 1000 * k + j)
    res = net.recall(probe, seed=0 + 1000 * k + j)
    row = [r for r in summary["probes"] if r["image"] == "chelsea" and r["kind"] == "noise" and r["noise"] == 0.2][0]
    assert row["sweeps"] == res.sweeps and row["flips"] == res.flips
    assert row["energy"] == res.energy
    assert list(row["overlaps"].values()) == res.overlaps.tolist()


def test_demo_montage_cells_match_states(demo_dir):
    out, _ = demo_dir
    x = images.load(images.sample_photos(["astronaut"])[0][1])
    px = np.asarray(png(out / "montage.png")[1].convert("L"))
    # first cell: stored astronaut at (pad + header, pad), scale 3
    top = 12 + 8 + 8
    cell = px[top:top + 240:3, 8:8 + 180:3]
    np.testing.assert_array_equal(cell.reshape(-1) == 255, x == 1)


def test_store_and_recall_roundtrip(tmp_path):
    photos = images.sample_photos(["astronaut", "chelsea", "coins"])
    files = []
    for name, img in photos:
        p = tmp_path / f"{name}.png"
        img.save(p)
        files.append(p)
    memory = tmp_path / "mem.npz"
    assert cli.main(["store", str(files[0]), str(files[1]), "--memory", str(memory)]) == 0
    assert cli.main(["store", str(files[2]), "--memory", str(memory)]) == 0  # appends
    net = assocmem.Hopfield.load(memory)
    assert net.n_patterns == 3 and net.metadata["labels"] == ["astronaut", "chelsea", "coins"]
    out = tmp_path / "rec.png"
    proc = run("recall", str(files[1]), "--memory", str(memory), "--out", str(out), "--noise", "0.2", check=True)
    assert "exactly chelsea" in proc.stdout
    rec = np.where(np.asarray(png(out)[1]).reshape(-1) == 255, 1, -1)
    np.testing.assert_array_equal(rec, images.load(files[1]))


def test_version_and_help():
    assert run("--version", check=True).stdout.strip() == f"assocmem {assocmem.__version__}"
    for sub in ([], ["demo"], ["store"], ["recall"]):
        proc = run(*sub, "--help", check=True)
        assert "usage: assocmem" in proc.stdout


@pytest.mark.parametrize(
    "args,needle",
    [
        (["recall", "missing.png", "--memory", "m.npz", "--out", "o.png"], "no such file"),
        (["demo", "--noise", "1.5"], "--noise: expected a number in [0, 1]; got '1.5'"),
        (["demo", "nothing-here.png"], "nothing-here.png: no such file"),
        (["store", "EMPTYDIR", "--memory", "m.npz"], "directory holds no images"),
        (["store", "TEXTFILE", "--memory", "m.npz"], "not an image"),
        (["store", "SMALL", "--memory", "m.npz"], "smaller than the target"),
        (["recall", "SMALL", "--memory", "TEXTFILE", "--out", "o.png"], "not a readable assocmem file"),
        (["store", "GOOD", "--memory", "MEM", "--shape", "40", "30"], "--shape: "),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exit_2_one_line(tmp_path, args, needle):
    (tmp_path / "empty").mkdir()
    (tmp_path / "text.png").write_text("not an image")
    Image.new("L", (10, 10)).save(tmp_path / "small.png")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (100, 100), dtype=np.uint8)).save(tmp_path / "good.png")
    mem = tmp_path / "mem.npz"
    cli.main(["store", str(tmp_path / "good.png"), "--memory", str(mem)])
    before = mem.read_bytes()
    subst = {"EMPTYDIR": tmp_path / "empty", "TEXTFILE": tmp_path / "text.png", "SMALL": tmp_path / "small.png",
             "GOOD": tmp_path / "good.png", "MEM": mem}
    args = [str(subst.get(a, a)) for a in args]
    proc = subprocess.run([sys.executable, "-m", "assocmem.cli", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert needle in lines[-1]
    assert mem.read_bytes() == before  # never left half-written or changed
