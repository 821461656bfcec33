"""Local accounts: creation rules, roles, passwords, authentication, and their audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from palabre.accounts import service
from palabre.accounts.models import UserAccount
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Person
from palabre.privacy.models import AuditEntry

SECRET = "a long enough secret"


def _actions(session: Session) -> list[str]:
    return list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_an_account_is_created_with_a_hash_never_the_password(session: Session) -> None:
    person = Person(display_name="Léa Martin", kind="employee")
    session.add(person)
    session.flush()
    user = service.create_user(
        session,
        username=" Lea.Martin ",
        role="hr",
        password=SECRET,
        actor="test",
        person_id=person.id,
        locale="fr",
    )
    assert user.username == "lea.martin"
    assert user.password_hash.startswith("$argon2id$")
    assert SECRET not in user.password_hash
    assert _actions(session) == ["account.create"]
    entry = session.scalars(sa.select(AuditEntry)).one()
    assert SECRET not in str(entry.details)


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"username": "x"}, ValidationError, "username 'x'"),
        ({"username": "has space"}, ValidationError, "username"),
        ({"role": "boss"}, ValidationError, "role 'boss' is not one of: admin, analyst"),
        ({"password": "short"}, ValidationError, "at least 10 characters"),
        ({"locale": "de"}, ValidationError, "locale 'de'"),
        ({"person_id": 999}, NotFoundError, "person 999 does not exist"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    session: Session, fields: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {"username": "ok-name", "role": "member", "password": SECRET}
    arguments.update(fields)
    with pytest.raises(error, match=message):
        service.create_user(session, actor="test", **arguments)  # type: ignore[arg-type]
    assert session.scalars(sa.select(UserAccount)).all() == []


def test_usernames_are_unique_whatever_their_case(session: Session) -> None:
    service.create_user(session, username="marc", role="member", password=SECRET, actor="t")
    with pytest.raises(ConflictError, match="'marc' already exists"):
        service.create_user(session, username="MARC", role="admin", password=SECRET, actor="t")


def test_authentication_checks_the_password_and_records_the_attempt(session: Session) -> None:
    service.create_user(session, username="ana", role="analyst", password=SECRET, actor="t")
    assert service.authenticate(session, "ana", "wrong password", actor="web").user is None
    assert service.authenticate(session, "nobody", SECRET, actor="web").reason == "unknown"
    result = service.authenticate(session, "ANA", SECRET, actor="web")
    assert result.user is not None
    assert result.user.username == "ana"
    assert result.user.last_login_at is not None
    assert _actions(session) == [
        "account.create",
        "account.signin_failed",
        "account.signin_failed",
        "account.signin",
    ]


def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(session: Session) -> None:
    service.create_user(session, username="old", role="member", password=SECRET, actor="t")
    user = service.get_user(session, "old")
    before = user.password_hash
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    previous = service.use_password_hasher(stronger)
    try:
        assert service.authenticate(session, "old", SECRET, actor="web").user is user
    finally:
        service.use_password_hasher(previous)
    assert user.password_hash != before
    assert not stronger.check_needs_rehash(user.password_hash)
    assert stronger.verify(user.password_hash, SECRET)


def test_role_password_and_deactivation_changes_are_audited(session: Session) -> None:
    service.create_user(session, username="sam", role="member", password=SECRET, actor="t")
    service.set_role(session, "sam", "manager", actor="cli:root")
    service.set_password(session, "sam", "another good secret", actor="cli:root")
    service.deactivate(session, "sam", actor="cli:root")
    user = service.get_user(session, "sam")
    assert (user.role, user.is_active) == ("manager", False)
    assert service.authenticate(session, "sam", "another good secret", actor="web").reason == (
        "inactive"
    )
    assert _actions(session)[1:4] == [
        "account.set_role",
        "account.set_password",
        "account.deactivate",
    ]
    role_change = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "account.set_role")
    ).one()
    assert role_change.details == {"username": "sam", "from": "member", "to": "manager"}
    with pytest.raises(ValidationError):
        service.set_role(session, "sam", "superuser", actor="cli:root")
    with pytest.raises(NotFoundError, match="no account named 'ghost'"):
        service.set_role(session, "ghost", "admin", actor="cli:root")
