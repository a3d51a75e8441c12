"""Every persona of the catalogue really produces the branch its line claims, asked through
the gateway as the state services will ask. A persona without a check here fails the suite,
so the catalogue cannot promise a branch nobody verified."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from egov import personas
from egov.launcher import BusPlan
from servicekit.http_clients import async_client
from servicekit.signatures import sign_detached
from tests.fixtures.buses import bus_fixture
from tests.harness import envelope, send

CATALOGUE = personas.load()
BINS = {e["key"]: e["bin"] for e in CATALOGUE["legal_entities"]}
IINS = {p["key"]: p["iin"] for p in CATALOGUE["persons"]}
PHOTO = base64.b64encode(b"\xff\xd8\xff\xe0" + b"a photo taken at the desk" * 8).decode()
VEHICLE_TRADE = ("4511", "4519")

Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


bus = bus_fixture("sqlite", scope="module")


@pytest.fixture
async def ask(bus: BusPlan) -> AsyncIterator[Ask]:
    async with async_client(timeout=15) as client:

        async def call(service_id: str, data: dict[str, Any]) -> dict[str, Any]:
            reply = await send(client, bus, envelope(service_id, data))
            assert reply.status_code == 200, reply.text
            answer: dict[str, Any] = reply.json()["responseData"]["data"]
            return answer

        yield call


async def _person(ask: Ask, key: str) -> dict[str, Any]:
    answer = await ask("GBDFL_UniversalServiceSync", {"iin": IINS[key]})
    assert answer["found"], key
    person: dict[str, Any] = answer["person"]
    return person


async def _alive(ask: Ask, key: str) -> None:
    assert (await _person(ask, key))["lifeStatus"] == "ALIVE"


async def _biometrics(ask: Ask, key: str) -> str:
    answer = await ask("GBDFL_BiometricVerification", {"iin": IINS[key], "photo": PHOTO})
    return str(answer["verdict"])


async def _signature_for(ask: Ask, key: str, organization: str) -> dict[str, Any]:
    """НУЦ's check of the persona's SIGN signature, expecting its ИИН and that entity's БИН."""
    document = f"a document signed by {key}".encode()
    cms = sign_detached(
        personas.key_file(key).read_bytes(), personas.PERSONA_KEY_PASSWORD, document
    )
    check = await ask(
        "PKI_VerifyCms",
        {
            "cms": base64.b64encode(cms).decode(),
            "data": base64.b64encode(document).decode(),
            "expectedIin": IINS[key],
            "expectedBin": BINS[organization],
        },
    )
    return check


async def _signs_for_employer(ask: Ask, key: str) -> None:
    """The persona's SIGN key makes a signature НУЦ accepts for its ИИН and employer's БИН."""
    person = next(p for p in CATALOGUE["persons"] if p["key"] == key)
    check = await _signature_for(ask, key, person["employer"])
    assert check["valid"], check


async def _organization(ask: Ask, key: str) -> dict[str, Any]:
    answer = await ask("GBDUL_UniversalServiceSync", {"bin": BINS[key]})
    assert answer["found"], key
    organization: dict[str, Any] = answer["organization"]
    return organization


def _okeds(organization: dict[str, Any]) -> list[str]:
    return [organization["okedMain"]["code"], *(o["code"] for o in organization["okedSecondary"])]


def _vehicle(key: str) -> dict[str, str]:
    vehicle: dict[str, str] = next(v for v in CATALOGUE["vehicles"] if v["key"] == key)
    return vehicle


async def _passport(ask: Ask, key: str) -> dict[str, Any]:
    return await ask("EPTS_PassportByVin", {"vin": _vehicle(key)["vin"]})


async def _customs(ask: Ask, key: str) -> dict[str, Any]:
    return await ask("CUSTOMS_PaymentsByVin", {"vin": _vehicle(key)["vin"]})


async def _recycling(ask: Ask, key: str) -> dict[str, Any]:
    return await ask("RECYCLING_FeeByVin", {"vin": _vehicle(key)["vin"]})


async def _contract(ask: Ask, key: str) -> dict[str, Any]:
    vehicle = _vehicle(key)
    return await ask(
        "EDO_SaleContract",
        {
            "vin": vehicle["vin"],
            "sellerBin": BINS[vehicle["seller"]],
            "buyerIin": IINS[vehicle["buyer"]],
        },
    )


async def _clean_vehicle(ask: Ask, key: str) -> None:
    """Everything V3–V8 asks about the vehicle passes."""
    passport = await _passport(ask, key)
    assert passport["found"]
    assert passport["passport"]["status"] == "VALID"
    assert passport["passport"]["manufacturer"]["country"] == "KZ"
    assert (await _customs(ask, key))["paid"] is True
    assert (await _recycling(ask, key))["paid"] is True
    contract = (await _contract(ask, key))["contract"]
    assert (contract["sellerSigned"], contract["buyerSigned"]) == (True, True)


async def _no_unpaid_fines(ask: Ask, key: str) -> None:
    assert (await ask("ERAP_FinesByIin", {"iin": IINS[key]}))["unpaidCount"] == 0


async def _machine(ask: Ask, key: str) -> dict[str, Any]:
    machine = next(m for m in CATALOGUE["machines"] if m["key"] == key)
    answer = await ask("EPSM_PassportByVin", {"vin": machine["vin"]})
    assert answer["found"], key
    passport: dict[str, Any] = answer["passport"]
    owner = machine["owner"]
    expected = IINS.get(owner) or BINS.get(owner) or owner
    assert expected in (passport["owner"].get("iin"), passport["owner"].get("bin")), passport
    return passport


