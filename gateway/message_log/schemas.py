"""The contract of the message log's admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from gateway.schemas import Contract


class LogRecord(Contract):
    """One record as stored: the hashed document, `prevHash` and `hash` (see
    `gateway.message_log.chain` for the hash)."""

    seq: int
    recorded_at: str = Field(
        json_schema_extra={"format": "date-time"},
        description="bus-clock time the gateway received the request, ISO-8601 UTC, "
        "microseconds; kept as text because the hash covers exactly this text",
    )
    channel: str
    operation: str
    session_id: str
    message_id: str | None
    correlation_id: str | None
    service_id: str | None
    sender_id: str | None
    provider: str | None
    run_id: str | None
    status: int = Field(description="HTTP status the caller got; 0: the connection was dropped")
    code: str
    duration_ms: float
    request_body: str = Field(
        description="the sender's password always replaced by ***; unless the gateway keeps "
        "clear text: ИИН/БИН, names and phones masked, photos and documents replaced by "
        '{"sha256", "bytes"} of their decoded bytes'
    )
    response_body: str
    request_digest: str = Field(
        description="HMAC-SHA256 of the raw request bytes, before masking, under the gateway's "
        "digest key (GATEWAY_DIGEST_KEY): whoever holds the key can prove the original"
    )
    response_digest: str
    prev_hash: str
    hash: str


class LogPage(Contract):
    records: list[LogRecord] = Field(description="newest first")
    queued: int = Field(description="records the writer has not committed yet")
    dropped: int = Field(description="records lost to a full queue since the gateway started")
    failed_writes: int = Field(
        description="batch writes that failed and were retried since the gateway started"
    )


class BrokenRecord(Contract):
    seq: int
    reason: Literal["hash mismatch", "prev_hash mismatch", "gap in seq"]
    detail: str


class VerifyReport(Contract):
    ok: bool
    checked: int = Field(description="records whose hash was recomputed and found right")
    first_broken: BrokenRecord | None


class PruneOut(Contract):
    deleted: int
    anchor_seq: int | None = Field(
        description="the last record deleted so far; what remains chains from its hash"
    )
    cutoff: datetime | None = Field(description="records before it were due; null: kept forever")
