"""How a service's app is served: uvicorn with httptools, holding each client to time and size
limits before a request reaches the app.

uvicorn closes an idle keep-alive connection (`timeout_keep_alive`) but waits for a request's
line and headers as long as the client keeps sending something — and for a new connection's
first byte for ever: one byte every few seconds holds a connection, and its buffer, for as long
as the client likes. The protocol here gives a client `header_timeout` seconds from the
connection (or the end of its previous exchange) to the end of the headers, and
`max_header_bytes` of them; past either it answers 408 or 431 and closes the connection.

A body is read by the app under `servicekit.app.RequestLimits`. When the app answers without
reading all of it (a refusal, a 413 for a body too large), uvicorn discards the rest as it
comes, so the client, which is still sending, can read the answer; it has `body_timeout`
seconds for the rest, then the connection is closed.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servicekit.errors import PROBLEM_JSON, Problem
from servicekit.settings import ServiceSettings


def long_lived() -> None:
    """Tune the garbage collector for a process that serves until stopped. What it has loaded
    by now (modules, mappers, schemas, routes) lives as long as it does, so full collections
    need not walk it again (`gc.freeze`); and young collections every 50 000 allocations
    instead of 700 keep an ORM-heavy request from paying for several. Measured with
    bench/vin_registrations.py: ≈ 3 % more registrations/s at the same CPU."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


KEEP_ALIVE_SECONDS = 30.0
"""How long a connection may stay idle between an answer and the next request: longer than
any client of the bus keeps an idle connection (aiohttp's connector 15 s: the gateway's and
the services' calls; httpx 5 s: the desks, `egov`, the tests), so the client always lets it go
first. With uvicorn's 5 s, a client that reused a connection at the instant the server closed
it had its request reset unread: a call failed for nothing (a test saw `ReadError` on a
loaded machine). The silence before a new connection's first byte is `header_timeout`'s."""


def server_options(app: FastAPI) -> dict[str, Any]:
    """uvicorn's options for serving `app` (splat into `uvicorn.Config` or `uvicorn.run`)."""
    settings: ServiceSettings = app.state.settings
    return {"http": guarded_protocol(settings), "timeout_keep_alive": KEEP_ALIVE_SECONDS}


def served(app: FastAPI, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for serving `app`, its limits from the app's settings."""
    return uvicorn.Config(app, **options, **server_options(app))


def guarded_protocol(settings: ServiceSettings) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol, with the limits of `settings`."""
    limits = {
        "header_timeout": settings.header_timeout,
        "max_header_bytes": settings.max_header_bytes,
        "body_timeout": settings.body_timeout,
    }
    return type("GuardedHttpToolsProtocol", (_GuardedHttpToolsProtocol,), limits)


class _GuardedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout: float
    max_header_bytes: int
    body_timeout: float

    _timer: asyncio.TimerHandle | None = None
    _in_headers = True
    """The bytes coming in are a request line and headers (not a body)."""
    _header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_timer(self.header_timeout, self._headers_late)  # uvicorn waits for ever

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            # Silence between requests is uvicorn's keep-alive timer's; a first byte starts ours.
            if self._timer is None:
                self._start_timer(self.header_timeout, self._headers_late)
            self._header_bytes += len(data)
        super().data_received(data)
        if self._in_headers and self._header_bytes > self.max_header_bytes:
            self._refuse(Problem("HEADERS_TOO_LARGE", status=431, limit=self.max_header_bytes))

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._stop_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_headers, self._header_bytes = True, 0
        if self.cycle.response_complete:
            # The end of a body answered before it was read. Its bytes stopped uvicorn's
            # keep-alive timer, so this one times the silence that may follow.
            self._start_timer(self.header_timeout, self._headers_late)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._in_headers and not self.transport.is_closing():
            # Answered before the body was in: uvicorn discards the rest as it comes (and its
            # keep-alive timer restarts with every byte of it), for at most this long.
            self._start_timer(self.body_timeout, self.transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _headers_late(self) -> None:
        if self._in_headers:
            self._refuse(Problem("REQUEST_TIMEOUT", status=408, seconds=self.header_timeout))

    def _start_timer(self, seconds: float, callback: Callable[[], None]) -> None:
        self._stop_timer()
        self._timer = self.loop.call_later(seconds, callback)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _refuse(self, problem: Problem) -> None:
        self._in_headers = False
        self._stop_timer()
        if self.transport.is_closing():
            return
        body = json.dumps(problem.to_dict("en"), ensure_ascii=False).encode()
        head = (
            f"HTTP/1.1 {problem.status} {_REASONS[problem.status]}\r\n"
            f"content-type: {PROBLEM_JSON}\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()


_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}
