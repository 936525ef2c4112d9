from knowledge_base.search import Document, SearchIndex, normalize, tokens

INDEX = SearchIndex(
    [
        Document("A", "职工养老保险按月领取养老金的条件", ("养老保险要交满多少年", "养老金")),
        Document("B", "住房公积金提取", ("公积金怎么取出来", "租房提取公积金")),
        Document("C", "Visa extension for foreigners", ("how to extend my visa",)),
    ]
)


def test_normalize_folds_width_case_and_punctuation():
    assert normalize("ＡＢＣ，公积金！") == "abc 公积金"


def test_tokens_split_chinese_characters_and_keep_latin_words():
    assert tokens("我的visa过期了") == "我 的 visa 过 期 了"


def test_a_colloquial_question_finds_its_article_first():
    assert INDEX.search("养老保险要交多少年才能领")[0].id == "A"
    assert INDEX.search("公积金怎么提取")[0].id == "B"
    assert INDEX.search("How do I extend my VISA?")[0].id == "C"


def test_nothing_is_returned_for_an_empty_or_unrelated_query():
    assert INDEX.search("") == []
    assert INDEX.search("？？？") == []
    assert SearchIndex([]).search("公积金") == []


def test_the_limit_is_respected_and_scores_descend():
    hits = INDEX.search("公积金 养老金 visa", limit=2, min_score=0)
    assert len(hits) == 2
    assert hits[0].score >= hits[1].score
