"""The provider side of the ШЭП sync channel: how a registry answers what the gateway routes.

A registry declares operations by service id, each with a pydantic model of its request data:

    provider = SyncProvider()

    @provider.operation("GBDFL_UniversalServiceSync", PersonRequest)
    async def person(data: PersonRequest, call: SyncCall) -> PersonAnswer: ...

`provider.router()` serves them at `POST /shep/sync`, the address the gateway's registry of
interactions points to. Invalid request data gets a 422 problem naming the field by its full
envelope path (`requestData.data.iin`), which the gateway relays to the caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, get_type_hints

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock
from servicekit.db import DbSession
from servicekit.envelope import SyncRequest, SyncResponse, response_to
from servicekit.errors import Problem, validation_problem

SYNC_PATH = "/shep/sync"


@dataclass(frozen=True, slots=True)
class SyncCall:
    """What an operation may need besides its data: the envelope, a session, the clock."""

    envelope: SyncRequest
    session: AsyncSession
    clock: Clock
    scenario: str | None
    """The tester's `X-Test-Scenario` header, relayed by the gateway, to force a branch."""


Handler = Callable[[Any, SyncCall], Awaitable[BaseModel]]


@dataclass(frozen=True, slots=True)
class Operation:
    service_id: str
    request_model: type[BaseModel]
    answer_model: type[BaseModel]
    handler: Handler


class SyncProvider:
    def __init__(self) -> None:
        self.operations: dict[str, Operation] = {}

    def operation(
        self, service_id: str, request_model: type[BaseModel]
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if service_id in self.operations:
                raise ValueError(f"operation {service_id} is declared twice")
            answer_model = get_type_hints(handler)["return"]
            self.operations[service_id] = Operation(
                service_id, request_model, answer_model, handler
            )
            return handler

        return register

    async def dispatch(self, envelope: SyncRequest, call: SyncCall) -> SyncResponse:
        operation = self.operations.get(envelope.request_info.service_id)
        if operation is None:
            raise Problem(
                "SERVICE_NOT_FOUND",
                status=404,
                field="requestInfo.serviceId",
                service_id=envelope.request_info.service_id,
            )
        try:
            data = operation.request_model.model_validate(envelope.request_data.data)
        except ValidationError as exc:
            errors = [
                {**error, "loc": ("requestData", "data", *error["loc"])} for error in exc.errors()
            ]
            raise validation_problem(errors) from None
        answer = await operation.handler(data, call)
        return response_to(
            envelope, answer.model_dump(mode="json", by_alias=True), now=call.clock.now()
        )

    def describe(self) -> dict[str, Any]:
        """The data contract of every operation: JSON Schemas of its request and its answer."""
        return {
            op.service_id: {
                "requestData.data": op.request_model.model_json_schema(by_alias=True),
                "responseData.data": op.answer_model.model_json_schema(by_alias=True),
            }
            for op in self.operations.values()
        }

    def router(self) -> APIRouter:
        router = APIRouter(tags=["ШЭП provider"])

        @router.post(
            SYNC_PATH,
            response_model=SyncResponse,
            response_model_by_alias=True,
            summary="Answer a sync-channel request routed by the gateway",
            description="`requestData.data` and `responseData.data` per `serviceId` are given "
            "as JSON Schemas in `x-shep-operations`.",
            openapi_extra={"x-shep-operations": self.describe()},
        )
        async def sync(
            envelope: Annotated[SyncRequest, Body()],
            session: DbSession,
            request: Request,
        ) -> SyncResponse:
            call = SyncCall(
                envelope=envelope,
                session=session,
                clock=request.app.state.clock,
                scenario=request.headers.get("x-test-scenario"),
            )
            return await self.dispatch(envelope, call)

        return router
