"""The number plan: which entry a dialled number leads to (12345 or a merged legacy line)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import phonenumbers

from routing.errors import InvalidNumber

GUANGZHOU_AREA_CODE = "020"
# What a dialled number may be written with: digits, a leading +, and the usual separators.
# Anything else (a SIP address, a client name, letters) is not a phone number at all.
DIALLABLE = re.compile(r"\+?[0-9 ()./-]+")


def normalize_number(raw: str | None) -> str:
    """A Chinese number in national form: '+86 20 8317 5291' -> '02083175291'.

    Service numbers (12345, 12333) and mobile numbers keep their digits; an 8-digit local
    landline gets the Guangzhou area code.
    """
    if not raw:
        return ""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") or digits.startswith("00"):
        digits = digits.removeprefix("00")
        if not digits.startswith("86"):
            return "+" + digits
        national = digits[2:]
        if national.startswith("1") or national.startswith("0"):
            return national
        return "0" + national
    if len(digits) == 8 and not digits.startswith("1"):
        return GUANGZHOU_AREA_CODE + digits
    return digits


def to_e164(raw: str | None) -> str:
    """The number as Twilio must be given it: '139 0000 1005' -> '+8613900001005'.

    National and international writings (+86, 0086, 86, spaces, dashes) of one number give
    the same result; a number that is not a valid subscriber number anywhere (a short code
    such as 12345 or 110, a SIP address, garbage) raises :class:`InvalidNumber`.
    """
    text = (raw or "").strip()
    normalised = normalize_number(text) if DIALLABLE.fullmatch(text) else ""
    try:
        number = phonenumbers.parse(normalised, "CN") if normalised else None
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidNumber(
            "号码“{number}”无法转为 E.164 国际格式，不能经 Twilio 呼叫或发短信", number=text
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Entry:
    """How a call came in: ``main`` (the menu) or ``legacy`` with the line's number."""

    kind: str
    line_number: str | None = None


@dataclass(frozen=True)
class Line:
    """A merged legacy line: where its calls go and what the agent's screen preselects."""

    number: str
    name: str
    skill_code: str
    default_category_code: str | None = None


class NumberPlan:
    """The legacy lines by their normalised number; anything else dialled is 12345."""

    def __init__(self, lines: Iterable[Line]):
        self._lines = {normalize_number(line.number): line for line in lines}

    def line_for(self, to: str | None, forwarded_from: str | None) -> Line | None:
        """The legacy line a call came in on: a forwarded legacy line wins, then the dialled
        number; None for 12345 (and anything unknown)."""
        for candidate in (forwarded_from, to):
            line = self._lines.get(normalize_number(candidate))
            if line is not None:
                return line
        return None

    def line(self, number: str | None) -> Line | None:
        return self._lines.get(normalize_number(number))


def resolve_entry(
    to: str | None,
    forwarded_from: str | None,
    main_numbers: Collection[str],
    legacy_numbers: Collection[str],
) -> Entry:
    """The entry for a call: a forwarded legacy line wins, then the dialled number.

    Legacy numbers are given in national form; anything unknown is treated as 12345.
    """
    plan = NumberPlan(Line(number, "", "") for number in legacy_numbers)
    line = plan.line_for(to, forwarded_from)
    return Entry("legacy", line.number) if line else Entry("main")
