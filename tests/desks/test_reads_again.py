"""The desks' client of the bus sends a read once more when a kept-alive connection turns out
closed, and never a POST (desks.bus.ReadsAgain)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from desks.bus import bus_client

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"


class DropsFirst:
    """A server that reads the first request and closes the connection without an answer
    (a server closing an idle keep-alive connection as the request arrives), then answers."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head.split(b"\r\n", 1)[0])
        if len(self.requests) > 1:
            writer.write(ANSWER)
            await writer.drain()
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[DropsFirst, str]]:
    handler = DropsFirst()
    listening = await asyncio.start_server(handler.serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield handler, f"http://127.0.0.1:{port}"


async def test_a_read_is_sent_again_when_the_connection_dropped(
    server: tuple[DropsFirst, str],
) -> None:
    handler, url = server
    async with bus_client() as client:
        reply = await client.get(f"{url}/admin/bus/dead-letters")
    assert (reply.status_code, reply.text) == (200, "ok")
    assert handler.requests == [b"GET /admin/bus/dead-letters HTTP/1.1"] * 2


async def test_a_post_is_not_sent_again(server: tuple[DropsFirst, str]) -> None:
    handler, url = server
    async with bus_client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(f"{url}/admin/bus/dead-letters/redrive")
    assert handler.requests == [b"POST /admin/bus/dead-letters/redrive HTTP/1.1"]
