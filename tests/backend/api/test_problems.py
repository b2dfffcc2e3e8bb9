"""Every error is an RFC 9457 problem a person can act on, and none leaks internals."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

PROBLEM = "application/problem+json"


def test_unknown_route_is_404_problem(api: httpx.Client) -> None:
    response = api.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is nothing at /v1/nothing-here; the API is described at /v1/openapi.json.",
        "instance": "/v1/nothing-here",
    }


def test_wrong_method_is_405_problem_with_allow(api: httpx.Client) -> None:
    response = api.put("/v1/auth/nonce")

    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["detail"] == "PUT is not allowed on /v1/auth/nonce; allowed: GET."


@pytest.mark.parametrize(
    ("path", "allow"), [("/v1/operator-keys", "GET, POST"), ("/v1/operator-keys/current", "GET")]
)
def test_wrong_method_allow_lists_every_route_on_path(api: httpx.Client, path: str, allow: str) -> None:
    response = api.request("OPTIONS", path)

    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_body_not_utf8_is_400_problem(api: httpx.Client) -> None:
    response = api.post(
        "/v1/auth/login", content=b'{"message": "\xff\xfe"}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


def test_validation_error_names_each_bad_field(api: httpx.Client) -> None:
    response = api.post("/v1/auth/login", json={"message": "", "signature": "0x1234"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert [(e["field"], e["type"]) for e in problem["errors"]] == [
        ("body.message", "string_too_short"),
        ("body.signature", "string_pattern_mismatch"),
    ]
    assert "body.message" in problem["detail"]
    assert "body.signature" in problem["detail"]


def test_invalid_json_is_422_problem_with_position(api: httpx.Client) -> None:
    response = api.post(
        "/v1/auth/login", content=b'{"message": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert response.json()["errors"][0]["message"].startswith("invalid JSON at character 12")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_413_problem(api: httpx.Client, chunked: bool) -> None:
    body = json.dumps({"message": "x" * 70_000, "signature": "0x"}).encode()
    content = iter([body[:1000], body[1000:]]) if chunked else body  # an iterator is sent chunked

    response = api.post("/v1/auth/login", content=content, headers={"content-type": "application/json"})

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "The request body is larger than POST /v1/auth/login accepts."


def test_unexpected_error_is_500_problem_without_internals(make_api: Callable[..., httpx.Client]) -> None:
    def explode() -> None:
        raise RuntimeError("password=hunter2 in /srv/secret/path.py")

    api = make_api(configure=lambda app: app.add_api_route("/v1/explode", explode, include_in_schema=False))

    response = api.get("/v1/explode")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "hunter2" not in response.text
    assert "secret" not in response.text
    assert response.json()["detail"].startswith("The server failed to handle this request.")
