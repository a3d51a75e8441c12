from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CUSTOMS_", extra="ignore")
    service_name = "customs"

    port: int = 8004
    sender_id: str = "customs"
    sender_password: str = "customs-secret"  # the development registry's; set it in deployments
