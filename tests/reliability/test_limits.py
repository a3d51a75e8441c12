"""Bad input and exposure, on every service of the bus: numbers out of range, bodies too big
or too slow, the default admin token.

The checks walk every service's own OpenAPI document, so a parameter or a route added later is
checked without touching this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from starlette.routing import BaseRoute

from contracts import ROOT as CONTRACTS
from egov.services import build_app, settings_class
from servicekit.admin import require_admin
from servicekit.http_clients import async_client
from servicekit.logging import configure_logging
from servicekit.serving import served
from servicekit.settings import DEFAULT_ADMIN_TOKEN, bus_admin_token
from servicekit.topology import SERVICES, ServiceSpec, spec
from tests.fixtures.http import serving

HUGE = "99999999999999999999999"
"""The `?offset=` that stalled the embedded bus: it fits no database integer."""


def _app(service: ServiceSpec, tmp_path: Path, **settings: Any) -> FastAPI:
    return build_app(service, data_dir=str(tmp_path), **settings)


def _openapi(service: ServiceSpec) -> dict[str, Any]:
    """The service's checked-in OpenAPI document (tests/test_contracts.py keeps it current)."""
    document: dict[str, Any] = json.loads(
        (CONTRACTS / "openapi" / f"{service.name}.json").read_text("utf-8")
    )
    return document


