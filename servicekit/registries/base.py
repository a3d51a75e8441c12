"""One registry operation as a state service calls it through the gateway: a typed request, a
typed answer, and the translation of every fault into one of two outcomes, done here once.

- `RegistryRefused`: the registry judged the request's data and refused it (its problem:
  400, 404, 409, 422 relayed as PROVIDER_ERROR, `GatewayFault.refusal`). A verdict.
- `RegistryUnavailable`: anything else that is not an answer — the gateway or the registry
  down, slow or failing (any status), an injected fault, a call that reached none of its
  operations, or an answer outside the contract. Never a verdict: the caller answers 503 and
  the client asks again.

A tester's scenario that the gateway or a registry refuses (`X-Test-Scenario`) is neither: it
is passed on to the tester as their own mistake (`servicekit.scenarios.relayed_refusal`).

Answers are read leniently (`extra="ignore"`), so a registry's contract may grow without
breaking its callers; a field the contract promises and the answer lacks makes the answer
malformed. Requests are the wire shape only: the registry, not the caller, judges the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from servicekit.envelope import ErrorInfo
from servicekit.errors import StepRefusal
from servicekit.gateway_client import DATA_FIELD, GatewayClient, GatewayFault, GatewayUnreachable
from servicekit.messages import LANGUAGES
from servicekit.scenarios import relayed_refusal

log = structlog.get_logger(__name__)

GATEWAY_UNREACHABLE = "GATEWAY_UNREACHABLE"
"""The fault of a call that got no answer from the gateway at all."""
ANSWER_MALFORMED = "ANSWER_MALFORMED"
"""The fault of an answer outside the operation's contract."""


class RegistryRequest(BaseModel):
    """The `data` of a request, as the registry's contract names it (camelCase on the wire);
    a field left None is not sent."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class RegistryAnswer(BaseModel):
    """The `data` of a registry's answer, the part its callers read."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class LookupAnswer(RegistryAnswer):
    """An answer that may say "not found" (or another negative) as an answer, not a fault: a
    code with ru/kk/en texts."""

    code: str | None = None
    messages: dict[str, str] | None = None


RequestT = TypeVar("RequestT", bound=RegistryRequest)
AnswerT = TypeVar("AnswerT", bound=RegistryAnswer)


class RegistryFailure(Exception):
    """The call of `service_id` brought no answer."""

    def __init__(self, service_id: str, registry: str, message: str) -> None:
        super().__init__(f"{service_id}: {message}")
        self.service_id = service_id
        self.registry = registry
        """The registry's name for people (ГБД ФЛ, ЭПТС…), as the problem texts name it."""


class RegistryRefused(RegistryFailure):
    """The registry refused the request itself: a verdict on its data."""

    def __init__(
        self,
        service_id: str,
        registry: str,
        refusal: ErrorInfo,
        *,
        status: int,
        document: dict[str, Any],
        session_id: str | None,
    ) -> None:
        super().__init__(service_id, registry, f"refused, {refusal.error_code}")
        self.refusal = refusal
        """The registry's problem: its code (`error_code`) and its document (`error_data`)."""
        self.status = status
        self.document = document
        """The gateway's whole fault document, as the history keeps it."""
        self.session_id = session_id

    @property
    def code(self) -> str:
        return self.refusal.error_code

    @property
    def problem(self) -> dict[str, Any]:
        data = self.refusal.error_data
        return data if isinstance(data, dict) else {}

    @property
    def field(self) -> str | None:
        """The field of the request's data the registry refused (`iin`, `photo`…), if any."""
        field = self.problem.get("field")
        return str(field).removeprefix(f"{DATA_FIELD}.") if field else None

    def passed_on(self, step: str, fields: Mapping[str, str] | None = None) -> RelayedRefusal:
        """The refusal as the caller's own at `step`, in the registry's words: its status,
        code and texts, on the caller's field that the refused one came from (`fields` maps
        the request's fields to the caller's; none when the caller made that data up)."""
        return RelayedRefusal(self, step, fields or {})


