"""The sync channel (`SendMessage`): the gateway's hot path, as a plain ASGI handler.

FastAPI's routing and dependency layer costs several times a bare ASGI endpoint on this
machine (≈11.7k vs ≈42.5k req/s for hello), and forwarding is the path every registry call
takes, so this one endpoint is handled below FastAPI. The envelope is still validated by the
same pydantic models (in Rust), the caller still gets RFC 9457 problems with ErrorInfo, and
the endpoint is documented in the gateway's OpenAPI like any other.

The same pipeline answers SOAP 1.1 (`gateway.soap`): a `Face` turns the wire format into the
JSON envelope and back, and `process` is the one path every call takes.

Order of checks, as the real gateway does them: envelope → sender authentication → service
exists → access right → route → (injected fault) → provider. Every refusal is an ErrorInfo code.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import orjson
import structlog
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.exchange import Exchange, ExchangeObserver, notify
from gateway.faults import Fault, FaultSource, InjectedFault, NoFaults
from gateway.registry import SYNC_MODES, Registry, Route
from servicekit.app import ROUTE_TEMPLATE, Readiness
from servicekit.clock import Clock, instant
from servicekit.envelope import SUCCESS, ErrorInfo, NumberOutOfRange, SyncRequest, parse_json
from servicekit.errors import PROBLEM_JSON, Problem, language_from, validation_problem
from servicekit.gateway_client import SYNC_PATH
from servicekit.scenarios import HEADER, unknown_scenario

log = structlog.get_logger(__name__)

RELAYED_HEADERS = ("x-test-scenario", "x-test-run-id")
"""Headers a tester sets that the provider must see."""

MAX_BODY = 10 * 1024 * 1024
"""An envelope larger than this is refused before it is parsed."""


class ConnectionDropped(Exception):
    """Raised after the response has started: the server then cuts the connection."""


class ProviderFault(Exception):
    """A SOAP provider answered with a fault: its ErrorInfo, which becomes the `subError`."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.error_code)
        self.info = info


class SoapProviders(Protocol):
    """How the channel calls a provider whose route is SOAP (`gateway.soap.provider`)."""

    async def exchange(
        self,
        http: aiohttp.ClientSession,
        route: Route,
        payload: bytes,
        relayed: dict[str, str],
        now: datetime,
    ) -> tuple[int, bytes]:
        """The provider's HTTP status and its answer as a JSON envelope (empty if none);
        raises `ProviderFault` for its SOAP fault."""


def gateway_fault(
    code: str,
    status: int,
    *,
    now: datetime,
    session_id: uuid.UUID | None,
    field: str | None = None,
    sub_error: ErrorInfo | None = None,
    error_data: Any = None,
    errors: list[dict[str, Any]] | None = None,
    message: str | None = None,
    problem_type: type[Problem] = Problem,
    **params: Any,
) -> Problem:
    """A problem whose `errorInfo` member is the ШЭП fault, as the real gateway would give it."""
    problem = problem_type(code, status=status, field=field, **params)
    info = ErrorInfo(
        error_code=code,
        error_message=(message or problem.messages()["ru"])[:250],
        error_data=error_data,
        error_date=now,
        sub_error=sub_error,
        session_id=session_id,
    )
    problem.extra["errorInfo"] = info.model_dump(mode="json", by_alias=True, exclude_none=True)
    if errors:
        problem.extra["errors"] = errors
    return problem


def check_scenario(
    registry: Registry, scenario: str | None, *, now: datetime, session_id: uuid.UUID | None
) -> None:
    """Refuse an `X-Test-Scenario` that names no provider: every registry would ignore it, and
    the tester would take the answer for the branch asked for."""
    known = None if scenario is None else registry.scenario_known(scenario)
    if scenario is None or known is None:
        return
    refusal = unknown_scenario(scenario, known)
    problem = gateway_fault(
        refusal.code,
        refusal.status,
        now=now,
        session_id=session_id,
        field=HEADER,
        scenario=scenario,
        known=refusal.params["known"],
    )
    problem.extra.update(refusal.extra)
    raise problem


