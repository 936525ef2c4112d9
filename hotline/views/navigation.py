"""The menu: one table of the pages each kind of login may open.

Each entry says who may open its page, the same rule the page itself applies; a test walks
every role's menu and expects every link to open, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_login import current_user

from hotline.infra.database import get_session
from routing import services as routing


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: str
    may_open: Callable[[Any], bool]


def _roles(*roles: str) -> Callable[[Any], bool]:
    return lambda user: user.role in roles


def _has_seat(user) -> bool:
    return routing.agent_for_user(get_session(), user.id) is not None


MENU = (
    # The console needs an agent's seat (the seed gives admins none).
    Entry("console.home", "坐席工作台", _has_seat),
    Entry("console.orders", "查询工单", _roles("agent", "supervisor", "admin")),
    Entry("conversations.index", "短信会话", _roles("agent", "supervisor", "admin")),
    Entry("supervisor.home", "值班长", _roles("supervisor", "admin")),
    Entry("wallboard.page", "实时大屏", _roles("supervisor", "admin")),
    # The portal shows one unit's orders: only for a login of a unit.
    Entry("department.home", "承办单位", lambda user: user.role == "department"),
    Entry("reports.home", "统计报表", _roles("supervisor", "monitor", "admin")),
    Entry("kb.gaps", "知识库缺口报告", _roles("supervisor", "admin")),
    Entry("admin.home", "系统管理", _roles("admin")),
    Entry("admin.users_page", "用户管理", _roles("admin")),
    Entry("workorder_admin.home", "派单规则与工作日历", _roles("admin")),
)


def menu() -> list[tuple[str, str]]:
    """(URL, label) of each page the current login may open, in the menu's order."""
    if not current_user.is_authenticated:
        return []
    return [(url_for(e.endpoint), e.label) for e in MENU if e.may_open(current_user)]
