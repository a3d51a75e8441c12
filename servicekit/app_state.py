"""A route's dependency on an object its app made at start, named once.

`create_app` keeps a service's own objects in `app.state`; a route takes them as typed
parameters (`notices: Notices`), never from `request.app.state` (CONTRIBUTING, "Routes take
what the app holds as dependencies"). `app_state` is that dependency for any name:

    Notices = Annotated[NoticeBoard, Depends(app_state("notices"))]

The `Annotated` type is what the route and the type checker see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from servicekit.clock import Clock
from servicekit.settings import ServiceSettings


def app_state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency answering `request.app.state.<name>`. Async on purpose: FastAPI runs a
    plain function dependency in its thread pool, a hop per request for a lookup."""

    async def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    read.__name__ = read.__qualname__ = f"app_state_{name}"
    return read


app_settings = app_state("settings")
"""The settings of the app answering the request. A service whose routes read its own fields
names its subclass: `GatewaySettings = Annotated[Settings, Depends(app_settings)]`."""

AppSettings = Annotated[ServiceSettings, Depends(app_settings)]
"""The settings every service has (`ServiceSettings`)."""

BusClock = Annotated[Clock, Depends(app_state("clock"))]
"""The clock of the app answering the request (the bus clock, or a test's own)."""
