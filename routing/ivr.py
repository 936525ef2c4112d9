"""The IVR menus' rules, from plain data: how many tries a caller gets, and matching what
they said to a skill."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

# A wrong or missing choice repeats the menu; the third one moves the caller on.
MENU_TRIES = 3
# One wrong character (speech recognition swapping a homophone) in a phrase of four or more
# still matches; shorter phrases must be heard exactly.
MIN_FUZZY_LENGTH = 4


@dataclass(frozen=True)
class Phrase:
    """Words that lead to a skill (a menu keyword, or a category's name)."""

    text: str
    skill_code: str
    category_code: str | None = None


@dataclass(frozen=True)
class Retry:
    """What follows a wrong or missing choice at a menu."""

    tries: int  # the wrong choices counted at this menu, this one included
    # The menu again; else the caller moves on (past the language menu to the topics, past
    # the topic menu to the general queue).
    repeat: bool


def after_wrong_choice(tries: int, counted: bool = True) -> Retry:
    """The menu again for the first two wrong (or missing) choices, then move on.

    ``tries`` are the wrong choices counted before this one; a repeated delivery of a request
    already counted (``counted`` False) is answered alike without counting it again.
    """
    tries = tries + 1 if counted else tries
    return Retry(tries, repeat=tries < MENU_TRIES)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def match_speech(speech: str, phrases: Iterable[Phrase]) -> Phrase | None:
    """The phrase the caller most plausibly said. None when nothing fits.

    A phrase is heard when it occurs in the speech, or when its characters occur in order
    within a short span ("公积金怎么提取" hears "公积金提取"); a long phrase may also match
    fuzzily (a homophone swapped by speech recognition). Heard beats fuzzy; among equals the
    longer, more specific phrase wins, and a category beats a bare keyword.
    """
    heard = normalize(speech)
    if not heard:
        return None
    best, best_key = None, None
    for phrase in phrases:
        wanted = normalize(phrase.text)
        if len(wanted) < 2:
            continue
        if wanted in heard or _in_order(wanted, heard):
            tier = 1
        elif len(wanted) >= MIN_FUZZY_LENGTH and _one_character_off(wanted, heard):
            tier = 0
        else:
            continue
        key = (tier, len(wanted), phrase.category_code is not None)
        if best_key is None or key > best_key:
            best, best_key = phrase, key
    return best


def _one_character_off(wanted: str, heard: str) -> bool:
    threshold = 100.0 * (len(wanted) - 1) / len(wanted) - 0.01
    return fuzz.partial_ratio(wanted, heard) >= threshold


def _in_order(wanted: str, heard: str) -> bool:
    """Every character of ``wanted`` in ``heard``, in order, spanning at most twice its length."""
    if " " in wanted:
        return False
    limit = 2 * len(wanted)
    start = heard.find(wanted[0])
    while start != -1:
        position, found = start, True
        for char in wanted[1:]:
            position = heard.find(char, position + 1)
            if position == -1 or position - start >= limit:
                found = False
                break
        if found:
            return True
        start = heard.find(wanted[0], start + 1)
    return False
