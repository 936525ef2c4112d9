"""Benchmark of knowledge-base search against two plain alternatives, at 1k, 10k, 100k articles.

    .venv/bin/python -m bench.kb_search [--data ../shared/data] [--sizes 1000,10000,100000]

The corpus is the shared ``kb_articles.jsonl`` (247 articles) grown with generated variants,
deterministically (``--seed``): each variant takes the title of one real article with a
district or a qualifier, questions cut and joined from two others, keywords of a third and
the answer sentences of two more. Variants are distractors: only the real articles count as
right answers. The queries are the shared ``queries_dev.jsonl``.

Three methods answer every query at every size, in the same run:

* ``index``: ``knowledge_base.search.SearchIndex`` (inverted-index shortlist, then BM25 and
  rapidfuzz on the shortlist only);
* ``wratio``: rapidfuzz ``process.extract`` with ``fuzz.WRatio`` over every article's
  normalised title and questions (a full scan);
* ``fts5``: SQLite FTS5 with the trigram tokenizer over title, questions, keywords and answer,
  queried with the OR of the query's trigrams and ranked by ``bm25()``.

Printed: build time, median and p95 milliseconds per query, recall@1 and recall@5 over the
answerable queries. Targets: at 100k the index at least 10x faster (median) than the full
scan with recall at least as good; index p95 under 5 ms at 10k. Exit status 0 when met.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge_base.evaluation import document
from knowledge_base.lexicon import DEFAULT_SYNONYMS
from knowledge_base.search import SearchIndex, normalize
from knowledge_base.text import forget_analyses

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DISTRICTS = ("天河区", "越秀区", "海珠区", "荔湾区", "白云区", "黄埔区", "番禺区", "花都区")
QUALIFIERS = ("（试行）", "（2015年版）", "补充说明", "常见问题", "办理指南", "政策解读")
SENTENCE = re.compile(r"[^。；！？]+[。；！？]?")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb_search")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--json", action="store_true", help="Print the rows as JSON too.")
    args = parser.parse_args(argv)

    articles = _jsonl(args.data / "kb_articles.jsonl")
    queries = [q for q in _jsonl(args.data / "queries_dev.jsonl") if q.get("expected")]
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    for size in sizes:
        corpus = grow(articles, size, random.Random(args.seed))
        for name, build in (("index", build_index), ("wratio", build_wratio), ("fts5", build_fts5)):
            started = time.perf_counter()
            search = build(corpus)
            built = time.perf_counter() - started
            rows.append(
                {"size": size, "method": name, "build_s": built, **measure(search, queries)}
            )
            print(_line(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))
    if args.json:
        print(json.dumps(rows))
    return 0 if verdict(rows) else 1


def grow(articles: list[dict], size: int, rng: random.Random) -> list[dict]:
    """The real articles and enough generated variants to make ``size`` articles."""
    corpus = list(articles)
    for number in range(max(0, size - len(articles))):
        base, left, right, keyed, first, second = (rng.choice(articles) for _ in range(6))
        corpus.append(
            {
                "id": f"GEN-{number:06d}",
                "title": rng.choice(DISTRICTS) + base["title"] + rng.choice(QUALIFIERS),
                "questions": [
                    _half(rng.choice(left["questions"]), True)
                    + _half(rng.choice(right["questions"]), False),
                    rng.choice(right["questions"]),
                ],
                "keywords": keyed["keywords"],
                "answer": "".join(
                    _sentences(first["answer"], rng) + _sentences(second["answer"], rng)
                ),
                "category": base.get("category"),
                "unit": base.get("unit"),
                "lang": base.get("lang", "zh"),
            }
        )
    return corpus


def _half(text: str, first: bool) -> str:
    middle = len(text) // 2
    return text[:middle] if first else text[middle:]


def _sentences(text: str, rng: random.Random) -> list[str]:
    sentences = SENTENCE.findall(text)
    return rng.sample(sentences, k=min(2, len(sentences)))


Search = Callable[[str], list[str]]


def build_index(corpus: list[dict]) -> Search:
    index = SearchIndex((document(record) for record in corpus), DEFAULT_SYNONYMS)
    return lambda query: [hit.id for hit in index.search(query, limit=5)]


def build_wratio(corpus: list[dict]) -> Search:
    choices = [normalize(" ".join((r["title"], *r.get("questions", ())))) for r in corpus]
    ids = [r["id"] for r in corpus]

    def search(query: str) -> list[str]:
        matches = process.extract(normalize(query), choices, scorer=fuzz.WRatio, limit=5)
        return [ids[position] for _choice, _score, position in matches]

    return search


def build_fts5(corpus: list[dict]) -> Search:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE kb USING fts5("
        "id UNINDEXED, title, questions, keywords, answer, tokenize='trigram')"
    )
    connection.executemany(
        "INSERT INTO kb VALUES (?, ?, ?, ?, ?)",
        (
            (
                r["id"],
                normalize(r["title"]),
                normalize(" ".join(r.get("questions", ()))),
                normalize(" ".join(r.get("keywords", ()))),
                normalize(r.get("answer", "")),
            )
            for r in corpus
        ),
    )

    def search(query: str) -> list[str]:
        text = normalize(query).replace(" ", "")
        grams = list(dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2)))
        if not grams:
            return []
        match = " OR ".join('"' + gram.replace('"', '""') + '"' for gram in grams[:64])
        rows = connection.execute(
            "SELECT id FROM kb WHERE kb MATCH ? ORDER BY bm25(kb) LIMIT 5", (match,)
        )
        return [row[0] for row in rows]

    return search


def measure(search: Search, queries: list[dict]) -> dict:
    """Per-query times (ms) and recall over the answerable queries."""
    search(queries[0]["query"])  # loads the segmenter's dictionary once
    # Queries are analysed afresh: an earlier size's run must not have cached them.
    forget_analyses()
    times, top1, top5 = [], 0, 0
    for query in queries:
        acceptable = {query["expected"], *query.get("also_ok", ())}
        started = time.perf_counter()
        found = search(query["query"])
        times.append((time.perf_counter() - started) * 1000)
        top1 += bool(found) and found[0] in acceptable
        top5 += any(doc_id in acceptable for doc_id in found[:5])
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "recall_at_1": top1 / len(queries),
        "recall_at_5": top5 / len(queries),
    }


def table(rows: list[dict]) -> str:
    header = (
        f"{'articles':>9} {'method':<7} {'build s':>8} {'median ms':>10} {'p95 ms':>8} "
        f"{'recall@1':>9} {'recall@5':>9}"
    )
    return "\n".join([header, "-" * len(header), *(_line(row) for row in rows)])


def _line(row: dict) -> str:
    return (
        f"{row['size']:>9} {row['method']:<7} {row['build_s']:>8.1f} {row['median_ms']:>10.2f} "
        f"{row['p95_ms']:>8.2f} {row['recall_at_1']:>9.3f} {row['recall_at_5']:>9.3f}"
    )


def verdict(rows: list[dict]) -> bool:
    """Print and return whether the targets are met."""
    by = {(row["size"], row["method"]): row for row in rows}
    ok = True
    largest = max(row["size"] for row in rows)
    index, scan = by[(largest, "index")], by[(largest, "wratio")]
    speedup = scan["median_ms"] / index["median_ms"]
    better = index["recall_at_1"] >= scan["recall_at_1"] and (
        index["recall_at_5"] >= scan["recall_at_5"]
    )
    print(
        f"\nat {largest}: index {speedup:.0f}x faster than the WRatio scan (target >= 10x), "
        f"recall {'at least as good' if better else 'WORSE'}"
    )
    ok &= speedup >= 10 and better
    if (10000, "index") in by:
        p95 = by[(10000, "index")]["p95_ms"]
        print(f"at 10000: index p95 {p95:.2f} ms (target < 5 ms)")
        ok &= p95 < 5
    print("targets met" if ok else "targets NOT met")
    return ok


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


if __name__ == "__main__":
    sys.exit(main())
