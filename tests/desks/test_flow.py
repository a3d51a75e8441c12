"""The sequence diagram's model: journal entries of one conversation → lifelines and arrows."""

from __future__ import annotations

from typing import Any

from desks.console.flow import sequence


def _entry(at: str, sender: str, provider: str | None, status: int, code: str) -> dict[str, Any]:
    return {
        "sessionId": at,
        "startedAt": at,
        "channel": "sync",
        "operation": "SendMessage",
        "messageId": "m-" + at,
        "correlationId": "c",
        "serviceId": "GBDFL_UniversalServiceSync",
        "senderId": sender,
        "provider": provider,
        "status": status,
        "code": code,
        "durationMs": 1.5,
        "request": {"asked": at},
        "response": {"answered": at},
    }


def test_exchanges_are_drawn_oldest_first_through_the_gateway() -> None:
    newest_first = [
        _entry("2026-03-02T05:00:02Z", "registration_service", None, 404, "SERVICE_NOT_FOUND"),
        _entry("2026-03-02T05:00:01Z", "tester", "gbd_fl", 200, "SCSS001"),
    ]
    model = sequence(newest_first)
    assert model["participants"] == ["tester", "registration_service", "gateway", "gbd_fl"]
    hops = [(a["from"], a["to"]) for a in model["arrows"]]
    assert hops == [
        ("tester", "gateway"),
        ("gateway", "gbd_fl"),
        ("gbd_fl", "gateway"),
        ("gateway", "tester"),
        # Refused at the gateway: no provider was asked.
        ("registration_service", "gateway"),
        ("gateway", "registration_service"),
    ]
    assert model["arrows"][0]["payload"] == {"asked": "2026-03-02T05:00:01Z"}
    assert model["arrows"][3]["payload"] == {"answered": "2026-03-02T05:00:01Z"}
    assert model["arrows"][3]["label"] == "200 SCSS001 · 1.5 ms"
    assert model["arrows"][5]["status"] == 404


def test_calls_of_one_instant_keep_the_journal_s_order() -> None:
    """A frozen bus clock gives every call the same time: the journal's order is the truth."""
    newest_first = [
        {
            **_entry("2026-03-02T05:00:00Z", "registration_service", "gbd_fl", 200, "SCSS001"),
            "sessionId": session,
            "serviceId": service,
        }
        for session, service in [("0", "THIRD"), ("f", "SECOND"), ("1", "FIRST")]
    ]
    arrows = sequence(newest_first)["arrows"]
    calls = [a["serviceId"] for a in arrows if a["from"] == "registration_service"]
    assert calls == ["FIRST", "SECOND", "THIRD"]


def test_no_entries_no_arrows() -> None:
    assert sequence([]) == {"participants": ["gateway"], "arrows": []}
