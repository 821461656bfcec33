"""Error answers and security headers.

A :class:`~palabre.errors.PalabreError` becomes its ``http_status``: JSON
(``{"detail": message}``) under ``/api``, an error page elsewhere. A visitor who is
not signed in is sent to the sign-in page instead of seeing a 401 page.
"""

from __future__ import annotations

import logging
from typing import Final
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palabre.errors import PalabreError
from palabre.web.access import NotSignedInError
from palabre.web.sessions import load_user
from palabre.web.templating import current_path, render

log = logging.getLogger("palabre.web")

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CONTENT_SECURITY_POLICY: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_api(request: Request) -> bool:
    """Whether the request is for the JSON API (errors answer in JSON there)."""
    return request.url.path == "/api" or request.url.path.startswith("/api/")


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every response; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not static:
                    # Pages show personal data: keep them out of shared caches and history.
                    extra["Cache-Control"] = "no-store"
                for name, value in extra.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _reader(request: Request) -> None:
    # The request's own session is gone (rolled back and closed, its objects expired) or
    # never opened (unknown path): load the reader again in a short session of its own,
    # so the error page still shows who is signed in. A broken database must not hide
    # the error itself.
    if hasattr(request.state, "user"):
        del request.state.user
    try:
        with request.app.state.sessions() as db:
            load_user(request, db)
    except Exception:
        request.state.user = None


def error_response(request: Request, status: int, message: str | None) -> Response:
    """The error answer for ``status``: JSON under ``/api``, else the error page."""
    if is_api(request):
        return JSONResponse({"detail": message or ""}, status_code=status)
    _reader(request)
    context = {"status": status, "message": message}
    return render(request, "error.html", context, status_code=status)


async def palabre_error(request: Request, exc: Exception) -> Response:
    """A PalabreError: its status and message (a missing sign-in redirects pages)."""
    assert isinstance(exc, PalabreError)
    if isinstance(exc, NotSignedInError) and not is_api(request):
        target = quote(current_path(request), safe="") if request.method == "GET" else "%2F"
        return RedirectResponse(f"/signin?next={target}", status_code=303)
    return error_response(request, exc.http_status, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors (unknown path 404, wrong method 405) in palabre's shape."""
    assert isinstance(exc, StarletteHTTPException)
    response = error_response(
        request, exc.status_code, None if exc.status_code == 404 else exc.detail
    )
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def validation_error(request: Request, exc: Exception) -> Response:
    """Malformed input: the fields and what is wrong with each (422)."""
    assert isinstance(exc, RequestValidationError)
    if is_api(request):
        return JSONResponse({"detail": exc.errors()}, status_code=422)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'][1:])}: {error['msg']}"
        for error in exc.errors()
    )
    return error_response(request, 422, problems)


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected failure: logged with its traceback, shown without details (500)."""
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    # This answer leaves through Starlette's outermost middleware, past ours: add the headers here.
    try:
        response = error_response(request, 500, None)
    except Exception:
        response = Response("internal server error", status_code=500, media_type="text/plain")
    response.headers.update(SECURITY_HEADERS)
    return response


def install(app: FastAPI) -> None:
    """Register palabre's error handlers on ``app``."""
    app.add_exception_handler(PalabreError, palabre_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)
