from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings
from servicekit.topology import SERVICES, local_url


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DESKS_", extra="ignore")
    service_name = "desks"

    port: int = 8015
    services: dict[str, str] = Field(
        default_factory=lambda: {s.name: local_url(s) for s in SERVICES},
        description="every service of the bus by name → its base URL: the console asks each "
        "one's `/ready`, parked messages and OpenAPI there (the gateway's admin API at "
        "`gateway_url`)",
    )
    probe_timeout_seconds: float = Field(
        default=2.0, gt=0, le=60, description="how long the console waits for one service"
    )
    refresh_ms: int = Field(
        default=2000, ge=250, le=60_000, description="how often the live parts of a page poll"
    )
