"""The session cookie's signer remembers valid signatures, never invalid ones, and
checks the cookie's age at every request."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import itsdangerous
import pytest
import sqlalchemy as sa
from itsdangerous.exc import BadSignature, SignatureExpired
from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts.models import UserAccount
from palabre.web.session_cookie import VerifiedCookies
from palabre.web.sessions import _fingerprint, load_user
from tests.web.conftest import Account
from tests.web.querycount import statements


def _request_of(db: Session, uid: int) -> Any:
    # load_user reads the session's uid and password fingerprint, and keeps the account
    # on request.state.
    account = db.get(UserAccount, uid)
    assert account is not None
    session = {"uid": uid, "pwd": _fingerprint(account)}
    db.expunge(account)
    return SimpleNamespace(session=session, state=SimpleNamespace())


class _Clock(VerifiedCookies):
    """A signer whose clock the test sets."""

    now = 1_800_000_000

    def get_timestamp(self) -> int:
        return self.now


def test_a_remembered_cookie_reads_as_the_plain_signer_reads_it() -> None:
    plain = itsdangerous.TimestampSigner("secret")
    remembering = VerifiedCookies("secret")
    cookie = plain.sign(b"eyJ1aWQiOiAxfQ==")
    assert remembering.unsign(cookie, max_age=60) == b"eyJ1aWQiOiAxfQ=="
    assert remembering.unsign(cookie, max_age=60) == plain.unsign(cookie, max_age=60)
    value, signed_at = remembering.unsign(cookie, return_timestamp=True)
    assert (value, signed_at) == plain.unsign(cookie, return_timestamp=True)


def test_a_cookie_with_a_wrong_signature_is_refused_every_time() -> None:
    remembering = VerifiedCookies("secret")
    forged = itsdangerous.TimestampSigner("another secret").sign(b"eyJ1aWQiOiAxfQ==")
    tampered = VerifiedCookies("secret").sign(b"eyJ1aWQiOiAxfQ==")[:-2] + b"xx"
    for cookie in (forged, tampered, forged, tampered):
        with pytest.raises(BadSignature):
            remembering.unsign(cookie)


def test_a_remembered_cookie_expires_at_its_age_not_when_it_was_remembered() -> None:
    signer = _Clock("secret")
    cookie = signer.sign(b"payload")
    assert signer.unsign(cookie, max_age=100) == b"payload"  # remembered from here on
    signer.now += 100
    assert signer.unsign(cookie, max_age=100) == b"payload"
    signer.now += 1
    with pytest.raises(SignatureExpired):
        signer.unsign(cookie, max_age=100)


def test_a_cookie_signed_in_the_future_is_refused() -> None:
    signer = _Clock("secret")
    cookie = signer.sign(b"payload")
    signer.now -= 5
    with pytest.raises(SignatureExpired):
        signer.unsign(cookie, max_age=100)


def test_the_remembered_cookies_are_bounded() -> None:
    signer = VerifiedCookies("secret", limit=3)
    cookies = [signer.sign(f"v{i}".encode()) for i in range(10)]
    for cookie in cookies:
        signer.unsign(cookie)
    assert len(signer._verified) <= 3
    assert [signer.unsign(c) for c in cookies] == [f"v{i}".encode() for i in range(10)]


def test_the_signed_in_account_is_read_once_and_its_changes_are_saved(
    sessions: sessionmaker[Session], make_account: Callable[..., Account]
) -> None:
    made = make_account("member")
    with sessions() as db:
        uid = db.scalar(sa.select(UserAccount.id).where(UserAccount.username == made.username))
        assert uid is not None
        request = _request_of(db, uid)
        with statements(db.get_bind()) as seen:  # type: ignore[arg-type]
            user = load_user(request, db)
            assert user is not None
            assert (user.role, user.username) == ("member", made.username)
            # The same session keeps it: asking again reads nothing.
            assert db.get(UserAccount, uid) is user
        assert len(seen) == 1
        user.locale = "fr"
        db.commit()
    with sessions() as db:
        assert db.scalar(sa.select(UserAccount.locale).where(UserAccount.id == uid)) == "fr"
