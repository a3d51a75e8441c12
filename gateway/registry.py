"""The registry of interactions as the hot path reads it: an immutable in-memory snapshot.

Loaded from the database at start and swapped whole after every admin change, so routing,
authentication and access checks cost dictionary lookups, never a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import AccessRight, RegisteredService, Sender
from gateway.passwords import VERIFIED
from gateway.repository import RegistryRepository
from gateway.scenarios import declared
from servicekit.provider import ASYNC_PATH
from servicekit.scenarios import registry_of

ANY_SERVICE = "*"


SYNC_MODES = frozenset({"sync", "both"})
ASYNC_MODES = frozenset({"async", "both"})
"""A service is called on the sync channel, the async channel, or both."""


@dataclass(frozen=True, slots=True)
class Route:
    service_id: str
    provider: str
    url: str
    """Where the sync channel POSTs, or the async channel pushes for an async-only service."""
    async_url: str
    """Where the async channel pushes messages."""
    timeout_ms: int
    mode: str
    async_protocol: str = "json"
    """`soap`: the async channel pushes SOAP sendMessage to `async_url` (IAsyncChannelClient)."""
    soap: bool = False
    """`url` is a SOAP 1.1 provider's endpoint: the sync channel sends it SendMessage as XML."""


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    service_id: str
    provider: str
    path: str
    mode: str
    timeout_ms: int
    description: str
    routes: dict[str, str]
    delivery: str = "push"
    async_protocol: str = "json"
    soap_endpoint: str | None = None


@dataclass(frozen=True, slots=True)
class SenderEntry:
    sender_id: str
    name: str
    password_hash: str
    enabled: bool
    require_signature: bool = False


@dataclass(frozen=True)
class Registry:
    services: dict[str, ServiceEntry]
    senders: dict[str, SenderEntry]
    access: frozenset[tuple[str, str]]
    provider_urls: dict[str, str]
    scenarios: Mapping[str, frozenset[str]] = field(default_factory=declared)
    """Each registry's declared scenarios (`gateway.scenarios`)."""
    providers: frozenset[str] = frozenset()
    """The providers the services are routed to, known once per snapshot."""

    @classmethod
    def build(
        cls,
        services: Iterable[RegisteredService],
        senders: Iterable[Sender],
        access: Iterable[AccessRight],
        provider_urls: dict[str, str],
    ) -> Registry:
        services = list(services)
        return cls(
            services={
                s.service_id: ServiceEntry(
                    s.service_id,
                    s.provider,
                    s.path,
                    s.mode,
                    s.timeout_ms,
                    s.description,
                    dict(s.routes or {}),
                    s.delivery,
                    s.async_protocol,
                    s.soap_endpoint,
                )
                for s in services
            },
            senders={
                s.sender_id: SenderEntry(
                    s.sender_id, s.name, s.password_hash, s.enabled, bool(s.require_signature)
                )
                for s in senders
            },
            access=frozenset((a.sender_id, a.service_id) for a in access),
            provider_urls=provider_urls,
            providers=frozenset(s.provider for s in services),
        )

    def scenario_known(self, scenario: str) -> list[str] | None:
        """None when `scenario` may be sent on; else what is known instead, to name in the
        refusal. A registry whose contract declares its scenarios is held to them here, so a
        misspelt one is refused on the first call of a flow, whichever registry that goes to;
        a provider without a contract (added by a tester) has the last word on its own; a
        scenario naming no provider would be ignored by all of them."""
        registry = registry_of(scenario) if "." in scenario else None
        branches = self.scenarios.get(registry) if registry in self.providers else None
        if branches is not None:
            return None if scenario in branches else sorted(branches)
        if registry in self.providers:
            return None
        return [f"{provider}.…" for provider in sorted(self.providers)]

    @classmethod
    async def load(cls, session: AsyncSession, provider_urls: dict[str, str]) -> Registry:
        repository = RegistryRepository(session)
        return cls.build(
            await repository.services(),
            await repository.senders(),
            await repository.access_rights(),
            provider_urls,
        )

    def route(self, service_id: str, route_id: str | None) -> Route | None:
        """Where `service_id` (by `route_id`, if given) goes; None if nowhere."""
        service = self.services.get(service_id)
        if service is None:
            return None
        if service.soap_endpoint and route_id is None and service.mode in SYNC_MODES:
            return Route(
                service_id,
                service.provider,
                service.soap_endpoint,
                service.soap_endpoint,
                service.timeout_ms,
                service.mode,
                soap=True,
            )
        provider = service.provider if route_id is None else service.routes.get(route_id)
        base = self.provider_urls.get(provider) if provider else None
        if provider is None or base is None:
            return None
        base = base.rstrip("/")
        # A service on both channels has the provider's two endpoints; its path is the sync one.
        pushed = base + (ASYNC_PATH if service.mode == "both" else service.path)
        return Route(
            service_id,
            provider,
            base + service.path,
            pushed,
            service.timeout_ms,
            service.mode,
            service.async_protocol,
        )

    def authenticate(self, sender_id: str, password: str | None) -> bool:
        sender = self.senders.get(sender_id)
        if sender is None or not sender.enabled or password is None:
            return False
        return VERIFIED.check(sender_id, password, sender.password_hash)

    def requires_signature(self, sender_id: str) -> bool:
        sender = self.senders.get(sender_id)
        return sender is not None and sender.require_signature

    def may_call(self, sender_id: str, service_id: str) -> bool:
        return (sender_id, service_id) in self.access or (sender_id, ANY_SERVICE) in self.access

    def allowed_services(self, sender_id: str) -> list[str]:
        return sorted(s for s in self.services if self.may_call(sender_id, s))
