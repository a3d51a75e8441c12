"""Clock control for testers: freeze, set and advance the bus clock of every service at once.

The gateway changes its own clock and publishes the new state on the bus; every service
follows it (servicekit.clock_sync), so deadlines, SLAs and retention can be tested without
waiting. `GET /clock` is public, so any tool can see what time the bus thinks it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gateway.admin import AdminOnly
from servicekit.clock import Clock
from servicekit.clock_sync import publish_clock

router = APIRouter(tags=["clock"])


class ClockView(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    now: datetime
    local_now: datetime
    frozen: bool
    offset_seconds: float


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
    )


async def _changed(request: Request) -> ClockView:
    clock: Clock = request.app.state.clock
    await publish_clock(request.app.state.bus, clock.state)
    return _view(clock)


@router.get("/clock", summary="What time the bus thinks it is")
async def get_clock(request: Request) -> ClockView:
    return _view(request.app.state.clock)


@router.post("/admin/clock/freeze", summary="Stop the bus clock (now, or at a given instant)")
async def freeze(body: FreezeClock, _: AdminOnly, request: Request) -> ClockView:
    request.app.state.clock.freeze(body.at)
    return await _changed(request)


@router.post("/admin/clock/set", summary="Jump to an instant (frozen stays frozen)")
async def set_clock(body: SetClock, _: AdminOnly, request: Request) -> ClockView:
    request.app.state.clock.set(body.at)
    return await _changed(request)


@router.post("/admin/clock/advance", summary="Move the bus clock on")
async def advance(body: AdvanceClock, _: AdminOnly, request: Request) -> ClockView:
    request.app.state.clock.advance(timedelta(seconds=body.seconds))
    return await _changed(request)


@router.post("/admin/clock/unfreeze", summary="Let a frozen clock run on from where it stands")
async def unfreeze(_: AdminOnly, request: Request) -> ClockView:
    request.app.state.clock.unfreeze()
    return await _changed(request)


@router.post("/admin/clock/reset", summary="Back to real time")
async def reset(_: AdminOnly, request: Request) -> ClockView:
    request.app.state.clock.reset()
    return await _changed(request)
