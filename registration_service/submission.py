"""V19: the signed application goes to the administrative police of the ЦОН's region."""

from __future__ import annotations

from registration_service.events import ApplicationSubmitted
from registration_service.models import Application
from registration_service.portal import Portal
from registration_service.states import State
from servicekit.states import set_state


async def submit(portal: Portal, app: Application) -> None:
    assert app.region_code is not None
    set_state(app, State.V19_AWAITING_DECISION)
    app.submitted_at = portal.now()
    event = ApplicationSubmitted(
        occurred_at=portal.now(),
        application_id=app.id,
        number=app.number,
        region_code=app.region_code,
    )
    await portal.outbox.stage(portal.session, event)
