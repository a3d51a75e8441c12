"""The wss listener: NCALayer's greeting on connect, then one answer per request, in turn."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import structlog
from fastapi import FastAPI
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from ncalayer import tls
from ncalayer.keys import Chooser
from ncalayer.protocol import Session, greeting
from ncalayer.settings import Settings

log = structlog.get_logger(__name__)


@dataclass
class Listener:
    server: Server
    url: str
    certificate: bytes
    """The chain the listener presents (PEM), for a client to trust or pin."""


async def start(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    chooser: Chooser = app.state.chooser
    clock = app.state.clock
    chain, key = tls.issue(settings.ca_file)

    async def handle(connection: ServerConnection) -> None:
        session = Session(chooser, clock.now)
        with contextlib.suppress(ConnectionClosed):
            await connection.send(greeting(settings.version))
            async for message in connection:
                await connection.send(await session.answer(message))

    server = await serve(
        handle,
        settings.host,
        settings.ws_port,
        ssl=tls.server_context(chain, key),
        # A signed document may be large; NCALayer takes what a browser sends.
        max_size=settings.max_body_bytes * 2,
    )
    port = next(iter(server.sockets)).getsockname()[1]
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "127.0.0.1") else settings.host
    app.state.listener = Listener(server, f"wss://{host}:{port}", chain)
    log.info("ncalayer listening", url=app.state.listener.url)


async def stop(app: FastAPI) -> None:
    listener: Listener | None = getattr(app.state, "listener", None)
    if listener is not None:
        listener.server.close()
        await listener.server.wait_closed()
