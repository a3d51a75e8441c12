"""One way to change a state (servicekit.states): a move the table has goes through, any other
is 409 ILLEGAL_TRANSITION and leaves the object as it was; both state services declare every
state of their enum, and their code assigns a state nowhere but through `set_state`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

from frontoffice_service.machinery.models import APPLICATION_MOVES, ApplicationStatus
from registration_service.states import MOVES, State
from servicekit.errors import Problem
from servicekit.states import set_state, transitions

ROOT = Path(__file__).resolve().parents[2]


class Light(StrEnum):
    RED = "RED"
    GREEN = "GREEN"
    OFF = "OFF"


transitions(Light, {Light.RED: {Light.GREEN, Light.OFF}, Light.GREEN: {Light.RED}, Light.OFF: ()})


@dataclass
class Lamp:
    state: Light


def test_a_move_of_the_table_changes_the_state() -> None:
    lamp = Lamp(Light.RED)
    set_state(lamp, Light.GREEN)
    assert lamp.state is Light.GREEN


def test_a_move_the_table_lacks_is_409_and_changes_nothing() -> None:
    lamp = Lamp(Light.OFF)
    with pytest.raises(Problem) as raised:
        set_state(lamp, Light.GREEN)
    assert (raised.value.code, raised.value.status) == ("ILLEGAL_TRANSITION", 409)
    assert raised.value.extra == {"from": "OFF", "to": "GREEN"}
    assert "OFF" in raised.value.messages()["en"]
    assert lamp.state is Light.OFF


def test_a_table_names_every_state() -> None:
    class Half(StrEnum):
        ONE = "ONE"
        TWO = "TWO"

    with pytest.raises(ValueError, match="TWO"):
        transitions(Half, {Half.ONE: {Half.TWO}})


@pytest.mark.parametrize(
    ("moves", "states"),
    [(APPLICATION_MOVES, ApplicationStatus), (MOVES, State)],
    ids=["machinery application", "VIN application"],
)
def test_every_state_is_reached_from_the_first(
    moves: dict[StrEnum, frozenset[StrEnum]], states: type[StrEnum]
) -> None:
    first = next(iter(states))
    reached, todo = {first}, [first]
    while todo:
        for new in moves[todo.pop()] - reached:
            reached.add(new)
            todo.append(new)
    assert reached == set(states)


@pytest.mark.parametrize("service", ["frontoffice_service", "registration_service"])
def test_no_code_assigns_a_state_but_set_state(service: str) -> None:
    assignment = re.compile(r"\.(state|status) = (State|ApplicationStatus)\.")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / service).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if assignment.search(line)
    ]
    assert offenders == []