def envelope_json(body: bytes, *, now: datetime, session_id: uuid.UUID | None) -> Any:
    """A channel request's body as JSON the bus can carry, else the INVALID_ENVELOPE fault
    (400) naming the number that does not fit, or saying the body is not JSON."""
    try:
        return parse_json(body)
    except NumberOutOfRange as exc:
        error: dict[str, Any] = {"type": "NUMBER_OUT_OF_RANGE", "loc": ("body", exc.path)}
    except orjson.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body",), "ctx": {"error": str(exc)}}
    detail = validation_problem([error], status=400)
    raise gateway_fault(
        "INVALID_ENVELOPE",
        400,
        now=now,
        session_id=session_id,
        field=detail.field,
        errors=detail.extra["errors"],
    )


@dataclass
class Call:
    """What is known about a call so far; becomes its Exchange."""

    session_id: uuid.UUID
    started_at: datetime
    run_id: str | None
    scenario: str | None
    message_id: str | None = None
    correlation_id: str | None = None
    service_id: str | None = None
    sender_id: str | None = None
    route_id: str | None = None
    provider: str | None = None
    code: str = SUCCESS
    fault: Fault | None = None
    relayed: dict[str, str] = field(default_factory=dict)
    request_record: bytes | None = None
    """What the journal and the message log keep of the request, when not the body as it came
    (a SOAP request is kept as the JSON envelope it became)."""
    response_record: bytes | None = None
    recorded_status: int | None = None
    """The status the journal and the metrics see, when not the HTTP one (a SOAP fault is sent
    as 500 whatever its cause; its problem's status tells a caller's mistake from a failure)."""
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    """Response headers a face adds."""


Admitted = Callable[[Call], Awaitable[None]]
"""A face's own check of a call once its sender is authenticated and its route known (the
SOAP face's WS-Security signature); raises `Problem` to refuse."""


