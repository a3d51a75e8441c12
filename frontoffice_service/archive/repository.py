"""All SQL of the archive: what an office keeps, what may leave, the acts and their
signatures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.archive.models import ActStatus, ArchiveAct, Party
from frontoffice_service.machinery.models import ArchiveStatus, MachineryApplication


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def kept(self, office: str) -> Sequence[MachineryApplication]:
        """Everything the office keeps (in an act or not), the soonest to leave first."""
        return (
            await self.session.scalars(
                select(MachineryApplication)
                .where(
                    MachineryApplication.office == office,
                    MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
                )
                .order_by(MachineryApplication.keep_until, MachineryApplication.number)
            )
        ).all()

    async def due(
        self, region: str, office: str | None, today: date
    ) -> Sequence[MachineryApplication]:
        """What may leave today and is in no act yet: the region's, or one office's."""
        query = select(MachineryApplication).where(
            MachineryApplication.region == region,
            MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
            MachineryApplication.act_id.is_(None),
            MachineryApplication.keep_until < today,
        )
        if office is not None:
            query = query.where(MachineryApplication.office == office)
        query = query.order_by(
            MachineryApplication.office,
            MachineryApplication.keep_until,
            MachineryApplication.number,
        )
        return (await self.session.scalars(query)).all()

    async def claim(self, act_id: str, office: str, today: date, at: datetime) -> None:
        """Put every due application of the office that is in no act into this act.

        One UPDATE whose WHERE repeats the due rule: on PostgreSQL a concurrent draw-up waits
        for the rows this one locked, then finds them taken (`act_id` set) and skips them."""
        await self.session.execute(
            update(MachineryApplication)
            .where(
                MachineryApplication.office == office,
                MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
                MachineryApplication.act_id.is_(None),
                MachineryApplication.keep_until < today,
            )
            .values(act_id=act_id, updated_at=at)
            .execution_options(synchronize_session=False)
        )

    async def listed(self, act_id: str) -> Sequence[MachineryApplication]:
        """The applications of an act, in the order the act lists them."""
        return (
            await self.session.scalars(
                select(MachineryApplication)
                .where(MachineryApplication.act_id == act_id)
                .order_by(MachineryApplication.keep_until, MachineryApplication.number)
                .execution_options(populate_existing=True)
            )
        ).all()

    async def acts_numbered(self, prefix: str) -> int:
        """How many acts carry numbers starting with `prefix` (an office's acts of a day)."""
        count = await self.session.scalar(
            select(func.count()).select_from(ArchiveAct).where(ArchiveAct.number.like(f"{prefix}%"))
        )
        return int(count or 0)

    async def add_act(self, act: ArchiveAct) -> None:
        self.session.add(act)
        await self.session.flush()

    async def act(self, act_id: str) -> ArchiveAct | None:
        return await self.session.get(ArchiveAct, act_id, populate_existing=True)

    async def acts(
        self, region: str, *, office: str | None, status: ActStatus | None, limit: int
    ) -> Sequence[ArchiveAct]:
        query = select(ArchiveAct).where(ArchiveAct.region == region)
        if office is not None:
            query = query.where(ArchiveAct.office == office)
        if status is not None:
            query = query.where(ArchiveAct.status == status)
        query = query.order_by(ArchiveAct.created_at.desc(), ArchiveAct.number.desc())
        return (await self.session.scalars(query.limit(limit))).all()

    async def sign(
        self, act_id: str, party: Party, *, iin: str, at: datetime, cms: str
    ) -> ActStatus | None:
        """Record `party`'s signature unless it is there already (None then); the act becomes
        SIGNED in the same statement when the other party has signed."""
        if party is Party.PROVIDER:
            own, other = ArchiveAct.provider_cms, ArchiveAct.head_cms
            values = {"provider_signed_by": iin, "provider_signed_at": at, "provider_cms": cms}
        else:
            own, other = ArchiveAct.head_cms, ArchiveAct.provider_cms
            values = {"head_signed_by": iin, "head_signed_at": at, "head_cms": cms}
        status = await self.session.scalar(
            update(ArchiveAct)
            .where(ArchiveAct.id == act_id, ArchiveAct.status == ActStatus.DRAFT, own.is_(None))
            .values(
                **values,
                status=case(
                    (other.is_not(None), literal(ActStatus.SIGNED.value)),
                    else_=literal(ActStatus.DRAFT.value),
                ),
            )
            .returning(ArchiveAct.status)
            .execution_options(synchronize_session=False)
        )
        return None if status is None else ActStatus(status)

    async def hand_over(self, act_id: str, at: datetime) -> int:
        """M17: the listed applications' paper has left the office."""
        result = await self.session.execute(
            update(MachineryApplication)
            .where(
                MachineryApplication.act_id == act_id,
                MachineryApplication.archive_status == ArchiveStatus.AT_OFFICE,
            )
            .values(archive_status=ArchiveStatus.HANDED_OVER, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount
