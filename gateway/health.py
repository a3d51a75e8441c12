"""The health of the whole bus, as the gateway sees it: every service's readiness."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

import aiohttp
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from servicekit.app import Readiness

State = Literal["ready", "starting", "down"]


class ServiceHealth(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    name: str
    url: str
    status: State
    step: str | None = None
    last_error: str | None = None
    latency_ms: float | None = None


class BusHealth(BaseModel):
    status: Literal["ok", "degraded"]
    services: list[ServiceHealth]


async def probe(
    session: aiohttp.ClientSession, name: str, url: str, seconds: float
) -> ServiceHealth:
    started = time.perf_counter()
    try:
        async with session.get(
            f"{url}/ready", timeout=aiohttp.ClientTimeout(total=seconds)
        ) as reply:
            body = await reply.json(content_type=None)
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
        return ServiceHealth(name=name, url=url, status="down", last_error=type(exc).__name__)
    latency = round((time.perf_counter() - started) * 1000, 2)
    return ServiceHealth(
        name=name,
        url=url,
        status="ready" if reply.status == 200 else "starting",
        step=body.get("step") if isinstance(body, dict) else None,
        last_error=body.get("lastError") if isinstance(body, dict) else None,
        latency_ms=latency,
    )


async def bus_health(
    session: aiohttp.ClientSession,
    own: Readiness,
    own_url: str,
    providers: dict[str, str],
    seconds: float,
) -> BusHealth:
    probes = await asyncio.gather(
        *(probe(session, name, url, seconds) for name, url in providers.items())
    )
    gateway = ServiceHealth(
        name="gateway",
        url=own_url,
        status="ready" if own.ready else "starting",
        step=own.step,
        last_error=own.last_error,
        latency_ms=0.0,
    )
    services = [gateway, *probes]
    ok = all(s.status == "ready" for s in services)
    return BusHealth(status="ok" if ok else "degraded", services=services)
