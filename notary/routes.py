"""ЕНИС's operation on the gateway's sync channel.

`NOTARY_PowerOfAttorney` answers the power of attorney by which a representative acts for a
principal, for the ЦОН's identification of a representative (M6.1; the request goes through
the gateway, G2). No power of attorney between the two is an answer (`found: false`, "the data
cannot be obtained", G3), never a fault. Without a `number`, of the powers the principal gave
this representative the one that serves wins, then one in force, then the newest; with a
`number`, only that one, and only if it is between these two persons.

`valid` is the ЦОН's question, answered once here: the representative may register machinery
for the principal. It is true when the power of attorney is found, ACTIVE, in force at the bus
clock's date in Almaty (`issuedOn` ≤ today ≤ `validUntil`, both days included) and grants
`MACHINERY_REGISTRATION`. Otherwise `code` and `messages` say why, in this order:
POWER_OF_ATTORNEY_REVOKED, POWER_OF_ATTORNEY_EXPIRED, POWER_OF_ATTORNEY_NOT_YET_VALID (dated
after the bus clock's date), POWER_OF_ATTORNEY_NO_MACHINERY_POWERS.

Tester scenarios (`X-Test-Scenario`, relayed by the gateway):

- `notary.not_found`: no power of attorney is found for any persons or number;
- `notary.revoked`: a power of attorney that is found is answered as revoked now (bus clock);
- `notary.expired`: an ACTIVE one is answered as expired yesterday (a revoked one stays
  revoked);
- `notary.other_powers`: a found one is answered without `MACHINERY_REGISTRATION` (with
  `VEHICLE_REGISTRATION` if it granted nothing else).

Another registry's scenario changes nothing; an unknown `notary.` one is refused
(`servicekit.scenarios`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from notary.models import (
    STATUS_LABELS,
    Power,
    PowerOfAttorney,
    PowerStatus,
)
from notary.repository import PowerOfAttorneyRepository
from notary.schemas import (
    Notary,
    Person,
    PowerOfAttorneyAnswer,
    PowerOfAttorneyIn,
    PowerOfAttorneyRecord,
    PowerOfAttorneyRequest,
)
from servicekit.clock import ALMATY
from servicekit.errors import Problem
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

POWER_OF_ATTORNEY = "NOTARY_PowerOfAttorney"
SCENARIO_NOT_FOUND = "notary.not_found"
SCENARIO_REVOKED = "notary.revoked"
SCENARIO_EXPIRED = "notary.expired"
SCENARIO_OTHER_POWERS = "notary.other_powers"
SCENARIO_REVOCATION_REASON = "отменена доверителем (сценарий notary.revoked)"

provider = SyncProvider(
    "notary",
    {
        SCENARIO_NOT_FOUND: "no power of attorney is found for any persons or number",
        SCENARIO_REVOKED: "a power of attorney that is found is answered as revoked now",
        SCENARIO_EXPIRED: "an ACTIVE one is answered as expired yesterday",
        SCENARIO_OTHER_POWERS: "a found one is answered without MACHINERY_REGISTRATION",
    },
)

register(
    {
        "POWER_OF_ATTORNEY_NOT_FOUND": Texts(
            "Сведения о доверенности доверителя на этого представителя в ЕНИС не найдены: "
            "данные не могут быть получены",
            "БНАЖ-да сенім білдірушінің осы өкілге берген сенімхаты туралы мәліметтер "
            "табылмады: деректерді алу мүмкін емес",
            "No power of attorney from this principal to this representative in the notary "
            "system (ЕНИС): the data cannot be obtained",
        ),
        "POWER_OF_ATTORNEY_REVOKED": Texts(
            "Доверенность № {number} отменена {revoked_on}: представитель не вправе "
            "действовать от имени доверителя",
            "№ {number} сенімхат {revoked_on} күні жойылған: өкіл сенім білдірушінің атынан "
            "әрекет ете алмайды",
            "Power of attorney No {number} was revoked on {revoked_on}: the representative "
            "may not act for the principal",
        ),
        "POWER_OF_ATTORNEY_EXPIRED": Texts(
            "Срок действия доверенности № {number} истёк: она действовала по {valid_until}",
            "№ {number} сенімхаттың қолданылу мерзімі өтті: ол {valid_until} дейін жарамды болды",
            "Power of attorney No {number} has expired: it was valid until {valid_until}",
        ),
        "POWER_OF_ATTORNEY_NOT_YET_VALID": Texts(
            "Доверенность № {number} выдана {issued_on} и на сегодня ещё не действует",
            "№ {number} сенімхат {issued_on} күні берілген және бүгінге әлі күшіне енбеген",
            "Power of attorney No {number} is dated {issued_on} and is not in force yet",
        ),
        "POWER_OF_ATTORNEY_NO_MACHINERY_POWERS": Texts(
            "Доверенность № {number} не даёт права регистрировать тракторы, самоходные "
            "машины и прицепы к ним от имени доверителя",
            "№ {number} сенімхат сенім білдірушінің атынан тракторларды, өздігінен жүретін "
            "машиналарды және оларға арналған тіркемелерді тіркеуге құқық бермейді",
            "Power of attorney No {number} does not authorise registering tractors, "
            "self-propelled machines and their trailers for the principal",
        ),
        "POWER_OF_ATTORNEY_NUMBER_FORMAT": Texts(
            "Номер доверенности — от 3 до 32 символов: латинские заглавные буквы, цифры и дефис",
            "Сенімхат нөмірі — 3-тен 32-ге дейін таңба: латынның бас әріптері, цифрлар және "
            "сызықша",
            "A power of attorney number is 3 to 32 characters of Latin capitals, digits and "
            "hyphens",
        ),
        "POWER_OF_ATTORNEY_VALIDITY": Texts(
            "Срок действия доверенности не может закончиться раньше дня её выдачи",
            "Сенімхаттың қолданылу мерзімі ол берілген күннен бұрын аяқтала алмайды",
            "A power of attorney cannot end before the day it is issued",
        ),
        "POWER_OF_ATTORNEY_SELF": Texts(
            "Доверитель не может быть своим же представителем: ИИН представителя совпадает с "
            "ИИН доверителя",
            "Сенім білдіруші өзінің өкілі бола алмайды: өкілдің ЖСН-і сенім білдірушінің "
            "ЖСН-імен сәйкес келеді",
            "The principal cannot be his own representative: the representative's IIN is the "
            "principal's",
        ),
        "POWER_OF_ATTORNEY_ALREADY_REVOKED": Texts(
            "Доверенность № {number} уже отменена",
            "№ {number} сенімхат бұрын жойылған",
            "Power of attorney No {number} is already revoked",
        ),
    }
)


@provider.operation(POWER_OF_ATTORNEY, PowerOfAttorneyRequest)
async def power_of_attorney(data: PowerOfAttorneyRequest, call: SyncCall) -> PowerOfAttorneyAnswer:
    today = call.clock.today()
    record = None
    if call.scenario != SCENARIO_NOT_FOUND:
        record = await _find(PowerOfAttorneyRepository(call.session), data, today)
    if record is None:
        return PowerOfAttorneyAnswer(
            found=False,
            valid=False,
            code="POWER_OF_ATTORNEY_NOT_FOUND",
            messages=texts_for("POWER_OF_ATTORNEY_NOT_FOUND").render({}),
        )
    record = _forced(record, call.scenario, call.clock.now(), today)
    refusal = refusal_of(record, today)
    if refusal is None:
        return PowerOfAttorneyAnswer(found=True, valid=True, power_of_attorney=record)
    code, params = refusal
    return PowerOfAttorneyAnswer(
        found=True,
        valid=False,
        power_of_attorney=record,
        code=code,
        messages=texts_for(code).render(params),
    )


async def _find(
    repository: PowerOfAttorneyRepository, data: PowerOfAttorneyRequest, today: date
) -> PowerOfAttorneyRecord | None:
    if data.number is not None:
        power = await repository.get(data.number)
        # A number between other persons is not theirs to learn about.
        if power is None or (power.principal_iin, power.representative_iin) != (
            data.principal_iin,
            data.representative_iin,
        ):
            return None
        return to_record(power, today)
    records = [
        to_record(p, today)
        for p in await repository.for_parties(data.principal_iin, data.representative_iin)
    ]
    serving = (r for r in records if refusal_of(r, today) is None)
    in_force = (r for r in records if _in_force(r, today))
    return next(serving, None) or next(in_force, None) or next(iter(records), None)


def _in_force(record: PowerOfAttorneyRecord, today: date) -> bool:
    return record.status is PowerStatus.ACTIVE and record.issued_on <= today


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def refusal_of(record: PowerOfAttorneyRecord, today: date) -> tuple[str, dict[str, Any]] | None:
    """Why the representative may not register machinery by this power of attorney (M6.1):
    the code and its text's params, or None when it serves."""
    number = record.number
    if record.status is PowerStatus.REVOKED and record.revoked_at is not None:
        revoked_on = record.revoked_at.astimezone(ALMATY).date()
        return "POWER_OF_ATTORNEY_REVOKED", {"number": number, "revoked_on": _day(revoked_on)}
    if record.status is PowerStatus.EXPIRED:
        valid_until = _day(record.valid_until)
        return "POWER_OF_ATTORNEY_EXPIRED", {"number": number, "valid_until": valid_until}
    if today < record.issued_on:
        issued_on = _day(record.issued_on)
        return "POWER_OF_ATTORNEY_NOT_YET_VALID", {"number": number, "issued_on": issued_on}
    if Power.MACHINERY_REGISTRATION not in record.powers:
        return "POWER_OF_ATTORNEY_NO_MACHINERY_POWERS", {"number": number}
    return None


