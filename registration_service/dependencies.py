"""What the portal's routes take from its app state, as typed dependencies.

`registration_service.app.create_app` makes these objects once; a route names the one it
needs (`notices: Notices`) instead of reading `request.app.state`. The kit's own (the clock,
the database, the idempotency store) are in `servicekit`; a step's whole set is the `Portal`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from registration_service.notices import NoticeBoard, StreamSlots
from registration_service.settings import Settings
from servicekit.app_state import app_settings, app_state

RegistrationSettings = Annotated[Settings, Depends(app_settings)]


Notices = Annotated[NoticeBoard, Depends(app_state("notices"))]
"""What wakes the cabinet's live streams: a commit that notified a buyer or an application."""


Streams = Annotated[StreamSlots, Depends(app_state("streams"))]
"""The live streams each buyer holds, and the cap on them."""
