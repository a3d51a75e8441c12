"""The seeds tell one story with the pilots the demos play in: nothing a vehicle's registration
looks at (its ЭПТС, customs, recycling fee, sale contract, invoices, the buyer's fines) is dated
after the day the VIN demo freezes the clock on, nothing of the machinery pilot after its demo
day, and every persona's ID card is valid throughout both pilots."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from egov import machinery_demo, vin_demo

ROOT = Path(__file__).resolve().parent.parent
DATE = re.compile(r"\b(20\d\d-\d\d-\d\d)")
VIN_DAY, MACHINERY_DAY = vin_demo.PILOT_DAY.date(), machinery_demo.PILOT_DAY.date()
AHEAD = frozenset({"expiresAt", "dueDate"})


def _dates(record: object) -> list[date]:
    """Every date written in a record, what lies ahead by nature aside (an invoice's expiry,
    a fine's due date)."""
    if isinstance(record, dict):
        return [d for key, value in record.items() if key not in AHEAD for d in _dates(value)]
    if isinstance(record, list):
        return [d for value in record for d in _dates(value)]
    if isinstance(record, str):
        return [date.fromisoformat(found) for found in DATE.findall(record)]
    return []


def _seed(service: str) -> dict[str, list[dict[str, object]]]:
    data: dict[str, list[dict[str, object]]] = json.loads(
        (ROOT / service / "seed_data.json").read_text(encoding="utf-8")
    )
    return data


@pytest.mark.parametrize(
    ("service", "records"),
    [
        ("eps_passports", "passports"),
        ("customs", "declarations"),
        ("recycling_fee", "fees"),
        ("sale_contracts", "contracts"),
        ("payments", "invoices"),
        ("erap_fines", "fines"),
    ],
)
def test_nothing_the_demos_look_at_is_dated_after_their_pilot_day(
    service: str, records: str
) -> None:
    late = []
    for record in _seed(service)[records]:
        machinery = record.get("kind") == "EPSM" or "MACHINERY" in json.dumps(record)
        day = MACHINERY_DAY if machinery else VIN_DAY
        late += [(record.get("vin") or record.get("number"), d) for d in _dates(record) if d > day]
    assert late == []


def test_every_id_card_is_valid_throughout_both_pilots() -> None:
    last = max(vin_demo.PILOT_END, machinery_demo.PILOT_END)
    first = min(vin_demo.PILOT_START, machinery_demo.PILOT_START)
    short = [
        (person["iin"], document["expiryDate"])
        for person in _seed("gbd_fl")["persons"]
        for document in person["documents"]  # type: ignore[attr-defined]
        if not date.fromisoformat(document["issueDate"])
        <= first
        <= last
        < date.fromisoformat(document["expiryDate"])
    ]
    assert short == []