async def check(ask: Ask, key: str) -> None:
    """The branch of one persona: a `case` per persona, or per group of alike ones."""
    match key:
        # --- persons ---
        case "buyer" | "buyer_2":
            await _alive(ask, key)
            await _no_unpaid_fines(ask, key)
        case "buyer_with_fines":
            fines = await ask("ERAP_FinesByIin", {"iin": IINS[key]})
            assert fines["unpaidCount"] > 0
            assert fines["code"] == "UNPAID_FINES"
        case "buyer_deceased":
            assert (await _person(ask, key))["lifeStatus"] == "DECEASED"
        case "buyer_iin_invalidated":
            assert (await _person(ask, key))["lifeStatus"] == "IIN_INVALIDATED"
        case "buyer_biometrics_fail" | "farmer_biometrics_fail":
            assert await _biometrics(ask, key) == "NO_MATCH"
        case "buyer_reserved_plate":
            reserved = await ask("BMG_ReservedNumber", {"iin": IINS[key]})
            assert reserved["found"]
            assert reserved["reservations"]
        case "buyer_kostanay":
            assert (await _person(ask, key))["address"]["regionCode"] == "10"
        case "farmer":
            assert await _biometrics(ask, key) == "MATCH"
            paid = await ask(
                "PAYMENTS_CheckByPayerPurpose",
                {"payerIin": IINS[key], "purpose": "MACHINERY_REGISTRATION"},
            )
            assert paid["paid"]
        case "representative" | "represented_applicant":
            await _alive(ask, key)
            assert await _biometrics(ask, key) == "MATCH"
            power = await ask(
                "NOTARY_PowerOfAttorney",
                {
                    "principalIin": IINS["represented_applicant"],
                    "representativeIin": IINS["representative"],
                },
            )
            assert power["valid"] is True, power
            assert "MACHINERY_REGISTRATION" in power["powerOfAttorney"]["powers"]
        case (
            "dealer_manager"
            | "dealer_director"
            | "police_officer_almaty"
            | "frontoffice_worker_almaty"
            | "frontoffice_worker_kostanay"
            | "frontoffice_head"
            | "akimat_officer_kostanay"
            | "akimat_officer_almaty"
        ):
            await _alive(ask, key)
            await _signs_for_employer(ask, key)
        case "dealer_kokshe_manager":
            # The state services' authorization checks need a signer valid for the other dealer.
            await _alive(ask, key)
            await _signs_for_employer(ask, key)
            assert not (await _signature_for(ask, key, "dealer_astana_motors"))["valid"]
        case "police_officer_kostanay":
            # The authorization checks need an officer valid outside Almaty (V19 is region 02).
            assert (await _person(ask, key))["address"]["regionCode"] == "10"
            await _alive(ask, key)
            await _signs_for_employer(ask, key)
            assert not (await _signature_for(ask, key, "police_almaty"))["valid"]
        # --- legal entities ---
        case "dealer_astana_motors" | "dealer_kokshe_auto":
            organization = await _organization(ask, key)
            assert organization["status"] == "ACTIVE"
            assert any(code.startswith(VEHICLE_TRADE) for code in _okeds(organization))
        case "no_vehicle_oked":
            organization = await _organization(ask, key)
            assert organization["status"] == "ACTIVE"
            assert not any(code.startswith(VEHICLE_TRADE) for code in _okeds(organization))
        case "liquidated_dealer":
            assert (await _organization(ask, key))["status"] == "LIQUIDATED"
        case (
            "manufacturer_saryarka"
            | "manufacturer_foreign_branch"
            | "farm_bereke"
            | "akimat_kostanay_agri"
            | "akimat_almaty_agri"
            | "state_corporation"
            | "police_almaty"
            | "police_kostanay"
        ):
            assert (await _organization(ask, key))["status"] == "ACTIVE"
        # --- vehicles ---
        case "vin_ok" | "vin_ok_2" | "vin_ok_kostanay":
            await _clean_vehicle(ask, key)
        case "vin_no_epts":
            assert (await _passport(ask, key))["found"] is False
        case "vin_epts_annulled":
            assert (await _passport(ask, key))["passport"]["status"] == "ANNULLED"
        case "vin_customs_unpaid":
            customs = await _customs(ask, key)
            assert (customs["found"], customs["paid"]) == (True, False)
        case "vin_customs_no_record":
            assert (await _customs(ask, key))["found"] is False
        case "vin_recycling_unpaid":
            assert (await _recycling(ask, key))["paid"] is False
        case "vin_no_contract":
            assert (await _contract(ask, key))["found"] is False
        case "vin_contract_one_signature":
            contract = (await _contract(ask, key))["contract"]
            assert (contract["sellerSigned"], contract["buyerSigned"]) == (True, False)
        case "vin_foreign_made":
            passport = (await _passport(ask, key))["passport"]
            assert passport["manufacturer"]["country"] != "KZ"
        case "vin_buyer_with_fines" | "vin_buyer_reserved_plate":
            await _clean_vehicle(ask, key)
        # --- machines ---
        case "trailer_bereke":
            assert (await _machine(ask, key))["engine"] is None
        case _ if key in {m["key"] for m in CATALOGUE.get("machines", [])}:
            assert (await _machine(ask, key))["status"] == "VALID"
        case _:
            pytest.fail(f"persona {key} has no check: add one here for its branch")


EVERY_PERSONA = [(section, p["key"]) for section, items in CATALOGUE.items() for p in items]


@pytest.mark.parametrize(("section", "key"), EVERY_PERSONA, ids=[k for _, k in EVERY_PERSONA])
async def test_persona_produces_its_branch(ask: Ask, section: str, key: str) -> None:
    del section
    await check(ask, key)
