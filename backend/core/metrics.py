"""Prometheus metrics of the HTTP API: request counts and latency by route template.

Labels use the route's template (``/v1/operator-keys/{key_id}``), never the raw path, so the number of
series stays bounded whatever clients request; requests that match no route share the label ``unmatched``.
Each app has its own registry (so several apps can live in one process, as in the tests). With several
uvicorn worker processes, each serves its own counts: use prometheus-client's multiprocess mode then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.models.epochs import EpochClose, SettlementSetAside

UNMATCHED_ROUTE = "unmatched"


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        self.requests = Counter(
            "provenant_http_requests",
            "HTTP requests handled, by method, route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "provenant_http_request_duration_seconds",
            "Time to handle an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )


class EpochCloseMetrics(Collector):
    """What the epoch closes could not do, read from the database at each scrape (the epoch job runs in the
    workers, whose processes serve no metrics): licence settlements set aside, and steps given up."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def collect(self) -> Iterator[CounterMetricFamily]:
        with self.session_factory() as session:
            set_aside = session.scalar(select(func.count()).select_from(SettlementSetAside)) or 0
            given_up = sum(
                failure["given_up"]
                for failures in session.scalars(select(EpochClose.failures))
                for failure in failures.values()
            )
        yield CounterMetricFamily(
            "provenant_settlements_set_aside",
            "Licence settlements an epoch close set aside because they reverted alone in their batch",
            value=set_aside,
        )
        yield CounterMetricFamily(
            "provenant_epoch_steps_given_up",
            "Epoch-close steps given up after failing every attempt (the epoch closed without them)",
            value=given_up,
        )


class MetricsMiddleware:
    """ASGI middleware recording every HTTP request in ``metrics`` (an unhandled error counts as a 500)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # The router stores the matched route in the scope; its path format is the template.
            route = getattr(scope.get("route"), "path_format", UNMATCHED_ROUTE)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
