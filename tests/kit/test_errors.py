"""Problem details (RFC 9457): stable code, field, and texts in Russian, Kazakh and English."""

from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc

from servicekit import messages
from servicekit.bus import PublishError
from servicekit.errors import NotFound, Problem, field_path, install_problem_handlers
from servicekit.http_clients import async_client
from servicekit.identifiers import Iin
from servicekit.messages import LANGUAGES, Texts, known_codes, register
from servicekit.openapi import ProblemDocument


def test_every_code_has_three_distinct_nonempty_texts() -> None:
    for code, texts in known_codes().items():
        rendered = [getattr(texts, lang) for lang in LANGUAGES]
        assert all(t.strip() for t in rendered), code
        assert len(set(rendered)) == 3, f"{code}: a text is a copy of another language's"
        assert code.isupper()
        assert " " not in code


def test_registering_a_code_again_with_other_texts_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a copy of the catalogue: the process's catalogue is what the contracts list, and a
    # contract test may run in this process after this one.
    monkeypatch.setattr(messages, "_CATALOGUE", dict(messages._CATALOGUE))
    register({"TEST_CODE_X": Texts("а", "ә", "a")})
    register({"TEST_CODE_X": Texts("а", "ә", "a")})  # the same texts again: harmless
    with pytest.raises(ValueError, match="TEST_CODE_X"):
        register({"TEST_CODE_X": Texts("б", "б", "b")})


def test_localised_params_are_picked_per_language() -> None:
    texts = Texts("причина: {reason}", "себебі: {reason}", "reason: {reason}")
    rendered = texts.render({"reason": {"ru": "р", "kk": "қ", "en": "e"}})
    assert rendered == {"ru": "причина: р", "kk": "себебі: қ", "en": "reason: e"}


def test_field_path() -> None:
    assert field_path(("body", "requestData", "data", "iin")) == "requestData.data.iin"
    assert field_path(("body", "requestInfo", "properties", 2, "key")) == (
        "requestInfo.properties[2].key"
    )
    assert field_path(("query", "limit")) == "limit"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    iin: Iin
    name: str = Field(max_length=5)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/echo")
    async def echo(body: _Body) -> _Body:
        return body

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound(field="id")

    @app.get("/limited")
    async def limited(limit: Annotated[int, Query(le=10)]) -> int:
        return limit

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret stack detail")

    @app.get("/teapot")
    async def teapot() -> None:
        raise Problem("IIN_CHECK_DIGIT", status=409, field="iin")

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    return async_client(transport=transport, base_url="http://test")


async def test_single_field_error_is_the_problem_itself(client: httpx.AsyncClient) -> None:
    reply = await client.post("/echo", json={"iin": "900515300019", "name": "a"})
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    assert body["code"] == "IIN_CHECK_DIGIT"
    assert body["field"] == "iin"
    assert body["type"] == "urn:egov-bus:problem:IIN_CHECK_DIGIT"
    assert body["detail"] == body["messages"]["ru"]
    assert body["title"] == body["messages"]["en"]
    assert set(body["messages"]) == {"ru", "kk", "en"}
    assert body["instance"] == "/echo"
    assert body["errors"] == [
        {"code": "IIN_CHECK_DIGIT", "field": "iin", "messages": body["messages"]}
    ]


async def test_several_errors_are_listed_each_with_code_and_field(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.post("/echo", json={"iin": 900515300018, "name": "toolong", "x": 1})
    body = reply.json()
    assert reply.status_code == 422
    assert body["code"] == "VALIDATION_FAILED"
    assert {(e["code"], e["field"]) for e in body["errors"]} == {
        ("WRONG_TYPE", "iin"),
        ("TOO_LONG", "name"),
        ("UNKNOWN_FIELD", "x"),
    }
    too_long = next(e for e in body["errors"] if e["code"] == "TOO_LONG")
    assert "5" in too_long["messages"]["ru"]
    assert "name" in too_long["messages"]["en"]


async def test_language_is_negotiated(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/echo", json={"name": "a"}, headers={"Accept-Language": "kk-KZ, ru;q=0.8"}
    )
    body = reply.json()
    assert body["code"] == "FIELD_REQUIRED"
    assert body["detail"] == body["messages"]["kk"] == "«iin» өрісі міндетті"


async def test_malformed_json_is_a_4xx(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert reply.status_code == 422
    assert reply.json()["code"] == "MALFORMED_JSON"


async def test_query_errors_name_the_parameter(client: httpx.AsyncClient) -> None:
    body = (await client.get("/limited", params={"limit": 11})).json()
    assert (body["code"], body["field"]) == ("INVALID_VALUE", "limit")


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nowhere")).json()["code"] == "NOT_FOUND"
    reply = await client.get("/echo")
    assert (reply.status_code, reply.json()["code"]) == (405, "METHOD_NOT_ALLOWED")


async def test_domain_problem_keeps_its_status(client: httpx.AsyncClient) -> None:
    reply = await client.get("/teapot")
    assert (reply.status_code, reply.json()["field"]) == (409, "iin")
    assert (await client.get("/missing")).status_code == 404


async def test_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.get("/boom")
    assert reply.status_code == 500
    assert reply.json()["code"] == "INTERNAL_ERROR"
    assert "secret" not in reply.text


def _failing(error: Exception) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/work")
    async def work() -> None:
        raise error

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return async_client(transport=transport, base_url="http://test")


def _wrapped(cause: BaseException) -> sa_exc.DBAPIError:
    """A driver error as SQLAlchemy's asyncpg adapter hands it on."""
    adapter_error = Exception(str(cause))
    adapter_error.__cause__ = cause
    return sa_exc.DBAPIError("SELECT 1", None, adapter_error)


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.OperationalError("SELECT 1", None, Exception("connection refused")),
        sa_exc.TimeoutError("QueuePool limit of size 10 overflow 0 reached"),
        _wrapped(asyncpg.TooManyConnectionsError("sorry, too many clients already")),
        _wrapped(ConnectionResetError("reset by peer")),
        PublishError("the broker did not confirm the message"),
    ],
)
async def test_an_unreachable_database_or_broker_is_503_to_retry(error: Exception) -> None:
    async with _failing(error) as client:
        reply = await client.post("/work")
    assert (reply.status_code, reply.json()["code"]) == (503, "BACKEND_UNAVAILABLE")
    assert reply.headers["retry-after"] == "1"


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.IntegrityError("INSERT", None, Exception("duplicate key")),
        _wrapped(ValueError("a bug")),
        KeyError("a bug"),
    ],
)
async def test_a_fault_of_the_code_stays_a_500(error: Exception) -> None:
    async with _failing(error) as client:
        reply = await client.post("/work")
    assert (reply.status_code, reply.json()["code"]) == (500, "INTERNAL_ERROR")


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"hello", "text/plain", "BODY_WRONG_TYPE"),
        (b"", "application/json", "BODY_REQUIRED"),
        (b"[1]", "application/json", "BODY_WRONG_TYPE"),
        (b"{not json", "application/json", "MALFORMED_JSON"),
    ],
)
async def test_a_body_at_fault_as_a_whole_is_named_the_body(
    client: httpx.AsyncClient, content: bytes, content_type: str, code: str
) -> None:
    reply = await client.post("/echo", content=content, headers={"content-type": content_type})
    body = reply.json()
    assert (reply.status_code, body["code"], body["field"]) == (422, code, "body")
    assert "None" not in str(body["messages"])
    ProblemDocument.model_validate(body)  # the Problem schema of every OpenAPI document
