"""How the suite is cut into units of work for pytest-xdist (tests/fixtures/workers.py)."""

from __future__ import annotations

from tests.fixtures.workers import scope_of


def test_a_module_is_one_unit_wherever_its_bus_is_its_own() -> None:
    assert (
        scope_of("tests/gateway/test_registry.py::test_metadata")
        == "tests/gateway/test_registry.py"
    )
    assert (
        scope_of("tests/registration/test_vin_flow.py::test_v1_to_v19[postgres]")
        == "tests/registration/test_vin_flow.py"
    )


def test_in_a_folder_of_shared_buses_a_module_is_one_unit_per_backend() -> None:
    """So each worker runs all its units on one backend, then on the next, and starts each of
    the folder's buses once, not once a module."""
    notary = "tests/registries/test_notary.py"
    assert scope_of(f"{notary}::test_m6_1[sqlite-buyer_kostanay]") == f"{notary}[sqlite]"
    assert scope_of(f"{notary}::test_m6_1[postgres-buyer_kostanay]") == f"{notary}[postgres]"
    flow = "tests/frontoffice/machinery/test_machinery_flow.py"
    assert scope_of(f"{flow}::test_authorization[embedded]") == f"{flow}[embedded]"
    assert (
        scope_of(f"{flow}::test_m3_no_token_is_401[postgres+rabbitmq-POST tickets]")
        == f"{flow}[postgres+rabbitmq]"
    )
    # A test of such a folder that takes no bus stays with its module.
    rooms = "tests/frontoffice/test_rooms.py"
    assert scope_of(f"{rooms}::test_the_desk_and_the_provider_never_meet") == rooms
    assert scope_of(f"{rooms}::test_imports[frontoffice_service.queue]") == rooms
