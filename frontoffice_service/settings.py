from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTOFFICE_SERVICE_", extra="ignore")
    service_name = "frontoffice_service"

    port: int = 8012
    sender_id: str = "frontoffice_service"
    sender_password: str = "frontoffice-secret"  # the development registry's; set it in deployments
