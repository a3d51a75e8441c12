"""Deterministic seed data of ПШЭП (seed_data.json): the МРП table, the purposes of payment
and the personas' invoices, applied once per version of the file."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from payments.invoicing import mrp_year, price
from payments.models import (
    Invoice,
    InvoiceState,
    MrpRate,
    PaymentMethod,
    Purpose,
    seed_versions,
)
from payments.repository import InvoiceRepository, MrpRepository, PurposeRepository
from payments.schemas import ItemIn
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_data() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(SEED_FILE.read_bytes())
    return data


def to_mrp(record: dict[str, Any]) -> MrpRate:
    return MrpRate(
        year=record["year"],
        amount=record["amount"],
        verified=record["verified"],
        source=record["source"],
    )


def to_purpose(record: dict[str, Any]) -> Purpose:
    return Purpose(
        code=record["code"],
        name=record["name"],
        name_kk=record["nameKk"],
        fee_mrp=Decimal(record["feeMrp"]),
        verified=record["verified"],
        source=record["source"],
    )


def _moment(record: dict[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    return datetime.fromisoformat(value) if value else None


def to_invoice(
    record: dict[str, Any], purposes: dict[str, Purpose], mrp_by_year: dict[int, int]
) -> Invoice:
    """An invoice priced as a new one would be: purposes × the МРП of its creation year."""
    created_at = datetime.fromisoformat(record["createdAt"])
    year = mrp_year(created_at)
    mrp = mrp_by_year[year]
    items = price(
        record["number"], [ItemIn.model_validate(i) for i in record["items"]], purposes, mrp
    )
    method = record.get("paymentMethod")
    return Invoice(
        number=record["number"],
        payer_iin=record.get("payerIin"),
        payer_bin=record.get("payerBin"),
        reference=record.get("reference"),
        idempotency_key=record["idempotencyKey"],
        # Seeded invoices were not made by a request; no request can claim their keys.
        request_digest="seed",
        created_at=created_at,
        expires_at=datetime.fromisoformat(record["expiresAt"]),
        mrp_year=year,
        mrp=mrp,
        total=sum(i.amount for i in items),
        status=InvoiceState(record["status"]),
        paid_at=_moment(record, "paidAt"),
        receipt_number=record.get("receiptNumber"),
        payment_method=PaymentMethod(method) if method else None,
        payment_key=record.get("paymentKey"),
        cancelled_at=_moment(record, "cancelledAt"),
        items=items,
    )


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        data = load_data()
        mrp = MrpRepository(session)
        for record in data["mrp"]:
            await mrp.save(to_mrp(record))
        purposes = {r["code"]: to_purpose(r) for r in data["purposes"]}
        purpose_repository = PurposeRepository(session)
        for purpose in purposes.values():
            await purpose_repository.save(purpose)
        await session.flush()
        mrp_by_year = {r["year"]: r["amount"] for r in data["mrp"]}
        invoices = InvoiceRepository(session)
        for record in data["invoices"]:
            await invoices.replace(to_invoice(record, purposes, mrp_by_year))

    await apply_seed(
        session,
        seed_versions,
        name="payments",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
