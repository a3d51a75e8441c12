"""The provider side of the ШЭП sync channel: how a registry answers what the gateway routes.

A registry declares its tester scenarios (`servicekit.scenarios`) and its operations by
service id, each with a pydantic model of its request data:

    provider = SyncProvider("gbd_fl", {"gbd_fl.not_found": "the person is not in the registry"})

    @provider.operation("GBDFL_UniversalServiceSync", PersonRequest)
    async def person(data: PersonRequest, call: SyncCall) -> PersonAnswer: ...

`provider.router()` serves them at `POST /shep/sync`, the address the gateway's registry of
interactions points to, and at `POST /shep/async` for the async channel (the same operation
answers a pushed REQUEST with a RESPONSE through the gateway). Invalid request data gets a
422 problem naming the field by its full envelope path (`requestData.data.iin`), which the
gateway relays to the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, get_type_hints

import orjson
from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.envelope import (
    SUCCESS,
    AsyncMessage,
    MessageType,
    Status,
    SyncRequest,
    SyncResponse,
    response_to,
)
from servicekit.errors import Problem, validation_problem
from servicekit.gateway_client import Gateway, GatewayClient, GatewayFault, GatewayUnreachable
from servicekit.scenarios import HEADER, Scenarios
from servicekit.settings import ServiceSettings

SYNC_PATH = "/shep/sync"
ASYNC_PATH = "/shep/async"


@dataclass(frozen=True, slots=True)
class CallContext:
    """Where a call comes from: the tester's headers, the service's state."""

    database: Database
    clock: Clock
    settings: ServiceSettings
    scenario: str | None
    run_id: str | None

    def call(self, session: AsyncSession, envelope: SyncRequest | None) -> SyncCall:
        return SyncCall(envelope, session, self.clock, self.settings, self.scenario, self.run_id)


async def _call_context(request: Request) -> CallContext:
    # One dependency rather than the kit's three aliases: it runs on every call of a registry.
    # The tester's headers are read here, not declared, as the OpenAPI lists the scenario header
    # with its branches (`SyncProvider._scenario_parameter`).
    state = request.app.state
    return CallContext(
        database=state.db,
        clock=state.clock,
        settings=state.settings,
        scenario=request.headers.get("x-test-scenario"),
        run_id=request.headers.get("x-test-run-id"),
    )


Context = Annotated[CallContext, Depends(_call_context)]


@dataclass(frozen=True, slots=True)
class SyncCall:
    """What an operation may need besides its data: the envelope, a session, the clock, the
    settings."""

    envelope: SyncRequest | None
    """The sync request; None for a message of the async channel."""
    session: AsyncSession
    clock: Clock
    settings: ServiceSettings
    """The registry's own settings (its rules that testers may change)."""
    scenario: str | None
    """The tester's `X-Test-Scenario` header, relayed by the gateway, to force a branch."""
    run_id: str | None = None


Handler = Callable[[Any, SyncCall], Awaitable[BaseModel]]


@dataclass(frozen=True, slots=True)
class Operation:
    service_id: str
    request_model: type[BaseModel]
    answer_model: type[BaseModel]
    handler: Handler
    writes: bool
    """Whether it changes data: then it runs in a transaction, else on a plain read."""


