from workorders.assignment import CategoryRule, choose_unit

PENSION = CategoryRule("SOCINS.PENSION", "养老保险", "municipal", "GZ-RSJ")
MANHOLE = CategoryRule("URBAN.MANHOLE", "井盖缺失与破损", "territorial", "GZ-CGW")


def test_a_municipal_category_goes_to_its_department_wherever_the_problem_is():
    result = choose_unit(PENSION, "GZ-TH", "GZ-TH-SPJ")
    assert result.unit_code == "GZ-RSJ"
    assert "SOCINS.PENSION" in result.reason


def test_a_territorial_category_goes_to_the_street_first():
    assert choose_unit(MANHOLE, "GZ-TH", "GZ-TH-SPJ").unit_code == "GZ-TH-SPJ"


def test_a_territorial_category_without_a_street_goes_to_the_district():
    result = choose_unit(MANHOLE, "GZ-TH", None)
    assert result.unit_code == "GZ-TH"
    assert "district" in result.reason


def test_a_territorial_category_without_a_place_is_left_to_the_dispatcher():
    result = choose_unit(MANHOLE, None, None)
    assert result.unit_code is None
    assert "dispatcher" in result.reason


def test_a_category_without_a_rule_is_left_to_the_dispatcher():
    assert choose_unit(CategoryRule("X", "x", None, None), "GZ-TH", None).unit_code is None
