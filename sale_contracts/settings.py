from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SALE_CONTRACTS_", extra="ignore")
    service_name = "sale_contracts"

    port: int = 8008
    sender_id: str = "sale_contracts"
    sender_password: str = (
        "sale-contracts-secret"  # the development registry's; set it in deployments
    )
