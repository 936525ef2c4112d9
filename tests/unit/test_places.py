"""Finding the district and street an address names, by the reference data's unit names."""

import json

import pytest

from hotline.seed.reference import REFERENCE_FILE
from workorders.models import Unit
from workorders.places import Place, find_place, place_names

UNITS = [
    Unit(code=u["code"], name=u["name"], kind=u["kind"], parent_code=u["parent"])
    for u in json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["units"]
]
NAMES = place_names(UNITS)


@pytest.mark.parametrize(
    ("address", "place"),
    [
        # The street's full name: the street, and the district it belongs to.
        ("天河区石牌街道天河路100号", Place("GZ-TH", "GZ-TH-SPJ")),
        # The street without its district: the district is implied.
        ("石牌街道华师社区3栋", Place("GZ-TH", "GZ-TH-SPJ")),
        ("番禺区南村镇兴业大道", Place("GZ-PY", "GZ-PY-NCZ")),
        # A district alone, as addresses say it or as the unit is named.
        ("天河区体育西路1号", Place("GZ-TH", None)),
        ("海珠区人民政府门口", Place("GZ-HZ", None)),
        # The district and the street apart, in either order.
        ("天河区的石牌街道", Place("GZ-TH", "GZ-TH-SPJ")),
        ("石牌街道，天河区", Place("GZ-TH", "GZ-TH-SPJ")),
        # Nothing the reference data names.
        ("体育西路1号", Place()),
        ("", Place()),
    ],
)
def test_an_address_names_its_district_and_street(address, place):
    assert find_place(address, NAMES) == place


def test_the_longest_name_at_a_place_wins():
    assert find_place("天河区天河南街道", NAMES) == Place("GZ-TH", "GZ-TH-THN")
    # 新区 is a district, and the first two characters of 老区's street 新区口街道.
    units = [
        Unit(code="NEW", name="新区人民政府", kind="district"),
        Unit(code="OLD", name="老区人民政府", kind="district"),
        Unit(code="OLD-S", name="老区新区口街道", kind="street", parent_code="OLD"),
    ]
    assert find_place("新区口街道8号", place_names(units)) == Place("OLD", "OLD-S")


def test_a_street_of_another_district_than_the_one_named_is_left_out():
    assert find_place("海珠区石牌街道", NAMES) == Place("GZ-HZ", None)


def test_a_street_name_two_districts_share_needs_its_district():
    units = [
        Unit(code="D1", name="东区人民政府", kind="district"),
        Unit(code="D2", name="西区人民政府", kind="district"),
        Unit(code="D1-S", name="东区新华街道", kind="street", parent_code="D1"),
        Unit(code="D2-S", name="西区新华街道", kind="street", parent_code="D2"),
        Unit(code="DEPT", name="新华街道办", kind="municipal_department"),
    ]
    names = place_names(units)
    assert find_place("新华街道5号", names) == Place()
    assert find_place("西区新华街道5号", names) == Place("D2", "D2-S")
    assert find_place("西区，新华街道5号", names) == Place("D2", "D2-S")