class SyncProvider:
    def __init__(self, registry: str, scenarios: Mapping[str, str] | None = None) -> None:
        """The operations of `registry` (its name in `servicekit.topology`), which takes the
        tester `scenarios` given by full name, each with what it forces."""
        self.scenarios = Scenarios(registry, dict(scenarios or {}))
        self.operations: dict[str, Operation] = {}

    def operation(
        self, service_id: str, request_model: type[BaseModel], *, writes: bool = False
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if service_id in self.operations:
                raise ValueError(f"operation {service_id} is declared twice")
            answer_model = get_type_hints(handler)["return"]
            self.operations[service_id] = Operation(
                service_id, request_model, answer_model, handler, writes
            )
            return handler

        return register

    async def answer(
        self,
        service_id: str,
        data: Any,
        context: CallContext,
        envelope: SyncRequest | None,
        *,
        service_field: str,
        data_loc: tuple[str, ...],
    ) -> Any:
        """Run the operation of `service_id` on `data`: its answer as JSON-ready data."""
        operation = self.operations.get(service_id)
        if operation is None:
            raise Problem(
                "SERVICE_NOT_FOUND", status=404, field=service_field, service_id=service_id
            )
        self.scenarios.check(context.scenario)
        try:
            request = operation.request_model.model_validate(data)
        except ValidationError as exc:
            errors = [{**error, "loc": (*data_loc, *error["loc"])} for error in exc.errors()]
            raise validation_problem(errors) from None
        database = context.database
        sessions = database.sessionmaker.begin() if operation.writes else database.autocommit()
        async with sessions as session:
            answer = await operation.handler(request, context.call(session, envelope))
        return answer.model_dump(mode="json", by_alias=True)

    async def dispatch(self, envelope: SyncRequest, context: CallContext) -> SyncResponse:
        data = await self.answer(
            envelope.request_info.service_id,
            envelope.request_data.data,
            context,
            envelope,
            service_field="requestInfo.serviceId",
            data_loc=("requestData", "data"),
        )
        return response_to(envelope, data, now=context.clock.now())

    async def reply_async(
        self, message: AsyncMessage, context: CallContext, gateway: GatewayClient
    ) -> None:
        """Answer a REQUEST from the async channel with a RESPONSE sent through the gateway.

        A refusal (bad data) is an answer too: the RESPONSE carries the problem and its code.
        Anything else than a REQUEST (NOTIFICATION, UPDATE) only needs to be taken.
        """
        info = message.message_info
        if info.message_type is not MessageType.REQUEST:
            return
        try:
            data = await self.answer(
                info.service_id,
                message.message_data.data,
                context,
                None,
                service_field="messageInfo.serviceId",
                data_loc=("messageData", "data"),
            )
            status = Status(code=SUCCESS)
        except Problem as problem:
            data = problem.to_dict()
            status = Status(code=problem.code, message=problem.messages()["ru"][:250])
        response = gateway.async_message(
            info.service_id,
            data,
            MessageType.RESPONSE,
            correlation_id=info.message_id,
            status=status,
        )
        relayed = {"x-test-run-id": context.run_id} if context.run_id else None
        await gateway.send_async(response, relayed)

    def describe(self) -> dict[str, Any]:
        """The data contract of every operation: JSON Schemas of its request and its answer."""
        return {
            op.service_id: {
                "requestData.data": op.request_model.model_json_schema(by_alias=True),
                "responseData.data": op.answer_model.model_json_schema(by_alias=True),
            }
            for op in self.operations.values()
        }

    def _scenario_parameter(self) -> dict[str, Any]:
        names = sorted(self.scenarios.branches)
        known = ", ".join(f"`{name}`" for name in names) or "none"
        return {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": f"Force a branch of {self.scenarios.registry}: {known} "
            "(`x-test-scenarios` says what each does). Another registry's scenario is ignored; "
            f"an unknown `{self.scenarios.registry}.…` one is refused (422 UNKNOWN_SCENARIO).",
            "schema": {"type": "string"},
        }

    def router(self) -> APIRouter:
        router = APIRouter(tags=["ШЭП provider"])

        @router.post(
            SYNC_PATH,
            response_model=SyncResponse,
            summary="Answer a sync-channel request routed by the gateway",
            description="`requestData.data` and `responseData.data` per `serviceId` are given "
            "as JSON Schemas in `x-shep-operations`.",
            openapi_extra={
                "x-shep-operations": self.describe(),
                "x-test-scenarios": dict(self.scenarios.branches),
                "parameters": [self._scenario_parameter()],
            },
        )
        async def sync(envelope: Annotated[SyncRequest, Body()], context: Context) -> Response:
            response = await self.dispatch(envelope, context)
            # Serialised once here; a returned model would be validated again by FastAPI.
            return Response(
                orjson.dumps(response.model_dump(mode="json", by_alias=True)),
                media_type="application/json",
            )

        @router.post(
            ASYNC_PATH,
            summary="Take a message pushed by the gateway's async channel",
            description="A REQUEST is answered with a RESPONSE sent back through the gateway "
            "before this call returns; if that fails the call fails, and the gateway retries.",
            responses={
                503: {"description": "RESPONSE_NOT_SENT: the gateway did not take the RESPONSE"}
            },
        )
        async def take(
            message: Annotated[AsyncMessage, Body()], context: Context, gateway: Gateway
        ) -> dict[str, bool]:
            try:
                await self.reply_async(message, context, gateway)
            except (GatewayFault, GatewayUnreachable) as exc:
                raise Problem("RESPONSE_NOT_SENT", status=503, reason=str(exc)) from None
            return {"accepted": True}

        return router
