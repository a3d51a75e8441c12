"""Login by ЭЦП: sign НУЦ's challenge with the AUTH key, get a token the state services accept
(the tokens' keys come through the gateway, like every other call)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select
from typer.testing import CliRunner, Result

from egov.launcher import BusPlan
from egov.services import build_app
from pki.models import TokenKey
from servicekit.app import prepare_database
from servicekit.clock import bus_clock
from servicekit.db import Database
from servicekit.errors import Problem
from servicekit.http_clients import async_client
from servicekit.signatures import sign_detached
from servicekit.tokens import TokenVerifier
from servicekit.topology import spec
from tests.fixtures.buses import bus_fixture
from tests.harness import ADMIN, envelope, send

KEYS = Path(__file__).resolve().parents[2] / "personas" / "keys"
PASSWORD = "Qwerty12"


bus = bus_fixture("sqlite", scope="module")


@pytest.fixture
async def pki(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(base_url=bus.url("pki"), timeout=10) as client:
        yield client


def _signed(challenge: str, key_file: str) -> str:
    p12 = (KEYS / key_file).read_bytes()
    return base64.b64encode(sign_detached(p12, PASSWORD, challenge.encode())).decode()


async def _login(
    pki: httpx.AsyncClient, key_file: str, audience: str = "registration_service"
) -> httpx.Response:
    challenge = (await pki.post("/auth/challenge")).json()["challenge"]
    return await pki.post(
        "/auth/token",
        json={"challenge": challenge, "cms": _signed(challenge, key_file), "audience": audience},
    )


async def _verifier(bus: BusPlan) -> TokenVerifier:
    async with async_client(timeout=10) as client:
        reply = await send(client, bus, envelope("PKI_TokenKeys", {}))
    assert reply.status_code == 200, reply.text
    return TokenVerifier(reply.json()["responseData"]["data"], bus_clock)


async def test_dealer_employee_signs_in_for_the_dealer(
    bus: BusPlan, pki: httpx.AsyncClient
) -> None:
    reply = await _login(pki, "dealer_manager.auth.p12")
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert (answer["iin"], answer["bin"], answer["roles"]) == (
        "910814314075",
        "150440012354",
        ["dealer_employee"],
    )
    principal = (await _verifier(bus)).verify(answer["accessToken"], "registration_service")
    assert (principal.iin, principal.bin) == ("910814314075", "150440012354")


@pytest.mark.parametrize(
    ("key_file", "roles", "region"),
    [
        ("buyer.auth.p12", ["citizen"], None),
        ("police_officer_almaty.auth.p12", ["police_officer"], "02"),
        ("akimat_officer_kostanay.auth.p12", ["akimat_officer"], "10"),
        ("frontoffice_head.auth.p12", ["frontoffice_head", "frontoffice_worker"], "02"),
    ],
)
async def test_roles_and_region_come_with_the_token(
    bus: BusPlan, pki: httpx.AsyncClient, key_file: str, roles: list[str], region: str | None
) -> None:
    reply = await _login(pki, key_file, "frontoffice_service")
    assert reply.json()["roles"] == roles
    principal = (await _verifier(bus)).verify(reply.json()["accessToken"], "frontoffice_service")
    assert principal.attributes.get("region") == region


@pytest.mark.parametrize(
    ("key_file", "region", "office"),
    [
        ("frontoffice_worker_almaty.auth.p12", "02", "ALM-ALMALY"),
        ("frontoffice_worker_kostanay.auth.p12", "10", "KST-KOSTANAY"),
        ("frontoffice_head.auth.p12", "02", "ALM-ALMALY"),
    ],
)
async def test_frontoffice_worker_token_carries_office_and_region(
    bus: BusPlan, pki: httpx.AsyncClient, key_file: str, region: str, office: str
) -> None:
    reply = await _login(pki, key_file, "frontoffice_service")
    assert reply.status_code == 200, reply.text
    principal = (await _verifier(bus)).verify(reply.json()["accessToken"], "frontoffice_service")
    assert principal.attributes == {"region": region, "office": office}


async def test_officer_without_an_office_has_none_in_the_token(
    bus: BusPlan, pki: httpx.AsyncClient
) -> None:
    reply = await _login(pki, "police_officer_kostanay.auth.p12", "registration_service")
    assert reply.json()["roles"] == ["police_officer"]
    principal = (await _verifier(bus)).verify(reply.json()["accessToken"], "registration_service")
    assert principal.attributes == {"region": "10"}


async def test_grant_names_a_known_office(bus: BusPlan, pki: httpx.AsyncClient) -> None:
    iin = "970125418149"  # buyer_kostanay, signing in as themselves
    unknown = {"iin": iin, "role": "office_tester", "region": "10", "office": "KST-NOWHERE"}
    refused = await pki.put("/admin/grants", json=unknown, headers=ADMIN)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["code"], refused.json()["field"]) == ("GRANT_OFFICE_UNKNOWN", "office")
    assert "KST-NOWHERE" in refused.json()["detail"]
    granted = await pki.put("/admin/grants", json={**unknown, "office": "KST-RUDNY"}, headers=ADMIN)
    assert granted.status_code == 204, granted.text
    listed = (await pki.get("/admin/grants", params={"iin": iin}, headers=ADMIN)).json()
    assert {
        "iin": iin,
        "bin": None,
        "role": "office_tester",
        "region": "10",
        "office": "KST-RUDNY",
    } in listed
    reply = await _login(pki, "buyer_kostanay.auth.p12", "frontoffice_service")
    principal = (await _verifier(bus)).verify(reply.json()["accessToken"], "frontoffice_service")
    assert principal.attributes == {"region": "10", "office": "KST-RUDNY"}
    removed = await pki.delete(
        "/admin/grants", params={"iin": iin, "role": "office_tester"}, headers=ADMIN
    )
    assert removed.status_code == 204


async def test_signing_key_is_not_a_login_key(pki: httpx.AsyncClient) -> None:
    reply = await _login(pki, "buyer.p12")
    assert reply.status_code == 401
    assert reply.json()["code"] == "LOGIN_SIGNATURE_REFUSED"
    assert reply.json()["problems"] == ["CERT_WRONG_KEY_USAGE"]


async def test_challenge_works_once(pki: httpx.AsyncClient) -> None:
    challenge = (await pki.post("/auth/challenge")).json()["challenge"]
    body = {
        "challenge": challenge,
        "cms": _signed(challenge, "buyer.auth.p12"),
        "audience": "registration_service",
    }
    assert (await pki.post("/auth/token", json=body)).status_code == 200
    again = await pki.post("/auth/token", json=body)
    assert (again.status_code, again.json()["code"]) == (400, "CHALLENGE_USED")


async def test_expired_challenge_is_refused(pki: httpx.AsyncClient) -> None:
    challenge = (await pki.post("/auth/challenge")).json()["challenge"]
    bus_clock.advance(timedelta(minutes=6))
    body = {
        "challenge": challenge,
        "cms": _signed(challenge, "buyer.auth.p12"),
        "audience": "registration_service",
    }
    reply = await pki.post("/auth/token", json=body)
    assert (reply.status_code, reply.json()["code"]) == (400, "CHALLENGE_EXPIRED")


@pytest.mark.parametrize(
    "forge",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: "eyJub25jZSI6ImZvcmdlZCIsImV4cCI6OTk5OTk5OTk5OX0.forged",
        lambda c: "no-dot-at-all",
    ],
)
async def test_forged_challenge_is_refused(pki: httpx.AsyncClient, forge: Any) -> None:
    challenge = forge((await pki.post("/auth/challenge")).json()["challenge"])
    body = {
        "challenge": challenge,
        "cms": _signed(challenge, "buyer.auth.p12"),
        "audience": "registration_service",
    }
    reply = await pki.post("/auth/token", json=body)
    assert (reply.status_code, reply.json()["code"]) == (400, "CHALLENGE_INVALID")


async def test_signature_over_another_text_is_refused(pki: httpx.AsyncClient) -> None:
    challenge = (await pki.post("/auth/challenge")).json()["challenge"]
    other = (await pki.post("/auth/challenge")).json()["challenge"]
    body = {
        "challenge": challenge,
        "cms": _signed(other, "buyer.auth.p12"),
        "audience": "registration_service",
    }
    reply = await pki.post("/auth/token", json=body)
    assert reply.status_code == 401
    assert reply.json()["problems"] == ["SIGNATURE_INVALID"]


async def test_unknown_audience_is_refused(pki: httpx.AsyncClient) -> None:
    reply = await _login(pki, "buyer.auth.p12", audience="somewhere_else")
    assert (reply.status_code, reply.json()["field"]) == (422, "audience")


async def test_revoked_certificate_cannot_sign_in(pki: httpx.AsyncClient) -> None:
    certificates = (
        await pki.get("/admin/certificates", params={"persona": "buyer_2"}, headers=ADMIN)
    ).json()
    auth = next(c for c in certificates if c["keyUsage"] == "AUTH")
    revoked = await pki.post(
        f"/admin/certificates/{auth['serialNumber']}/revoke",
        json={"reason": "keyCompromise"},
        headers=ADMIN,
    )
    assert revoked.status_code == 200, revoked.text
    reply = await _login(pki, "buyer_2.auth.p12")
    assert (reply.status_code, reply.json()["problems"]) == (401, ["CERT_REVOKED"])


async def test_back_dated_signing_time_does_not_let_an_expired_auth_key_sign_in(
    pki: httpx.AsyncClient,
) -> None:
    """signingTime is the signer's own word: an AUTH key that expired yesterday cannot sign in
    by claiming a moment of its validity; the certificate is judged at the time of the login."""
    bus_clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    issued = await pki.post(
        "/admin/certificates",
        json={
            "iin": "970125418149",
            "surname": "Бекова",
            "name": "Асем",
            "keyUsage": "AUTH",
            "validDays": 1,
        },
        headers=ADMIN,
    )
    assert issued.status_code == 201, issued.text
    p12 = base64.b64decode(issued.json()["pkcs12"])
    while_valid = bus_clock.now()
    bus_clock.advance(timedelta(days=2))
    challenge = (await pki.post("/auth/challenge")).json()["challenge"]
    cms = sign_detached(p12, PASSWORD, challenge.encode(), signing_time=while_valid)
    reply = await pki.post(
        "/auth/token",
        json={
            "challenge": challenge,
            "cms": base64.b64encode(cms).decode(),
            "audience": "registration_service",
        },
    )
    assert (reply.status_code, reply.json().get("problems")) == (401, ["CERT_EXPIRED"])


async def test_the_token_names_the_auth_certificate_signed_in_with(
    bus: BusPlan, pki: httpx.AsyncClient
) -> None:
    token = (await _login(pki, "buyer.auth.p12")).json()["accessToken"]
    principal = (await _verifier(bus)).verify(token, "registration_service")
    _, certificate, _ = pkcs12.load_key_and_certificates(
        (KEYS / "buyer.auth.p12").read_bytes(), PASSWORD.encode()
    )
    assert certificate is not None
    assert principal.certificate_serial == format(certificate.serial_number, "x")


async def test_granted_role_appears_in_the_next_token(pki: httpx.AsyncClient) -> None:
    grant = {"iin": "900515310005", "role": "tester_role"}
    assert (await pki.put("/admin/grants", json=grant)).status_code == 401
    assert (await pki.put("/admin/grants", json=grant, headers=ADMIN)).status_code == 204
    assert (await _login(pki, "buyer.auth.p12")).json()["roles"] == ["citizen", "tester_role"]
    removed = await pki.delete(
        "/admin/grants", params={"iin": "900515310005", "role": "tester_role"}, headers=ADMIN
    )
    assert removed.status_code == 204
    assert (await _login(pki, "buyer.auth.p12")).json()["roles"] == ["citizen"]


async def test_token_for_one_service_does_not_open_another(
    bus: BusPlan, pki: httpx.AsyncClient
) -> None:
    token = (await _login(pki, "buyer.auth.p12", "registration_service")).json()["accessToken"]
    with pytest.raises(Problem) as caught:
        (await _verifier(bus)).verify(token, "frontoffice_service")
    assert caught.value.code == "TOKEN_WRONG_AUDIENCE"


SIGNED = b'{"vin": "MXAJC4111TK100201"}'


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "application.json"
    path.write_bytes(SIGNED)
    return path


async def egov(*args: str) -> Result:
    """`egov …` in a thread: with --timestamp it asks the TSA that runs on this test's loop."""
    from egov.cli import app

    return await asyncio.to_thread(lambda: CliRunner().invoke(app, list(args)))


