"""CSRF protection: every unsafe request must carry the session's token.

Forms send it in the hidden field ``csrf_token`` (the ``csrf_field()`` template helper
writes it); htmx and scripts send it in the ``X-CSRF-Token`` header (``base.html``
sets it for every htmx request). The check is a dependency of the whole
application, so no route can forget it.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from palabre.errors import PalabreError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfRejectedError(PalabreError):
    """An unsafe request came without the session's CSRF token (or with a wrong one)."""

    http_status = 403


async def csrf_protect(request: Request) -> None:
    """Refuse (403) an unsafe request whose token is missing or differs from the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        # FastAPI has usually parsed the form already; Starlette caches it on the request.
        value = (await request.form()).get(FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRejectedError(
            "this form has expired or did not come from palabre: reload the page and try again"
        )
