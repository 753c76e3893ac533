"""``assocmem searchnet ...``: train a graph-backed search net from a click
log, rank urls for a query."""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

PROG = "assocmem searchnet train"

#: Log lines per training batch (one transaction each in the graph).
DEFAULT_BATCH = 1000


def add_parser(sub: Any) -> None:
    sn = sub.add_parser("searchnet", help="train and query a search-ranking net kept in the graph",
                        description="Train a search-ranking net (PCI ch. 4) from a click log, and rank urls.")
    ssub = sn.add_subparsers(dest="searchnet_command", required=True, parser_class=type(sn))
    p = ssub.add_parser("train", help="train from a JSON-lines click log",
                        description="Each line is one click: {\"words\": [...], \"urls\": [...], \"clicked\": URL}. "
                                    "Lines are trained in batches, each written in one transaction; a malformed "
                                    "line stops the run before its batch is trained.  Ctrl-C stops the run after "
                                    "the batch in progress and prints the line to resume from (--from-line); a "
                                    "second Ctrl-C abandons that batch.")
    p.add_argument("log", help="click log (.jsonl; .gz read as gzip; - for standard input)")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH, help=f"lines per batch (default {DEFAULT_BATCH})")
    p.add_argument("--from-line", type=int, default=1, metavar="N",
                   help="start at line N of the log (what a stopped run prints; default 1)")
    p.add_argument("--checkpoint-mb", type=int, default=None,
                   help="embedded LadybugDB: checkpoint once the write-ahead log passes this many MiB (default: "
                        "LadybugDB's 16); larger builds big nets faster, at the cost of a longer recovery")
    _common(p)
    p = ssub.add_parser("rank", help="rank urls for a query")
    p.add_argument("words", nargs="+", help="query words")
    p.add_argument("--urls", nargs="+", required=True, help="candidate urls")
    _common(p)


def _common(p: argparse.ArgumentParser) -> None:
    from .graph.cli import _target_options

    _target_options(p)
    p.add_argument("--name", default="searchnet", help="net name in the database (default: searchnet)")
    p.add_argument("--rules", choices=["pci", "hypergraphdb"], default=None,
                   help="learning rules (default: the stored net's, or pci for a new net)")
    p.add_argument("--layout", choices=["links", "neurons"], default=None,
                   help="graph layout (default: the stored net's, or links for a new net; neurons answers cold "
                        "queries on large hypergraphdb nets 3x faster, README)")


def _session(lineno: int, text: str, path: str) -> tuple[list, list, Any]:
    from .errors import FormatError

    where = f"{path}:{lineno}"
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{where}: not a JSON object ({exc.msg})") from None
    if not isinstance(row, dict) or not {"words", "urls", "clicked"} <= row.keys():
        raise FormatError(f"{where}: expected an object with words, urls and clicked")
    words, urls, clicked = row["words"], row["urls"], row["clicked"]
    if not isinstance(words, list) or not isinstance(urls, list):
        raise FormatError(f"{where}: words and urls must be lists")
    from .searchnet import _check_keys

    try:
        words, urls = _check_keys("words", words), _check_keys("urls", urls)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"{where}: {exc}") from None
    if clicked not in urls:
        raise FormatError(f"{where}: clicked: expected one of the urls; got {clicked!r}")
    return words, urls, clicked


