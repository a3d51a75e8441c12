"""What the gateway's routes take from its app state, as typed dependencies.

`gateway.app.create_app` makes these objects once; a route names the one it needs
(`registry: CurrentRegistry`) instead of reading `request.app.state`. The kit's own (the clock,
the database, the bus) are in `servicekit`; the message log's and the operational figures' are
beside their routes (`gateway.message_log.routes`, `gateway.operational`), and the clock's
changes in `gateway.clock_routes`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.async_channel import AsyncChannel
from gateway.fault_rules import FaultRules
from gateway.journal import Journal
from gateway.registry import Registry
from gateway.settings import Settings
from gateway.sync_channel import SyncChannel
from servicekit.app_state import app_settings, app_state

GatewaySettings = Annotated[Settings, Depends(app_settings)]


SyncChannelDep = Annotated[SyncChannel, Depends(app_state("sync_channel"))]
"""The sync channel: its HTTP client to the providers, the registry it routes by."""


async def _registry(channel: SyncChannelDep) -> Registry:
    return channel.registry


CurrentRegistry = Annotated[Registry, Depends(_registry)]
"""The registry of interactions as routed now: the snapshot taken when the request began (a
change swaps in a new one once committed, never changes this one)."""


AsyncChannelDep = Annotated[AsyncChannel, Depends(app_state("async_channel"))]
"""The async channel: its mailboxes and their dead letters (made once the app is starting)."""


FaultRulesDep = Annotated[FaultRules, Depends(app_state("fault_rules"))]
"""The testers' live fault rules, which both channels consult."""


JournalDep = Annotated[Journal, Depends(app_state("journal"))]
"""The request journal: the recent exchanges, for a tester to query."""