def _integer_parameters(service: ServiceSpec) -> Iterator[tuple[str, str, str, str]]:
    """(method, path, where, name) of every integer query, header and path parameter."""
    for path, operations in _openapi(service)["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                if "integer" in types:
                    yield method, path, parameter["in"], parameter["name"]


def _api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # what include_router added
        if included is not None:
            yield from _api_routes(included.routes)


def _dependencies(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _dependencies(dependency)


async def _nothing() -> None:
    return None


def _bare(app: FastAPI, *, keep: Callable[..., Any] | None = None) -> FastAPI:
    """The app with every dependency (credentials, database session…) but `keep` replaced by
    nothing, and marked ready without starting: a request reaches its endpoint only if its
    parameters passed validation, and an endpoint run without its dependencies fails — so a
    value the validation let through shows as a 500."""
    for route in _api_routes(app.routes):
        for call in _dependencies(route.dependant):
            # A security scheme only reads its header: `keep` may need what it read.
            if call is not None and call is not keep and not isinstance(call, SecurityBase):
                app.dependency_overrides[call] = _nothing
    app.state.readiness.ready = True
    return app


@pytest.fixture(scope="module")
def bare_apps(tmp_path_factory: pytest.TempPathFactory) -> Callable[[ServiceSpec], FastAPI]:
    """Every service's bare app, built once for the tests that only send it requests."""
    built: dict[str, FastAPI] = {}

    def bare_app(service: ServiceSpec) -> FastAPI:
        if service.name not in built:
            built[service.name] = _bare(_app(service, tmp_path_factory.mktemp(service.name)))
        return built[service.name]

    return bare_app


@pytest.mark.parametrize(
    "service", [s for s in SERVICES if any(_integer_parameters(s))], ids=lambda s: s.name
)
async def test_every_integer_parameter_refuses_values_out_of_range(
    service: ServiceSpec, bare_apps: Callable[[ServiceSpec], FastAPI]
) -> None:
    app = bare_apps(service)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    unbounded = []
    async with async_client(transport=transport, base_url="http://test") as client:
        for method, path, where, name in _integer_parameters(service):
            for value in (HUGE, f"-{HUGE}", "-1"):
                url = path.replace("{" + name + "}", value) if where == "path" else path
                url = url.replace("{", "").replace("}", "")  # other path parameters: any text
                reply = await client.request(
                    method,
                    url,
                    params={name: value} if where == "query" else None,
                    headers={name: value} if where == "header" else None,
                )
                body = reply.json() if reply.status_code >= 400 else {}
                if (reply.status_code, body.get("field")) != (422, name):
                    unbounded.append(f"{method.upper()} {path} {name}={value}: {reply.status_code}")
    assert unbounded == []


# --- bodies: too large, sent chunked, sent slowly -------------------------------------------

MiB = 1024 * 1024
CHUNK = 64 * 1024


def _an_operation_with_a_body(service: ServiceSpec) -> tuple[str, str]:
    """The first operation of the service that takes a body: what a client would send to."""
    for path, operations in _openapi(service)["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "put") and "requestBody" in operation:
                return method, str(path)
    raise AssertionError(f"{service.name} takes no body")


class _Body:
    """A body in 64 KiB chunks, counting what the server pulled of it."""

    def __init__(self, size: int) -> None:
        self.size, self.pulled = size, 0

    async def __aiter__(self) -> Any:
        while self.pulled < self.size:
            self.pulled += CHUNK
            yield b"{" * CHUNK


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_every_service_refuses_a_body_over_the_limit(
    service: ServiceSpec, chunked: bool, bare_apps: Callable[[ServiceSpec], FastAPI]
) -> None:
    app = bare_apps(service)
    limit = app.state.settings.max_body_bytes
    assert limit == (10 if service.name != "frontoffice_service" else 11) * MiB  # above scans'
    body = _Body(limit + MiB)
    headers = {"content-type": "application/json"}
    if not chunked:
        headers["content-length"] = str(body.size)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with async_client(transport=transport, base_url="http://test") as client:
        method, path = _an_operation_with_a_body(service)
        reply = await client.request(method, path, content=body, headers=headers)
    assert reply.status_code == 413, reply.text[:300]
    assert (reply.json()["code"], reply.json()["field"]) == ("REQUEST_TOO_LARGE", "body")
    # Refused by its length before a byte was read; sent chunked, as soon as it passed the limit.
    assert body.pulled <= (CHUNK if not chunked else limit + CHUNK)


def test_the_front_office_takes_no_scan_its_body_limit_would_refuse() -> None:
    from frontoffice_service.settings import Settings

    with pytest.raises(ValueError, match="FRONTOFFICE_SERVICE_MAX_BODY_BYTES"):
        Settings(scan_max_bytes=20 * MiB)
    assert Settings(scan_max_bytes=20 * MiB, max_body_bytes=21 * MiB).max_body_bytes == 21 * MiB


# --- slow clients, against a real server ----------------------------------------------------

TIMEOUT = 0.5
"""The header and body timeouts of the served gateway: short, so the tests are."""


@contextlib.asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[tuple[str, int]]:
    """`app` behind a real uvicorn on a free port, as `egov up` serves it (its start-up work is
    not run: the limits hold before any of it matters)."""
    app.state.readiness.ready = True
    async with serving(served(app, log_config=None, lifespan="off")) as address:
        yield address


@pytest.fixture
async def served_gateway(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """The gateway with short timeouts, served."""
    settings = {"header_timeout": TIMEOUT, "body_timeout": TIMEOUT, "max_body_bytes": MiB}
    async with _serving(_app(spec("gateway"), tmp_path, **settings)) as address:
        yield address


@dataclass
class _Exchange:
    answer: bytes = b""
    answered_after: float | None = None
    """Seconds from the connection (from just before it) to the first byte of the answer."""
    closed_after: float | None = None
    """… to the server closing the connection."""


async def _trickle(address: tuple[str, int], head: bytes, drip: bytes) -> _Exchange:
    """Send `head`, then `drip` every 50 ms until the server closes the connection."""
    # Before the connection: the server's timer starts when it accepts, which a loaded
    # machine may run before this coroutine resumes.
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(*address)
    writer.write(head)
    exchange = _Exchange()

    async def drip_forever() -> None:
        with contextlib.suppress(ConnectionError):
            while drip:
                await asyncio.sleep(0.05)
                writer.write(drip)
                await writer.drain()

    async def read_to_the_end() -> None:
        with contextlib.suppress(ConnectionError):  # a reset after the answer is an end too
            while chunk := await reader.read(65536):
                exchange.answer += chunk
                if exchange.answered_after is None:
                    exchange.answered_after = time.monotonic() - started
        exchange.closed_after = time.monotonic() - started

    dripping = asyncio.create_task(drip_forever())
    try:
        await asyncio.wait_for(read_to_the_end(), 10 * TIMEOUT)
    finally:
        dripping.cancel()
        writer.close()
    return exchange


async def test_an_idle_connection_is_let_go_by_its_client_first(tmp_path: Path) -> None:
    """The server keeps an idle connection longer than the bus's clients keep theirs, so it
    never closes one at the instant a client sends on it (which resets the request unread)."""
    config = served(_app(spec("gateway"), tmp_path), log_config=None)
    connector = aiohttp.TCPConnector()  # the gateway's and the services' calls
    try:
        idle = {"aiohttp": connector._keepalive_timeout, "httpx": httpx.Limits().keepalive_expiry}
    finally:
        await connector.close()
    assert all(s is not None and config.timeout_keep_alive > s for s in idle.values()), idle


def _sync_call(length: int) -> bytes:
    """The head of a call on the gateway's sync channel, which reads the body it is sent."""
    return (
        b"POST /bip-sync/SendMessage HTTP/1.1\r\nHost: bus\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length
    )


def _closed_after_the_timeout(sent: _Exchange) -> None:
    assert sent.closed_after is not None
    assert TIMEOUT <= sent.closed_after < 4 * TIMEOUT


def _problem(answer: bytes) -> tuple[int, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["code"]


async def test_headers_sent_slowly_are_cut_off(served_gateway: tuple[str, int]) -> None:
    sent = await _trickle(served_gateway, b"GET /clock HTTP/1.1\r\nHost: bus\r\n", b"X-Slow: 1\r\n")
    assert _problem(sent.answer) == (408, "REQUEST_TIMEOUT")
    _closed_after_the_timeout(sent)


async def test_headers_of_a_next_request_sent_slowly_are_cut_off(
    served_gateway: tuple[str, int],
) -> None:
    first = b"GET /clock HTTP/1.1\r\nHost: bus\r\n\r\n"
    sent = await _trickle(served_gateway, first + b"GET /clock HTTP/1.1\r\n", b"X-Slow: 1\r\n")
    assert sent.answer.startswith(b"HTTP/1.1 200")
    assert b"HTTP/1.1 408" in sent.answer
    _closed_after_the_timeout(sent)


async def test_a_connection_that_sends_nothing_is_closed(served_gateway: tuple[str, int]) -> None:
    sent = await _trickle(served_gateway, b"", b"")
    _closed_after_the_timeout(sent)


async def test_a_body_sent_slowly_is_cut_off(served_gateway: tuple[str, int]) -> None:
    sent = await _trickle(served_gateway, _sync_call(100_000) + b"{", b" ")
    assert _problem(sent.answer) == (408, "REQUEST_TIMEOUT")
    _closed_after_the_timeout(sent)


async def test_a_body_nobody_reads_does_not_hold_the_connection(
    served_gateway: tuple[str, int],
) -> None:
    head = b"GET /clock HTTP/1.1\r\nHost: bus\r\nContent-Length: 100000\r\n\r\n"
    sent = await _trickle(served_gateway, head, b" ")
    assert sent.answer.startswith(b"HTTP/1.1 200")
    # Answered at once, the rest discarded as it comes — for as long as a body may take.
    assert sent.answered_after is not None
    assert sent.answered_after < TIMEOUT
    _closed_after_the_timeout(sent)


async def test_an_oversized_body_is_refused_before_it_is_sent(
    served_gateway: tuple[str, int],
) -> None:
    sent = await _trickle(served_gateway, _sync_call(2 * MiB), b"")
    assert _problem(sent.answer) == (413, "REQUEST_TOO_LARGE")
    assert sent.answered_after is not None
    assert sent.answered_after < TIMEOUT


async def test_oversized_headers_are_refused(served_gateway: tuple[str, int]) -> None:
    head = b"GET /clock HTTP/1.1\r\nHost: bus\r\nX-Big: " + b"a" * 100_000
    sent = await _trickle(served_gateway, head, b"a" * 1000)
    assert _problem(sent.answer) == (431, "HEADERS_TOO_LARGE")


# --- an unhandled error, served: logged once, without what its frames held ------------------


async def test_an_unhandled_error_is_logged_once_and_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(spec("gbd_fl"), tmp_path)
    iin, password, token = "900515300018", "s3cret-Sender-pw", "eyJhbGciOi.eyJzdWIiOi.c2ln"

    @app.get("/fault")
    async def fault() -> None:
        sender = {"senderId": "frontoffice", "password": password}
        raise RuntimeError(f"{iin} {sender} Bearer {token}", ["x" * 1000] * 1000)

    configure_logging(json=True)
    try:
        async with _serving(app) as (host, port), async_client() as client:
            reply = await client.get(f"http://{host}:{port}/fault")
        output = capsys.readouterr().err
    finally:
        configure_logging()
    assert (reply.status_code, reply.json()["code"]) == (500, "INTERNAL_ERROR")
    errors = [json.loads(line) for line in output.splitlines() if "RuntimeError" in line]
    assert len(errors) == 1  # the service's error handler; not uvicorn again
    assert "90051*****18" in errors[0]["exception"]
    for secret in (iin, password, token):
        assert secret not in output
    assert len(output) < 20_000


# --- the default admin token ----------------------------------------------------------------

ADMIN = {"Authorization": f"Bearer {DEFAULT_ADMIN_TOKEN}"}


def _admin_operations(service: ServiceSpec) -> Iterator[tuple[str, str]]:
    for path, operations in _openapi(service)["paths"].items():
        if path.startswith("/admin"):
            for method in operations:
                yield method, path.replace("{", "").replace("}", "")


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_the_default_admin_token_is_refused_beyond_loopback(
    service: ServiceSpec, tmp_path: Path
) -> None:
    app = _bare(_app(service, tmp_path, host="0.0.0.0"), keep=require_admin)
    operations = list(_admin_operations(service))
    assert operations, f"{service.name} has no admin API"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with async_client(transport=transport, base_url="http://test") as client:
        for method, path in operations:
            reply = await client.request(method, path, headers=ADMIN)
            assert reply.status_code == 403, (method, path, reply.text[:200])
            assert reply.json()["code"] == "ADMIN_TOKEN_DEFAULT"
            assert f"{service.env_prefix}ADMIN_TOKEN" in reply.json()["messages"]["en"]


@pytest.mark.parametrize(
    ("host", "token", "status"),
    [
        ("127.0.0.1", DEFAULT_ADMIN_TOKEN, 200),
        ("::1", DEFAULT_ADMIN_TOKEN, 200),
        ("0.0.0.0", "a-token-of-our-own", 200),
        ("bus.example.kz", DEFAULT_ADMIN_TOKEN, 403),
    ],
)
async def test_the_admin_token_where_it_is_taken(
    tmp_path: Path, host: str, token: str, status: int
) -> None:
    app = _app(spec("gateway"), tmp_path, host=host, admin_token=token)
    app.state.readiness.ready = True
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with async_client(transport=transport, base_url="http://test") as client:
        reply = await client.get("/admin/faults", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == status, reply.text[:200]


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
async def test_the_default_admin_token_is_warned_about_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host: str
) -> None:
    configure_logging(json=True)
    try:
        app = _app(spec("gbd_fl"), tmp_path, host=host)
        async with app.router.lifespan_context(app):
            pass
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        configure_logging()
    warnings = [line for line in lines if line["logger"] == "servicekit.admin"]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "warning"
    assert warnings[0]["setting"] == "EGOV_ADMIN_TOKEN (GBD_FL_ADMIN_TOKEN)"
    assert ("closed" in warnings[0]["event"]) == (host == "0.0.0.0")


async def test_an_admin_token_of_our_own_is_not_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(json=True)
    try:
        app = _app(spec("gbd_fl"), tmp_path, host="0.0.0.0", admin_token="a-token-of-our-own")
        async with app.router.lifespan_context(app):
            pass
        output = capsys.readouterr().err
    finally:
        configure_logging()
    assert "servicekit.admin" not in output


def test_one_admin_token_for_the_whole_bus_and_a_service_may_have_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """EGOV_ADMIN_TOKEN, which docker-compose requires, reaches every service's settings and
    the `egov` commands; a service's own variable wins over it."""
    monkeypatch.setenv("EGOV_ADMIN_TOKEN", "the bus's")
    monkeypatch.setenv("PKI_ADMIN_TOKEN", "pki's own")
    tokens = {s.name: settings_class(s)().admin_token.get_secret_value() for s in SERVICES}
    assert tokens.pop("pki") == "pki's own"
    assert set(tokens.values()) == {"the bus's"}
    assert bus_admin_token() == "the bus's"
    monkeypatch.delenv("EGOV_ADMIN_TOKEN")
    assert settings_class(spec("gbd_fl"))().admin_token.get_secret_value() == DEFAULT_ADMIN_TOKEN
