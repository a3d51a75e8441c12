"""The console's one way to the bus: the services' public HTTP APIs, as any client calls them.

Reads of many services (readiness, parked messages, scenarios) go out at once, each bounded by
`probe_timeout_seconds`, so one service down slows no page. An answer the bus refuses comes back
as `Refused` with the service's own status and problem document, for the page to show.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from desks.settings import Settings
from servicekit.http_clients import tls
from servicekit.provider import SYNC_PATH
from servicekit.topology import GATEWAY

KEEPALIVE_SECONDS = 2.0
"""How long the desks' clients keep an idle connection: less than uvicorn's keep-alive (5 s),
so a request is seldom sent on a connection the server is closing (it fails with no answer,
"Server disconnected without sending a response"). Seldom, not never: on a busy machine the
two clocks' timers fire late — hence `ReadsAgain`."""

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadsAgain(httpx.AsyncHTTPTransport):
    """An HTTP transport that sends a read once more when the connection dropped before any
    answer came — what a browser does when a kept-alive connection turns out closed. A read
    changes nothing, so sending it twice is safe; a POST is never sent again (its outcome is
    unknown: the page shows the failure)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in IDEMPOTENT:
            return await super().handle_async_request(request)
        try:
            return await super().handle_async_request(request)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            return await super().handle_async_request(request)


def bus_client(**options: Any) -> httpx.AsyncClient:
    """The desks' client of the bus's services (`options` go to `httpx.AsyncClient`)."""
    limits = httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS)
    return httpx.AsyncClient(transport=ReadsAgain(limits=limits, verify=tls()), **options)


class Refused(Exception):
    """The bus answered, but not with success: its status and its (problem) document."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body

    @property
    def text(self) -> str:
        if isinstance(self.body, dict):
            parts = [self.body.get("code"), self.body.get("detail") or self.body.get("title")]
            errors = self.body.get("errors")
            if isinstance(errors, list):
                parts += [f"{e.get('field')}: {e.get('code')}" for e in errors]
            return " — ".join(str(p) for p in parts if p)
        return str(self.body)


@dataclass(frozen=True)
class Readiness:
    name: str
    url: str
    status: str
    """ready, starting (503 with its step) or down (no answer)"""
    step: str | None
    last_error: str | None
    latency_ms: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "status": self.status,
            "step": self.step,
            "lastError": self.last_error,
            "latencyMs": self.latency_ms,
        }


def body_of(reply: httpx.Response) -> Any:
    """An answer's body: its JSON, else its text (None when empty)."""
    if not reply.content:
        return None
    try:
        return reply.json()
    except ValueError:
        return reply.text


