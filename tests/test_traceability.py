"""Every clause traceable: every step of the two processes and every branch of it has code that
implements it and a test that proves it, and the checked-in table says so
(contracts/traceability.md, from docs/steps.yaml by contracts/traceability.py)."""

from __future__ import annotations

import pytest

from contracts import ROOT as CONTRACTS
from contracts import traceability
from contracts.traceability import Proof, Trace, named_steps

PROCESS_STEPS = [
    *(f"V{n}" for n in range(1, 23)),
    "M3",
    "M4",
    "M5",
    *(f"M6.{n}" for n in range(1, 6)),
    "M7",
    "M8",
    "M9",
    *(f"M10.{n}" for n in range(1, 5)),
    *(f"M{n}" for n in range(11, 18)),
]
"""The step IDs of shared/domain/processes.md, in its order."""


@pytest.fixture(scope="module")
def trace() -> Trace:
    return Trace()


def test_steps_file_lists_every_step_of_the_processes_once(trace: Trace) -> None:
    assert [s.id for s in trace.steps] == PROCESS_STEPS
    for step in trace.steps:
        keys = [b.key for b in step.branches]
        assert len(keys) == len(set(keys)), step.id


def test_every_step_and_branch_has_code_and_a_test(trace: Trace) -> None:
    assert trace.gaps() == []


def test_the_checked_in_table_is_current() -> None:
    written = (CONTRACTS / "traceability.md").read_text(encoding="utf-8")
    assert written == traceability.table(), "run `egov contracts`"


def test_a_marker_proves_its_branch_and_a_name_its_steps(trace: Trace) -> None:
    by_id = {t.id: t for t in trace.tests}
    oked = by_id[
        "registration/test_vin_flow.py::test_v1_refuses_a_seller_without_a_vehicle_trade_oked"
    ]
    assert oked.proves == {Proof("V1"), Proof("V1", "SELLER_NOT_VEHICLE_TRADER")}
    whole = by_id[
        "frontoffice/machinery/test_machinery_flow.py::test_registration_from_ticket_to_digital_document"
    ]
    assert {Proof("M10.1"), Proof("M11")} <= whole.proves
    known = set(PROCESS_STEPS)
    assert named_steps("test_v19_officer_approves_v20_printed_v22_handed_over", known) == {
        "V19",
        "V20",
        "V22",
    }
    assert named_steps("test_m10_3_plate_conflict_blocks_approval_and_m13_refusal", known) == {
        "M10.3",
        "M13",
    }
    assert named_steps("test_m6_2_checklist", known) == {"M6.2"}
    assert named_steps("test_m14_received_and_due", known) == {"M14"}
    assert named_steps("test_every_action_on_one_machine", known) == set()


def test_a_branch_without_a_test_is_a_gap(trace: Trace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take away the tests of one branch: the suite must notice."""
    untested = Proof("V1", "SELLER_NOT_VEHICLE_TRADER")
    proofs = {p: ids for p, ids in trace.proofs.items() if p != untested}
    monkeypatch.setattr(trace, "proofs", proofs)
    assert trace.gaps() == ["V1 SELLER_NOT_VEHICLE_TRADER: no test proves it"]
