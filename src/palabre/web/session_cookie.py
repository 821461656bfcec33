"""The signed session cookie, checked once per distinct cookie instead of on every request.

Starlette's ``SessionMiddleware`` verifies the cookie's signature at every request: the
key derived again from the secret, an HMAC of the cookie, base64 and the timestamp,
about 0.1 ms of the server's CPU, the same work for the same bytes each time a browser
comes back. :class:`SessionCookieMiddleware` is that middleware with a signer that
remembers the cookies whose signature it has verified (:class:`VerifiedCookies`): the
signature of the same bytes under the same key cannot become valid or invalid later,
so only the cookie's age is checked again at each request. A cookie whose signature is
wrong is never remembered and is refused each time, as before.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Final, Literal, overload

import itsdangerous
from itsdangerous.encoding import want_bytes
from itsdangerous.exc import SignatureExpired
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

#: Verified cookies a process remembers: a few per signed-in browser; past it, start over.
MAX_REMEMBERED: Final = 10_000


class VerifiedCookies(itsdangerous.TimestampSigner):
    """A :class:`~itsdangerous.TimestampSigner` whose ``unsign`` remembers valid signatures.

    ``max_age`` is checked at every call, against the timestamp inside the cookie, as
    the plain signer does.
    """

    def __init__(self, secret_key: str, *, limit: int = MAX_REMEMBERED) -> None:
        super().__init__(secret_key)
        self.limit = limit
        self._verified: dict[bytes, tuple[bytes, int]] = {}
        self._lock = threading.Lock()

    @overload
    def unsign(
        self,
        signed_value: str | bytes,
        max_age: int | None = None,
        return_timestamp: Literal[False] = False,
    ) -> bytes: ...

    @overload
    def unsign(
        self,
        signed_value: str | bytes,
        max_age: int | None = None,
        return_timestamp: Literal[True] = True,
    ) -> tuple[bytes, datetime]: ...

    def unsign(
        self,
        signed_value: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
    ) -> tuple[bytes, datetime] | bytes:
        """The value signed in ``signed_value``; raises ``BadSignature`` (or its subclass
        ``SignatureExpired`` past ``max_age`` seconds) as the plain signer does."""
        key = want_bytes(signed_value)
        with self._lock:
            known = self._verified.get(key)
        if known is None:
            # Raises on a bad signature: nothing is remembered then.
            value, signed_at = super().unsign(key, return_timestamp=True)
            known = (value, int(signed_at.timestamp()))
            with self._lock:
                if len(self._verified) >= self.limit:
                    self._verified.clear()
                self._verified[key] = known
        value, timestamp = known
        if max_age is not None:
            age = self.get_timestamp() - timestamp
            if age > max_age or age < 0:
                raise SignatureExpired(
                    f"Signature age {age} is not within 0 and {max_age} seconds",
                    payload=value,
                    date_signed=self.timestamp_to_datetime(timestamp),
                )
        if return_timestamp:
            return value, self.timestamp_to_datetime(timestamp)
        return value


class SessionCookieMiddleware(SessionMiddleware):
    """Starlette's ``SessionMiddleware`` (same arguments, same cookie) with a
    :class:`VerifiedCookies` signer."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
    ) -> None:
        super().__init__(
            app,
            secret_key,
            session_cookie=session_cookie,
            max_age=max_age,
            same_site=same_site,
            https_only=https_only,
        )
        self.signer = VerifiedCookies(secret_key)