def _forced(
    record: PowerOfAttorneyRecord, scenario: str | None, now: datetime, today: date
) -> PowerOfAttorneyRecord:
    """The record as a tester's scenario has it; as stored for any other scenario."""
    if scenario == SCENARIO_REVOKED and record.status is not PowerStatus.REVOKED:
        return _with_status(
            record,
            PowerStatus.REVOKED,
            revoked_at=now,
            revocation_reason=SCENARIO_REVOCATION_REASON,
        )
    if scenario == SCENARIO_EXPIRED and record.status is PowerStatus.ACTIVE:
        yesterday = today - timedelta(days=1)
        return _with_status(
            record,
            PowerStatus.EXPIRED,
            valid_until=yesterday,
            issued_on=min(record.issued_on, yesterday),
        )
    if scenario == SCENARIO_OTHER_POWERS:
        others = [p for p in record.powers if p is not Power.MACHINERY_REGISTRATION]
        return record.model_copy(update={"powers": others or [Power.VEHICLE_REGISTRATION]})
    return record


def _with_status(
    record: PowerOfAttorneyRecord, status: PowerStatus, **changes: Any
) -> PowerOfAttorneyRecord:
    return record.model_copy(
        update={**changes, "status": status, "status_label": STATUS_LABELS[status]}
    )


