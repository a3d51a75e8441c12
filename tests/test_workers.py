"""How the suite is cut into units of work for pytest-xdist (tests/fixtures/workers.py)."""

from __future__ import annotations

from tests.fixtures.workers import scope_of


def test_a_module_on_one_backend_is_one_unit() -> None:
    """A module's bus is one per backend: its two halves may run on two workers at once, and
    in a folder of shared buses each worker runs all its units on one backend, then on the
    next, and starts each of the folder's buses once, not once a module."""
    vin = "tests/registration/test_vin_flow.py"
    assert scope_of(f"{vin}::test_v1_to_v19[postgres]") == f"{vin}[postgres]"
    assert scope_of(f"{vin}::test_v1_to_v19[sqlite]") == f"{vin}[sqlite]"
    notary = "tests/registries/test_notary.py"
    assert scope_of(f"{notary}::test_m6_1[sqlite-buyer_kostanay]") == f"{notary}[sqlite]"
    assert scope_of(f"{notary}::test_m6_1[postgres-buyer_kostanay]") == f"{notary}[postgres]"
    flow = "tests/frontoffice/machinery/test_machinery_flow.py"
    assert scope_of(f"{flow}::test_authorization[embedded]") == f"{flow}[embedded]"
    assert (
        scope_of(f"{flow}::test_m3_no_token_is_401[postgres+rabbitmq-POST tickets]")
        == f"{flow}[postgres+rabbitmq]"
    )


def test_a_test_that_takes_no_bus_stays_with_its_module() -> None:
    registry = "tests/gateway/test_registry.py"
    assert scope_of(f"{registry}::test_metadata") == registry
    rooms = "tests/frontoffice/test_rooms.py"
    assert scope_of(f"{rooms}::test_imports[frontoffice_service.queue]") == rooms
