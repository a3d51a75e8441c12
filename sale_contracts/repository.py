"""All SQL of the sale-contract registry."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sale_contracts.models import SaleContract

_FOR_PARTIES = (
    select(SaleContract)
    .where(
        SaleContract.vin == bindparam("vin"),
        SaleContract.seller_bin == bindparam("seller_bin"),
        SaleContract.buyer_iin == bindparam("buyer_iin"),
    )
    .order_by(
        SaleContract.annulled_at.is_not(None),
        SaleContract.contract_date.desc(),
        SaleContract.number.desc(),
    )
    .limit(1)
)


class ContractRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, number: str) -> SaleContract | None:
        return await self.session.get(SaleContract, number)

    async def for_parties(self, vin: str, seller_bin: str, buyer_iin: str) -> SaleContract | None:
        """The contract that stands between these parties for this vehicle.

        An annulled contract stays on record beside the one signed instead: a live one wins,
        then the newest.
        """
        result = await self.session.execute(
            _FOR_PARTIES, {"vin": vin, "seller_bin": seller_bin, "buyer_iin": buyer_iin}
        )
        return result.scalar_one_or_none()

    async def search(
        self,
        *,
        vin: str | None,
        seller_bin: str | None,
        buyer_iin: str | None,
        limit: int,
        offset: int,
    ) -> list[SaleContract]:
        query = select(SaleContract).order_by(SaleContract.number).limit(limit).offset(offset)
        if vin is not None:
            query = query.where(SaleContract.vin == vin)
        if seller_bin is not None:
            query = query.where(SaleContract.seller_bin == seller_bin)
        if buyer_iin is not None:
            query = query.where(SaleContract.buyer_iin == buyer_iin)
        return list((await self.session.scalars(query)).all())

    async def save(self, contract: SaleContract) -> SaleContract:
        """Insert the contract or replace the one stored under its number."""
        stored = await self.session.merge(contract)
        await self.session.flush()
        return stored

    async def delete(self, number: str) -> bool:
        result = await self.session.execute(
            delete(SaleContract).where(SaleContract.number == number)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
