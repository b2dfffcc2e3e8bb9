"""The app's OpenAPI document declares every response, errors as problems."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def spec(api: httpx.Client) -> dict[str, Any]:
    response = api.get("/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]


def test_openapi_api_is_versioned_under_v1(spec: dict[str, Any]) -> None:
    paths = set(spec["paths"])

    assert {p for p in paths if not p.startswith("/v1/")} == {"/healthz", "/metrics"}


def test_openapi_every_error_response_is_a_problem(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM_SCHEMA}}, (
                    f"{method} {path} {status}"
                )


def test_openapi_every_operation_declares_500_and_422_where_input_is_validated(spec: dict[str, Any]) -> None:
    for path, method, operation in _operations(spec):
        takes_input = bool(operation.get("parameters") or operation.get("requestBody"))

        assert "500" in operation["responses"], f"{method} {path}"
        assert ("422" in operation["responses"]) == takes_input, f"{method} {path}"


def test_openapi_authenticated_operations_declare_401_and_429(spec: dict[str, Any]) -> None:
    secured = [(path, method, op) for path, method, op in _operations(spec) if op.get("security")]

    assert {(method.upper(), path) for path, method, _ in secured} == {
        ("GET", "/v1/auth/me"),
        ("POST", "/v1/auth/logout"),
        ("POST", "/v1/operator-keys"),
        ("GET", "/v1/operator-keys"),
        ("GET", "/v1/operator-keys/current"),
        ("DELETE", "/v1/operator-keys/{key_id}"),
        ("POST", "/v1/usage"),
        ("GET", "/v1/usage/batches/{batch_id}"),
        ("POST", "/v1/contributions"),
        ("PUT", "/v1/datasets/{dataset_id}/rules"),
    }
    for path, method, operation in secured:
        assert {"401", "429"} <= set(operation["responses"]), f"{method} {path}"
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_openapi_problem_schema_is_rfc9457(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]

    assert set(schemas["Problem"]["properties"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "errors",
    }
    assert "FieldError" in schemas
    assert "HTTPValidationError" not in schemas


def test_docs_redirectsToVersionedApiBrowser(api: httpx.Client) -> None:
    response = api.get("/docs", follow_redirects=True)
    assert response.status_code == 200
    assert str(response.url).endswith("/v1/docs")
    assert "swagger" in response.text.lower()


def test_webApp_servedAtTheRootBesideTheApi(api: httpx.Client) -> None:
    page = api.get("/")
    (script,) = re.findall(r'src="(/assets/[^"]+\.js)"', page.text)
    code = api.get(script)
    unknown_path = api.get("/v1/no-such-resource")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<div id="root"></div>' in page.text
    assert code.status_code == 200
    assert code.headers["content-type"].startswith("text/javascript")
    assert unknown_path.status_code == 404
    assert unknown_path.headers["content-type"] == "application/problem+json"
