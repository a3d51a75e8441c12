from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.gateway_client import ASYNC_PREFIX, SYNC_PATH
from servicekit.settings import ServiceSettings
from servicekit.topology import SERVICES, local_url

REGISTRY_FILE = Path(__file__).with_name("registry.yaml")


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name = "gateway"

    port: int = 8000
    sender_id: str = "gateway"
    registry_file: Path = REGISTRY_FILE
    providers: dict[str, str] = Field(
        default_factory=lambda: {s.name: local_url(s) for s in SERVICES if s.name != "gateway"},
        description="provider name → base URL; the registry file names providers, not hosts",
    )
    health_timeout: float = Field(default=1.0, description="seconds to wait for each /ready")
    message_log_enabled: bool = Field(
        default=True, description="append every request and response to the message log"
    )
    keep_clear_text: bool = Field(
        default=False,
        description="keep ИИН/БИН, names and phones unmasked and photos and documents whole in "
        "the request journal and the message log, for a private run (never in production); "
        "passwords are never kept",
    )
    digest_key: SecretStr | None = Field(
        default=None,
        description="key of the HMAC-SHA256 digests of raw bodies in the message log (a plain "
        "hash would let a reader try every masked ИИН or password against it); unset: a random "
        "key each start, so digests compare within one run only",
    )
    message_log_retention_days: int = Field(
        default=90, ge=0, description="days (of bus-clock time) a record is kept; 0: forever"
    )
    message_log_queue_size: int = Field(
        default=100_000,
        gt=0,
        description="records waiting for the writer; beyond it new records are counted and dropped",
    )
    message_log_batch_size: int = Field(
        default=500, gt=0, description="records the writer inserts in one transaction at most"
    )
    message_log_flush_ms: float = Field(
        default=20.0, ge=0, description="how long the writer lets a batch fill before writing it"
    )
    message_log_prune_check_seconds: float = Field(
        default=30.0, gt=0, description="real seconds between checks whether a prune is due"
    )
    journal_run_capacity: int = Field(
        default=10_000,
        gt=0,
        description="request-journal entries kept per test run (X-Test-Run-Id); oldest go first",
    )
    journal_capacity: int = Field(
        default=50_000, gt=0, description="request-journal entries kept in all; oldest go first"
    )
    async_max_attempts: int = Field(
        default=5, ge=1, le=50, description="deliveries of an async message before it is stopped"
    )
    async_backoff: tuple[float, ...] = Field(
        default=(1.0, 5.0, 30.0, 120.0),
        description="seconds before the 1st, 2nd… retry (the last repeats); also how long a "
        "recipient has to confirm a message taken with getMessages",
    )
    async_relay_interval: float = Field(
        default=2.0, gt=0, description="seconds between rounds of publishing stored messages"
    )
    soap_sync_paths: list[str] = Field(
        default_factory=lambda: ["/bip-sync/", "/shep/bip-sync-wss-gost/"],
        description="paths where the sync channel answers SOAP 1.1 (each also without its "
        "trailing slash), with its WSDL at `?wsdl`; a JSON list to give more than one. The "
        "second is where many integrators post WS-Security-signed calls (RSA is checked; GOST "
        "is not modelled)",
    )
    soap_async_paths: list[str] = Field(
        default_factory=lambda: ["/bip-async/"],
        description="paths where the async channel answers SOAP 1.1 (each also without its "
        "trailing slash), with its WSDL at `?wsdl`; a JSON list to give more than one",
    )
    soap_fault_http_status: Literal["soap", "problem"] = Field(
        default="soap",
        description="HTTP status of a SOAP fault: `soap` is 500, as SOAP 1.1 has it and WCF and "
        "JAX-WS clients need; `problem` is the JSON channel's status for the same refusal",
    )

    soap_signing_key: Path | None = Field(
        default=None,
        description="a PKCS#12 (RSA key and certificate, e.g. one the test НУЦ issued or a "
        "persona's from personas/keys): when set, every SOAP answer of the sync channel carries "
        "the gateway's WS-Security signature over its Body",
    )
    soap_signing_password: SecretStr = Field(
        default=SecretStr("Qwerty12"), description="the password of `soap_signing_key`"
    )

    @field_validator("soap_sync_paths")
    @classmethod
    def _soap_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not path.startswith("/") or path.rstrip("/") == SYNC_PATH:
                raise ValueError(f"{path!r}: a SOAP path starts with / and is not {SYNC_PATH}")
        return paths

    @field_validator("soap_async_paths")
    @classmethod
    def _soap_async_paths(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not path.startswith("/") or path.rstrip("/").startswith(f"{ASYNC_PREFIX}/"):
                raise ValueError(
                    f"{path!r}: a SOAP path starts with / and is not one of {ASYNC_PREFIX}/…"
                )
        return paths

    @model_validator(mode="after")
    def _one_channel_per_soap_path(self) -> Self:
        both = {p.rstrip("/") for p in self.soap_sync_paths} & {
            p.rstrip("/") for p in self.soap_async_paths
        }
        if both:
            raise ValueError(f"{sorted(both)}: a SOAP path is the sync or the async channel's")
        return self
