"""How often the work order's category proposed from what a citizen said is right.

    .venv/bin/python -m bench.category_proposal [--data ../shared/data]

The console preselects a work order's category from the caller's words when the line gave
none: the category of the article the search answers them with confidently
(``SearchIndex.category_for``). It adds no weight, threshold or lexicon entry of its own: it
is the search's own confidence, so this measures it rather than fitting it.

Two sets, in one run:

* ``dev``: the shared dev queries against the shared articles, the right category being the
  expected article's (an unanswerable query should get no proposal). The search's lexicon
  and weights were fitted on this set, so its figure is optimistic;
* ``held-out``: ``bench/data/category_proposals.jsonl``, the 85 held-out questions and
  reports of the project's own text-triage set (``bench/data/sms_triage.jsonl``, written for
  the project and never used to tune the search), each labelled with the category a
  dispatcher would file it under (and others that are also right), or none where no
  category fits; against the demo articles the product ships (``hotline/data``).

Printed per set: proposed (share of texts with a proposal), right (share of proposals in an
acceptable category), right overall (right proposals over texts that have a category) and
false proposals (share of texts with no category that got one anyway).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from knowledge_base.evaluation import document
from knowledge_base.lexicon import DEFAULT_SYNONYMS
from knowledge_base.search import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "bench" / "data" / "category_proposals.jsonl"
DEMO_ARTICLES = ROOT / "hotline" / "data" / "kb_articles.jsonl"
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def score(index: SearchIndex, cases: Iterable[tuple[str, set[str]]]) -> dict:
    """``cases``: (text, acceptable categories; empty when none fits)."""
    texts = with_category = proposed = right = false = without = 0
    for text, acceptable in cases:
        texts += 1
        category = index.category_for(text)
        proposed += category is not None
        if acceptable:
            with_category += 1
            right += category in acceptable
        else:
            without += 1
            false += category is not None
    return {
        "texts": texts,
        "proposed": proposed / texts,
        "right_of_proposed": right / proposed if proposed else 0.0,
        "right_overall": right / with_category if with_category else 0.0,
        "false_proposals": false / without if without else None,
        "without_category": without,
    }


def dev_cases(data: Path, articles: Mapping[str, dict]) -> list[tuple[str, set[str]]]:
    cases = []
    for query in read_jsonl(data / "queries_dev.jsonl"):
        ids = [query.get("expected"), *(query.get("also_ok") or ())]
        categories = {articles[i]["category"] for i in ids if i and i in articles}
        cases.append((str(query["query"]), categories))
    return cases


def held_out_cases() -> list[tuple[str, set[str]]]:
    return [
        (row["text"], {c for c in [row["expected"], *row["also_ok"]] if c})
        for row in read_jsonl(HELD_OUT)
    ]


def index_of(records: Iterable[dict]) -> SearchIndex:
    return SearchIndex((document(r) for r in records), DEFAULT_SYNONYMS)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    shared = args.data / "kb_articles.jsonl"
    if shared.exists():
        articles = {r["id"]: r for r in read_jsonl(shared)}
        rows.append(
            ("dev (shared)", score(index_of(articles.values()), dev_cases(args.data, articles)))
        )
    else:
        print(f"{shared} is missing: the dev figure is left out", file=sys.stderr)
    rows.append(
        ("held-out (project)", score(index_of(read_jsonl(DEMO_ARTICLES)), held_out_cases()))
    )
    if args.json:
        print(json.dumps(dict(rows)))
    print("set | texts | proposed | right of proposed | right overall | false proposals")
    for name, row in rows:
        false = "—" if row["false_proposals"] is None else f"{row['false_proposals']:.3f}"
        print(
            f"{name} | {row['texts']} | {row['proposed']:.3f} | {row['right_of_proposed']:.3f}"
            f" | {row['right_overall']:.3f} | {false} (of {row['without_category']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