async def _checked(pki: httpx.AsyncClient, cms: str, **expected: str) -> Any:
    data = base64.b64encode(SIGNED).decode()
    reply = await pki.post("/cms/verify", json={"cms": cms, "data": data, **expected})
    return reply.json()


async def test_egov_sign_makes_what_the_check_accepts(
    pki: httpx.AsyncClient, document: Path
) -> None:
    result = await egov("sign", str(document), "--persona", "dealer_manager")
    assert result.exit_code == 0, result.output
    check = await _checked(
        pki, result.output.strip(), expectedIin="910814314075", expectedBin="150440012354"
    )
    assert check["valid"] is True, check
    unknown = await egov("sign", str(document), "--persona", "nobody")
    assert unknown.exit_code == 2
    assert "no key file nobody.p12" in unknown.output


async def test_egov_sign_timestamp_makes_cades_t(
    bus: BusPlan, pki: httpx.AsyncClient, document: Path
) -> None:
    command = ["sign", str(document), "--persona", "buyer", "--timestamp", "--tsp-url"]
    result = await egov(*command, f"{bus.url('pki')}/tsp")
    assert result.exit_code == 0, result.output
    (signer,) = (await _checked(pki, result.output.strip()))["signers"]
    assert signer["valid"] is True, signer
    assert signer["timestamp"]["valid"] is True
    assert signer["judgedAt"] == signer["timestamp"]["genTime"]
    unreachable = await egov(*command, "http://127.0.0.1:9/tsp")
    assert unreachable.exit_code == 2
    assert "no timestamp" in unreachable.output


async def test_the_token_key_is_made_by_the_seed_once(tmp_path: Path) -> None:
    """The key that signs login tokens comes with the seed: a database prepared ahead (the
    tests' templates) carries it, so a bus started on a copy makes no RSA key of its own; the
    seed applied again keeps it."""
    app = build_app(spec("pki"), data_dir=str(tmp_path))
    await prepare_database(app)
    await prepare_database(app)
    database = Database(app.state.settings.sqlalchemy_url())
    try:
        async with database.sessionmaker() as session:
            keys = (await session.scalars(select(TokenKey))).all()
    finally:
        await database.dispose()
    assert len(keys) == 1
    assert keys[0].private_pem.startswith("-----BEGIN PRIVATE KEY-----")
