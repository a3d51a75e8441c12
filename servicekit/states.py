"""One way to change a state: a transition table beside each status enum, and `set_state`.

A state service declares, next to its enum, which state may follow which
(`transitions(State, {...}, attribute="state")`); its code then changes an object's state only
through `set_state(obj, new)`, which refuses a move the table does not have with 409
ILLEGAL_TRANSITION. The steps still guard their own preconditions with their own codes (the
wrong step, the application not found…): a refused transition is the guard behind those, so
no code path can put an application into a state its process does not lead to.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from servicekit.errors import Problem

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class _Table:
    moves: Mapping[StrEnum, frozenset[StrEnum]]
    attribute: str


_TABLES: dict[type[StrEnum], _Table] = {}


def transitions(
    states: type[S], moves: Mapping[S, Collection[S]], *, attribute: str = "state"
) -> Mapping[S, frozenset[S]]:
    """Declare the moves between `states`' values, for `set_state` on objects that keep their
    state in `attribute`. Every value is a key: a final state has no moves."""
    unlisted = set(states) - set(moves)
    if unlisted:
        raise ValueError(f"{states.__name__}: no moves declared for {sorted(unlisted)}")
    table = {old: frozenset(new) for old, new in moves.items()}
    stored: dict[StrEnum, frozenset[StrEnum]] = {old: frozenset(new) for old, new in table.items()}
    _TABLES[states] = _Table(stored, attribute)
    return table


def set_state(obj: object, new: StrEnum) -> None:
    """Move `obj` to `new` if its state's table allows it; 409 ILLEGAL_TRANSITION if not."""
    table = _TABLES[type(new)]
    old = getattr(obj, table.attribute)
    if new not in table.moves[old]:
        raise Problem(
            "ILLEGAL_TRANSITION",
            status=409,
            extra={"from": str(old), "to": str(new)},
            old=str(old),
            new=str(new),
        )
    setattr(obj, table.attribute, new)
