"""ГБД ФЛ beyond the person lookup: biometric verification (M6.1/M7), tester scenarios and
the admin API, all through the gateway."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from egov.launcher import BusPlan
from tests.fixtures.buses import bus_fixture
from tests.harness import ADMIN, envelope, send

PERSON = "GBDFL_UniversalServiceSync"
BIOMETRICS = "GBDFL_BiometricVerification"
BUYER = "900515310005"
FAILS_BIOMETRICS = "880930311856"
DECEASED = "680229311111"
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"live photo at the desk" * 20).decode()
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"another photo" * 20).decode()


bus = bus_fixture("sqlite", scope="module")


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, service: str, data: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(service, data), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


@pytest.mark.parametrize("photo", [JPEG, PNG])
async def test_m6_1_enrolled_person_matches(
    bus: BusPlan, client: httpx.AsyncClient, photo: str
) -> None:
    answer = await _data(client, bus, BIOMETRICS, {"iin": BUYER, "photo": photo})
    assert (answer["verdict"], answer["match"]) == ("MATCH", True)
    assert answer["score"] >= answer["threshold"] == 0.8
    again = await _data(client, bus, BIOMETRICS, {"iin": BUYER, "photo": photo})
    assert again["score"] == answer["score"]  # the same photo always scores the same


async def test_m7_seeded_person_fails_biometrics(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, BIOMETRICS, {"iin": FAILS_BIOMETRICS, "photo": JPEG})
    assert (answer["verdict"], answer["match"], answer["code"]) == (
        "NO_MATCH",
        False,
        "BIOMETRICS_NO_MATCH",
    )
    assert answer["score"] < answer["threshold"]
    assert set(answer["messages"]) == {"ru", "kk", "en"}


async def test_deceased_person_never_matches(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, BIOMETRICS, {"iin": DECEASED, "photo": JPEG})
    assert answer["verdict"] == "NO_MATCH"


async def test_unknown_person_is_an_answer(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, BIOMETRICS, {"iin": "900515300018", "photo": JPEG})
    assert (answer["verdict"], answer["code"]) == ("PERSON_NOT_FOUND", "PERSON_NOT_FOUND")


@pytest.mark.parametrize(
    "photo",
    [
        "not base64 at all!",
        base64.b64encode(b"GIF89a an unsupported image").decode(),
        base64.b64encode(b"%PDF-1.7 a document, not a photo").decode(),
    ],
)
async def test_photo_that_is_not_a_jpeg_or_png_is_refused(
    bus: BusPlan, client: httpx.AsyncClient, photo: str
) -> None:
    reply = await send(client, bus, envelope(BIOMETRICS, {"iin": BUYER, "photo": photo}))
    assert reply.status_code == 422
    problem = reply.json()
    assert problem["errorInfo"]["subError"]["errorCode"] == "PHOTO_INVALID"
    assert problem["field"] == "requestData.data.photo"


@pytest.mark.parametrize(
    ("scenario", "service", "check"),
    [
        ("gbd_fl.not_found", PERSON, lambda a: a["found"] is False),
        ("gbd_fl.deceased", PERSON, lambda a: a["person"]["lifeStatus"] == "DECEASED"),
        ("gbd_fl.biometrics_fail", BIOMETRICS, lambda a: a["verdict"] == "NO_MATCH"),
    ],
)
async def test_scenarios_force_a_branch(
    bus: BusPlan, client: httpx.AsyncClient, scenario: str, service: str, check: Any
) -> None:
    data = {"iin": BUYER, "photo": JPEG} if service == BIOMETRICS else {"iin": BUYER}
    assert check(await _data(client, bus, service, data, **{"X-Test-Scenario": scenario}))
    # …and only for that call.
    assert not check(await _data(client, bus, service, data))


def _person(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lastName": "Тестов",
        "firstName": "Тест",
        "middleName": None,
        "namesKk": {"lastName": "Тестов", "firstName": "Тест", "middleName": None},
        "birthDate": "1990-05-15",
        "sex": "M",
        "address": {
            "regionCode": "02",
            "region": "г. Алматы",
            "regionKk": "Алматы қ.",
            "district": "Алмалинский район",
            "locality": "г. Алматы",
            "street": "ул. Абая",
            "house": "1",
            "flat": None,
        },
        "biometrics": "MISMATCH",
    }
    return body | changes


async def test_admin_changes_take_effect_through_the_gateway(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    new_iin = "900515300018"  # valid, not seeded
    url = f"{bus.url('gbd_fl')}/admin/persons/{new_iin}"
    assert (await client.put(url, json=_person())).status_code == 401
    created = await client.put(url, json=_person(), headers=ADMIN)
    assert created.status_code == 200, created.text
    found = await _data(client, bus, PERSON, {"iin": new_iin})
    assert found["person"]["lastName"] == "Тестов"
    assert (await _data(client, bus, BIOMETRICS, {"iin": new_iin, "photo": JPEG}))["verdict"] == (
        "NO_MATCH"
    )
    changed = await client.put(
        url, json=_person(lifeStatus="DECEASED", deathDate="2026-01-02"), headers=ADMIN
    )
    assert changed.json()["lifeStatus"] == "DECEASED"
    assert (await _data(client, bus, PERSON, {"iin": new_iin}))["person"][
        "lifeStatus"
    ] == "DECEASED"
    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, PERSON, {"iin": new_iin}))["found"] is False
    assert (await client.delete(url, headers=ADMIN)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"birthDate": "1991-05-15"}, "IIN_BIRTH_DATE_MISMATCH", "birthDate"),
        ({"sex": "F"}, "IIN_SEX_MISMATCH", "sex"),
        ({"phone": "8 701 123"}, "INVALID_VALUE", "phone"),
    ],
)
async def test_admin_refuses_a_person_contradicting_the_iin(
    bus: BusPlan, client: httpx.AsyncClient, changes: dict[str, Any], code: str, field: str
) -> None:
    reply = await client.put(
        f"{bus.url('gbd_fl')}/admin/persons/900515300018", json=_person(**changes), headers=ADMIN
    )
    assert reply.status_code == 422
    assert (reply.json()["code"], reply.json()["field"]) == (code, field)


async def test_admin_lists_and_reads(bus: BusPlan, client: httpx.AsyncClient) -> None:
    listed = (await client.get(f"{bus.url('gbd_fl')}/admin/persons?limit=5", headers=ADMIN)).json()
    assert len(listed) == 5
    one = await client.get(f"{bus.url('gbd_fl')}/admin/persons/{FAILS_BIOMETRICS}", headers=ADMIN)
    assert one.json()["biometrics"] == "MISMATCH"
    bad = await client.get(f"{bus.url('gbd_fl')}/admin/persons/123", headers=ADMIN)
    assert (bad.status_code, bad.json()["code"]) == (422, "IIN_LENGTH")


async def test_an_id_card_past_its_expiry_date_is_reported_expired(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """The buyer's card is stored VALID until 10.01.2031: from the 11th, by the bus clock,
    ГБД ФЛ and its admin view say EXPIRED (and the ЦОН's desks then refuse it)."""
    from datetime import datetime

    from servicekit.clock import ALMATY, bus_clock

    def card(answer: dict[str, Any]) -> tuple[str, str]:
        (document,) = answer["documents"]
        return document["expiryDate"], document["status"]

    admin = f"{bus.url('gbd_fl')}/admin/persons/{BUYER}"
    bus_clock.freeze(datetime(2031, 1, 10, 23, 30, tzinfo=ALMATY))
    answer = await _data(client, bus, PERSON, {"iin": BUYER})
    assert card(answer["person"]) == ("2031-01-10", "VALID")
    bus_clock.freeze(datetime(2031, 1, 11, 0, 30, tzinfo=ALMATY))
    answer = await _data(client, bus, PERSON, {"iin": BUYER})
    assert card(answer["person"]) == ("2031-01-10", "EXPIRED")
    assert card((await client.get(admin, headers=ADMIN)).json()) == ("2031-01-10", "EXPIRED")
