"""assocmem.images on generated files of every Pillow mode and real photos."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import assocmem
from assocmem import images
from assocmem.errors import ArgumentError, FormatError, ShapeError, StateValueError

H, W = 80, 60


def halves(dark: float, bright: float, size=(90, 120)) -> np.ndarray:
    """(height, width) = size array: left half dark, right half bright."""
    h, w = size
    a = np.full((h, w), dark, dtype=np.float64)
    a[:, w // 2:] = bright
    return a


EXPECTED = np.where(np.arange(W) < W // 2, -1, 1)[None, :].repeat(H, 0).reshape(-1)


def make(mode: str) -> Image.Image:
    g = halves(30, 220)
    if mode == "1":
        return Image.fromarray(g > 128).convert("1")
    if mode == "L":
        return Image.fromarray(g.astype(np.uint8))
    if mode == "P":
        return Image.fromarray(g.astype(np.uint8)).convert("P")
    if mode in ("RGB", "CMYK", "YCbCr"):
        rgb = np.stack([g * 0.9, g, g * 0.8], axis=-1).astype(np.uint8)
        return Image.fromarray(rgb).convert(mode)
    if mode == "RGBA":
        rgb = np.stack([g, g, g, np.full_like(g, 255)], axis=-1).astype(np.uint8)
        return Image.fromarray(rgb)
    if mode == "LA":
        return Image.fromarray(g.astype(np.uint8)).convert("LA")
    if mode == "I;16":
        # both halves above 255: naive 8-bit conversion would clip them equal
        return Image.fromarray(halves(20000, 50000).astype(np.uint16))
    if mode == "I":
        return Image.fromarray(halves(-70000, 900000).astype(np.int32))
    if mode == "F":
        return Image.fromarray(halves(0.1, 0.7).astype(np.float32))
    raise AssertionError(mode)


MODES = [("1", "png"), ("L", "png"), ("P", "png"), ("RGB", "png"), ("RGB", "jpeg"), ("RGBA", "png"), ("LA", "png"),
         ("I;16", "png"), ("I", "tiff"), ("F", "tiff"), ("CMYK", "tiff"), ("RGB", "bmp"), ("P", "gif")]


@pytest.mark.parametrize("mode,fmt", MODES)
def test_load_every_mode_from_file(tmp_path, mode, fmt):
    path = tmp_path / f"img.{fmt}"
    make(mode).save(path)
    with Image.open(path) as check:
        assert check.mode in (mode, "RGB", "L", "P", "I", "I;16", "F", "CMYK")
    state = images.load(path)
    assert state.dtype == np.int8 and state.shape == (H * W,)
    np.testing.assert_array_equal(state, EXPECTED)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "I;16", "F"])
def test_load_accepts_pil_image(mode):
    np.testing.assert_array_equal(images.load(make(mode)), EXPECTED)


def test_transparent_pixels_count_as_white():
    rgba = np.zeros((90, 120, 4), dtype=np.uint8)  # black everywhere
    rgba[:, :, 3] = 255
    rgba[:, 60:, 3] = 0  # right half fully transparent
    np.testing.assert_array_equal(images.load(Image.fromarray(rgba)), EXPECTED)


def test_thresholds():
    g = np.array([[0, 10, 20, 30], [40, 50, 200, 250]], dtype=np.float64)
    assert images.binarize(g, 25).tolist() == [[-1, -1, -1, 1], [1, 1, 1, 1]]
    mean = g.mean()  # 75
    assert images.binarize(g, "mean").tolist() == np.where(g > mean, 1, -1).tolist()
    # median of 8 values splits 4/4
    assert (images.binarize(g, "median") == 1).sum() == 4
    # otsu separates the two clusters {0..50} and {200, 250}
    assert images.binarize(g, "otsu").tolist() == [[-1, -1, -1, -1], [-1, -1, 1, 1]]


def test_median_on_two_level_image_keeps_the_picture():
    g = np.zeros((10, 10))
    g[:, :6] = 255  # 60 % white: median is 255
    b = images.binarize(g, "median")
    assert (b[:, :6] == 1).all() and (b[:, 6:] == -1).all()


def test_shape_and_resize(tmp_path):
    img = Image.fromarray(halves(0, 255, size=(300, 200)).astype(np.uint8))
    s = images.load(img, shape=(30, 20))
    assert s.shape == (600,)
    assert (s.reshape(30, 20)[:, :10] == -1).all() and (s.reshape(30, 20)[:, 10:] == 1).all()


def test_to_image_roundtrip(rng):
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=H * W)
    img = images.to_image(s, (H, W))
    assert img.size == (W, H) and img.mode == "L"
    a = np.asarray(img)
    assert set(np.unique(a)) <= {0, 255}
    np.testing.assert_array_equal(a.reshape(-1) == 255, s == 1)
    np.testing.assert_array_equal(images.load(img, (H, W), threshold=127), s)


def test_add_noise_flips_exactly(rng):
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=1000)
    for f in (0.0, 0.2, 0.5, 1.0):
        noisy = images.add_noise(s, f, seed=3)
        assert (noisy != s).sum() == round(f * 1000)
    np.testing.assert_array_equal(images.add_noise(s, 0.3, seed=9), images.add_noise(s, 0.3, seed=9))
    assert (images.add_noise(s, 0.3, seed=1) != images.add_noise(s, 0.3, seed=2)).any()


def test_occlude():
    s = np.ones(H * W, dtype=np.int8)
    half = images.occlude(s, (H, W), fraction=0.5).reshape(H, W)
    assert (half[:40] == 1).all() and (half[40:] == -1).all()
    box = images.occlude(s, (H, W), (10, 5, 20, 15), fill=-1).reshape(H, W)
    assert (box[10:20, 5:15] == -1).all() and (box == -1).sum() == 100
    with pytest.raises(ArgumentError, match="box"):
        images.occlude(s, (H, W), (10, 5, 90, 15))
    with pytest.raises(ArgumentError, match="exactly one"):
        images.occlude(s, (H, W))
    with pytest.raises(ArgumentError, match="fill"):
        images.occlude(s, (H, W), fraction=0.5, fill=0)


def test_montage_content(rng):
    a, b = (rng.choice(np.array([-1, 1], dtype=np.int8), size=H * W) for _ in range(2))
    img = images.montage([[a, b], [b, a]], (H, W), [["a", "b"], ["c", "d"]], scale=2)
    assert img.width == 8 + 2 * (2 * W + 8)
    px = np.asarray(img.convert("L"))
    # top-left cell at (8, 8) scaled by 2 reproduces state a
    cell = px[8:8 + 2 * H:2, 8:8 + 2 * W:2]
    np.testing.assert_array_equal(cell.reshape(-1) == 255, a == 1)


@pytest.mark.parametrize(
    "content,exc,match",
    [
        (None, FormatError, "no such file"),
        (b"hello, I am text", FormatError, "not an image"),
    ],
)
def test_bad_files(tmp_path, content, exc, match):
    p = tmp_path / "x.png"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(exc, match=match):
        images.load(p)


def test_truncated_and_small_and_directory(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8)).save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(FormatError, match="cut.png: unreadable or truncated"):
        images.load(cut)
    small = tmp_path / "small.png"
    Image.new("L", (30, 40)).save(small)
    with pytest.raises(ShapeError, match="small.png: image is 30x40 .* smaller than the target 60x80"):
        images.load(small)
    with pytest.raises(FormatError, match="is a directory"):
        images.load(tmp_path)


def test_bad_state_and_arguments():
    with pytest.raises(ShapeError, match="state"):
        images.to_image([], (2, 2))
    with pytest.raises(StateValueError, match="NaN"):
        images.to_image([1, np.nan, 1, 1], (2, 2))
    with pytest.raises(ValueError, match="fraction: expected a number in \\[0, 1\\]; got 1.5"):
        images.add_noise([1, 1], 1.5)
    with pytest.raises(ValueError, match="fraction"):
        images.add_noise([1, 1], float("nan"))
    with pytest.raises(ValueError, match="threshold"):
        images.load(make("L"), threshold="bright")
    with pytest.raises(ValueError, match="shape"):
        images.load(make("L"), shape=(0, 5))


# ------------------------------------------------------- real photographs
def test_five_photos_recalled_exactly_from_20_percent_noise():
    photos = images.sample_photos()
    assert len(photos) == 5
    x = np.stack([images.load(img) for _, img in photos])
    assert x.shape == (5, 4800)
    net = assocmem.Hopfield(4800)
    net.store(x)
    for k in range(5):
        for seed in range(4):
            probe = images.add_noise(x[k], 0.2, seed=seed)
            assert (probe != x[k]).sum() == 960
            res = net.recall(probe, seed=seed)
            np.testing.assert_array_equal(res.state, x[k])
            assert res.converged and res.best == k and res.exact and not res.inverted
        crop = net.recall(images.occlude(x[k], fraction=0.5), seed=0)
        np.testing.assert_array_equal(crop.state, x[k])
