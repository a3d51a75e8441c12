"""Clock control for testers: freeze, set and advance the bus clock of every service at once.

The gateway changes its own clock and publishes the new state on the bus; every service
follows it (servicekit.clock_sync), so deadlines, SLAs and retention can be tested without
waiting. `GET /clock` is public, so any tool can see what time the bus thinks it is.

The state is kept in the gateway's database: a restarted gateway takes it up again and
announces it to every service, so a frozen bus stays frozen, at the same instant everywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gateway.admin import AdminOnly
from gateway.repository import ClockRepository
from servicekit.app_state import BusClock
from servicekit.bus import MessageBus
from servicekit.clock import Clock
from servicekit.clock_sync import publish_clock
from servicekit.db import Database

log = structlog.get_logger(__name__)

router = APIRouter(tags=["clock"])


class ClockView(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    now: datetime
    local_now: datetime
    frozen: bool
    offset_seconds: float
    version: int = Field(description="orders the changes: a service keeps the latest it saw")


class SetClock(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    at: AwareDatetime


class FreezeClock(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    at: AwareDatetime | None = None


class AdvanceClock(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    seconds: float = Field(gt=0, le=10 * 366 * 24 * 3600, description="how far to move on")


def _view(clock: Clock) -> ClockView:
    state = clock.state
    return ClockView(
        now=clock.now(),
        local_now=clock.local_now(),
        frozen=state.frozen_at is not None,
        offset_seconds=state.offset.total_seconds(),
        version=state.version,
    )


class ClockChanges:
    """The one way the bus clock changes: one change at a time, saved and committed before
    anyone sees it (a change the database refused would otherwise be forgotten by the next
    restart after the services applied it), then applied here and announced on the bus."""

    def __init__(self, clock: Clock, database: Database, bus: MessageBus) -> None:
        self.clock, self._database, self._bus = clock, database, bus
        self._one_at_a_time = asyncio.Lock()

    async def change(self, change: Callable[[Clock], None]) -> ClockView:
        async with self._one_at_a_time:
            draft = Clock(self.clock.state)
            change(draft)
            async with self._database.transaction() as session:
                await ClockRepository(session).save(draft.state)
            self.clock.apply(draft.state)
            await publish_clock(self._bus, draft.state)
        return _view(self.clock)


async def restore_clock(app: FastAPI) -> None:
    """Take up the bus clock kept in the database (the first time: the one this process runs
    on) and announce it, later than any change before, to the services that kept running."""
    clock: Clock = app.state.clock
    app.state.clock_changes = ClockChanges(clock, app.state.db, app.state.bus)
    async with app.state.db.transaction() as session:
        store = ClockRepository(session)
        state = clock.restore(await store.load() or clock.state)
        await store.save(state)
    await publish_clock(app.state.bus, state)
    if state.frozen_at is not None or state.offset:
        log.info("bus clock restored", now=clock.now().isoformat(), frozen=bool(state.frozen_at))


async def _clock_changes(request: Request) -> ClockChanges:
    changes: ClockChanges = request.app.state.clock_changes
    return changes


ClockControl = Annotated[ClockChanges, Depends(_clock_changes)]
"""Where a tester's change of the bus clock goes (made when the gateway takes up its clock)."""


@router.get("/clock", summary="What time the bus thinks it is")
async def get_clock(clock: BusClock) -> ClockView:
    return _view(clock)


@router.post("/admin/clock/freeze", summary="Stop the bus clock (now, or at a given instant)")
async def freeze(body: FreezeClock, _: AdminOnly, control: ClockControl) -> ClockView:
    return await control.change(lambda clock: clock.freeze(body.at))


@router.post("/admin/clock/set", summary="Jump to an instant (frozen stays frozen)")
async def set_clock(body: SetClock, _: AdminOnly, control: ClockControl) -> ClockView:
    return await control.change(lambda clock: clock.set(body.at))


@router.post("/admin/clock/advance", summary="Move the bus clock on")
async def advance(body: AdvanceClock, _: AdminOnly, control: ClockControl) -> ClockView:
    return await control.change(lambda clock: clock.advance(timedelta(seconds=body.seconds)))


@router.post("/admin/clock/unfreeze", summary="Let a frozen clock run on from where it stands")
async def unfreeze(_: AdminOnly, control: ClockControl) -> ClockView:
    return await control.change(Clock.unfreeze)


@router.post("/admin/clock/reset", summary="Back to real time")
async def reset(_: AdminOnly, control: ClockControl) -> ClockView:
    return await control.change(Clock.reset)
