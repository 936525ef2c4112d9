"""Choosing the responsible unit for a work order, from plain data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CategoryRule:
    code: str
    name: str
    routing: str | None
    unit_code: str | None


@dataclass(frozen=True)
class Assignment:
    unit_code: str | None
    reason: str
    co_unit_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoutingRule:
    """An admin's rule, as plain data: criteria left as None match anything."""

    id: int
    unit_code: str
    category_code: str | None = None
    district_code: str | None = None
    street_code: str | None = None
    co_unit_codes: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""

    def matches(self, category_code: str, district_code: str | None, street_code: str | None):
        criteria = (
            (self.category_code, category_code),
            (self.district_code, district_code),
            (self.street_code, street_code),
        )
        named = [(wanted, given) for wanted, given in criteria if wanted is not None]
        return bool(named) and all(wanted == given for wanted, given in named)

    def describe(self) -> str:
        parts = [
            f"{label} {value}"
            for label, value in (
                ("category", self.category_code),
                ("district", self.district_code),
                ("street", self.street_code),
            )
            if value is not None
        ]
        text = f"assignment rule {self.id} ({', '.join(parts)})"
        return f"{text}: {self.note}" if self.note else text


def assign(
    rules: Sequence[RoutingRule],
    category: CategoryRule,
    district_code: str | None,
    street_code: str | None,
) -> Assignment:
    """The first matching rule decides (lead and co-units); else the category's own rule."""
    for rule in rules:
        if rule.matches(category.code, district_code, street_code):
            return Assignment(rule.unit_code, rule.describe(), _unique(rule.co_unit_codes, rule))
    return choose_unit(category, district_code, street_code)


def _unique(codes: Iterable[str], rule: RoutingRule) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in codes if c != rule.unit_code))


def choose_unit(
    category: CategoryRule, district_code: str | None, street_code: str | None
) -> Assignment:
    """The unit the category's rule names: its department, or the place of the problem.

    ``unit_code`` is None when nothing decides; the dispatcher then assigns by hand.
    """
    if category.routing == "municipal" and category.unit_code:
        return Assignment(
            category.unit_code,
            f"category {category.code} ({category.name}) is handled city-wide by its department",
        )
    if category.routing == "territorial":
        if street_code:
            return Assignment(
                street_code,
                f"category {category.code} ({category.name}) is territorial: "
                "the street where the problem is",
            )
        if district_code:
            return Assignment(
                district_code,
                f"category {category.code} ({category.name}) is territorial: "
                "the district where the problem is",
            )
        return Assignment(
            None,
            f"category {category.code} ({category.name}) is territorial "
            "but no district was given: the dispatcher decides",
        )
    return Assignment(
        None, f"category {category.code} ({category.name}) names no unit: the dispatcher decides"
    )
