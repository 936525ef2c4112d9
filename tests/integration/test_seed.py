"""Reference and demo data: idempotent, complete, and in the same codes as the data sets."""

import json
from collections import Counter
from datetime import date

import sqlalchemy as sa

from hotline.models import User
from hotline.seed import reference as seed
from knowledge_base.models import Article
from routing.models import Agent, Call, IvrOption, LegacyLine, Skill
from workorders import services as workorders
from workorders.models import CalendarDay, Category, Unit, WorkOrder


def test_the_reference_data_has_the_merged_hotlines(session):
    kinds = Counter(session.scalars(sa.select(Unit.kind)))
    assert kinds["municipal_department"] == 34
    assert kinds["district"] == 12
    assert kinds["street"] > 0 and kinds["enterprise"] > 0
    lines = session.scalars(sa.select(LegacyLine)).all()
    assert len(lines) == 55
    assert len({line.unit_code for line in lines}) == 46
    pension = session.get(Category, "SOCINS.PENSION")
    assert (pension.unit_code, pension.routing, pension.skill_code) == (
        "GZ-RSJ",
        "municipal",
        "social_security",
    )
    assert pension.deadline_working_days == 10
    assert pension.name_en
    assert session.get(LegacyLine, "12333").unit_code == "GZ-RSJ"


def test_every_leaf_category_is_routable(session):
    leaves = session.scalars(sa.select(Category).where(Category.parent_code.is_not(None))).all()
    assert leaves
    for category in leaves:
        assert category.routing in ("municipal", "territorial"), category.code
        assert session.get(Unit, category.unit_code) is not None, category.code
        assert session.get(Skill, category.skill_code) is not None, category.code
        assert category.deadline_working_days >= 1


def test_the_voice_menu_is_seeded(session):
    digits = set(session.scalars(sa.select(IvrOption.digit)))
    assert digits == set("0123456789")


def test_no_copy_of_the_official_calendar_is_seeded(session):
    # The official holidays and make-up days come from the chinesecalendar package; the
    # calendar table holds only the admins' own overrides, and the project ships none.
    assert session.scalars(sa.select(CalendarDay)).all() == []
    assert "calendar" not in seed.read_json(seed.REFERENCE_FILE)
    calendar = workorders.load_calendar(session)
    assert not calendar.is_working_day(date(2025, 1, 28))  # Spring Festival's eve, 2025
    assert calendar.is_working_day(date(2025, 2, 8))  # its make-up Saturday


def test_seeding_twice_changes_nothing(session):
    results = seed.seed_reference(session)
    assert all(r.created == 0 and r.updated == 0 for r in results), [str(r) for r in results]
    assert sum(r.unchanged for r in results) > 300


def test_the_reference_data_sets_load_and_agree_on_codes(session, shared_data):
    units = seed.load_units(session, seed.read_json(shared_data / "units.json"))
    categories = seed.load_categories(session, seed.read_json(shared_data / "categories.json"))
    lines = seed.load_legacy_lines(session, seed.read_json(shared_data / "legacy_lines.json"))
    # The project's own data names the same things with the same codes and values.
    assert (units.created, units.updated) == (0, 0)
    assert (categories.created, categories.updated) == (0, 0)
    assert (lines.created, lines.updated) == (0, 0)
    articles = seed.load_articles(session, seed.read_jsonl(shared_data / "kb_articles.jsonl"))
    text = (shared_data / "kb_articles.jsonl").read_text(encoding="utf-8")
    expected = sum(1 for line in text.splitlines() if line.strip())
    assert articles.created == expected
    assert articles.rejected == []
    assert session.get(Article, "KB-0001").category_code == "SOCINS.PENSION"


def test_a_bad_article_is_rejected_with_its_reason_and_the_rest_is_kept(session, tmp_path):
    path = tmp_path / "articles.jsonl"
    good = {"id": "T-1", "title": "标题", "answer": "答案", "questions": ["问"], "lang": "zh"}
    path.write_text(
        "\n".join(
            [
                json.dumps(good, ensure_ascii=False),
                "{not json",
                json.dumps({**good, "id": "T-2", "category": "NO.SUCH"}),
                json.dumps({**good, "id": "T-3", "questions": "not a list"}),
                json.dumps({**good, "id": ""}),
            ]
        ),
        encoding="utf-8",
    )
    result = seed.load_articles(session, seed.read_jsonl(path))
    assert result.created == 1
    reasons = dict(result.rejected)
    assert set(reasons) == {"line 2", "line 3", "line 4", "line 5"}
    assert "not JSON" in reasons["line 2"]
    assert "NO.SUCH" in reasons["line 3"]
    assert "questions" in reasons["line 4"]
    assert session.get(Article, "T-1") is not None


def test_demo_data_has_a_login_for_every_role_articles_and_history(session):
    logins, articles = seed.seed_demo(session)
    roles = {login.role for login in logins}
    assert roles == {"agent", "supervisor", "department", "monitor", "admin"}
    lines = seed.KB_FILE.read_text(encoding="utf-8").splitlines()
    assert (articles.created, articles.rejected) == (sum(1 for line in lines if line.strip()), [])
    assert session.scalar(sa.select(sa.func.count(WorkOrder.id))) > 20
    assert session.scalar(sa.select(sa.func.count(Call.id))) > 100
    closed = session.scalar(
        sa.select(sa.func.count(WorkOrder.id)).where(WorkOrder.closed_at.is_not(None))
    )
    assert closed > 0
    department = session.scalar(sa.select(User).where(User.role == "department"))
    assert department.unit_code is not None
    agents = session.scalars(sa.select(Agent)).all()
    assert agents and all(agent.skills for agent in agents)
    # Again: nothing duplicated.
    session.commit()
    seed.seed_demo(session)
    assert session.scalar(sa.select(sa.func.count(User.id))) == len(logins)
    assert session.scalar(sa.select(sa.func.count(Agent.id))) == len(agents)
