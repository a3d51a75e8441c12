"""Deterministic seed plates of БМГ for Almaty city (02) and Kostanay region (10).

Generated, not listed: the same code gives the same plates, and the digest of what it gives
decides whether a database has this version already. The machinery plates agree with the
provider's registry of ИИС ЦОН 2.0 (frontoffice_service/provider/machine_registry/seed.py: the
same machines, holders and dates). What is in it:

- FREE ordinary plates: series ADM, BKR, CTE × 101–199 (individuals) and KT, NR × 301–330
  (legal entities) per region, and machinery plates AGR A 001–040 and AGR P 001–040;
- ISSUED: ENS 501–508 per region (synthetic persons and VINs), 501 LX 02 to the second dealer,
  999 KZ 10 (increased demand, issued), AGR P 101 to КХ «Береке», AGR P 102 to
  Шевченко Ольга Николаевна (821203414816) for the Беларус-1221.2 Y4R122124SB010455 that the
  farmer re-registers after buying it, AGR A 101 to a synthetic person;
- STORED: HRN 601–604 per region, AGR P 201 (КХ «Береке»'s deregistered ДТ-75);
- increased-demand plates left FREE (so a filter that forgot them would show): 777 AAA 02,
  001 KZ 02, 100 ABC 02, 010 ADM 02, 111 BBB 10, 077 EEE 10, 707 KT 10, 123 AAA 10;
- RESERVED: 425 KZA 02 for buyer_reserved_plate (991111317779) until 2031, and 426 KZA 10
  for buyer_kostanay with a reservation that ran out in 2024 (FREE by the clock).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from number_bank.models import EventAction, Plate, PlateEvent, PlateStatus, seed_versions
from number_bank.plates import parse_plate
from servicekit.clock import Clock
from servicekit.identifiers import Sex, make_iin
from servicekit.plates import REGION_LETTERS
from servicekit.seeding import apply_seed, digest_of

SEEDED_AT = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
REGION_CODES = ("02", "10")

BUYER_RESERVED_PLATE = "991111317779"
BUYER_KOSTANAY = "970125418149"
TRACTOR_SELLER = "821203414816"
FARM_BEREKE = "100543088028"
DEALER_KOKSHE_AUTO = "181140073105"

RESERVED_PLATE = "425 KZA 02"
RESERVED_UNTIL = datetime(2031, 1, 1, 0, 0, tzinfo=UTC)
LAPSED_PLATE = "426 KZA 10"
LAPSED_UNTIL = datetime(2024, 12, 31, 0, 0, tzinfo=UTC)

FREE_DEMAND = (
    "777 AAA 02",
    "001 KZ 02",
    "100 ABC 02",
    "010 ADM 02",
    "111 BBB 10",
    "077 EEE 10",
    "707 KT 10",
    "123 AAA 10",
)


def _person(n: int) -> str:
    return make_iin(date(1980 + n % 20, n % 12 + 1, n % 27 + 1), Sex.MALE, 4000 + n)


def _vin(n: int) -> str:
    return f"XW8ZZZ61ZSG{100000 + n:06d}"


def _row(text: str, status: PlateStatus, **fields: Any) -> dict[str, Any]:
    number = parse_plate(text)
    return {
        "plate": number.text,
        "kind": number.kind,
        "region_code": number.region_code,
        "demand_category": number.demand_category,
        "status": status,
        "iin": None,
        "bin": None,
        "reserved_until": None,
        "vin": None,
        "machine_id": None,
        "issued_at": None,
        "status_since": SEEDED_AT,
        **fields,
    }


def _issued(text: str, n: int, **recipient: Any) -> dict[str, Any]:
    at = SEEDED_AT - timedelta(days=30 + n)
    return _row(text, PlateStatus.ISSUED, issued_at=at, status_since=at, **recipient)


def plates() -> list[dict[str, Any]]:
    """Every seeded plate as a row of `plates`, in a fixed order."""
    rows: list[dict[str, Any]] = []
    n = 0
    for region in REGION_CODES:
        letter = REGION_LETTERS[region]
        for series in ("ADM", "BKR", "CTE"):
            rows += [_row(f"{d:03d} {series} {region}", PlateStatus.FREE) for d in range(101, 200)]
        for series in ("KT", "NR"):
            rows += [_row(f"{d:03d} {series} {region}", PlateStatus.FREE) for d in range(301, 331)]
        rows += [_row(f"AGR {letter} {d:03d}", PlateStatus.FREE) for d in range(1, 41)]
        for d in range(501, 509):
            n += 1
            rows.append(_issued(f"{d} ENS {region}", n, iin=_person(n), vin=_vin(n)))
        for d in range(601, 605):
            n += 1
            rows.append(_row(f"{d} HRN {region}", PlateStatus.STORED, iin=_person(n), vin=_vin(n)))
    # Plates numbered like ordinary series but of increased demand are never offered: drop
    # them from the generated series (111 ADM 02…) rather than offer them.
    rows = [r for r in rows if r["status"] is not PlateStatus.FREE or r["demand_category"] is None]
    rows += [_row(text, PlateStatus.FREE) for text in FREE_DEMAND]
    rows += [
        _issued("501 LX 02", 90, bin=DEALER_KOKSHE_AUTO, vin=_vin(90)),
        _issued("999 KZ 10", 91, bin=DEALER_KOKSHE_AUTO, vin=_vin(91)),
        _issued("AGR P 101", 92, bin=FARM_BEREKE, machine_id="MTZ-82.1-0801234"),
        _issued("AGR P 102", 93, iin=TRACTOR_SELLER, machine_id="Y4R122124SB010455"),
        _issued("AGR A 101", 94, iin=_person(94), machine_id="K-744R4-0000317"),
        _row("AGR P 201", PlateStatus.STORED, bin=FARM_BEREKE, machine_id="DT-75-0120006"),
        _row(
            RESERVED_PLATE,
            PlateStatus.RESERVED,
            iin=BUYER_RESERVED_PLATE,
            reserved_until=RESERVED_UNTIL,
        ),
        _row(LAPSED_PLATE, PlateStatus.RESERVED, iin=BUYER_KOSTANAY, reserved_until=LAPSED_UNTIL),
    ]
    return rows


_EVENT_OF = {
    PlateStatus.ISSUED: EventAction.ISSUED,
    PlateStatus.STORED: EventAction.STORED,
    PlateStatus.RESERVED: EventAction.RESERVED,
}


def events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The archive of the seeded plates that have a story (FREE ones have none yet)."""
    return [
        {
            "plate": r["plate"],
            "at": r["status_since"],
            "action": _EVENT_OF[r["status"]],
            "status": r["status"],
            **{k: r[k] for k in ("iin", "bin", "vin", "machine_id")},
        }
        for r in rows
        if r["status"] in _EVENT_OF
    ]


async def seed(session: AsyncSession, clock: Clock) -> None:
    rows = plates()

    async def load(session: AsyncSession) -> None:
        numbers = [r["plate"] for r in rows]
        # A new version replaces the seeded plates, and their archive with them.
        await session.execute(delete(PlateEvent).where(PlateEvent.plate.in_(numbers)))
        await session.execute(delete(Plate).where(Plate.plate.in_(numbers)))
        await session.execute(insert(Plate), rows)
        await session.execute(insert(PlateEvent), events(rows))

    await apply_seed(
        session,
        seed_versions,
        name="plates",
        digest=digest_of(orjson.dumps(rows)),
        clock=clock,
        load=load,
    )
