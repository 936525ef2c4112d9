"""Ranking articles for a query, from an in-memory index of plain data."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), case folded, punctuation and symbols dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = (ch if unicodedata.category(ch)[0] not in "PSZC" else " " for ch in text)
    return " ".join("".join(kept).split())


def tokens(text: str) -> str:
    """Space-separated tokens: each Chinese character, each Latin word or number."""
    return " ".join(WORD.findall(normalize(text)))


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    score: float


class SearchIndex:
    """Scores every title, question and keyword of every document against the query."""

    def __init__(self, documents: list[Document]):
        self._documents = {d.id: d for d in documents}
        self._choices: list[str] = []
        self._owners: list[str] = []
        for document in documents:
            for text in (document.title, *document.texts):
                tokenized = tokens(text)
                if tokenized:
                    self._choices.append(tokenized)
                    self._owners.append(document.id)

    def __len__(self) -> int:
        return len(self._documents)

    def search(self, query: str, limit: int = 5, min_score: float = 40.0) -> list[Hit]:
        """The best documents for ``query``, best first, each scored by its best field."""
        query_tokens = tokens(query)
        if not query_tokens or not self._choices:
            return []
        best: dict[str, float] = {}
        matches = process.extract(
            query_tokens,
            self._choices,
            scorer=fuzz.token_set_ratio,
            limit=max(limit * 8, 20),
            score_cutoff=min_score,
        )
        for _choice, score, position in matches:
            owner = self._owners[position]
            best[owner] = max(best.get(owner, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Hit(doc_id, self._documents[doc_id].title, score) for doc_id, score in ranked]
