"""What the gateway's routes take from its app state, as typed dependencies.

`gateway.app.create_app` makes these objects once; a route names the one it needs
(`registry: CurrentRegistry`) instead of reading `request.app.state`. The kit's own (the clock,
the database, the bus) are in `servicekit`; the message log's and the operational figures' are
beside their routes (`gateway.message_log.routes`, `gateway.operational`), and the clock's
changes in `gateway.clock_routes`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.async_channel import AsyncChannel
from gateway.fault_rules import FaultRules
from gateway.journal import Journal
from gateway.registry import Registry
from gateway.settings import Settings
from gateway.sync_channel import SyncChannel
from servicekit.settings import app_settings

GatewaySettings = Annotated[Settings, Depends(app_settings)]


async def _sync_channel(request: Request) -> SyncChannel:
    channel: SyncChannel = request.app.state.sync_channel
    return channel


SyncChannelDep = Annotated[SyncChannel, Depends(_sync_channel)]
"""The sync channel: its HTTP client to the providers, the registry it routes by."""


async def _registry(request: Request) -> Registry:
    channel: SyncChannel = request.app.state.sync_channel
    return channel.registry


CurrentRegistry = Annotated[Registry, Depends(_registry)]
"""The registry of interactions as routed now: the snapshot taken when the request began (a
change swaps in a new one once committed, never changes this one)."""


async def _async_channel(request: Request) -> AsyncChannel:
    channel: AsyncChannel = request.app.state.async_channel
    return channel


AsyncChannelDep = Annotated[AsyncChannel, Depends(_async_channel)]
"""The async channel: its mailboxes and their dead letters (made once the app is starting)."""


async def _fault_rules(request: Request) -> FaultRules:
    rules: FaultRules = request.app.state.fault_rules
    return rules


FaultRulesDep = Annotated[FaultRules, Depends(_fault_rules)]
"""The testers' live fault rules, which both channels consult."""


async def _journal(request: Request) -> Journal:
    journal: Journal = request.app.state.journal
    return journal


JournalDep = Annotated[Journal, Depends(_journal)]
"""The request journal: the recent exchanges, for a tester to query."""
