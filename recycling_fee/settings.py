from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECYCLING_FEE_", extra="ignore")
    service_name = "recycling_fee"

    port: int = 8005
    sender_id: str = "recycling_fee"
    sender_password: str = (
        "recycling-fee-secret"  # the development registry's; set it in deployments
    )
