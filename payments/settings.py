from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore")
    service_name = "payments"

    port: int = 8009
    sender_id: str = "payments"
    sender_password: str = "payments-secret"  # the development registry's; set it in deployments
