from datetime import date

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRATION_SERVICE_", extra="ignore")
    service_name = "registration_service"

    port: int = 8011
    sender_id: str = "registration_service"
    sender_password: str = (
        "registration-secret"  # the development registry's; set it in deployments
    )

    # The pilot's policy (V1). Defaults are the joint order's values: МЦРИАП No 499 of
    # 07.10.2025 and МВД No 754 of 09.10.2025 (kz-reference §5).
    pilot_start: date = Field(
        default=date(2025, 10, 15), description="first day of the pilot (Asia/Almaty)"
    )
    pilot_end: date = Field(
        default=date(2026, 8, 31), description="last day of the pilot (Asia/Almaty)"
    )
    made_in_kazakhstan_only: bool = Field(
        default=True, description="the pilot covers vehicles produced in Kazakhstan only"
    )
    vehicle_trade_okeds: tuple[str, ...] = Field(
        default=("45111", "45112", "45190"),
        description="ОКЭД codes that make a legal entity a vehicle seller (V1; kz-reference §5)",
    )
    auto_decision: bool = Field(
        default=False,
        description="the police desk approves clean applications by itself (V19); "
        "off in production-like runs, on in the demo",
    )
    notification_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        description="how often a live notification stream looks for notifications that "
        "another process of the service committed",
    )
    streams_per_principal: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="live notification streams one signed-in user may hold open at once",
    )
    plate_hold_minutes: int = Field(
        default=60 * 24 * 3, ge=1, description="how long a chosen plate stays reserved (V16)"
    )