def check_power(body: PowerOfAttorneyIn) -> None:
    """What the schema alone cannot see: the dates agree, and two persons are involved."""
    if body.valid_until < body.issued_on:
        raise Problem("POWER_OF_ATTORNEY_VALIDITY", status=422, field="validUntil")
    if body.representative.iin == body.principal.iin:
        raise Problem("POWER_OF_ATTORNEY_SELF", status=422, field="representative.iin")
    if body.revocation_reason is not None and body.revoked_at is None:
        raise Problem("INVALID_VALUE", status=422, field="revocationReason")
    revoked_on = body.revoked_at.astimezone(ALMATY).date() if body.revoked_at else None
    if revoked_on is not None and revoked_on < body.issued_on:
        raise Problem("INVALID_VALUE", status=422, field="revokedAt")


def _utc(moment: datetime | None) -> datetime | None:
    # As the database gives it back, so a PUT answers what a later GET does.
    return moment.astimezone(UTC) if moment is not None else None


def to_row(number: str, body: PowerOfAttorneyIn) -> PowerOfAttorney:
    return PowerOfAttorney(
        number=number,
        notary_name=body.notary.name,
        notary_licence=body.notary.licence,
        principal_iin=body.principal.iin,
        principal_name=body.principal.name,
        representative_iin=body.representative.iin,
        representative_name=body.representative.name,
        issued_on=body.issued_on,
        valid_until=body.valid_until,
        powers=[str(p) for p in body.powers],
        revoked_at=_utc(body.revoked_at),
        revocation_reason=body.revocation_reason,
    )


def to_record(power: PowerOfAttorney, today: date) -> PowerOfAttorneyRecord:
    status = power.status(today)
    return PowerOfAttorneyRecord(
        number=power.number,
        notary=Notary(name=power.notary_name, licence=power.notary_licence),
        principal=Person(iin=power.principal_iin, name=power.principal_name),
        representative=Person(iin=power.representative_iin, name=power.representative_name),
        issued_on=power.issued_on,
        valid_until=power.valid_until,
        powers=[Power(p) for p in power.powers],
        revoked_at=power.revoked_at,
        revocation_reason=power.revocation_reason,
        status=status,
        status_label=STATUS_LABELS[status],
    )
