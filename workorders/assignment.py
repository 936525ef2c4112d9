"""Choosing the responsible unit for a work order, from plain data."""

from __future__ import annotations

from dataclasses import dataclass


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
