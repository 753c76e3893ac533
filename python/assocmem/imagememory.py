"""An image memory: a Hopfield network with the image shape, labels and
binarisation threshold its patterns were stored with.

``assocmem store`` writes them into the network's metadata (``shape``,
``labels``, ``threshold``); :class:`ImageMemory` reads and checks them once,
whether the network comes from a file or a graph store, so both command
lines load probes, write recalled images and describe a recall the same way.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import images
from .errors import FormatError

if TYPE_CHECKING:
    from PIL.Image import Image

    from .hopfield import Hopfield, RecallResult

__all__ = ["ImageMemory"]


def _threshold(value: Any) -> bool:
    if isinstance(value, str):
        return value in images.NAMED_THRESHOLDS
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value <= 255


@dataclass(frozen=True)
class ImageMemory:
    """A network of ``shape[0] * shape[1]`` neurons storing images."""

    net: "Hopfield"
    shape: tuple[int, int]
    labels: list[str]
    threshold: str | float = "median"

    @classmethod
    def of(cls, net: "Hopfield", where: str, *, labels_required: bool = True) -> "ImageMemory":
        """The image memory ``net`` holds, from its metadata; a FormatError
        naming ``where`` (a file or a network) and the field otherwise.
        Without ``labels_required`` missing labels become "0", "1", ..."""
        meta = net.metadata
        shape = meta.get("shape")
        if not (isinstance(shape, list) and len(shape) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in shape)):
            raise FormatError(f"{where}: metadata.shape: expected [height, width] of an image memory "
                              f"(written by 'assocmem store'); got {shape!r}")
        if shape[0] * shape[1] != net.n_neurons:
            raise FormatError(f"{where}: metadata.shape: {shape[0]}x{shape[1]} images need {shape[0] * shape[1]} "
                              f"neurons; the network has {net.n_neurons}")
        labels = meta.get("labels")
        if labels is None and not labels_required:
            labels = [str(k) for k in range(net.n_patterns)]
        if not (isinstance(labels, list) and all(isinstance(v, str) for v in labels)
                and len(labels) == net.n_patterns):
            raise FormatError(f"{where}: metadata.labels: expected {net.n_patterns} labels (one per pattern); "
                              f"got {labels!r:.80}")
        threshold = meta.get("threshold", "median")
        if not _threshold(threshold):
            named = ", ".join(images.NAMED_THRESHOLDS)
            raise FormatError(f"{where}: metadata.threshold: expected {named} or a gray level in 0..255; "
                              f"got {threshold!r:.80}")
        return cls(net, (shape[0], shape[1]), list(labels), threshold)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> "ImageMemory":
        """The image memory in a file written by ``assocmem store``."""
        from .hopfield import Hopfield

        return cls.of(Hopfield.load(path), os.fspath(path))

    @classmethod
    def from_graph(cls, store: Any, name: str) -> "ImageMemory":
        """The image memory saved as network ``name`` in a graph store
        (labels may be missing there: they become "0", "1", ...)."""
        return cls.of(store.load_network(name), f"--name: network {name!r}", labels_required=False)

    def probe(self, image: Any, *, threshold: str | float | None = None, noise: float = 0.0,
              seed: int | None = None) -> np.ndarray:
        """An image as a probe state: resized to the memory's shape,
        binarised with its threshold (or ``threshold``), then ``noise`` of
        its pixels flipped."""
        state = images.load(image, self.shape, self.threshold if threshold is None else threshold)
        return images.add_noise(state, noise, seed=seed) if noise else state

    def to_image(self, state: np.ndarray) -> "Image":
        return images.to_image(state, self.shape)

    def describe(self, result: "RecallResult") -> str:
        """What a recall found: "exactly chelsea (overlap +1.000, 3 sweeps,
        512 flips" or "spurious state, closest to inverted coins (...",
        without the closing parenthesis (callers add their own numbers)."""
        kind = "inverted " if result.inverted else ""
        what = "exactly" if result.exact else "spurious state, closest to"
        return (f"{what} {kind}{self.labels[result.best]} (overlap {result.overlaps[result.best]:+.3f}, "
                f"{result.sweeps} sweeps, {result.flips} flips")
