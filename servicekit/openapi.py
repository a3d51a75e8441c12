"""A service's OpenAPI document and the pages that show it (`/docs`, `/redoc`).

FastAPI describes what a route declares; it cannot see what the kit answers around the route:
the problem handlers (422 for bad input), the request limits (413, 408, 431), the readiness
gate (503 NOT_READY), the credentials (401 and 403 of the admin token and of the login token).
`complete` adds those answers to every operation, each as the one `Problem` schema, so the
document lists every status a route can answer. The credentials are declared by the
dependencies themselves (`servicekit.admin`, `servicekit.tokens` use FastAPI's `HTTPBearer`):
FastAPI puts their security schemes on exactly the operations that need them.

Swagger UI and ReDoc come from the `fastapi-offline` package and are served by the service
itself: the pages work without internet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import HTMLResponse

from servicekit.errors import PROBLEM_JSON

PROBLEM_REF = "#/components/schemas/Problem"
ASSETS = "/docs-assets"
"""Where Swagger UI's and ReDoc's scripts are served (open while the service starts)."""
OPEN_PATHS = frozenset({"/health", "/ready", "/docs", "/openapi.json", "/redoc", "/metrics"})
"""Paths that answer while the service is still starting (and the assets under `ASSETS`)."""

_OWN_INVALID_INPUT = "answers_invalid_input"
"""A route class with this attribute true answers invalid input itself (the gateway's async
channel: 400 INVALID_ENVELOPE) and documents it."""

ADMIN_SCHEME = "adminToken"
LOGIN_SCHEME = "loginToken"
_READS = frozenset({"get", "head", "options"})


class ProblemMessages(BaseModel):
    ru: str
    kk: str
    en: str


class FieldError(BaseModel):
    code: str
    field: str | None
    messages: ProblemMessages


class ProblemDocument(BaseModel):
    """An RFC 9457 problem: what every 4xx and 5xx of the bus answers
    (`application/problem+json`). Extension members beyond those below may follow."""

    model_config = ConfigDict(title="Problem", extra="allow")

    type: str = Field(description="`urn:egov-bus:problem:<code>`")
    title: str = Field(description="the English text")
    status: int
    detail: str = Field(description="the text in the language asked for (Accept-Language)")
    code: str = Field(description="the stable code (contracts/error-codes.md)")
    messages: ProblemMessages = Field(description="the text in Russian, Kazakh and English")
    instance: str | None = Field(None, description="the path asked for")
    field: str | None = Field(
        None, description="the field at fault (`body` for the whole body, a header's name)"
    )
    step: str | None = Field(None, description="the step of the process (V7, M8…)")
    errors: list[FieldError] | None = Field(
        None, description="every field at fault, when the request breaks its schema"
    )


def problem_schema() -> dict[str, Any]:
    schema = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {"Problem": schema, **definitions}


def problem_content(schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The content of a problem answer: the Problem schema, or `schema` built on it."""
    return {PROBLEM_JSON: {"schema": schema or {"$ref": PROBLEM_REF}}}


def _answers(path: str, method: str, operation: dict[str, Any], validated: bool) -> dict[str, str]:
    """What the kit itself may answer to this operation: status → codes."""
    answers: dict[str, list[str]] = {}

    def add(status: int, text: str) -> None:
        answers.setdefault(str(status), []).append(text)

    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    if ADMIN_SCHEME in schemes:
        add(401, "ADMIN_CREDENTIAL_REQUIRED: no admin token, or not this one")
        add(403, "ADMIN_TOKEN_DEFAULT: the default token, on a service reachable from outside")
    if LOGIN_SCHEME in schemes:
        revoked = "" if method in _READS else ", TOKEN_CERT_REVOKED"
        add(401, f"TOKEN_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_WRONG_AUDIENCE{revoked}")
        if method not in _READS:
            add(503, "TOKEN_STATUS_UNAVAILABLE: НУЦ did not say whether the login is valid")
    if validated and (operation.get("parameters") or operation.get("requestBody")):
        add(422, "the request breaks its schema: VALIDATION_FAILED, or one field's code")
    if validated and "requestBody" in operation:
        add(422, "MALFORMED_JSON, BODY_REQUIRED, BODY_WRONG_TYPE: the body as a whole")
    if "requestBody" in operation:
        add(413, "REQUEST_TOO_LARGE: the body is over the service's limit")
        add(408, "REQUEST_TIMEOUT: the body did not arrive in time")
    add(431, "HEADERS_TOO_LARGE: the request line and headers are over the limit")
    if path not in OPEN_PATHS:
        add(503, "NOT_READY: the service is starting; BACKEND_UNAVAILABLE: retry")
    return {status: "; ".join(texts) for status, texts in answers.items()}


