"""Which district and street an address names, found by the units' own names.

A district is named as the reference data has it (天河区人民政府) or as addresses say it
(天河区); a street by its full name (天河区石牌街道) or without its district (石牌街道). The
longest name at a place wins, so 天河区石牌街道 is the street, not the district alone, and a
street implies its district.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from workorders.models import Unit

# How a district's unit is named beyond what addresses say of the district itself.
_GOVERNMENT = "人民政府"


@dataclass(frozen=True)
class Place:
    """The district and street an address names; None for what it does not name."""

    district_code: str | None = None
    street_code: str | None = None


def place_names(units: Iterable[Unit]) -> dict[str, list[Unit]]:
    """Every name a district or street may be called by in an address, with its units
    (a street's short name may be shared by streets of two districts)."""
    places = [u for u in units if u.kind in ("district", "street")]
    short = {u.code: u.name.removesuffix(_GOVERNMENT) for u in places if u.kind == "district"}
    names: dict[str, list[Unit]] = {}
    for unit in places:
        called = {unit.name}
        if unit.kind == "district":
            called.add(short[unit.code])
        else:
            district = short.get(unit.parent_code or "", "")
            if district and unit.name.startswith(district) and len(unit.name) > len(district):
                called.add(unit.name.removeprefix(district))
        for name in called:
            if len(name) >= 2:
                names.setdefault(name, []).append(unit)
    return names


def find_place(text: str, names: dict[str, list[Unit]]) -> Place:
    """The district and street ``text`` names (``names`` from :func:`place_names`).

    A street of another district than the one named, or a street name two districts share
    when neither is named, is left out: a wrong street would send the order astray.
    """
    found = _longest_names(text, names)
    districts = [u for units in found for u in units if u.kind == "district"]
    district = districts[0].code if districts else None
    for units in found:
        streets = [u for u in units if u.kind == "street"]
        if district is not None:
            streets = [u for u in streets if u.parent_code == district]
        if len(streets) == 1:
            return Place(streets[0].parent_code, streets[0].code)
    return Place(district, None)


def _longest_names(text: str, names: dict[str, list[Unit]]) -> list[list[Unit]]:
    """The units of the names found in ``text``, left to right, the longest at each place."""
    lengths = sorted({len(name) for name in names}, reverse=True)
    found, position = [], 0
    while position < len(text):
        for length in lengths:
            units = names.get(text[position : position + length])
            if units:
                found.append(units)
                position += length
                break
        else:
            position += 1
    return found
