"""All SQL of БМГ.

Every change of a plate's status is one conditional UPDATE (`… WHERE status = 'FREE' …`) whose
row count says whether this request won: the database decides between concurrent requests,
never a read followed by a write in Python. Only after losing does a request read the plate, to
say why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from number_bank.models import (
    EventAction,
    Holder,
    IdempotencyKey,
    Plate,
    PlateEvent,
    PlateStatus,
)
from number_bank.plates import PlateKind
from servicekit.db import PerDialect, insert_new

When = datetime | BindParameter[datetime]
"""A moment: a value, or the `now` parameter of a statement built once."""
_NOW: BindParameter[datetime] = bindparam("now")


def free_at(now: When) -> ColumnElement[bool]:
    """Free now: FREE, or RESERVED with the reservation run out (no sweeper needs to run)."""
    return or_(
        Plate.status == PlateStatus.FREE,
        and_(Plate.status == PlateStatus.RESERVED, Plate.reserved_until <= now),
    )


def reserved_at(now: When) -> ColumnElement[bool]:
    return and_(Plate.status == PlateStatus.RESERVED, Plate.reserved_until > now)


def status_at(status: PlateStatus, now: datetime) -> ColumnElement[bool]:
    """The plate's status as the bus clock sees it (an expired reservation is FREE)."""
    if status is PlateStatus.FREE:
        return free_at(now)
    if status is PlateStatus.RESERVED:
        return reserved_at(now)
    return Plate.status == status


_RESERVATIONS_OF = (
    select(Plate)
    .where(Plate.iin == bindparam("iin"), reserved_at(_NOW))
    .order_by(Plate.reserved_until, Plate.plate)
)
_COUNT_RESERVATIONS = (
    select(func.count()).select_from(Plate).where(Plate.iin == bindparam("iin"), reserved_at(_NOW))
)
_FREE_NUMBERS = (
    select(Plate.plate)
    .where(
        Plate.region_code == bindparam("region_code"),
        Plate.kind == bindparam("kind"),
        Plate.demand_category.is_(None),
        free_at(_NOW),
    )
    .order_by(Plate.plate)
)


def _lock_holder(insert: Any) -> Any:
    statement = insert(Holder)
    return statement.on_conflict_do_update(
        index_elements=[Holder.iin], set_={"last_reserved_at": statement.excluded.last_reserved_at}
    )


_LOCK_HOLDER = PerDialect(_lock_holder)
# The UPDATEs below take their SET columns with the values at execution, by column name; their
# WHERE parameters are named apart (`b_…`, `now`) so they never read as a column to set.
_RESERVE = update(Plate).where(
    Plate.plate == bindparam("b_plate"),
    Plate.kind == PlateKind.VEHICLE_INDIVIDUAL,
    Plate.demand_category.is_(None),
    free_at(_NOW),
)
_ISSUE_RESERVED = and_(reserved_at(_NOW), Plate.iin == bindparam("b_iin"))
_ISSUE_FREE = and_(Plate.demand_category.is_(None), free_at(_NOW))
_ISSUE = {
    (True, False): update(Plate).where(Plate.plate == bindparam("b_plate"), _ISSUE_RESERVED),
    (False, True): update(Plate).where(Plate.plate == bindparam("b_plate"), _ISSUE_FREE),
    (True, True): update(Plate).where(
        Plate.plate == bindparam("b_plate"), or_(_ISSUE_RESERVED, _ISSUE_FREE)
    ),
}
"""By whether a reservation of the recipient's ИИН, a free plate, or either may be issued."""
_ANNUL = update(Plate).where(
    Plate.plate == bindparam("b_plate"),
    Plate.status == PlateStatus.ISSUED,
    Plate.iin.is_not_distinct_from(bindparam("b_iin")),
    Plate.bin.is_not_distinct_from(bindparam("b_bin")),
    Plate.vin.is_not_distinct_from(bindparam("b_vin")),
    Plate.machine_id.is_not_distinct_from(bindparam("b_machine_id")),
)
_RECORD = insert(PlateEvent)
_CLAIM = insert_new(IdempotencyKey, IdempotencyKey.key, unique=[IdempotencyKey.key])
_CLAIMED = (
    select(IdempotencyKey)
    .where(IdempotencyKey.key == bindparam("b_key"))
    .execution_options(populate_existing=True)
)
_ANSWER = update(IdempotencyKey).where(IdempotencyKey.key == bindparam("b_key"))


