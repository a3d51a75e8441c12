from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NCALAYER_", extra="ignore")
    service_name = "ncalayer"

    port: int = 8014
    ws_port: int = Field(
        default=13579,
        ge=0,
        le=65535,
        description="where the WebSocket (wss) listens, on `host`: NCALayer's own port; 0 takes "
        "any free one (a bus moved off the documented ports), named by `GET /websocket`",
    )
    persona: str | None = Field(
        default="buyer",
        description="the persona whose keys a page gets until a tester chooses another "
        "(`PUT /persona`); empty: no key chosen, every request is cancelled by the user",
    )
    keys_dir: Path = Field(
        default=ROOT / "personas" / "keys",
        description="the personas' PKCS#12 files: `<persona>.p12` (SIGN), `<persona>.auth.p12`",
    )
    key_password: str = Field(
        default="Qwerty12", description="the password a chosen key is opened with"
    )
    ca_file: Path = Field(
        default=ROOT / "pki" / "seed_data.json",
        description="the test НУЦ's seed, whose issuing CA issues the wss server certificate "
        "(for 127.0.0.1 and localhost) at every start",
    )
    version: str = Field(default="1.4", description="the version announced on connect")
