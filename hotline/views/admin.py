"""Admin pages: the voice menu, agents' phones, and the audit trail of administrative changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline.infra.database import get_session
from hotline.services import admin, agents
from hotline.views.auth import roles_required
from hotline.views.common import current_actor, form_text, is_whole
from hotline.views.errors import back_to
from hotline.views.render.i18n import t
from routing import services as routing
from routing.models import Agent, Skill

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
    )


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
