"""ImageMemory: one contract for image memories from files and from graphs."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem import cli, graph, images
from assocmem.errors import FormatError
from assocmem.imagememory import ImageMemory


@pytest.fixture
def photos(tmp_path):
    files = []
    for name, img in images.sample_photos(["astronaut", "chelsea", "coins"]):
        p = tmp_path / f"{name}.png"
        img.save(p)
        files.append(p)
    return files


def test_from_file_carries_shape_labels_and_threshold(tmp_path, photos):
    mem = tmp_path / "m.npz"
    assert cli.main(["store", *map(str, photos), "--memory", str(mem), "--threshold", "otsu",
                     "--shape", "40", "30"]) == 0
    m = ImageMemory.from_file(mem)
    assert (m.shape, m.labels, m.threshold) == ((40, 30), ["astronaut", "chelsea", "coins"], "otsu")
    # a probe is binarised as the patterns were: with the memory's own threshold
    np.testing.assert_array_equal(m.probe(photos[1]), images.load(photos[1], (40, 30), "otsu"))
    np.testing.assert_array_equal(m.probe(photos[1], threshold="mean"), images.load(photos[1], (40, 30), "mean"))
    noisy = m.probe(photos[1], noise=0.1, seed=3)
    assert (noisy != m.probe(photos[1])).sum() == round(0.1 * 1200)
    res = m.net.recall(m.probe(photos[1]), seed=0)
    assert m.describe(res).startswith("exactly chelsea (overlap +1.000, ")
    assert m.to_image(res.state).size == (30, 40)


@pytest.mark.parametrize("meta,needle", [
    ({"labels": ["a"]}, "metadata.shape: expected [height, width]"),
    ({"shape": [3, 3], "labels": ["a"]}, "metadata.shape: 3x3 images need 9 neurons; the network has 12"),
    ({"shape": [3, 4], "labels": ["a", "b"]}, "metadata.labels: expected 1 labels"),
    ({"shape": [3, 4], "labels": ["a"], "threshold": "brightest"}, "metadata.threshold: expected median, mean"),
    ({"shape": [3, 4], "labels": ["a"], "threshold": 300}, "metadata.threshold"),
])
def test_bad_metadata_names_the_field(tmp_path, meta, needle):
    net = assocmem.Hopfield(12)
    net.store(np.ones((1, 12), dtype=np.int8))
    net.metadata = meta
    net.save(tmp_path / "m.npz")
    with pytest.raises(FormatError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        ImageMemory.from_file(tmp_path / "m.npz")


def test_from_graph_numbers_missing_labels(photos):
    net = assocmem.Hopfield(12)
    net.store(np.array([[1, -1] * 6, [1] * 12], dtype=np.int8))
    net.metadata = {"shape": [3, 4]}
    with graph.open() as store:
        store.save_network(net, "img", progress=False)
        m = ImageMemory.from_graph(store, "img")
        assert (m.shape, m.labels, m.threshold) == ((3, 4), ["0", "1"], "median")
        with pytest.raises(FormatError, match="--name: network 'img': metadata.labels"):
            ImageMemory.of(m.net, "--name: network 'img'")  # labels required for a file
