"""Ranking, homophones, synonyms, filters, validity and confidence, without a database."""

from datetime import UTC, datetime, timedelta

from knowledge_base.lexicon import DEFAULT_SYNONYMS
from knowledge_base.search import Document, SearchIndex

NOW = datetime(2026, 11, 26, tzinfo=UTC)
DOCUMENTS = [
    Document(
        "HPF-1",
        "租房提取住房公积金",
        ("租房可以取公积金吗？", "租房提取公积金要什么材料？"),
        ("租房提取", "住房公积金"),
        "职工在本市无房租房自住的，可申请提取住房公积金支付房租。",
        category="HPF.WITHDRAW",
        unit="GZ-GJJ",
    ),
    Document(
        "RES-1",
        "居住证的申领",
        ("来广州工作怎么办居住证？",),
        ("居住证", "居住登记"),
        "在本市居住半年以上的，可持身份证到居住地派出所申领居住证。",
        category="HUKOU.RESIDENCE",
        unit="GZ-GAJ",
    ),
    Document(
        "SSC-1",
        "社保卡遗失的挂失与补办",
        ("社保卡丢了怎么挂失？", "社保卡补办要多久？"),
        ("社保卡", "挂失", "补办"),
        "社保卡遗失后请立即拨打12333或到网点挂失，再办理补卡。",
        category="SOCINS.CARD",
        unit="GZ-RSJ",
    ),
    Document(
        "VISA-1",
        "Extending a visa in Guangzhou",
        ("How do I extend my visa?",),
        ("visa extension", "签证延期"),
        "Apply at the exit-entry administration before your visa expires.",
        category="FOREIGN.VISA",
        lang="en",
    ),
    Document(
        "TAXI-1",
        "出租车拒载和绕路的投诉",
        ("出租车司机拒载怎么投诉？",),
        ("出租车", "拒载"),
        "请记下车牌号和时间，拨打12345投诉，交通运输部门调查处理。",
        category="TRANSPORT.TAXI",
    ),
    Document(
        "NOISE-1",
        "夜间建筑施工噪音投诉",
        ("晚上工地施工太吵了",),
        ("施工噪音", "夜间施工"),
        "夜间22时至次日6时禁止产生噪声的建筑施工作业。",
        category="ENV.NOISE",
    ),
]


def index(**kwargs) -> SearchIndex:
    return SearchIndex(DOCUMENTS, DEFAULT_SYNONYMS, **kwargs)


def test_a_clear_question_finds_its_article_first_and_with_confidence():
    ranking = index().rank("租房能不能提取公积金")
    assert ranking.hits[0].id == "HPF-1"
    assert ranking.confident
    assert ranking.hits[0].confidence >= 0.5
    assert [h.confidence for h in ranking.hits[1:]] == [0.0] * (len(ranking.hits) - 1)


def test_speech_recognition_homophones_still_find_the_article():
    assert index().search("工积金租房能取吗")[0].id == "HPF-1"
    assert index().search("社保卡丢了要怎么挂矢")[0].id == "SSC-1"


def test_traditional_characters_and_english_find_their_articles():
    assert index().search("社保卡遺失怎麼掛失")[0].id == "SSC-1"
    assert index().search("my VISA is about to expire, can I extend it?")[0].id == "VISA-1"


def test_a_synonym_finds_the_article_that_uses_the_other_word():
    assert index().search("的士司机不肯载我")[0].id == "TAXI-1"
    without = SearchIndex(DOCUMENTS).rank("的士司机不肯载我")
    assert not without.confident


def test_an_unrelated_question_gets_no_confident_answer():
    ranking = index().rank("今年广州马拉松什么时候开始报名")
    assert not ranking.confident
    assert index().rank("？？？").hits == []
    assert SearchIndex().rank("公积金").hits == []


def test_what_a_caller_says_proposes_the_category_of_its_confident_article():
    assert index().category_for("租房能不能提取公积金") == "HPF.WITHDRAW"
    assert index().category_for("社保卡丢了要怎么挂矢") == "SOCINS.CARD"
    # No confident article, no proposal: a wrong category is worse than none.
    assert index().category_for("今年广州马拉松什么时候开始报名") is None
    assert index().category_for("你好") is None
    assert SearchIndex().category_for("公积金") is None


def test_filters_keep_only_the_wanted_category_unit_or_language():
    assert [h.id for h in index().search("visa 签证", filters={"lang": "en"})] == ["VISA-1"]
    hits = index().search("社保卡 公积金", filters={"unit": "GZ-RSJ"})
    assert [h.id for h in hits] == ["SSC-1"]
    assert index().search("公积金", filters={"category": "NO.SUCH"}) == []


def test_articles_not_yet_valid_are_left_out_and_expired_ones_are_marked():
    future = Document("NEW-1", "新政策公积金提取", valid_from=NOW + timedelta(days=1))
    expired = Document("OLD-1", "旧政策公积金提取", valid_until=NOW - timedelta(days=1))
    search = SearchIndex([future, expired])
    hits = search.search("公积金提取", now=NOW)
    assert [h.id for h in hits] == ["OLD-1"]
    assert hits[0].expired
    later = search.search("公积金提取", now=NOW + timedelta(days=2))
    assert {h.id for h in later} == {"NEW-1", "OLD-1"}


def test_documents_are_replaced_and_removed_by_id():
    search = index()
    search.add(Document("HPF-1", "公积金贷款", ("公积金贷款额度",), version="2"))
    assert search.versions()["HPF-1"] == "2"
    assert "HPF-1" not in [h.id for h in search.search("租房提取")]
    search.remove("HPF-1")
    assert "HPF-1" not in search
    assert len(search) == len(DOCUMENTS) - 1


def test_scores_descend_and_stay_between_0_and_100():
    hits = index().search("公积金 社保卡 visa 噪音", limit=5)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0 <= h.score <= 100 for h in hits)


def test_the_default_synonyms_name_each_word_once():
    words = [word for group in DEFAULT_SYNONYMS for word in group]
    assert len(words) == len(set(words))
    assert all(len(group) >= 2 for group in DEFAULT_SYNONYMS)
