"""Load the registry of interactions (registry.yaml) into the gateway's database.

Applied when the file's content changes (a new digest): its services, senders and access
rights are written over what is stored; entries added through the admin API and absent from
the file stay.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import RegisteredService, Sender, seed_versions
from gateway.repository import RegistryRepository
from servicekit import yaml_files
from servicekit.app import Seed
from servicekit.clock import Clock
from servicekit.provider import SYNC_PATH
from servicekit.seeding import apply_seed, digest_of


class FileModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ServiceEntry(FileModel):
    service_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    provider: str = Field(min_length=1, max_length=64)
    description: str = ""
    mode: str = Field(default="sync", pattern="^(sync|async|both)$")
    path: str = Field(default=SYNC_PATH, pattern="^/")
    timeout_ms: int = Field(default=5000, gt=0, le=600_000)
    routes: dict[str, str] = Field(default_factory=dict)
    delivery: str = Field(default="push", pattern="^(push|pull)$")
    async_protocol: str = Field(default="json", pattern="^(json|soap)$")
    soap_endpoint: str | None = Field(default=None, pattern="^https?://", max_length=500)

    def to_model(self, version: int) -> RegisteredService:
        return RegisteredService(
            service_id=self.service_id,
            provider=self.provider,
            path=self.path,
            mode=self.mode,
            timeout_ms=self.timeout_ms,
            description=self.description,
            registry_version=version,
            routes=self.routes,
            delivery=self.delivery,
            async_protocol=self.async_protocol,
            soap_endpoint=self.soap_endpoint,
        )


class SenderEntry(FileModel):
    sender_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = ""
    password_hash: str = Field(pattern=r"^scrypt\$")
    enabled: bool = True
    require_signature: bool = False

    def to_model(self) -> Sender:
        return Sender(
            sender_id=self.sender_id,
            name=self.name,
            password_hash=self.password_hash,
            enabled=self.enabled,
            require_signature=self.require_signature,
        )


class AccessEntry(FileModel):
    sender: str
    services: list[str]


class RegistryFile(FileModel):
    version: int
    services: list[ServiceEntry]
    senders: list[SenderEntry] = Field(default_factory=list)
    access: list[AccessEntry] = Field(default_factory=list)


def read_registry(raw: bytes) -> RegistryFile:
    return RegistryFile.model_validate(yaml_files.load(raw))


def make_seed(path: Path) -> Seed:
    raw = path.read_bytes()
    registry = read_registry(raw)

    async def seed(session: AsyncSession, clock: Clock) -> None:
        async def load(session: AsyncSession) -> None:
            repository = RegistryRepository(session)
            for service in registry.services:
                await repository.save_service(service.to_model(registry.version))
            for sender in registry.senders:
                await repository.save_sender(sender.to_model())
            await session.flush()
            for entry in registry.access:
                for service_id in entry.services:
                    await repository.grant(entry.sender, service_id)

        await apply_seed(
            session,
            seed_versions,
            name="registry",
            digest=digest_of(raw),
            clock=clock,
            load=load,
        )

    return seed