def run(args: argparse.Namespace) -> int:
    from ._validate import positive_int
    from .errors import ArgumentError, AssocmemError, FormatError, GraphConnectionError
    from .graph.cli import open_target
    from .searchnet import SearchNet

    ranking = args.searchnet_command == "rank"
    with open_target(args, create=not ranking) as store:
        if ranking:
            from .graph.searchnet_store import stored_nets

            nets = stored_nets(store)
            if args.name not in nets:  # a new net would rank every url 0
                listed = ", ".join(map(repr, nets)) or "none"
                raise ArgumentError(f"--name: no search net {args.name!r} in {store} (stored: {listed})")
        net = SearchNet(store, rules=args.rules, name=args.name, layout=args.layout)
        if ranking:
            scores = net.scores(args.words, args.urls)
            for url, score in sorted(zip(args.urls, scores), key=lambda t: -t[1]):
                print(f"{score:+.4f}  {url}")
            return 0
        batch_size = positive_int("--batch", args.batch)
        first = positive_int("--from-line", args.from_line)
        path = "<stdin>" if args.log == "-" else args.log
        from ._optional import require

        tqdm = require("tqdm", "graph").tqdm
        done, last = 0, first - 1  # clicks trained, and the last line of the batches trained
        stopped = False
        batch: list[tuple[list, list, Any]] = []
        with _open_log(args.log) as fh, _StopAfterBatch() as stop, \
                tqdm(desc=f"training {args.name}", unit="click", delay=1.0) as bar:

            def train(upto: int) -> None:
                nonlocal done, last, batch
                try:
                    net.train_many(batch)
                except AssocmemError as exc:  # the batch rolled back, or (connection lost) maybe not
                    fate = ("may or may not be stored (the connection was lost once it was sent)"
                            if isinstance(exc, GraphConnectionError) else "is not stored")
                    mend = "mend its click and " if isinstance(exc, ArgumentError) else ""
                    raise type(exc)(f"{exc} (the batch of lines {last + 1}-{upto} {fate}; "
                                    f"{_trained(done, first, last)}; {mend}resume with --from-line {last + 1})") from None
                except KeyboardInterrupt:
                    bar.close()
                    print(f"{PROG}: interrupted: abandoned the batch of lines {last + 1}-{upto}, stored whole or "
                          f"not at all (whole only if the interruption came as it committed); {_trained(done, first, last)}",
                          file=sys.stderr)
                    raise
                done, last, batch = done + len(batch), upto, []
                bar.update(done - bar.n)

            lineno = first - 1
            progress = lambda: (_trained(done, first, last), last + 1)  # noqa: E731
            for lineno, text in enumerate(_lines(fh, path, progress, first), start=1):
                if text.strip():  # (lines before --from-line come as "")
                    try:
                        batch.append(_session(lineno, text, path))
                    except FormatError as exc:
                        raise FormatError(f"{exc} (nothing from its batch or after it is trained; "
                                          f"{_trained(done, first, last)}; mend the line and resume with "
                                          f"--from-line {last + 1})") from None
                if len(batch) == batch_size:
                    train(lineno)
                    if stop.requested:
                        stopped = True
                        break
            else:
                if batch:
                    train(lineno)
        if stopped:
            print(f"{PROG}: stopped: {_trained(done, first, last)}; resume with --from-line {last + 1}",
                  file=sys.stderr)
            return 130
        print(f"trained {done} clicks into {args.name!r} ({net.n_hidden} hidden neurons) -> {store}")
    return 0


def _open_log(log: str) -> Any:
    """The click log as a binary stream: standard input for "-", a gzip
    file by its name's .gz, else a plain file."""
    if log == "-":
        return contextlib.nullcontext(getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode()))
    if log.endswith(".gz"):
        return gzip.open(log, "rb")
    return open(log, "rb")


def _lines(fh: Any, path: str, progress: Any, first: int = 1) -> Iterator[str]:
    """The log's lines, each decoded as UTF-8 on its own (so that an error
    names its line; lines before ``first`` are skipped undecoded, as "").  A
    line that is not UTF-8, or a read that fails (a gzip file cut short, or
    not gzip at all), is a FormatError naming the line, what is trained and
    where to resume (``progress()``: both)."""
    from .errors import FormatError

    def fail(where: str, why: str) -> FormatError:
        trained, resume = progress()
        return FormatError(f"{path}:{where}: {why}; nothing from its batch or after it is trained; {trained}; "
                           f"resume with --from-line {resume} once the log reads")

    lineno = 0
    while True:
        try:
            raw = fh.readline()
        except (OSError, EOFError) as exc:
            raise fail(f" after line {lineno}" if lineno else "1", f"cannot read the log ({exc})") from None
        if not raw:
            return
        lineno += 1
        if lineno < first:
            yield ""
            continue
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise fail(str(lineno), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _trained(done: int, first: int, last: int) -> str:
    if last < first:
        return "no batch was trained"
    return f"the {done} clicks of lines {first}-{last} are trained and committed"


class _StopAfterBatch:
    """While training: the first Ctrl-C (SIGINT) asks the run to stop after
    the batch in progress, which then commits whole; the next one raises
    KeyboardInterrupt as usual (the batch is abandoned).  Only on the main
    thread, where Python runs signal handlers."""

    def __init__(self) -> None:
        self.requested = False
        self._installed = False
        self._old: Any = None

    def __enter__(self) -> "_StopAfterBatch":
        if threading.current_thread() is threading.main_thread():
            old = signal.signal(signal.SIGINT, self._handle)
            # None: a handler installed from outside Python; Python's own takes its place
            self._old, self._installed = signal.default_int_handler if old is None else old, True
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._old)
        print(f"\n{PROG}: stopping after the batch in progress (Ctrl-C again to abandon it)", file=sys.stderr)

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._old)
