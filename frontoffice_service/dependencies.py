"""What the front office's routes take from its app state, as typed dependencies.

`frontoffice_service.app.create_app` makes these objects once; a route names the one it needs
(`metrics: MachineryMetrics`) instead of reading `request.app.state`. The kit's own (the clock,
the gateway, the outbox, the idempotency store) are in `servicekit`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from frontoffice_service.provider.metrics import Metrics
from frontoffice_service.settings import Settings
from servicekit.app_state import app_settings, app_state

FrontOfficeSettings = Annotated[Settings, Depends(app_settings)]


MachineryMetrics = Annotated[Metrics, Depends(app_state("machinery_metrics"))]
"""The machinery desk's figures (M14's overdue gauge), in the app's own registry."""
