"""The demo knowledge base (hotline/data/kb_articles.jsonl): complete, well formed, and able
to answer the questions citizens ask most, without a database."""

import json
from collections import Counter

import pytest

from hotline.seed.reference import KB_FILE, REFERENCE_FILE
from knowledge_base.evaluation import document
from knowledge_base.lexicon import DEFAULT_SYNONYMS
from knowledge_base.search import SearchIndex
from knowledge_base.text import normalize

ARTICLES = [json.loads(line) for line in KB_FILE.read_text(encoding="utf-8").splitlines() if line]
REFERENCE = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
CATEGORIES = {c["code"]: c for c in REFERENCE["categories"]}
UNITS = {u["code"] for u in REFERENCE["units"]}
# The fields where most of the hotline's calls fall: each needs more than a token article.
BIG = (
    "SOCINS",
    "HPF",
    "HOUSE",
    "TRAFFIC",
    "TRANSIT",
    "LABOUR",
    "MARKET",
    "HEALTH",
    "EDU",
    "CIVIL",
    "PUBSEC",
    "URBAN",
    "ENV",
    "WATER",
    "ENERGY",
    "TAX",
)
# Common questions in citizens' words, and the category whose article must answer them.
COMMON = [
    ("社保卡弄丢了要补办", "SOCINS.CARD"),
    ("公积金到底怎么提出来", "HPF.WITHDRAW"),
    ("二代身份证遗失了", "PUBSEC.HUKOU"),
    ("家里闻到一股煤气味", "ENERGY.GAS_LEAK"),
    ("燃气费怎么缴", "ENERGY.GAS"),
    ("公司欠了我三个月工资", "LABOUR.WAGE"),
    ("失业保险金怎么领", "SOCINS.UNEMP_MAT"),
    ("回老家看病要办异地备案吗", "SOCINS.MEDICAL"),
    ("马路上井盖不见了", "URBAN.MANHOLE"),
    ("孩子要读一年级怎么报名", "EDU.ENROLL"),
    ("个税汇算退税", "TAX.INDIVIDUAL"),
    ("网购的东西七天内能退吗", "MARKET.CONSUMER"),
]
# Siblings in one category that citizens confuse: each must get its own article.
SIBLINGS = [
    ("查一下车子有没有违章", "电子眼拍错了我的车要申诉"),
    ("宝宝三岁了想报幼儿园", "中途退园幼儿园学费能退吗"),
    ("开小店办营业执照", "公司不开了营业执照怎么注销"),
]


@pytest.fixture(scope="module")
def index():
    return SearchIndex((document(a) for a in ARTICLES), DEFAULT_SYNONYMS)


def test_the_articles_have_stable_sequential_ids_and_at_least_two_hundred():
    assert len(ARTICLES) >= 200
    assert [a["id"] for a in ARTICLES] == [f"HL-{n:04d}" for n in range(1, len(ARTICLES) + 1)]


def test_every_article_is_routable_and_has_eight_to_ten_distinct_questions():
    owner = {}
    for article in ARTICLES:
        category = CATEGORIES[article["category"]]
        assert category["parent"], article["id"]  # a leaf: what a work order is filed under
        assert article["unit"] in UNITS, article["id"]
        assert article["lang"] in ("zh", "en") and article["keywords"], article["id"]
        assert article["title"].strip() and article["answer"].strip(), article["id"]
        questions = {normalize(q) for q in article["questions"]}
        assert len(questions) == len(article["questions"]), article["id"]
        assert 8 <= len(questions) <= 10, article["id"]
        for question in questions:
            assert owner.setdefault(question, article["id"]) == article["id"], question


def test_every_top_level_category_has_articles_and_the_big_ones_many():
    per_top = Counter(CATEGORIES[a["category"]]["parent"] for a in ARTICLES)
    tops = {code for code, c in CATEGORIES.items() if not c["parent"]}
    assert {top for top in tops if per_top[top] == 0} == set()
    assert {top: per_top[top] for top in BIG if per_top[top] < 6} == {}


@pytest.mark.parametrize(("query", "category"), COMMON, ids=[c for _, c in COMMON])
def test_a_common_question_gets_a_confident_answer_in_its_category(index, query, category):
    ranking = index.rank(query, 3)
    top = next(a for a in ARTICLES if a["id"] == ranking.hits[0].id)
    assert (top["category"], ranking.confident) == (category, True), top["title"]


@pytest.mark.parametrize(("one", "other"), SIBLINGS, ids=["violation", "kindergarten", "licence"])
def test_confusable_siblings_get_different_articles(index, one, other):
    first, second = index.rank(one, 3), index.rank(other, 3)
    assert first.confident and second.confident
    assert first.hits[0].id != second.hits[0].id
