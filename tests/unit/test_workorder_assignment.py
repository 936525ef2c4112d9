"""Admins' assignment rules, tried in order before the category's own rule."""

from workorders.assignment import CategoryRule, RoutingRule, assign

MANHOLE = CategoryRule("URBAN.MANHOLE", "井盖缺失与破损", "territorial", "GZ-CGW")
PENSION = CategoryRule("SOCINS.PENSION", "养老保险", "municipal", "GZ-RSJ")


def test_the_first_matching_rule_names_the_lead_and_co_units():
    rules = [
        RoutingRule(1, "GZ-SWJ", street_code="GZ-YX-BJJ"),
        RoutingRule(2, "GZ-TH", "URBAN.MANHOLE", "GZ-TH", None, ("GZ-CGW", "GZ-TH")),
        RoutingRule(3, "GZ-JWW", "URBAN.MANHOLE"),
    ]
    result = assign(rules, MANHOLE, "GZ-TH", "GZ-TH-SPJ")
    assert result.unit_code == "GZ-TH"
    # The lead unit is never its own co-unit.
    assert result.co_unit_codes == ("GZ-CGW",)
    assert "assignment rule 2" in result.reason and "district GZ-TH" in result.reason
    assert assign(rules, MANHOLE, "GZ-YX", None).unit_code == "GZ-JWW"


def test_a_rule_matches_only_when_every_criterion_it_names_does():
    rule = RoutingRule(7, "GZ-JWW", "URBAN.MANHOLE", "GZ-TH")
    assert rule.matches("URBAN.MANHOLE", "GZ-TH", "GZ-TH-SPJ")
    assert not rule.matches("URBAN.MANHOLE", "GZ-YX", None)
    assert not rule.matches("URBAN.NOISE", "GZ-TH", None)
    # A rule naming nothing would match everything: it never matches.
    assert not RoutingRule(8, "GZ-JWW").matches("URBAN.MANHOLE", "GZ-TH", None)


def test_without_a_matching_rule_the_category_decides_and_says_why():
    rules = [RoutingRule(1, "GZ-SWJ", district_code="GZ-HZ")]
    result = assign(rules, PENSION, "GZ-TH", None)
    assert (result.unit_code, result.co_unit_codes) == ("GZ-RSJ", ())
    assert "city-wide" in result.reason
    assert assign([], MANHOLE, None, None).unit_code is None
