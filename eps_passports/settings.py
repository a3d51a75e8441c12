from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EPS_PASSPORTS_", extra="ignore")
    service_name = "eps_passports"

    port: int = 8003
    sender_id: str = "eps_passports"
    sender_password: str = (
        "eps-passports-secret"  # the development registry's; set it in deployments
    )
