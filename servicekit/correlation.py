"""The conversation a registry call belongs to: the application it is made for.

A state service's registry calls for one application, whatever the step, the day or the
request, go out with one correlationId, the application's id (a UUID), so that the gateway's
journal gives them back together (`GET /journal?correlationId=<application id>`) and the
tester's console draws them as one flow. The id is the correlationId: nothing to store, and
anyone who holds the application's view holds its conversation.

Where a route or a consumer has loaded the application it calls `correlate(app.id)`; the
`GatewayClient` reads it when it builds an envelope. A request runs in its own task, so what
it sets ends with it; a consumer's deliveries run in `conversation()` (the kit's consumer hooks
do this), one scope each, so one delivery's application never leaks into the next.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

_application: ContextVar[uuid.UUID | None] = ContextVar("application_correlation", default=None)


def correlate(application_id: str | uuid.UUID) -> None:
    """The registry calls from here to the end of this request (or `conversation`) are made
    for this application."""
    _application.set(uuid.UUID(str(application_id)))


def current_correlation() -> uuid.UUID | None:
    """The application the calls of this task are made for, if one was named."""
    return _application.get()


@contextlib.contextmanager
def conversation(application_id: str | uuid.UUID | None = None) -> Iterator[None]:
    """A scope of its own, for work outside a request (a delivery of an event): what
    `correlate` sets inside it ends with it."""
    token = _application.set(None if application_id is None else uuid.UUID(str(application_id)))
    try:
        yield
    finally:
        _application.reset(token)
