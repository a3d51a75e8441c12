"""Load the registry of interactions (registry.yaml) into the gateway's database."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import RegisteredService, seed_versions
from gateway.repository import ServiceRepository
from servicekit.app import Seed
from servicekit.clock import Clock
from servicekit.provider import SYNC_PATH
from servicekit.seeding import apply_seed, digest_of


class ServiceEntry(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")

    service_id: str = Field(min_length=1, max_length=100)
    provider: str
    description: str = ""
    mode: str = Field(default="sync", pattern="^(sync|async)$")
    path: str = SYNC_PATH
    timeout_ms: int = Field(default=5000, gt=0, le=600_000)


class RegistryFile(BaseModel):
    version: int
    services: list[ServiceEntry]


def read_registry(path: Path) -> RegistryFile:
    return RegistryFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def make_seed(path: Path) -> Seed:
    raw = path.read_bytes()
    registry = read_registry(path)

    async def seed(session: AsyncSession, clock: Clock) -> None:

        async def load(session: AsyncSession) -> None:
            repository = ServiceRepository(session)
            for entry in registry.services:
                await repository.upsert(
                    RegisteredService(
                        service_id=entry.service_id,
                        provider=entry.provider,
                        path=entry.path,
                        mode=entry.mode,
                        timeout_ms=entry.timeout_ms,
                        description=entry.description,
                        registry_version=registry.version,
                    )
                )

        await apply_seed(
            session,
            seed_versions,
            name="registry",
            digest=digest_of(raw),
            clock=clock,
            load=load,
        )

    return seed
