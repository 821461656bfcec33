"""The application factory: ``create_app(settings)`` gives the whole web application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Final

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from palabre import __version__
from palabre.config import Settings, get_settings
from palabre.db import indexes
from palabre.db.engine import make_engine, session_factory
from palabre.privacy.audit_buffer import AuditBuffer
from palabre.web import (
    admin_imports,
    admin_views,
    alerts_views,
    api,
    api_admin,
    api_conversations,
    api_crowd,
    api_customers,
    api_dialogue,
    api_innovation,
    api_people,
    api_signal_model,
    auth,
    collector,
    conversations_views,
    corrections_views,
    crowd_views,
    customer_people_views,
    customers_views,
    dialogue_views,
    errors,
    innovation_views,
    leaders_views,
    model_views,
    pages,
    people_views,
    privacy_views,
    trends_views,
)
from palabre.web.access import route_policies, undeclared_routes
from palabre.web.admission import AdmissionMiddleware
from palabre.web.csrf import csrf_protect
from palabre.web.session_cookie import SessionCookieMiddleware
from palabre.web.versioned import VersionedCache

STATIC_DIR: Final = Path(__file__).parent / "static"
SESSION_COOKIE: Final = "palabre_session"


def create_app(settings: Settings | None = None, *, served: bool = False) -> FastAPI:
    """Build the application for the workspace ``settings`` names (default: the environment).

    ``served``: the application is what a server process runs for its whole life
    (``palabre serve``, ``palabre demo``): once started, the objects it was built with are
    set aside from the garbage collector (:func:`palabre.web.collector.settle_heap`).

    ``app.state`` holds ``settings``, ``engine``, ``sessions`` (the session factory),
    ``login_throttle``, ``audit_buffer`` (audit records of reads, written in batches),
    ``versioned`` (aggregates kept while the data stays the same) and ``route_policies``
    (route -> who may call it). The app refuses to be built while a route lacks its access
    declaration.
    """
    settings = settings or get_settings()
    engine = make_engine(settings)
    sessions = session_factory(engine)
    # 0 (a setting) keeps the strictest rule: a view's record commits with its request.
    audit_buffer = AuditBuffer(sessions, max_delay=max(settings.audit_reads_delay, 0.01))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # An import stopped while it had dropped indexes (palabre.db.indexes) left
        # pages slow until they are back.
        indexes.restore_if_current(engine)
        if served:
            collector.settle_heap()
        yield
        # Views audited in the last second are written before the process ends.
        audit_buffer.close()
        engine.dispose()

    app = FastAPI(
        title="palabre",
        version=__version__,
        description="JSON API of palabre, the self-hosted social business platform.",
        openapi_url=f"{api.PREFIX}/openapi.json",
        # The interactive docs load their scripts from a CDN: palabre serves only the schema.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        dependencies=[Depends(csrf_protect)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.audit_buffer = audit_buffer
    app.state.versioned = VersionedCache()
    app.state.login_throttle = auth.LoginThrottle(
        settings.login_max_failures, settings.login_lockout_seconds
    )

    # Added last runs first: admission (below) wraps everything, then the security
    # headers; sessions wrap the routes.
    app.add_middleware(
        SessionCookieMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(errors.SecurityHeadersMiddleware)
    if settings.web_requests_in_flight:
        # Outermost: a request waiting for its turn holds no session, thread or connection.
        app.add_middleware(AdmissionMiddleware, limit=settings.web_requests_in_flight)
    errors.install(app)

    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(people_views.router)
    app.include_router(privacy_views.router)
    app.include_router(privacy_views.api_router)
    app.include_router(conversations_views.router)
    app.include_router(alerts_views.router)
    app.include_router(customers_views.router)
    app.include_router(corrections_views.router)
    app.include_router(corrections_views.api_router)
    app.include_router(model_views.router)
    app.include_router(api_signal_model.router)
    app.include_router(dialogue_views.router)
    app.include_router(innovation_views.router)
    app.include_router(customer_people_views.router)
    app.include_router(leaders_views.router)
    app.include_router(trends_views.router)
    app.include_router(trends_views.api_router)
    app.include_router(crowd_views.router)
    app.include_router(api_people.router)
    app.include_router(api_conversations.router)
    app.include_router(api_customers.router)
    app.include_router(api_dialogue.router)
    app.include_router(api_dialogue.community_router)
    app.include_router(api_innovation.router)
    app.include_router(alerts_views.api_router)
    app.include_router(customer_people_views.api_router)
    app.include_router(api_crowd.router)
    app.include_router(admin_views.router)
    app.include_router(admin_views.segments_router)
    app.include_router(admin_imports.router)
    app.include_router(api_admin.users_router)
    app.include_router(api_admin.imports_router)
    app.include_router(api_admin.segments_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    problems = undeclared_routes(app)
    if problems:
        raise RuntimeError(
            "routes without exactly one access declaration (public(), authenticated() or "
            "requires(...) from palabre.web.access): " + "; ".join(problems)
        )
    app.state.route_policies = route_policies(app)
    return app


def create_served_app() -> FastAPI:
    """The application of a server process, built from the environment (the factory
    that ``palabre serve``'s worker processes give uvicorn)."""
    return create_app(served=True)
