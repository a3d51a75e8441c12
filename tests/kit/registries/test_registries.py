"""The registry adapters (`servicekit.registries`): a request goes out in the registry's wire
shape, an answer comes back as its model, and every fault is translated once — only the
registry's own refusal of the request's data is a verdict; a gateway or registry that fails,
times out or answers outside the contract is "try again", never a verdict.

The gateway here is a small HTTP server answering what each test tells it to, so the whole way
through `GatewayClient` (status, JSON, ErrorInfo) is the real one.
"""

from __future__ import annotations

import asyncio
import types
import typing
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from aiohttp import web
from pydantic import BaseModel

from servicekit.clock import Clock
from servicekit.correlation import conversation, correlate
from servicekit.envelope import (
    SUCCESS,
    ErrorInfo,
    ResponseData,
    ResponseInfo,
    Status,
    SyncResponse,
)
from servicekit.errors import Problem, StepRefusal
from servicekit.gateway_client import SYNC_PATH, GatewayClient
from servicekit.messages import texts_for
from servicekit.provider import SyncProvider
from servicekit.registries import OPERATIONS, RegistryRefused, RegistryUnavailable, registry_name
from servicekit.registries.base import ANSWER_MALFORMED, GATEWAY_UNREACHABLE
from servicekit.registries.gbd_fl import PERSON_BY_IIN, PersonRequest
from servicekit.registries.number_bank import (
    FREE_NUMBERS,
    RESERVE,
    FreeNumbersRequest,
    ReserveRequest,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IIN = "900515300018"
SESSION = uuid.UUID("00000000-0000-4000-8000-000000000001")

PERSON = {
    "iin": IIN,
    "lastName": "Сейткали",
    "firstName": "Арман",
    "middleName": None,
    "namesKk": {"lastName": "Сейтқали", "firstName": "Арман", "middleName": None},
    "birthDate": "1990-05-15",
    "sex": "M",
    "citizenship": "KZ",
    "lifeStatus": "ALIVE",
    "deathDate": None,
    "phone": "+77011234567",
    "address": {
        "regionCode": "02",
        "region": "Алматинская область",
        "regionKk": "Алматы облысы",
        "district": "Илийский район",
        "locality": "Отеген батыр",
        "street": "Абая",
        "house": "1",
        "flat": None,
    },
    "documents": [
        {
            "type": "ID_CARD",
            "number": "041234567",
            "issuedBy": "МВД РК",
            "issueDate": "2020-01-10",
            "expiryDate": "2030-01-09",
            "status": "VALID",
        }
    ],
    "someFieldAddedLater": True,
}
FOUND = {"found": True, "person": PERSON}


def _texts(code: str) -> dict[str, str]:
    return dict(texts_for(code).render({}))


def _problem(code: str, status: int, field: str | None) -> dict[str, Any]:
    """A registry's RFC 9457 problem, as `servicekit.errors` makes it."""
    return {"code": code, "status": status, "field": field, "messages": _texts(code)}


def _fault(
    code: str, status: int, *, sub: ErrorInfo | None = None, document: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    """The gateway's fault document: a problem with the ШЭП `errorInfo`."""
    info = ErrorInfo(
        error_code=code,
        error_message=code,
        error_date=NOW,
        sub_error=sub,
        session_id=SESSION,
    )
    body = {"code": code, "status": status, **(document or {})}
    body["errorInfo"] = info.model_dump(mode="json", by_alias=True, exclude_none=True)
    return status, body


def _provider_error(status: int, problem: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A provider's problem relayed by the gateway (its 4xx keeps the status, else 502)."""
    sub = ErrorInfo(
        error_code=str(problem["code"]),
        error_message=str(problem["messages"]["ru"]),
        error_data=problem,
        error_date=NOW,
    )
    return _fault("PROVIDER_ERROR", status if 400 <= status < 500 else 502, sub=sub)


def _answer(data: Any, code: str = SUCCESS) -> tuple[int, Any]:
    response = SyncResponse(
        response_info=ResponseInfo(
            message_id=uuid.uuid4(),
            response_date=NOW,
            status=Status(code=code),
            session_id=SESSION,
        ),
        response_data=ResponseData(data=data),
    )
    return 200, response.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass
class FakeGateway:
    """Answers each SendMessage with the next reply it was given; remembers what it got."""

    replies: list[tuple[int, Any] | bytes | None] = field(default_factory=list)
    """(status, JSON), raw bytes, or None: never answer."""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    never: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_message(self, request: web.Request) -> web.StreamResponse:
        self.received.append(await request.json())
        self.headers.append(dict(request.headers))
        reply = self.replies.pop(0)
        if reply is None:
            await self.never.wait()  # the client gives up first
        if isinstance(reply, bytes):
            return web.Response(status=500, body=reply, content_type="text/html")
        assert isinstance(reply, tuple)
        status, document = reply
        return web.Response(
            status=status, body=orjson.dumps(document), content_type="application/json"
        )


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeGateway, GatewayClient]]:
    gateway = FakeGateway()
    app = web.Application()
    app.router.add_post(SYNC_PATH, gateway.send_message)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = GatewayClient(
        f"http://127.0.0.1:{port}",
        sender_id="registration_service",
        password=None,
        clock=Clock(),
        timeout=0.5,
    )
    yield gateway, client
    gateway.never.set()
    await client.close()
    await runner.cleanup()


async def test_an_answer_is_read_as_its_model_and_kept_as_it_came(
    fake: tuple[FakeGateway, GatewayClient],
) -> None:
    gateway, client = fake
    gateway.replies.append(_answer(FOUND))
    reply = await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    person = reply.answer.person
    assert person is not None
    assert (person.full_name, person.address.region_code) == ("Сейткали Арман", "02")
    assert person.documents[0].issue_date.isoformat() == "2020-01-10"
    assert reply.data == FOUND  # the history keeps the registry's own words, new fields too
    assert reply.session_id == str(SESSION)
    sent = gateway.received[0]
    assert sent["requestInfo"]["serviceId"] == "GBDFL_UniversalServiceSync"
    assert sent["requestData"]["data"] == {"iin": IIN}
    assert reply.message_id == str(uuid.UUID(reply.message_id))


async def test_a_request_goes_out_in_camel_case_without_the_fields_left_out(
    fake: tuple[FakeGateway, GatewayClient],
) -> None:
    gateway, client = fake
    free: dict[str, Any] = {
        "regionCode": "02",
        "kind": "VEHICLE_INDIVIDUAL",
        "plates": [],
        "nextAfter": None,
    }
    gateway.replies.append(_answer(free))
    await FREE_NUMBERS(
        client,
        FreeNumbersRequest(region_code="02", kind="VEHICLE_INDIVIDUAL", limit=20),
        headers={"X-Test-Scenario": "number_bank.none_free"},
    )
    assert gateway.received[0]["requestData"]["data"] == {
        "regionCode": "02",
        "kind": "VEHICLE_INDIVIDUAL",
        "limit": 20,
    }
    assert gateway.headers[0]["X-Test-Scenario"] == "number_bank.none_free"


async def test_a_call_made_for_an_application_carries_its_id_as_correlation_id(
    fake: tuple[FakeGateway, GatewayClient],
) -> None:
    gateway, client = fake
    application = str(uuid.uuid4())

    async def delivery() -> None:
        # A consumer's delivery is a scope of its own: what it names ends with it.
        with conversation():
            correlate(uuid.uuid4())
            await PERSON_BY_IIN(client, PersonRequest(iin=IIN))

    gateway.replies.extend(_answer(FOUND) for _ in range(4))
    with conversation():  # the test's own scope: a request's task, say
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
        correlate(application)
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
        await delivery()
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    sent = [r["requestInfo"].get("correlationId") for r in gateway.received]
    assert sent[0] is None
    assert sent[1] == sent[3] == application
    assert sent[2] not in (None, application)


@pytest.mark.parametrize(
    ("status", "code"),
    [(422, "IIN_CHECK_DIGIT"), (404, "PERSON_GONE"), (409, "PLATE_TAKEN"), (400, "NOT_BASE64")],
)
async def test_the_registrys_refusal_of_the_data_is_a_verdict(
    fake: tuple[FakeGateway, GatewayClient], status: int, code: str
) -> None:
    gateway, client = fake
    gateway.replies.append(_provider_error(status, _problem(code, status, "requestData.data.iin")))
    with pytest.raises(RegistryRefused) as refused:
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    assert (refused.value.code, refused.value.status) == (code, status)
    assert (refused.value.field, refused.value.registry) == ("iin", "ГБД ФЛ")
    assert refused.value.session_id == str(SESSION)
    assert refused.value.document["errorInfo"]["subError"]["errorCode"] == code


async def test_a_refusal_passed_on_speaks_the_registrys_words_on_the_callers_field(
    fake: tuple[FakeGateway, GatewayClient],
) -> None:
    gateway, client = fake
    problem = _problem("IIN_CHECK_DIGIT", 422, "requestData.data.iin")
    problem["messages"] = {"ru": "ИИН с ошибкой", "kk": "ЖСН қате", "en": "A wrong ИИН"}
    gateway.replies.append(_provider_error(422, problem))
    with pytest.raises(RegistryRefused) as refused:
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    relayed = refused.value.passed_on("M6.1", {"iin": "visitor.iin"})
    assert isinstance(relayed, StepRefusal)
    document = relayed.to_dict("en")
    assert {k: document[k] for k in ("code", "status", "field", "step", "registry")} == {
        "code": "IIN_CHECK_DIGIT",
        "status": 422,
        "field": "visitor.iin",
        "step": "M6.1",
        "registry": "ГБД ФЛ",
    }
    assert document["registryField"] == "requestData.data.iin"
    assert (document["detail"], document["messages"]["kk"]) == ("A wrong ИИН", "ЖСН қате")
    # A field the caller did not take from its own request: the refusal names none of its own.
    assert refused.value.passed_on("M6.1").field is None


_NOT_JUDGED: list[tuple[str, tuple[int, Any] | bytes]] = [
    ("gateway timeout", _fault("PROVIDER_TIMEOUT", 504)),
    ("provider unreachable", _fault("PROVIDER_UNAVAILABLE", 503)),
    ("provider 500", _provider_error(500, _problem("INTERNAL_ERROR", 500, None))),
    ("provider 503", _provider_error(503, _problem("BACKEND_UNAVAILABLE", 503, None))),
    ("provider 429", _provider_error(429, _problem("TOO_MANY_REQUESTS", 429, None))),
    ("no such operation", _provider_error(404, _problem("SERVICE_NOT_FOUND", 404, None))),
    ("an envelope field", _provider_error(422, _problem("WRONG_TYPE", 422, "requestInfo"))),
    ("injected, 422", _fault("INJECTED_FAULT", 422)),
    ("sender refused", _fault("SENDER_NOT_ALLOWED", 403)),
    ("not SUCCESS", _answer(FOUND, code="PROVIDER_TIMEOUT")),
    ("no ErrorInfo", (502, {"detail": "bad gateway"})),
    ("not JSON", b"<html>502 Bad Gateway</html>"),
]


@pytest.mark.parametrize(("case", "reply"), _NOT_JUDGED, ids=[case for case, _ in _NOT_JUDGED])
async def test_every_other_fault_is_try_again_never_a_verdict(
    fake: tuple[FakeGateway, GatewayClient], case: str, reply: tuple[int, Any] | bytes
) -> None:
    gateway, client = fake
    gateway.replies.append(reply)
    with pytest.raises(RegistryUnavailable) as unavailable:
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    assert unavailable.value.registry == "ГБД ФЛ", case
    problem = unavailable.value.refusal("V7")
    assert (problem.code, problem.status, problem.extra) == (
        "REGISTRY_UNAVAILABLE",
        503,
        {"step": "V7", "registry": "ГБД ФЛ"},
    )
    assert "ГБД ФЛ" in problem.messages()["ru"]
    assert unavailable.value.refusal("V21", "VISITOR_CHECK_UNAVAILABLE").code == (
        "VISITOR_CHECK_UNAVAILABLE"
    )


async def test_a_gateway_that_does_not_answer_in_time_is_try_again(
    fake: tuple[FakeGateway, GatewayClient],
) -> None:
    gateway, client = fake
    gateway.replies.append(None)
    with pytest.raises(RegistryUnavailable) as unavailable:
        await RESERVE(
            client, ReserveRequest(plate="123ABC02", iin=IIN, idempotency_key="app-1:V16")
        )
    assert (unavailable.value.fault, unavailable.value.registry) == (GATEWAY_UNREACHABLE, "БМГ")


async def test_a_gateway_that_is_not_there_is_try_again() -> None:
    client = GatewayClient("http://127.0.0.1:9", sender_id="x", password=None, clock=Clock())
    try:
        with pytest.raises(RegistryUnavailable) as unavailable:
            await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    finally:
        await client.close()
    assert unavailable.value.fault == GATEWAY_UNREACHABLE
    assert "error" in unavailable.value.details


_MALFORMED: list[tuple[str, Any, str | None]] = [
    ("no found", {"person": PERSON}, "found"),
    ("a person without an address", {"found": True, "person": {**PERSON, "address": None}}, None),
    ("a date that is not one", {"found": True, "person": {**PERSON, "birthDate": "15.05"}}, None),
    ("a list", [FOUND], None),
    ("nothing", None, None),
    ("a string", "found", None),
]


@pytest.mark.parametrize(("case", "data", "named"), _MALFORMED, ids=[c for c, _, _ in _MALFORMED])
async def test_an_answer_outside_the_contract_is_try_again_never_a_verdict(
    fake: tuple[FakeGateway, GatewayClient], case: str, data: Any, named: str | None
) -> None:
    """A "not found" read off a broken answer would refuse a citizen for the registry's bug."""
    gateway, client = fake
    gateway.replies.append(_answer(data))
    with pytest.raises(RegistryUnavailable) as unavailable:
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    assert unavailable.value.fault == ANSWER_MALFORMED, case
    if named is not None:
        assert {"field": named, "type": "missing"} in unavailable.value.details["errors"]
    assert unavailable.value.refusal("V7").status == 503


async def test_a_testers_unknown_scenario_is_passed_on_as_the_testers_mistake(
    fake: tuple[FakeGateway, GatewayClient],
) -> None:
    gateway, client = fake
    scenario = {"scenario": "gbd_fl.nope", "known": ["gbd_fl.not_found"]}
    refusal = _problem("UNKNOWN_SCENARIO", 422, "X-Test-Scenario") | scenario
    gateway.replies.append(_provider_error(422, refusal))
    with pytest.raises(Problem) as mistake:
        await PERSON_BY_IIN(client, PersonRequest(iin=IIN))
    assert not isinstance(mistake.value, RegistryRefused | RegistryUnavailable)
    assert (mistake.value.code, mistake.value.extra["scenario"]) == (
        "UNKNOWN_SCENARIO",
        "gbd_fl.nope",
    )


def test_the_people_know_a_registry_by_its_name() -> None:
    assert registry_name("EPTS_PassportByVin") == "ЭПТС"
    assert registry_name("EDO_SaleContract") == "система электронных договоров"
    assert registry_name("SOMETHING_Else") == "SOMETHING_Else"


# --- the adapters against the registries' own contracts ------------------------------------


def _providers() -> dict[str, Any]:
    import customs.routes
    import eps_passports.routes
    import erap_fines.routes
    import gbd_fl.routes
    import gbd_ul.routes
    import notary.routes
    import number_bank.routes
    import payments.routes
    import pki.login  # its operations join the registry's provider
    import pki.routes
    import recycling_fee.routes
    import sale_contracts.routes

    providers: list[SyncProvider] = [
        module.provider
        for module in (
            customs.routes,
            eps_passports.routes,
            erap_fines.routes,
            gbd_fl.routes,
            gbd_ul.routes,
            notary.routes,
            number_bank.routes,
            payments.routes,
            pki.routes,
            recycling_fee.routes,
            sale_contracts.routes,
        )
    ]
    return {sid: op for provider in providers for sid, op in provider.operations.items()}


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models inside a field's annotation (`X`, `X | None`, `list[X]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    origin = typing.get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _models(argument)


def _nullable(annotation: Any) -> bool:
    return annotation is None or type(None) in typing.get_args(annotation)


def _drift(ours: type[BaseModel], theirs: type[BaseModel], path: str) -> list[str]:
    """What `ours` reads that `theirs` does not promise: a field it lacks, or one we need a
    value of and it may send as null. (A registry sends every field of its answer.)"""
    found: list[str] = []
    fields = {(info.alias or name): info for name, info in theirs.model_fields.items()}
    for name, info in ours.model_fields.items():
        alias = info.alias or name
        other = fields.get(alias)
        if other is None:
            found.append(f"{path}.{alias}: not in the registry's contract")
            continue
        if not _nullable(info.annotation) and _nullable(other.annotation):
            found.append(f"{path}.{alias}: needed here, may be null in the registry's contract")
        for model in _models(info.annotation):
            for their_model in _models(other.annotation):
                found += _drift(model, their_model, f"{path}.{alias}")
    return found


@pytest.mark.parametrize("service_id", sorted(OPERATIONS))
def test_an_adapter_reads_and_sends_only_what_the_registrys_contract_has(service_id: str) -> None:
    operation = OPERATIONS[service_id]
    registry = _providers()[service_id]
    assert _drift(operation.answer, registry.answer_model, "answer") == []
    sent = {(info.alias or name) for name, info in operation.request.model_fields.items()}
    taken = {(info.alias or name) for name, info in registry.request_model.model_fields.items()}
    assert sent <= taken
