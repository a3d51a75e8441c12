"""The contract of the gateway's own API: registry administration and metadata."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gateway.registry import ServiceEntry
from servicekit.provider import SYNC_PATH


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ServiceIn(Contract):
    provider: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=500)
    mode: str = Field(default="sync", pattern="^(sync|async|both)$")
    path: str = Field(default=SYNC_PATH, pattern="^/", max_length=200)
    timeout_ms: int = Field(default=5000, gt=0, le=600_000)
    routes: dict[str, str] = Field(default_factory=dict)
    delivery: str = Field(
        default="push", pattern="^(push|pull)$", description="async services: push or pull"
    )
    async_protocol: str = Field(
        default="json",
        pattern="^(json|soap)$",
        description="async push: the JSON message, or SOAP sendMessage to the provider's "
        "IAsyncChannelClient",
    )
    soap_endpoint: str | None = Field(
        default=None,
        pattern="^https?://",
        max_length=500,
        description="a SOAP 1.1 provider's URL: the sync channel calls it with SendMessage "
        "(the project's WSDL) instead of the provider's JSON endpoint",
    )


class ServiceOut(ServiceIn):
    service_id: str


class SenderIn(Contract):
    name: str = Field(default="", max_length=200)
    password: str | None = Field(
        default=None, min_length=8, max_length=200, description="plain; stored as scrypt"
    )
    password_hash: str | None = Field(default=None, pattern=r"^scrypt\$", max_length=200)
    enabled: bool = True
    require_signature: bool = Field(
        default=False,
        description="its SOAP calls must carry a WS-Security signature over the Body (RSA, a "
        "certificate of the test НУЦ); a signed call is checked whatever this says",
    )


class SenderOut(Contract):
    sender_id: str
    name: str
    enabled: bool
    require_signature: bool = False
    services: list[str]


class RegistryView(Contract):
    services: list[ServiceOut]
    senders: list[SenderOut]


def service_out(entry: ServiceEntry) -> ServiceOut:
    return ServiceOut(
        service_id=entry.service_id,
        provider=entry.provider,
        description=entry.description,
        mode=entry.mode,
        path=entry.path,
        timeout_ms=entry.timeout_ms,
        routes=entry.routes,
        delivery=entry.delivery,
        async_protocol=entry.async_protocol,
        soap_endpoint=entry.soap_endpoint,
    )
