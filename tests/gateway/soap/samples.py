"""One call that succeeds for every sync serviceId the gateway routes, on a fresh bus.

Calls are made in this order: the writes of БМГ and ПШЭП take what the reads before them found
(a free plate, an invoice number), so the whole list runs green once per bus.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servicekit.signatures import sign_detached, timestamp_query

KEYS = Path(__file__).resolve().parents[3] / "personas" / "keys"
BUYER = "900515310005"
BIN = "150440012354"
VIN = "MXAJC4110TK100201"
TRACTOR = "Y4R082104SB010321"
DOCUMENT = b"sale contract, V9"

Answers = dict[str, Any]
"""What earlier calls answered, by serviceId (the JSON data)."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _key() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Sample:
    service_id: str
    data: Callable[[Answers], dict[str, Any]]
    """The request data, from what the calls before it answered."""


def _free_plate(answers: Answers) -> str:
    return str(answers["BMG_FreeNumbers"]["plates"][0])


SAMPLES: list[Sample] = [
    Sample("GBDFL_UniversalServiceSync", lambda a: {"iin": BUYER}),
    Sample(
        "GBDFL_BiometricVerification",
        lambda a: {"iin": BUYER, "photo": _b64(b"\xff\xd8\xff\xe0" + b"live photo" * 20)},
    ),
    Sample("GBDUL_UniversalServiceSync", lambda a: {"bin": BIN}),
    Sample("EPTS_PassportByVin", lambda a: {"vin": VIN}),
    Sample("EPSM_PassportByVin", lambda a: {"vin": TRACTOR}),
    Sample("CUSTOMS_PaymentsByVin", lambda a: {"vin": VIN}),
    Sample("RECYCLING_FeeByVin", lambda a: {"vin": VIN}),
    Sample("ERAP_FinesByIin", lambda a: {"iin": BUYER}),
    Sample("ERAP_PayFine", lambda a: {"caseNumber": "NO-SUCH-CASE-1", "payerIin": BUYER}),
    Sample("BMG_ReservedNumber", lambda a: {"iin": BUYER}),
    Sample(
        "BMG_FreeNumbers",
        lambda a: {"regionCode": "02", "kind": "VEHICLE_INDIVIDUAL", "limit": 3},
    ),
    Sample("BMG_PlateStatus", lambda a: {"plate": _free_plate(a)}),
    Sample(
        "BMG_Reserve",
        lambda a: {"plate": _free_plate(a), "iin": BUYER, "idempotencyKey": _key()},
    ),
    Sample(
        "BMG_Release",
        lambda a: {"plate": _free_plate(a), "iin": BUYER, "idempotencyKey": _key()},
    ),
    Sample(
        "BMG_Reserve",
        lambda a: {
            "plate": str(a["BMG_FreeNumbers"]["plates"][1]),
            "iin": BUYER,
            "idempotencyKey": _key(),
        },
    ),
    Sample(
        "BMG_Issue",
        lambda a: {
            "plate": str(a["BMG_FreeNumbers"]["plates"][1]),
            "iin": BUYER,
            "vin": VIN,
            "idempotencyKey": _key(),
        },
    ),
    Sample(
        "BMG_Annul",
        lambda a: {
            "plate": str(a["BMG_FreeNumbers"]["plates"][1]),
            "iin": BUYER,
            "vin": VIN,
            "idempotencyKey": _key(),
        },
    ),
    Sample("EDO_SaleContract", lambda a: {"vin": VIN, "sellerBin": BIN, "buyerIin": BUYER}),
    Sample(
        "PAYMENTS_CreateInvoice",
        lambda a: {
            "payerIin": BUYER,
            "items": [{"purpose": "VEHICLE_REGISTRATION_FEE", "quantity": 1}],
            "idempotencyKey": _key(),
        },
    ),
    Sample(
        "PAYMENTS_InvoiceStatus",
        lambda a: {"invoiceNumber": a["PAYMENTS_CreateInvoice"]["invoice"]["number"]},
    ),
    Sample(
        "PAYMENTS_Pay",
        lambda a: {
            "invoiceNumber": a["PAYMENTS_CreateInvoice"]["invoice"]["number"],
            "method": "CARD",
            "idempotencyKey": _key(),
        },
    ),
    Sample(
        "PAYMENTS_CheckByPayerPurpose",
        lambda a: {"payerIin": BUYER, "purpose": "VEHICLE_REGISTRATION_FEE"},
    ),
    Sample(
        "PKI_VerifyCms",
        lambda a: {
            "cms": _b64(sign_detached((KEYS / "buyer.p12").read_bytes(), "Qwerty12", DOCUMENT)),
            "data": _b64(DOCUMENT),
        },
    ),
    Sample("PKI_TokenKeys", lambda a: {}),
    Sample(
        "PKI_CertificateStatus",
        lambda a: {"serialNumber": a["PKI_VerifyCms"]["signers"][0]["certificate"]["serialNumber"]},
    ),
    Sample("PKI_Timestamp", lambda a: {"query": _b64(timestamp_query(b"sig", 7).dump())}),
    Sample(
        "NOTARY_PowerOfAttorney",
        lambda a: {"principalIin": BUYER, "representativeIin": "850308410371"},
    ),
]
