"""The canonical documents that are signed with ЭЦП (V9, V18, V19).

Canonical: JSON with sorted keys, no insignificant whitespace, UTF-8. The signer signs these
bytes as they are; the portal rebuilds them from the stored application and checks the
detached signature against them, so anything changed after signing fails the check.
"""

from __future__ import annotations

from typing import Any

from registration_service.models import Application
from servicekit.clock import instant


def seller_document(app: Application) -> dict[str, Any]:
    """V9: what the dealer signs — the seller, the vehicle, the buyer and the contract."""
    return {
        "kind": "VEHICLE_PRIMARY_REGISTRATION_APPLICATION",
        "number": app.number,
        "seller": {"bin": app.dealer_bin, "name": app.dealer_name},
        "vehicle": app.vehicle,
        "buyer": {"iin": app.buyer_iin, **{k: (app.buyer or {}).get(k) for k in _NAMES}},
        "contract": app.contract,
    }


def buyer_document(app: Application) -> dict[str, Any]:
    """V18: what the buyer signs — the dealer's part, and the ЦОН, plate and payment."""
    invoice = app.invoice or {}
    return {
        **seller_document(app),
        "sellerSignedAt": instant(app.seller_signed_at) if app.seller_signed_at else None,
        "pickup": {"centreId": app.centre_id, "plateType": app.plate_type},
        "plate": app.plate,
        "payment": {
            "invoiceNumber": app.invoice_number,
            "total": invoice.get("total"),
            "receiptNumber": invoice.get("receiptNumber"),
        },
    }


def decision_document(app: Application, approve: bool, reason: str | None) -> dict[str, Any]:
    """V19: what the police officer signs."""
    return {
        "kind": "VEHICLE_REGISTRATION_DECISION",
        "number": app.number,
        "vin": app.vin,
        "ownerIin": app.buyer_iin,
        "plate": app.plate,
        "decision": "APPROVED" if approve else "REFUSED",
        "reason": reason,
    }


_NAMES = ("lastName", "firstName", "middleName")
