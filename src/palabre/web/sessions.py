"""What the signed session cookie holds, and the account it names.

The cookie (Starlette's ``SessionMiddleware`` as :mod:`palabre.web.session_cookie` sets it up,
signed with the workspace key) holds:
``uid`` (the account id), ``pwd`` (a fingerprint of the password hash, so that a
password change signs out every other session), ``csrf`` (the form token) and
``locale`` (the language explicitly chosen with the switch).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from palabre.accounts.models import UserAccount
from palabre.db import prepared

_NO_USER = object()

#: Every column of the account, by id: read on every request, built once.
_ACCOUNT: Final = sa.select(*UserAccount.__table__.c).where(
    UserAccount.__table__.c.id == sa.bindparam("id")
)


def _fingerprint(user: UserAccount) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def _account(db: Session, uid: int) -> UserAccount | None:
    """The account ``uid`` in ``db``, as ``db.get`` gives it, at a third of its CPU.

    Every request reads its account: through the ORM (``Session.get``) that costs more
    than the query itself. The row is read as a plain row (:mod:`palabre.db.prepared`)
    and made into an account of the session as if the ORM had loaded it
    (``make_transient_to_detached``, then added): changes to it are tracked and
    flushed as usual.
    """
    known = db.identity_map.get(identity_key(UserAccount, uid))
    if isinstance(known, UserAccount):
        return known
    row = prepared.rows(db, _ACCOUNT, {"id": uid}).first()
    if row is None:
        return None
    account = UserAccount(**row._mapping)
    make_transient_to_detached(account)
    db.add(account)
    return account


def load_user(request: Request, db: Session) -> UserAccount | None:
    """The active account signed in on this request, or None (cached on ``request.state``)."""
    cached = getattr(request.state, "user", _NO_USER)
    if cached is not _NO_USER:
        assert cached is None or isinstance(cached, UserAccount)
        return cached
    user: UserAccount | None = None
    uid = request.session.get("uid")
    if isinstance(uid, int):
        candidate = _account(db, uid)
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
