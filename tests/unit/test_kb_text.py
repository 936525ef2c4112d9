"""Text analysis for search: normalisation, segmentation, pinyin, terms."""

from knowledge_base import text


def test_normalize_folds_width_case_punctuation_and_traditional_characters():
    assert text.normalize("ＡＢＣ，公积金！") == "abc 公积金"
    assert text.normalize("養老保險轉移") == "养老保险转移"
    assert text.normalize("Visa  EXTENSION?") == "visa extension"


def test_normalize_rewrites_cantonese_to_mandarin():
    assert text.normalize("屋企入咗条蛇，点算好") == "家里入了条蛇 怎么办"
    assert text.normalize("搭巴士係咪唔使錢") == "搭巴士是不是不用钱"


def test_segment_keeps_hotline_terms_whole_and_drops_stop_words():
    words = text.segment("喂 我想问一下住房公积金怎么提取")
    assert "住房公积金" in words or "公积金" in words
    assert "喂" not in words and "一下" not in words
    assert text.segment("How do I renew my driving licences?") == ["renew", "driv", "licen"]


def test_homophones_share_a_syllable_and_accents_are_merged():
    assert text.syllable("工") == text.syllable("公") == "gon"
    assert text.syllable("证") == text.syllable("正")
    assert text.syllable("是") == text.syllable("四")  # sh/s merge, as southern speakers do
    assert text.syllable("a") == "a"


def test_terms_keep_pairs_sounds_and_characters_but_not_stop_characters():
    terms = text.terms("工积金提取")
    assert "积金" in terms and "提取" in terms
    # 工积 is no word, but one character of it is exact and the other sounds like 公.
    assert text.PINYIN_TERM + "gon积" in terms
    assert text.CHARACTER_TERM + "积" in terms
    assert text.CHARACTER_TERM + "的" not in text.terms("我的")


def test_english_stems_join_inflections():
    assert text.stem("married") == text.stem("marriage") == text.stem("marry")
    assert text.stem("licence") == text.stem("license")
    assert text.stem("120") == "120"
