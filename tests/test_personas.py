"""The persona catalogue is consistent: valid identifiers, the same people as ГБД ФЛ's seed,
and the README's table generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov import personas
from gbd_fl.seed import load_records
from servicekit.identifiers import parse_iin, parse_vin, validate_bin
from servicekit.service_centres import service_centre

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = personas.load()


def test_keys_are_unique_across_the_catalogue() -> None:
    keys = [p["key"] for section in CATALOGUE.values() for p in section]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("person", CATALOGUE["persons"], ids=lambda p: p["key"])
def test_person_is_seeded_in_gbd_fl_under_the_same_name(person: dict[str, str]) -> None:
    parse_iin(person["iin"])
    seeded = {r["iin"]: r for r in load_records()}
    record = seeded[person["iin"]]
    full = " ".join(filter(None, (record["lastName"], record["firstName"], record["middleName"])))
    assert full == person["name"]


@pytest.mark.parametrize("entity", CATALOGUE["legal_entities"], ids=lambda p: p["key"])
def test_legal_entity_has_a_valid_bin(entity: dict[str, str]) -> None:
    validate_bin(entity["bin"])


@pytest.mark.parametrize("vehicle", CATALOGUE["vehicles"], ids=lambda p: p["key"])
def test_vehicle_has_a_valid_vin_with_its_check_digit(vehicle: dict[str, str]) -> None:
    assert parse_vin(vehicle["vin"]).check_digit_valid


def test_readme_table_is_generated_from_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(personas.README_START) + len(personas.README_START)
    end = readme.index(personas.README_END)
    assert readme[start:end].strip("\n") == personas.markdown(), (
        "README's persona tables are stale: paste `egov personas --markdown` between the markers"
    )


@pytest.mark.parametrize(
    "person", [p for p in CATALOGUE["persons"] if "employer" in p], ids=lambda p: p["key"]
)
def test_employer_is_a_catalogued_legal_entity(person: dict[str, str]) -> None:
    assert person["employer"] in {e["key"] for e in CATALOGUE["legal_entities"]}
    assert person["roles"]


@pytest.mark.parametrize(
    "person", [p for p in CATALOGUE["persons"] if "office" in p], ids=lambda p: p["key"]
)
def test_office_is_a_known_service_centre_of_the_persons_region(person: dict[str, str]) -> None:
    centre = service_centre(person["office"])
    assert centre is not None, f"{person['key']}: no ЦОН office {person['office']}"
    assert centre.region_code == person["region"]


def test_certificates_name_the_employer_the_catalogue_names() -> None:
    """pki/generate.py issues the employees' certificates (OU=BIN…) from its own table."""
    from pki.generate import EMPLOYMENT

    employers = {p["key"]: p["employer"] for p in CATALOGUE["persons"] if "employer" in p}
    assert {persona: employer for persona, (employer, _) in EMPLOYMENT.items()} == employers
