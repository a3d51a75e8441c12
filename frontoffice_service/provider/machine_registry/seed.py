"""The seed of the provider's machinery registry (`seed`, applied once per version of it):
the machines registered before the bus's data begins, agreeing with БМГ's seed
(number_bank/seed.py: the same plates, holders, machine ids and dates) and with the personas
(personas/catalogue.yaml):

- MTZ-82.1-0801234, Беларус-82.1 of КХ «Береке» (БИН 100543088028), Kostanay: plate
  AGR P 101, technical passport KS 0000101 — a registered machine of a legal entity;
- K-744R4-0000317, Кировец К-744Р4, Almaty city: plate AGR A 101, passport AL 0000101, owned
  by the synthetic person БМГ's seed issued AGR A 101 to (its ИИН made the same way; the person
  is not in ГБД ФЛ) — a registered machine of the other pilot region;
- DT-75-0120006, ДТ-75 of КХ «Береке», Kostanay: DEREGISTERED, plate AGR P 201 ARCHIVED (БМГ
  keeps it STORED), passport KS 0000201 ANNULLED — the data archive: it may be registered
  again, its plate never given again;
- Y4R122124SB010455, Беларус-1221.2 of Шевченко Ольга Николаевна (821203414816), Kostanay:
  plate AGR P 102, passport KS 0000102 — the tractor the farmer (700327314440) re-registers
  after buying it.

The farmer's Беларус-82.1 and К-744Р3, Береке's combine and trailer and Строй Инвест's road
roller have ЭПСМ passports but are not here: they were never registered (the registrations of
the happy paths). Technical passport numbers are this project's model of the form: a series of
two letters (KS Kostanay, AL Almaty city) and seven digits. A new version of the seed replaces
these four machines, with everything entered for them since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import Action, MachineKind
from frontoffice_service.models import seed_versions
from frontoffice_service.provider.machine_registry.models import (
    MachineStatus,
    PassportStatus,
    PlateStatus,
)
from frontoffice_service.provider.machine_registry.owners import Owner, owner_columns
from frontoffice_service.provider.machine_registry.repository import RegistryRepository, SeedRows
from servicekit.clock import Clock
from servicekit.identifiers import Sex, make_iin
from servicekit.seeding import apply_seed, digest_of

BMG_SEEDED_AT = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
"""БМГ's seed time (number_bank/seed.py SEEDED_AT): when it put AGR P 201 on storage, the
ДТ-75's deregistration."""


def _bmg_day(n: int) -> datetime:
    """When БМГ's seed issued its n-th plate (SEEDED_AT − 30 − n days there): the registration
    that put the plate on the machine."""
    return BMG_SEEDED_AT - timedelta(days=30 + n)


BEREKE = Owner(None, "100543088028", "КХ «Береке»")


SHEVCHENKO = Owner("821203414816", None, "Шевченко Ольга Николаевна")


BMG_PERSON = Owner(make_iin(date(1994, 11, 14), Sex.MALE, 4094), None, "Омаров Бекзат Муратович")
"""The synthetic person БМГ's seed issued AGR A 101 to: its `_person(94)`, made the same way."""


@dataclass(frozen=True, slots=True)
class SeededMachine:
    machine_id: str
    name: str
    year: int
    region: str
    owner: Owner
    plate: str
    passport: str
    registered_at: datetime
    deregistered_at: datetime | None = None


SEEDED: tuple[SeededMachine, ...] = (
    SeededMachine(
        "MTZ-82.1-0801234", "Беларус-82.1", 2008, "10", BEREKE, "AGR P 101", "KS 0000101",
        _bmg_day(92),
    ),
    SeededMachine(
        "K-744R4-0000317", "Кировец К-744Р4", 2019, "02", BMG_PERSON, "AGR A 101", "AL 0000101",
        _bmg_day(94),
    ),
    SeededMachine(
        "DT-75-0120006", "ДТ-75", 1991, "10", BEREKE, "AGR P 201", "KS 0000201",
        datetime(2012, 4, 10, 4, 0, tzinfo=UTC), deregistered_at=BMG_SEEDED_AT,
    ),
    SeededMachine(
        "Y4R122124SB010455", "Беларус-1221.2", 2025, "10", SHEVCHENKO, "AGR P 102", "KS 0000102",
        _bmg_day(93),
    ),
)  # fmt: skip


def _event(m: SeededMachine, action: Action, at: datetime) -> dict[str, Any]:
    return {
        "machine_id": m.machine_id,
        "action": action,
        "at": at,
        **owner_columns(m.owner),
        "plate": m.plate,
        "passport_number": m.passport,
        "application_number": None,
    }


def seed_rows() -> SeedRows:
    """The rows of the four tables for `SEEDED`, in a fixed order."""
    rows = SeedRows([], [], [], [])
    for m in SEEDED:
        gone = m.deregistered_at is not None
        rows.machines.append(
            {
                "machine_id": m.machine_id,
                "kind": MachineKind.TRACTOR,  # Беларус, Кировец and ДТ-75 all are
                "name": m.name,
                "year": m.year,
                "region": m.region,
                **owner_columns(m.owner),
                "status": MachineStatus.DEREGISTERED if gone else MachineStatus.REGISTERED,
                "updated_at": m.deregistered_at or m.registered_at,
            }
        )
        rows.passports.append(
            {
                "number": m.passport,
                "machine_id": m.machine_id,
                "duplicate": False,
                "status": PassportStatus.ANNULLED if gone else PassportStatus.VALID,
                "issued_at": m.registered_at,
            }
        )
        rows.plates.append(
            {
                "plate": m.plate,
                "machine_id": m.machine_id,
                "region": m.region,
                "status": PlateStatus.ARCHIVED if gone else PlateStatus.ACTIVE,
                "assigned_at": m.registered_at,
            }
        )
        rows.history.append(_event(m, Action.REGISTRATION, m.registered_at))
        if m.deregistered_at is not None:
            rows.history.append(_event(m, Action.DEREGISTRATION, m.deregistered_at))
    return rows


async def seed(session: AsyncSession, clock: Clock) -> None:
    rows = seed_rows()
    ids = [m.machine_id for m in SEEDED]

    async def load(session: AsyncSession) -> None:
        await RegistryRepository(session).replace_seeded(ids, rows)

    await apply_seed(
        session,
        seed_versions,
        name="machine_registry",
        digest=digest_of(orjson.dumps([rows.machines, rows.passports, rows.plates, rows.history])),
        clock=clock,
        load=load,
    )
