"""Trust: oversized, crafted and corrupt images give one clear error, and
large photos decode with bounded memory."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from assocmem import images
from assocmem.errors import FormatError, ImageError


def _png_claiming(path, width, height):
    """A tiny valid-looking PNG whose IHDR claims width x height."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def _bmp_claiming(path, width, height):
    """A 24 KB BMP whose header claims width x height (24-bit)."""
    header = b"BM" + struct.pack("<IHHI", 0, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    path.write_bytes(header + info + b"\x00" * 24_000)
    return path


@pytest.mark.parametrize("maker,size", [(_png_claiming, (20000, 20000)), (_bmp_claiming, (316228, 316228)),
                                        (_png_claiming, (2**31 - 1, 2))])
def test_oversized_image_is_an_image_error_naming_the_file(tmp_path, maker, size):
    f = maker(tmp_path / ("big" + (".png" if maker is _png_claiming else ".bmp")), *size)
    with pytest.raises(ImageError, match=rf"{f.name}: image has {size[0] * size[1]:,} pixels.*; at most 134,217,728 are"):
        images.load(f)
    assert issubclass(ImageError, FormatError) and issubclass(ImageError, ValueError)


def test_oversized_image_on_the_command_line_is_exit_2_one_line(tmp_path):
    f = _png_claiming(tmp_path / "bomb.png", 20000, 20000)
    r = subprocess.run([sys.executable, "-m", "assocmem.cli", "store", str(f), "--memory", str(tmp_path / "m.npz")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "bomb.png" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "m.npz").exists()


def test_corrupt_tiff_gives_one_line_and_no_libtiff_chatter(tmp_path):
    rng = np.random.default_rng(0)
    good = tmp_path / "ok.tif"
    Image.fromarray((rng.random((100, 100)) * 255).astype(np.uint8)).save(good, compression="tiff_lzw")
    data = bytearray(good.read_bytes())
    for k in range(200, 2000, 7):
        data[k] ^= 0x5A
    bad = tmp_path / "bad.tif"
    bad.write_bytes(bytes(data))
    r = subprocess.run([sys.executable, "-m", "assocmem.cli", "store", str(bad), "--memory", str(tmp_path / "m.npz")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("assocmem: error: ") and "bad.tif" in r.stderr
    # and in-process the library raises ImageError, stderr stays clean
    with pytest.raises(ImageError, match="bad.tif: unreadable or truncated image"):
        images.load(bad)


@pytest.mark.slow
def test_large_jpeg_decodes_with_bounded_memory(tmp_path):
    """A 10000 x 10000 RGB JPEG (300 MB of pixels at full size) loads in a
    process whose peak memory stays far below that, and gives the same
    binarised picture as a 2500 x 2500 version of it (up to a few pixels)."""
    rng = np.random.default_rng(1)
    small = Image.fromarray((rng.random((60, 80, 3)) * 255).astype(np.uint8)).resize((100, 100), Image.BILINEAR)
    big = small.resize((10000, 10000), Image.BILINEAR)
    f = tmp_path / "huge.jpg"
    big.save(f, quality=90)
    ref = small.resize((2500, 2500), Image.BILINEAR)
    del big
    # VmHWM (peak resident memory of this address space): unlike ru_maxrss
    # it does not inherit the parent's peak across exec
    code = (
        "import re, numpy as np; from assocmem import images; "
        f"s = images.load({str(f)!r}); np.save({str(tmp_path / 's.npy')!r}, s); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    peak_mb = int(r.stdout.strip()) / 1024
    assert peak_mb < 400, f"peak RSS {peak_mb:.0f} MB"
    got = np.load(tmp_path / "s.npy")
    want = images.load(ref)
    assert np.mean(got != want) < 0.05
