from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PKI_", extra="ignore")
    service_name = "pki"

    port: int = 8010
    sender_id: str = "pki"
    sender_password: str = "pki-secret"  # the development registry's; set it in deployments
