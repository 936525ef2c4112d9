"""The satisfaction survey: what a citizen may answer, by text or to an agent, and what it
records. The one table of answers; every channel reads it here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Choice:
    """One answer of the survey: its digit, the satisfaction it records, and its words."""

    digit: str
    satisfaction: str
    words: tuple[str, ...]


# Words in simplified and traditional Chinese and in English, as citizens write them.
CHOICES = (
    Choice("1", "satisfied", ("满意", "滿意", "satisfied")),
    Choice("2", "basically_satisfied", ("基本满意", "基本滿意", "basically satisfied")),
    Choice("3", "unsatisfied", ("不满意", "不滿意", "unsatisfied")),
)
ANSWERS = {
    answer: choice.satisfaction
    for choice in CHOICES
    for answer in (choice.digit, choice.satisfaction, *choice.words)
}


def satisfaction_of(answer: str) -> str | None:
    """The satisfaction an answer records (full-width digits and any case too), else None."""
    return ANSWERS.get(unicodedata.normalize("NFKC", answer).strip().casefold())
