"""Use cases over local accounts: create, change role or password, authenticate, deactivate.

Services never commit: the command or the request that calls them is the
transaction boundary. Every change writes an audit record in the same transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from palabre.accounts.models import ROLES, UserAccount
from palabre.db.base import utcnow
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Person
from palabre.privacy.audit import record

PASSWORD_MIN_LENGTH: Final = 10
PASSWORD_MAX_LENGTH: Final = 1024
USERNAME_PATTERN: Final = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,149}$")
LOCALES: Final[tuple[str, ...]] = ("en", "fr")


_hasher = PasswordHasher()  # argon2id, argon2-cffi's defaults (RFC 9106 low-memory profile)
_dummy_hashes: dict[int, str] = {}


def password_hasher() -> PasswordHasher:
    """The argon2id hasher new passwords are hashed with."""
    return _hasher


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with ``hasher`` from now on; returns the previous one.

    Stored hashes made with other parameters still verify, and are upgraded to the
    new parameters at the next successful sign-in. The test suite uses this to
    trade strength for speed; production keeps the defaults.
    """
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def _dummy_hash() -> str:
    # Verifying against this when the username is unknown makes a failed sign-in
    # take about as long whether or not the account exists.
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def normalize_username(username: str) -> str:
    """The stored form of a username (trimmed, lower-case), or a ValidationError saying why not."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValidationError(
            f"username {username!r}: use 2 to 150 characters among letters, digits and . _ @ + - "
            "(starting with a letter or digit)"
        )
    return name


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else a ValidationError listing them."""
    if role not in ROLES:
        raise ValidationError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """``password`` if it is long enough (and not absurdly long), else a ValidationError."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(f"password: use at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(f"password: use at most {PASSWORD_MAX_LENGTH} characters")
    return password


def check_locale(locale: str | None) -> str | None:
    """``locale`` if palabre's interface speaks it (or None), else a ValidationError."""
    if locale is not None and locale not in LOCALES:
        raise ValidationError(f"locale {locale!r} is not one of: {', '.join(LOCALES)}")
    return locale


def generate_password() -> str:
    """A random password of about 120 bits, easy to copy (URL-safe characters)."""
    return secrets.token_urlsafe(15)


def find_user(session: Session, username: str) -> UserAccount | None:
    """The account with this username (any case), or None."""
    name = username.strip().lower()
    return session.scalar(sa.select(UserAccount).where(UserAccount.username == name))


def get_user(session: Session, username: str) -> UserAccount:
    """The account with this username, or a NotFoundError naming it."""
    user = find_user(session, username)
    if user is None:
        raise NotFoundError(f"no account named {username!r}")
    return user


def list_users(session: Session) -> list[UserAccount]:
    """Every account, by username."""
    return list(session.scalars(sa.select(UserAccount).order_by(UserAccount.username)))


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    password: str,
    actor: str,
    display_name: str | None = None,
    person_id: int | None = None,
    locale: str | None = None,
) -> UserAccount:
    """Create an active account; refuses a taken username, an unknown role or person."""
    name = normalize_username(username)
    check_role(role)
    check_password(password)
    check_locale(locale)
    if find_user(session, name) is not None:
        raise ConflictError(f"an account named {name!r} already exists")
    if person_id is not None and session.get(Person, person_id) is None:
        raise NotFoundError(f"person {person_id} does not exist (see `palabre people`)")
    user = UserAccount(
        username=name,
        display_name=display_name,
        password_hash=password_hasher().hash(password),
        role=role,
        person_id=person_id,
        locale=locale,
        is_active=True,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="account.create",
        subject_type="user_account",
        subject_id=user.id,
        details={"username": name, "role": role, "person_id": person_id},
    )
    return user


def set_role(session: Session, username: str, role: str, *, actor: str) -> UserAccount:
    """Give the account another role (audited with the old and the new one)."""
    user = get_user(session, username)
    check_role(role)
    before = user.role
    user.role = role
    record(
        session,
        actor=actor,
        action="account.set_role",
        subject_type="user_account",
        subject_id=user.id,
        details={"username": user.username, "from": before, "to": role},
    )
    return user


def set_password(session: Session, username: str, password: str, *, actor: str) -> UserAccount:
    """Replace the account's password (the audit record never holds the password)."""
    user = get_user(session, username)
    check_password(password)
    user.password_hash = password_hasher().hash(password)
    record(
        session,
        actor=actor,
        action="account.set_password",
        subject_type="user_account",
        subject_id=user.id,
        details={"username": user.username},
    )
    return user


def set_locale(session: Session, user: UserAccount, locale: str | None, *, actor: str) -> None:
    """Remember the interface language the account chose (None: follow the browser)."""
    check_locale(locale)
    if user.locale == locale:
        return
    before = user.locale
    user.locale = locale
    record(
        session,
        actor=actor,
        action="account.set_locale",
        subject_type="user_account",
        subject_id=user.id,
        details={"username": user.username, "from": before, "to": locale},
    )


def deactivate(session: Session, username: str, *, actor: str) -> UserAccount:
    """Stop the account from signing in; its history and audit trail stay."""
    user = get_user(session, username)
    if user.is_active:
        user.is_active = False
        record(
            session,
            actor=actor,
            action="account.deactivate",
            subject_type="user_account",
            subject_id=user.id,
            details={"username": user.username},
        )
    return user


@dataclass(frozen=True)
class AuthResult:
    """The outcome of a sign-in attempt: the account when it succeeded, else why not."""

    user: UserAccount | None
    reason: str | None = None


def authenticate(session: Session, username: str, password: str, *, actor: str) -> AuthResult:
    """Check a username and password; records the attempt in the audit log.

    The time taken does not reveal whether the username exists (an unknown name
    is verified against a dummy hash). On success the hash is upgraded when the
    hasher's parameters changed since it was made, and ``last_login_at`` is set.
    """
    hasher = password_hasher()
    user = find_user(session, username)
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        hasher.verify(stored, password)
        verified = True
    except (VerificationError, InvalidHashError):
        verified = False
    if user is None or not verified or not user.is_active:
        reason = "unknown" if user is None else ("password" if not verified else "inactive")
        record(
            session,
            actor=actor,
            action="account.signin_failed",
            subject_type="user_account",
            subject_id=None if user is None else user.id,
            # The attempted name is kept (it may be a typo of a real one) but never the password.
            details={"username": username.strip().lower()[:150], "reason": reason},
        )
        return AuthResult(user=None, reason=reason)
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    record(
        session,
        actor=actor,
        action="account.signin",
        subject_type="user_account",
        subject_id=user.id,
        details={"username": user.username},
    )
    return AuthResult(user=user)
