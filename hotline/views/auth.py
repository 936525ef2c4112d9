"""Logging in, roles, and bearer tokens for the read-only APIs."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from hotline.infra.database import get_session
from hotline.infra.passwords import password_matches
from hotline.models import User
from hotline.services import access
from hotline.views.render.i18n import t

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"

HOME_BY_ROLE = {
    "agent": "console.home",
    "supervisor": "supervisor.home",
    "department": "department.home",
    "monitor": "reports.home",
    "admin": "admin.home",
}


class LoginUser:
    """The Flask-Login view of a user row."""

    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name or user.username
        self.role = user.role
        self.unit_code = user.unit_code
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


@login_manager.user_loader
def load_user(user_id: str):
    if not user_id.isdigit():
        return None
    user = get_session().get(User, int(user_id))
    return LoginUser(user) if user is not None and user.active else None


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error="login required", status=401), 401
    flash(t("请先登录"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def authenticate(username: str, password: str) -> User | None:
    user = get_session().scalar(sa.select(User).where(User.username == username.strip()))
    password_hash = user.password_hash if user is not None and user.active else None
    return user if password_matches(password_hash, password) else None


def roles_required(*roles: str):
    """Only logged-in users with one of ``roles`` (admins always) may open the view."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorator


def token_required(*roles: str):
    """Bearer-token access for the machine APIs; 401 without a valid token."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, plain = header.partition(" ")
            token, wait = None, None
            if scheme.lower() == "bearer":
                token, wait = access.admit(get_session(), plain.strip(), roles)
            if token is None:
                response = jsonify(error="a valid API token is required", status=401)
                response.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
                return response, 401
            if wait is not None:
                response = jsonify(error=f"too many requests; try again in {wait} s", status=429)
                response.headers["Retry-After"] = str(wait)
                return response, 429
            g.api_token = token
            return view(*args, **kwargs)

        return checked

    return decorator


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: not //host, and no backslash, which browsers read as /.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        if user is None:
            flash(t("用户名或密码错误"))
            return render_template("login.html"), 401
        login_user(LoginUser(user))
        return redirect(_safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
    return render_template("login.html")


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))
