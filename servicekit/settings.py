"""Settings shared by every service; each service subclasses with its own env prefix.

A service reads only variables with its prefix (`GBD_FL_PORT`, `GATEWAY_DATABASE_URL`…), so
one environment can hold the settings of the whole bus without collisions. `egov up` and
docker-compose set them per service.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_TOKEN = "egov-admin"
"""The admin token of a laptop: warned about at start, refused beyond loopback."""

BUS_ADMIN_TOKEN = "EGOV_ADMIN_TOKEN"
"""The variable that gives every service of a bus (and the `egov` commands) one admin token;
a service's own `<PREFIX>_ADMIN_TOKEN` still wins."""


def bus_admin_token() -> str:
    """The admin token of the bus this environment names: `EGOV_ADMIN_TOKEN`, else the default."""
    return os.environ.get(BUS_ADMIN_TOKEN) or DEFAULT_ADMIN_TOKEN


class ServiceSettings(BaseSettings):
    """What every service needs: where it listens, its database, the broker, the gateway."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str]

    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL (postgresql+asyncpg://…); unset: a SQLite file in data_dir",
    )
    data_dir: Path = Path("data")
    amqp_url: str | None = Field(
        default=None, description="RabbitMQ URL; unset: the in-process bus (embedded mode)"
    )
    gateway_url: str = "http://127.0.0.1:8000"
    gateway_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="how long a call through the gateway waits for its answer before the "
        "service gives up on it (its outcome is then unknown, never a refusal)",
    )
    sender_id: str = Field(default="", description="this service's sender id at the gateway")
    sender_password: str = ""
    log_level: str = "INFO"
    log_json: bool = False
    admin_token: SecretStr = Field(
        default_factory=lambda: SecretStr(bus_admin_token()),
        description="bearer token of the admin API (/admin/…); unset: EGOV_ADMIN_TOKEN, the "
        "token of the whole bus, else `egov-admin`, which is refused when the service listens "
        "beyond loopback",
    )
    token_status_ttl_seconds: float = Field(
        default=60.0,
        ge=0,
        description="how long a state service trusts НУЦ's answer that a signed-in person's "
        "AUTH certificate is not revoked (asked before every state-changing request)",
    )
    log_unmasked: bool = Field(
        default=False, description="show ИИН/БИН in logs unmasked (never in production)"
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="the largest request body taken, in bytes; a larger one is refused with "
        "413 REQUEST_TOO_LARGE before it is read",
    )
    body_timeout: float = Field(
        default=60.0,
        gt=0,
        description="seconds a client has to send a request body once the service reads it; "
        "then 408 REQUEST_TIMEOUT and the connection is closed",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="seconds a client has to send a request line and its headers; then 408 "
        "REQUEST_TIMEOUT and the connection is closed",
    )
    max_header_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="the largest request line and headers taken, in bytes; then 431 "
        "HEADERS_TOO_LARGE and the connection is closed",
    )

    bus_retry_first_delay: float = Field(
        default=1.0, gt=0, description="seconds before a failed message's first retry; doubles"
    )
    bus_retry_max_delay: float = Field(
        default=60.0, gt=0, description="the longest wait between two retries of a message"
    )
    bus_retry_budget: float = Field(
        default=3600.0,
        ge=0,
        description="seconds (bus clock) a message whose handler fails for a temporary cause "
        "(a registry, the gateway or the database unavailable) is retried before it is parked",
    )

    @property
    def on_loopback(self) -> bool:
        """The service listens only where no other machine can reach it."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:  # a host name: it may resolve anywhere
            return False

    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"
