from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GBD_UL_", extra="ignore")
    service_name = "gbd_ul"

    port: int = 8002
    sender_id: str = "gbd_ul"
    sender_password: str = "gbd-ul-secret"  # the development registry's; set it in deployments
