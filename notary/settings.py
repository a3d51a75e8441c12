from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTARY_", extra="ignore")
    service_name = "notary"

    port: int = 8013
    sender_id: str = "notary"
    sender_password: str = "notary-secret"  # the development registry's; set it in deployments
