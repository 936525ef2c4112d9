"""An admin edits the voice menu; callers hear the change; the change is audited."""

import pytest
import sqlalchemy as sa

from hotline.models import AuditEvent
from routing.models import IvrOption
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_user
from tests.voice_flow import Caller

pytestmark = pytest.mark.changes_reference_data


def option(session, menu, digit):
    return session.scalar(
        sa.select(IvrOption).where(IvrOption.menu == menu, IvrOption.digit == digit)
    )


def form_for(opt, **changes):
    values = {
        "label": opt.label,
        "label_yue": opt.label_yue,
        "label_en": opt.label_en,
        "skill": opt.skill_code or "",
        "keywords": ", ".join(opt.keywords),
        "priority": str(opt.priority),
    }
    return {**values, **changes}


def test_an_admin_changes_a_menu_option_and_callers_hear_it(client, observer):
    admin = make_user(observer, "admin")
    observer.commit()
    login(client, admin.username, PASSWORD)
    assert b'id="voice-menu"' in client.get("/admin/").data
    opt = option(observer, "main", "5")
    data = form_for(opt, label="水电气和供暖", keywords="停水, 停电, 暖气", priority="5")
    assert post_form(client, f"/admin/menu/{opt.id}", data, "/admin/").status_code == 302

    caller = Caller(client, observer)
    caller.dial()
    assert "水电气和供暖请按5" in caller.choose_language("1")
    caller.say("家里的暖气不热")
    call = caller.call
    assert (call.skill_code, call.priority) == ("utilities", 5)

    event = observer.scalar(sa.select(AuditEvent))
    assert (event.actor, event.entity, event.entity_id) == (admin.username, "ivr_option", "main:5")
    assert event.changes["label"] == {"from": "水电气", "to": "水电气和供暖"}
    assert "水电气和供暖" in client.get("/admin/").get_data(as_text=True)


def test_a_bad_change_is_refused_and_changes_nothing(client, observer):
    admin = make_user(observer, "admin")
    observer.commit()
    login(client, admin.username, PASSWORD)
    opt = option(observer, "main", "1")
    post_form(client, f"/admin/menu/{opt.id}", form_for(opt, skill="no_such_skill"), "/admin/")
    post_form(client, f"/admin/menu/{opt.id}", form_for(opt, label="  "), "/admin/")
    observer.expire_all()
    assert option(observer, "main", "1").skill_code == "social_security"
    assert observer.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_only_admins_open_the_admin_pages(client, observer):
    supervisor = make_user(observer, "supervisor")
    observer.commit()
    login(client, supervisor.username, PASSWORD)
    assert client.get("/admin/").status_code == 403