class RegistryUnavailable(RegistryFailure):
    """No answer to take as one: try again later."""

    def __init__(self, service_id: str, registry: str, fault: str, details: dict[str, Any]) -> None:
        super().__init__(service_id, registry, f"unavailable, {fault}")
        self.fault = fault
        """The gateway's error code, GATEWAY_UNREACHABLE or ANSWER_MALFORMED."""
        self.details = details
        """What there was to see of the failure, as the history keeps it."""

    def refusal(self, step: str, code: str = "REGISTRY_UNAVAILABLE") -> StepRefusal:
        """The caller's 503 at `step`: "try again", naming the registry."""
        return StepRefusal(code, step, status=503, registry=self.registry)


class RelayedRefusal(StepRefusal):
    """A registry's refusal passed on by the caller as the registry said it."""

    def __init__(self, refused: RegistryRefused, step: str, fields: Mapping[str, str]) -> None:
        registry_field = refused.problem.get("field")
        texts = refused.problem.get("messages")
        self._texts: dict[str, str] | None = (
            {lang: str(texts[lang]) for lang in LANGUAGES}
            if isinstance(texts, dict) and all(texts.get(lang) for lang in LANGUAGES)
            else None
        )
        name = refused.field
        super().__init__(
            refused.code,
            step,
            status=refused.status,
            field=fields.get(name) if name else None,
            registry=refused.registry,
            extra={"registryField": registry_field} if registry_field else None,
        )

    def messages(self) -> dict[str, str]:
        return self._texts or super().messages()


@dataclass(frozen=True, slots=True)
class Reply(Generic[AnswerT]):
    """A registry's answer: the model, and what the history of checks keeps of it."""

    answer: AnswerT
    data: dict[str, Any]
    """The answer as it came, camelCase."""
    message_id: str
    """The gateway's messageId of the exchange."""
    session_id: str | None


@dataclass(frozen=True, slots=True)
class Operation(Generic[RequestT, AnswerT]):
    """A registry operation: its service ID on the bus, the registry's name, its models."""

    service_id: str
    registry: str
    request: type[RequestT]
    answer: type[AnswerT]

    async def __call__(
        self,
        gateway: GatewayClient,
        request: RequestT,
        *,
        headers: dict[str, str] | None = None,
    ) -> Reply[AnswerT]:
        """The registry's answer to `request`; `RegistryRefused` when it refused the request,
        `RegistryUnavailable` for every other fault. `headers`: a tester's X-Test-Scenario
        and X-Test-Run-Id, passed on to the gateway."""
        try:
            response = await gateway.call(self.service_id, request.wire(), headers=headers)
        except GatewayFault as exc:
            mistake = relayed_refusal(exc.problem)
            if mistake is not None:
                raise mistake from None  # the tester's, not the registry's
            refusal = exc.refusal
            if refusal is None:
                raise self._unavailable(exc.error.error_code, exc.problem) from exc
            log.info(
                "registry refused the request", service_id=self.service_id, code=refusal.error_code
            )
            session = exc.error.session_id
            raise RegistryRefused(
                self.service_id,
                self.registry,
                refusal,
                status=exc.status,
                document=exc.problem,
                session_id=str(session) if session else None,
            ) from None
        except GatewayUnreachable as exc:
            raise self._unavailable(GATEWAY_UNREACHABLE, {"error": str(exc)}) from exc
        data = response.response_data.data
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise self._unavailable(ANSWER_MALFORMED, {"error": f"not an object: {kind}"})
        try:
            answer = self.answer.model_validate(data)
        except ValidationError as exc:
            raise self._unavailable(ANSWER_MALFORMED, _malformed(exc, data)) from None
        info = response.response_info
        return Reply(
            answer,
            data,
            str(info.message_id),
            str(info.session_id) if info.session_id else None,
        )

    def _unavailable(self, fault: str, details: dict[str, Any]) -> RegistryUnavailable:
        log.warning("registry unavailable", service_id=self.service_id, fault=fault)
        return RegistryUnavailable(self.service_id, self.registry, fault, details)


def _malformed(exc: ValidationError, data: dict[str, Any]) -> dict[str, Any]:
    errors = [
        {"field": ".".join(str(part) for part in error["loc"]), "type": error["type"]}
        for error in exc.errors(include_url=False)
    ]
    return {"errors": errors, "answer": data}
