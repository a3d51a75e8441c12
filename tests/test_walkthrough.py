"""docs/walkthrough.md, run command by command against a bus started as a reader starts it
(`egov up`): both processes by hand hold, and the page's tables are the seed's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egov.personas import ID_CARDS_END, ID_CARDS_START, id_cards_markdown
from tests.test_cli import egov_up
from tests.walkthrough import blocks, matches, run_page

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "walkthrough.md"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    assert not missing, f"the walk-through needs {missing}"
    with egov_up(tmp_path) as (_, base, _lines):
        failures = run_page(PAGE, ROOT, {"EGOV_BASE_PORT": str(base)})
    assert failures == []


def test_the_walkthrough_shows_every_process_and_expects_output() -> None:
    page = PAGE.read_text(encoding="utf-8")
    found = blocks(page)
    assert len(found) > 20
    assert sum(bool(block.expected) for block in found) > 20
    for state in ("COMPLETED", "HANDED_OVER", "ISSUED", "SIGNED"):
        assert any(state in block.expected for block in found), state


def test_the_id_card_table_is_the_seed() -> None:
    page = PAGE.read_text(encoding="utf-8")
    table = page.split(ID_CARDS_START)[1].split(ID_CARDS_END)[0].strip()
    assert table == id_cards_markdown()


@pytest.mark.parametrize(
    ("expected", "output", "missing"),
    [
        (("ok",), "ok\n", None),
        (("V9_…", "COMPLETED"), "x\nV9_AWAITING\nCOMPLETED\n", None),
        (("COMPLETED", "V9_…"), "V9_AWAITING\nCOMPLETED\n", "V9_…"),
        (("APPROVED",), "NOT APPROVED\n", "APPROVED"),
    ],
)
def test_expected_lines_come_out_in_order(
    expected: tuple[str, ...], output: str, missing: str | None
) -> None:
    assert matches(expected, output) == missing
