"""ЭПТС / ЭПСМ's operations on the gateway's sync channel.

`EPTS_PassportByVin` answers the passport of a vehicle or chassis (ЭПТС, ЭПШТС) for the VIN
flow's checks V3 and V12; `EPSM_PassportByVin` the passport of a self-propelled machine or
tractor trailer (ЭПСМ) for the machinery flow (M6.2, M10.1–M10.3). A VIN with no passport of
that kind is an answer (`found: false`), never a fault; a VIN whose check digit (position 9)
does not match is answered as usual and flagged with `vinCheckDigitValid: false`.

Tester scenarios (`X-Test-Scenario`, relayed by the gateway):

- `eps_passports.not_found`: every VIN is answered as having no passport;
- `eps_passports.annulled`: a passport that exists is answered as annulled
  (`ANNULLED`, «аннулированный»); a VIN without one is still not found.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from eps_passports.models import (
    KIND_DIGITS,
    KIND_LABELS,
    MACHINE_CATEGORIES,
    STATUS_LABELS,
    VEHICLE_CATEGORIES,
    Passport,
    PassportKind,
    PassportStatus,
)
from eps_passports.repository import PassportRepository
from eps_passports.schemas import (
    ConformityDocument,
    CustomsMarks,
    Engine,
    Manufacturer,
    Owner,
    PassportAnswer,
    PassportIn,
    PassportRecord,
    PassportRequest,
)
from servicekit.errors import Problem
from servicekit.identifiers import parse_vin
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

EPTS_BY_VIN = "EPTS_PassportByVin"
EPSM_BY_VIN = "EPSM_PassportByVin"
SCENARIO_NOT_FOUND = "eps_passports.not_found"
SCENARIO_ANNULLED = "eps_passports.annulled"

VEHICLE_KINDS = (PassportKind.EPTS, PassportKind.EPSHTS)
MACHINE_KINDS = (PassportKind.EPSM,)

provider = SyncProvider(
    "eps_passports",
    {
        SCENARIO_NOT_FOUND: "every VIN is answered as having no passport",
        SCENARIO_ANNULLED: "a passport that exists is answered as ANNULLED",
    },
)

register(
    {
        "EPTS_NOT_FOUND": Texts(
            "Сведения об электронном паспорте транспортного средства (ЭПТС) по VIN {vin} "
            "не найдены",
            "VIN {vin} бойынша көлік құралының электрондық паспорты (ЭКҚП) туралы мәліметтер "
            "табылмады",
            "No electronic vehicle passport (EPTS) found for VIN {vin}",
        ),
        "EPSM_NOT_FOUND": Texts(
            "Сведения об электронном паспорте самоходной машины (ЭПСМ) по VIN {vin} не найдены",
            "VIN {vin} бойынша өздігінен жүретін машинаның электрондық паспорты туралы "
            "мәліметтер табылмады",
            "No electronic passport of a self-propelled machine (EPSM) found for VIN {vin}",
        ),
        "PASSPORT_NUMBER_FORMAT": Texts(
            "Номер электронного паспорта — 15 цифр: вид (1 ЭПТС, 2 ЭПШТС, 3 ЭПСМ), код "
            "страны, издатель и порядковый номер",
            "Электрондық паспорт нөмірі — 15 цифр: түрі (1 ЭКҚП, 2 шасси, 3 ӨЖМ), ел коды, "
            "беруші және реттік нөмір",
            "A passport number is 15 digits: kind (1 EPTS, 2 chassis, 3 EPSM), country code, "
            "issuer and sequence",
        ),
        "PASSPORT_NUMBER_KIND": Texts(
            "Первая цифра номера паспорта ({digit}) не соответствует его виду",
            "Паспорт нөмірінің бірінші цифры ({digit}) оның түріне сәйкес келмейді",
            "The first digit of the passport number ({digit}) does not match its kind",
        ),
        "PASSPORT_CATEGORY_KIND": Texts(
            "Категория «{category}» не предусмотрена для этого вида паспорта",
            "«{category}» санаты паспорттың бұл түріне қарастырылмаған",
            "Category '{category}' does not exist for this kind of passport",
        ),
        "PASSPORT_OWNER_IDENTIFIER": Texts(
            "Владелец указывается либо по ИИН, либо по БИН — ровно одним из них",
            "Иесі ЖСН немесе БСН бойынша — тек біреуімен ғана көрсетіледі",
            "The owner is given by either an IIN or a BIN, exactly one of them",
        ),
    }
)


@provider.operation(EPTS_BY_VIN, PassportRequest)
async def epts_by_vin(data: PassportRequest, call: SyncCall) -> PassportAnswer:
    return await _passport_by_vin(data.vin, call, VEHICLE_KINDS, "EPTS_NOT_FOUND")


@provider.operation(EPSM_BY_VIN, PassportRequest)
async def epsm_by_vin(data: PassportRequest, call: SyncCall) -> PassportAnswer:
    return await _passport_by_vin(data.vin, call, MACHINE_KINDS, "EPSM_NOT_FOUND")


async def _passport_by_vin(
    vin: str, call: SyncCall, kinds: Collection[PassportKind], not_found: str
) -> PassportAnswer:
    check_digit_valid = parse_vin(vin).check_digit_valid
    passport = None
    if call.scenario != SCENARIO_NOT_FOUND:
        passport = await PassportRepository(call.session).by_vin(vin, kinds)
    if passport is None:
        return PassportAnswer(
            found=False,
            vin=vin,
            vin_check_digit_valid=check_digit_valid,
            code=not_found,
            messages=texts_for(not_found).render({"vin": vin}),
        )
    record = to_record(passport)
    if call.scenario == SCENARIO_ANNULLED:
        record = record.model_copy(
            update={
                "status": PassportStatus.ANNULLED,
                "status_label": STATUS_LABELS[PassportStatus.ANNULLED],
                "status_reason": f"сценарий тестирования {SCENARIO_ANNULLED}",
            }
        )
    return PassportAnswer(
        found=True, vin=vin, vin_check_digit_valid=check_digit_valid, passport=record
    )


def check_passport(number: str, body: PassportIn) -> None:
    """What the schema alone cannot see: the number's kind digit and the category's kind."""
    if number[0] != KIND_DIGITS[body.kind]:
        raise Problem("PASSPORT_NUMBER_KIND", status=422, field="number", digit=number[0])
    categories = MACHINE_CATEGORIES if body.kind is PassportKind.EPSM else VEHICLE_CATEGORIES
    if body.category not in categories:
        raise Problem(
            "PASSPORT_CATEGORY_KIND", status=422, field="category", category=body.category
        )


def to_row(number: str, body: PassportIn, now: datetime) -> Passport:
    engine, owner = body.engine, body.owner
    return Passport(
        number=number,
        kind=body.kind,
        status=body.status,
        status_reason=body.status_reason,
        vin=body.vin,
        make=body.make,
        commercial_name=body.commercial_name,
        category=body.category,
        year_of_manufacture=body.year_of_manufacture,
        engine_type=engine.type if engine else None,
        engine_model=engine.model if engine else None,
        engine_volume_cc=engine.volume_cc if engine else None,
        engine_power_kw=engine.power_kw if engine else None,
        eco_class=body.eco_class,
        colour=body.colour,
        conformity_type=body.conformity_document.type,
        conformity_number=body.conformity_document.number,
        conformity_date=body.conformity_document.issue_date,
        manufacturer_bin=body.manufacturer.bin,
        manufacturer_name=body.manufacturer.name,
        manufacturer_country=body.manufacturer.country,
        owner_iin=owner.iin if owner else None,
        owner_bin=owner.bin if owner else None,
        owner_name=owner.name if owner else None,
        customs_declaration=body.customs.declaration_number,
        customs_restrictions=body.customs.restrictions,
        recycling_fee_mark=body.recycling_fee_mark,
        issued_by=body.issued_by,
        issue_date=body.issue_date,
        updated_at=now,
    )


def to_record(passport: Passport) -> PassportRecord:
    engine = None
    if passport.engine_type is not None and passport.engine_power_kw is not None:
        engine = Engine(
            type=passport.engine_type,
            model=passport.engine_model,
            volume_cc=passport.engine_volume_cc,
            power_kw=passport.engine_power_kw,
        )
    owner = None
    if passport.owner_name is not None:
        owner = Owner(iin=passport.owner_iin, bin=passport.owner_bin, name=passport.owner_name)
    categories = {**VEHICLE_CATEGORIES, **MACHINE_CATEGORIES}
    return PassportRecord(
        number=passport.number,
        kind=passport.kind,
        kind_label=KIND_LABELS[passport.kind],
        status=passport.status,
        status_label=STATUS_LABELS[passport.status],
        status_reason=passport.status_reason,
        vin=passport.vin,
        make=passport.make,
        commercial_name=passport.commercial_name,
        category=passport.category,
        category_label=categories.get(passport.category, passport.category),
        year_of_manufacture=passport.year_of_manufacture,
        engine=engine,
        eco_class=passport.eco_class,
        colour=passport.colour,
        conformity_document=ConformityDocument(
            type=passport.conformity_type,
            number=passport.conformity_number,
            issue_date=passport.conformity_date,
        ),
        manufacturer=Manufacturer(
            bin=passport.manufacturer_bin,
            name=passport.manufacturer_name,
            country=passport.manufacturer_country,
        ),
        owner=owner,
        customs=CustomsMarks(
            declaration_number=passport.customs_declaration,
            restrictions=passport.customs_restrictions,
        ),
        recycling_fee_mark=passport.recycling_fee_mark,
        issued_by=passport.issued_by,
        issue_date=passport.issue_date,
    )
