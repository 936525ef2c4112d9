"""The admin's transfer directory: numbers added, renamed and retired (audited); a retired
number is no longer offered to agents and cannot be transferred to."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.models import AuditEvent
from routing.models import TransferTarget
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_agent, make_user

pytestmark = pytest.mark.db


def test_the_admin_adds_renames_and_retires_a_number(app, client, session, observer):
    admin = make_user(session, "admin")
    session.commit()
    login(client, admin.username, PASSWORD)
    post_form(
        client,
        "/admin/transfer-directory",
        {"name": "区人社局窗口", "number": "020 8888 1234"},
        "/admin/",
    )
    added = observer.scalar(sa.select(TransferTarget).where(TransferTarget.number == "02088881234"))
    assert added is not None and added.active and added.name == "区人社局窗口"
    page = client.get("/admin/").get_data(as_text=True)
    assert 'data-number="02088881234"' in page

    post_form(
        client,
        "/admin/transfer-directory",
        {"id": str(added.id), "name": "区人社局", "name_en": "District HR office",
         "number": "02088881234", "active": "0"},
        "/admin/",
    )  # fmt: skip
    observer.expire_all()
    retired = observer.get(TransferTarget, added.id)
    assert (retired.name, retired.name_en, retired.active) == (
        "区人社局",
        "District HR office",
        False,
    )
    trail = observer.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity == "transfer_target")
    ).all()
    assert trail == ["create", "update"]

    # A retired number is not offered on the call card.
    user, _ = make_agent(session)
    session.commit()
    desk = app.test_client()
    login(desk, user.username, PASSWORD)
    assert "02088881234" not in desk.get("/console/").get_data(as_text=True)
    with app.app_context():
        session.delete(session.get(TransferTarget, added.id))
        session.commit()


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"name": "坏号码", "number": "12"}, "号码须为 3–15 位数字"),
        ({"name": "", "number": "110"}, "请填写中文名称"),
        ({"name": "重复", "number": "110"}, "号码 110 已在号码簿中"),
    ],
)
def test_a_refused_number_says_why_and_adds_nothing(app, client, session, observer, form, said):
    admin = make_user(session, "admin")
    session.commit()
    login(client, admin.username, PASSWORD)
    before = observer.scalar(sa.select(sa.func.count(TransferTarget.id)))
    assert post_form(client, "/admin/transfer-directory", form, "/admin/").status_code == 302
    assert said in client.get("/admin/").get_data(as_text=True)
    assert observer.scalar(sa.select(sa.func.count(TransferTarget.id))) == before
