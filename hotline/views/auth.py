"""Logging in, roles, and bearer tokens for the read-only APIs."""

from __future__ import annotations

import functools
import math
import re
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user

from hotline.infra.database import get_session
from hotline.models import User
from hotline.services import access, logins
from hotline.views.render.i18n import t

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"

# A login token as logins.log_in makes them (token_urlsafe of 32 bytes).
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
# Control characters, whitespace and backslashes have no place in a redirect path.
UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")
HOME_BY_ROLE = {
    "agent": "console.home",
    "supervisor": "supervisor.home",
    "department": "department.home",
    "monitor": "reports.home",
    "admin": "admin.home",
}


class LoginUser:
    """The Flask-Login view of a user row, within one login session."""

    def __init__(self, user: User, token: str):
        self.token = token
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name or user.username
        self.role = user.role
        self.unit_code = user.unit_code
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        # What the signed cookie (and a remember-me cookie, were one made) carries: the
        # login's token, which the server can revoke, never the bare user id.
        return self.token


@login_manager.user_loader
def load_user(token: str):
    if not TOKEN.fullmatch(token):
        return None
    user = logins.resume(get_session(), token)
    return LoginUser(user, token) if user is not None else None


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error="login required", status=401), 401
    flash(t("请先登录"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def sign_in(username: str, password: str) -> User:
    """Check the password behind the failed-login throttle and log the user in; raises
    :class:`logins.LoginRefused` or :class:`logins.LoginLocked`."""
    user, token = logins.log_in(get_session(), username, password, request.remote_addr or "")
    login_user(LoginUser(user, token))
    return user


def sign_out() -> None:
    """End this login on the server too, so a copy of its cookie opens nothing."""
    token = session.get("_user_id")
    if isinstance(token, str) and TOKEN.fullmatch(token):
        logins.log_out(get_session(), token)
    logout_user()


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


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None; the login and every form that
    takes a ``next`` ask here.

    Browsers drop tabs and newlines inside a URL, strip spaces around it and read a
    backslash as a slash, so any of these (also percent-encoded) could turn a path into
    ``//host``: such a target is refused rather than cleaned.
    """
    if not target or len(target) > 2000:
        return None
    decoded = target
    for _ in range(3):
        decoded = unquote(decoded)
    for text in (target, decoded):
        if UNSAFE_IN_NEXT.search(text) or not text.startswith("/") or text.startswith("//"):
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            user = sign_in(request.form.get("username", ""), request.form.get("password", ""))
        except logins.LoginLocked as locked:
            minutes = math.ceil(locked.wait_seconds / 60)
            flash(t("登录失败次数过多，请 {minutes} 分钟后再试").format(minutes=minutes))
            return render_template("login.html"), 429, {"Retry-After": locked.wait_seconds}
        except logins.LoginRefused:
            flash(t("用户名或密码错误"))
            return render_template("login.html"), 401
        return redirect(safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
    return render_template("login.html")


@bp.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("auth.login"))


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))