class BusApi:
    def __init__(self, settings: Settings) -> None:
        self.services = dict(settings.services)
        self.services.setdefault(GATEWAY, settings.gateway_url)
        self.gateway = settings.gateway_url.rstrip("/")
        self.timeout = settings.probe_timeout_seconds
        self.http = bus_client(
            timeout=settings.probe_timeout_seconds * 5,
            headers={"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"},
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            reply = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise Refused(502, {"code": "UNREACHABLE", "detail": f"{url}: {exc!r}"}) from exc
        if reply.status_code >= 400:
            raise Refused(reply.status_code, body_of(reply))
        return body_of(reply)

    async def service_call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        """A service's own API (its admin API too: the calls carry the bus's admin token)."""
        return await self._call(method, f"{self.services[service].rstrip('/')}{path}", **kwargs)

    async def gateway_call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._call(method, f"{self.gateway}{path}", **kwargs)

    # -- health -------------------------------------------------------------------------------

    async def _ready(self, name: str, url: str) -> Readiness:
        started = time.perf_counter()
        try:
            reply = await self.http.get(f"{url.rstrip('/')}/ready", timeout=self.timeout)
        except httpx.HTTPError as exc:
            return Readiness(name, url, "down", None, type(exc).__name__, None)
        body = body_of(reply)
        detail = body if isinstance(body, dict) else {}
        return Readiness(
            name,
            url,
            "ready" if reply.status_code == 200 else "starting",
            detail.get("step"),
            detail.get("lastError"),
            round((time.perf_counter() - started) * 1000, 1),
        )

    async def readiness(self) -> list[Readiness]:
        return list(await asyncio.gather(*(self._ready(n, u) for n, u in self.services.items())))

    # -- the clock ----------------------------------------------------------------------------

    async def clock(self) -> dict[str, Any]:
        found: dict[str, Any] = await self.gateway_call("GET", "/clock")
        return found

    async def change_clock(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        changed: dict[str, Any] = await self.gateway_call(
            "POST", f"/admin/clock/{action}", json=body
        )
        return changed

    # -- journal, faults, message log ---------------------------------------------------------

    async def journal(self, criteria: dict[str, str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.gateway_call(
            "GET", "/admin/journal", params=criteria
        )
        return found

    async def faults(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self.gateway_call("GET", "/admin/faults")
        return found

    async def add_fault(self, rule: dict[str, Any]) -> dict[str, Any]:
        made: dict[str, Any] = await self.gateway_call("POST", "/admin/faults", json=rule)
        return made

    async def remove_fault(self, rule_id: str) -> None:
        await self.gateway_call("DELETE", f"/admin/faults/{rule_id}")

    async def log_verify(self) -> dict[str, Any]:
        report: dict[str, Any] = await self.gateway_call("GET", "/admin/log/verify")
        return report

    async def log_recent(self, criteria: dict[str, str]) -> dict[str, Any]:
        page: dict[str, Any] = await self.gateway_call("GET", "/admin/log", params=criteria)
        return page

    # -- per service: scenarios and parked messages -------------------------------------------

    async def _each(self, path: str) -> dict[str, Any]:
        """`path` of every service but the gateway: its answer, or the `Refused` it gave."""
        names = [n for n in self.services if n != GATEWAY]

        async def one(name: str) -> Any:
            try:
                return await self._call("GET", f"{self.services[name].rstrip('/')}{path}")
            except Refused as refused:
                return refused

        return dict(zip(names, await asyncio.gather(*(one(n) for n in names)), strict=True))

    async def scenarios(self) -> dict[str, dict[str, str] | Refused]:
        """Each registry's declared `X-Test-Scenario` values, from its own OpenAPI document."""
        found: dict[str, dict[str, str] | Refused] = {}
        for name, document in (await self._each("/openapi.json")).items():
            if isinstance(document, Refused):
                found[name] = document
                continue
            operation = document.get("paths", {}).get(SYNC_PATH, {}).get("post")
            if operation is not None:
                found[name] = dict(operation.get("x-test-scenarios", {}))
        return found

    async def parked(self) -> dict[str, list[dict[str, Any]] | Refused]:
        """Parked messages of every service's queues, and the gateway's async dead letters."""
        found: dict[str, list[dict[str, Any]] | Refused] = {}
        try:
            found[GATEWAY] = await self.gateway_call("GET", "/admin/async/dead-letters")
        except Refused as refused:
            found[GATEWAY] = refused
        found.update(await self._each("/admin/bus/dead-letters"))
        return found

    async def redrive(
        self, service: str, queue: str | None, message_id: str | None
    ) -> dict[str, Any]:
        if service == GATEWAY:
            body = {"mailbox": queue, "messageId": message_id}
            path = f"{self.gateway}/admin/async/dead-letters/redrive"
        elif service in self.services:
            body = {"queue": queue, "messageId": message_id}
            path = f"{self.services[service].rstrip('/')}/admin/bus/dead-letters/redrive"
        else:
            raise Refused(404, {"code": "NOT_FOUND", "detail": f"no service {service}"})
        done: dict[str, Any] = await self._call("POST", path, json=body)
        return done
