"""Errors as RFC 9457 problem details.

Domain code raises `Problem` (or a subclass) carrying its HTTP status and stable code; the
handlers installed by `install_problem_handlers` turn it — and FastAPI's validation errors,
unknown routes and anything unexpected — into `application/problem+json`. Nothing leaks a
stack trace; nothing answers bad input with a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.bus.base import BusError
from servicekit.messages import LANGUAGES, Language, texts_for

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """A failure with a stable code that a client can act on."""

    status: int = 400
    code: str = "INVALID_VALUE"

    def __init__(
        self,
        code: str | None = None,
        *,
        status: int | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or type(self).code
        self.status = status or type(self).status
        self.field = field
        self.params: dict[str, object] = {"field": field, **params}
        self.extra = extra or {}
        """Extension members of the problem document (`errors`, `errorInfo`…)."""
        super().__init__(self.code)

    def messages(self) -> dict[str, str]:
        return texts_for(self.code).render(self.params)

    def to_dict(self, language: Language = "ru") -> dict[str, Any]:
        messages = self.messages()
        body: dict[str, Any] = {
            "type": f"urn:egov-bus:problem:{self.code}",
            "title": messages["en"],
            "status": self.status,
            "detail": messages[language],
            "code": self.code,
            "messages": messages,
        }
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body


class NotFound(Problem):
    status = 404
    code = "NOT_FOUND"


class Conflict(Problem):
    status = 409


class ServiceUnavailable(Problem):
    status = 503
    code = "NOT_READY"


class StepRefusal(Problem):
    """A state service's problem at a step of its process (V7, M6.1…): a refusal, a request
    it cannot take now, or a registry it could not hear (503). The document names the step
    (`step`) and, when a registry's answer decided it or failed to come, the registry
    (`registry`, also a parameter of the texts)."""

    status = 422

    def __init__(
        self,
        code: str,
        step: str,
        *,
        status: int | None = None,
        field: str | None = None,
        registry: str | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        named = {"registry": registry} if registry else {}
        members = {"step": step, **named, **(extra or {})}
        super().__init__(code, status=status, field=field, extra=members, **named, **params)
        self.step = step


def negotiate_language(request: Request) -> Language:
    """The first of ru/kk/en the client accepts (Accept-Language), Russian by default."""
    return language_from(request.headers.get("accept-language", ""))


def language_from(accept_language: str) -> Language:
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "ru"


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body = problem.to_dict(negotiate_language(request))
    body["instance"] = request.url.path
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON)


# pydantic error types → our stable codes; our own validators already raise with our codes.
_PYDANTIC_CODES = {
    "missing": "FIELD_REQUIRED",
    "extra_forbidden": "UNKNOWN_FIELD",
    "string_too_long": "TOO_LONG",
    "too_long": "TOO_LONG",
    "string_too_short": "TOO_SHORT",
    "too_short": "TOO_SHORT",
}


_RESERVED = frozenset({"code", "status", "field", "extra"})


def field_path(loc: tuple[int | str, ...]) -> str:
    """`("body", "requestData", "data", "iin")` → `requestData.data.iin`; list items as [i]."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


# An error of the body as a whole (none, not JSON, not an object): named as the body, not as
# a field of it.
_BODY_CODES = {"missing": "BODY_REQUIRED", "json_invalid": "MALFORMED_JSON"}


def problem_from_pydantic_error(error: Mapping[str, Any]) -> Problem:
    kind = str(error.get("type", ""))
    loc = tuple(error.get("loc", ()))
    # A JSON syntax error's location is ("body", <offset in the text>): the body is at fault.
    if loc in ((), ("body",)) or kind == "json_invalid":
        return Problem(_BODY_CODES.get(kind, "BODY_WRONG_TYPE"), status=422, field="body")
    code = kind if kind.isupper() else _PYDANTIC_CODES.get(kind)
    if code is None:
        code = "WRONG_TYPE" if kind.endswith(("_type", "_parsing")) else "INVALID_VALUE"
    ctx: dict[str, Any] = {
        k: v
        for k, v in (error.get("ctx") or {}).items()
        if isinstance(v, str | int | float) and k not in _RESERVED
    }
    return Problem(code, status=422, field=field_path(loc) or None, **ctx)


def validation_problem(errors: Sequence[Mapping[str, Any]], *, status: int = 422) -> Problem:
    """The problem for a list of pydantic errors: the first one on top, all of them listed.

    A single error is the problem itself (its own code and field); several are
    VALIDATION_FAILED, naming the first field. Either way `errors` lists each one.
    """
    problems = [problem_from_pydantic_error(e) for e in errors]
    listed = [{"code": p.code, "field": p.field, "messages": p.messages()} for p in problems]
    first = problems[0]
    if len(problems) == 1:
        params = {k: v for k, v in first.params.items() if k != "field"}
        return Problem(
            first.code, status=status, field=first.field, extra={"errors": listed}, **params
        )
    return Problem(
        "VALIDATION_FAILED",
        status=status,
        field=first.field,
        extra={"errors": listed},
        count=len(problems),
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, validation_problem(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "INVALID_VALUE")
        return problem_response(request, Problem(code, status=exc.status_code))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if backend_unavailable(exc):
            # Nothing was done (the transaction rolled back): the caller may simply retry.
            log.warning("backend unavailable", path=request.url.path, error=repr(exc)[:300])
            response = problem_response(request, Problem("BACKEND_UNAVAILABLE", status=503))
            response.headers["Retry-After"] = "1"
            return response
        log.exception("unhandled error", path=request.url.path)
        return problem_response(request, Problem("INTERNAL_ERROR", status=500))


_CONNECTION_TROUBLE = (
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    ConnectionError,
    TimeoutError,
)


def backend_unavailable(exc: BaseException) -> bool:
    """The database or the broker could not be reached (or had no room for us) — not a fault
    of the request nor of the code: a 503 to retry, not a 500."""
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        # asyncpg's errors come wrapped in SQLAlchemy's adapter error.
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return exc.connection_invalidated or isinstance(cause, _CONNECTION_TROUBLE)
    return isinstance(exc, BusError | ConnectionError)
