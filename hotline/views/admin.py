"""Admin pages: the voice menu, agents' phones, the logins, and the audit trail of
administrative changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline.infra.database import get_session
from hotline.models import ROLES
from hotline.services import admin, agents, users
from hotline.services.admin import AdminError
from hotline.views.auth import roles_required
from hotline.views.common import current_actor, form_text, is_whole
from hotline.views.errors import back_to, said
from hotline.views.render.i18n import t
from routing import services as routing
from routing.models import Agent, Skill
from workorders.models import Unit

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required("admin")
def home():
    session = get_session()
    return render_template(
        "admin.html",
        language_menu=routing.menu_options(session, "language"),
        topic_menu=routing.menu_options(session, "main"),
        skills=session.scalars(sa.select(Skill).order_by(Skill.code)).all(),
        events=admin.recent_events(session),
        agents=session.scalars(sa.select(Agent).order_by(Agent.name)).all(),
        wrap_up_reasons=routing.wrap_up_reasons(session, include_inactive=True),
        transfer_targets=routing.transfer_targets(session, include_inactive=True),
    )


@bp.post("/transfer-directory")
@roles_required("admin")
@back_to("admin.home")
def save_transfer_target():
    """Add an outside number agents may transfer to, or change one (``id`` names it)."""
    target_id = form_text("id", 12)
    admin.save_transfer_target(
        get_session(),
        current_actor(),
        int(target_id) if is_whole(target_id) else None,
        form_text("name", 80),
        form_text("name_en", 80),
        form_text("number", 32),
        active=request.form.get("active", "1") == "1",
    )
    flash(t("操作成功"))
    return redirect(url_for("admin.home") + "#transfer-directory")


@bp.post("/wrap-up-reasons")
@roles_required("admin")
@back_to("admin.home")
def save_wrap_up_reason():
    """Add a wrap-up reason, or change one (its code names it)."""
    admin.save_wrap_up_reason(
        get_session(),
        current_actor(),
        form_text("code", 32),
        form_text("name", 80),
        form_text("name_en", 80),
        active=request.form.get("active", "1") == "1",
    )
    flash(t("操作成功"))
    return redirect(url_for("admin.home") + "#wrap-up-reasons")


@bp.post("/menu/<int:option_id>")
@roles_required("admin")
@back_to("admin.home")
def update_option(option_id: int):
    session = get_session()
    priority = request.form.get("priority", "0").strip()
    if not is_whole(priority):
        abort(400, "priority must be a number")
    keywords = [k.strip() for k in form_text("keywords", 2000).replace("，", ",").split(",")]
    values = {
        "label": form_text("label", 80),
        "label_yue": form_text("label_yue", 80),
        "label_en": form_text("label_en", 80),
        "skill_code": form_text("skill", 40) or None,
        "keywords": [k for k in keywords if k],
        "priority": int(priority),
    }
    admin.update_menu_option(session, option_id, values, current_actor())
    flash(t("操作成功"))
    return redirect(url_for("admin.home"))


@bp.post("/agents/<int:agent_id>/phone")
@roles_required("admin")
@back_to("admin.home")
def set_agent_phone(agent_id: int):
    agents.set_phone(get_session(), agent_id, form_text("phone", 200), current_actor())
    flash(t("操作成功"))
    return redirect(url_for("admin.home"))


def _users_page(draft: dict | None = None, status: int = 200):
    session = get_session()
    seats = {agent.user_id: agent for agent in session.scalars(sa.select(Agent))}
    page = render_template(
        "users.html",
        users=users.list_users(session),
        seats=seats,
        roles=ROLES,
        units=session.scalars(sa.select(Unit).where(Unit.active).order_by(Unit.code)).all(),
        skills=session.scalars(sa.select(Skill).order_by(Skill.code)).all(),
        min_password=users.MIN_PASSWORD_LENGTH,
        draft=draft or {},
    )
    return page, status


@bp.get("/users")
@roles_required("admin")
def users_page():
    return _users_page()


@bp.post("/users")
@roles_required("admin")
def create_user():
    username, display_name = form_text("username", 64), form_text("display_name", 80)
    role, unit = form_text("role", 16), form_text("unit", 40) or None
    skills = request.form.getlist("skills")
    try:
        user = users.create_user(
            get_session(),
            current_actor(),
            username=username,
            display_name=display_name,
            role=role,
            unit_code=unit,
            password=request.form.get("password", ""),
            skills=skills,
        )
    except AdminError as exc:
        # The form comes back as typed (but the password), with the reason.
        get_session().rollback()
        flash(said(exc))
        draft = {"username": username, "display_name": display_name, "role": role}
        return _users_page({**draft, "unit": unit, "skills": skills}, 422)
    flash(t("已创建用户 {name}").format(name=user.display_name))
    return redirect(url_for("admin.users_page"))


@bp.post("/users/<int:user_id>")
@roles_required("admin")
@back_to("admin.users_page")
def update_user(user_id: int):
    user = users.update_user(
        get_session(),
        current_actor(),
        user_id,
        display_name=form_text("display_name", 80),
        role=form_text("role", 16),
        unit_code=form_text("unit", 40) or None,
        skills=request.form.getlist("skills"),
    )
    flash(t("已保存用户 {name}").format(name=user.display_name))
    return redirect(url_for("admin.users_page"))


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
@back_to("admin.users_page")
def reset_password(user_id: int):
    user = users.reset_password(
        get_session(), current_actor(), user_id, request.form.get("password", "")
    )
    flash(t("已为 {name} 设置新密码，其现有登录已失效").format(name=user.display_name))
    return redirect(url_for("admin.users_page"))


@bp.post("/users/<int:user_id>/active")
@roles_required("admin")
@back_to("admin.users_page")
def set_user_active(user_id: int):
    active = request.form.get("active") == "1"
    user = users.set_active(get_session(), current_actor(), user_id, active)
    done = "已启用用户 {name}" if active else "已停用用户 {name}，其现有登录已失效"
    flash(t(done).format(name=user.display_name))
    return redirect(url_for("admin.users_page"))
