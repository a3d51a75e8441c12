"""БМГ's operations on the gateway's sync channel.

| serviceId | writes | what |
|-----------|--------|------|
| `BMG_ReservedNumber` | | {iin} → the person's live reservations (V16); none is an answer |
| `BMG_FreeNumbers` | | {regionCode, kind, limit, after?, pattern?} → free ordinary plates, paged |
| `BMG_Reserve` | yes | {plate, iin, idempotencyKey, holdMinutes?} → the reservation |
| `BMG_Issue` | yes | {plate, iin or bin, vin or machineId, idempotencyKey} → the issue |
| `BMG_Release` | yes | {plate, iin, idempotencyKey} → the plate FREE again |
| `BMG_Annul` | yes | {plate, iin or bin, vin or machineId, idempotencyKey} → the issue annulled |
| `BMG_PlateStatus` | | {plate} → status and archive (M10.3) |

Rules: increased-demand and stored plates are never offered nor reservable here. Only a
private person's plate (`VEHICLE_INDIVIDUAL`) is reserved, at most `max_reservations_per_person`
(a setting, 2 by default) live ones per ИИН, for `holdMinutes` (default a day, at most 30
days; this project's choice). A reservation past its time is FREE again by the bus clock. A
vehicle plate is issued from the recipient's live reservation; a free ordinary plate is issued
directly only for machinery (M12) or to a legal entity (БИН) for a `VEHICLE_LEGAL` plate. A
plate is issued once in its life, and a vehicle (VIN) holds one issued plate at a time
(VEHICLE_ALREADY_HAS_PLATE; the database's index decides). An issue whose application was
refused or withdrawn is annulled (`BMG_Annul`, for the same recipient and object): the plate
is ANNULLED, never issued again, and the vehicle may be issued another.

Writing operations take an `idempotencyKey`: the first answer is stored with it, and a retry
with the same key and data gets that answer again; the same key with other data is refused
(PLATE_IDEMPOTENCY_KEY_REUSED). A refusal changes nothing and is not stored, so a retry is
judged anew. Keys are global to the bank, whichever sender uses them.

Scenarios (`X-Test-Scenario`): `number_bank.no_reservation` — BMG_ReservedNumber answers as
if nothing were reserved; `number_bank.region_exhausted` — BMG_FreeNumbers finds no free plate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from number_bank.models import EventAction, Plate, PlateEvent, PlateStatus
from number_bank.plates import PlateKind, parse_plate
from number_bank.repository import IdempotencyRepository, PlateRepository
from number_bank.schemas import (
    AnnulAnswer,
    AnnulRequest,
    FreeNumbersAnswer,
    FreeNumbersRequest,
    IssueAnswer,
    IssueRequest,
    PlateEventView,
    PlateOfObject,
    PlateStatusAnswer,
    PlateStatusRequest,
    PlateView,
    ReleaseAnswer,
    ReleaseRequest,
    Reservation,
    ReservedNumberAnswer,
    ReservedNumberRequest,
    ReserveRequest,
)
from number_bank.settings import Settings
from servicekit.errors import Conflict, Problem
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider
from servicekit.seeding import digest_of

RESERVED_NUMBER = "BMG_ReservedNumber"
FREE_NUMBERS = "BMG_FreeNumbers"
RESERVE = "BMG_Reserve"
ISSUE = "BMG_Issue"
RELEASE = "BMG_Release"
ANNUL = "BMG_Annul"
PLATE_STATUS = "BMG_PlateStatus"

NO_RESERVATION = "number_bank.no_reservation"
REGION_EXHAUSTED = "number_bank.region_exhausted"

"""Live reservations one person may hold at once (this project's choice)."""

provider = SyncProvider(
    "number_bank",
    {
        NO_RESERVATION: "the person holds no reservation (BMG_ReservedNumber)",
        REGION_EXHAUSTED: "the region has no free plates (BMG_FreeNumbers)",
    },
)

register(
    {
        "PLATE_FORMAT": Texts(
            "Номер в поле «{field}» не соответствует формату: 123 ABC 02, 123 AB 02, ABC P 123",
            "«{field}» өрісіндегі нөмір пішімге сәйкес емес: 123 ABC 02, 123 AB 02, ABC P 123",
            "The plate in '{field}' has no known format: 123 ABC 02, 123 AB 02 or ABC P 123",
        ),
        "PLATE_REGION": Texts(
            "Неизвестный код региона в номере: {region}",
            "Нөмірдегі өңір коды белгісіз: {region}",
            "Unknown region code in the plate: {region}",
        ),
        "REGION_CODE": Texts(
            "Код региона должен быть от 01 до 20, указано: {region}",
            "Өңір коды 01-ден 20-ға дейін болуы керек, көрсетілгені: {region}",
            "A region code is 01 to 20; given: {region}",
        ),
        "PLATE_NOT_FOUND": Texts(
            "Номер {plate} не найден в банке номеров",
            "{plate} нөмірі нөмірлер банкінде табылмады",
            "The plate {plate} is not in the number bank",
        ),
        "PLATE_TAKEN": Texts(
            "Номер {plate} уже занят: забронирован или выдан другому лицу",
            "{plate} нөмірі бос емес: басқа тұлғаға брондалған немесе берілген",
            "The plate {plate} is taken: reserved for or issued to someone else",
        ),
        "PLATE_INCREASED_DEMAND": Texts(
            "Номер {plate} повышенного спроса: через портал его выбрать нельзя",
            "{plate} — сұранысы жоғары нөмір: оны портал арқылы таңдауға болмайды",
            "The plate {plate} is an increased-demand number: it cannot be chosen online",
        ),
        "PLATE_STORED": Texts(
            "Номер {plate} находится на хранении и недоступен",
            "{plate} нөмірі сақтауда тұр және қолжетімсіз",
            "The plate {plate} is kept on storage and is not available",
        ),
        "PLATE_KIND_NOT_RESERVABLE": Texts(
            "Номер {plate} ({kind}) не бронируется: бронируются только номера физических лиц",
            "{plate} нөмірі ({kind}) брондалмайды: тек жеке тұлғалардың нөмірлері брондалады",
            "The plate {plate} ({kind}) cannot be reserved: only private persons' plates can",
        ),
        "RESERVATION_LIMIT": Texts(
            "У лица уже забронировано номеров: {limit}; сначала освободите один из них",
            "Тұлғада брондалған нөмірлер саны шекке жетті: {limit}; алдымен біреуін босатыңыз",
            "The person already holds {limit} reservations; release one first",
        ),
        "PLATE_ALREADY_ISSUED": Texts(
            "Номер {plate} уже выдан и повторно выдан быть не может",
            "{plate} нөмірі бұрын берілген, оны қайта беруге болмайды",
            "The plate {plate} has been issued and can never be issued again",
        ),
        "PLATE_NOT_RESERVED": Texts(
            "Номер {plate} не забронирован за этим лицом (или бронь истекла)",
            "{plate} нөмірі бұл тұлғаға брондалмаған (немесе брондау мерзімі өтті)",
            "The plate {plate} is not reserved for this person (or the reservation ran out)",
        ),
        "VEHICLE_ALREADY_HAS_PLATE": Texts(
            "Транспортному средству (VIN {vin}) уже выдан номер: второй не выдаётся, пока "
            "первый не аннулирован",
            "Көлік құралына (VIN {vin}) нөмір берілген: біріншісі жойылмайынша екіншісі берілмейді",
            "The vehicle (VIN {vin}) already holds an issued plate: no second one is issued "
            "until the first is annulled",
        ),
        "PLATE_NOT_ISSUED_TO_OBJECT": Texts(
            "Номер {plate} не выдан этому получателю для этого объекта: аннулировать нечего",
            "{plate} нөмірі бұл алушыға осы объект үшін берілмеген: жоятын ештеңе жоқ",
            "The plate {plate} is not issued to this recipient for this object: nothing to annul",
        ),
        "ONE_RECIPIENT": Texts(
            "Укажите получателя номера: ИИН или БИН, но не оба",
            "Нөмірді алушыны көрсетіңіз: ЖСН немесе БСН, екеуін бірдей емес",
            "Name the recipient of the plate: an IIN or a BIN, not both",
        ),
        "PLATE_IDEMPOTENCY_KEY_REUSED": Texts(
            "Ключ идемпотентности уже использован для другого запроса",
            "Идемпотенттілік кілті басқа сұрау үшін қолданылған",
            "The idempotency key was already used for another request",
        ),
        "NO_RESERVED_NUMBER": Texts(
            "За лицом нет забронированного номера: номер можно выбрать",
            "Тұлғаға брондалған нөмір жоқ: нөмірді таңдауға болады",
            "No plate is reserved for this person: one may be chosen",
        ),
        "NO_FREE_NUMBERS": Texts(
            "Свободных номеров по запросу нет",
            "Сұрау бойынша бос нөмірлер жоқ",
            "No free plates match the request",
        ),
    }
)

M = TypeVar("M", bound=BaseModel)


def _field(name: str) -> str:
    return f"requestData.data.{name}"


def _refusal(code: str, plate: str, *, status: int = 409, kind: str | None = None) -> Problem:
    """A refusal about the requested plate (404 when it is not in the bank, else 409)."""
    return Problem(code, status=status, field=_field("plate"), plate=plate, kind=kind)


def to_view(plate: Plate, now: datetime) -> PlateView:
    """The plate as of `now`: a reservation that ran out is shown FREE, without its holder."""
    until = plate.reserved_until
    lapsed = until if plate.status is PlateStatus.RESERVED and until and until <= now else None
    expired = lapsed is not None
    return PlateView(
        plate=plate.plate,
        kind=plate.kind,
        region_code=plate.region_code,
        status=PlateStatus.FREE if expired else plate.status,
        increased_demand=plate.demand_category is not None,
        demand_category=plate.demand_category,
        iin=None if expired else plate.iin,
        bin=plate.bin,
        reserved_until=None if expired else plate.reserved_until,
        vin=plate.vin,
        machine_id=plate.machine_id,
        issued_at=plate.issued_at,
        status_since=lapsed or plate.status_since,
    )


def to_event(event: PlateEvent) -> PlateEventView:
    return PlateEventView(
        at=event.at,
        action=event.action,
        status=event.status,
        iin=event.iin,
        bin=event.bin,
        vin=event.vin,
        machine_id=event.machine_id,
    )


def _reservation(plate: Plate) -> Reservation:
    # ck_plates_reserved_has_holder: a RESERVED row has both.
    assert plate.iin is not None
    assert plate.reserved_until is not None
    return Reservation(
        plate=plate.plate,
        iin=plate.iin,
        reserved_until=plate.reserved_until,
        reference=plate.reference,
    )


async def once(
    call: SyncCall,
    operation: str,
    key: str,
    data: BaseModel,
    answer_model: type[M],
    act: Callable[[], Awaitable[M]],
) -> M:
    """Run `act` once per idempotency key; a retry gets the stored answer.

    Claiming the key is the first write of the transaction, and the answer is stored in the
    same transaction as the change: both commit, or neither does.
    """
    digest = digest_of(
        orjson.dumps(
            {"operation": operation, "data": data.model_dump(mode="json")},
            option=orjson.OPT_SORT_KEYS,
        )
    )
    keys = IdempotencyRepository(call.session)
    taken = await keys.claim(key, operation, digest, call.clock.now())
    if taken is not None:
        if taken.digest != digest:
            raise Problem(
                "PLATE_IDEMPOTENCY_KEY_REUSED", status=422, field=_field("idempotencyKey")
            )
        return answer_model.model_validate(taken.answer)
    answer = await act()
    await keys.answer(key, answer.model_dump(mode="json", by_alias=True))
    return answer


@provider.operation(RESERVED_NUMBER, ReservedNumberRequest)
async def reserved_number(data: ReservedNumberRequest, call: SyncCall) -> ReservedNumberAnswer:
    plates = (
        []
        if call.scenario == NO_RESERVATION
        else await PlateRepository(call.session).reservations_of(data.iin, call.clock.now())
    )
    if not plates:
        return ReservedNumberAnswer(
            found=False,
            reservations=[],
            code="NO_RESERVED_NUMBER",
            messages=texts_for("NO_RESERVED_NUMBER").render({}),
        )
    return ReservedNumberAnswer(found=True, reservations=[_reservation(p) for p in plates])


@provider.operation(FREE_NUMBERS, FreeNumbersRequest)
async def free_numbers(data: FreeNumbersRequest, call: SyncCall) -> FreeNumbersAnswer:
    found: list[str] = []
    if call.scenario != REGION_EXHAUSTED:
        found = await PlateRepository(call.session).free_numbers(
            region_code=data.region_code,
            kind=data.kind,
            now=call.clock.now(),
            limit=data.limit + 1,  # one more tells whether a next page exists
            after=data.after,
            like=f"%{data.pattern.replace('*', '%')}%" if data.pattern else None,
        )
    plates = found[: data.limit]
    empty = {} if plates else {"code": "NO_FREE_NUMBERS"}
    return FreeNumbersAnswer(
        region_code=data.region_code,
        kind=data.kind,
        plates=plates,
        next_after=plates[-1] if len(found) > data.limit else None,
        messages=texts_for("NO_FREE_NUMBERS").render({}) if empty else None,
        **empty,
    )


@provider.operation(RESERVE, ReserveRequest, writes=True)
async def reserve(data: ReserveRequest, call: SyncCall) -> Reservation:
    async def act() -> Reservation:
        now = call.clock.now()
        plates = PlateRepository(call.session)
        # Before the plate: a person's reservations take turns from here (the limit holds).
        await plates.lock_holder(data.iin, now)
        before = await plates.get(data.plate)
        lapsed_holder = before.iin if before and before.status is PlateStatus.RESERVED else None
        until = now + timedelta(minutes=data.hold_minutes)
        if not await plates.reserve(data.plate, data.iin, until, now, data.reference):
            return await _not_reserved(plates, data, now)
        limit = _settings(call).max_reservations_per_person
        if await plates.count_reservations(data.iin, now) > limit:
            raise Conflict("RESERVATION_LIMIT", field=_field("iin"), limit=limit)
        if lapsed_holder is not None:
            await plates.record(
                data.plate,
                EventAction.RESERVATION_EXPIRED,
                PlateStatus.FREE,
                now,
                iin=lapsed_holder,
            )
        await plates.record(
            data.plate, EventAction.RESERVED, PlateStatus.RESERVED, now, iin=data.iin
        )
        return Reservation(
            plate=data.plate, iin=data.iin, reserved_until=until, reference=data.reference
        )

    return await once(call, RESERVE, data.idempotency_key, data, Reservation, act)


def _settings(call: SyncCall) -> Settings:
    assert isinstance(call.settings, Settings)
    return call.settings


async def _not_reserved(
    plates: PlateRepository, data: ReserveRequest, now: datetime
) -> Reservation:
    """Why the conditional UPDATE matched nothing; the person's own live reservation is an
    answer (asking twice for one's own plate is not a conflict)."""
    plate = await plates.get(data.plate)
    if plate is None:
        raise _refusal("PLATE_NOT_FOUND", data.plate, status=404)
    if plate.demand_category is not None:
        raise _refusal("PLATE_INCREASED_DEMAND", data.plate)
    if plate.status is PlateStatus.STORED:
        raise _refusal("PLATE_STORED", data.plate)
    if plate.status is PlateStatus.ANNULLED:
        raise _refusal("PLATE_ALREADY_ISSUED", data.plate)
    if plate.kind is not PlateKind.VEHICLE_INDIVIDUAL:
        raise _refusal("PLATE_KIND_NOT_RESERVABLE", data.plate, kind=plate.kind.value)
    if plate.status is PlateStatus.RESERVED and plate.iin == data.iin:
        return _reservation(plate)
    raise _refusal("PLATE_TAKEN", data.plate)


def _recipient(data: PlateOfObject, kind: PlateKind) -> dict[str, str | None]:
    """One recipient (ИИН or БИН) and the plate's kind of object: a vehicle's plate goes with
    its VIN, a machine's with its factory number (M12)."""
    if (data.iin is None) == (data.bin is None):
        raise Problem("ONE_RECIPIENT", status=422, field=_field("iin"))
    objects = {"vin": data.vin, "machineId": data.machine_id}
    needed = "machineId" if kind is PlateKind.MACHINERY else "vin"
    for name, value in objects.items():
        if name != needed and value is not None:
            raise Problem("UNKNOWN_FIELD", status=422, field=_field(name))
    if objects[needed] is None:
        raise Problem("FIELD_REQUIRED", status=422, field=_field(needed))
    return {"iin": data.iin, "bin": data.bin, "vin": data.vin, "machine_id": data.machine_id}


@provider.operation(ISSUE, IssueRequest, writes=True)
async def issue(data: IssueRequest, call: SyncCall) -> IssueAnswer:
    number = parse_plate(data.plate)
    kind = number.kind
    recipient = _recipient(data, kind)
    direct = kind is PlateKind.MACHINERY or (
        kind is PlateKind.VEHICLE_LEGAL and data.bin is not None
    )

    async def act() -> IssueAnswer:
        now = call.clock.now()
        plates = PlateRepository(call.session)
        try:
            issued = await plates.issue(data.plate, **recipient, now=now, direct=direct)
        except IntegrityError:
            # uq_plates_issued_vin: the vehicle holds another issued plate.
            raise Problem(
                "VEHICLE_ALREADY_HAS_PLATE", status=409, field=_field("vin"), vin=data.vin
            ) from None
        if not issued:
            await _not_issued(plates, data.plate, now)
        try:
            await plates.record(
                data.plate, EventAction.ISSUED, PlateStatus.ISSUED, now, **recipient
            )
        except IntegrityError:
            # uq_plate_events_issued: issued before, even if its row says otherwise now.
            raise _refusal("PLATE_ALREADY_ISSUED", data.plate) from None
        return IssueAnswer(
            plate=data.plate,
            kind=kind,
            region_code=number.region_code,
            issued_at=now,
            **recipient,
        )

    return await once(call, ISSUE, data.idempotency_key, data, IssueAnswer, act)


async def _not_issued(plates: PlateRepository, plate_text: str, now: datetime) -> None:
    plate = await plates.get(plate_text)
    if plate is None:
        raise _refusal("PLATE_NOT_FOUND", plate_text, status=404)
    if plate.status in (PlateStatus.ISSUED, PlateStatus.ANNULLED):
        raise _refusal("PLATE_ALREADY_ISSUED", plate_text)
    if plate.status is PlateStatus.STORED:
        raise _refusal("PLATE_STORED", plate_text)
    if to_view(plate, now).status is PlateStatus.RESERVED:
        raise _refusal("PLATE_TAKEN", plate_text)
    if plate.demand_category is not None:
        raise _refusal("PLATE_INCREASED_DEMAND", plate_text)
    raise _refusal("PLATE_NOT_RESERVED", plate_text)


@provider.operation(RELEASE, ReleaseRequest, writes=True)
async def release(data: ReleaseRequest, call: SyncCall) -> ReleaseAnswer:
    async def act() -> ReleaseAnswer:
        now = call.clock.now()
        plates = PlateRepository(call.session)
        if not await plates.release(data.plate, data.iin, now):
            if await plates.get(data.plate) is None:
                raise _refusal("PLATE_NOT_FOUND", data.plate, status=404)
            raise _refusal("PLATE_NOT_RESERVED", data.plate)
        await plates.record(data.plate, EventAction.RELEASED, PlateStatus.FREE, now, iin=data.iin)
        return ReleaseAnswer(plate=data.plate, status=PlateStatus.FREE, released_at=now)

    return await once(call, RELEASE, data.idempotency_key, data, ReleaseAnswer, act)


@provider.operation(ANNUL, AnnulRequest, writes=True)
async def annul(data: AnnulRequest, call: SyncCall) -> AnnulAnswer:
    recipient = _recipient(data, parse_plate(data.plate).kind)

    async def act() -> AnnulAnswer:
        now = call.clock.now()
        plates = PlateRepository(call.session)
        if await plates.annul(data.plate, **recipient, now=now):
            await plates.record(
                data.plate, EventAction.ANNULLED, PlateStatus.ANNULLED, now, **recipient
            )
            return AnnulAnswer(plate=data.plate, status=PlateStatus.ANNULLED, annulled_at=now)
        plate = await plates.get(data.plate)
        if plate is None:
            raise _refusal("PLATE_NOT_FOUND", data.plate, status=404)
        holder = {
            "iin": plate.iin,
            "bin": plate.bin,
            "vin": plate.vin,
            "machine_id": plate.machine_id,
        }
        if plate.status is PlateStatus.ANNULLED and holder == recipient:
            # Annulled already (asked again under another key): the same answer, not a conflict.
            return AnnulAnswer(
                plate=data.plate, status=PlateStatus.ANNULLED, annulled_at=plate.status_since
            )
        raise _refusal("PLATE_NOT_ISSUED_TO_OBJECT", data.plate)

    return await once(call, ANNUL, data.idempotency_key, data, AnnulAnswer, act)


@provider.operation(PLATE_STATUS, PlateStatusRequest)
async def plate_status(data: PlateStatusRequest, call: SyncCall) -> PlateStatusAnswer:
    plates = PlateRepository(call.session)
    plate = await plates.get(data.plate)
    history = [to_event(e) for e in await plates.history(data.plate)]
    if plate is None:
        missing: dict[str, object] = {"plate": data.plate}
        return PlateStatusAnswer(
            found=False,
            plate=None,
            history=history,
            code="PLATE_NOT_FOUND",
            messages=texts_for("PLATE_NOT_FOUND").render(missing),
        )
    return PlateStatusAnswer(found=True, plate=to_view(plate, call.clock.now()), history=history)
