from routing.ivr import Phrase, Retry, after_wrong_choice, match_speech

PHRASES = [
    Phrase("社保", "social_security"),
    Phrase("养老保险", "social_security", "SOCINS.PENSION"),
    Phrase("公积金", "housing"),
    Phrase("住房公积金", "housing", "HPF.WITHDRAW"),
    Phrase("井盖", "urban_management", "URBAN.MANHOLE"),
    Phrase("pension", "social_security"),
    Phrase("bus", "transport"),
]


def test_a_keyword_heard_in_a_sentence_picks_its_skill():
    assert match_speech("我想问一下公积金怎么取", PHRASES).skill_code == "housing"


def test_the_longest_phrase_wins_and_keeps_its_category():
    match = match_speech("住房公积金提取", PHRASES)
    assert (match.skill_code, match.category_code) == ("housing", "HPF.WITHDRAW")


def test_english_speech_is_matched_case_insensitively():
    assert match_speech("My PENSION has not arrived.", PHRASES).skill_code == "social_security"


def test_a_near_miss_of_a_long_phrase_still_matches():
    assert match_speech("养老宝险的问题", PHRASES).category_code == "SOCINS.PENSION"


def test_nothing_matches_unrelated_or_empty_speech():
    assert match_speech("今天天气怎么样", PHRASES) is None
    assert match_speech("", PHRASES) is None
    assert match_speech("？！", PHRASES) is None


def test_single_characters_never_match_on_their_own():
    assert match_speech("社", [Phrase("社", "social_security")]) is None


def test_characters_heard_in_order_match_a_category():
    phrases = [*PHRASES, Phrase("公积金提取", "housing", "HPF.WITHDRAW")]
    assert match_speech("住房公积金怎么提取", phrases).category_code == "HPF.WITHDRAW"
    # Too far apart is not the same phrase.
    assert match_speech("公积金的事情还有一件就是我想提取", [phrases[-1]]) is None


def test_two_wrong_choices_repeat_the_menu_and_the_third_moves_on():
    first = after_wrong_choice(0)
    second = after_wrong_choice(first.tries)
    third = after_wrong_choice(second.tries)
    assert (first, second, third) == (Retry(1, True), Retry(2, True), Retry(3, False))


def test_a_repeated_delivery_is_answered_alike_without_counting_again():
    assert after_wrong_choice(1, counted=False) == Retry(1, True)
    assert after_wrong_choice(3, counted=False) == Retry(3, False)
