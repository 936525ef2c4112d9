"""An admin manages the logins: create, change, reset the password, deactivate; and every
role's menu links only to pages that role may open."""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from hotline.models import AuditEvent, User
from routing.models import Agent
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_agent, make_user

NEW_PASSWORD = "a new pass phrase 42"
NAV = re.compile(r"<nav\b[^>]*>(.*?)</nav>", re.S)
HREF = re.compile(r'href="([^"]+)"')


def as_admin(client, observer):
    admin = make_user(observer, "admin")
    observer.commit()
    login(client, admin.username, PASSWORD)
    return admin


def new_user(client, **fields):
    data = {
        "username": "lihua",
        "display_name": "李华",
        "role": "agent",
        "unit": "",
        "password": NEW_PASSWORD,
        "skills": ["general"],
        **fields,
    }
    return post_form(client, "/admin/users", data, "/admin/users")


def test_an_admin_creates_an_agent_who_can_log_in_and_take_calls(app, client, observer):
    as_admin(client, observer)
    answer = new_user(client)
    assert answer.status_code == 302
    assert "已创建用户 李华" in client.get("/admin/users").get_data(as_text=True)
    user = observer.scalar(sa.select(User).where(User.username == "lihua"))
    agent = observer.scalar(sa.select(Agent).where(Agent.user_id == user.id))
    assert [s.skill_code for s in agent.skills] == ["general"]
    event = observer.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "user"))
    assert (event.entity_id, event.action) == ("lihua", "create")
    assert NEW_PASSWORD not in str(event.changes) and "password" not in str(event.changes)

    other = app.test_client()
    assert login(other, "lihua", NEW_PASSWORD).status_code == 302
    assert other.get("/console/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"username": "Li Hua"}, "用户名须以小写字母开头"),
        ({"password": "short"}, "密码至少 10 位"),
        ({"role": "department"}, "承办单位用户须选择所属单位"),
        ({"role": "wizard"}, "未知角色 wizard"),
        ({"skills": []}, "坐席至少要有一个技能组"),
    ],
)
def test_a_refused_login_keeps_the_form_and_says_why(client, observer, fields, reason):
    as_admin(client, observer)
    answer = new_user(client, **{"display_name": "王小明", **fields})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert reason in page
    assert 'value="王小明"' in page  # what was typed is still there
    assert NEW_PASSWORD not in page
    assert observer.scalar(sa.select(sa.func.count(User.id)).where(User.role != "admin")) == 0


def test_a_taken_username_is_refused_in_english_too(client, observer):
    as_admin(client, observer)
    assert new_user(client).status_code == 302
    client.get("/admin/users?lang=en")
    answer = new_user(client, display_name="Other")
    assert answer.status_code == 422
    assert "The username lihua is taken" in answer.get_data(as_text=True)


def test_a_new_password_and_a_deactivation_end_the_users_logins(app, client, observer):
    as_admin(client, observer)
    department = make_user(observer, "department", unit_code="GZ-RSJ")
    observer.commit()
    staff = app.test_client()
    login(staff, department.username, PASSWORD)
    assert staff.get("/dept/").status_code == 200

    answer = post_form(
        client,
        f"/admin/users/{department.id}/password",
        {"password": NEW_PASSWORD},
        "/admin/users",
    )
    assert answer.status_code == 302
    assert staff.get("/dept/").status_code == 302  # back to the login page
    assert login(staff, department.username, PASSWORD).status_code == 401
    assert login(staff, department.username, NEW_PASSWORD).status_code == 302
    assert staff.get("/dept/").status_code == 200

    answer = post_form(
        client, f"/admin/users/{department.id}/active", {"active": "0"}, "/admin/users"
    )
    assert answer.status_code == 302
    assert staff.get("/dept/").status_code == 302
    assert login(staff, department.username, NEW_PASSWORD).status_code == 401
    observer.expire_all()
    assert observer.get(User, department.id).active is False
    actions = observer.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity_id == department.username)
    ).all()
    assert sorted(actions) == ["deactivate", "reset_password"]


