import phonenumbers
import pytest

from routing.errors import InvalidNumber
from routing.numberplan import Entry, normalize_number, resolve_entry, to_e164

LEGACY = ["12333", "020-83175291", "12329"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12345", "12345"),
        ("+8612345", "12345"),
        ("+86 20 8317 5291", "02083175291"),
        ("020-83175291", "02083175291"),
        ("83175291", "02083175291"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("+14155550100", "+14155550100"),
        ("", ""),
        (None, ""),
    ],
)
def test_numbers_are_compared_in_national_form(raw, expected):
    assert normalize_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "13900001005",
        "139 0000 1005",
        "139-0000-1005",
        "+8613900001005",
        "+86 139 0000 1005",
        "+86-139-0000-1005",
        "008613900001005",
        "0086 139 0000 1005",
        "8613900001005",
        "86 139-0000-1005",
    ],
)
def test_every_writing_of_a_mobile_number_gives_one_e164(raw):
    assert to_e164(raw) == "+8613900001005"
    assert to_e164(raw) == library_e164(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("02083175291", "+862083175291"),
        ("020-8317 5291", "+862083175291"),
        ("+86 20 8317 5291", "+862083175291"),
        ("83175291", "+862083175291"),  # a local number is in Guangzhou
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_landlines_and_foreign_numbers_become_e164(raw, expected):
    assert to_e164(raw) == expected
    if raw != "83175291":  # the library knows no default area code
        assert to_e164(raw) == library_e164(raw)


def library_e164(raw: str) -> str:
    """What the maintained library makes of a number dialled in China."""
    number = phonenumbers.parse(raw, "CN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    "raw",
    ["12345", "+8612345", "110", "95588", "sip:alice@example.com", "sip:13900001005@pbx",
     "client:agent7", "1390000", "call me", "", None],
)  # fmt: skip
def test_a_number_that_cannot_be_e164_is_refused_with_a_sentence(raw):
    with pytest.raises(InvalidNumber, match=r"无法转为 E\.164") as refused:
        to_e164(raw)
    assert refused.value.kind == "invalid"


def test_12345_enters_the_menu():
    assert resolve_entry("12345", None, ["12345"], LEGACY) == Entry("main")


def test_a_legacy_number_enters_its_line_in_any_spelling():
    assert resolve_entry("+862083175291", None, ["12345"], LEGACY) == Entry(
        "legacy", "020-83175291"
    )
    assert resolve_entry("12333", None, ["12345"], LEGACY) == Entry("legacy", "12333")


def test_a_call_forwarded_from_a_legacy_line_is_that_line():
    assert resolve_entry("12345", "12329", ["12345"], LEGACY) == Entry("legacy", "12329")


def test_an_unknown_number_is_treated_as_12345():
    assert resolve_entry("+8620000000", None, ["12345"], LEGACY) == Entry("main")