class SyncChannel:
    def __init__(
        self,
        registry: Registry,
        clock: Clock,
        readiness: Readiness,
        *,
        faults: FaultSource | None = None,
        observers: Sequence[ExchangeObserver] = (),
    ) -> None:
        self.registry = registry
        """Swapped whole when the registry changes (admin API); never mutated in place."""
        self.clock = clock
        self.readiness = readiness
        self.faults: FaultSource = faults or NoFaults()
        self.observers = list(observers)
        self._session: aiohttp.ClientSession | None = None
        self.soap_providers: SoapProviders | None = None
        """Set when the gateway speaks SOAP: calls a service whose route is a SOAP endpoint."""
        self.sender_id = "gateway"
        """Who the gateway is when it calls a provider on its own behalf (`consult`)."""

    @property
    def http(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=512, ttl_dns_cache=300),
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    # --- ASGI -------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.serve(scope, receive, send, JSON_FACE)

    async def serve(self, scope: Scope, receive: Receive, send: Send, face: Face) -> None:
        """Answer one request in `face`'s wire format; the pipeline is the same for every face."""
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        call = Call(
            session_id=uuid.uuid4(),
            started_at=self.clock.now(),
            run_id=headers.get("x-test-run-id"),
            scenario=headers.get("x-test-scenario"),
            relayed={k: headers[k] for k in RELAYED_HEADERS if k in headers},
            request_headers=headers,
        )
        body = b""
        try:
            body = await _read_body(receive)
            status, (answer, media_type) = 200, await face.answer(self, body, call)
        except Problem as problem:
            call.code = problem.code
            status, answer, media_type = face.refuse(problem, call, headers)
        if call.fault is not None and call.fault.kind == "drop":
            call.code, status, answer = "CONNECTION_DROPPED", 0, b""
            self._observe(call, body, status, answer, started)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise ConnectionDropped(f"fault rule {call.fault.rule_id} dropped the connection")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(answer)).encode()),
                    *call.response_headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})
        self._observe(call, body, call.recorded_status or status, answer, started)

    def _observe(self, call: Call, body: bytes, status: int, answer: bytes, started: float) -> None:
        if not self.observers:
            return
        exchange = Exchange(
            channel="sync",
            operation="SendMessage",
            session_id=str(call.session_id),
            message_id=call.message_id,
            correlation_id=call.correlation_id,
            service_id=call.service_id,
            sender_id=call.sender_id,
            route_id=call.route_id,
            provider=call.provider,
            run_id=call.run_id,
            scenario=call.scenario,
            started_at=call.started_at,
            duration_ms=(time.perf_counter() - started) * 1000,
            status=status,
            code=call.code,
            request=body if call.request_record is None else call.request_record,
            response=answer if call.response_record is None else call.response_record,
        )
        notify(self.observers, exchange)

    # --- the pipeline -----------------------------------------------------------------------

    def _fault(self, call: Call, code: str, status: int, **kwargs: Any) -> Problem:
        return gateway_fault(
            code, status, now=self.clock.now(), session_id=call.session_id, **kwargs
        )

    def check_ready(self, call: Call) -> None:
        if not self.readiness.ready:
            raise self._fault(call, "NOT_READY", 503)

    async def handle(self, body: bytes, call: Call) -> bytes:
        """Answer one SendMessage request body: the provider's response envelope as bytes."""
        self.check_ready(call)
        return await self.process(
            envelope_json(body, now=self.clock.now(), session_id=call.session_id), call
        )

    async def process(self, document: Any, call: Call, admitted: Admitted | None = None) -> bytes:
        """Run a SendMessage request, as JSON data, through the pipeline: the provider's response
        envelope as bytes (empty when a fault rule dropped the connection).

        Every face comes here: whatever the wire format, the checks, the fault rules and the
        forwarding are these.
        """
        try:
            # By the schema's names only: `request_info` would pass and then not be found.
            envelope = SyncRequest.model_validate(document, by_name=False)
        except ValidationError as exc:
            detail = validation_problem(exc.errors(), status=400)
            raise self._fault(
                call, "INVALID_ENVELOPE", 400, field=detail.field, errors=detail.extra["errors"]
            ) from None
        info = envelope.request_info
        call.message_id = str(info.message_id)
        call.correlation_id = str(info.correlation_id) if info.correlation_id else None
        call.service_id, call.route_id = info.service_id, info.route_id
        call.sender_id = info.sender.sender_id
        route = self._admit(call, info.sender.password)
        call.provider = route.provider
        if admitted is not None:
            await admitted(call)
        check_scenario(
            self.registry, call.scenario, now=self.clock.now(), session_id=call.session_id
        )
        fault = self.faults.pick(
            service_id=route.service_id,
            operation="SendMessage",
            sender_id=call.sender_id,
            run_id=call.run_id,
        )
        if fault is not None:
            await self._inject(fault, call, route)
            if fault.kind == "drop":
                return b""
        # The sender does not set sessionId: whatever came in is replaced by the gateway's.
        document["requestInfo"]["sessionId"] = str(call.session_id)
        # The password was for the gateway; the provider has no use for it.
        document["requestInfo"]["sender"].pop("password", None)
        return await self._forward(call, route, orjson.dumps(document))

    def _admit(self, call: Call, password: str | None) -> Route:
        registry, sender, service = self.registry, call.sender_id or "", call.service_id or ""
        if not registry.authenticate(sender, password):
            raise self._fault(
                call, "AUTHENTICATION_FAILED", 401, field="requestInfo.sender", sender_id=sender
            )
        if service not in registry.services:
            raise self._fault(
                call, "SERVICE_NOT_FOUND", 404, field="requestInfo.serviceId", service_id=service
            )
        if not registry.may_call(sender, service):
            raise self._fault(
                call,
                "ACCESS_DENIED",
                403,
                field="requestInfo.serviceId",
                sender_id=sender,
                service_id=service,
            )
        if registry.services[service].mode not in SYNC_MODES:
            raise self._fault(
                call, "WRONG_CHANNEL", 400, field="requestInfo.serviceId", service_id=service
            )
        route = registry.route(service, call.route_id)
        if route is None:
            if call.route_id is not None:
                raise self._fault(
                    call,
                    "ROUTE_NOT_FOUND",
                    404,
                    field="requestInfo.routeId",
                    service_id=service,
                    route_id=call.route_id,
                )
            raise self._fault(call, "PROVIDER_UNAVAILABLE", 503, service_id=service)
        return route

    async def _inject(self, fault: Fault, call: Call, route: Route) -> None:
        call.fault = fault
        if fault.kind == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
        elif fault.kind == "timeout":
            await asyncio.sleep(route.timeout_ms / 1000)
            raise self._fault(
                call,
                "PROVIDER_TIMEOUT",
                504,
                service_id=route.service_id,
                timeout_ms=route.timeout_ms,
                error_data={"faultRule": fault.rule_id},
            )
        elif fault.kind == "error":
            # The params fill the texts of whichever code the tester chose, known or not.
            raise self._fault(
                call,
                fault.error_code,
                fault.status,
                problem_type=InjectedFault,
                message=fault.message or None,
                error_data={"faultRule": fault.rule_id},
                service_id=route.service_id,
                sender_id=call.sender_id,
                timeout_ms=route.timeout_ms,
                rule_id=fault.rule_id,
                reason=fault.message or fault.error_code,
            )

    async def consult(self, service_id: str, data: Any, *, run_id: str | None) -> Any:
        """The gateway's own call to a provider (a certificate's status for WS-Security): the
        answer's `data`. Routed, timed out, fault rules and journal as any call, as sender
        `sender_id`, past the sender checks (the bus does not authenticate itself); a refusal,
        a timeout or an unreachable provider raises its `Problem`."""
        started = time.perf_counter()
        call = Call(
            session_id=uuid.uuid4(),
            started_at=self.clock.now(),
            run_id=run_id,
            scenario=None,
            message_id=str(uuid.uuid4()),
            service_id=service_id,
            sender_id=self.sender_id,
        )
        document = {
            "requestInfo": {
                "messageId": call.message_id,
                "serviceId": service_id,
                "messageDate": instant(call.started_at),
                "sender": {"senderId": self.sender_id},
                "sessionId": str(call.session_id),
            },
            "requestData": {"data": data},
        }
        payload = orjson.dumps(document)
        try:
            route = self.registry.route(service_id, None)
            if route is None:
                raise self._fault(call, "PROVIDER_UNAVAILABLE", 503, service_id=service_id)
            call.provider = route.provider
            fault = self.faults.pick(
                service_id=service_id,
                operation="SendMessage",
                sender_id=self.sender_id,
                run_id=run_id,
            )
            if fault is not None and fault.kind == "drop":
                raise self._fault(call, "PROVIDER_UNAVAILABLE", 503, service_id=service_id)
            if fault is not None:
                await self._inject(fault, call, route)
            answer = await self._forward(call, route, payload)
        except Problem as problem:
            call.code = problem.code
            self._observe(call, payload, problem.status, orjson.dumps(problem.to_dict()), started)
            raise
        self._observe(call, payload, 200, answer, started)
        return orjson.loads(answer).get("responseData", {}).get("data")

    async def _forward(self, call: Call, route: Route, payload: bytes) -> bytes:
        try:
            if route.soap and self.soap_providers is not None:
                status, answer = await self.soap_providers.exchange(
                    self.http, route, payload, call.relayed, self.clock.now()
                )
            else:
                async with self.http.post(
                    route.url,
                    data=payload,
                    headers={"content-type": "application/json", **call.relayed},
                    timeout=aiohttp.ClientTimeout(total=route.timeout_ms / 1000),
                ) as reply:
                    status, answer = reply.status, await reply.read()
        except ProviderFault as fault:
            raise self._fault(
                call,
                "PROVIDER_ERROR",
                502,
                sub_error=fault.info,
                service_id=route.service_id,
                reason=fault.info.error_message or fault.info.error_code,
            ) from None
        except TimeoutError:
            raise self._fault(
                call,
                "PROVIDER_TIMEOUT",
                504,
                service_id=route.service_id,
                timeout_ms=route.timeout_ms,
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise self._fault(
                call,
                "PROVIDER_UNAVAILABLE",
                503,
                service_id=route.service_id,
                error_data={"provider": route.provider, "reason": type(exc).__name__},
            ) from None
        document = _json_or_none(answer)
        if status == 200 and isinstance(document, dict) and "responseInfo" in document:
            call.code = str(document["responseInfo"].get("status", {}).get("code", SUCCESS))
            return answer
        raise self._provider_error(call, route, status, document)

    def _provider_error(self, call: Call, route: Route, status: int, document: Any) -> Problem:
        """A provider refused or failed: its problem becomes the `subError`."""
        now = self.clock.now()
        problem = document if isinstance(document, dict) and "code" in document else None
        errors: list[dict[str, Any]] | None = None
        field: str | None = None
        if problem is None:
            sub = ErrorInfo(
                error_code=f"HTTP_{status}",
                error_message="ответ поставщика не соответствует контракту",
                error_data={"status": status},
                error_date=now,
            )
            reason: object = {
                "ru": sub.error_message,
                "kk": "берушінің жауабы келісімшартқа сәйкес емес",
                "en": "the provider's answer does not follow the contract",
            }
        else:
            messages = problem.get("messages") or {}
            sub = ErrorInfo(
                error_code=str(problem["code"]),
                error_message=str(messages.get("ru", problem.get("detail", "")))[:250],
                error_data=problem,
                error_date=now,
            )
            reason = messages or problem.get("detail", "")
            errors = problem.get("errors") or [
                {"code": problem["code"], "field": problem.get("field"), "messages": messages}
            ]
            field = problem.get("field")
        # A provider's 4xx is the caller's mistake and keeps its status; anything else is 502.
        return self._fault(
            call,
            "PROVIDER_ERROR",
            status if 400 <= status < 500 else 502,
            field=field,
            sub_error=sub,
            errors=errors,
            service_id=route.service_id,
            reason=reason,
        )


class Face(Protocol):
    """How SendMessage looks on the wire: JSON (here) or SOAP (`gateway.soap`)."""

    async def answer(self, channel: SyncChannel, body: bytes, call: Call) -> tuple[bytes, str]:
        """The answer to a request body and its media type; raises `Problem` to refuse."""

    def refuse(
        self, problem: Problem, call: Call, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        """HTTP status, body and media type of a refusal."""


class JsonFace:
    """The envelope as JSON, a refusal as an RFC 9457 problem carrying `errorInfo`."""

    async def answer(self, channel: SyncChannel, body: bytes, call: Call) -> tuple[bytes, str]:
        return await channel.handle(body, call), "application/json"

    def refuse(
        self, problem: Problem, call: Call, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        document = problem.to_dict(language_from(headers.get("accept-language", "")))
        document["instance"] = SYNC_PATH
        return problem.status, orjson.dumps(document), PROBLEM_JSON


JSON_FACE = JsonFace()


class SyncChannelMiddleware:
    """Sends `POST /bip-sync/SendMessage` to the channel, and the SOAP paths to the SOAP face
    (`soap`, an ASGI handler that knows its paths); everything else to the app."""

    def __init__(
        self, app: ASGIApp, channel: SyncChannel, soap: SoapEndpoint | None = None
    ) -> None:
        self.app = app
        self.channel = channel
        self.soap = soap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["path"] == SYNC_PATH and scope["method"] == "POST":
                scope[ROUTE_TEMPLATE] = SYNC_PATH
                await self.channel(scope, receive, send)
                return
            if self.soap is not None and await self.soap.serve(scope, receive, send):
                return
        await self.app(scope, receive, send)


class SoapEndpoint(Protocol):
    async def serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is for a SOAP path, and say whether it did."""


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Problem("INVALID_ENVELOPE", status=413, field="body", max_bytes=MAX_BODY)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _json_or_none(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
