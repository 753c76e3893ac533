"""The ``assocmem`` command line.

Errors in what the user gave (a missing file, a bad argument) end with exit
status 2 and one line naming the file or argument and the problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import __version__, images
from .errors import ArgumentError, AssocmemError, ShapeError
from .imagememory import ImageMemory

PROG = "assocmem"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1]; got {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1]; got {text!r}")
    return v


def _threshold(text: str) -> str | float:
    if text in images.NAMED_THRESHOLDS:
        return text
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected median, mean, otsu or a number in 0..255; got {text!r}") from None
    if not 0 <= v <= 255:
        raise argparse.ArgumentTypeError(f"expected a number in 0..255; got {text!r}")
    return v


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return v


def _image_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shape", nargs=2, type=_positive, metavar=("HEIGHT", "WIDTH"), default=list(images.DEFAULT_SHAPE),
                   help="size the images are resized to (default: 80 60, i.e. 60 px wide, 80 px high)")
    p.add_argument("--threshold", type=_threshold, default="median",
                   help="binarisation: median, mean, otsu or a gray level 0..255 (default: median)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Associative memories on compiled kernels, mirrored into a graph database.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="store photos, recall them from cropped and noisy probes",
                          description="Store photos in a Hopfield memory, then recall each from a crop and from "
                                      "noisy copies. Writes montage.png, energy.png and summary.json.")
    demo.add_argument("images", nargs="*", help="image files or directories (default: photos shipped with scikit-image)")
    demo.add_argument("--out", default="demo-out", help="output directory (default: demo-out)")
    demo.add_argument("--noise", nargs="+", type=_fraction, default=[0.2, 0.5], help="noise levels (default: 0.2 0.5)")
    demo.add_argument("--crop", type=_fraction, default=0.5, help="fraction of rows hidden in the crop probe (default: 0.5)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument("--all-photos", action="store_true",
                      help="store all 23 usable scikit-image photos and compare Hebbian with dense (exp) recall; "
                           "writes compare.png and compare.json")
    _image_options(demo)

    store = sub.add_parser("store", help="add images to a memory file", description="Add images to a memory file "
                           "(created if missing; written atomically).")
    store.add_argument("images", nargs="+", help="image files or directories")
    store.add_argument("--memory", required=True, help="memory file (.npz)")
    _image_options(store)

    recall = sub.add_parser("recall", help="recall an image from a memory file",
                            description="Recall the stored image closest to IMAGE and write it as a PNG.")
    recall.add_argument("image", help="probe image")
    recall.add_argument("--memory", required=True, help="memory file written by 'assocmem store'")
    recall.add_argument("--out", required=True, help="PNG to write the recalled state to")
    recall.add_argument("--noise", type=_fraction, default=0.0, help="flip this fraction of the probe first")
    recall.add_argument("--mode", choices=["async", "sync"], default="async")
    recall.add_argument("--seed", type=int, default=0)
    recall.add_argument("--threshold", type=_threshold, default=None,
                        help="binarisation of the probe (default: the memory's own, as stored)")
    recall.add_argument("--gif", help="also write an animated GIF of the recall (async mode; frames every 5 %% "
                                      "of a sweep, flipped neurons in red)")

    from .graph.cli import add_graph_parser
    from .searchnet_cli import add_parser as add_searchnet_parser

    add_graph_parser(sub)
    add_searchnet_parser(sub)
    return parser


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import format_comparison, format_table, run_comparison, run_demo

    if args.all_photos:
        if args.images:
            raise ArgumentError("--all-photos: uses scikit-image's photos; give no IMAGES with it")
        summary = run_comparison(args.out, args.noise[0], args.crop, args.seed, tuple(args.shape), args.threshold)
        print(format_comparison(summary))
        print(f"\nwrote {Path(args.out) / 'compare.png'}, compare.json")
        return 0
    summary = run_demo(args.images, args.out, args.noise, args.crop, args.seed, tuple(args.shape), args.threshold)
    print(format_table(summary["probes"]))
    print(f"\nwrote {Path(args.out) / 'montage.png'}, energy.png, recall.gif ({summary['gif_frames']} frames), "
          "summary.json")
    return 0


def _cmd_store(args: argparse.Namespace) -> int:
    from .demo import expand_images
    from .hopfield import Hopfield

    shape = tuple(args.shape)
    files = expand_images(args.images)
    states = [images.load(f, shape, args.threshold) for f in files]
    memory = Path(args.memory)
    if memory.exists():
        old = ImageMemory.from_file(args.memory)
        net, old_shape, labels = old.net, old.shape, old.labels
        if old_shape != shape:
            raise ShapeError(f"--shape: {args.memory} holds {old_shape[0]}x{old_shape[1]} images; got {shape[0]}x{shape[1]}")
    else:
        net, labels = Hopfield(shape[0] * shape[1]), []
    net.store(np.stack(states))
    net.metadata = {"shape": list(shape), "labels": labels + [f.stem for f in files], "threshold": args.threshold}
    net.save(memory)
    print(f"{args.memory}: {net.n_patterns} patterns of {shape[0]}x{shape[1]} ({', '.join(net.metadata['labels'])})")
    return 0


def _cmd_recall(args: argparse.Namespace) -> int:
    memory = ImageMemory.from_file(args.memory)
    net, shape = memory.net, memory.shape
    probe = memory.probe(args.image, threshold=args.threshold, noise=args.noise, seed=args.seed)
    if args.gif:
        from .trace import recall_trace, to_gif

        if args.mode != "async":
            raise ArgumentError("--gif: the animation replays an asynchronous recall; use --mode async")
        tr = recall_trace(net, probe, seed=args.seed)
        res = tr.result
        to_gif([[tr]], args.gif, shape, scale=4)
    else:
        res = net.recall(probe, mode=args.mode, seed=args.seed)
    memory.to_image(res.state).save(args.out, format="PNG")
    print(f"{args.image}: {memory.describe(res)}, energy {res.energy:.2f}) -> {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {"demo": _cmd_demo, "store": _cmd_store, "recall": _cmd_recall}
    try:
        if args.command == "graph":
            from .graph.cli import run_graph

            return run_graph(args)
        if args.command == "searchnet":
            from .searchnet_cli import run as run_searchnet

            return run_searchnet(args)
        return handlers[args.command](args)
    except (AssocmemError, ValueError, TypeError, OSError) as exc:
        message = str(exc) if not isinstance(exc, OSError) or not exc.filename else f"{exc.filename}: {exc.strerror}"
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        from .graph.backends import unwinding

        if unwinding():
            # LadybugDB is still unwinding an interrupted statement in a
            # helper thread; waiting for it would hold off the exit for
            # seconds.  Leave at once: nothing it wrote is visible, and the
            # database recovers on its next open (as after a kill).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
