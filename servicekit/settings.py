"""Settings shared by every service; each service subclasses with its own env prefix.

A service reads only variables with its prefix (`GBD_FL_PORT`, `GATEWAY_DATABASE_URL`…), so
one environment can hold the settings of the whole bus without collisions. `egov up` and
docker-compose set them per service.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        default=SecretStr("egov-admin"),
        description="bearer token of the admin API (/admin/…); change it outside a laptop",
    )
    log_unmasked: bool = Field(
        default=False, description="show ИИН/БИН in logs unmasked (never in production)"
    )

    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / f'{self.service_name}.db').resolve()}"
