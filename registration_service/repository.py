"""All SQL of the portal, one class per aggregate."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from registration_service.models import (
    Application,
    Certificate,
    CertificateSeries,
    Check,
    Notification,
    PoliceCase,
)
from registration_service.states import State, step_of
from servicekit.db import PerDialect, insert_new
from servicekit.errors import StepRefusal

# A prebuilt SELECT, not `session.get`: each request loads its application once, and
# `session.get` builds its query anew every time (≈ 0.12 ms of the portal's CPU a load).
_BY_ID = select(Application).where(Application.id == bindparam("id"))
_BY_NUMBER = select(Application).where(Application.number == bindparam("number"))
_LIVE = Application.state.not_in([State.REFUSED, State.DECLINED])
_OTHER_FOR_VIN = (
    select(Application)
    .where(Application.vin == bindparam("vin"), Application.id != bindparam("except_id"), _LIVE)
    .limit(1)
)
_PLATES_OF_BUYER = select(Application.plate).where(
    Application.buyer_iin == bindparam("buyer_iin"),
    Application.id != bindparam("except_id"),
    Application.plate.is_not(None),
    _LIVE,
)
_CHECKS = (
    select(Check)
    .where(Check.application_id == bindparam("application_id"))
    .order_by(Check.checked_at, Check.id)
)
_NOTIFICATIONS = (
    select(Notification)
    .where(Notification.recipient_iin == bindparam("iin"), Notification.id > bindparam("after_id"))
    .order_by(Notification.id)
    .limit(bindparam("limit"))
)
_NOTIFICATIONS_OF_APPLICATION = _NOTIFICATIONS.where(
    Notification.application_id == bindparam("application_id")
)
_CASE = select(PoliceCase).where(PoliceCase.application_id == bindparam("application_id"))
_ADD_CASE = insert_new(PoliceCase, PoliceCase.application_id)
_NEXT_NUMBER = PerDialect(
    lambda insert: (
        insert(CertificateSeries)
        .on_conflict_do_update(
            index_elements=[CertificateSeries.series],
            set_={"last_number": CertificateSeries.last_number + 1},
        )
        .returning(CertificateSeries.last_number)
    )
)


class ApplicationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, application_id: str) -> Application | None:
        return await self.session.scalar(_BY_ID, {"id": application_id})

    async def by_number(self, number: str) -> Application | None:
        return await self.session.scalar(_BY_NUMBER, {"number": number})

    async def of_dealer(self, dealer_bin: str, limit: int, offset: int) -> Sequence[Application]:
        query = (
            select(Application)
            .where(Application.dealer_bin == dealer_bin)
            .order_by(Application.created_at.desc(), Application.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(query)).all()

    async def of_buyer(self, buyer_iin: str) -> Sequence[Application]:
        """What the buyer's cabinet shows: applications the dealer has signed (V10 onwards)."""
        query = (
            select(Application)
            .where(Application.buyer_iin == buyer_iin, Application.seller_signed_at.is_not(None))
            .order_by(Application.created_at.desc(), Application.id)
        )
        return (await self.session.scalars(query)).all()

    async def other_for_vin(self, vin: str, application_id: str) -> Application | None:
        """An open or registered application of this VIN other than this one."""
        return await self.session.scalar(_OTHER_FOR_VIN, {"vin": vin, "except_id": application_id})

    async def plates_of_buyer(self, buyer_iin: str, except_id: str) -> set[str]:
        """The numbers held by the buyer's other applications that are not refused or
        declined."""
        plates = await self.session.scalars(
            _PLATES_OF_BUYER, {"buyer_iin": buyer_iin, "except_id": except_id}
        )
        return {plate for plate in plates.all() if plate}

    def add(self, application: Application) -> None:
        self.session.add(application)

    async def claim(self, application: Application) -> None:
        """The versioned UPDATE now (`… WHERE id = … AND version = <as loaded>`), even when
        nothing has changed yet: the row is this transaction's until it ends. A concurrent
        step waits on it, then matches no row and gets 409 APPLICATION_CHANGED."""
        flag_modified(application, "updated_at")
        await self.save(application)

    async def save(self, application: Application) -> None:
        """Write the changes now, so a lost race is a clean 409 and not a failed commit."""
        # Read before the flush: after a failed one the object's attributes cannot be loaded.
        state, plate, vin = application.state, application.plate, application.vin
        try:
            await self.session.flush()
        except StaleDataError:
            raise StepRefusal("APPLICATION_CHANGED", step_of(state), status=409) from None
        except IntegrityError as exc:
            if "plate" in str(exc.orig):
                raise StepRefusal(
                    "PLATE_ALREADY_TAKEN",
                    "V16",
                    status=409,
                    field="plate",
                    plate=plate,
                ) from None
            raise StepRefusal(
                "VIN_APPLICATION_OPEN",
                "V2",
                status=409,
                field="vin",
                vin=vin,
                number="",
            ) from None


class CheckRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, application_id: str) -> Sequence[Check]:
        return (await self.session.scalars(_CHECKS, {"application_id": application_id})).all()


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    async def of(
        self, iin: str, after_id: int = 0, limit: int = 100, *, application_id: str | None = None
    ) -> Sequence[Notification]:
        params = {"iin": iin, "after_id": after_id, "limit": limit}
        if application_id is None:
            return (await self.session.scalars(_NOTIFICATIONS, params)).all()
        params["application_id"] = application_id
        return (await self.session.scalars(_NOTIFICATIONS_OF_APPLICATION, params)).all()


class PoliceCaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_new(self, case: PoliceCase) -> bool:
        """Put a case in the inbox; False if its application or event is there already."""
        values = {c.key: getattr(case, c.key) for c in PoliceCase.__table__.columns}
        return await self.session.scalar(_ADD_CASE(self.session), values) is not None

    async def get(self, application_id: str) -> PoliceCase | None:
        return await self.session.scalar(_CASE, {"application_id": application_id})

    async def inbox(
        self, region_code: str, *, pending: bool, limit: int, offset: int
    ) -> Sequence[tuple[PoliceCase, Application]]:
        """The region's cases with their applications: pending ones oldest first (the queue),
        decided ones newest first."""
        query = (
            select(PoliceCase, Application)
            .join(Application, Application.id == PoliceCase.application_id)
            .where(PoliceCase.region_code == region_code)
            .limit(limit)
            .offset(offset)
        )
        if pending:
            query = query.where(PoliceCase.decided_at.is_(None)).order_by(
                PoliceCase.received_at, PoliceCase.application_id
            )
        else:
            query = query.where(PoliceCase.decided_at.is_not(None)).order_by(
                PoliceCase.decided_at.desc(), PoliceCase.application_id
            )
        return [(case, app) for case, app in (await self.session.execute(query)).all()]


class CertificateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, certificate: Certificate) -> None:
        self.session.add(certificate)

    async def next_number(self, series: str) -> int:
        """The next number of `series`: one upsert, so two printers never share a number."""
        number = await self.session.scalar(
            _NEXT_NUMBER(self.session), {"series": series, "last_number": 1}
        )
        assert number is not None
        return int(number)

    async def of_owner(self, owner_iin: str) -> Sequence[Certificate]:
        query = (
            select(Certificate)
            .where(Certificate.owner_iin == owner_iin)
            .order_by(Certificate.created_at.desc(), Certificate.number)
        )
        return (await self.session.scalars(query)).all()

    async def get(self, number: str) -> Certificate | None:
        return await self.session.get(Certificate, number)
