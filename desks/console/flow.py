"""A conversation as a sequence diagram: the gateway's journal entries of one correlationId,
turned into lifelines and arrows (drawn by `static/flow.js`).

Each exchange is four arrows: the caller's request to the gateway, the gateway forwarding it to
the provider, the provider's answer, and the gateway's answer to the caller (with its status and
code). A call the gateway refused itself (no provider) is two: in, and straight back.
"""

from __future__ import annotations

from typing import Any

from servicekit.topology import GATEWAY


def sequence(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Entries as the journal gives them (newest first) → participants and arrows in order."""
    kept = entries[::-1]
    # Oldest first by the bus clock; calls of one instant (a frozen clock) in the order the
    # journal kept them (a stable sort), which a session id (random) does not know.
    ordered = sorted(kept, key=lambda e: e["startedAt"])
    callers: list[str] = []
    providers: list[str] = []
    arrows: list[dict[str, Any]] = []
    for entry in ordered:
        caller = entry.get("senderId") or "?"
        provider = entry.get("provider")
        if caller not in callers:
            callers.append(caller)
        if provider and provider not in providers:
            providers.append(provider)
        common = {
            "at": entry["startedAt"],
            "serviceId": entry.get("serviceId"),
            "messageId": entry.get("messageId"),
            "channel": entry.get("channel"),
        }
        call = f"{entry.get('operation')} {entry.get('serviceId') or ''}".strip()
        answer = f"{entry.get('status')} {entry.get('code')}"
        arrows.append(
            {**common, "from": caller, "to": GATEWAY, "label": call, "payload": entry["request"]}
        )
        if provider:
            arrows.append(
                {**common, "from": GATEWAY, "to": provider, "label": call, "payload": None}
            )
            arrows.append(
                {**common, "from": provider, "to": GATEWAY, "label": answer, "payload": None}
            )
        arrows.append(
            {
                **common,
                "from": GATEWAY,
                "to": caller,
                "label": f"{answer} · {entry.get('durationMs')} ms",
                "status": entry.get("status"),
                "payload": entry["response"],
            }
        )
    return {"participants": [*callers, GATEWAY, *providers], "arrows": arrows}
