"""Search quality over a query file: recall@1, recall@5, MRR, false-answer rate.

Queries have the shape of queries_dev.jsonl: ``{query, expected, also_ok[]}``, where
``expected`` null means that no article answers the query and the right outcome is
"no confident match".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from knowledge_base.search import Document, SearchIndex


@dataclass(frozen=True)
class Metrics:
    """recall_at_k and mrr are over the answerable queries, false_answer_rate over the
    unanswerable ones; answered_precision is the share of confident answers that are
    right, answered_rate the share of answerable queries answered with confidence."""

    queries: int
    answerable: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    false_answer_rate: float
    answered_precision: float
    answered_rate: float

    def as_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def document(record: Mapping[str, Any]) -> Document:
    """An index document from a record in the kb_articles.jsonl format."""
    return Document(
        id=str(record["id"]),
        title=str(record.get("title") or ""),
        questions=tuple(record.get("questions") or ()),
        keywords=tuple(record.get("keywords") or ()),
        answer=str(record.get("answer") or ""),
        category=record.get("category"),
        unit=record.get("unit"),
        lang=record.get("lang") or "zh",
    )


def evaluate(index: SearchIndex, queries: Iterable[Mapping[str, Any]]) -> Metrics:
    """Run every query against ``index`` and score the rankings."""
    total = answerable = top1 = top5 = 0
    reciprocal = 0.0
    unanswerable = false_answers = confident = confident_right = 0
    for query in queries:
        total += 1
        ranking = index.rank(str(query["query"]), limit=5)
        ids = [hit.id for hit in ranking.hits]
        expected = query.get("expected")
        if expected is None:
            unanswerable += 1
            false_answers += ranking.confident
            confident += ranking.confident
            continue
        answerable += 1
        acceptable = {expected, *(query.get("also_ok") or ())}
        rank = next((i for i, doc_id in enumerate(ids) if doc_id in acceptable), None)
        if rank is not None:
            reciprocal += 1 / (rank + 1)
            top5 += 1
            top1 += rank == 0
        if ranking.confident:
            confident += 1
            confident_right += rank == 0
    return Metrics(
        queries=total,
        answerable=answerable,
        recall_at_1=_share(top1, answerable),
        recall_at_5=_share(top5, answerable),
        mrr=_share(reciprocal, answerable),
        false_answer_rate=_share(false_answers, unanswerable),
        answered_precision=_share(confident_right, confident),
        answered_rate=_share(confident_right, answerable),
    )


def _share(part: float, whole: int) -> float:
    return part / whole if whole else 0.0
