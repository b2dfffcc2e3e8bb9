"""Errors as RFC 9457 problem details (``application/problem+json``), for every error the API returns.

``type`` is ``about:blank`` when the HTTP status says it all (unknown route, unexpected error), otherwise a
relative URI ``/problems/<name>`` naming the problem (listed in docs/backend.md), so clients can tell, say, a
reused sign-in nonce from an expired one without parsing ``detail``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_MEDIA_TYPE = "application/problem+json"
_PROBLEM_REF = "#/components/schemas/Problem"


class FieldError(BaseModel):
    field: str = Field(description="where the bad value is: `body.<field>`, `query.<name>`, `path.<name>`")
    message: str
    type: str = Field(description="machine-readable kind of error, e.g. `missing`, `string_too_long`")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", description="what kind of problem: `about:blank` or `/problems/<name>`")
    title: str = Field(description="short summary of the problem type")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong in this request, and what to do about it")
    instance: str | None = Field(None, description="the request path")
    errors: list[FieldError] | None = Field(None, description="each invalid field (validation errors only)")


class ProblemError(Exception):
    """Raised anywhere in a request to answer with a problem. ``name`` gives the type ``/problems/<name>``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        name: str | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = f"/problems/{name}" if name else "about:blank"
        self.title = title or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        if status == 401:
            # RFC 9110: a 401 names the scheme that would authenticate; every credential here is a bearer one.
            self.headers.setdefault("WWW-Authenticate", 'Bearer realm="provenant"')


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    problem = Problem(
        type=exc.type, title=exc.title, status=exc.status, detail=exc.detail, instance=request.url.path
    )
    return problem_response(problem, exc.headers)


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette lists the methods of the first route on the path only; a path can have several.
        headers["Allow"] = ", ".join(_allowed_methods(request))
    # Starlette's details only restate the status ("Content Too Large" is 413's RFC 9110 name).
    if exc.detail not in (phrase, "Content Too Large"):
        detail = exc.detail
    else:
        detail = _default_detail(exc.status_code, request.method, request.url.path, headers.get("Allow", ""))
    problem = Problem(title=phrase, status=exc.status_code, detail=detail, instance=request.url.path)
    return problem_response(problem, headers)


def _allowed_methods(request: Request) -> list[str]:
    allowed: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            allowed |= route.methods or set()
    return sorted(allowed)


def _default_detail(status: int, method: str, path: str, allowed: str) -> str:
    if status == 404:
        return f"There is nothing at {path}; the API is described at /v1/openapi.json."
    if status == 405:
        return f"{method} is not allowed on {path}; allowed: {allowed}."
    if status == 413:
        return f"The request body is larger than {method} {path} accepts."
    return HTTPStatus(status).description


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    listed = "; ".join(f"{error.field}: {error.message}" for error in errors)
    problem = Problem(
        type="/problems/validation-error",
        title="Invalid request",
        status=422,
        detail=f"The request is invalid ({listed}).",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(problem)


def _field_error(error: Mapping[str, Any]) -> FieldError:
    location = [str(part) for part in error["loc"]]
    if error["type"] == "json_invalid":
        # The location of a JSON syntax error is a character offset in the body, not a field.
        reason = error.get("ctx", {}).get("error", "")
        return FieldError(
            field="body", message=f"invalid JSON at character {location[-1]}: {reason}", type="json_invalid"
        )
    return FieldError(field=".".join(location), message=error["msg"], type=error["type"])


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the server log (Starlette re-raises after this response); none of it to the client.
    problem = Problem(
        title="Internal Server Error",
        status=500,
        detail="The server failed to handle this request. It has been logged; please try again later.",
        instance=request.url.path,
    )
    return problem_response(problem)


class ProblemSafetyNetMiddleware:
    """Turns an error response that bypassed the exception handlers into a problem. Starlette's body-size
    limit is one: when Content-Length exceeds a route's ``max_body_size`` it answers 413 in plain text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_as_problem(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message["headers"]))
                if message["status"] >= 400 and headers.get("content-type") != PROBLEM_MEDIA_TYPE:
                    replaced = True
                    await self._send_problem(scope, message["status"], headers, send)
                    return
            if not replaced:
                await send(message)

        await self.app(scope, receive, send_as_problem)

    @staticmethod
    async def _send_problem(scope: Scope, status: int, headers: MutableHeaders, send: Send) -> None:
        allowed = headers.get("allow", "")
        problem = Problem(
            title=HTTPStatus(status).phrase,
            status=status,
            detail=_default_detail(status, scope["method"], scope["path"], allowed),
            instance=scope["path"],
        )
        body = json.dumps(problem.model_dump(exclude_none=True)).encode()
        headers["content-type"] = PROBLEM_MEDIA_TYPE
        headers["content-length"] = str(len(body))
        await send({"type": "http.response.start", "status": status, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected_error)
    app.add_middleware(ProblemSafetyNetMiddleware)


_DESCRIPTIONS = {
    400: "The request body could not be read (e.g. it is not UTF-8)",
    401: "Missing, unknown, expired or revoked credentials",
    403: "Authenticated, but not allowed: `detail` names the rule",
    404: "No such resource (or not yours)",
    413: "The request body is too large",
    415: "The file's media type is not accepted",
    422: "Invalid request: `errors` names each bad field",
    429: "Too many requests: wait `Retry-After` seconds",
    500: "Unexpected server error (details are logged, not returned)",
    503: "A service the API depends on is unreachable",
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "the authentication scheme", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds until the limit resets", "schema": {"type": "integer"}}},
}


def problem_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for problems with these statuses; ``descriptions`` overrides the default
    description of a status by its name (e.g. ``unauthorized="The signature was rejected"``)."""
    named = {HTTPStatus(status).name.lower(): status for status in statuses}
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _PROBLEM_REF}}},
        }
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    for name, description in descriptions.items():
        responses[named[name]]["description"] = description
    return responses


def install_problem_openapi(app: FastAPI) -> None:
    """Completes the OpenAPI document: validation errors (declared by FastAPI wherever a request has
    parameters or a body), unreadable or oversized bodies and unexpected errors (possible everywhere) are
    problems too."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            defaults = problem_responses(400, 413, 422, 500)
            for path_item in schema["paths"].values():
                for operation in path_item.values():
                    responses = operation["responses"]
                    if "422" in responses:
                        responses["422"] = defaults[422]
                    if "requestBody" in operation:
                        responses.setdefault("400", defaults[400])
                        responses.setdefault("413", defaults[413])
                    responses.setdefault("500", defaults[500])
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem.pop("$defs"))
            components["Problem"] = problem
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
