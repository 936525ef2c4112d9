import pytest

from routing.numberplan import Entry, normalize_number, resolve_entry

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
