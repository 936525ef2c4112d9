"""One text per reply, within Twilio's 1,600 characters: a longer one is cut at a sentence or
clause, never inside a ticket number, a number, a URL or a word, and ends with the offer."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.services.texts import CLAUSE_ENDS, SENTENCE_ENDS, TEXTS, fit, twilio_length

OFFER = TEXTS["summary"]["zh"]
LIMIT = 1600

hanzi = st.text(alphabet="办理住房公积金提取需要本人身份证明材料窗口🙏", min_size=1, max_size=60)
ticket = st.builds(
    "{}-{:06d}".format, st.integers(20200101, 20301231).map(str), st.integers(0, 999999)
)
url = st.sampled_from(["https://gjj.example.gov.cn/zwfw/tq?id=12", "http://x.cn/a,b.c"])
number = st.sampled_from(["3.5", "1,600", "12345", "KB-0001", "Rent"])
# A piece of text and whether a cut may fall inside it.
# Few boundaries, so that the last one before the limit is often a mark inside a number.
piece = st.one_of(
    hanzi.map(lambda t: (t, True)),
    st.one_of(ticket, url, number).map(lambda t: (t, False)),
    st.one_of(ticket, url, number).map(lambda t: (t, False)),
    st.sampled_from(list(SENTENCE_ENDS + CLAUSE_ENDS)).map(lambda t: (t, True)),
)


def unbreakable_spans(pieces):
    spans, at = [], 0
    for text, breakable in pieces:
        if not breakable:
            spans.append((at, at + len(text)))
        at += len(text)
    return spans


def boundaries(pieces):
    """Where each full-width sentence or clause mark ends (an ASCII one between two numbers,
    as in "3.5,2", is rightly read as part of them)."""
    ends, at = [], 0
    for text, _ in pieces:
        at += len(text)
        if text in SENTENCE_ENDS + CLAUSE_ENDS and not text.isascii():
            ends.append(at)
    return ends


@settings(max_examples=100, deadline=None)
@given(st.lists(piece, min_size=60, max_size=300))
def test_a_text_fits_one_message_and_is_never_cut_inside_a_number_or_url(pieces):
    body = "".join(text for text, _ in pieces)
    if body != body.strip():
        return  # the pieces have no spaces; stripping would shift every offset
    shortened = fit(body, OFFER)
    assert twilio_length(shortened) <= LIMIT
    if twilio_length(body) <= LIMIT:
        assert shortened == body
        return
    assert shortened.endswith("\n" + OFFER)
    summary = shortened[: -len(OFFER) - 1].removesuffix("…")
    assert body.startswith(summary)
    cut = len(summary)
    for start, end in unbreakable_spans(pieces):
        assert not start < cut < end, (body[start:end], summary[-20:])
    # At a sentence's or a clause's end (the clause's mark dropped), or between two words when
    # the kept part has no such end at all.
    at_boundary = cut and (
        body[cut - 1] in SENTENCE_ENDS or body[cut] in CLAUSE_ENDS or body[cut] == "\n"
    )
    assert at_boundary or not any(at <= cut for at in boundaries(pieces))


@settings(max_examples=200, deadline=None)
@given(st.lists(ticket, min_size=100, max_size=200), st.sampled_from(["，", "及", "和工单"]))
def test_ticket_numbers_are_kept_whole_wherever_the_text_is_cut(numbers, between):
    body = "您的工单" + between.join(numbers) + "已办结"
    shortened = fit(body, OFFER)
    assert shortened.endswith("…\n" + OFFER)
    kept = re.findall(r"[\d-]+", shortened.removesuffix(OFFER))
    assert kept and kept == numbers[: len(kept)]


def test_a_long_answer_ends_at_its_last_whole_sentence_within_the_limit():
    sentence = "租房提取住房公积金需连续足额缴存满3个月，可通过网上服务大厅办理。"
    body = sentence * 60
    shortened = fit(body, OFFER)
    assert shortened == sentence * ((LIMIT - len(OFFER) - 2) // len(sentence)) + "\n" + OFFER
