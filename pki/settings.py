from typing import Annotated

from fastapi import Depends
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.app_state import app_settings
from servicekit.settings import ServiceSettings

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8010"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PKI_", extra="ignore")
    service_name = "pki"

    port: int = 8010
    sender_id: str = "pki"
    sender_password: str = "pki-secret"  # the development registry's; set it in deployments
    public_base_url: str = Field(
        default=DEFAULT_PUBLIC_URL,
        description="where clients reach НУЦ: the CRL and OCSP addresses of certificates it "
        "issues from now on (the seeded ones carry the default)",
    )


PkiSettings = Annotated[Settings, Depends(app_settings)]
