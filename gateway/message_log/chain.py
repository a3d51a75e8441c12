"""The hash chain of the message log: what a record holds, how it is hashed, how it is checked.

A record's *document* is every stored field except `prevHash` and `hash`, under its JSON name
(camelCase), with `recordedAt` as ISO-8601 UTC with microseconds (`2026-11-22T05:00:00.000000Z`).
Its hash is

    hash = hex(SHA-256(prevHash as ASCII || canonical JSON of the document))

where canonical JSON is the document with sorted keys, no whitespace and UTF-8 text (what
`orjson.dumps(document, option=OPT_SORT_KEYS)` gives, and Python's
`json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` too;
`durationMs` has at most three decimals, so no float is written in exponent form). The first
record's `prevHash` is 64 zeros, or the hash of the last record retention deleted (the anchor).

An exported line is the document plus `prevHash` and `hash`, so it verifies without the gateway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic.alias_generators import to_camel

from gateway.exchange import Exchange

ZERO_HASH = "0" * 64

HASHED_COLUMNS = (
    "seq",
    "recorded_at",
    "channel",
    "operation",
    "session_id",
    "message_id",
    "correlation_id",
    "service_id",
    "sender_id",
    "provider",
    "run_id",
    "status",
    "code",
    "duration_ms",
    "request_body",
    "response_body",
    "request_digest",
    "response_digest",
)
"""Every column of `message_log` but `prev_hash` and `hash`: what a record's hash covers."""

COLUMNS = (*HASHED_COLUMNS, "prev_hash", "hash")

Record = Mapping[Any, Any]
"""A record as a prepared dict or a database row (whose keys may also be columns)."""

_JSON_NAMES = tuple((column, to_camel(column)) for column in HASHED_COLUMNS)


@dataclass(frozen=True, slots=True)
class Link:
    """The end of the chain: the last record's seq and hash (0 and zeros before the first)."""

    seq: int
    hash: str


START = Link(0, ZERO_HASH)


def as_utc(moment: datetime) -> datetime:
    """A time as stored: in UTC, because SQLite keeps the wall time and drops the offset (and
    so hands it back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """The one text form of a record's time (isoformat: twice as fast as strftime)."""
    return as_utc(moment).isoformat(timespec="microseconds")[:-6] + "Z"


def _text(raw: bytes) -> str:
    # PostgreSQL text cannot hold NUL; the digest keeps the raw bytes provable anyway.
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def prepare(exchange: Exchange) -> dict[str, Any]:
    """A record of `exchange` (redacted already: `gateway.redaction`) without its place in the
    chain (seq, prev_hash, hash)."""
    return {
        "recorded_at": as_utc(exchange.started_at),
        "channel": exchange.channel,
        "operation": exchange.operation,
        "session_id": exchange.session_id,
        "message_id": exchange.message_id,
        "correlation_id": exchange.correlation_id,
        "service_id": exchange.service_id,
        "sender_id": exchange.sender_id,
        "provider": exchange.provider,
        "run_id": exchange.run_id,
        "status": exchange.status,
        "code": exchange.code,
        # Rounded so the value survives every database's float column unchanged.
        "duration_ms": round(exchange.duration_ms, 3),
        "request_body": _text(exchange.request),
        "response_body": _text(exchange.response),
        "request_digest": exchange.request_digest or hashlib.sha256(exchange.request).hexdigest(),
        "response_digest": (
            exchange.response_digest or hashlib.sha256(exchange.response).hexdigest()
        ),
    }


def document(record: Record) -> dict[str, Any]:
    """The hashed part of a record (a row or a prepared dict) under its JSON names."""
    out = {name: record[column] for column, name in _JSON_NAMES}
    out["recordedAt"] = iso_utc(out["recordedAt"])
    return out


def record_hash(prev_hash: str, doc: Mapping[str, Any]) -> str:
    canonical = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def link(records: Iterable[dict[str, Any]], tail: Link) -> Link:
    """Give each prepared record its seq, prev_hash and hash after `tail`; the new tail."""
    for record in records:
        record["seq"] = tail.seq + 1
        record["prev_hash"] = tail.hash
        record["hash"] = record_hash(tail.hash, document(record))
        tail = Link(record["seq"], record["hash"])
    return tail


def exported(record: Record) -> dict[str, Any]:
    """A stored record as exported and listed: its document, prevHash and hash."""
    out = document(record)
    out["prevHash"] = record["prev_hash"]
    out["hash"] = record["hash"]
    return out


Reason = Literal["hash mismatch", "prev_hash mismatch", "gap in seq"]


@dataclass(frozen=True, slots=True)
class Break:
    seq: int
    reason: Reason
    detail: str


class ChainCheck:
    """Walks records in seq order from a known link and stops at the first broken one."""

    def __init__(self, start: Link) -> None:
        self.expected = start
        self.checked = 0
        self.broken: Break | None = None

    def check(self, record: Record) -> bool:
        """Check the next record; False (and `broken` set) once the chain is broken."""
        seq, expected = record["seq"], self.expected
        if seq != expected.seq + 1:
            self.broken = Break(seq, "gap in seq", f"record {seq} follows record {expected.seq}")
        elif record["prev_hash"] != expected.hash:
            self.broken = Break(
                seq,
                "prev_hash mismatch",
                f"prev_hash is not the hash of record {expected.seq}",
            )
        elif record_hash(record["prev_hash"], document(record)) != record["hash"]:
            self.broken = Break(
                seq, "hash mismatch", "the stored fields do not give the stored hash"
            )
        else:
            self.checked += 1
            self.expected = Link(seq, record["hash"])
            return True
        return False
