"""Tester controls: fault rules and the request journal, under /admin with the admin credential.

`X-Test-Run-Id` on these requests scopes them to one test run, so parallel runs stay apart: a
rule made with it applies only to calls carrying the same header, and listing, querying and
clearing with it see only that run's rules and entries. Without it they see everything, and a
rule made without it applies to every call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime, Field
from pydantic.alias_generators import to_camel
from starlette.status import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from gateway.admin import AdminOnly
from gateway.dependencies import FaultRulesDep, JournalDep
from gateway.exchange import Exchange
from gateway.fault_rules import ANY, FaultRule
from gateway.faults import FaultKind
from gateway.journal import JournalQuery
from gateway.schemas import Contract
from servicekit.errors import NotFound, validation_problem

router = APIRouter(prefix="/admin", tags=["admin: tester controls"])

MAX_LATENCY_MS = 120_000
MAX_TTL_SECONDS = 10 * 366 * 24 * 3600
"""Ten years, as far as the bus clock may be moved at once: a longer rule is just a rule
without expiry, and far beyond it the expiry is no date at all (1e194 s overflows)."""
MAX_COUNT = 1_000_000_000

Operation = Literal[
    "*",
    "SendMessage",
    "sendMessage",
    "getMessages",
    "getMessageStatus",
    "sendDeliveryNotification",
    "deliver",
]
"""`SendMessage` on the sync channel; the others on the async channel (`deliver`: to the
provider)."""

RunId = Annotated[
    str | None,
    Header(
        alias="X-Test-Run-Id",
        description="the test run this request belongs to; without it: every run",
    ),
]

# Which kind a kind-specific field belongs to, and which of them that kind cannot do without.
_KIND_OF_FIELD: dict[str, FaultKind] = {
    "latency_ms": "latency",
    "error_code": "error",
    "status": "error",
    "message": "error",
}
_REQUIRED = frozenset({"latency_ms", "error_code", "status"})


class FaultRuleIn(Contract):
    kind: FaultKind = Field(
        description="latency: delay, then forward; error: answer `errorCode` with `status`; "
        "timeout: wait the service's timeout, then PROVIDER_TIMEOUT; drop: cut the connection"
    )
    service_id: str = Field(default=ANY, min_length=1, max_length=100, description="`*`: any")
    operation: Operation = Field(default="*", description="`*`: any")
    sender_id: str | None = Field(default=None, min_length=1, max_length=100)
    latency_ms: int | None = Field(
        default=None, gt=0, le=MAX_LATENCY_MS, description="kind latency only"
    )
    error_code: str | None = Field(
        default=None,
        pattern=r"^[A-Z][A-Z0-9_]*$",
        max_length=64,
        description="kind error only: the ErrorInfo code the caller gets",
    )
    status: int | None = Field(default=None, ge=400, le=599, description="kind error only")
    message: str | None = Field(
        default=None, min_length=1, max_length=250, description="kind error only"
    )
    probability: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)
    count: int | None = Field(
        default=None, gt=0, le=MAX_COUNT, description="fire at most this many times"
    )
    expires_at: AwareDatetime | None = Field(default=None, description="by the bus clock")
    ttl_seconds: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TTL_SECONDS,
        allow_inf_nan=False,
        description="instead of expiresAt: this long from now (bus clock)",
    )
    seed: int | None = Field(
        default=None,
        ge=-(2**63),
        le=2**63 - 1,
        description="seeds the rule's own random numbers: which calls it hits is repeatable",
    )

    def inconsistencies(self, now: datetime) -> list[dict[str, Any]]:
        """What pydantic cannot see field by field, as pydantic-style errors."""
        errors: list[dict[str, Any]] = []
        for name, kind in _KIND_OF_FIELD.items():
            given = getattr(self, name) is not None
            location = ("body", to_camel(name))
            if kind == self.kind and name in _REQUIRED and not given:
                errors.append({"type": "missing", "loc": location})
            elif kind != self.kind and given:
                not_applicable = {"type": "FAULT_FIELD_NOT_APPLICABLE", "ctx": {"kind": self.kind}}
                errors.append({**not_applicable, "loc": location})
        if self.expires_at is not None and self.ttl_seconds is not None:
            errors.append({"type": "EXPIRY_OR_TTL", "loc": ("body", "ttlSeconds")})
        elif self.expires_at is not None and self.expires_at <= now:
            errors.append({"type": "EXPIRY_IN_PAST", "loc": ("body", "expiresAt")})
        return errors


class FaultRuleOut(Contract):
    id: str
    kind: FaultKind
    service_id: str
    operation: str
    sender_id: str | None
    latency_ms: int | None
    error_code: str | None
    status: int | None
    message: str | None
    probability: float
    count: int | None
    expires_at: datetime | None
    seed: int | None
    run_id: str | None
    created_at: datetime
    fired: int = Field(description="how many calls the rule has hit so far")

    @classmethod
    def of(cls, rule: FaultRule) -> FaultRuleOut:
        fault = rule.fault
        error = fault.kind == "error"
        return cls(
            id=rule.id,
            kind=fault.kind,
            service_id=rule.service_id,
            operation=rule.operation,
            sender_id=rule.sender_id,
            latency_ms=fault.latency_ms if fault.kind == "latency" else None,
            error_code=fault.error_code if error else None,
            status=fault.status if error else None,
            message=(fault.message or None) if error else None,
            probability=rule.probability,
            count=rule.count,
            expires_at=rule.expires_at,
            seed=rule.seed,
            run_id=rule.run_id,
            created_at=rule.created_at,
            fired=rule.fired,
        )


class Removed(Contract):
    removed: int


class JournalFilter(Contract):
    service_id: str | None = None
    sender_id: str | None = None
    operation: str | None = None
    correlation_id: str | None = Field(
        default=None,
        description="a conversation: the call with this messageId and the calls whose "
        "correlationId it is",
    )
    message_id: str | None = None
    code: str | None = Field(default=None, description="`SCSS001` or an ErrorInfo code")
    since: AwareDatetime | None = Field(
        default=None, alias="from", description="received at or after (bus clock)"
    )
    until: AwareDatetime | None = Field(
        default=None, alias="to", description="received before (bus clock)"
    )
    limit: int = Field(default=100, gt=0, le=10_000, description="newest first")


class JournalEntry(Contract):
    session_id: str
    channel: str
    operation: str
    message_id: str | None
    correlation_id: str | None
    service_id: str | None
    sender_id: str | None
    route_id: str | None
    provider: str | None
    run_id: str | None
    scenario: str | None
    started_at: datetime = Field(description="when the gateway received the call (bus clock)")
    duration_ms: float = Field(description="how long the gateway took to answer (real time)")
    status: int = Field(description="HTTP status; 0 when the connection was dropped")
    code: str
    request: Any = Field(
        description="the body as JSON (its text if it is not JSON), redacted as in the message "
        "log: no password; ИИН/БИН, names and phones masked, photos and documents as digests"
    )
    response: Any = Field(description="the body, as `request`")

    @classmethod
    def of(cls, exchange: Exchange) -> JournalEntry:
        return cls(
            session_id=exchange.session_id,
            channel=exchange.channel,
            operation=exchange.operation,
            message_id=exchange.message_id,
            correlation_id=exchange.correlation_id,
            service_id=exchange.service_id,
            sender_id=exchange.sender_id,
            route_id=exchange.route_id,
            provider=exchange.provider,
            run_id=exchange.run_id,
            scenario=exchange.scenario,
            started_at=exchange.started_at,
            duration_ms=round(exchange.duration_ms, 3),
            status=exchange.status,
            code=exchange.code,
            request=_parsed(exchange.request),
            response=_parsed(exchange.response),
        )


def _parsed(body: bytes) -> Any:
    # Parsed here, on reading, so recording stays cheap on the hot path.
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", errors="replace")


@router.post(
    "/faults",
    status_code=HTTP_201_CREATED,
    summary="Add a fault rule (for this test run only, with X-Test-Run-Id)",
    description="Of several rules matching a call, the oldest whose probability fires wins.",
)
async def add_fault(
    body: FaultRuleIn, _: AdminOnly, rules: FaultRulesDep, run_id: RunId = None
) -> FaultRuleOut:
    errors = body.inconsistencies(rules.clock.now())
    if errors:
        raise validation_problem(errors)
    rule = rules.add(
        kind=body.kind,
        service_id=body.service_id,
        operation=body.operation,
        sender_id=body.sender_id,
        run_id=run_id,
        latency_ms=body.latency_ms or 0,
        error_code=body.error_code or "PROVIDER_ERROR",
        status=body.status or 502,
        message=body.message or "",
        probability=body.probability,
        count=body.count,
        expires_at=body.expires_at,
        ttl_seconds=body.ttl_seconds,
        seed=body.seed,
    )
    return FaultRuleOut.of(rule)


@router.get("/faults", summary="The live fault rules (this run's only, with X-Test-Run-Id)")
async def list_faults(
    _: AdminOnly, rules: FaultRulesDep, run_id: RunId = None
) -> list[FaultRuleOut]:
    return [FaultRuleOut.of(rule) for rule in rules.rules(run_id)]


@router.delete(
    "/faults/{rule_id}",
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove one fault rule",
    responses={404: {"description": "FAULT_RULE_NOT_FOUND: no such ruleId"}},
)
async def remove_fault(
    rule_id: str, _: AdminOnly, rules: FaultRulesDep, run_id: RunId = None
) -> Response:
    if not rules.remove(rule_id, run_id):
        raise NotFound("FAULT_RULE_NOT_FOUND", field="ruleId", rule_id=rule_id)
    return Response(status_code=HTTP_204_NO_CONTENT)


@router.delete("/faults", summary="Remove the fault rules (this run's only, with X-Test-Run-Id)")
async def clear_faults(_: AdminOnly, rules: FaultRulesDep, run_id: RunId = None) -> Removed:
    return Removed(removed=rules.clear(run_id))


@router.get("/journal", summary="Recent exchanges, newest first (this run's, with X-Test-Run-Id)")
async def query_journal(
    criteria: Annotated[JournalFilter, Query()],
    _: AdminOnly,
    journal: JournalDep,
    run_id: RunId = None,
) -> list[JournalEntry]:
    query = JournalQuery(
        service_id=criteria.service_id,
        sender_id=criteria.sender_id,
        operation=criteria.operation,
        correlation_id=criteria.correlation_id,
        message_id=criteria.message_id,
        code=criteria.code,
        since=criteria.since,
        until=criteria.until,
    )
    found = journal.query(query, limit=criteria.limit, run_id=run_id)
    return [JournalEntry.of(exchange) for exchange in found]


@router.delete("/journal", summary="Forget the journal (this run's only, with X-Test-Run-Id)")
async def reset_journal(_: AdminOnly, journal: JournalDep, run_id: RunId = None) -> Removed:
    return Removed(removed=journal.reset(run_id))
