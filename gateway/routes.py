"""The gateway's public HTTP surface besides the channels: bus health and metadata.

Metadata mirrors what X-Road offers integrators: the services, the services one sender may
call, and the OpenAPI of a service's provider.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.dependencies import CurrentRegistry, GatewaySettings, SyncChannelDep
from gateway.health import bus_health
from gateway.schemas import ServiceOut, service_out
from servicekit.app import AppReadiness
from servicekit.errors import NotFound, Problem
from servicekit.topology import local_url, spec

router = APIRouter()


@router.get("/health", tags=["health"], summary="Every service of the bus and its readiness")
async def health(
    settings: GatewaySettings, channel: SyncChannelDep, readiness: AppReadiness
) -> JSONResponse:
    report = await bus_health(
        channel.http,
        readiness,
        local_url(spec("gateway"), settings.host, settings.port),
        settings.providers,
        settings.health_timeout,
    )
    return JSONResponse(report.model_dump(mode="json", by_alias=True))


@router.get("/metadata/services", tags=["metadata"], summary="Every service the gateway routes")
async def list_services(registry: CurrentRegistry) -> list[ServiceOut]:
    services = registry.services.values()
    return [service_out(s) for s in sorted(services, key=lambda s: s.service_id)]


@router.get(
    "/metadata/senders/{sender_id}/services",
    tags=["metadata"],
    summary="The services a sender may call",
    responses={404: {"description": "NOT_FOUND: no such senderId"}},
)
async def allowed_services(sender_id: str, registry: CurrentRegistry) -> list[str]:
    if sender_id not in registry.senders:
        raise NotFound(field="senderId")
    return registry.allowed_services(sender_id)


@router.get(
    "/metadata/services/{service_id}/openapi",
    tags=["metadata"],
    summary="The OpenAPI document of the service's provider",
    responses={404: {"description": "NOT_FOUND: no such serviceId"}},
)
async def service_openapi(
    service_id: str,
    registry: CurrentRegistry,
    settings: GatewaySettings,
    channel: SyncChannelDep,
) -> dict[str, Any]:
    route = registry.route(service_id, None)
    if route is None:
        raise NotFound(field="serviceId")
    base = settings.providers[route.provider].rstrip("/")
    try:
        async with channel.http.get(
            f"{base}/openapi.json", timeout=aiohttp.ClientTimeout(total=5)
        ) as reply:
            reply.raise_for_status()
            document: dict[str, Any] = await reply.json()
    except (aiohttp.ClientError, OSError, TimeoutError):
        raise Problem("PROVIDER_UNAVAILABLE", status=503, service_id=service_id) from None
    return document
