"""Admin API of the registry of interactions: services, senders, access rights.

Changes are written to the database and, once committed, swapped into the channels' snapshot,
so the next request already sees them. They survive restarts until registry.yaml changes.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.status import HTTP_204_NO_CONTENT

from gateway.admin import AdminOnly
from gateway.dependencies import CurrentRegistry, GatewaySettings
from gateway.models import RegisteredService, Sender
from gateway.passwords import hash_password
from gateway.registry import ANY_SERVICE, Registry
from gateway.repository import RegistryRepository
from gateway.schemas import RegistryView, SenderIn, SenderOut, ServiceIn, ServiceOut, service_out
from servicekit.db import DbSession, after_commit
from servicekit.errors import NotFound, Problem

router = APIRouter(prefix="/admin", tags=["admin: registry"])


async def reload_registry(app: FastAPI) -> None:
    async with app.state.db.sessionmaker() as session:
        app.state.sync_channel.registry = await Registry.load(session, app.state.settings.providers)
    # An async service added, removed or switched to push needs its mailbox consumer.
    await app.state.async_channel.reconcile()


def _reload_after_commit(app: FastAPI, session: DbSession) -> None:
    async def reload() -> None:
        await reload_registry(app)

    after_commit(session, reload)


def view(registry: Registry) -> RegistryView:
    return RegistryView(
        services=[
            service_out(s) for s in sorted(registry.services.values(), key=lambda s: s.service_id)
        ],
        senders=[
            SenderOut(
                sender_id=s.sender_id,
                name=s.name,
                enabled=s.enabled,
                require_signature=s.require_signature,
                services=sorted(svc for sid, svc in registry.access if sid == s.sender_id),
            )
            for s in sorted(registry.senders.values(), key=lambda s: s.sender_id)
        ],
    )


@router.get("/registry", summary="The whole registry of interactions as routed now")
async def get_registry(_: AdminOnly, registry: CurrentRegistry) -> RegistryView:
    return view(registry)


@router.put("/services/{service_id}", summary="Add or replace a service")
async def put_service(
    service_id: str,
    body: ServiceIn,
    _: AdminOnly,
    request: Request,
    session: DbSession,
    settings: GatewaySettings,
) -> ServiceOut:
    providers = settings.providers
    # A SOAP provider is reached at its URL; its name only labels it in the journal.
    named = body.routes.values() if body.soap_endpoint else (body.provider, *body.routes.values())
    for provider in named:
        if provider not in providers:
            raise Problem("UNKNOWN_PROVIDER", status=422, field="provider", provider=provider)
    await RegistryRepository(session).save_service(
        RegisteredService(service_id=service_id, registry_version=0, **body.model_dump())
    )
    _reload_after_commit(request.app, session)
    return ServiceOut(service_id=service_id, **body.model_dump())


@router.delete(
    "/services/{service_id}",
    status_code=HTTP_204_NO_CONTENT,
    responses={404: {"description": "NOT_FOUND: no such serviceId"}},
)
async def delete_service(
    service_id: str, _: AdminOnly, request: Request, session: DbSession
) -> Response:
    if not await RegistryRepository(session).delete_service(service_id):
        raise NotFound(field="serviceId")
    _reload_after_commit(request.app, session)
    return Response(status_code=HTTP_204_NO_CONTENT)


@router.put("/senders/{sender_id}", summary="Add or replace a sender")
async def put_sender(
    sender_id: str,
    body: SenderIn,
    _: AdminOnly,
    request: Request,
    session: DbSession,
    registry: CurrentRegistry,
) -> SenderOut:
    if (body.password is None) == (body.password_hash is None):
        raise Problem("PASSWORD_OR_HASH", status=422, field="password")
    encoded = body.password_hash or hash_password(body.password or "")
    await RegistryRepository(session).save_sender(
        Sender(
            sender_id=sender_id,
            name=body.name,
            password_hash=encoded,
            enabled=body.enabled,
            require_signature=body.require_signature,
        )
    )
    _reload_after_commit(request.app, session)
    return SenderOut(
        sender_id=sender_id,
        name=body.name,
        enabled=body.enabled,
        require_signature=body.require_signature,
        services=sorted(svc for sid, svc in registry.access if sid == sender_id),
    )


@router.delete(
    "/senders/{sender_id}",
    status_code=HTTP_204_NO_CONTENT,
    responses={404: {"description": "NOT_FOUND: no such senderId"}},
)
async def delete_sender(
    sender_id: str, _: AdminOnly, request: Request, session: DbSession
) -> Response:
    if not await RegistryRepository(session).delete_sender(sender_id):
        raise NotFound(field="senderId")
    _reload_after_commit(request.app, session)
    return Response(status_code=HTTP_204_NO_CONTENT)


@router.put(
    "/access/{sender_id}/{service_id}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Allow a sender to call a service (`*`: every service)",
    responses={404: {"description": "NOT_FOUND: no such senderId"}},
)
async def grant(
    sender_id: str,
    service_id: str,
    _: AdminOnly,
    request: Request,
    session: DbSession,
    registry: CurrentRegistry,
) -> Response:
    if sender_id not in registry.senders:
        raise NotFound(field="senderId")
    if service_id != ANY_SERVICE and service_id not in registry.services:
        raise NotFound(field="serviceId")
    await RegistryRepository(session).grant(sender_id, service_id)
    _reload_after_commit(request.app, session)
    return Response(status_code=HTTP_204_NO_CONTENT)


@router.delete(
    "/access/{sender_id}/{service_id}",
    status_code=HTTP_204_NO_CONTENT,
    responses={404: {"description": "NOT_FOUND: no such serviceId"}},
)
async def revoke(
    sender_id: str, service_id: str, _: AdminOnly, request: Request, session: DbSession
) -> Response:
    if not await RegistryRepository(session).revoke(sender_id, service_id):
        raise NotFound(field="serviceId")
    _reload_after_commit(request.app, session)
    return Response(status_code=HTTP_204_NO_CONTENT)
