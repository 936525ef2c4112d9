"""Ranking articles for a query, from an in-memory index of plain data.

Two stages. An inverted index of Chinese character pairs (with their pinyin, for the
homophones of speech recognition), lone characters, words and Latin stems shortlists the
documents that share the query's most telling terms. Only the shortlist is then ranked, by
BM25 over the weighted fields (title and keywords up, the answer down) blended with a
rapidfuzz similarity of the query to each title and question. The best hit gets a
confidence, so that "no confident match" can be said instead of a wrong article.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz

from knowledge_base import text as analysis
from knowledge_base.text import normalize, tokens

__all__ = ["Document", "Hit", "Ranking", "SearchIndex", "Weights", "normalize", "tokens"]

FILTERS = ("category", "unit", "lang")


@dataclass(frozen=True)
class Document:
    """An article as the index sees it; ``version`` tells a changed article from the same."""

    id: str
    title: str
    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer: str = ""
    category: str | None = None
    unit: str | None = None
    lang: str = "zh"
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    version: str = ""


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    score: float
    confidence: float = 0.0
    expired: bool = False


@dataclass(frozen=True)
class Ranking:
    """Hits best first, and whether the first one answers the query with confidence."""

    hits: list[Hit]
    confident: bool

    @property
    def confidence(self) -> float:
        return self.hits[0].confidence if self.hits else 0.0


@dataclass(frozen=True)
class Weights:
    """How much each field and kind of evidence counts.

    The values were chosen on the shared evaluation set (see README, "Knowledge base"):
    the answer counts as much as a question because citizens describe situations the way
    answers do; a pinyin pair counts as much as the characters it stands for, but only where
    those characters are missing; a synonym counts a little less than the word said.
    """

    title: float = 2.0
    question: float = 1.5
    keyword: float = 2.0
    answer: float = 1.0
    pinyin: float = 1.0
    character: float = 0.3
    word: float = 1.0
    synonym: float = 0.7
    k1: float = 1.2
    b: float = 0.5
    fuzzy: float = 0.05
    shortlist: int = 24
    shortlist_terms: int = 32
    shortlist_min_terms: int = 8
    shortlist_budget: int = 4000
    fuzzy_depth: int = 10
    # A confident answer matches well (its score is at least this share of the best
    # possible) and clearly (it leads the second by at least this share of its score). Both
    # were set where the shared set's unanswerable queries stop being answered.
    confident_score: float = 0.2
    confident_lead: float = 0.1


@dataclass
class _Entry:
    document: Document
    terms: tuple[str, ...]
    length: float
    texts: tuple[str, ...]


_WEIGHTS: dict[float, float] = {}


@dataclass
class _Query:
    normalized: str
    terms: dict[str, float]
    idf: dict[str, float] = field(default_factory=dict)
    sounds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (weight x idf x (k1 + 1), posting, postings of the pairs a sound stands for)
    present: list[tuple[float, dict[str, float], list[dict[str, float]]]] = field(
        default_factory=list
    )
    best: float = 1.0


class SearchIndex:
    """An updatable index; searching is safe while another thread adds or removes."""

    def __init__(
        self,
        documents: Iterable[Document] = (),
        synonyms: Sequence[Sequence[str]] = (),
        weights: Weights | None = None,
    ):
        self.weights = weights or Weights()
        self._entries: dict[str, _Entry] = {}
        self._postings: dict[str, dict[str, float]] = {}
        self._total_length = 0.0
        self._lock = threading.Lock()
        self._synonyms: dict[str, tuple[str, ...]] = {}
        self.set_synonyms(synonyms)
        for document in documents:
            self.add(document)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self._entries

    def versions(self) -> dict[str, str]:
        """The version of every document in the index, by id."""
        return {doc_id: entry.document.version for doc_id, entry in self._entries.items()}

    def set_synonyms(self, groups: Sequence[Sequence[str]]) -> None:
        """Replace the synonym groups: a query that says one member also looks for the rest."""
        table: dict[str, list[str]] = {}
        for group in groups:
            members = list(dict.fromkeys(m for m in (normalize(t) for t in group) if m))
            for member in members:
                table.setdefault(member, []).extend(m for m in members if m != member)
        self._synonyms = {member: tuple(others) for member, others in table.items() if others}

    def add(self, document: Document) -> None:
        """Add ``document``, replacing the one with its id."""
        entry, terms = self._analyse(document)
        with self._lock:
            self._remove(document.id)
            self._entries[document.id] = entry
            self._total_length += entry.length
            for term, weight in terms.items():
                self._postings.setdefault(term, {})[document.id] = weight

    def remove(self, document_id: str) -> None:
        with self._lock:
            self._remove(document_id)

    def _remove(self, document_id: str) -> None:
        entry = self._entries.pop(document_id, None)
        if entry is None:
            return
        self._total_length -= entry.length
        for term in entry.terms:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(document_id, None)
                if not posting:
                    del self._postings[term]

    def _analyse(self, document: Document) -> tuple[_Entry, dict[str, float]]:
        w = self.weights
        weighted: defaultdict[str, float] = defaultdict(float)
        fields = (
            ((document.title,), w.title, True),
            (document.questions, w.question, True),
            (document.keywords, w.keyword, True),
            # The answer is long: its sounds would multiply its terms for little evidence.
            ((document.answer,), w.answer, False),
        )
        for texts, weight, sounds in fields:
            for text in texts if weight else ():
                for term, count in analysis.terms(text, sounds).items():
                    weighted[term] += count * weight
        texts = tuple(t for t in (normalize(x) for x in (document.title, *document.questions)) if t)
        # Few distinct weights occur; sharing their float objects saves memory at 100k.
        terms = {term: _WEIGHTS.setdefault(value, value) for term, value in weighted.items()}
        entry = _Entry(document, tuple(terms), sum(terms.values()), texts)
        return entry, terms

    def search(
        self,
        query: str,
        limit: int = 5,
        min_score: float = 0.0,
        filters: Mapping[str, str | None] | None = None,
        now: datetime | None = None,
    ) -> list[Hit]:
        """The best documents for ``query``, best first."""
        return self.rank(query, limit, min_score, filters, now).hits

    def rank(
        self,
        query: str,
        limit: int = 5,
        min_score: float = 0.0,
        filters: Mapping[str, str | None] | None = None,
        now: datetime | None = None,
    ) -> Ranking:
        """The best documents for ``query`` and whether the first answers it with confidence.

        ``filters`` keeps documents whose category, unit or lang equal the given values;
        documents not yet valid at ``now`` are left out, expired ones are marked.
        """
        parsed = self._parse(query)
        if parsed is None or not self._entries:
            return Ranking([], False)
        wanted = {k: v for k, v in (filters or {}).items() if v and k in FILTERS}
        scored = sorted(
            (
                (self._bm25(parsed, entry) / parsed.best, entry)
                for entry in self._shortlist(parsed, wanted, now)
            ),
            key=lambda item: -item[0],
        )
        if not scored:
            return Ranking([], False)
        confidence = self._confidence([score for score, _entry in scored[:2]])
        blended = [
            (self._blend(parsed, score, entry, rank), entry)
            for rank, (score, entry) in enumerate(scored)
        ]
        blended.sort(key=lambda item: (-item[0], item[1].document.id))
        hits = []
        for position, (score, entry) in enumerate(blended[:limit]):
            if score * 100 < min_score:
                break
            document = entry.document
            hits.append(
                Hit(
                    document.id,
                    document.title,
                    round(min(score, 1.0) * 100, 1),
                    confidence if position == 0 else 0.0,
                    bool(now and document.valid_until and document.valid_until <= now),
                )
            )
        return Ranking(hits, bool(hits) and confidence >= 0.5)

    def category_for(self, text: str, now: datetime | None = None) -> str | None:
        """The category of the article that answers ``text`` with confidence: what a caller
        who said it is most likely calling about. None when no article is a confident answer."""
        ranking = self.rank(text, limit=1, now=now)
        if not ranking.confident:
            return None
        entry = self._entries.get(ranking.hits[0].id)
        return entry.document.category if entry else None

    def _parse(self, query: str) -> _Query | None:
        normalized = normalize(query[:500])
        if not normalized:
            return None
        weights: dict[str, float] = {}
        for term, count in analysis.terms(normalized).items():
            weights[term] = weights.get(term, 0.0) + count * self._kind_weight(term)
        for member, others in self._synonyms.items():
            if member not in normalized:
                continue
            for other in others:
                for term, count in analysis.terms(other).items():
                    # The homophones of a synonym would only add noise.
                    if term not in weights and not term.startswith(analysis.PINYIN_TERM):
                        weights[term] = count * self._kind_weight(term) * self.weights.synonym
        if not weights:
            return None
        parsed = _Query(normalized, weights)
        sounds: dict[str, list[str]] = {}
        for run in analysis.CJK_RUN.findall(normalized):
            syllables = [analysis.syllable(ch) for ch in run]
            for i in range(len(run) - 1):
                pair = run[i : i + 2]
                for sound in analysis.pair_sounds(pair, syllables[i], syllables[i + 1]):
                    sounds.setdefault(sound, []).append(pair)
        parsed.sounds = {sound: tuple(pairs) for sound, pairs in sounds.items()}
        count = max(len(self._entries), 1)
        for term in weights:
            df = len(self._postings.get(term, ()))
            parsed.idf[term] = math.log(1 + (count - df + 0.5) / (df + 0.5))
        # The score of a document that had every term of the query as often as counts,
        # sounds aside: the yardstick that puts every query's scores between 0 and 1.
        postings = self._postings
        parsed.present = [
            (
                weights[term] * parsed.idf[term] * (self.weights.k1 + 1),
                postings[term],
                [postings[pair] for pair in parsed.sounds.get(term, ()) if pair in postings],
            )
            for term in weights
            if term in postings
        ]
        parsed.best = (
            sum(weights[t] * parsed.idf[t] for t in weights if t not in parsed.sounds)
            * (self.weights.k1 + 1)
            or 1.0
        )
        return parsed

    def _kind_weight(self, term: str) -> float:
        if term.startswith(analysis.PINYIN_TERM):
            return self.weights.pinyin
        if term.startswith(analysis.CHARACTER_TERM):
            return self.weights.character
        if term.startswith(analysis.WORD_TERM):
            return self.weights.word
        return 1.0

    def _shortlist(self, parsed: _Query, wanted: Mapping[str, str], now: datetime | None):
        """Documents sharing the query's most telling terms, by a cheap partial score.

        Lone characters are left to the ranking (they are everywhere), and so are the sounds
        of pairs that some document has: those find the same documents as the pair does.
        """
        w = self.weights
        postings = self._postings
        telling = [
            term
            for term in parsed.terms
            if term in postings
            and not term.startswith(analysis.CHARACTER_TERM)
            and not any(pair in postings for pair in parsed.sounds.get(term, ()))
        ]
        telling.sort(key=lambda t: -parsed.idf[t] * parsed.terms[t])
        accumulated: dict[str, float] = {}
        get = accumulated.get
        visited = 0
        for number, term in enumerate(telling[: w.shortlist_terms]):
            posting = postings[term]
            # Past a few terms, stop where the common ones would cost more than they tell.
            if number >= w.shortlist_min_terms and visited + len(posting) > w.shortlist_budget:
                break
            visited += len(posting)
            factor = parsed.idf[term] * parsed.terms[term]
            for doc_id, tf in posting.items():
                accumulated[doc_id] = get(doc_id, 0.0) + factor * tf / (tf + w.k1)
        # Most documents pass the filters: a few times the shortlist is usually enough.
        for depth in (w.shortlist * 4, len(accumulated)):
            best = heapq.nlargest(depth, accumulated, key=accumulated.__getitem__)
            shortlist = [
                self._entries[doc_id]
                for doc_id in best
                if _matches(self._entries[doc_id].document, wanted, now)
            ][: w.shortlist]
            if len(shortlist) >= w.shortlist or depth >= len(accumulated):
                return shortlist
        return []

    def _bm25(self, parsed: _Query, entry: _Entry) -> float:
        w = self.weights
        average = self._total_length / max(len(self._entries), 1)
        norm = w.k1 * (1 - w.b + w.b * entry.length / average)
        doc_id = entry.document.id
        score = 0.0
        for factor, posting, pair_postings in parsed.present:
            tf = posting.get(doc_id)
            # A sound counts only where its characters are missing: a homophone.
            if tf and not any(doc_id in pairs for pairs in pair_postings):
                score += factor * tf / (tf + norm)
        return score

    def _blend(self, parsed: _Query, score: float, entry: _Entry, rank: int) -> float:
        """The BM25 score with the rapidfuzz similarity folded in, for the leading few."""
        similarity = 0.0
        if rank < self.weights.fuzzy_depth:
            similarity = max(
                (fuzz.partial_ratio(parsed.normalized, t) for t in entry.texts), default=0
            )
        return (1 - self.weights.fuzzy) * score + self.weights.fuzzy * similarity / 100

    def _confidence(self, scores: list[float]) -> float:
        """From 0 to 1, at least 0.5 when the first score is high enough and leads enough."""
        w = self.weights
        lead = (scores[0] - scores[1]) / scores[0] if len(scores) > 1 and scores[0] else 1.0
        return round(
            min(
                _logistic(20 * (scores[0] - w.confident_score)),
                _logistic(10 * (lead - w.confident_lead)),
            ),
            3,
        )


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _matches(document: Document, wanted: Mapping[str, str], now: datetime | None) -> bool:
    if any(getattr(document, name) != value for name, value in wanted.items()):
        return False
    return not (now and document.valid_from and document.valid_from > now)
