from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings
from servicekit.topology import SERVICES, local_url

REGISTRY_FILE = Path(__file__).with_name("registry.yaml")


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name = "gateway"

    port: int = 8000
    sender_id: str = "gateway"
    registry_file: Path = REGISTRY_FILE
    providers: dict[str, str] = Field(
        default_factory=lambda: {s.name: local_url(s) for s in SERVICES if s.name != "gateway"},
        description="provider name → base URL; the registry file names providers, not hosts",
    )
    health_timeout: float = Field(default=1.0, description="seconds to wait for each /ready")
    admin_token: SecretStr = Field(
        default=SecretStr("egov-admin"),
        description="bearer token of the admin API (/admin/…); change it outside a laptop",
    )
