"""Text analysis for search: normalisation, Chinese segmentation, pinyin, index terms.

Everything here is a pure function of its input (the segmenter's dictionary is fixed), so
an article analysed once can be cached by its version.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
import warnings
from collections import defaultdict
from functools import cache, lru_cache
from importlib import resources

from knowledge_base.lexicon import (
    CHINESE_STOPWORDS,
    DIALECT,
    ENGLISH_STOPWORDS,
    HOTLINE_WORDS,
)

CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
LATIN_WORD = re.compile(r"[a-z0-9]+")
LATIN_RUN = re.compile(r"[a-z0-9]+")
WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[a-z0-9]+")
DIALECT_PATTERN = re.compile("|".join(re.escape(source) for source, _ in DIALECT))
DIALECT_MAP = dict(DIALECT)

# Term prefixes keep the kinds of term apart in one vocabulary.
WORD_TERM = "w:"
PINYIN_TERM = "p:"
CHARACTER_TERM = "u:"
CROSS_WORD_PAIR = 0.8


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), case folded, traditional to simplified, Cantonese
    to Mandarin, punctuation and symbols dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = to_simplified(text)
    text = DIALECT_PATTERN.sub(lambda match: DIALECT_MAP[match.group(0)], text)
    kept = (ch if unicodedata.category(ch)[0] not in "PSZC" else " " for ch in text)
    return " ".join("".join(kept).split())


def tokens(text: str) -> str:
    """Space-separated tokens: each Chinese character, each Latin word or number."""
    return " ".join(WORD.findall(normalize(text)))


def to_simplified(text: str) -> str:
    """Traditional characters converted to simplified; simplified text is returned as is."""
    if _traditional_characters().isdisjoint(text):
        return text
    return _converter().convert(text)


@cache
def _traditional_characters() -> frozenset[str]:
    # OpenCC converts by phrase, which is slow; most text has no traditional character at
    # all, and one set lookup per character tells.
    table = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    characters = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if source and targets.split(" ")[0] != source:
            characters.add(source)
    return frozenset(characters)


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


_segmenter_lock = threading.Lock()


@cache
def segmenter():
    """The process's jieba tokenizer with the hotline's words, initialised once."""
    with _segmenter_lock, warnings.catch_warnings():
        # Importing jieba may warn about jieba itself: pkg_resources, deprecated by newer
        # setuptools, and invalid escapes in its regexes when compiled afresh. Those are
        # jieba's to fix, not ours to fail on; only its import is excused.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.filterwarnings("ignore", message=".*pkg_resources.*")
        import jieba

        # jieba logs each initialisation at DEBUG on its own stderr handler.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = _cache_directory()
        if tokenizer.tmp_dir is None:
            # Nowhere to keep the cache: jieba would log a failed write each start.
            logging.getLogger("jieba").setLevel(logging.CRITICAL)
        tokenizer.initialize()
        for word in HOTLINE_WORDS:
            tokenizer.add_word(word, freq=2000)
        return tokenizer


def _cache_directory() -> str | None:
    directory = os.path.join(tempfile.gettempdir(), f"hotline-jieba-{os.getuid()}")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return directory if os.access(directory, os.W_OK) else None


def segment(text: str) -> list[str]:
    """The topical words of ``text`` (normalised first): Chinese words from jieba and Latin
    words lightly stemmed, without stop words."""
    words: list[str] = []
    for piece in normalize(text).split():
        for chunk in _script_chunks(piece):
            if CJK.match(chunk):
                words.extend(
                    w for w in segmenter().lcut(chunk, HMM=False) if w not in CHINESE_STOPWORDS
                )
            else:
                words.extend(_latin_words(chunk))
    return words


def _script_chunks(piece: str) -> list[str]:
    return [
        m.group(0)
        for m in re.finditer(
            r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+|[^\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+",
            piece,
        )
    ]


def _latin_words(text: str) -> list[str]:
    return [stem(w) for w in LATIN_WORD.findall(text) if w not in ENGLISH_STOPWORDS]


def stem(word: str) -> str:
    """A light English stem: inflections off, then cut to five letters, which joins
    marry/married/marriage, licence/license and employer/employment."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix in ("ies", "es", "ed", "ing", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("y"):
        word = word[:-1] + "i"
    return word[:5]


# Speech recognition and southern accents blur these: zh/z, ch/c, sh/s, -ng/-n, l/n.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))


@cache
def syllable(character: str) -> str:
    """The toneless pinyin of one character with accent-prone sounds merged (公 and 工 and
    攻 give the same); a character without pinyin gives itself."""
    from pypinyin import Style, pinyin

    reading = pinyin(character, style=Style.NORMAL, heteronym=False, errors="default")[0][0]
    for initial, merged in _FUZZY_INITIALS:
        if reading.startswith(initial):
            reading = merged + reading[len(initial) :]
            break
    if reading.endswith("ng"):
        reading = reading[:-1]
    return reading


def pair_sounds(pair: str, first: str, second: str) -> tuple[str, str]:
    """The two pinyin terms of a character pair: each character with its partner's sound.

    Speech recognition swaps one character of a word for a homophone (工积金 for 公积金);
    keeping one character exact matches that swap without matching every pair that merely
    sounds alike.
    """
    return (PINYIN_TERM + first + pair[1], PINYIN_TERM + pair[0] + second)


def terms(text: str, sounds: bool = True) -> dict[str, float]:
    """The index terms of ``text``: Chinese character pairs, lone characters (``u:``) and
    pinyin pairs (``p:``), jieba words of three or more characters (``w:``), Latin stems.

    A pair inside one word counts fully, a pair across two words less: it is the evidence
    that survives a wrong segmentation, not the main one. Stop words give no terms. Long
    texts go without ``sounds``, which there would cost many terms for little evidence.
    """
    counts: defaultdict[str, float] = defaultdict(float)
    for chunk in normalize(text).split():
        for term, count in _chunk_terms(chunk, sounds):
            counts[term] += count
    return counts


@lru_cache(maxsize=200_000)
def _chunk_terms(chunk: str, sounds: bool) -> tuple[tuple[str, float], ...]:
    # No term spans a space, so a text's terms are the sum of its chunks'; articles repeat
    # many clauses ("可拨打12345咨询"), which are analysed once.
    counts: defaultdict[str, float] = defaultdict(float)
    for run in CJK_RUN.findall(chunk):
        words = segmenter().lcut(run, HMM=False)
        word_of = []
        for number, word in enumerate(words):
            word_of.extend([number] * len(word))
        syllables = [syllable(ch) for ch in run] if sounds else []
        for i, character in enumerate(run):
            stop = words[word_of[i]] in CHINESE_STOPWORDS
            if not stop and character not in CHINESE_STOPWORDS:
                counts[CHARACTER_TERM + character] += 1
            if i + 1 == len(run) or (stop and word_of[i + 1] == word_of[i]):
                continue
            weight = 1.0 if word_of[i + 1] == word_of[i] else CROSS_WORD_PAIR
            pair = run[i : i + 2]
            counts[pair] += weight
            if sounds:
                for sound in pair_sounds(pair, syllables[i], syllables[i + 1]):
                    counts[sound] += weight
        for word in words:
            if len(word) >= 3 and word not in CHINESE_STOPWORDS:
                counts[WORD_TERM + word] += 1
    for word in _latin_words(" ".join(LATIN_RUN.findall(chunk))):
        counts[word] += 1
    return tuple(counts.items())


def forget_analyses() -> None:
    """Drop the cache of analysed clauses (benchmarks measure queries analysed afresh)."""
    _chunk_terms.cache_clear()
