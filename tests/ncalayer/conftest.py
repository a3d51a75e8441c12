"""A whole bus for the emulator's tests (the signatures are checked by `pki` on it), and a
WebSocket client that trusts only the test НУЦ's root, as a browser set up for it would."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from egov.launcher import BusPlan
from tests.harness import running_bus

ROOT = Path(__file__).resolve().parents[2]
SEED = orjson.loads((ROOT / "pki" / "seed_data.json").read_bytes())
TEST_ROOT_PEM: str = SEED["authorities"]["root"]["certificate"]


@pytest.fixture(scope="module")
async def bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    async with running_bus(tmp_path_factory.mktemp("bus")) as plan:
        yield plan


@pytest.fixture(scope="module")
async def ws_url(ncalayer: httpx.AsyncClient) -> str:
    url: str = (await ncalayer.get("/websocket")).raise_for_status().json()["url"]
    return url


def trusting_test_root() -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=TEST_ROOT_PEM)
    return context


class NCALayer:
    """A page's side of the protocol: the greeting, then one request and its answer."""

    def __init__(self, connection: ClientConnection, greeting: dict[str, Any]) -> None:
        self.connection, self.greeting = connection, greeting

    async def call(self, module: str, method: str, args: Any = None) -> dict[str, Any]:
        request: dict[str, Any] = {"module": module, "method": method}
        if args is not None:
            request["args"] = args
        await self.connection.send(orjson.dumps(request).decode())
        answer: dict[str, Any] = orjson.loads(await self.connection.recv())
        return answer

    async def common(self, method: str, *args: Any) -> dict[str, Any]:
        return await self.call("kz.gov.pki.knca.commonUtils", method, list(args) if args else None)

    async def basics(self, **args: Any) -> dict[str, Any]:
        return await self.call("kz.gov.pki.knca.basics", "sign", args)


@pytest.fixture
async def layer(ws_url: str, ncalayer: httpx.AsyncClient) -> AsyncIterator[NCALayer]:
    (await ncalayer.put("/persona", json={"persona": "buyer"})).raise_for_status()
    async with connect(ws_url, ssl=trusting_test_root()) as connection:
        greeting = orjson.loads(await connection.recv())
        yield NCALayer(connection, greeting)
