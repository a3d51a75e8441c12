"""The gateway's HTTP surface: the sync channel and the health of the bus."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from gateway.health import bus_health
from gateway.routing import Forwarder
from servicekit.envelope import SyncRequest, SyncResponse
from servicekit.errors import problem_response
from servicekit.gateway_client import SYNC_PATH
from servicekit.topology import local_url, spec


class EnvelopeRoute(APIRoute):
    """A route whose invalid body is an INVALID_ENVELOPE fault (with ErrorInfo), not a bare 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                forwarder: Forwarder = request.app.state.forwarder
                return problem_response(request, forwarder.invalid_envelope(list(exc.errors())))

        return handle


router = APIRouter()
sync_channel = APIRouter(route_class=EnvelopeRoute, tags=["sync channel"])

_FAULTS: dict[int | str, dict[str, object]] = {
    status: {"description": text, "content": {"application/problem+json": {}}}
    for status, text in {
        400: "INVALID_ENVELOPE: the envelope does not match the schema",
        403: "ACCESS_DENIED",
        404: "SERVICE_NOT_FOUND",
        422: "PROVIDER_ERROR: the provider rejected the request data (subError says why)",
        502: "PROVIDER_ERROR: the provider failed",
        503: "PROVIDER_UNAVAILABLE",
        504: "PROVIDER_TIMEOUT",
    }.items()
}


@sync_channel.post(
    SYNC_PATH,
    summary="SendMessage: a synchronous request to a registry",
    response_model=SyncResponse,
    responses=_FAULTS,
)
async def send_message(envelope: SyncRequest, request: Request) -> Response:
    forwarder: Forwarder = request.app.state.forwarder
    answer = await forwarder.send(envelope, dict(request.headers))
    return Response(answer, media_type="application/json")


@router.get("/health", tags=["health"], summary="Every service of the bus and its readiness")
async def health(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    forwarder: Forwarder = request.app.state.forwarder
    report = await bus_health(
        forwarder.http,
        request.app.state.readiness,
        local_url(spec("gateway"), settings.host, settings.port),
        settings.providers,
        settings.health_timeout,
    )
    return JSONResponse(report.model_dump(mode="json", by_alias=True))
