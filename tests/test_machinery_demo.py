"""`egov demo machinery` on a bus in this process: the happy path reports every step from M5
to M17, every branch answers as expected (and again on the same bus), the bus clock is frozen
inside the pilot and put back, and the command lists its branches."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from egov import machinery_demo
from egov.cli import app
from egov.launcher import BusPlan
from servicekit.clock import bus_clock
from tests.fixtures.buses import bus_fixture
from tests.fixtures.clock import AFTER_THE_PILOTS, day_fixture
from tests.harness import played

bus = bus_fixture("sqlite", scope="module")
after_the_pilots = day_fixture(AFTER_THE_PILOTS, name="after_the_pilots", autouse=True)


async def test_happy_path_reports_every_step_from_the_ticket_to_the_archive(bus: BusPlan) -> None:
    lines = await played(machinery_demo.run, bus, "happy")
    done = {line.step for line in lines if line.kind == "done"}
    expected = {"M5", "M6.1", "M6.2", "M6.3", "M6.4", "M6.5", "M9", "M3", "M14"}
    expected |= {"M10.1", "M10.2", "M10.3", "M10.4", "M11", "M12", "M15", "M16", "M17"}
    assert expected <= done
    assert not [line for line in lines if line.kind == "refused"]
    assert lines[-2].outcome == "HANDED_OVER"
    # Frozen inside the pilot for the demo, and back where it was after.
    assert "frozen at 2025-10-20 10:00" in lines[0].action
    assert lines[-1].action == "put back"
    assert bus_clock.state.frozen_at == AFTER_THE_PILOTS


@pytest.mark.parametrize("branch", [n for n in machinery_demo.BRANCHES if n != "happy"])
async def test_branch_answers_as_expected_at_its_step(bus: BusPlan, branch: str) -> None:
    lines = await played(machinery_demo.run, bus, branch, branch)
    steps = {line.step for line in lines if line.kind == "refused"}
    wanted = machinery_demo.BRANCHES[branch].step.split(", ")
    if branch == "m6-representative":
        assert any("POA-2025-000118 ACTIVE" in line.outcome for line in lines)
    else:
        assert set(wanted) <= steps


def test_the_command_lists_its_branches() -> None:
    result = CliRunner().invoke(app, ["demo", "machinery", "--list"])
    assert result.exit_code == 0, result.output
    for name in machinery_demo.BRANCHES:
        assert name in result.output


def test_an_unknown_branch_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["demo", "machinery", "--branch", "nope"])
    assert result.exit_code == 2
    assert "m7-biometrics" in result.output
