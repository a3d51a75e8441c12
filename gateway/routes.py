"""The gateway's public HTTP surface besides the channels: bus health and metadata.

Metadata mirrors what X-Road offers integrators: the services, the services one sender may
call, and the OpenAPI of a service's provider.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.health import bus_health
from gateway.registry import Registry
from gateway.schemas import ServiceOut, service_out
from gateway.sync_channel import SyncChannel
from servicekit.errors import NotFound, Problem
from servicekit.topology import local_url, spec

router = APIRouter()


@router.get("/health", tags=["health"], summary="Every service of the bus and its readiness")
async def health(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    channel: SyncChannel = request.app.state.sync_channel
    report = await bus_health(
        channel.http,
        request.app.state.readiness,
        local_url(spec("gateway"), settings.host, settings.port),
        settings.providers,
        settings.health_timeout,
    )
    return JSONResponse(report.model_dump(mode="json", by_alias=True))


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.sync_channel.registry
    return registry


@router.get("/metadata/services", tags=["metadata"], summary="Every service the gateway routes")
async def list_services(request: Request) -> list[ServiceOut]:
    services = _registry(request).services.values()
    return [service_out(s) for s in sorted(services, key=lambda s: s.service_id)]


@router.get(
    "/metadata/senders/{sender_id}/services",
    tags=["metadata"],
    summary="The services a sender may call",
    responses={404: {"description": "NOT_FOUND: no such senderId"}},
)
async def allowed_services(sender_id: str, request: Request) -> list[str]:
    registry = _registry(request)
    if sender_id not in registry.senders:
        raise NotFound(field="senderId")
    return registry.allowed_services(sender_id)


@router.get(
    "/metadata/services/{service_id}/openapi",
    tags=["metadata"],
    summary="The OpenAPI document of the service's provider",
    responses={404: {"description": "NOT_FOUND: no such serviceId"}},
)
async def service_openapi(service_id: str, request: Request) -> dict[str, Any]:
    route = _registry(request).route(service_id, None)
    if route is None:
        raise NotFound(field="serviceId")
    base = request.app.state.settings.providers[route.provider].rstrip("/")
    channel: SyncChannel = request.app.state.sync_channel
    try:
        async with channel.http.get(
            f"{base}/openapi.json", timeout=aiohttp.ClientTimeout(total=5)
        ) as reply:
            reply.raise_for_status()
            document: dict[str, Any] = await reply.json()
    except (aiohttp.ClientError, OSError, TimeoutError):
        raise Problem("PROVIDER_UNAVAILABLE", status=503, service_id=service_id) from None
    return document