def _is_error(status: str) -> bool:
    return status[:1] in ("4", "5")


def _speaks_its_own_errors(responses: dict[str, Any]) -> bool:
    """An operation whose errors are declared in another format (the gateway's SOAP face
    answers SOAP faults, its refusals included) is described by its own declaration alone."""
    return any(
        media != PROBLEM_JSON
        for status, response in responses.items()
        if _is_error(status)
        for media in response.get("content", {})
    )


def complete(document: dict[str, Any], validated: set[tuple[str, str]]) -> dict[str, Any]:
    """Add the kit's answers, the Problem schema on every error and no 3.2-only keyword.

    `validated` are the operations (path, method) whose invalid input the kit's handler
    answers (422): not those served below FastAPI, nor routes that answer it themselves."""
    document.setdefault("servers", [{"url": "/", "description": "the service itself"}])
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(problem_schema())
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            # Public: said explicitly (no credential), so no global default is assumed.
            operation.setdefault("security", [])
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if "HTTPValidationError" in json.dumps(responses.get("422")):
                del responses["422"]  # FastAPI's own; the kit's 422 is a Problem (added below)
            if _speaks_its_own_errors(responses):
                continue
            checked = (path, method) in validated
            for status, text in _answers(path, method, operation, checked).items():
                declared = responses.get(status)
                if declared is None:
                    responses[status] = {"description": text}
                elif text not in declared["description"]:
                    declared["description"] = f"{declared['description']}; {text}"
            for status, response in responses.items():
                if _is_error(status) and "schema" not in response.get("content", {}).get(
                    PROBLEM_JSON, {}
                ):
                    response["content"] = problem_content()
                _no_item_schema(response)
            operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's validation error schemas, unused once every 422 is a Problem (in this order:
    # the first refers to the second).
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(document):
            components["schemas"].pop(unused, None)
    return document


def _no_item_schema(response: dict[str, Any]) -> None:
    """FastAPI describes an event stream with `itemSchema`, a keyword of OpenAPI 3.2: in a
    3.1 document the stream is a string, the schema of one event kept as an extension."""
    for media in response.get("content", {}).values():
        item = media.pop("itemSchema", None)
        if item is not None:
            media["schema"] = {"type": "string", "description": "Server-Sent Events"}
            media["x-itemSchema"] = item


def install(
    app: FastAPI,
    extend: Callable[[dict[str, Any]], None] | None = None,
    *,
    listed_last: Sequence[str] = (),
) -> None:
    """Serve the completed document at /openapi.json (`extend` adds what is served below
    FastAPI's routing) and the pages at /docs and /redoc, with their assets. The paths in
    `listed_last` end FastAPI's part of the document wherever they are routed."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            paths = document["paths"]
            for path in listed_last:
                if path in paths:
                    paths[path] = paths.pop(path)
            if extend is not None:
                extend(document)
            validated = {
                (str(context.path_format), method.lower())
                for context in iter_route_contexts(app.routes)
                if isinstance(context.original_route, APIRoute)
                and not getattr(context.original_route, _OWN_INVALID_INPUT, False)
                for method in context.methods or ()
            }
            app.openapi_schema = complete(document, validated)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")
    favicon = f"{ASSETS}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} — Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{favicon}",
            # No badge from the public validator: the page fetches nothing from outside.
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} — ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{favicon}",
            with_google_fonts=False,
        )


def keep_old_path(router: APIRouter, path: str, old: str) -> None:
    """Answer `old` as the router's route at `path` does, marked deprecated in the OpenAPI.

    A route renamed to follow the bus's conventions (CONTRIBUTING.md: a signature is posted
    to `…/signature`) keeps serving the clients written against its old path."""
    route = next(
        r for r in router.routes if isinstance(r, APIRoute) and r.path == router.prefix + path
    )
    (method,) = route.methods or {"POST"}
    router.add_api_route(
        old,
        route.endpoint,
        methods=[method],
        status_code=route.status_code,
        summary=f"{route.summary} (old path of {method} {router.prefix}{path})",
        description=route.description,
        responses=route.responses,
        deprecated=True,
        name=f"{route.name}_old_path",
    )
