"""Ranking quality for SearchNet: a click model, metrics and a test
collection built from real text that ships with Python.

* :func:`simulate_clicks`: position-based click model.  Rank r is examined
  with probability ``EXAMINATION[r]``; an examined result is clicked with a
  probability rising with its relevance grade, ``(2**g - 1) / 2**max_grade``
  plus a small noise floor for irrelevant results (Chapelle et al. 2009).
* :func:`ndcg_at` (NDCG@k with gains ``2**g - 1``) and :func:`mrr`.
* :func:`pydoc_collection`: documents are the help topics of
  ``pydoc_data.topics``; queries are 1-3 informative words drawn from one
  document; the grade is 2 for the source document, 1 for another document
  containing every query word, 0 otherwise.
* :func:`learning_curve`: train a SearchNet on simulated sessions and
  measure NDCG@10 on the training queries and on unseen related queries.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import positive_int, seed as _seed

__all__ = ["EXAMINATION", "simulate_clicks", "ndcg_at", "mrr", "Query", "pydoc_collection", "learning_curve"]

#: Examination probability by rank (position-based model).
EXAMINATION = (0.68, 0.61, 0.48, 0.34, 0.28, 0.20, 0.11, 0.10, 0.08, 0.06)
NOISE_CLICK = 0.02


def click_probability(grade: int, max_grade: int = 2) -> float:
    return max(NOISE_CLICK, (2**grade - 1) / 2**max_grade)


def simulate_clicks(
    ranking: Sequence[Hashable],
    grades: Mapping[Hashable, int],
    rng: np.random.Generator,
    examination: Sequence[float] = EXAMINATION,
    max_grade: int = 2,
) -> list[Hashable]:
    """Clicked urls of one impression of ``ranking`` (top first)."""
    clicks = []
    for r, url in enumerate(ranking[: len(examination)]):
        if rng.random() < examination[r] and rng.random() < click_probability(grades.get(url, 0), max_grade):
            clicks.append(url)
    return clicks


def dcg_at(ranking: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 10) -> float:
    return sum((2 ** grades.get(u, 0) - 1) / math.log2(r + 2) for r, u in enumerate(ranking[:k]))


def ndcg_at(ranking: Sequence[Hashable], grades: Mapping[Hashable, int], k: int = 10) -> float:
    """NDCG@k; 0 when no result is relevant."""
    ideal = dcg_at(sorted(grades, key=lambda u: -grades[u]), grades, k)
    return dcg_at(ranking, grades, k) / ideal if ideal > 0 else 0.0


def mrr(ranking: Sequence[Hashable], grades: Mapping[Hashable, int]) -> float:
    """Reciprocal rank of the first relevant (grade > 0) result."""
    for r, u in enumerate(ranking):
        if grades.get(u, 0) > 0:
            return 1.0 / (r + 1)
    return 0.0


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...]
    candidates: tuple[str, ...]  # the untrained order
    grades: Mapping[str, int]
    source: str


_WORD = re.compile(r"[a-z]{4,}")
_STOP = frozenset(
    "this that with from which have been were they their there these those when what will would should could "
    "such than then them also only other into more most must each same some used uses using like does doesn "
    "where while here just both many much very none following example examples following section described".split()
)


def _doc_words() -> dict[str, set[str]]:
    from pydoc_data.topics import topics

    return {name: set(_WORD.findall(text.lower())) - _STOP for name, text in topics.items()}


def pydoc_collection(n_queries: int = 200, n_candidates: int = 10, seed: int = 0) -> list[Query]:
    """Queries with graded relevance over Python's help topics.

    Query words are drawn from one document among those of its words that
    occur in at most 10 % of the documents (informative words).
    """
    n_queries = positive_int("n_queries", n_queries)
    n_candidates = positive_int("n_candidates", n_candidates, minimum=2)
    rng = np.random.default_rng(_seed("seed", seed))
    docs = _doc_words()
    names = sorted(docs)
    df: dict[str, int] = {}
    for ws in docs.values():
        for w in ws:
            df[w] = df.get(w, 0) + 1
    limit = max(2, len(docs) // 10)
    out: list[Query] = []
    while len(out) < n_queries:
        source = names[int(rng.integers(len(names)))]
        vocab = sorted(w for w in docs[source] if df[w] <= limit)
        if len(vocab) < 3:
            continue
        k = int(rng.integers(1, 4))
        words = tuple(str(w) for w in rng.choice(vocab, size=k, replace=False))
        grades = {n: (2 if n == source else 1 if set(words) <= docs[n] else 0) for n in names}
        related = [n for n in names if n != source and docs[n] & set(words)]
        pool = [source] + list(rng.permutation(related))[: n_candidates // 2]
        rest = [n for n in rng.permutation(names) if n not in pool]
        candidates = tuple(str(c) for c in rng.permutation(pool + rest[: n_candidates - len(pool)]))
        out.append(Query(words, candidates, {c: grades[c] for c in candidates}, source))
    return out


def rank(net: Any, query: Query) -> list[str]:
    """Candidates by descending score; ties keep the untrained order."""
    scores = net.scores(list(query.words), list(query.candidates))
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return [query.candidates[i] for i in order]


def evaluate(net: Any, queries: Sequence[Query]) -> dict[str, float]:
    rankings = [rank(net, q) for q in queries]
    return {
        "ndcg@10": float(np.mean([ndcg_at(r, q.grades) for r, q in zip(rankings, queries)])),
        "mrr": float(np.mean([mrr(r, q.grades) for r, q in zip(rankings, queries)])),
    }


def learning_curve(
    sessions: int = 3000,
    checkpoints: int = 10,
    n_queries: int = 150,
    seed: int = 0,
    rules: str = "pci",
    path: str | os.PathLike[str] | None = None,
) -> list[dict[str, float]]:
    """Train on simulated sessions over training queries; after each block
    measure NDCG@10 and MRR on them and on unseen related queries (other
    word combinations drawn from the same source documents).  Optionally
    plot to ``path`` (PNG)."""
    from .searchnet import SearchNet

    sessions = positive_int("sessions", sessions)
    checkpoints = positive_int("checkpoints", checkpoints)
    rng = np.random.default_rng(_seed("seed", seed))
    pool = pydoc_collection(2 * n_queries, seed=seed)
    train, test = pool[:n_queries], []
    sources = {q.source for q in train}
    test = [q for q in pool[n_queries:] if q.source in sources and q.words not in {t.words for t in train}]
    net = SearchNet(rules=rules)
    rows = []
    step = max(1, sessions // checkpoints)
    done = 0
    while True:
        row = {"sessions": float(done)}
        for label, qs in (("train", train), ("unseen", test)):
            for key, val in evaluate(net, qs).items():
                row[f"{label} {key}"] = val
        rows.append(row)
        if done >= sessions:
            break
        batch = []
        for _ in range(min(step, sessions - done)):
            q = train[int(rng.integers(len(train)))]
            shown = rank(net, q)
            for clicked in simulate_clicks(shown, q.grades, rng):
                batch.append((list(q.words), list(shown), clicked))
        net.train_many(batch)
        done += min(step, sessions - done)
    if path is not None:
        _plot(rows, path, rules)
    return rows


def _plot(rows: list[dict[str, float]], path: str | os.PathLike[str], rules: str) -> None:
    from ._optional import require

    FigureCanvasAgg = require("matplotlib.backends.backend_agg", "plot").FigureCanvasAgg
    Figure = require("matplotlib.figure", "plot").Figure

    fig = Figure(figsize=(7, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x = [r["sessions"] for r in rows]
    for key, style in (("train ndcg@10", "-o"), ("unseen ndcg@10", "-s"), ("train mrr", "--"), ("unseen mrr", ":")):
        ax.plot(x, [r[key] for r in rows], style, label=key, markersize=4)
    ax.set_xlabel("simulated search sessions")
    ax.set_ylabel("score")
    ax.set_title(f"SearchNet ({rules}) learning from simulated clicks, pydoc help topics")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png")
