from datetime import date
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTOFFICE_SERVICE_", extra="ignore")
    service_name = "frontoffice_service"

    port: int = 8012
    sender_id: str = "frontoffice_service"
    sender_password: str = "frontoffice-secret"  # the development registry's; set it in deployments

    # The machinery pilot (M3–M17). Defaults are the joint order's values: МСХ No 287 of
    # 08.09.2025 and МЦРИАП No 466/НҚ of 10.09.2025, clause 1.
    machinery_pilot_start: date = Field(
        default=date(2025, 9, 1), description="first day of the machinery pilot (Asia/Almaty)"
    )
    machinery_pilot_end: date = Field(
        default=date(2025, 12, 31), description="last day of the machinery pilot (Asia/Almaty)"
    )
    machinery_pilot_regions: tuple[str, ...] = Field(
        default=("02", "10"),
        description="region codes of the pilot: 02 Almaty city, 10 Kostanay region",
    )
    scan_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="the largest scan the desk takes (M6.4), in bytes",
    )
    max_body_bytes: int = Field(
        default=11 * 1024 * 1024,
        ge=1024,
        description="the largest request body taken, in bytes: above scan_max_bytes, so that "
        "a scan over its limit reaches the desk and is refused as SCAN_TOO_LARGE (M6.4)",
    )
    overdue_refresh_seconds: float = Field(
        default=30.0,
        gt=0,
        description="how often the overdue gauge of the provider's desk is recomputed (M14)",
    )

    @model_validator(mode="after")
    def _room_for_a_scan(self) -> Self:
        if self.max_body_bytes <= self.scan_max_bytes:
            raise ValueError(
                f"max_body_bytes ({self.max_body_bytes}) must be above scan_max_bytes "
                f"({self.scan_max_bytes}): set FRONTOFFICE_SERVICE_MAX_BODY_BYTES"
            )
        return self
