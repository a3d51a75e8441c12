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
import json
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from servicekit.errors import PROBLEM_JSON, Problem
from servicekit.settings import ServiceSettings


def server_options(app: FastAPI) -> dict[str, Any]:
    """uvicorn's options for serving `app` (splat into `uvicorn.Config` or `uvicorn.run`)."""
    settings: ServiceSettings = app.state.settings
    return {"http": guarded_protocol(settings)}


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
    _in_headers = False
    """The bytes coming in are a request line and headers."""
    _header_bytes = 0
    _request_complete = True
    """The current request's body is all in."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._header_bytes += len(data)
        super().data_received(data)
        if self._in_headers and self._header_bytes > self.max_header_bytes:
            self._refuse(Problem("HEADERS_TOO_LARGE", status=431, limit=self.max_header_bytes))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._request_complete = False

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._stop_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._request_complete = True
        if self.cycle.response_complete:  # the end of a body answered before it was read
            self._expect_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self.pipeline:
            return
        if self._request_complete:
            self._expect_headers()
        else:
            # uvicorn's keep-alive timer restarts with every byte of the discarded rest.
            self._start_timer(self.body_timeout, self.transport.close)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        self._in_headers, self._header_bytes = True, 0
        self._start_timer(self.header_timeout, self._headers_late)

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
