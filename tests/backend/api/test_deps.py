"""Rate limits through the API, per client IP, per address and per API key, in process and in Redis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

TWO_PER_MINUTE = "2/minute"


@pytest.fixture(params=["memory", "redis"])
def limited_api(
    request: pytest.FixtureRequest, make_api: Callable[..., httpx.Client]
) -> Callable[..., httpx.Client]:
    """``limited_api(**limits)``: a client of an app whose limiter is in process or in Redis."""

    def make(**limits: Any) -> httpx.Client:
        if request.param == "memory":
            return make_api(**limits)
        prefix = request.getfixturevalue("redis_prefix")
        return make_api(redis_url=request.getfixturevalue("redis_url"), redis_key_prefix=prefix, **limits)

    return make


def _assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= 60
    problem = response.json()
    assert problem["type"] == "/problems/rate-limited"
    assert "the limit is 2/minute" in problem["detail"]


def test_anonymous_route_limited_per_client_ip(limited_api: Callable[..., httpx.Client]) -> None:
    api = limited_api(rate_limit_ip=TWO_PER_MINUTE)

    responses = [api.get("/v1/auth/nonce") for _ in range(3)]

    assert [r.status_code for r in responses[:2]] == [200, 200]
    _assert_rate_limited(responses[2])


def test_session_route_limited_per_address(
    limited_api: Callable[..., httpx.Client], sign_in: Callable[..., dict[str, str]]
) -> None:
    api = limited_api(rate_limit_address=TWO_PER_MINUTE)
    alice, bob = sign_in(api), sign_in(api)

    alice_responses = [api.get("/v1/auth/me", headers=alice) for _ in range(3)]

    assert [r.status_code for r in alice_responses[:2]] == [200, 200]
    _assert_rate_limited(alice_responses[2])
    assert api.get("/v1/auth/me", headers=bob).status_code == 200


def test_operator_route_limited_per_key(
    limited_api: Callable[..., httpx.Client], sign_in_owner: Callable[..., dict[str, str]]
) -> None:
    api = limited_api(rate_limit_api_key=TWO_PER_MINUTE)
    headers = sign_in_owner(api, 1)
    first, second = (
        api.post("/v1/operator-keys", json={"model_id": 1}, headers=headers).json()["key"] for _ in range(2)
    )

    responses = [api.get("/v1/operator-keys/current", headers={"X-API-Key": first}) for _ in range(3)]

    assert [r.status_code for r in responses[:2]] == [200, 200]
    _assert_rate_limited(responses[2])
    assert api.get("/v1/operator-keys/current", headers={"X-API-Key": second}).status_code == 200


def test_redis_limits_are_shared_between_processes(
    make_api: Callable[..., httpx.Client], redis_url: str, redis_prefix: str
) -> None:
    # Two apps stand for two API processes behind one load balancer.
    first, second = (
        make_api(redis_url=redis_url, redis_key_prefix=redis_prefix, rate_limit_ip=TWO_PER_MINUTE)
        for _ in range(2)
    )

    assert first.get("/v1/auth/nonce").status_code == 200
    assert second.get("/v1/auth/nonce").status_code == 200
    _assert_rate_limited(first.get("/v1/auth/nonce"))
