"""The sale-contract registry (ЭДО) through the real gateway: every vehicle of the persona
catalogue (V8/V13), the VIN check-digit flag, tester scenarios, malformed identifiers and the
admin API, signing included. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from tests.harness import ADMIN, envelope, send

CONTRACT = "EDO_SaleContract"
CATALOGUE = personas.load()
VEHICLES = {v["key"]: v["vin"] for v in CATALOGUE["vehicles"]}
ASTANA_MOTORS = "150440012354"
KOKSHE_AUTO = "181140073105"
DEALER_MANAGER = "910814314075"
BUYER = "900515310005"
BUYER_2 = "850308410371"
BUYER_KOSTANAY = "970125418149"
BUYER_WITH_FINES = "791123310745"
BUYER_RESERVED_PLATE = "991111317779"
VIN_OK = VEHICLES["vin_ok"]

# key → (seller, buyer, status of the contract between them; None: there is none)
EXPECTED = {
    "vin_ok": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_ok_2": (KOKSHE_AUTO, BUYER_2, "SIGNED_BY_BOTH"),
    "vin_ok_kostanay": (ASTANA_MOTORS, BUYER_KOSTANAY, "SIGNED_BY_BOTH"),
    "vin_no_epts": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_epts_annulled": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_customs_unpaid": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_customs_no_record": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_recycling_unpaid": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_no_contract": (ASTANA_MOTORS, BUYER, None),
    "vin_contract_one_signature": (ASTANA_MOTORS, BUYER, "SIGNED_BY_SELLER"),
    "vin_foreign_made": (ASTANA_MOTORS, BUYER, "SIGNED_BY_BOTH"),
    "vin_buyer_with_fines": (ASTANA_MOTORS, BUYER_WITH_FINES, "SIGNED_BY_BOTH"),
    "vin_buyer_reserved_plate": (ASTANA_MOTORS, BUYER_RESERVED_PLATE, "SIGNED_BY_BOTH"),
}


def _query(vin: str = VIN_OK, seller: str = ASTANA_MOTORS, buyer: str = BUYER) -> dict[str, Any]:
    return {"vin": vin, "sellerBin": seller, "buyerIin": buyer}


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, data: dict[str, Any], **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(CONTRACT, data), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


def test_every_catalogue_vehicle_has_an_expectation() -> None:
    assert set(EXPECTED) == set(VEHICLES)


@pytest.mark.parametrize("key", sorted(EXPECTED))
async def test_v8_every_catalogue_vehicle_answers_its_branch(
    bus: BusPlan, client: httpx.AsyncClient, key: str
) -> None:
    seller, buyer, status = EXPECTED[key]
    answer = await _data(client, bus, _query(VEHICLES[key], seller, buyer))
    assert answer["vinCheckDigitValid"] is True
    if status is None:
        assert (answer["found"], answer["contract"], answer["code"]) == (
            False,
            None,
            "SALE_CONTRACT_NOT_FOUND",
        )
        assert VEHICLES[key] in answer["messages"]["ru"]
        return
    contract = answer["contract"]
    assert answer["found"] is True
    assert (contract["vehicle"]["vin"], contract["seller"]["bin"], contract["buyer"]["iin"]) == (
        VEHICLES[key],
        seller,
        buyer,
    )
    assert contract["status"] == status
    assert contract["sellerSigned"] is True
    assert contract["buyerSigned"] is (status == "SIGNED_BY_BOTH")


async def test_v8_a_contract_carries_every_field(bus: BusPlan, client: httpx.AsyncClient) -> None:
    contract = (await _data(client, bus, _query()))["contract"]
    # The annulled first contract (a wrong price) is on record; the signed one stands.
    assert contract["number"] == "SC-2026-000201"
    assert (contract["contractDate"], contract["priceKzt"]) == ("2026-02-16", 10_490_000)
    assert contract["seller"] == {"bin": ASTANA_MOTORS, "name": "ТОО «Астана Моторс Алматы»"}
    assert contract["buyer"] == {"iin": BUYER, "name": "Серикбаев Нурлан Маратович"}
    assert contract["vehicle"] == {
        "vin": VIN_OK,
        "make": "JAC",
        "model": "JS4",
        "yearOfManufacture": 2026,
    }
    assert contract["sellerSignature"] == {
        "signedAt": "2026-02-16T05:15:00Z",
        "signerIin": DEALER_MANAGER,
    }
    assert contract["buyerSignature"] == {"signedAt": "2026-02-16T09:40:00Z", "signerIin": BUYER}
    assert (contract["annulledAt"], contract["statusLabel"]) == (
        None,
        "подписан продавцом и покупателем",
    )


async def test_v13_seller_only_contract(bus: BusPlan, client: httpx.AsyncClient) -> None:
    contract = (await _data(client, bus, _query(VEHICLES["vin_contract_one_signature"])))[
        "contract"
    ]
    assert (contract["buyerSignature"], contract["sellerSignature"]["signerIin"]) == (
        None,
        DEALER_MANAGER,
    )


@pytest.mark.parametrize(
    "query",
    [
        _query(seller=KOKSHE_AUTO),
        _query(buyer=BUYER_2),
        _query(vin=VEHICLES["vin_ok_2"]),
    ],
    ids=["other seller", "other buyer", "other vehicle"],
)
async def test_v8_a_contract_between_others_is_not_found(
    bus: BusPlan, client: httpx.AsyncClient, query: dict[str, Any]
) -> None:
    assert (await _data(client, bus, query))["found"] is False


async def test_wrong_check_digit_is_flagged_not_refused(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, _query(vin="MXAJC4110TK100201"))
    assert (answer["found"], answer["vinCheckDigitValid"]) == (False, False)
    assert (await _data(client, bus, _query(vin=VIN_OK.lower())))["found"] is True


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"vin": "MXAJC4111TK10020"}, "VIN_LENGTH", "vin"),
        ({"vin": "MXAJC4111TK1002I1"}, "VIN_CHARACTERS", "vin"),
        ({"sellerBin": "150440012355"}, "BIN_CHECK_DIGIT", "sellerBin"),
        ({"sellerBin": "15044001235"}, "BIN_LENGTH", "sellerBin"),
        ({"buyerIin": "900515310006"}, "IIN_CHECK_DIGIT", "buyerIin"),
        ({"buyerIin": "90051531000X"}, "IIN_NOT_DIGITS", "buyerIin"),
        ({"buyerIin": None}, "WRONG_TYPE", "buyerIin"),
        ({"price": 1}, "UNKNOWN_FIELD", "price"),
    ],
)
async def test_malformed_identifier_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, changes: dict[str, Any], code: str, field: str
) -> None:
    reply = await send(client, bus, envelope(CONTRACT, _query() | changes))
    assert reply.status_code == 422
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert problem["errorInfo"]["subError"]["errorCode"] == code
    assert problem["field"] == f"requestData.data.{field}"


async def test_missing_field_is_named(bus: BusPlan, client: httpx.AsyncClient) -> None:
    reply = await send(client, bus, envelope(CONTRACT, {"vin": VIN_OK, "sellerBin": ASTANA_MOTORS}))
    assert reply.status_code == 422
    problem = reply.json()
    assert (problem["errorInfo"]["subError"]["errorCode"], problem["field"]) == (
        "FIELD_REQUIRED",
        "requestData.data.buyerIin",
    )


async def test_scenario_not_found(bus: BusPlan, client: httpx.AsyncClient) -> None:
    forced = await _data(client, bus, _query(), **{"X-Test-Scenario": "sale_contracts.not_found"})
    assert (forced["found"], forced["code"]) == (False, "SALE_CONTRACT_NOT_FOUND")
    assert (await _data(client, bus, _query()))["found"] is True


async def test_scenario_seller_only(bus: BusPlan, client: httpx.AsyncClient) -> None:
    scenario = {"X-Test-Scenario": "sale_contracts.seller_only"}
    contract = (await _data(client, bus, _query(), **scenario))["contract"]
    assert (contract["status"], contract["sellerSigned"], contract["buyerSigned"]) == (
        "SIGNED_BY_SELLER",
        True,
        False,
    )
    assert contract["buyerSignature"] is None
    no_contract = _query(VEHICLES["vin_no_contract"])
    assert (await _data(client, bus, no_contract, **scenario))["found"] is False
    assert (await _data(client, bus, _query()))["contract"]["status"] == "SIGNED_BY_BOTH"


async def test_another_registrys_scenario_is_ignored(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, _query(), **{"X-Test-Scenario": "eps_passports.not_found"})
    assert answer["contract"]["status"] == "SIGNED_BY_BOTH"


@pytest.mark.parametrize(
    ("sender", "password", "status"),
    [
        ("registration_service", "registration-secret", 200),
        ("frontoffice_service", "frontoffice-secret", 403),
    ],
)
async def test_v8_the_portal_has_access(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str, status: int
) -> None:
    request = envelope(CONTRACT, _query(), sender={"senderId": sender, "password": password})
    assert (await send(client, bus, request)).status_code == status


def _admin(bus: BusPlan, path: str = "") -> str:
    return f"{bus.url('sale_contracts')}/admin/contracts{path}"


def _contract(vin: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contractDate": "2026-11-21",
        "priceKzt": 10_490_000,
        "seller": {"bin": ASTANA_MOTORS, "name": "ТОО «Астана Моторс Алматы»"},
        "buyer": {"iin": BUYER_2, "name": "Жумабаева Айгерим Ерлановна"},
        "vehicle": {"vin": vin, "make": "JAC", "model": "JS4", "yearOfManufacture": 2026},
    }
    return body | changes


async def _sign(
    client: httpx.AsyncClient, bus: BusPlan, number: str, party: str, signer: str, **headers: str
) -> httpx.Response:
    return await client.post(
        _admin(bus, f"/{number}/signature"),
        json={"party": party, "signerIin": signer},
        headers={**ADMIN, **headers},
    )


async def test_admin_a_tester_completes_a_contract(bus: BusPlan, client: httpx.AsyncClient) -> None:
    vin = VEHICLES["vin_no_contract"]
    number = "SC-TEST-000001"
    query = _query(vin, ASTANA_MOTORS, BUYER_2)
    assert (await _data(client, bus, query))["found"] is False

    draft = await client.put(_admin(bus, f"/{number}"), json=_contract(vin), headers=ADMIN)
    assert draft.status_code == 200, draft.text
    assert (draft.json()["status"], draft.json()["statusLabel"]) == (
        "DRAFT",
        "проект: не подписан",
    )
    contract = (await _data(client, bus, query))["contract"]
    assert (contract["status"], contract["sellerSigned"], contract["buyerSigned"]) == (
        "DRAFT",
        False,
        False,
    )

    early = await _sign(client, bus, number, "buyer", BUYER_2)
    assert (early.status_code, early.json()["code"]) == (409, "CONTRACT_SELLER_SIGNS_FIRST")

    seller = await _sign(client, bus, number, "seller", DEALER_MANAGER)
    assert seller.status_code == 200, seller.text
    assert seller.json()["sellerSignature"]["signerIin"] == DEALER_MANAGER
    assert seller.json()["sellerSignature"]["signedAt"]
    assert (await _data(client, bus, query))["contract"]["status"] == "SIGNED_BY_SELLER"

    impostor = await _sign(client, bus, number, "buyer", BUYER)
    assert (impostor.status_code, impostor.json()["code"], impostor.json()["field"]) == (
        422,
        "CONTRACT_SIGNER_NOT_BUYER",
        "signerIin",
    )
    buyer = await _sign(client, bus, number, "buyer", BUYER_2)
    assert buyer.status_code == 200, buyer.text
    contract = (await _data(client, bus, query))["contract"]
    assert (contract["status"], contract["sellerSigned"], contract["buyerSigned"]) == (
        "SIGNED_BY_BOTH",
        True,
        True,
    )
    again = await _sign(client, bus, number, "seller", DEALER_MANAGER)
    assert (again.status_code, again.json()["code"]) == (409, "CONTRACT_ALREADY_SIGNED")

    assert (await client.delete(_admin(bus, f"/{number}"), headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, query))["found"] is False
    gone = await client.delete(_admin(bus, f"/{number}"), headers=ADMIN)
    assert (gone.status_code, gone.json()["field"]) == (404, "number")
    missing = await _sign(client, bus, number, "seller", DEALER_MANAGER)
    assert missing.status_code == 404


async def test_admin_annulled_contract(bus: BusPlan, client: httpx.AsyncClient) -> None:
    vin = VEHICLES["vin_no_contract"]
    number = "SC-TEST-000002"
    annulled = _contract(
        vin,
        sellerSignature={"signedAt": "2026-11-21T10:00:00+05:00", "signerIin": DEALER_MANAGER},
        annulledAt="2026-11-21T12:00:00+05:00",
    )
    reply = await client.put(_admin(bus, f"/{number}"), json=annulled, headers=ADMIN)
    assert reply.status_code == 200, reply.text
    assert reply.json()["annulledAt"] == "2026-11-21T07:00:00Z"
    contract = (await _data(client, bus, _query(vin, ASTANA_MOTORS, BUYER_2)))["contract"]
    assert (contract["status"], contract["statusLabel"]) == ("ANNULLED", "аннулирован")
    refused = await _sign(client, bus, number, "buyer", BUYER_2)
    assert (refused.status_code, refused.json()["code"]) == (409, "CONTRACT_ANNULLED")
    assert (await client.get(_admin(bus, f"/{number}"), headers=ADMIN)).json()["status"] == (
        "ANNULLED"
    )
    assert (await client.delete(_admin(bus, f"/{number}"), headers=ADMIN)).status_code == 204


async def test_admin_lists_and_reads(bus: BusPlan, client: httpx.AsyncClient) -> None:
    by_vin = await client.get(_admin(bus), params={"vin": VIN_OK}, headers=ADMIN)
    assert [(c["number"], c["status"]) for c in by_vin.json()] == [
        ("SC-2026-000200", "ANNULLED"),
        ("SC-2026-000201", "SIGNED_BY_BOTH"),
    ]
    by_parties = await client.get(
        _admin(bus), params={"sellerBin": KOKSHE_AUTO, "buyerIin": BUYER_2}, headers=ADMIN
    )
    assert [c["vehicle"]["vin"] for c in by_parties.json()] == [VEHICLES["vin_ok_2"]]
    one = await client.get(_admin(bus, "/SC-2026-000307"), headers=ADMIN)
    assert one.json()["status"] == "SIGNED_BY_SELLER"
    missing = await client.get(_admin(bus, "/SC-2026-999999"), headers=ADMIN)
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")
    bad_filter = await client.get(_admin(bus), params={"sellerBin": "1"}, headers=ADMIN)
    assert (bad_filter.status_code, bad_filter.json()["field"]) == (422, "sellerBin")


@pytest.mark.parametrize(
    ("number", "changes", "code", "field"),
    [
        ("sc-2026-1", {}, "CONTRACT_NUMBER_FORMAT", "number"),
        ("ДКП-2026-1", {}, "CONTRACT_NUMBER_FORMAT", "number"),
        (
            "SC-TEST-000003",
            {"buyerSignature": {"signedAt": "2026-11-21T10:00:00Z", "signerIin": BUYER_2}},
            "CONTRACT_SELLER_SIGNS_FIRST",
            "buyerSignature",
        ),
        (
            "SC-TEST-000003",
            {
                "sellerSignature": {"signedAt": "2026-11-21T10:00:00Z", "signerIin": BUYER},
                "buyerSignature": {"signedAt": "2026-11-21T11:00:00Z", "signerIin": BUYER},
            },
            "CONTRACT_SIGNER_NOT_BUYER",
            "buyerSignature.signerIin",
        ),
        (
            "SC-TEST-000003",
            {"sellerSignature": {"signedAt": "2026-11-21T10:00:00", "signerIin": BUYER}},
            "INVALID_VALUE",
            "sellerSignature.signedAt",
        ),
        ("SC-TEST-000003", {"priceKzt": 0}, "INVALID_VALUE", "priceKzt"),
        (
            "SC-TEST-000003",
            {"seller": {"bin": "150440012355", "name": "x"}},
            "BIN_CHECK_DIGIT",
            "seller.bin",
        ),
    ],
)
async def test_admin_refuses_an_inconsistent_contract(
    bus: BusPlan,
    client: httpx.AsyncClient,
    number: str,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    body = _contract(VEHICLES["vin_no_contract"], **changes)
    reply = await client.put(_admin(bus, f"/{number}"), json=body, headers=ADMIN)
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["field"]) == (code, field)
    assert set(reply.json()["messages"]) == {"ru", "kk", "en"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/SC-2026-000307"),
        ("PUT", "/SC-2026-000307"),
        ("DELETE", "/SC-2026-000307"),
        ("POST", "/SC-2026-000307/signature"),
        ("POST", "/SC-2026-000307/sign"),
    ],
)
async def test_admin_needs_the_credential(
    bus: BusPlan, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body: Any = None
    if method == "PUT":
        body = _contract(VEHICLES["vin_contract_one_signature"])
    elif method == "POST":
        body = {"party": "buyer", "signerIin": BUYER}
    reply = await client.request(method, _admin(bus, path), json=body)
    assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")
    # Nothing changed: the seller-only contract is still waiting for the buyer.
    query = _query(VEHICLES["vin_contract_one_signature"])
    assert (await _data(client, bus, query))["contract"]["status"] == "SIGNED_BY_SELLER"
