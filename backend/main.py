"""The HTTP API: ``create_app`` builds it from settings.

Run it with ``uvicorn --factory backend.main:create_app`` (settings from the environment) after
``alembic upgrade head``. The API lives under ``/v1`` (its description at ``/v1/openapi.json``, browsable at
``/v1/docs``); ``/healthz`` and ``/metrics`` serve operations. The web app (``frontend/dist``, built by
``make install``) is served at ``/`` when it has been built.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from backend.api import (
    auth,
    contributions,
    datasets,
    deployment,
    health,
    licences,
    models,
    operator_keys,
    proposals,
    provenance,
    rewards,
    usage,
)
from backend.api.problems import install_problem_handlers, install_problem_openapi
from backend.core.metrics import EpochCloseMetrics, HttpMetrics, MetricsMiddleware
from backend.core.queue import create_celery
from backend.core.rate_limit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from backend.core.resources import Resources
from backend.core.settings import Settings, get_settings
from backend.services.licences import LicenceValidityCache

WEB_APP = Path(__file__).resolve().parent.parent / "frontend" / "dist"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API for ``settings`` (default: ``get_settings()``, i.e. the environment)."""
    settings = settings or get_settings()
    # The database, and the chain client and content store made on first use by the routes that read them.
    resources = Resources(settings)
    engine = resources.engine
    rate_limiter: RateLimiter = (
        RedisRateLimiter(settings.redis_url, prefix=settings.redis_key_prefix)
        if settings.redis_url
        else InMemoryRateLimiter()
    )
    metrics = HttpMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What the process built up to now lives as long as it serves: keep it out of the collector's full
        # passes, which would otherwise walk these ~200k objects every few requests that allocate a lot
        # (a usage batch: a third of the API's CPU went there). And collect less often: a request's objects
        # are freed by reference counting, but a collection every 700 allocations catches those of the
        # requests in flight and promotes them, which brings on more full passes. Undone when the app stops.
        thresholds = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(50_000, *thresholds[1:])
        yield
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        rate_limiter.close()
        engine.dispose()

    app = FastAPI(
        title="Provenant API",
        version="0.1.0",
        description="Licensing and provenance for AI models. Errors are RFC 9457 problem details.",
        lifespan=lifespan,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        swagger_ui_oauth2_redirect_url="/v1/docs/oauth2-redirect",
        redoc_url=None,
    )
    app.state.resources = resources
    app.state.sessions = resources.session
    app.state.licence_validity = LicenceValidityCache(session_factory=resources.session)
    app.state.rate_limiter = rate_limiter
    app.state.metrics = metrics
    metrics.registry.register(EpochCloseMetrics(resources.session))
    app.state.queue = create_celery(settings)
    # Routes depend on get_settings (the environment); this app answers with its own settings instead.
    app.dependency_overrides[get_settings] = lambda: settings

    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    # Each router carries its whole prefix (/v1/...): the route's own path is then the template that
    # metrics are labelled with (a prefix added when including a router is not part of it).
    # Licences first: routes are matched in order, and gateways check validity on every call they serve.
    for router in (
        licences.router,
        auth.router,
        operator_keys.router,
        usage.router,
        contributions.router,
        models.router,
        datasets.router,
        proposals.router,
        rewards.router,
        provenance.router,
        deployment.router,
        health.router,
    ):
        app.include_router(router)

    @app.get("/docs", include_in_schema=False)
    def docs_redirect() -> RedirectResponse:
        """The API browser lives with the API, under /v1; /docs is where people look first."""
        return RedirectResponse("/v1/docs")

    install_problem_openapi(app)
    if (WEB_APP / "index.html").is_file():
        # The app's own routes live in the URL fragment: one page, and the files Vite puts under assets/.
        app.mount("/assets", StaticFiles(directory=WEB_APP / "assets"), name="web-app-assets")

        @app.get("/", include_in_schema=False)
        def web_app() -> FileResponse:
            return FileResponse(WEB_APP / "index.html")

    return app
