"""Login tokens: issued by НУЦ, accepted by the state services; expiry by the bus clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from servicekit.clock import Clock
from servicekit.envelope import (
    SUCCESS,
    ErrorInfo,
    ResponseData,
    ResponseInfo,
    Status,
    SyncResponse,
)
from servicekit.errors import Problem, install_problem_handlers
from servicekit.gateway_client import GatewayFault, GatewayUnreachable
from servicekit.http_clients import async_client
from servicekit.tokens import CertificateStatuses, SignedIn, TokenIssuer, TokenVerifier

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SERIAL = "5a1e0f"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.freeze(NOW)
    return clock


def _issue(clock: Clock, key: rsa.RSAPrivateKey = KEY, **kwargs: object) -> str:
    issuer = TokenIssuer(key, "nuc-1", clock)
    defaults: dict[str, object] = {
        "iin": "910814314075",
        "bin": "150440012354",
        "roles": ["dealer_employee"],
        "audience": "registration_service",
        "certificate_serial": SERIAL,
        "attributes": {"region": "02"},
    }
    return issuer.issue(**(defaults | kwargs))  # type: ignore[arg-type]


def _verifier(clock: Clock) -> TokenVerifier:
    return TokenVerifier(TokenIssuer(KEY, "nuc-1", clock).jwks(), clock)


def test_a_token_carries_who_signed_in(clock: Clock) -> None:
    principal = _verifier(clock).verify(_issue(clock), "registration_service")
    assert (principal.iin, principal.bin, principal.roles) == (
        "910814314075",
        "150440012354",
        ("dealer_employee",),
    )
    assert principal.attributes == {"region": "02"}
    assert principal.certificate_serial == SERIAL
    assert principal.has("dealer_employee")
    assert not principal.has("police_officer")


def test_expiry_follows_the_bus_clock(clock: Clock) -> None:
    token = _issue(clock, lifetime=timedelta(minutes=30))
    clock.advance(timedelta(minutes=30))
    _verifier(clock).verify(token, "registration_service")  # within the leeway
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(token, "registration_service")
    assert (caught.value.code, caught.value.status) == ("TOKEN_EXPIRED", 401)


def test_a_token_for_another_service_is_refused(clock: Clock) -> None:
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(_issue(clock), "frontoffice_service")
    assert caught.value.code == "TOKEN_WRONG_AUDIENCE"


@pytest.mark.parametrize(
    "forge",
    [
        lambda clock: _issue(clock, key=OTHER_KEY),  # signed by someone else
        lambda clock: jwt.encode({"iin": "1", "aud": "registration_service"}, "s" * 32, "HS256"),
        lambda clock: _issue(clock)[:-4] + "AAAA",  # signature bytes changed
        lambda clock: "not a token",
    ],
)
def test_forged_tokens_are_refused(clock: Clock, forge: object) -> None:
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(forge(clock), "registration_service")  # type: ignore[operator]
    assert (caught.value.code, caught.value.status) == ("TOKEN_INVALID", 401)


def test_payload_tampering_is_refused(clock: Clock) -> None:
    header, payload, signature = _issue(clock).split(".")
    other_header, other_payload, _ = _issue(clock, iin="900515310005").split(".")
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(f"{header}.{other_payload}.{signature}", "registration_service")
    assert caught.value.code == "TOKEN_INVALID"
    del other_header, payload


def test_a_token_without_its_certificate_is_refused(clock: Clock) -> None:
    """A token that does not name the AUTH certificate behind it cannot be checked for
    revocation: it is not a token of this НУЦ."""
    claims = jwt.decode(_issue(clock), options={"verify_signature": False})
    del claims["cert"]
    token = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "nuc-1"})
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(token, "registration_service")
    assert caught.value.code == "TOKEN_INVALID"


class FakeNuc:
    """The gateway as `SignedIn` sees it: `PKI_CertificateStatus` answers, or fails."""

    def __init__(self) -> None:
        self.status: str | None = "VALID"
        self.failure: Exception | None = None
        self.broken = False
        """Answer outside the contract (without `found`)."""
        self.asked: list[str] = []

    async def call(
        self, service_id: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> SyncResponse:
        assert service_id == "PKI_CertificateStatus"
        self.asked.append(data["serialNumber"])
        if self.failure is not None:
            raise self.failure
        answer: dict[str, object] = {"found": self.status is not None, "status": self.status}
        if self.broken:
            del answer["found"]
        info = ResponseInfo(message_id=uuid.uuid4(), response_date=NOW, status=Status(code=SUCCESS))
        return SyncResponse(response_info=info, response_data=ResponseData(data=answer))


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def service(clock: Clock) -> tuple[FastAPI, FakeNuc, Seconds]:
    app = FastAPI()
    install_problem_handlers(app)
    nuc, seconds = FakeNuc(), Seconds()
    app.state.gateway = nuc
    app.state.token_verifier = _verifier(clock)
    app.state.settings = SimpleNamespace(service_name="registration_service")
    app.state.certificate_statuses = CertificateStatuses(60, seconds)

    @app.get("/applications")
    async def read(principal: SignedIn) -> dict[str, str]:
        return {"iin": principal.iin}

    @app.post("/applications")
    async def change(principal: SignedIn) -> dict[str, str]:
        return {"iin": principal.iin}

    return app, nuc, seconds


async def _as(app: FastAPI, method: str, token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with async_client(transport=transport, base_url="http://service") as client:
        return await client.request(
            method, "/applications", headers={"Authorization": f"Bearer {token}"}
        )


async def test_a_revoked_auth_certificate_ends_the_session_for_changes(
    clock: Clock, service: tuple[FastAPI, FakeNuc, Seconds]
) -> None:
    """НУЦ is asked before a state-changing request, and its answer is kept for the TTL: a
    revocation is seen once the kept answer is older than that; reads are not checked."""
    app, nuc, seconds = service
    token = _issue(clock)
    assert (await _as(app, "POST", token)).status_code == 200
    assert (await _as(app, "POST", token)).status_code == 200
    assert nuc.asked == [SERIAL]  # the second change used the kept answer
    nuc.status = "REVOKED"
    seconds.now += 59
    assert (await _as(app, "POST", token)).status_code == 200
    seconds.now += 1
    refused = await _as(app, "POST", token)
    assert (refused.status_code, refused.json()["code"]) == (401, "TOKEN_CERT_REVOKED")
    assert (await _as(app, "GET", token)).status_code == 200
    assert nuc.asked == [SERIAL, SERIAL]


@pytest.mark.parametrize(
    "failure",
    [
        GatewayUnreachable("connection refused"),
        GatewayFault(
            500,
            ErrorInfo(error_code="PROVIDER_ERROR", error_message="НУЦ 500", error_date=NOW),
            {},
        ),
        GatewayFault(
            504,
            ErrorInfo(error_code="PROVIDER_TIMEOUT", error_message="late", error_date=NOW),
            {},
        ),
    ],
)
async def test_a_nuc_that_cannot_answer_is_try_again_not_revoked(
    clock: Clock, service: tuple[FastAPI, FakeNuc, Seconds], failure: Exception
) -> None:
    app, nuc, _ = service
    nuc.failure = failure
    token = _issue(clock)
    reply = await _as(app, "POST", token)
    assert (reply.status_code, reply.json()["code"]) == (503, "TOKEN_STATUS_UNAVAILABLE")
    nuc.failure = None
    assert (await _as(app, "POST", token)).status_code == 200  # a failure is not kept


async def test_a_certificate_nuc_never_issued_is_no_session(
    clock: Clock, service: tuple[FastAPI, FakeNuc, Seconds]
) -> None:
    app, nuc, _ = service
    nuc.status = None
    reply = await _as(app, "POST", _issue(clock))
    assert (reply.status_code, reply.json()["code"]) == (401, "TOKEN_INVALID")


async def test_a_nuc_answer_outside_the_contract_is_try_again_not_a_verdict(
    clock: Clock, service: tuple[FastAPI, FakeNuc, Seconds]
) -> None:
    """Without `found`, "not found" would end a good session: the answer says nothing."""
    app, nuc, _ = service
    nuc.broken = True
    token = _issue(clock)
    reply = await _as(app, "POST", token)
    assert (reply.status_code, reply.json()["code"]) == (503, "TOKEN_STATUS_UNAVAILABLE")
    nuc.broken = False
    assert (await _as(app, "POST", token)).status_code == 200
