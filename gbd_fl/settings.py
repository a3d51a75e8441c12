from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GBD_FL_", extra="ignore")
    service_name = "gbd_fl"

    port: int = 8001
    sender_id: str = "gbd_fl"
    sender_password: str = "gbd-fl-secret"  # the development registry's; set it in deployments
