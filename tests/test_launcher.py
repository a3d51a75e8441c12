"""The sockets a bus's services listen on when the launcher binds them itself (free ports)."""

from __future__ import annotations

import asyncio
import socket

from egov.launcher import bind_free, listening_socket
from servicekit.topology import SERVICES


async def test_what_a_listening_socket_accepts_sends_small_answers_at_once() -> None:
    """A connection accepted on it has Nagle's algorithm off: otherwise a small answer written
    in two parts (uvicorn's head, then body) waits for the client's delayed ACK, 44 ms a
    request (asyncio turns it off only where the socket's protocol says TCP)."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Accepting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    sock = listening_socket()
    server = await asyncio.get_running_loop().create_server(Accepting, sock=sock)
    try:
        _, writer = await asyncio.open_connection(*sock.getsockname())
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()


def test_bind_free_gives_every_service_a_listening_tcp_socket() -> None:
    sockets = bind_free()
    try:
        assert set(sockets) == {s.name for s in SERVICES}
        assert {s.proto for s in sockets.values()} == {socket.IPPROTO_TCP}
        assert len({s.getsockname()[1] for s in sockets.values()}) == len(SERVICES)
    finally:
        for sock in sockets.values():
            sock.close()
