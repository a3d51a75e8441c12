from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NUMBER_BANK_", extra="ignore")
    service_name = "number_bank"

    port: int = 8007
    sender_id: str = "number_bank"
    sender_password: str = "number-bank-secret"  # the development registry's; set it in deployments

    max_reservations_per_person: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="live reservations one ИИН may hold at once (this project's choice); a "
        "load test with a few buyers raises it",
    )
