"""How the suite is cut into units of work for pytest-xdist (tests/fixtures/workers.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tests.fixtures.workers import pytest_xdist_make_scheduler, scope_of


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


class _Worker:
    """What xdist's scheduler needs of a worker: a name, it takes tests (by index), it stops."""

    def __init__(self, name: str) -> None:
        self.gateway = SimpleNamespace(id=name)
        self.shutting_down = False
        self.given: list[list[int]] = []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.given.append(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def test_the_units_go_out_in_the_order_collected_not_largest_first() -> None:
    """LONGEST_FIRST puts the long single-test modules first; xdist's default would hand out
    the units with the most tests first and start the walk-through last."""
    config: Any = SimpleNamespace(
        getvalue=lambda name: ["2*popen"], option=SimpleNamespace(loadscopereorder=True)
    )
    scheduler = pytest_xdist_make_scheduler(config, None)
    collection = [
        "tests/test_walkthrough.py::test_readme",
        "tests/test_cli.py::test_up",
        *(f"tests/test_contracts.py::test_spec[{n}]" for n in range(30)),
    ]
    workers = [_Worker("gw0"), _Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)
        scheduler.add_node_collection(worker, collection)
    scheduler.schedule()
    assert [worker.given[0] for worker in workers] == [[0], [1]]
