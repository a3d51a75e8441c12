"""Where the emulator listens: NCALayer's own port on the documented bus, any free one on a
bus moved off the documented ports (two buses on one machine must not fight over it)."""

from __future__ import annotations

from egov.compose import compose_document
from egov.launcher import BusPlan, plan_ports
from ncalayer.settings import Settings
from servicekit.topology import spec

NCALAYER = spec("ncalayer")


def test_the_documented_bus_listens_on_ncalayers_port() -> None:
    plan = BusPlan(ports=plan_ports(None))
    assert "ws_port" not in plan.settings(NCALAYER)
    assert Settings(**plan.settings(NCALAYER)).ws_port == 13579


def test_a_moved_bus_takes_any_free_port_for_the_websocket() -> None:
    plan = BusPlan(ports=plan_ports(20000))
    assert plan.settings(NCALAYER)["ws_port"] == 0
    assert plan.environment(NCALAYER)["NCALAYER_WS_PORT"] == "0"
    # The other services have no second listener to move.
    assert "ws_port" not in plan.settings(spec("pki"))


def test_compose_publishes_the_websocket_port() -> None:
    entry = compose_document()["services"]["ncalayer"]
    assert entry["ports"] == ["8014:8014", "13579:13579"]
    assert entry["environment"]["NCALAYER_KEYS_DIR"] == "/app/personas/keys"
