"""What the signed session cookie holds, and the account it names.

The cookie (Starlette's ``SessionMiddleware``, signed with the workspace key) holds:
``uid`` (the account id), ``pwd`` (a fingerprint of the password hash, so that a
password change signs out every other session), ``csrf`` (the form token) and
``locale`` (the language explicitly chosen with the switch).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from sqlalchemy.orm import Session

from palabre.accounts.models import UserAccount

_NO_USER = object()


def _fingerprint(user: UserAccount) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def load_user(request: Request, db: Session) -> UserAccount | None:
    """The active account signed in on this request, or None (cached on ``request.state``)."""
    cached = getattr(request.state, "user", _NO_USER)
    if cached is not _NO_USER:
        assert cached is None or isinstance(cached, UserAccount)
        return cached
    user: UserAccount | None = None
    uid = request.session.get("uid")
    if isinstance(uid, int):
        candidate = db.get(UserAccount, uid)
        if (
            candidate is not None
            and candidate.is_active
            and hmac.compare_digest(str(request.session.get("pwd", "")), _fingerprint(candidate))
        ):
            user = candidate
    if user is None and "uid" in request.session:
        # A deleted, deactivated or re-passworded account: forget the stale session.
        request.session.pop("uid", None)
        request.session.pop("pwd", None)
    request.state.user = user
    return user


def start_session(request: Request, user: UserAccount) -> None:
    """Sign ``user`` in: a fresh session (new CSRF token), keeping only the language choice."""
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale
    request.session["uid"] = user.id
    request.session["pwd"] = _fingerprint(user)
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.state.user = user


def end_session(request: Request) -> None:
    """Sign out: forget everything but the language choice."""
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale
    request.state.user = None


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token
