"""Every way a provider can fail maps to a defined ErrorInfo code; never a bare 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import yaml

from egov.launcher import free_port
from gateway.settings import REGISTRY_FILE
from servicekit.http_clients import async_client
from tests.harness import envelope, running_bus

PERSON = "GBDFL_UniversalServiceSync"
IIN = "900515310005"

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def fake_provider(handler: Handler) -> AsyncIterator[str]:
    """A raw TCP server standing in for a misbehaving registry."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read the request, never answer; end when the gateway gives up and hangs up."""
    while await reader.read(65536):
        pass
    writer.close()


async def _fail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(65536)
    body = b"Internal Server Error: java.lang.NullPointerException"
    writer.write(
        b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)
    )
    await writer.drain()
    writer.close()


def _registry(tmp_path: Path, timeout_ms: int) -> Path:
    """The development registry with the person service's timeout changed."""
    document = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    for service in document["services"]:
        service["timeoutMs"] = timeout_ms
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


async def _call(gateway_url: str) -> httpx.Response:
    async with async_client(timeout=10) as client:
        return await client.post(
            f"{gateway_url}/bip-sync/SendMessage", json=envelope(PERSON, {"iin": IIN})
        )


async def test_provider_down_is_provider_unavailable(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with running_bus(tmp_path, extra={"gateway": {"providers": {"gbd_fl": closed}}}) as bus:
        reply = await _call(bus.url("gateway"))
        async with async_client() as client:
            health = (await client.get(f"{bus.url('gateway')}/health")).json()
    assert reply.status_code == 503
    problem = reply.json()
    assert problem["code"] == problem["errorInfo"]["errorCode"] == "PROVIDER_UNAVAILABLE"
    assert problem["errorInfo"]["sessionId"]
    assert health["status"] == "degraded"
    assert {s["name"]: s["status"] for s in health["services"]}["gbd_fl"] == "down"


async def test_provider_too_slow_is_provider_timeout(tmp_path: Path) -> None:
    async with (
        fake_provider(_hang) as url,
        running_bus(
            tmp_path,
            extra={
                "gateway": {
                    "providers": {"gbd_fl": url},
                    "registry_file": str(_registry(tmp_path, 200)),
                }
            },
        ) as bus,
    ):
        started = asyncio.get_running_loop().time()
        reply = await _call(bus.url("gateway"))
        elapsed = asyncio.get_running_loop().time() - started
    assert reply.status_code == 504
    problem = reply.json()
    assert problem["code"] == "PROVIDER_TIMEOUT"
    assert "200" in problem["messages"]["ru"]
    assert elapsed < 5


async def test_provider_crash_is_provider_error_with_sub_error(tmp_path: Path) -> None:
    async with (
        fake_provider(_fail) as url,
        running_bus(tmp_path, extra={"gateway": {"providers": {"gbd_fl": url}}}) as bus,
    ):
        reply = await _call(bus.url("gateway"))
    assert reply.status_code == 502
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    sub_error = problem["errorInfo"]["subError"]
    assert sub_error["errorCode"] == "HTTP_500"
    assert "NullPointer" not in reply.text  # the provider's internals are not relayed


@pytest.mark.parametrize("path", ["/bip-sync/SendMessage", "/anything"])
async def test_service_answers_503_until_ready(tmp_path: Path, path: str) -> None:
    """A database that is not there keeps the service starting (and retrying), not crashed."""
    from egov.services import build_app
    from servicekit.topology import spec

    app = build_app(
        spec("gateway"),
        port=0,
        database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/egov_gateway",
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        async_client(transport=transport, base_url="http://gw") as client,
    ):
        for _ in range(100):
            ready = await client.get("/ready")
            if ready.json()["lastError"]:
                break
            await asyncio.sleep(0.02)
        business = await client.post(path, json={})
    assert ready.status_code == 503
    assert ready.json()["status"] == "starting"
    assert ready.json()["step"] == "database"
    assert "Connect" in ready.json()["lastError"] or "refused" in ready.json()["lastError"]
    assert business.status_code == 503
    assert business.json()["code"] == "NOT_READY"
