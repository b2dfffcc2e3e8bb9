"""/healthz reports whether the database answers; /metrics counts requests by route template."""

from __future__ import annotations

from collections.abc import Callable

import httpx


def test_healthz_database_up_is_ok(api: httpx.Client) -> None:
    response = api.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_database_down_is_503_problem(make_api: Callable[..., httpx.Client]) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    api = make_api(database_url="postgresql://postgres@127.0.0.1:1/none")

    response = api.get("/healthz")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/database-unavailable"


def test_metrics_counts_requests_by_route_template(api: httpx.Client, sign_in: Callable[..., dict]) -> None:
    headers = sign_in(api)
    for key_id in (101, 102, 103):  # three paths, one template
        api.delete(f"/v1/operator-keys/{key_id}", headers=headers)
    api.get("/no/such/route")

    metrics = api.get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert (
        'provenant_http_requests_total{method="DELETE",route="/v1/operator-keys/{key_id}",status="404"} 3.0'
        in text
    )
    assert 'provenant_http_requests_total{method="POST",route="/v1/auth/login",status="200"} 1.0' in text
    assert 'provenant_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert (
        'provenant_http_request_duration_seconds_count{method="DELETE",route="/v1/operator-keys/{key_id}"} 3.0'
        in text
    )
    assert "/v1/operator-keys/101" not in text