def _changed(result: Any) -> bool:
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


class PlateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, plate: str) -> Plate | None:
        """The plate as stored now: fresh, even after this session's own UPDATEs."""
        result = await self.session.execute(
            select(Plate).where(Plate.plate == plate).execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def history(self, plate: str) -> Sequence[PlateEvent]:
        result = await self.session.scalars(
            select(PlateEvent).where(PlateEvent.plate == plate).order_by(PlateEvent.id)
        )
        return result.all()

    async def ever_issued(self, plate: str) -> bool:
        found = await self.session.scalar(
            select(PlateEvent.id).where(
                PlateEvent.plate == plate, PlateEvent.action == EventAction.ISSUED
            )
        )
        return found is not None

    async def reservations_of(self, iin: str, now: datetime) -> Sequence[Plate]:
        """A person's live reservations, the one expiring first first."""
        return (await self.session.scalars(_RESERVATIONS_OF, {"iin": iin, "now": now})).all()

    async def count_reservations(self, iin: str, now: datetime) -> int:
        count = await self.session.scalar(_COUNT_RESERVATIONS, {"iin": iin, "now": now})
        return int(count or 0)

    async def free_numbers(
        self,
        *,
        region_code: str,
        kind: PlateKind,
        now: datetime,
        limit: int,
        after: str | None,
        like: str | None,
    ) -> list[str]:
        """Free ordinary plates in plate order, from after `after`: what egov may offer."""
        query = _FREE_NUMBERS.limit(limit)
        if after is not None:
            query = query.where(Plate.plate > after)
        if like is not None:
            query = query.where(Plate.plate.like(like))
        result = await self.session.scalars(
            query, {"region_code": region_code, "kind": kind, "now": now}
        )
        return list(result.all())

    async def listing(
        self,
        *,
        now: datetime,
        limit: int,
        after: str | None = None,
        region_code: str | None = None,
        kind: PlateKind | None = None,
        status: PlateStatus | None = None,
        increased_demand: bool | None = None,
        iin: str | None = None,
        vin: str | None = None,
    ) -> Sequence[Plate]:
        query = select(Plate)
        if after is not None:
            query = query.where(Plate.plate > after)
        if region_code is not None:
            query = query.where(Plate.region_code == region_code)
        if kind is not None:
            query = query.where(Plate.kind == kind)
        if status is not None:
            query = query.where(status_at(status, now))
        if increased_demand is not None:
            column = Plate.demand_category
            query = query.where(column.is_not(None) if increased_demand else column.is_(None))
        if iin is not None:
            query = query.where(Plate.iin == iin)
        if vin is not None:
            query = query.where(Plate.vin == vin)
        result = await self.session.scalars(query.order_by(Plate.plate).limit(limit))
        return result.all()

    async def lock_holder(self, iin: str, now: datetime) -> None:
        """Upsert the person's holder row: the row lock makes their reservations take turns."""
        await self.session.execute(
            _LOCK_HOLDER(self.session), {"iin": iin, "last_reserved_at": now}
        )

    async def reserve(
        self, plate: str, iin: str, until: datetime, now: datetime, reference: str | None = None
    ) -> bool:
        """FREE (or expired), ordinary, individual → RESERVED for `iin`; False if not so."""
        result = await self.session.execute(
            _RESERVE,
            {
                "b_plate": plate,
                "now": now,
                "status": PlateStatus.RESERVED,
                "iin": iin,
                "reserved_until": until,
                "reference": reference,
                "status_since": now,
            },
        )
        return _changed(result)

    async def issue(
        self,
        plate: str,
        *,
        iin: str | None,
        bin: str | None,
        vin: str | None,
        machine_id: str | None,
        now: datetime,
        direct: bool,
    ) -> bool:
        """Issue from the recipient's live reservation or, when `direct`, from a free ordinary
        plate; False if neither holds at this instant."""
        statement = _ISSUE.get((iin is not None, direct))
        if statement is None:
            return False
        result = await self.session.execute(
            statement,
            {
                "b_plate": plate,
                "b_iin": iin,
                "now": now,
                "status": PlateStatus.ISSUED,
                "iin": iin,
                "bin": bin,
                "vin": vin,
                "machine_id": machine_id,
                "reserved_until": None,
                "reference": None,
                "issued_at": now,
                "status_since": now,
            },
        )
        return _changed(result)

    async def annul(
        self,
        plate: str,
        *,
        iin: str | None,
        bin: str | None,
        vin: str | None,
        machine_id: str | None,
        now: datetime,
    ) -> bool:
        """ISSUED to exactly this recipient and object → ANNULLED (the holder fields stay, as
        the record of what was annulled); False if the plate is not issued so."""
        result = await self.session.execute(
            _ANNUL,
            {
                "b_plate": plate,
                "b_iin": iin,
                "b_bin": bin,
                "b_vin": vin,
                "b_machine_id": machine_id,
                "status": PlateStatus.ANNULLED,
                "status_since": now,
            },
        )
        return _changed(result)

    async def release(self, plate: str, iin: str, now: datetime) -> bool:
        """The person's live reservation → FREE; False if it is not theirs (or not live)."""
        result = await self.session.execute(
            update(Plate)
            .where(Plate.plate == plate, reserved_at(now), Plate.iin == iin)
            .values(
                status=PlateStatus.FREE,
                iin=None,
                reserved_until=None,
                reference=None,
                status_since=now,
            )
        )
        return _changed(result)

    async def free(self, plate: str, now: datetime) -> bool:
        """Back to FREE from a reservation or from storage (admin); never from ISSUED."""
        result = await self.session.execute(
            update(Plate)
            .where(
                Plate.plate == plate, Plate.status.in_([PlateStatus.RESERVED, PlateStatus.STORED])
            )
            .values(
                status=PlateStatus.FREE,
                iin=None,
                bin=None,
                reserved_until=None,
                reference=None,
                vin=None,
                machine_id=None,
                issued_at=None,
                status_since=now,
            )
        )
        return _changed(result)

    async def put(self, plate: Plate) -> None:
        """Insert or replace a plate's row (admin)."""
        await self.session.merge(plate)
        await self.session.flush()

    async def delete(self, plate: str) -> bool:
        result = await self.session.execute(delete(Plate).where(Plate.plate == plate))
        return _changed(result)

    async def record(
        self, plate: str, action: EventAction, status: PlateStatus, at: datetime, **fields: Any
    ) -> None:
        """Append to the archive. An ISSUED event of a plate issued before violates
        `uq_plate_events_issued`: the caller turns that IntegrityError into a refusal."""
        await self.session.execute(
            _RECORD, {"plate": plate, "at": at, "action": action, "status": status, **fields}
        )


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, key: str, operation: str, digest: str, now: datetime
    ) -> IdempotencyKey | None:
        """Take `key` for this request (None), or get the row of the request that took it.

        INSERT … ON CONFLICT DO NOTHING: on PostgreSQL a concurrent holder of the same key
        makes this wait until it commits (then its row is returned) or rolls back (then this
        request takes the key). Being the first write, it also starts SQLite's write lock.
        """
        row = {"key": key, "operation": operation, "digest": digest, "answer": None}
        taken = await self.session.execute(_CLAIM(self.session), {**row, "created_at": now})
        if taken.scalar_one_or_none() is not None:
            return None
        return (await self.session.execute(_CLAIMED, {"b_key": key})).scalar_one()

    async def answer(self, key: str, answer: dict[str, Any]) -> None:
        await self.session.execute(_ANSWER, {"b_key": key, "answer": answer})
