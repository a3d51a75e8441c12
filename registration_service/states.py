"""The application's states. Each is named after the step of processes.md it waits in, so a
stored state says where the application stands in the order's algorithm (V1–V22)."""

from __future__ import annotations

from enum import StrEnum

from servicekit.states import transitions


class State(StrEnum):
    V2_AWAITING_VIN = "V2_AWAITING_VIN"
    """V1 passed: the dealer enters the VIN (V2), checked in V3–V5."""
    V6_AWAITING_BUYER = "V6_AWAITING_BUYER"
    """V3–V5 passed: the dealer enters the buyer's ИИН (V6), checked in V7; the contract in V8."""
    V9_AWAITING_SELLER_SIGNATURE = "V9_AWAITING_SELLER_SIGNATURE"
    V10_AWAITING_BUYER_CONSENT = "V10_AWAITING_BUYER_CONSENT"
    """Signed by the dealer: the buyer is notified and accepts or declines (V10), then V11–V14."""
    V14_AWAITING_FINES_PAYMENT = "V14_AWAITING_FINES_PAYMENT"
    """ЕРАП has unpaid fines: the buyer pays them and submits again."""
    V15_AWAITING_PICKUP_CHOICE = "V15_AWAITING_PICKUP_CHOICE"
    """The buyer chooses a ЦОН and a plate type."""
    V16_AWAITING_PLATE = "V16_AWAITING_PLATE"
    """The buyer takes the number reserved for them in БМГ or chooses a free one."""
    V17_AWAITING_PAYMENT = "V17_AWAITING_PAYMENT"
    """An invoice is out in ПШЭП; the application goes on when ПШЭП says paid."""
    V18_AWAITING_BUYER_SIGNATURE = "V18_AWAITING_BUYER_SIGNATURE"
    V19_AWAITING_DECISION = "V19_AWAITING_DECISION"
    """Submitted to the administrative police of the ЦОН's region."""
    V19_PRINTING = "V19_PRINTING"
    """Approved, the plate issued: the printing centre (ИПЦ) makes the СРТС."""
    V20_READY_FOR_PICKUP = "V20_READY_FOR_PICKUP"
    """The СРТС and the plate wait at the chosen ЦОН (V20–V22)."""
    COMPLETED = "COMPLETED"
    """V22: handed over."""
    REFUSED = "REFUSED"
    """A motivated refusal: `refusal` says the step, the code and why."""
    DECLINED = "DECLINED"
    """The buyer declined the application (V10), or withdrew it before signing (V15–V18)."""


MOVES = transitions(
    State,
    {
        State.V2_AWAITING_VIN: {State.V6_AWAITING_BUYER, State.REFUSED},
        State.V6_AWAITING_BUYER: {State.V9_AWAITING_SELLER_SIGNATURE, State.REFUSED},
        State.V9_AWAITING_SELLER_SIGNATURE: {State.V10_AWAITING_BUYER_CONSENT},
        State.V10_AWAITING_BUYER_CONSENT: {
            State.V14_AWAITING_FINES_PAYMENT,
            State.V15_AWAITING_PICKUP_CHOICE,
            State.REFUSED,
            State.DECLINED,
        },
        State.V14_AWAITING_FINES_PAYMENT: {
            State.V14_AWAITING_FINES_PAYMENT,
            State.V15_AWAITING_PICKUP_CHOICE,
            State.REFUSED,
            State.DECLINED,
        },
        State.V15_AWAITING_PICKUP_CHOICE: {State.V16_AWAITING_PLATE, State.DECLINED},
        State.V16_AWAITING_PLATE: {
            State.V16_AWAITING_PLATE,
            State.V17_AWAITING_PAYMENT,
            State.DECLINED,
        },
        State.V17_AWAITING_PAYMENT: {State.V18_AWAITING_BUYER_SIGNATURE, State.DECLINED},
        State.V18_AWAITING_BUYER_SIGNATURE: {State.V19_AWAITING_DECISION, State.DECLINED},
        State.V19_AWAITING_DECISION: {State.V19_PRINTING, State.REFUSED},
        State.V19_PRINTING: {State.V20_READY_FOR_PICKUP},
        State.V20_READY_FOR_PICKUP: {State.COMPLETED},
        State.COMPLETED: set(),
        State.REFUSED: set(),
        State.DECLINED: set(),
    },
)
"""Which state may follow which (`servicekit.states.set_state`): the order's algorithm in
order; a motivated refusal where a check or the police may refuse (V3–V8, V11–V13, V19); a
V14 or V16 step taken again; the buyer's withdrawal until they sign (V10–V18)."""

FINAL = frozenset({State.COMPLETED, State.REFUSED, State.DECLINED})

REGISTERED = frozenset({State.V19_PRINTING, State.V20_READY_FOR_PICKUP, State.COMPLETED})
"""The police approved: the vehicle is registered, whatever the pick-up's progress."""


def step_of(state: str) -> str:
    """The step an application in `state` waits in (V2…V20), or the final state itself."""
    return state.split("_", 1)[0]
