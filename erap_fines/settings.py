from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ERAP_FINES_", extra="ignore")
    service_name = "erap_fines"

    port: int = 8006
    sender_id: str = "erap_fines"
    sender_password: str = "erap-fines-secret"  # the development registry's; set it in deployments