def test_an_agent_on_a_call_is_not_deactivated_and_one_on_break_goes_offline(client, observer):
    as_admin(client, observer)
    busy_user, busy = make_agent(observer)
    idle_user, idle = make_agent(observer)
    busy.state, idle.state = "on_call", "break"
    observer.commit()
    post_form(client, f"/admin/users/{busy_user.id}/active", {"active": "0"}, "/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "正在通话，请在通话结束后再停用" in page
    post_form(client, f"/admin/users/{idle_user.id}/active", {"active": "0"}, "/admin/users")
    observer.expire_all()
    assert observer.get(User, busy_user.id).active is True
    assert observer.get(User, idle_user.id).active is False
    assert observer.get(Agent, idle.id).state == "offline"


def test_an_admin_keeps_their_own_login_and_the_last_admin(client, observer):
    admin = as_admin(client, observer)
    post_form(client, f"/admin/users/{admin.id}/active", {"active": "0"}, "/admin/users")
    assert "不能停用自己的账号" in client.get("/admin/users").get_data(as_text=True)
    data = {"display_name": "x", "role": "agent", "unit": ""}
    post_form(client, f"/admin/users/{admin.id}", data, "/admin/users")
    assert "不能更改自己的角色" in client.get("/admin/users").get_data(as_text=True)
    observer.expire_all()
    assert (observer.get(User, admin.id).role, observer.get(User, admin.id).active) == (
        "admin",
        True,
    )
    other = make_user(observer, "admin")
    observer.commit()
    # Another admin may be made a monitor: the acting admin, who may not demote or
    # deactivate themselves, remains.
    answer = post_form(
        client,
        f"/admin/users/{other.id}",
        {"display_name": "o", "role": "monitor"},
        "/admin/users",
    )
    assert answer.status_code == 302
    observer.expire_all()
    assert observer.get(User, other.id).role == "monitor"


def test_changing_a_role_gives_a_seat_and_names_the_unit(client, observer):
    as_admin(client, observer)
    monitor = make_user(observer, "monitor")
    observer.commit()
    data = {"display_name": "张敏", "role": "agent", "unit": "GZ-RSJ"}
    post_form(client, f"/admin/users/{monitor.id}", data, "/admin/users")
    observer.expire_all()
    user = observer.get(User, monitor.id)
    assert (user.role, user.unit_code, user.display_name) == ("agent", None, "张敏")
    assert observer.scalar(sa.select(Agent).where(Agent.user_id == user.id)) is not None
    page = client.get("/admin/users").get_data(as_text=True)
    assert "话务员" in page and "role:" not in page
    assert "广州市人力资源和社会保障局" in page or "人力资源" in page


def test_an_unknown_user_is_a_404(client, observer):
    as_admin(client, observer)
    token = csrf_token(client, "/admin/users")
    for path in (
        "/admin/users/999999",
        "/admin/users/999999/password",
        "/admin/users/999999/active",
    ):
        answer = client.post(
            path, data={"csrf_token": token, "password": NEW_PASSWORD, "role": "agent"}
        )
        assert answer.status_code == 404, path


@pytest.mark.parametrize("role", ["agent", "supervisor", "department", "monitor", "admin"])
def test_every_link_of_a_roles_menu_opens(app, observer, role):
    if role in ("agent", "supervisor"):
        user, _ = make_agent(observer, role=role)
    else:
        user = make_user(observer, role, unit_code="GZ-RSJ" if role == "department" else None)
    observer.commit()
    client = app.test_client()
    login(client, user.username, PASSWORD)
    home = client.get("/", follow_redirects=True)
    links = HREF.findall(NAV.search(home.get_data(as_text=True)).group(1))
    assert links
    for link in links:
        assert client.get(link).status_code == 200, (role, link)
    paths = {urlsplit(link).path for link in links}
    if role == "admin":
        assert {"/admin/", "/admin/users", "/admin/workorders/"} <= paths
        assert "/console/" not in paths and "/dept/" not in paths
    else:
        assert not any(path.startswith("/admin") for path in paths)
